// The end-to-end test runner extension. It is installed next to Federated Secrets in a throw-away VS Code
// and runs the mocha suite `test/e2e/suite/*.test.ts` (bundled into this extension by build.mjs) inside the
// extension host, against the real `vscode` API. Two ways in:
//
// - code-server (`npm run test:e2e`): the extension activates on startup and does nothing unless the
//   environment variable FEDERATED_SECRETS_E2E_RESULTS names a file; then it runs the suite and writes the
//   results there as JSON (atomically), after writing `<file>.started` when it begins.
// - desktop VS Code (`npm run test:vscode`, @vscode/test-electron): VS Code calls the exported `run()` as the
//   extension tests entry; results go to FEDERATED_SECRETS_E2E_DESKTOP_RESULTS when set, and `run()` rejects
//   when a test failed.
//
// Optional: FEDERATED_SECRETS_E2E_GREP (a mocha grep pattern) and FEDERATED_SECRETS_E2E_INVERT=1 to run only
// the tests whose titles do not match it (the harness runs `@restricted` tests only in Restricted Mode).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { loadSuites } from 'e2e-suites';

export interface E2eTestResult {
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

export interface E2eResults {
  passed: number;
  failed: number;
  pending: number;
  total: number;
  tests: E2eTestResult[];
  vscodeVersion: string;
  trusted: boolean;
  startedAt: string;
  finishedAt: string;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

function writeAtomically(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

function summarize(tests: E2eTestResult[], startedAt: string): E2eResults {
  const count = (s: E2eTestResult['state']) => tests.filter((t) => t.state === s).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    pending: count('pending'),
    total: tests.length,
    tests,
    vscodeVersion: vscode.version,
    trusted: vscode.workspace.isTrusted,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

/** Runs the bundled suite once; writes the results to `resultsFile` when given. Never rejects. */
function runSuites(resultsFile: string | undefined): Promise<E2eResults> {
  const startedAt = new Date().toISOString();
  // A marker the outer harness reads to tell "the runner never started" from "the tests hung".
  if (resultsFile) writeAtomically(`${resultsFile}.started`, { startedAt, pid: process.pid });
  const tests: E2eTestResult[] = [];
  const finish = () => {
    const results = summarize(tests, startedAt);
    if (resultsFile) writeAtomically(resultsFile, results);
    return results;
  };

  return new Promise<E2eResults>((resolve) => {
    try {
      const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
      const grep = process.env.FEDERATED_SECRETS_E2E_GREP;
      if (grep) {
        mocha.grep(grep);
        if (process.env.FEDERATED_SECRETS_E2E_INVERT === '1') mocha.invert();
      }
      // What the mocha CLI does per test file: bind describe/it to this instance, then evaluate the suites.
      mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'e2e-suites', mocha);
      loadSuites();
      const runner = mocha.run(() => resolve(finish()));
      const record = (test: Mocha.Test, state: E2eTestResult['state'], err?: unknown) => {
        const entry: E2eTestResult = { title: test.title, fullTitle: test.fullTitle(), state, durationMs: test.duration ?? 0 };
        if (err !== undefined) entry.error = errorText(err);
        tests.push(entry);
      };
      runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test: Mocha.Test) => record(test, 'passed'));
      runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test: Mocha.Test) => record(test, 'pending'));
      // Also fires for failing hooks (before/after), so a broken `before` is reported rather than lost.
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Test, err: unknown) => record(test, 'failed', err));
    } catch (err) {
      tests.push({ title: 'load the in-host suite', fullTitle: 'load the in-host suite', state: 'failed', durationMs: 0, error: errorText(err) });
      resolve(finish());
    }
  });
}

export function activate(): void {
  const resultsFile = process.env.FEDERATED_SECRETS_E2E_RESULTS;
  if (resultsFile) void runSuites(resultsFile);
}

export function deactivate(): void {}

/** The extension tests entry for @vscode/test-electron (`extensionTestsPath`). */
export async function run(): Promise<void> {
  const results = await runSuites(process.env.FEDERATED_SECRETS_E2E_DESKTOP_RESULTS);
  if (results.total === 0) throw new Error('the in-host suite ran no test');
  if (results.failed > 0) throw new Error(`${results.failed} of ${results.total} in-host tests failed`);
}
