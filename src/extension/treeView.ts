import * as vscode from 'vscode';
import type { TreeModel, TreeNode, TreeOptions } from '../core/workspace/tree';
import { buildTree } from '../core/workspace/tree';
import type { ConfigWorkspace } from './configWorkspace';
import { toRange, toTreeItem } from './convert';

export const VIEW_ID = 'federatedSecrets.explorer';
export const OPEN_ITEM_COMMAND = 'federatedSecrets.openItem';
export const SETTING_SHOW_MAPPINGS = 'tree.showMappings';

/** Adapts the core's tree model to a TreeDataProvider; the model is rebuilt lazily after the index changes. */
export class ConfigTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private cached: { model: TreeModel; version: number; showMappings: boolean } | undefined;
  private lastCheck: TreeOptions['lastCheck'];

  constructor(private readonly workspace: ConfigWorkspace) {}

  /** Where instance items get their last connection test from (their icon reflects it); refreshes the tree. */
  setLastCheckLookup(lookup: TreeOptions['lastCheck']): void {
    this.lastCheck = lookup;
    this.refresh();
  }

  /** The current model, rebuilt when the index or the settings changed. */
  get model(): TreeModel {
    const showMappings = vscode.workspace.getConfiguration('federatedSecrets').get<boolean>(SETTING_SHOW_MAPPINGS, true) !== false;
    const version = this.workspace.index.version;
    if (!this.cached || this.cached.version !== version || this.cached.showMappings !== showMappings) {
      const model = buildTree(this.workspace.index, {
        showMappings,
        displayPath: (file) => vscode.workspace.asRelativePath(this.workspace.uriOf(file), true),
        ...(this.lastCheck ? { lastCheck: this.lastCheck, formatTime: (at: number) => new Date(at).toLocaleString() } : {}),
      });
      this.cached = { model, version, showMappings };
    }
    return this.cached.model;
  }

  refresh(): void {
    this.cached = undefined;
    this.changeEmitter.fire(undefined);
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (!element) return this.model.roots;
    // An element from before a rebuild: answer with the current node of the same id.
    return (this.model.byId.get(element.id) ?? element).children;
  }

  getParent(element: TreeNode): TreeNode | undefined {
    const current = this.model.byId.get(element.id) ?? element;
    return current.parentId === undefined ? undefined : this.model.byId.get(current.parentId);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = toTreeItem(node);
    if (node.location) {
      const uri = this.workspace.uriOf(node.location.file);
      // An instance item carries its file, so the Problems decorations (red label, count) apply to it.
      if (this.model.instanceOf.get(node.location.file)?.id === node.id) item.resourceUri = uri;
      item.command = { command: OPEN_ITEM_COMMAND, title: 'Open', arguments: [uri, toRange(node.location.range)] };
    }
    item.accessibilityInformation = { label: [node.label, node.description].filter(Boolean).join(', ') };
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
