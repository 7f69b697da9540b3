import * as vscode from 'vscode';
import { federationChoices } from '../core/connection/keys';
import type { ReportNode } from '../core/connection/report';
import type { ConfigWorkspace } from './configWorkspace';
import { ConnectionLensProvider, LENS_SELECTOR } from './connectionLens';
import { ConnectionTester } from './connectionTests';
import { registerGuardedCommands } from './convert';
import type { DiagnosticsPublisher } from './diagnostics';
import { KEY_COMMANDS, KeyCommands } from './keyCommands';
import type { EditorServices } from './services';
import { ConnectionStatusBar } from './statusBar';
import { OPEN_STEP_COMMAND, TEST_RESULTS_VIEW_ID, TestResultsProvider } from './testResultsView';
import type { ConfigTreeProvider } from './treeView';

export const CONNECTION_COMMANDS = {
  testConnection: 'federatedSecrets.testConnection',
  testAll: 'federatedSecrets.testAll',
  /** Internal (CodeLens, notifications): focuses the Test Results view on a file's last report. */
  showTestReport: 'federatedSecrets.showTestReport',
  clearTestResults: 'federatedSecrets.clearTestResults',
  openTestStep: OPEN_STEP_COMMAND,
  ...KEY_COMMANDS,
} as const;

/** Context keys for `when` clauses: the workspace has federations with a self / an oidc issuer. */
export const HAS_SELF_ISSUER_CONTEXT_KEY = 'federatedSecrets.hasSelfIssuer';
export const HAS_OIDC_ISSUER_CONTEXT_KEY = 'federatedSecrets.hasOidcIssuer';

export interface ConnectionDeps {
  workspace: ConfigWorkspace;
  tree: ConfigTreeProvider;
  diagnostics: DiagnosticsPublisher;
  services: EditorServices;
  log: vscode.LogOutputChannel;
}

export interface ConnectionFeatures {
  tester: ConnectionTester;
  keys: KeyCommands;
  results: TestResultsProvider;
  statusBar: ConnectionStatusBar;
}

/**
 * Test Connection / Test All (progress, report view, log, CodeLens, tree icons, FS306), the key and issuer
 * secret commands, and the status bar summary. Everything is disposed through `context.subscriptions`.
 */
export function registerConnectionFeatures(context: vscode.ExtensionContext, deps: ConnectionDeps): ConnectionFeatures {
  const { workspace, tree, diagnostics, services, log } = deps;
  const results = new TestResultsProvider(workspace);
  const resultsView = vscode.window.createTreeView<ReportNode>(TEST_RESULTS_VIEW_ID, { treeDataProvider: results, showCollapseAll: true });
  const tester = new ConnectionTester(workspace, services, diagnostics, results, log);
  tester.view = resultsView;
  const keys = new KeyCommands(workspace, services, log);
  const lenses = new ConnectionLensProvider(workspace, services, { test: CONNECTION_COMMANDS.testConnection, showReport: CONNECTION_COMMANDS.showTestReport });
  const statusBar = new ConnectionStatusBar(workspace, services);

  // The configuration tree's icons reflect the last result of each federation, store and auth profile.
  tree.setLastCheckLookup((kind, name) => services.lastCheck(kind, name));
  let treeTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshTree = () => {
    treeTimer ??= setTimeout(() => {
      treeTimer = undefined;
      tree.refresh();
    }, 50);
  };

  const updateContextKeys = () => {
    void vscode.commands.executeCommand('setContext', HAS_SELF_ISSUER_CONTEXT_KEY, federationChoices(workspace.index, 'self').length > 0);
    void vscode.commands.executeCommand('setContext', HAS_OIDC_ISSUER_CONTEXT_KEY, federationChoices(workspace.index, 'oidc').length > 0);
  };

  const handlers: Record<string, (...args: unknown[]) => unknown> = {
    [CONNECTION_COMMANDS.testConnection]: (arg) => tester.testConnection(arg),
    [CONNECTION_COMMANDS.testAll]: () => tester.testAll(),
    [CONNECTION_COMMANDS.showTestReport]: (file) => tester.showReport(typeof file === 'string' ? file : undefined),
    [CONNECTION_COMMANDS.clearTestResults]: () => results.clear(),
    [CONNECTION_COMMANDS.openTestStep]: (file, field) => (typeof file === 'string' ? tester.openField(file, typeof field === 'string' ? field : undefined) : undefined),
    [KEY_COMMANDS.generateSigningKey]: (arg) => keys.generateSigningKey(arg),
    [KEY_COMMANDS.rotateSigningKey]: (arg) => keys.rotateSigningKey(arg),
    [KEY_COMMANDS.deleteSigningKey]: (arg) => keys.deleteSigningKey(arg),
    [KEY_COMMANDS.exportIssuerDocuments]: (arg, options) => keys.exportIssuerDocuments(arg, isExportOptions(options) ? options : undefined),
    [KEY_COMMANDS.copyFederatedCredential]: (arg) => keys.copyFederatedCredential(arg),
    [KEY_COMMANDS.setIssuerClientSecret]: (arg) => keys.setIssuerClientSecret(arg),
    [KEY_COMMANDS.clearIssuerClientSecret]: (arg) => keys.clearIssuerClientSecret(arg),
  };

  context.subscriptions.push(
    results,
    resultsView,
    tester,
    lenses,
    statusBar,
    vscode.languages.registerCodeLensProvider(LENS_SELECTOR, lenses),
    services.onDidRecordCheck(refreshTree),
    workspace.onDidChange(updateContextKeys),
    { dispose: () => treeTimer && clearTimeout(treeTimer) },
    ...registerGuardedCommands(handlers, log),
  );
  updateContextKeys();
  statusBar.start();
  return { tester, keys, results, statusBar };
}

function isExportOptions(value: unknown): value is { folder?: vscode.Uri } {
  return typeof value === 'object' && value !== null && (value as { folder?: unknown }).folder instanceof vscode.Uri;
}
