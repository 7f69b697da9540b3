import * as vscode from 'vscode';
import { makeDiagnostic } from '../core/diagnostics';
import { CONFIG_FILE_GLOB, kindOfFile } from '../core/model/kinds';
import type { ParseLimits, ParseResult } from '../core/model/parse';
import { DEFAULT_LIMITS, parseConfigBytes, parseConfigText } from '../core/model/parse';
import { START_RANGE } from '../core/model/text';
import { WorkspaceIndex } from '../core/workspace/index';
import { describeError, fileKeyOf, isEqualOrUnder, uriExists, uriOfKey } from './convert';

/** Folders never searched for config files (the same as the CLI skips). */
export const EXCLUDE_GLOB = '**/{node_modules,.git}/**';
const EXCLUDED_SEGMENTS = new Set(['node_modules', '.git']);
/** Typing pauses this long before a file is re-parsed. */
const EDIT_DEBOUNCE_MS = 150;
/** Bursts of index changes (a scan, a branch switch) are reported to listeners once. */
const CHANGE_DEBOUNCE_MS = 25;
/** Files read at the same time during a scan. */
const READ_CONCURRENCY = 16;

export const SETTING_MAX_FILE_SIZE = 'validation.maxFileSizeKb';

/** Runs an event handler's work; whatever it throws is logged, never passed back to VS Code. */
export function runGuarded(log: vscode.LogOutputChannel, label: string, work: () => unknown): void {
  void (async () => {
    try {
      await work();
    } catch (error) {
      log.error(`${label}: ${describeError(error)}`);
    }
  })();
}

/**
 * Keeps a WorkspaceIndex of every config file in the workspace folders current: an initial scan, then open
 * documents (their unsaved text wins over the disk), file system events and workspace folder changes.
 *
 * Every change to a file takes a new ticket; a read that finishes after a newer change to the same file is
 * dropped, so a slow disk read can never overwrite what the user typed since.
 */
export class ConfigWorkspace implements vscode.Disposable {
  readonly index = new WorkspaceIndex();
  private readonly uris = new Map<string, vscode.Uri>();
  private readonly tickets = new Map<string, number>();
  private ticketCounter = 0;
  private readonly editTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private scanned = false;

  /** Fires (debounced) after the index changed. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** True once the first full scan finished. */
  get ready(): boolean {
    return this.scanned;
  }

  /** The URI of a file of the index. */
  uriOf(file: string): vscode.Uri {
    return this.uris.get(file) ?? uriOfKey(file);
  }

  keyOf(uri: vscode.Uri): string {
    return fileKeyOf(uri);
  }

  /** Every indexed file with its URI. */
  entries(): [string, vscode.Uri][] {
    return [...this.uris.entries()];
  }

  /** Starts listening to the workspace. Call `rescan` for the initial scan. */
  start(): void {
    const guard = (label: string, work: () => unknown) => runGuarded(this.log, label, work);
    const configWatcher = vscode.workspace.createFileSystemWatcher(CONFIG_FILE_GLOB);
    // Deleting or moving a folder outside VS Code (a branch switch, rm -r) is reported for the folder only,
    // which the config glob does not match: watch deletions of anything and drop the files under it.
    const deleteWatcher = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
    this.disposables.push(
      configWatcher,
      deleteWatcher,
      configWatcher.onDidCreate((uri) => guard('file created', () => this.refreshFile(uri))),
      configWatcher.onDidChange((uri) => guard('file changed', () => this.refreshFile(uri))),
      deleteWatcher.onDidDelete((uri) => guard('file deleted', () => this.removeDeleted(uri))),
      vscode.workspace.onDidOpenTextDocument((doc) => guard('document opened', () => this.refreshFile(doc.uri))),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.scheduleEdit(event.document.uri);
      }),
      // A closed document's unsaved edits are gone: the disk is the truth again.
      vscode.workspace.onDidCloseTextDocument((doc) => guard('document closed', () => this.refreshFile(doc.uri, 'disk'))),
      vscode.workspace.onDidDeleteFiles((event) => guard('files deleted', () => event.files.forEach((uri) => this.removeDeleted(uri)))),
      vscode.workspace.onDidRenameFiles((event) =>
        guard('files renamed', async () => {
          for (const { oldUri, newUri } of event.files) {
            this.removeDeleted(oldUri);
            await this.addCreated(newUri);
          }
        }),
      ),
      vscode.workspace.onDidCreateFiles((event) =>
        guard('files created', async () => {
          for (const uri of event.files) await this.addCreated(uri);
        }),
      ),
      vscode.workspace.onDidChangeWorkspaceFolders((event) =>
        guard('workspace folders changed', async () => {
          for (const folder of event.removed) this.removeUnder(folder.uri);
          for (const folder of event.added) await this.scan(new vscode.RelativePattern(folder, CONFIG_FILE_GLOB));
        }),
      ),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`federatedSecrets.${SETTING_MAX_FILE_SIZE}`)) guard('settings changed', () => this.rescan());
      }),
    );
  }

  /** Reads every config file of the workspace again (the initial scan, and the Refresh command). */
  async rescan(): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Federated Secrets: reading configuration files' }, async (progress) => {
      const started = Date.now();
      const count = await this.scan(CONFIG_FILE_GLOB, () => true, progress);
      this.log.info(`Indexed ${count} configuration file${count === 1 ? '' : 's'} in ${Date.now() - started} ms.`);
    });
    this.scanned = true;
    this.changed();
  }

  /**
   * Re-reads one file. `auto` prefers the open document's text (it holds unsaved edits); `disk` reads the
   * file. A file that no longer exists leaves the index.
   */
  async refreshFile(uri: vscode.Uri, mode: 'auto' | 'disk' = 'auto'): Promise<void> {
    const key = fileKeyOf(uri);
    if (!this.isCandidate(uri)) {
      if (this.uris.has(key)) this.forget(key);
      return;
    }
    const ticket = this.takeTicket(key);
    const open = mode === 'auto' ? this.openDocument(uri) : undefined;
    // An open document of a file that is not indexed was deleted on disk (or is not scanned yet): it takes
    // part only while the file exists, so that a deleted file stops satisfying references at once.
    if (open && !this.index.has(key) && !(await uriExists(uri))) return;
    const result = open ? parseConfigText(key, open.getText(), undefined, this.limits()) : await this.read(uri, key);
    if (this.tickets.get(key) !== ticket) return;
    if (result === 'missing') this.forget(key);
    else this.apply(uri, result);
  }

  /**
   * A deleted file or folder leaves the index with its diagnostics. This holds for a file still open in an
   * editor, too: it no longer exists for the workspace (nor for the CLI), so keeping it would hide errors such
   * as references to it. Saving the editor re-creates the file, and it comes back.
   */
  removeDeleted(uri: vscode.Uri): void {
    const key = fileKeyOf(uri);
    if (this.uris.has(key)) this.forget(key);
    else this.removeUnder(uri);
  }

  dispose(): void {
    for (const timer of this.editTimers.values()) clearTimeout(timer);
    this.editTimers.clear();
    if (this.changeTimer) clearTimeout(this.changeTimer);
    for (const d of this.disposables) d.dispose();
  }

  private removeUnder(folder: vscode.Uri): void {
    for (const [key, uri] of [...this.uris]) {
      if (isEqualOrUnder(uri, folder)) this.forget(key);
    }
  }

  /** A created or moved file or folder: read the file, or scan the folder. */
  private async addCreated(uri: vscode.Uri): Promise<void> {
    const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
    if (!stat) return;
    if (stat.type & vscode.FileType.Directory) {
      if (vscode.workspace.getWorkspaceFolder(uri) && !this.isExcluded(uri)) await this.scan(new vscode.RelativePattern(uri, CONFIG_FILE_GLOB));
    } else if (kindOfFile(uri.path)) await this.refreshFile(uri);
  }

  private scheduleEdit(uri: vscode.Uri): void {
    if (!kindOfFile(uri.path)) return;
    const id = uri.toString();
    const pending = this.editTimers.get(id);
    if (pending) clearTimeout(pending);
    this.editTimers.set(
      id,
      setTimeout(() => {
        this.editTimers.delete(id);
        runGuarded(this.log, 'document changed', () => this.refreshFile(uri));
      }, EDIT_DEBOUNCE_MS),
    );
  }

  /**
   * Reads the files matching `include`; with `removeIf`, indexed files it did not find (and that did not
   * change meanwhile) leave the index. Returns how many files it read.
   */
  private async scan(include: vscode.GlobPattern, removeIf?: (uri: vscode.Uri) => boolean, progress?: vscode.Progress<{ message?: string }>): Promise<number> {
    const startTicket = this.ticketCounter;
    const found = (await vscode.workspace.findFiles(include, EXCLUDE_GLOB)).filter((uri) => this.isCandidate(uri));
    const foundKeys = new Set(found.map(fileKeyOf));
    const openByUri = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    const jobs = found.map((uri) => ({ uri, key: fileKeyOf(uri), ticket: this.takeTicket(fileKeyOf(uri)) }));
    let done = 0;
    await forEachLimited(jobs, READ_CONCURRENCY, async (job) => {
      const open = openByUri.get(job.uri.toString());
      let result: ParseResult | 'missing';
      try {
        result = open && !open.isClosed ? parseConfigText(job.key, open.getText(), undefined, this.limits()) : await this.read(job.uri, job.key);
      } catch (error) {
        this.log.error(`Reading ${job.key}: ${describeError(error)}`);
        return;
      }
      done++;
      if (progress && done % 50 === 0) progress.report({ message: `${done}/${jobs.length}` });
      if (this.tickets.get(job.key) !== job.ticket) return;
      if (result === 'missing') this.forget(job.key);
      else this.apply(job.uri, result);
    });
    if (removeIf) {
      for (const [key, uri] of [...this.uris]) {
        if (!foundKeys.has(key) && removeIf(uri) && (this.tickets.get(key) ?? 0) <= startTicket) this.forget(key);
      }
    }
    this.changed();
    return jobs.length;
  }

  private async read(uri: vscode.Uri, key: string): Promise<ParseResult | 'missing'> {
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (error) {
      if (error instanceof vscode.FileSystemError && (error.code === 'FileNotFound' || error.code === 'FileIsADirectory')) return 'missing';
      const kind = kindOfFile(uri.path);
      if (!kind) return 'missing';
      this.log.warn(`Cannot read ${key}: ${describeError(error)}`);
      const reason = error instanceof vscode.FileSystemError ? error.code : describeError(error);
      return {
        document: { file: key, kind, range: START_RANGE, schemaValid: false, positions: new Map() },
        diagnostics: [makeDiagnostic('unreadable', key, START_RANGE, `The file cannot be read (${reason}). Check that it exists and is readable.`)],
      };
    }
    return parseConfigBytes(key, bytes, undefined, this.limits());
  }

  private apply(uri: vscode.Uri, result: ParseResult): void {
    this.uris.set(result.document.file, uri);
    this.index.set(result);
    this.changed();
  }

  private forget(key: string): void {
    this.tickets.delete(key);
    this.uris.delete(key);
    this.index.remove(key);
    this.changed();
  }

  private takeTicket(key: string): number {
    const ticket = ++this.ticketCounter;
    this.tickets.set(key, ticket);
    return ticket;
  }

  private changed(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.changeEmitter.fire();
    }, CHANGE_DEBOUNCE_MS);
  }

  private limits(): ParseLimits {
    const kb = vscode.workspace.getConfiguration('federatedSecrets').get<number>(SETTING_MAX_FILE_SIZE, DEFAULT_LIMITS.maxSize / 1024);
    const valid = typeof kb === 'number' && Number.isFinite(kb) && kb > 0 ? kb : DEFAULT_LIMITS.maxSize / 1024;
    return { ...DEFAULT_LIMITS, maxSize: Math.round(valid * 1024) };
  }

  private isExcluded(uri: vscode.Uri): boolean {
    return uri.path.split('/').some((segment) => EXCLUDED_SEGMENTS.has(segment));
  }

  /** A config file name, inside a workspace folder, not in an excluded folder. */
  private isCandidate(uri: vscode.Uri): boolean {
    return kindOfFile(uri.path) !== undefined && vscode.workspace.getWorkspaceFolder(uri) !== undefined && !this.isExcluded(uri);
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    const id = uri.toString();
    return vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === id);
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
