import * as vscode from 'vscode';
import type { ConfigKind, ConsumerKind } from '../core/model/kinds';
import { CONFIG_KINDS, CONSUMER_KINDS, KIND_LABELS, isConsumerKind, kindOfFile } from '../core/model/kinds';
import type { TemplateContext } from '../core/model/templates';
import { configTemplate, newFileName, preferredDirectory, validateNewName } from '../core/model/templates';
import type { TreeNode } from '../core/workspace/tree';
import { findNodeAt } from '../core/workspace/tree';
import type { ConfigWorkspace } from './configWorkspace';
import { describeError, fromPosition, registerGuardedCommands, toRange, uriExists } from './convert';
import type { ConfigTreeProvider } from './treeView';
import { OPEN_ITEM_COMMAND } from './treeView';

export const COMMANDS = {
  refresh: 'federatedSecrets.refresh',
  newFederation: 'federatedSecrets.newFederation',
  newSecretStore: 'federatedSecrets.newSecretStore',
  newAuthProfile: 'federatedSecrets.newAuthProfile',
  newConsumer: 'federatedSecrets.newConsumer',
  revealInTree: 'federatedSecrets.revealInTree',
  openItem: OPEN_ITEM_COMMAND,
  copySecretRef: 'federatedSecrets.copySecretRef',
} as const;

/**
 * Options the "New …" commands accept from other code (tests, other commands); from menus they receive a tree
 * item instead, and from the palette nothing. Anything not given is asked for.
 */
export interface NewInstanceOptions {
  name?: string;
  /** The workspace folder (or a folder inside one) to create the file in. */
  folder?: vscode.Uri;
  /** For a store: the federation it authenticates through. */
  federation?: string;
  /** For a consumer: the store its references point at. */
  store?: string;
  /** For New Consumer: which kind. */
  kind?: ConsumerKind;
}

const EXAMPLE_NAMES: Record<ConfigKind, string> = {
  federation: 'MKTAirlines',
  secretstore: 'FlightsSecrets',
  authprofile: 'FlightsAPI',
  clientregistration: 'PartnerPortal',
  keystore: 'PaymentsKeystore',
  repository: 'BoardingPassArchive',
  connection: 'BookingsDatabase',
};

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && typeof (value as TreeNode).id === 'string' && typeof (value as TreeNode).contextValue === 'string' && Array.isArray((value as TreeNode).children);
}

function optionsFrom(arg: unknown): NewInstanceOptions {
  if (isTreeNode(arg)) {
    const data = arg.data ?? {};
    if (data.kind === 'federation' && data.name) return { federation: data.name };
    if (data.kind === 'secretstore' && data.name) return { store: data.name };
    if (data.store) return { store: data.store };
    return {};
  }
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return arg instanceof vscode.Uri ? { folder: arg } : {};
  const raw = arg as Record<string, unknown>;
  const options: NewInstanceOptions = {};
  if (typeof raw.name === 'string') options.name = raw.name;
  if (raw.folder instanceof vscode.Uri) options.folder = raw.folder;
  if (typeof raw.federation === 'string') options.federation = raw.federation;
  if (typeof raw.store === 'string') options.store = raw.store;
  if (typeof raw.kind === 'string' && isConsumerKind(raw.kind as ConfigKind)) options.kind = raw.kind as ConsumerKind;
  return options;
}

export class Commands {
  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly tree: ConfigTreeProvider,
    private readonly view: vscode.TreeView<TreeNode>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  register(): vscode.Disposable[] {
    const handlers: Record<string, (...args: unknown[]) => unknown> = {
      [COMMANDS.refresh]: () => this.refresh(),
      [COMMANDS.newFederation]: (arg) => this.create('federation', optionsFrom(arg)),
      [COMMANDS.newSecretStore]: (arg) => this.create('secretstore', optionsFrom(arg)),
      [COMMANDS.newAuthProfile]: (arg) => this.create('authprofile', optionsFrom(arg)),
      [COMMANDS.newConsumer]: (arg) => this.newConsumer(optionsFrom(arg)),
      [COMMANDS.revealInTree]: (arg) => this.revealInTree(arg instanceof vscode.Uri ? arg : undefined),
      [COMMANDS.openItem]: (arg, range) => this.openItem(arg, range),
      [COMMANDS.copySecretRef]: (arg) => this.copySecretRef(arg),
    };
    return registerGuardedCommands(handlers, this.log);
  }

  async refresh(): Promise<void> {
    await this.workspace.rescan();
    this.tree.refresh();
  }

  async newConsumer(options: NewInstanceOptions): Promise<vscode.Uri | undefined> {
    let kind = options.kind;
    if (!kind) {
      const picked = await vscode.window.showQuickPick(
        CONSUMER_KINDS.map((k) => ({ label: KIND_LABELS[k], description: `*.${k}.json`, consumerKind: k })),
        { title: 'New Consumer', placeHolder: 'Which kind of consumer?' },
      );
      if (!picked) return undefined;
      kind = picked.consumerKind;
    }
    return this.create(kind, options);
  }

  /** Asks for what is missing, writes `<kebab-name>.<kind>.json` from the template and opens it. */
  async create(kind: ConfigKind, options: NewInstanceOptions): Promise<vscode.Uri | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      // Not awaited: the command ends now, whether or not the user ever answers the notification.
      void vscode.window.showErrorMessage(`Open a folder first: a new ${KIND_LABELS[kind]} is created as a file in a workspace folder.`, 'Open Folder…').then((action) => {
        if (action) void vscode.commands.executeCommand('vscode.openFolder');
      });
      return undefined;
    }
    const index = this.workspace.index;
    const existingNames = index.ofKind(kind).flatMap((d) => (d.name ? [d.name] : []));

    let name = options.name?.trim();
    if (name !== undefined) {
      const problem = validateNewName(kind, name, existingNames);
      if (problem) throw new Error(`Cannot create "${name}": ${problem}`);
    } else {
      name = (
        await vscode.window.showInputBox({
          title: `New ${KIND_LABELS[kind]}`,
          prompt: 'The name other files use to refer to it (letters, digits, "_", "." and "-").',
          placeHolder: `e.g. ${EXAMPLE_NAMES[kind]}`,
          ignoreFocusOut: true,
          validateInput: (value) => validateNewName(kind, value.trim(), existingNames),
        })
      )?.trim();
      if (!name) return undefined;
    }

    let root: vscode.WorkspaceFolder | undefined;
    if (options.folder) {
      root = vscode.workspace.getWorkspaceFolder(options.folder);
      if (!root) throw new Error(`${options.folder.toString(true)} is not inside a workspace folder.`);
    } else if (folders.length === 1) {
      root = folders[0];
    } else {
      root = await vscode.window.showWorkspaceFolderPick({ placeHolder: `Workspace folder for the new ${KIND_LABELS[kind]}` });
      if (!root) return undefined;
    }
    if (!root) return undefined;
    const rootUri = root.uri;

    let directory = options.folder;
    if (!directory) {
      const inRoot = this.workspace
        .entries()
        .filter(([, uri]) => vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() === rootUri.toString())
        .flatMap(([file, uri]) => {
          const fileKind = index.get(file)?.kind ?? kindOfFile(uri.path);
          return fileKind ? [{ path: uri.path, kind: fileKind }] : [];
        });
      const path = preferredDirectory(inRoot, kind);
      directory = path ? rootUri.with({ path }) : rootUri;
    }
    const target = vscode.Uri.joinPath(directory, newFileName(kind, name));
    const shown = vscode.workspace.asRelativePath(target, folders.length > 1);

    if (await uriExists(target)) {
      void vscode.window.showWarningMessage(`${shown} already exists, so it was not overwritten. Choose another name, or edit that file.`, 'Open File').then((action) => {
        if (action) void vscode.window.showTextDocument(target);
      });
      return undefined;
    }

    const context = await this.templateContext(kind, options);
    if (context === undefined) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(configTemplate(kind, name, context)));
    this.log.info(`Created ${shown}.`);
    await this.workspace.refreshFile(target);
    await vscode.window.showTextDocument(target, { preview: false });
    return target;
  }

  /** What the template points at: the federation or store given, else the only one, else the one picked. */
  private async templateContext(kind: ConfigKind, options: NewInstanceOptions): Promise<TemplateContext | undefined> {
    const index = this.workspace.index;
    const context: TemplateContext = {};
    if (kind === 'secretstore') {
      const names = [...new Set(index.ofKind('federation').flatMap((d) => (d.name ? [d.name] : [])))].sort();
      const federation = options.federation ?? (await this.pickName(names, 'Identity Federation the new store authenticates through'));
      if (federation === null) return undefined;
      if (federation !== undefined) {
        context.federation = federation;
        const cloud = (index.find('federation', federation)?.config as { cloudProvider?: unknown } | undefined)?.cloudProvider;
        if (cloud === 'azure' || cloud === 'aws' || cloud === 'gcp') context.federationCloud = cloud;
      }
    } else if (isConsumerKind(kind)) {
      const names = [...new Set(index.ofKind('secretstore').flatMap((d) => (d.name ? [d.name] : [])))].sort();
      const store = options.store ?? (await this.pickName(names, 'Secret store the new references point at'));
      if (store === null) return undefined;
      if (store !== undefined) context.store = store;
    }
    return context;
  }

  /** undefined when there is nothing to pick from, null when the user cancelled. */
  private async pickName(names: string[], placeHolder: string): Promise<string | undefined | null> {
    if (names.length <= 1) return names[0];
    const picked = await vscode.window.showQuickPick(names, { placeHolder });
    return picked ?? null;
  }

  async revealInTree(uri?: vscode.Uri): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const target = uri ?? editor?.document.uri;
    if (!target) {
      void vscode.window.showInformationMessage('Open a Federated Secrets configuration file first, then reveal it in the tree.');
      return;
    }
    if (!kindOfFile(target.path)) {
      void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(target)} is not a Federated Secrets configuration file (${CONFIG_KINDS.map((k) => `*.${k}.json`).join(', ')}).`);
      return;
    }
    const key = this.workspace.keyOf(target);
    if (!this.workspace.index.has(key)) {
      if (!vscode.workspace.getWorkspaceFolder(target)) {
        void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(target)} is outside the workspace folders, so it is not part of the configuration tree.`);
        return;
      }
      await this.workspace.refreshFile(target);
    }
    const position = editor && editor.document.uri.toString() === target.toString() ? fromPosition(editor.selection.active) : undefined;
    const node = findNodeAt(this.tree.model, key, position);
    if (!node) {
      void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(target)} is not in the configuration tree (files in node_modules and .git are skipped).`);
      return;
    }
    await this.view.reveal(node, { select: true, focus: true, expand: true });
  }

  /** Opens a tree item's file at its range: from the item's click (URI and range) or its context menu (the item). */
  async openItem(arg: unknown, range?: unknown): Promise<void> {
    let uri: vscode.Uri | undefined;
    let selection: vscode.Range | undefined;
    if (arg instanceof vscode.Uri) {
      uri = arg;
      if (range instanceof vscode.Range) selection = range;
    } else if (isTreeNode(arg) && arg.location) {
      uri = this.workspace.uriOf(arg.location.file);
      selection = toRange(arg.location.range);
    }
    if (!uri) return;
    try {
      await vscode.window.showTextDocument(uri, selection ? { selection, preview: true } : { preview: true });
    } catch (error) {
      throw new Error(`Cannot open ${vscode.workspace.asRelativePath(uri)}: ${describeError(error)}`);
    }
  }

  async copySecretRef(arg: unknown): Promise<void> {
    if (!isTreeNode(arg) || !arg.data?.store || !arg.data.reference) return;
    const snippet = `{ "secretRef": "${arg.data.store}/${arg.data.reference}" }`;
    await vscode.env.clipboard.writeText(snippet);
    vscode.window.setStatusBarMessage(`Copied ${snippet}`, 3000);
  }
}
