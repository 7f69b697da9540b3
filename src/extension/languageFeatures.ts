import * as vscode from 'vscode';
import type { CodeAction as CoreCodeAction } from '../core/editor/code-actions';
import { codeActions } from '../core/editor/code-actions';
import type { CompletionItem as CoreCompletionItem, CompletionKind, CompletionResult } from '../core/editor/completion';
import { complete } from '../core/editor/completion';
import type { CursorInput } from '../core/editor/context';
import { hover } from '../core/editor/hover';
import type { LiveContext, LiveNamesState } from '../core/editor/live';
import { definition, prepareRename, references, rename } from '../core/editor/navigation';
import type { Diagnostic } from '../core/diagnostics';
import { CONFIG_KINDS, kindOfFile } from '../core/model/kinds';
import type { TreeNode } from '../core/workspace/tree';
import type { ConfigWorkspace } from './configWorkspace';
import { DIAGNOSTIC_SOURCE, describeError, registerGuardedCommands, toRange } from './convert';
import type { DiagnosticsPublisher } from './diagnostics';
import { toLocation, toWorkspaceEdit } from './edits';
import { LiveNames } from './liveNames';
import { LiveStoreChecks } from './liveStoreChecks';
import { REPLACE_WITH_REFERENCE_COMMAND, ReplaceWithReference } from './replaceWithReference';
import type { EditorServices } from './services';
import { SETTING } from './services';
import { MANAGE_TRUST_COMMAND, requireTrust } from './trust';

export const LANGUAGE_COMMANDS = {
  refreshSecretNames: 'federatedSecrets.refreshSecretNames',
  checkSecretStore: 'federatedSecrets.checkSecretStore',
  replaceWithReference: REPLACE_WITH_REFERENCE_COMMAND,
} as const;

/** The config files, in the language VS Code gives them (jsonc, contributed) — and json, should a user map them so. */
export const CONFIG_DOCUMENTS: vscode.DocumentFilter[] = CONFIG_KINDS.flatMap((kind) => [
  { language: 'jsonc', pattern: `**/*.${kind}.json` },
  { language: 'json', pattern: `**/*.${kind}.json` },
]);

export interface LanguageFeatureDeps {
  workspace: ConfigWorkspace;
  diagnostics: DiagnosticsPublisher;
  services: EditorServices;
  log: vscode.LogOutputChannel;
}

const COMPLETION_KINDS: Record<CompletionKind, vscode.CompletionItemKind> = {
  secret: vscode.CompletionItemKind.Value,
  reference: vscode.CompletionItemKind.Reference,
  federation: vscode.CompletionItemKind.Module,
};

const OPEN_SETTINGS = 'Open Settings';
const MANAGE_TRUST = 'Manage Workspace Trust';
const SHOW_LOG = 'Show Log';

/**
 * Says why live names are missing — once per store and reason (once per reason when live names are off), never
 * per keystroke. Loading is a transient status bar message; anything else an information message.
 */
class Notices {
  private readonly shown = new Set<string>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly disabledReason: () => string | undefined,
  ) {}

  show(notice: NonNullable<CompletionResult['notice']>, status: LiveNamesState['status'] | undefined): void {
    const disabled = status === 'disabled' || status === undefined;
    const key = disabled ? `*\u0000${this.disabledReason() ?? notice.message}` : `${notice.store}\u0000${notice.message}`;
    if (this.shown.has(key)) return;
    this.shown.add(key);
    if (status === 'loading') {
      vscode.window.setStatusBarMessage(`$(sync~spin) ${notice.message}`, 4000);
      return;
    }
    const restricted = !vscode.workspace.isTrusted;
    const buttons = disabled ? [restricted ? MANAGE_TRUST : OPEN_SETTINGS] : [SHOW_LOG];
    const message = disabled ? `Federated Secrets: ${this.disabledReason() ?? notice.message}` : `Federated Secrets: ${notice.message}`;
    void vscode.window.showInformationMessage(message, ...buttons).then((action) => {
      if (action === MANAGE_TRUST) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
      else if (action === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', `federatedSecrets.${SETTING.liveCompletion}`);
      else if (action === SHOW_LOG) this.log.show(true);
    });
  }

  /** Reasons may be said again (after a refresh, or when settings or trust changed). */
  reset(): void {
    this.shown.clear();
  }
}

/**
 * The index follows typing with a short delay; navigation, rename and quick fixes must see the text as it is.
 * Documents edited since they were last read are re-read before such a request.
 */
class FreshIndex implements vscode.Disposable {
  private readonly stale = new Map<string, vscode.Uri>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly workspace: ConfigWorkspace) {
    this.subscription = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length && kindOfFile(event.document.uri.path)) this.stale.set(event.document.uri.toString(), event.document.uri);
    });
  }

  async ensure(): Promise<void> {
    if (!this.stale.size) return;
    const uris = [...this.stale.values()];
    this.stale.clear();
    await Promise.all(uris.map((uri) => this.workspace.refreshFile(uri)));
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

function sameRange(a: vscode.Range, b: vscode.Range): boolean {
  return a.start.isEqual(b.start) && a.end.isEqual(b.end);
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = d.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && typeof (value as TreeNode).id === 'string' && Array.isArray((value as TreeNode).children);
}

/**
 * Completion, hover, go to definition, find references, rename and quick fixes for the config files, live secret
 * names (cache, refresh, persistence), validate-on-save of secret stores and the commands that go with them — all
 * thin adapters over the core's pure functions.
 */
export function registerLanguageFeatures(context: vscode.ExtensionContext, deps: LanguageFeatureDeps): void {
  const { workspace, diagnostics, services, log } = deps;
  const names = new LiveNames(workspace, services, context.globalState, log);
  const checks = new LiveStoreChecks(workspace, diagnostics, services, names, log);
  const fresh = new FreshIndex(workspace);
  const notices = new Notices(log, () => names.disabledReason());
  const replace = new ReplaceWithReference(workspace);
  const uriOf = (file: string) => workspace.uriOf(file);
  const inputOf = (document: vscode.TextDocument, position: vscode.Position): CursorInput => ({ file: workspace.keyOf(document.uri), text: document.getText(), offset: document.offsetAt(position) });
  /** Core completion items behind the editor's, for documentation on demand (10,000 names need no 10,000 Markdown strings). */
  const coreItems = new WeakMap<vscode.CompletionItem, CoreCompletionItem>();

  const completionProvider: vscode.CompletionItemProvider = {
    provideCompletionItems(document, position) {
      const statuses = new Map<string, LiveNamesState['status']>();
      const live: LiveContext = {
        ...names.live,
        names: (store) => {
          const state = names.lookup(store);
          statuses.set(store, state.status);
          return state;
        },
      };
      const result = complete(inputOf(document, position), workspace.index, live);
      if (result.notice) notices.show(result.notice, statuses.get(result.notice.store));
      // Every item of one request replaces the same string: convert its range once, not 10,000 times.
      const ranges = new Map<CoreCompletionItem['range'], vscode.Range>();
      const items = result.items.map((core) => {
        const item = new vscode.CompletionItem(core.label, COMPLETION_KINDS[core.kind]);
        item.insertText = core.insertText;
        item.filterText = core.filterText;
        let range = ranges.get(core.range);
        if (!range) ranges.set(core.range, (range = toRange(core.range)));
        item.range = range;
        item.sortText = core.sortText;
        const detail = core.detail;
        if (detail) item.detail = detail;
        if (core.deprecated) item.tags = [vscode.CompletionItemTag.Deprecated];
        coreItems.set(item, core);
        return item;
      });
      // While names load, ask again on the next keystroke: they may be there by then.
      const loading = [...statuses.values()].includes('loading');
      return new vscode.CompletionList(items, loading);
    },
    resolveCompletionItem(item) {
      const documentation = coreItems.get(item)?.documentation;
      if (documentation) item.documentation = new vscode.MarkdownString(documentation);
      return item;
    },
  };

  const hoverProvider: vscode.HoverProvider = {
    provideHover(document, position) {
      const result = hover(inputOf(document, position), workspace.index, names.live);
      if (!result) return undefined;
      const markdown = new vscode.MarkdownString(result.markdown, true);
      return new vscode.Hover(markdown, toRange(result.range));
    },
  };

  const definitionProvider: vscode.DefinitionProvider = {
    async provideDefinition(document, position) {
      await fresh.ensure();
      const location = definition(inputOf(document, position), workspace.index);
      return location ? toLocation(location, uriOf) : undefined;
    },
  };

  const referenceProvider: vscode.ReferenceProvider = {
    async provideReferences(document, position, referenceContext) {
      await fresh.ensure();
      const input = inputOf(document, position);
      let found = references(input, workspace.index);
      if (!referenceContext.includeDeclaration) {
        const declared = definition(input, workspace.index);
        if (declared) found = found.filter((l) => !(l.file === declared.file && JSON.stringify(l.range) === JSON.stringify(declared.range)));
      }
      return found.map((l) => toLocation(l, uriOf));
    },
  };

  const renameProvider: vscode.RenameProvider = {
    async prepareRename(document, position) {
      await fresh.ensure();
      const result = prepareRename(inputOf(document, position), workspace.index);
      if ('error' in result) throw new Error(result.error);
      return { range: toRange(result.range), placeholder: result.placeholder };
    },
    async provideRenameEdits(document, position, newName) {
      await fresh.ensure();
      const result = rename(inputOf(document, position), newName.trim(), workspace.index);
      if ('error' in result) throw new Error(result.error);
      return toWorkspaceEdit(result, uriOf);
    },
  };

  const codeActionProvider: vscode.CodeActionProvider = {
    async provideCodeActions(document, range, actionContext) {
      if (actionContext.only && !vscode.CodeActionKind.QuickFix.intersects(actionContext.only)) return [];
      const ours = actionContext.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
      if (!ours.length) return [];
      await fresh.ensure();
      const file = workspace.keyOf(document.uri);
      const all: Diagnostic[] = [...workspace.index.diagnosticsFor(file), ...diagnostics.liveFor(file)];
      // The core's diagnostics carry what fixes need (suggestions, names); match them to the editor's.
      const matched = new Map<Diagnostic, vscode.Diagnostic>();
      for (const d of all) {
        const shown = ours.find((v) => codeOf(v) === d.code && sameRange(v.range, toRange(d.range)));
        if (shown) matched.set(d, shown);
      }
      if (!matched.size) {
        for (const d of all) {
          const shown = ours.find((v) => codeOf(v) === d.code && v.range.intersection(toRange(d.range)) !== undefined);
          if (shown && toRange(d.range).intersection(range)) matched.set(d, shown);
        }
      }
      const texts = new Map<string, string>();
      const missing = new Set<string>();
      const readText = (other: string): string | undefined => {
        const open = vscode.workspace.textDocuments.find((d) => !d.isClosed && workspace.keyOf(d.uri) === other);
        if (open) return open.getText();
        if (texts.has(other)) return texts.get(other);
        missing.add(other);
        return undefined;
      };
      let actions = codeActions(file, [...matched.keys()], workspace.index, readText);
      if (missing.size) {
        // Fixes that edit a closed file (a store's mappings) need its text: read it, then plan again.
        for (const other of missing) {
          try {
            texts.set(other, new TextDecoder().decode(await vscode.workspace.fs.readFile(uriOf(other))));
          } catch (error) {
            log.warn(`Quick fix: cannot read ${other}: ${describeError(error)}`);
          }
        }
        actions = codeActions(file, [...matched.keys()], workspace.index, readText);
      }
      return actions.map((action) => toCodeAction(action, matched, uriOf));
    },
  };

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    [LANGUAGE_COMMANDS.replaceWithReference]: (arg) => replace.run(arg),
    [LANGUAGE_COMMANDS.refreshSecretNames]: () => refreshSecretNames(),
    [LANGUAGE_COMMANDS.checkSecretStore]: (arg) => checkSecretStore(arg),
  };

  async function refreshSecretNames(): Promise<{ store: string; count?: number; reason?: string }[] | undefined> {
    notices.reset();
    if (!requireTrust('list secret names from vaults: listing mints identity tokens and sends them to Microsoft Entra ID and the vault')) return undefined;
    const reason = names.disabledReason();
    if (reason) {
      void vscode.window.showInformationMessage(`Federated Secrets: ${reason}`, OPEN_SETTINGS).then((action) => {
        if (action) void vscode.commands.executeCommand('workbench.action.openSettings', `federatedSecrets.${SETTING.liveCompletion}`);
      });
      return undefined;
    }
    names.refresh();
    const stores = [...new Set(workspace.index.ofKind('secretstore').flatMap((s) => (s.name ? [s.name] : [])))];
    if (!stores.length) {
      void vscode.window.showInformationMessage('Federated Secrets: there is no secret store in this workspace to list.');
      return [];
    }
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Federated Secrets: listing the secret names of ${stores.length} store${stores.length === 1 ? '' : 's'}` }, () =>
      Promise.all(
        stores.map(async (store) => {
          const outcome = await names.listNow(store);
          return 'names' in outcome ? { store, count: outcome.names.length } : { store, reason: describeError(outcome.error) };
        }),
      ),
    );
    const failed = results.filter((r) => r.reason !== undefined);
    const listed = results.filter((r) => r.count !== undefined);
    const summary = `Listed the secret names of ${listed.length} of ${results.length} store${results.length === 1 ? '' : 's'}${listed.length ? ` (${listed.map((r) => `${r.store}: ${r.count ?? 0}`).join(', ')})` : ''}.`;
    if (failed.length) {
      void vscode.window.showWarningMessage(`Federated Secrets: ${summary} ${failed.map((r) => `"${r.store}": ${r.reason ?? ''}`).join(' ')}`, SHOW_LOG).then((action) => {
        if (action) log.show(true);
      });
    } else vscode.window.setStatusBarMessage(`$(check) ${summary}`, 5000);
    return results;
  }

  async function checkSecretStore(arg: unknown) {
    const uri = await storeUri(arg);
    if (!uri) return undefined;
    if (!requireTrust('check a secret store against its vault: listing mints identity tokens and sends them to Microsoft Entra ID and the vault')) return undefined;
    const label = vscode.workspace.asRelativePath(uri);
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${label} against its vault…` }, () => checks.check(uri));
    if (!outcome) {
      void vscode.window.showWarningMessage(`Federated Secrets: ${label} is not a named secret store (or it changed while it was checked).`);
      return undefined;
    }
    if (!outcome.listing.ok) {
      void vscode.window.showWarningMessage(`Federated Secrets: "${outcome.store}" could not be checked: ${outcome.listing.message}${outcome.listing.advice ? ` ${outcome.listing.advice}` : ''}`);
    } else if (outcome.problems) {
      void vscode.window.showWarningMessage(`Federated Secrets: "${outcome.store}" has ${outcome.problems} mapping problem${outcome.problems === 1 ? '' : 's'} in its vault (${outcome.listing.names.length} secrets listed).`, 'Show Problems').then((action) => {
        if (action) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    } else {
      const mappings = workspace.index.find('secretstore', outcome.store)?.mappings?.length ?? 0;
      void vscode.window.showInformationMessage(`Federated Secrets: every mapping of "${outcome.store}" (${mappings}) points at an enabled, valid secret (${outcome.listing.names.length} secrets listed; names and metadata only).`);
    }
    return outcome;
  }

  /** The store to check: a URI, a tree item, a store name, the active editor, or the one picked. */
  async function storeUri(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    if (isTreeNode(arg)) {
      if (arg.location) return uriOf(arg.location.file);
      const name = arg.data?.kind === 'secretstore' ? arg.data.name : arg.data?.store;
      const store = name ? workspace.index.find('secretstore', name) : undefined;
      if (store) return uriOf(store.file);
    }
    if (typeof arg === 'string') {
      const store = workspace.index.find('secretstore', arg);
      if (store) return uriOf(store.file);
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && kindOfFile(active.path) === 'secretstore') return active;
    const stores = workspace.index.ofKind('secretstore').filter((s) => s.name);
    if (!stores.length) {
      void vscode.window.showInformationMessage('Federated Secrets: there is no secret store in this workspace to check.');
      return undefined;
    }
    if (stores.length === 1 && stores[0]) return uriOf(stores[0].file);
    const picked = await vscode.window.showQuickPick(
      stores.map((s) => ({ label: s.name ?? '', description: vscode.workspace.asRelativePath(uriOf(s.file)), file: s.file })),
      { placeHolder: 'Secret store to check against its vault' },
    );
    return picked ? uriOf(picked.file) : undefined;
  }

  context.subscriptions.push(
    names,
    checks,
    fresh,
    vscode.languages.registerCompletionItemProvider(CONFIG_DOCUMENTS, completionProvider, '"', '/'),
    vscode.languages.registerHoverProvider(CONFIG_DOCUMENTS, hoverProvider),
    vscode.languages.registerDefinitionProvider(CONFIG_DOCUMENTS, definitionProvider),
    vscode.languages.registerReferenceProvider(CONFIG_DOCUMENTS, referenceProvider),
    vscode.languages.registerRenameProvider(CONFIG_DOCUMENTS, renameProvider),
    vscode.languages.registerCodeActionsProvider(CONFIG_DOCUMENTS, codeActionProvider, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    services.onDidChange(() => notices.reset()),
    ...registerGuardedCommands(commands, log),
  );
  log.info(`Editor features ready (live secret names ${names.disabledReason() ? `off: ${names.disabledReason() ?? ''}` : 'on'}).`);
}

function toCodeAction(action: CoreCodeAction, matched: Map<Diagnostic, vscode.Diagnostic>, uriOf: (file: string) => vscode.Uri): vscode.CodeAction {
  const out = new vscode.CodeAction(action.title, vscode.CodeActionKind.QuickFix);
  const shown = matched.get(action.diagnostic);
  if (shown) out.diagnostics = [shown];
  if (action.edit) out.edit = toWorkspaceEdit(action.edit, uriOf);
  if (action.command) out.command = { command: action.command.id, title: action.title, arguments: action.command.arguments };
  if (action.isPreferred) out.isPreferred = true;
  return out;
}
