// `npm run test:e2e`: the end-to-end tests in a real VS Code (code-server) driven by headless Chromium.
//
//   setup (idempotent) → npm run package (the .vsix) → packaging checks (allow-list, size) → build the
//   test-runner extension → offline sessions, each a fresh code-server with a fresh copy of samples/:
//     1. in-host suite, trusted         (runner extension + mocha inside the extension host)
//     2. in-host suite, Restricted Mode (only tests tagged @restricted)
//     3. UI tests, trusted              (Playwright: activity bar view, Quick Open, Problems, F1)
//     4. UI tests, Restricted Mode
//   → the sandbox cloud (scripts/sandbox: what `npm start` runs) and the packaged CLI's check against it →
//   online sessions, each with a fresh copy of the sandbox workspace and the sandbox allowed in user settings:
//     5. UI tests, Restricted Mode      (nothing reaches the emulated cloud: its request counts stay zero)
//     6. in-host suite, trusted         (only tests tagged @sandbox)
//     7. UI tests, trusted              (completion from the vault, Test Connection, a broken subject)
//   → `npm start` itself (scripts/start.mjs in a temp folder): it serves the workbench with the extension active
//     on the sandbox workspace, and Ctrl+C (SIGINT) leaves no process behind
//   → summary line `N passed, N failed`; exit code 1 on any failure or when no test ran.
//
// While a session's workbench page is open, a modal watcher (browser.mjs) reports every modal dialog: one no
// UI test declared with expectModal (and any in an in-host session) is screenshotted (FAILED-modal-*.png),
// dismissed with Escape so the session can finish, and fails that session's "no unexpected modal dialog" test.
//
// Output: test-results/e2e/ (results.json, code-server logs, browser console logs) and
// test-results/screenshots/*.png. Environment:
//   FEDERATED_SECRETS_E2E_VSIX=<file>  test this .vsix instead of running `npm run package`
//   FEDERATED_SECRETS_E2E_KEEP=1       keep the sessions' temp folders (user data, extensions, workspace)
//   FEDERATED_SECRETS_E2E_ONLY=in-host|ui|sandbox|offline|start  run only one kind of session
//   FEDERATED_SECRETS_E2E_UPDATE_MEDIA=1  copy the README screenshots into media/ when their tests passed
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { launchBrowser, openWorkbench, screenshot } from './browser.mjs';
import { KEEP_TEMP, installedManifest, startCodeServer } from './codeserver.mjs';
import { buildRunner } from './runner-extension/build.mjs';
import { repoRoot, setup } from './setup.mjs';
import { sandboxRestrictedUiTests, sandboxUiTests } from './ui/sandbox.ui.mjs';
import { BROKEN_FILE, readJsonc, restrictedUiTests, trustedUiTests } from './ui/workbench.ui.mjs';
import { VSIX_MAX_BYTES, vsixEntries, vsixIdentity, vsixProblems } from './vsix.mjs';

const resultsDir = path.join(repoRoot, 'test-results', 'e2e');
const screenshotsDir = path.join(repoRoot, 'test-results', 'screenshots');
const IN_HOST_TIMEOUT_MS = 180_000;
const only = process.env.FEDERATED_SECRETS_E2E_ONLY;
const EXTENSION_ID = 'federated-secrets.federated-secrets';
/** The screenshots the README shows: test-results/screenshots/<from>.png → media/<to>.png. */
const MEDIA = [
  { from: 'ui-sandbox-tree-view', to: 'screenshot-tree.png', test: /Federated Secrets view lists/ },
  { from: 'ui-sandbox-completion', to: 'screenshot-completion.png', test: /Ctrl\+Space in a secretName/ },
  { from: 'ui-sandbox-test-connection-report', to: 'screenshot-test-connection.png', test: /Test Connection from the palette/ },
  { from: 'ui-sandbox-test-connection-failure', to: 'screenshot-test-failure.png', test: /wrong federated subject/ },
];
const MEDIA_MAX_BYTES = 200 * 1024;

/** Whether FEDERATED_SECRETS_E2E_ONLY lets a session of this kind run. */
function wanted(kind, online) {
  if (!only) return true;
  if (only === 'sandbox') return online && kind !== 'start';
  if (only === 'offline') return !online;
  return only === kind;
}

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

/**
 * A fresh copy of samples/ or `from` (plus, for the offline UI tests, the broken file they open); with `leaf`,
 * in a folder of that name inside the temp folder (the name the workbench's title shows).
 */
function prepareWorkspace(name, { withBrokenFile, from = path.join(repoRoot, 'samples'), leaf }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `fs-e2e-ws-${name}-`));
  const ws = leaf ? path.join(tmp, leaf) : tmp;
  fs.cpSync(from, ws, { recursive: true });
  if (!KEEP_TEMP) cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  if (!withBrokenFile) return ws;
  const store = readJsonc(path.join(ws, 'flights.secretstore.json'));
  store.name = 'BrokenReference';
  store.authentication = { type: 'identityFederation', federation: 'NoSuchFederation' };
  store.secrets = [{ reference: 'OnlyReference', secretName: 'only-secret' }];
  fs.writeFileSync(path.join(ws, BROKEN_FILE), JSON.stringify(store, null, 2) + '\n');
  return ws;
}

let installRecorded = false;

/**
 * A session's modal check, recorded as a test of its own: a modal dialog no test declared (expectModal) fails
 * it, naming the dialog's text and its screenshot. In-host tests cannot declare one, so any modal fails there.
 */
async function recordModals(label, modals) {
  if (!modals) return;
  const { ok, error } = await modals.result();
  record(label, `no unexpected modal dialog (${label})`, ok, error);
}

/**
 * Starts a session's code-server (installing the packages with --install-extension) and runs `fn`. A failure
 * to start or install is recorded against the session (and fails the run) instead of aborting the others.
 */
async function withSession(label, opts, fn) {
  let server;
  try {
    server = await startCodeServer({ ...opts, logDir: resultsDir });
  } catch (err) {
    record(label, 'start code-server with the packaged extension installed (--install-extension)', false, err?.message ?? String(err));
    return undefined;
  }
  cleanups.push(server.stop);
  if (!installRecorded) {
    installRecorded = true;
    const { id, version } = vsixIdentity(opts.vsixFiles[0]);
    const ok = server.installed.includes(`${id}@${version}`);
    record('package', `the .vsix installs into code-server with --install-extension (${id}@${version})`, ok, ok ? undefined : `installed: ${server.installed.join(', ')}`);
  }
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/**
 * One in-host session: the runner extension runs the suite's tests whose titles match `grep` (or, with
 * `invert`, do not) inside the extension host and writes the results file the harness reads.
 */
async function inHostSession({ browser, vsix, runnerVsix, trusted, name, label, grep, invert = false, workspace, env: extraEnv = {}, settings = {} }) {
  const resultsFile = path.join(resultsDir, `${name}.results.json`);
  fs.rmSync(resultsFile, { force: true });
  fs.rmSync(`${resultsFile}.started`, { force: true });
  const env = { ...extraEnv, FEDERATED_SECRETS_E2E_RESULTS: resultsFile, FEDERATED_SECRETS_E2E_GREP: grep, ...(invert ? { FEDERATED_SECRETS_E2E_INVERT: '1' } : {}) };
  await withSession(label, { name, workspace, trusted, vsixFiles: [vsix, runnerVsix], env, settings }, async (server) => {
    // The extension host, and with it the runner, starts only when a browser opens the workbench.
    const { context, page, modals } = await openWorkbench(browser, server, { consoleLog: path.join(resultsDir, `${name}.console.log`), session: label, screenshotsDir });
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
      await recordModals(label, modals);
      await context.close();
    }
  });
}

/** One UI session: Playwright runs `tests` in order against one workbench; each failure gets a screenshot. */
async function uiSession({ browser, vsix, trusted, name, label, tests, workspace, env = {}, settings = {}, context: extra = {}, viewport, after }) {
  await withSession(label, { name, workspace, trusted, vsixFiles: [vsix], env, settings }, async (server) => {
    // Titles and ids as packaged (what the workbench shows), not as in the working tree.
    const manifest = installedManifest(server.extensionsDir, EXTENSION_ID);
    let opened;
    try {
      opened = await openWorkbench(browser, server, { consoleLog: path.join(resultsDir, `${name}.console.log`), session: label, screenshotsDir, ...(viewport ? { viewport } : {}) });
    } catch (err) {
      record(label, 'open the workbench', false, err?.message ?? String(err));
      return;
    }
    const { context, page, modals } = opened;
    try {
      for (const t of tests) {
        const t0 = Date.now();
        try {
          await t.run({ ...extra, page, manifest, workspace, shot: (shotName) => screenshot(page, screenshotsDir, `${name}-${shotName}`) });
          record(label, t.name, true, undefined, (Date.now() - t0) / 1000);
        } catch (err) {
          const shot = await screenshot(page, screenshotsDir, `FAILED-${name}-${safeName(t.name)}`).catch(() => undefined);
          const msg = `${err?.message ?? err}${shot ? `\n(screenshot: ${path.relative(repoRoot, shot)})` : ''}`;
          record(label, t.name, false, msg, (Date.now() - t0) / 1000);
          await page.keyboard.press('Escape').catch(() => undefined);
        }
      }
    } finally {
      await recordModals(label, modals);
      await context.close();
    }
    if (after) await after({ server, record: (testName, ok, error) => record(label, testName, ok, error) });
  });
}

/** The packaged extension: exactly the allow-list, under the size bound. */
function checkPackage(vsix) {
  const problems = vsixProblems(vsix);
  const size = fs.statSync(vsix).size;
  const entries = vsixEntries(vsix).map((e) => e.name);
  record('package', `the .vsix holds exactly the allow-list (${entries.length} files)`, !problems.some((p) => !p.includes(' MB')), problems.filter((p) => !p.includes(' MB')).join('\n'));
  record('package', `the .vsix is under ${VSIX_MAX_BYTES / 1024 / 1024} MB (${(size / 1024 / 1024).toFixed(2)} MB)`, size <= VSIX_MAX_BYTES, problems.find((p) => p.includes(' MB')));
}

/** Files under `dir` whose bytes contain `needle`: [relative path]. */
function filesContaining(dir, needle) {
  const hits = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && fs.statSync(full).size < 50 * 1024 * 1024 && fs.readFileSync(full).includes(needle)) hits.push(path.relative(dir, full));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return hits;
}

/** The sandbox sessions: the cloud `npm start` runs, checked with the packaged CLI, then the editor against it. */
async function sandboxSessions({ browser, vsix, runnerVsix }) {
  const { startSampleSandbox, runPackagedCli, SANDBOX_CANARY } = tsxRequire('../../scripts/sandbox/index.ts', import.meta.url);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-e2e-sandbox-'));
  if (!KEEP_TEMP) cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  let box;
  try {
    box = await phase('start the sandbox cloud', () => startSampleSandbox({ dir }));
  } catch (err) {
    record('sandbox', 'start the sandbox cloud seeded from samples/', false, err?.stack ?? String(err));
    return;
  }
  cleanups.push(() => box.stop());
  const d = box.description;
  record('sandbox', `the sandbox cloud starts, seeded from samples/ (${d.vaultSecretNames.length} vault secrets)`, true);

  await phase('sandbox: packaged CLI check', async () => {
    const t0 = Date.now();
    const { code, output } = await runPackagedCli(box.cliTestArgs(d.authProfile));
    const failures = [];
    if (code !== 0) failures.push(`exit ${code}`);
    if (!/PASSED: 7 ok, 0 warnings, 0 failed, 0 skipped/.test(output)) failures.push('not every step passed');
    if (output.includes(SANDBOX_CANARY)) failures.push('the output holds a secret value');
    const ok = failures.length === 0;
    record('sandbox', `node dist/cli.js test ${d.authProfile} against the sandbox workspace passes every step`, ok, ok ? undefined : `${failures.join('; ')}\n${output}`, (Date.now() - t0) / 1000);
  });

  const online = { env: box.env, settings: box.userSettings };
  const context = { box: { description: d, requestCounts: box.requestCounts, clearRequestCounts: box.clearRequestCounts, canary: SANDBOX_CANARY } };
  const viewport = { width: 1280, height: 800 };
  const sandboxWorkspace = (name) => prepareWorkspace(name, { withBrokenFile: false, from: box.workspaceDir, leaf: 'mktairlines' });

  if (wanted('ui', true)) {
    await phase('ui tests (sandbox, restricted)', () =>
      uiSession({ browser, vsix, trusted: false, name: 'ui-sandbox-restricted', label: 'ui sandbox restricted', tests: sandboxRestrictedUiTests, workspace: sandboxWorkspace('ui-sandbox-restricted'), ...online, context, viewport }),
    );
  }
  if (wanted('in-host', true)) {
    box.clearRequestCounts();
    await phase('in-host suite (sandbox)', () =>
      inHostSession({ browser, vsix, runnerVsix, trusted: true, name: 'in-host-sandbox', label: 'in-host sandbox', grep: '@sandbox', workspace: sandboxWorkspace('in-host-sandbox'), ...online }),
    );
  }
  if (wanted('ui', true)) {
    await phase('ui tests (sandbox)', () =>
      uiSession({
        browser,
        vsix,
        trusted: true,
        name: 'ui-sandbox',
        label: 'ui sandbox',
        tests: sandboxUiTests,
        workspace: sandboxWorkspace('ui-sandbox'),
        ...online,
        context,
        viewport,
        // After the session: no secret value in any file the editor wrote (logs, state, the workspace).
        after: ({ server, record: rec }) => {
          const hits = [...filesContaining(server.userDataDir, SANDBOX_CANARY), ...filesContaining(server.workspace, SANDBOX_CANARY)];
          rec('no secret value in any file the editor wrote (user data, logs, workspace)', hits.length === 0, hits.length ? `the canary is in: ${hits.join(', ')}` : undefined);
        },
      }),
    );
  }
}

/** Processes (other than this one) whose command line or environment mentions `needle`: "pid command". */
function processesMentioning(needle) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes(needle) || environ.includes(needle)) found.push(`${pid} ${cmdline.slice(0, 120)}`);
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}

/** `npm start` as a user runs it (in a temp folder): the URL, the workbench with the extension, a clean Ctrl+C. */
async function npmStartSession({ browser }) {
  const label = 'npm start';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-e2e-npm-start-'));
  if (!KEEP_TEMP) cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const logFile = path.join(resultsDir, 'npm-start.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'start.mjs'), '--skip-package', '--port', '0', '--dir', dir], { cwd: repoRoot, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exit;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exit = { code, signal }))));
  cleanups.push(() => {
    if (!exit) child.kill('SIGKILL');
  });
  const logText = () => fs.readFileSync(logFile, 'utf8');
  const logTail = () => logText().trim().split('\n').slice(-25).join('\n');

  const t0 = Date.now();
  let url;
  while (!url && !exit && Date.now() - t0 < 180_000) {
    url = /^\s*Open:\s+(\S+)/m.exec(logText())?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 500));
  }
  const cliPassed = /CLI check "federated-secrets test [^"]+": PASSED/.test(logText());
  record(label, 'npm start prints the URL to open and the steps to try', Boolean(url) && /Ctrl\+Space/.test(logText()), url ? undefined : `no URL after ${Math.round((Date.now() - t0) / 1000)} s${exit ? ` (exited ${exit.code ?? exit.signal})` : ''}:\n${logTail()}`, (Date.now() - t0) / 1000);
  record(label, 'npm start checks the sandbox wiring with the packaged CLI first (PASSED)', cliPassed, cliPassed ? undefined : logTail());
  if (url) {
    const t1 = Date.now();
    let context;
    let modals;
    try {
      const opened = await openWorkbench(browser, { folderUrl: url }, { consoleLog: path.join(resultsDir, 'npm-start.console.log'), viewport: { width: 1280, height: 800 }, session: label, screenshotsDir });
      context = opened.context;
      modals = opened.modals;
      const page = opened.page;
      const item = page.locator('.part.activitybar .action-item .action-label[aria-label^="Federated Secrets"]').first();
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.click();
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'MKTAirlines' }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, screenshotsDir, 'npm-start-workbench');
      record(label, 'the workbench it serves has the extension active on the sandbox workspace (the tree lists MKTAirlines)', true, undefined, (Date.now() - t1) / 1000);
    } catch (err) {
      record(label, 'the workbench it serves has the extension active on the sandbox workspace (the tree lists MKTAirlines)', false, err?.message ?? String(err), (Date.now() - t1) / 1000);
    } finally {
      await recordModals(label, modals);
      await context?.close();
    }
  }
  if (!exit) child.kill('SIGINT');
  const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 30_000))]);
  await new Promise((r) => setTimeout(r, 1_000));
  const left = processesMentioning(dir);
  const clean = stopped?.code === 0 && left.length === 0;
  record(label, 'Ctrl+C (SIGINT) stops it with exit code 0 and leaves no process behind', clean, clean ? undefined : `exit: ${JSON.stringify(stopped ?? 'still running after 30 s')}; processes left: ${left.join(' | ') || 'none'}\n${logTail()}`);
  for (const line of left) {
    const pid = Number(line.split(' ')[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Copies the README screenshots into media/ (when asked, and only those whose producing test passed). */
function updateMedia() {
  if (process.env.FEDERATED_SECRETS_E2E_UPDATE_MEDIA !== '1') return;
  for (const { from, to, test } of MEDIA) {
    const src = path.join(screenshotsDir, `${from}.png`);
    const passed = outcomes.some((o) => o.group === 'ui sandbox' && test.test(o.name) && o.ok);
    if (!passed || !fs.existsSync(src)) {
      log(`media/${to}: not updated (no passing screenshot ${from}.png)`);
      continue;
    }
    const dest = path.join(repoRoot, 'media', to);
    // pngquant (Debian package), when installed, cuts a screenshot to about a third at no visible loss.
    const quantized = spawnSync('pngquant', ['--quality', '70-95', '--speed', '1', '--force', '--output', dest, src]).status === 0;
    if (!quantized) fs.copyFileSync(src, dest);
    const size = fs.statSync(dest).size;
    log(`media/${to} ← ${path.relative(repoRoot, src)} (${Math.round(size / 1024)} KB${quantized ? ', pngquant' : ''})`);
    if (size > MEDIA_MAX_BYTES) log(`media/${to}: ${Math.round(size / 1024)} KB is over ${MEDIA_MAX_BYTES / 1024} KB (apt-get install pngquant, then run again)`);
  }
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
  checkPackage(vsix);
  const runnerVsix = path.join(resultsDir, 'e2e-runner.vsix');
  await phase('build runner extension', () => buildRunner({ vsix: runnerVsix }));

  const browser = await phase('launch chromium', () => launchBrowser());
  cleanups.push(() => browser.close());
  try {
    if (wanted('in-host', false)) {
      await phase('in-host suite (trusted)', () =>
        inHostSession({ browser, vsix, runnerVsix, trusted: true, name: 'in-host-trusted', label: 'in-host', grep: '@restricted|@sandbox', invert: true, workspace: prepareWorkspace('in-host-trusted', { withBrokenFile: false }) }),
      );
      await phase('in-host suite (restricted)', () =>
        inHostSession({ browser, vsix, runnerVsix, trusted: false, name: 'in-host-restricted', label: 'in-host restricted', grep: '@restricted', workspace: prepareWorkspace('in-host-restricted', { withBrokenFile: false }) }),
      );
    }
    if (wanted('ui', false)) {
      await phase('ui tests (trusted)', () => uiSession({ browser, vsix, trusted: true, name: 'ui-trusted', label: 'ui', tests: trustedUiTests, workspace: prepareWorkspace('ui-trusted', { withBrokenFile: true }) }));
      await phase('ui tests (restricted)', () => uiSession({ browser, vsix, trusted: false, name: 'ui-restricted', label: 'ui restricted', tests: restrictedUiTests, workspace: prepareWorkspace('ui-restricted', { withBrokenFile: true }) }));
    }
    if (wanted('in-host', true) || wanted('ui', true)) await sandboxSessions({ browser, vsix, runnerVsix });
    if (wanted('start', true)) await phase('npm start', () => npmStartSession({ browser }));
  } finally {
    await browser.close();
  }
  updateMedia();
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
