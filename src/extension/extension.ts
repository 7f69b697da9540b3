import * as vscode from 'vscode';
import { COMMANDS, Commands } from './commands';
import { ConfigWorkspace, runGuarded } from './configWorkspace';
import { registerConnectionFeatures } from './connection';
import { DiagnosticsPublisher } from './diagnostics';
import { registerLanguageFeatures } from './languageFeatures';
import { EditorServices } from './services';
import { ConfigTreeProvider, SETTING_SHOW_MAPPINGS, VIEW_ID } from './treeView';

/** Set once the first scan finished, so the view's welcome can tell "nothing found" from "still looking". */
const READY_CONTEXT_KEY = 'federatedSecrets.ready';

/**
 * Activation: index the workspace's config files, publish their diagnostics, show the tree and register the
 * commands. Nothing here talks to the network; everything works in Restricted Mode.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Federated Secrets', { log: true });
  context.subscriptions.push(log);

  const workspace = new ConfigWorkspace(log);
  const diagnostics = new DiagnosticsPublisher(workspace);
  const tree = new ConfigTreeProvider(workspace);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const commands = new Commands(workspace, tree, view, log);
  context.subscriptions.push(workspace, diagnostics, tree, view, ...commands.register());
  // Online features share one EditorServices (settings, runtime, token cache, last checks).
  const services = new EditorServices(context, log);
  context.subscriptions.push(services);
  registerLanguageFeatures(context, { workspace, diagnostics, services, log });
  registerConnectionFeatures(context, { workspace, tree, diagnostics, services, log });

  const update = () => {
    diagnostics.update();
    tree.refresh();
    const errors = tree.model.counts.errors;
    view.badge = errors > 0 ? { value: errors, tooltip: `${errors} error${errors === 1 ? '' : 's'} in configuration files` } : undefined;
  };
  context.subscriptions.push(
    workspace.onDidChange(() => runGuarded(log, 'update', update)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`federatedSecrets.${SETTING_SHOW_MAPPINGS}`)) tree.refresh();
    }),
  );

  workspace.start();
  runGuarded(log, 'initial scan', async () => {
    try {
      await workspace.rescan();
    } finally {
      await vscode.commands.executeCommand('setContext', READY_CONTEXT_KEY, true);
    }
  });
  log.info(`Activated (${COMMANDS.refresh} re-reads every configuration file).`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
