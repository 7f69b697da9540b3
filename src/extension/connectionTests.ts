import * as vscode from 'vscode';
import { runCheck } from '../core/check/index';
import type { CheckResult, CheckStep } from '../core/check/index';
import { runLimited, TEST_ALL_CONCURRENCY, testAllTargets } from '../core/connection/batch';
import { fieldRange } from '../core/connection/field-range';
import type { ReportNode, TestableKind } from '../core/connection/report';
import { checkRecords, failingStep, formatReport, isTestableKind, issuerStepsWithoutMismatch, publishedIssuerMismatches, resultStatus, seconds, stepLabel, summarizeResult } from '../core/connection/report';
import { issuerMismatchDiagnostic } from '../core/editor/live-diagnostics';
import { KIND_LABELS, kindOfFile } from '../core/model/kinds';
import type { ConfigDocument } from '../core/model/types';
import { federationConfigOf } from '../core/connection/keys';
import type { TreeNode } from '../core/workspace/tree';
import type { ConfigWorkspace } from './configWorkspace';
import { describeError, toRange } from './convert';
import type { DiagnosticsPublisher } from './diagnostics';
import type { EditorServices } from './services';
import type { ShownResult, TestResultsProvider } from './testResultsView';
import { TEST_RESULTS_VIEW_ID } from './testResultsView';
import { requireTrust } from './trust';

/** The live-diagnostics source of what connection tests find (FS306). */
export const CONNECTION_TEST_SOURCE = 'connectionTest';

const NEEDS_TRUST = 'test connections: a test mints identity tokens and sends them to Microsoft Entra ID, vaults and token endpoints';

/** Steps a run makes, roughly, for the progress bar. */
function expectedSteps(target: ConfigDocument): number {
  if (target.kind === 'federation') return 4;
  if (target.kind === 'secretstore') return 6;
  const stores = new Set((target.secretFields ?? []).flatMap((f) => (f.secretRef?.store ? [f.secretRef.store] : []))).size;
  return 2 + Math.max(1, stores) * 5;
}

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && typeof (value as TreeNode).id === 'string' && typeof (value as TreeNode).contextValue === 'string' && Array.isArray((value as TreeNode).children);
}

/** A notification of the given severity; resolves to the button chosen. */
export function showMessage(severity: 'info' | 'warning' | 'error', message: string, ...buttons: string[]): Thenable<string | undefined> {
  if (severity === 'error') return vscode.window.showErrorMessage(message, ...buttons);
  if (severity === 'warning') return vscode.window.showWarningMessage(message, ...buttons);
  return vscode.window.showInformationMessage(message, ...buttons);
}

const STATUS_WORDS: Record<CheckStep['status'], string> = { ok: 'ok', warning: 'warning', failed: 'failed', skipped: 'skipped' };

/**
 * Test Connection and Test All: runs the core's check with progress and cancellation, records each result
 * (the tree's icons, CodeLenses, hovers and the status bar read it), shows the report in the Test Results
 * view and the log, publishes what the run found out about issuers (FS306) and says how it went.
 */
export class ConnectionTester implements vscode.Disposable {
  /** Federation name → the issuer its discovery document published, when it differs from the configured one. */
  private readonly publishedIssuers = new Map<string, string>();
  private readonly filesWithDiagnostics = new Set<string>();
  /** The run that last recorded a result for an instance (`kind:name`), for "Show Report" from a CodeLens. */
  private readonly reports = new Map<string, ShownResult>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly services: EditorServices,
    private readonly diagnostics: DiagnosticsPublisher,
    private readonly results: TestResultsProvider,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Editing the issuer URL (or the quick fix) re-evaluates FS306 against the issuer last seen published.
    this.disposables.push(workspace.onDidChange(() => this.refreshIssuerDiagnostics()));
  }

  // -------------------------------------------------------------------------------------------------------------
  // What to test

  /**
   * The instance a command was invoked on: a tree item, a file URI (CodeLens, explorer), a name or file key,
   * else the active editor's file, else one picked from the workspace. Undefined when the user cancelled.
   */
  async resolveTarget(arg: unknown): Promise<ConfigDocument | undefined> {
    const index = this.workspace.index;
    if (isTreeNode(arg)) {
      const file = arg.location?.file;
      const kind = arg.data?.['kind'];
      const name = arg.data?.['name'];
      const doc = kind && name && isTestableKind(kind) ? index.find(kind, name) : file ? index.get(file) : undefined;
      if (doc) return this.testable(doc);
    } else if (arg instanceof vscode.Uri) {
      return this.fromUri(arg);
    } else if (typeof arg === 'string' && arg) {
      const doc = index.get(arg) ?? index.documents().find((d) => d.name === arg && isTestableKind(d.kind));
      if (!doc) throw new Error(`No federation, secret store or auth profile is named "${arg}".`);
      return this.testable(doc);
    }
    const editor = vscode.window.activeTextEditor;
    if (editor && kindOfFile(editor.document.uri.path)) return this.fromUri(editor.document.uri);
    return this.pick();
  }

  /**
   * Edits are indexed after a short pause in typing; a test started right after an edit (in this file or in
   * the federation it uses) must see it. Re-reads every open config document now.
   */
  private async syncOpenDocuments(): Promise<void> {
    const open = vscode.workspace.textDocuments.filter((d) => !d.isClosed && kindOfFile(d.uri.path));
    await Promise.all(open.map((d) => this.workspace.refreshFile(d.uri)));
  }

  private async fromUri(uri: vscode.Uri): Promise<ConfigDocument | undefined> {
    const key = this.workspace.keyOf(uri);
    await this.workspace.refreshFile(uri);
    const doc = this.workspace.index.get(key);
    if (!doc) throw new Error(`${vscode.workspace.asRelativePath(uri)} is not a configuration file of this workspace.`);
    return this.testable(doc);
  }

  private testable(doc: ConfigDocument): ConfigDocument {
    if (!isTestableKind(doc.kind)) {
      throw new Error(`A ${KIND_LABELS[doc.kind]} has no connection test of its own; test the secret store its references point at, or an auth profile.`);
    }
    if (!doc.name) throw new Error(`${vscode.workspace.asRelativePath(this.workspace.uriOf(doc.file))} has no "name"; name the instance, then test it.`);
    return doc;
  }

  private async pick(): Promise<ConfigDocument | undefined> {
    const candidates = this.workspace.index.documents().filter((d) => isTestableKind(d.kind) && d.name);
    if (!candidates.length) {
      void vscode.window.showInformationMessage('There is no identity federation, secret store or auth profile in this workspace to test.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((doc) => ({ label: doc.name ?? '', description: KIND_LABELS[doc.kind], detail: vscode.workspace.asRelativePath(this.workspace.uriOf(doc.file)), doc })),
      { title: 'Test Connection', placeHolder: 'What to test (a store includes its federation; an auth profile its stores)', matchOnDescription: true },
    );
    return picked?.doc;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Test Connection

  /** Runs one test. Returns the result (undefined when not run: untrusted, cancelled before, nothing chosen). */
  async testConnection(arg?: unknown): Promise<CheckResult | undefined> {
    if (!requireTrust(NEEDS_TRUST)) return undefined;
    await this.syncOpenDocuments();
    const target = await this.resolveTarget(arg);
    if (!target) return undefined;
    const label = `${KIND_LABELS[target.kind]} "${target.name ?? ''}"`;
    const runtime = await this.services.runtime();
    const expected = expectedSteps(target);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing ${label}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        let done = 0;
        try {
          progress.report({ message: 'configuration and references…' });
          return await runCheck(this.workspace.index, target, runtime, {
            signal: controller.signal,
            cache: this.services.tokenCache,
            onStep: (step) => {
              done++;
              progress.report({ message: `${done}/${Math.max(done, expected)} ${stepLabel(step, target.name)}: ${STATUS_WORDS[step.status]}`, increment: 100 / Math.max(done, expected) });
            },
          });
        } finally {
          subscription.dispose();
        }
      },
    );
    const at = Date.now();
    this.complete([result], at);
    this.notify(result);
    return result;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Test All

  /** Tests every store and auth profile, a few at a time, one token exchange per federation. */
  async testAll(): Promise<CheckResult[] | undefined> {
    if (!requireTrust(NEEDS_TRUST)) return undefined;
    await this.syncOpenDocuments();
    const targets = testAllTargets(this.workspace.index);
    if (!targets.length) {
      void vscode.window.showInformationMessage('There is no secret store or auth profile in this workspace to test.');
      return [];
    }
    const runtime = await this.services.runtime();
    const cache = this.services.tokenCache;
    const exchangesBefore = cache.exchanges;
    const started = Date.now();
    const outcomes = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Federated Secrets: Test All', cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        progress.report({ message: `0/${targets.length}` });
        try {
          return await runLimited(targets, TEST_ALL_CONCURRENCY, (doc) => runCheck(this.workspace.index, doc, runtime, { signal: controller.signal, cache }), {
            signal: controller.signal,
            onSettled: (doc, outcome, settled, total) => {
              const word = outcome.status === 'fulfilled' ? (outcome.value.cancelled ? 'cancelled' : resultStatus(outcome.value) === 'failed' ? 'failed' : 'passed') : 'error';
              progress.report({ message: `${settled}/${total} — ${doc.name ?? ''} ${word}`, increment: 100 / total });
            },
          });
        } finally {
          subscription.dispose();
        }
      },
    );
    const results: CheckResult[] = [];
    outcomes.forEach((outcome, i) => {
      const doc = targets[i];
      if (outcome.status === 'fulfilled') results.push(outcome.value);
      else if (outcome.status === 'rejected' && doc) this.log.error(`Test All: testing "${doc.name ?? doc.file}" failed unexpectedly: ${describeError(outcome.reason)}`);
    });
    const at = Date.now();
    this.complete(results, at);
    const exchanges = cache.exchanges - exchangesBefore;
    const federations = new Set(results.flatMap((r) => r.steps.filter((s) => s.id === 'exchange' && s.status !== 'skipped').map((s) => s.scope ?? ''))).size;
    const notRun = outcomes.filter((o) => o.status !== 'fulfilled').length;
    const count = (status: 'ok' | 'warning' | 'failed') => results.filter((r) => !r.cancelled && resultStatus(r) === status).length;
    const cancelled = results.filter((r) => r.cancelled).length + outcomes.filter((o) => o.status === 'notStarted').length;
    const parts = [`${count('ok')} passed`];
    if (count('warning')) parts.push(`${count('warning')} with warnings`);
    parts.push(`${count('failed')} failed`);
    if (cancelled) parts.push(`${cancelled} cancelled`);
    const errors = notRun - outcomes.filter((o) => o.status === 'notStarted').length;
    if (errors) parts.push(`${errors} could not run (see the log)`);
    const summary = `Test All: ${parts.join(', ')} of ${targets.length} in ${seconds(Date.now() - started)}.`;
    this.log.info(`${summary} Token exchanges with Microsoft Entra ID: ${exchanges} (${federations} federation${federations === 1 ? '' : 's'}).`);
    void showMessage(count('failed') ? 'error' : count('warning') || cancelled ? 'warning' : 'info', summary, 'Show Report').then((action) => {
      if (action) void this.showReport();
    });
    return results;
  }

  // -------------------------------------------------------------------------------------------------------------
  // After a run

  private complete(results: CheckResult[], at: number): void {
    const display = (file: string) => vscode.workspace.asRelativePath(this.workspace.uriOf(file), true);
    const shown: ShownResult[] = results.map((result) => ({ result, at }));
    for (const entry of shown) {
      const result = entry.result;
      for (const line of formatReport(result, display)) {
        if (result.ok) this.log.info(line);
        else this.log.warn(line);
      }
      for (const record of checkRecords(result, at)) {
        this.services.recordCheck(record.kind, record.name, record.check);
        this.reports.set(`${record.kind}:${record.name}`, entry);
      }
      for (const mismatch of publishedIssuerMismatches(result)) this.publishedIssuers.set(mismatch.federation, mismatch.published);
      for (const federation of issuerStepsWithoutMismatch(result)) this.publishedIssuers.delete(federation);
    }
    this.refreshIssuerDiagnostics();
    if (shown.length) this.results.show(shown);
  }

  /** FS306 on each federation whose configured issuer differs from the one its discovery document published. */
  refreshIssuerDiagnostics(): void {
    const index = this.workspace.index;
    const current = new Set<string>();
    for (const [name, published] of this.publishedIssuers) {
      const doc = index.find('federation', name);
      if (!doc) continue;
      const configured = federationConfigOf(doc).issuer;
      const url = configured && typeof configured === 'object' && 'issuerUrl' in configured && typeof configured.issuerUrl === 'string' ? configured.issuerUrl : undefined;
      const diagnostic = url !== undefined ? issuerMismatchDiagnostic(doc, url, published) : undefined;
      if (!diagnostic) continue;
      this.diagnostics.setLive(CONNECTION_TEST_SOURCE, doc.file, [diagnostic]);
      current.add(doc.file);
    }
    for (const file of this.filesWithDiagnostics) if (!current.has(file)) this.diagnostics.setLive(CONNECTION_TEST_SOURCE, file, []);
    this.filesWithDiagnostics.clear();
    for (const file of current) this.filesWithDiagnostics.add(file);
  }

  private notify(result: CheckResult): void {
    const label = `${KIND_LABELS[result.target.kind]} "${result.target.name}"`;
    if (result.cancelled) {
      vscode.window.setStatusBarMessage(`Federated Secrets: test of ${label} cancelled`, 5000);
      return;
    }
    const failed = failingStep(result);
    if (!failed) {
      const status = resultStatus(result);
      void showMessage(status === 'warning' ? 'warning' : 'info', `Test Connection of ${label}: ${summarizeResult(result)}`, 'Show Report').then((action) => {
        if (action) void this.showReport(result.target.file);
      });
      return;
    }
    const openField = failed.field && failed.file ? `Open ${failed.field}` : undefined;
    const buttons = ['Show Report', ...(openField ? [openField] : [])];
    void vscode.window.showErrorMessage(`Test Connection of ${label} failed at ${stepLabel(failed, result.target.name)}: ${failed.message}`, ...buttons).then((action) => {
      if (action === 'Show Report') void this.showReport(result.target.file);
      else if (action && action === openField && failed.file && failed.field) void this.openField(failed.file, failed.field);
    });
  }

  /**
   * Focuses the Test Results view. With a config file: on the report of the run that last tested its instance
   * (shown again if the view moved on to another run meanwhile).
   */
  async showReport(file?: string): Promise<void> {
    let targetFile = file;
    const doc = file ? this.workspace.index.get(file) : undefined;
    const entry = doc?.name ? this.reports.get(`${doc.kind}:${doc.name}`) : undefined;
    if (entry) {
      if (!this.results.results.includes(entry)) this.results.show([entry]);
      targetFile = entry.result.target.file;
    }
    await vscode.commands.executeCommand(`${TEST_RESULTS_VIEW_ID}.focus`);
    const root = targetFile ? this.results.rootFor(targetFile) : this.results.roots[0];
    if (root && this.view) await this.view.reveal(root, { select: true, focus: true, expand: true });
  }

  /** Set once the Test Results view exists (for reveal). */
  view: vscode.TreeView<ReportNode> | undefined;

  /** Opens a config file with a check step's field selected (or the instance's name when the field is not found). */
  async openField(file: string, field?: string): Promise<void> {
    const uri = this.workspace.uriOf(file);
    const document = await vscode.workspace.openTextDocument(uri);
    const location = field ? fieldRange(document.getText(), field) : undefined;
    const fallback = this.workspace.index.get(file)?.nameRange;
    const range = location?.range ?? fallback;
    await vscode.window.showTextDocument(document, range ? { selection: toRange(range), preview: false } : { preview: false });
  }

  /** The recorded result of an instance, for CodeLens and the status bar. */
  lastCheck(kind: TestableKind, name: string) {
    return this.services.lastCheck(kind, name);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.diagnostics.clearLive(CONNECTION_TEST_SOURCE);
  }
}
