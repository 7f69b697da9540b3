// `npm run test:e2e`: the end-to-end tests in a real VS Code (code-server) driven by headless Chromium.
//
//   setup (idempotent) → npm run package (the .vsix) → build the test-runner extension →
//   four sessions, each a fresh code-server with a fresh copy of samples/:
//     1. in-host suite, trusted       (runner extension + mocha inside the extension host)
//     2. in-host suite, Restricted Mode (only tests tagged @restricted)
//     3. UI tests, trusted            (Playwright: activity bar view, Quick Open, Problems, F1)
//     4. UI tests, Restricted Mode
//   → summary line `N passed, N failed`; exit code 1 on any failure or when no test ran.
//
// Output: test-results/e2e/ (results.json, code-server logs, browser console logs) and
// test-results/screenshots/*.png. Environment:
//   FEDERATED_SECRETS_E2E_VSIX=<file>  test this .vsix instead of running `npm run package`
//   FEDERATED_SECRETS_E2E_KEEP=1       keep the sessions' temp folders (user data, extensions, workspace)
//   FEDERATED_SECRETS_E2E_ONLY=in-host|ui  run only one kind of session
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser, openWorkbench, screenshot } from './browser.mjs';
import { KEEP_TEMP, installedManifest, startCodeServer } from './codeserver.mjs';
import { buildRunner } from './runner-extension/build.mjs';
import { repoRoot, setup } from './setup.mjs';
import { BROKEN_FILE, readJsonc, restrictedUiTests, trustedUiTests } from './ui/workbench.ui.mjs';

const resultsDir = path.join(repoRoot, 'test-results', 'e2e');
const screenshotsDir = path.join(repoRoot, 'test-results', 'screenshots');
const IN_HOST_TIMEOUT_MS = 180_000;
const only = process.env.FEDERATED_SECRETS_E2E_ONLY;
const EXTENSION_ID = 'federated-secrets.federated-secrets';

/** Every check, in the order run: { group, name, ok, error?, seconds }. */
const outcomes = [];
const phases = {};
const cleanups = [];

function log(msg) {
  console.log(`[e2e] ${msg}`);
}

function record(group, name, ok, error, seconds = 0) {
  outcomes.push({ group, name, ok, ...(error ? { error } : {}), seconds });
  const lines = String(error ?? '').split('\n');
  const shown = group === 'harness' ? lines.slice(0, 40) : lines.slice(0, 8);
  const firstLine = error ? `\n      ${shown.join('\n      ')}` : '';
  console.log(`  ${ok ? '✓' : '✗'} [${group}] ${name}${firstLine}`);
}

async function phase(name, fn) {
  const t0 = Date.now();
  log(`${name} …`);
  try {
    return await fn();
  } finally {
    phases[name] = Number(((Date.now() - t0) / 1000).toFixed(1));
    log(`${name}: ${phases[name]} s`);
  }
}

function safeName(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

function runLogged(cmd, args, logFile) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'w');
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', out, out] });
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`'${cmd} ${args.join(' ')}' failed (exit ${code}); last lines of ${path.relative(repoRoot, logFile)}:\n${fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** A fresh copy of samples/ (plus, for the UI tests, the broken file they open). */
function prepareWorkspace(name, { withBrokenFile }) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), `fs-e2e-ws-${name}-`));
  fs.cpSync(path.join(repoRoot, 'samples'), ws, { recursive: true });
  if (!KEEP_TEMP) cleanups.push(() => fs.rmSync(ws, { recursive: true, force: true }));
  if (!withBrokenFile) return ws;
  const store = readJsonc(path.join(ws, 'flights.secretstore.json'));
  store.name = 'BrokenReference';
  store.authentication = { type: 'identityFederation', federation: 'NoSuchFederation' };
  store.secrets = [{ reference: 'OnlyReference', secretName: 'only-secret' }];
  fs.writeFileSync(path.join(ws, BROKEN_FILE), JSON.stringify(store, null, 2) + '\n');
  return ws;
}

async function withSession(opts, fn) {
  const server = await startCodeServer({ ...opts, logDir: resultsDir });
  cleanups.push(server.stop);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

async function inHostSession({ browser, vsix, runnerVsix, trusted }) {
  const label = trusted ? 'in-host' : 'in-host restricted';
  const name = trusted ? 'in-host-trusted' : 'in-host-restricted';
  const workspace = prepareWorkspace(name, { withBrokenFile: false });
  const resultsFile = path.join(resultsDir, `${name}.results.json`);
  fs.rmSync(resultsFile, { force: true });
  fs.rmSync(`${resultsFile}.started`, { force: true });
  const env = trusted
    ? { FEDERATED_SECRETS_E2E_RESULTS: resultsFile, FEDERATED_SECRETS_E2E_GREP: '@restricted', FEDERATED_SECRETS_E2E_INVERT: '1' }
    : { FEDERATED_SECRETS_E2E_RESULTS: resultsFile, FEDERATED_SECRETS_E2E_GREP: '@restricted' };
  await withSession({ name, workspace, trusted, vsixFiles: [vsix, runnerVsix], env }, async (server) => {
    // The extension host, and with it the runner, starts only when a browser opens the workbench.
    const { context, page } = await openWorkbench(browser, server, { consoleLog: path.join(resultsDir, `${name}.console.log`) });
    try {
      const deadline = Date.now() + IN_HOST_TIMEOUT_MS;
      while (!fs.existsSync(resultsFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      await screenshot(page, screenshotsDir, `${name}-end`);
      if (!fs.existsSync(resultsFile)) {
        const why = fs.existsSync(`${resultsFile}.started`)
          ? 'the runner started but did not finish (a test hangs?)'
          : 'the runner never started (extension host not up, or the runner extension not activated)';
        record(label, 'results file written', false, `no results after ${IN_HOST_TIMEOUT_MS / 1000} s: ${why}; see ${path.relative(repoRoot, server.logFile)}`);
        return;
      }
      const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
      if (!results.tests?.length) {
        record(label, 'the in-host suite ran tests', false, 'zero tests ran');
        return;
      }
      for (const t of results.tests) {
        if (t.state === 'pending') record(label, t.fullTitle, false, 'skipped (pending) — the suite must not skip');
        else record(label, t.fullTitle, t.state === 'passed', t.error, t.durationMs / 1000);
      }
    } finally {
      await context.close();
    }
  });
}

async function uiSession({ browser, vsix, trusted }) {
  const label = trusted ? 'ui' : 'ui restricted';
  const name = trusted ? 'ui-trusted' : 'ui-restricted';
  const workspace = prepareWorkspace(name, { withBrokenFile: true });
  const tests = trusted ? trustedUiTests : restrictedUiTests;
  await withSession({ name, workspace, trusted, vsixFiles: [vsix] }, async (server) => {
    // Titles and ids as packaged (what the workbench shows), not as in the working tree.
    const manifest = installedManifest(server.extensionsDir, EXTENSION_ID);
    let opened;
    try {
      opened = await openWorkbench(browser, server, { consoleLog: path.join(resultsDir, `${name}.console.log`) });
    } catch (err) {
      record(label, 'open the workbench', false, err?.message ?? String(err));
      return;
    }
    const { context, page } = opened;
    try {
      for (const t of tests) {
        const t0 = Date.now();
        try {
          await t.run({ page, manifest, workspace, shot: (shotName) => screenshot(page, screenshotsDir, `${name}-${shotName}`) });
          record(label, t.name, true, undefined, (Date.now() - t0) / 1000);
        } catch (err) {
          const shot = await screenshot(page, screenshotsDir, `FAILED-${name}-${safeName(t.name)}`).catch(() => undefined);
          const msg = `${err?.message ?? err}${shot ? `\n(screenshot: ${path.relative(repoRoot, shot)})` : ''}`;
          record(label, t.name, false, msg, (Date.now() - t0) / 1000);
          await page.keyboard.press('Escape').catch(() => undefined);
        }
      }
    } finally {
      await context.close();
    }
  });
}

async function main() {
  const started = Date.now();
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.mkdirSync(screenshotsDir, { recursive: true });
  for (const f of fs.readdirSync(screenshotsDir)) if (f.endsWith('.png')) fs.rmSync(path.join(screenshotsDir, f));

  await phase('setup', () => setup());

  let vsix = process.env.FEDERATED_SECRETS_E2E_VSIX && path.resolve(process.env.FEDERATED_SECRETS_E2E_VSIX);
  if (!vsix) {
    vsix = path.join(repoRoot, 'dist-vsix', 'federated-secrets.vsix');
    fs.rmSync(vsix, { force: true });
    await phase('package', () => runLogged('npm', ['run', 'package'], path.join(resultsDir, 'package.log')));
  }
  if (!fs.existsSync(vsix)) throw new Error(`no extension package at ${vsix}`);
  const runnerVsix = path.join(resultsDir, 'e2e-runner.vsix');
  await phase('build runner extension', () => buildRunner({ vsix: runnerVsix }));

  const browser = await phase('launch chromium', () => launchBrowser());
  cleanups.push(() => browser.close());
  try {
    if (only !== 'ui') {
      await phase('in-host suite (trusted)', () => inHostSession({ browser, vsix, runnerVsix, trusted: true }));
      await phase('in-host suite (restricted)', () => inHostSession({ browser, vsix, runnerVsix, trusted: false }));
    }
    if (only !== 'in-host') {
      await phase('ui tests (trusted)', () => uiSession({ browser, vsix, trusted: true }));
      await phase('ui tests (restricted)', () => uiSession({ browser, vsix, trusted: false }));
    }
  } finally {
    await browser.close();
  }
  phases.total = Number(((Date.now() - started) / 1000).toFixed(1));
}

async function cleanup() {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
}

function finish(fatal) {
  if (fatal) record('harness', 'run the end-to-end tests', false, fatal?.message ?? String(fatal));
  const passed = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.length - passed;
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'results.json'), JSON.stringify({ passed, failed, phases, outcomes }, null, 2) + '\n');
  log(`timings (s): ${Object.entries(phases).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`screenshots: ${path.relative(repoRoot, screenshotsDir)}/, logs: ${path.relative(repoRoot, resultsDir)}/`);
  if (passed === 0 && failed === 0) log('no test ran');
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => cleanup().then(() => finish()),
  (err) => cleanup().then(() => finish(err)),
);
