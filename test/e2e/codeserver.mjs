// Starts and stops a throw-away code-server (a real VS Code server + web workbench) for one test session:
// fresh user-data and extensions folders in a temp folder, the given .vsix files installed first, user
// settings written, a free loopback port, environment variables passed through to the extension host.
// With `stateDir` (what `npm start` uses) the folders persist there instead, and the settings are merged
// into the user's existing settings file, so the user's own choices survive restarts.
//
// Note: the extension host starts only once a browser opens the workbench (see browser.mjs).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import { node24Env, paths } from './setup.mjs';
import { vsixIdentity } from './vsix.mjs';

export const KEEP_TEMP = process.env.FEDERATED_SECRETS_E2E_KEEP === '1';

/** `wanted` when it is free on 127.0.0.1, else (or without `wanted`) a free port. */
export function freePort(wanted = 0) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', (err) => (wanted ? resolve(freePort(0)) : reject(err)));
    srv.listen(wanted, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Writes the user settings: `base` only when the file does not exist yet, then each of `settings` merged
 * into it (jsonc-parser edits, so the user's comments and other settings stay).
 */
export function writeUserSettings(file, { base = {}, settings = {} }) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : JSON.stringify(base, null, 2) + '\n';
  if (!text.trim()) text = '{}\n';
  for (const [key, value] of Object.entries(settings)) {
    text = applyEdits(text, modify(text, [key], value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } }));
  }
  fs.writeFileSync(file, text);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** User settings for a test session: no welcome page, no prompts, no network chatter. */
export function sessionSettings({ trusted }) {
  return {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    // trusted: workspace trust switched off, so every folder is trusted. Restricted: trust on, the folder is
    // not trusted, and the startup modal that would ask is suppressed (the banner still shows).
    'security.workspace.trust.enabled': !trusted,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'always',
  };
}

function codeServerArgs(userDataDir, extensionsDir) {
  return [paths.codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check'];
}

/**
 * Installs .vsix files with code-server's own CLI (`--install-extension`; `--force` replaces an installed
 * copy of the same version); returns the installed ids. Throws when the install fails or a package is missing.
 */
export function installExtensions({ userDataDir, extensionsDir, vsixFiles, env, logFile, force = false }) {
  if (vsixFiles.length === 0) return [];
  const args = [...codeServerArgs(userDataDir, extensionsDir)];
  for (const vsix of vsixFiles) {
    if (!fs.existsSync(vsix)) throw new Error(`no such extension package: ${vsix}`);
    args.push('--install-extension', vsix);
  }
  if (force) args.push('--force');
  const r = spawnSync(paths.node24, args, { env, encoding: 'utf8', timeout: 120_000 });
  fs.appendFileSync(logFile, `$ install ${vsixFiles.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`);
  const listed = spawnSync(paths.node24, [...codeServerArgs(userDataDir, extensionsDir), '--list-extensions', '--show-versions'], { env, encoding: 'utf8', timeout: 60_000 });
  const installed = (listed.stdout ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[\w-]+\.[\w-]+@[\w.+-]+$/.test(l));
  // Each package's own id and version must be what is installed now (not an older copy).
  const wanted = vsixFiles.map((f) => {
    const { id, version } = vsixIdentity(f);
    return `${id}@${version}`.toLowerCase();
  });
  const missing = wanted.filter((w) => !installed.some((i) => i.toLowerCase() === w));
  if (r.status !== 0 || missing.length) {
    throw new Error(
      `installing ${vsixFiles.map((f) => path.basename(f)).join(', ')} with --install-extension failed (exit ${r.status}; missing ${missing.join(', ')}; installed: ${installed.join(', ') || 'none'}):\n${r.stdout}\n${r.stderr}`,
    );
  }
  return installed;
}

/** package.json of an extension installed in `extensionsDir` (`publisher.name`), as VS Code sees it. */
export function installedManifest(extensionsDir, id) {
  const dir = fs.readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(`${id.toLowerCase()}-`));
  if (!dir) throw new Error(`${id} is not installed in ${extensionsDir}`);
  return JSON.parse(fs.readFileSync(path.join(extensionsDir, dir, 'package.json'), 'utf8'));
}

/**
 * Starts code-server for one session.
 * @param {object} o
 * @param {string} o.name           label for temp folders and logs
 * @param {string} o.workspace      folder to open
 * @param {boolean} [o.trusted]     true: workspace trust off (trusted); false: Restricted Mode
 * @param {string[]} [o.vsixFiles]  extensions to install first
 * @param {Record<string,string>} [o.env] extra environment (reaches the extension host)
 * @param {Record<string,unknown>} [o.settings] user settings written on top of the session defaults
 * @param {string} o.logDir         where code-server's output goes (`<name>.code-server.log`)
 * @param {string} [o.stateDir]     persistent folder for user data, extensions and config (kept on stop;
 *                                  the session defaults are written only when its settings file is new)
 * @param {number} [o.port]         preferred port (a free one when taken or not given)
 * @param {(stop: () => Promise<void>) => void} [o.onSpawn] called with `stop` as soon as the process exists
 *                                  (before it answers), so an interrupt while it starts can still stop it
 */
export async function startCodeServer({ name, workspace, trusted = true, vsixFiles = [], env = {}, settings = {}, logDir, stateDir, port: wantedPort, onSpawn }) {
  if (!fs.existsSync(paths.codeServerEntry)) throw new Error(`code-server is not installed at ${paths.codeServerEntry}; run node test/e2e/setup.mjs`);
  const persistent = Boolean(stateDir);
  const tmp = persistent ? path.resolve(stateDir) : fs.mkdtempSync(path.join(os.tmpdir(), `fs-e2e-${name}-`));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(path.join(userDataDir, 'User', 'settings.json'), { base: sessionSettings({ trusted }), settings });
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.code-server.log`);
  fs.writeFileSync(logFile, '');

  const serverEnv = node24Env({
    // Keep code-server's own config and state in the temp folder, away from the user's home.
    CODE_SERVER_CONFIG: path.join(tmp, 'config.yaml'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    ...env,
  });
  fs.writeFileSync(serverEnv.CODE_SERVER_CONFIG, 'auth: none\ncert: false\n');
  const installed = installExtensions({ userDataDir, extensionsDir, vsixFiles, env: serverEnv, logFile, force: persistent });

  const port = await freePort(wantedPort ?? 0);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    paths.node24,
    [...codeServerArgs(userDataDir, extensionsDir), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, workspace],
    { env: serverEnv, detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  let exited = null;
  const exitedPromise = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = signal ?? code))));
  const url = `http://127.0.0.1:${port}`;

  let stopping;
  const stop = () => (stopping ??= stopNow());
  const stopNow = async () => {
    if (exited === null) {
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: server, extension host, pty host, watchers
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([exitedPromise.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await exitedPromise;
      }
    }
    // Children that outlived the server in its process group (an extension host still shutting down).
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* none left */
    }
    if (!KEEP_TEMP && !persistent) fs.rmSync(tmp, { recursive: true, force: true });
  };

  onSpawn?.(stop);

  // Ready when /healthz answers.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before it answered; log ${logFile}:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within 60 s; log ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(250);
  }

  return {
    name,
    url,
    port,
    workspace,
    folderUrl: `${url}/?folder=${encodeURIComponent(workspace)}`,
    userDataDir,
    extensionsDir,
    installed,
    logFile,
    tmp,
    pid: child.pid,
    /** Resolves with the exit code or signal when code-server exits (on its own or by `stop`). */
    exited: exitedPromise,
    stop,
  };
}
