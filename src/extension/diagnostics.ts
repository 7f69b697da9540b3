import * as vscode from 'vscode';
import type { Diagnostic } from '../core/diagnostics';
import type { ConfigWorkspace } from './configWorkspace';
import { toDiagnostic } from './convert';

const SCHEMA_CODES = new Set<string>(['FS101', 'FS102', 'FS103', 'FS104', 'FS105']);

/**
 * Publishes the diagnostics of every indexed file — open or not — to the Problems panel. Only files whose
 * diagnostics changed since the last publication are sent again, so an edit in one file of thousands costs
 * one update (plus the files whose cross-file checks it changed).
 */
export class DiagnosticsPublisher implements vscode.Disposable {
  static readonly COLLECTION_NAME = 'federated-secrets';
  private readonly collection = vscode.languages.createDiagnosticCollection(DiagnosticsPublisher.COLLECTION_NAME);
  private readonly published = new Map<string, { uri: vscode.Uri; signature: string }>();
  /** Diagnostics from online sources (a connection test, a vault listing), by source, then by file. */
  private readonly live = new Map<string, Map<string, Diagnostic[]>>();
  private disposed = false;

  constructor(private readonly workspace: ConfigWorkspace) {}

  update(): void {
    if (this.disposed) return;
    const index = this.workspace.index;
    const open = this.openDocuments();
    const current = new Set(index.fileNames);
    for (const [file, entry] of this.published) {
      if (!current.has(file)) {
        this.collection.delete(entry.uri);
        this.published.delete(file);
      }
    }
    // A file that left the index takes its live diagnostics with it.
    for (const byFile of this.live.values()) for (const file of [...byFile.keys()]) if (!current.has(file)) byFile.delete(file);
    for (const file of current) this.publish(file, open);
  }

  /**
   * Sets the diagnostics one online source found in one file, replacing what that source said before about
   * the file (an empty list clears them). They are published together with the file's offline diagnostics,
   * under the same collection, until the source replaces them or the file leaves the workspace. Sources are
   * free-form ids, e.g. `connectionTest` (FS306) or `vaultNames` (FS301–FS305).
   */
  setLive(source: string, file: string, diagnostics: readonly Diagnostic[]): void {
    let byFile = this.live.get(source);
    if (diagnostics.length) {
      if (!byFile) this.live.set(source, (byFile = new Map<string, Diagnostic[]>()));
      byFile.set(file, [...diagnostics]);
    } else {
      byFile?.delete(file);
    }
    if (this.workspace.index.has(file)) this.publish(file, this.openDocuments());
  }

  /** Clears every diagnostic of one online source (e.g. when the workspace loses trust). */
  clearLive(source: string): void {
    const byFile = this.live.get(source);
    if (!byFile) return;
    this.live.delete(source);
    const open = this.openDocuments();
    for (const file of byFile.keys()) if (this.workspace.index.has(file)) this.publish(file, open);
  }

  /** The live diagnostics of a file, from every source (or one). */
  liveFor(file: string, source?: string): Diagnostic[] {
    const sources = source === undefined ? [...this.live.values()] : [this.live.get(source) ?? new Map<string, Diagnostic[]>()];
    return sources.flatMap((byFile) => byFile.get(file) ?? []);
  }

  /** VS Code's JSON support validates open documents against the same contributed schemas; see publish. */
  private openDocuments(): Set<string> {
    return new Set(vscode.workspace.textDocuments.filter((d) => !d.isClosed).map((d) => d.uri.toString()));
  }

  private publish(file: string, open: Set<string>): void {
    // Sources may clear their diagnostics while the extension shuts down, after the collection is gone.
    if (this.disposed) return;
    const uri = this.workspace.uriOf(file);
    const isOpen = open.has(uri.toString());
    // Publishing our schema findings (FS101–FS105) for open documents too would list every schema problem
    // twice (VS Code's JSON support reports them). Closed files get ours.
    const diagnostics = [...this.workspace.index.diagnosticsFor(file).filter((d) => !(isOpen && SCHEMA_CODES.has(d.code))), ...this.liveFor(file)];
    const signature = JSON.stringify(diagnostics);
    const previous = this.published.get(file);
    if (previous && previous.signature === signature && previous.uri.toString() === uri.toString()) return;
    this.collection.set(
      uri,
      diagnostics.map((d) => toDiagnostic(d, (f) => this.workspace.uriOf(f))),
    );
    this.published.set(file, { uri, signature });
  }

  dispose(): void {
    this.disposed = true;
    this.collection.dispose();
    this.published.clear();
    this.live.clear();
  }
}
