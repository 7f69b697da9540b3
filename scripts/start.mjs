// `npm start`: the extension in a real VS Code (code-server) against the local sandbox cloud, in one command.
//
//   1. `npm ci` when node_modules is missing
//   2. the e2e setup (Node 24 + code-server into .vscode-test/; idempotent, ~3 min the first time)
//   3. `npm run package` (the .vsix)
//   4. the sandbox: emulated issuer host, Entra ID, Key Vault and OAuth server on fixed loopback ports (free
//      ones when taken), seeded to match samples/; the workspace .sandbox/workspace (samples/ pointed at it)
//   5. a check with the packaged CLI (`federated-secrets test <auth profile>`): proves the wiring without the editor
//   6. code-server with the fresh .vsix installed and user settings that allow the sandbox (persistent state
//      in .sandbox/code-server, so your own settings and layout survive restarts)
//
// Prints the URL and what to try; Ctrl+C stops everything it started.
//
//   npm start [-- --port 8080] [--skip-package] [--reset] [--dir .sandbox]
//     --port N        code-server port (default 8080; a free one when taken; 0: any free port)
//     --skip-package  reuse dist-vsix/federated-secrets.vsix and dist/ as they are
//     --reset         forget the code-server state in .sandbox/code-server (settings, layout, trusted folders)
//     --dir DIR       keep the sandbox's files and the code-server state in DIR instead of .sandbox/
//
// Only Node's built-in modules are imported up front: the rest comes after `npm ci`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_PORT = 8080;

function log(message) {
  console.log(`[start] ${message}`);
}

function usage(error) {
  if (error) console.error(`npm start: ${error}\n`);
  console.error('Usage: npm start [-- --port N] [--skip-package] [--reset] [--dir DIR]');
  process.exit(2);
}

function run(cmd, args, { logFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = logFile ? fs.openSync(logFile, 'w') : undefined;
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: out === undefined ? 'inherit' : ['ignore', out, out] });
    child.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (out !== undefined) fs.closeSync(out);
      if (code === 0) return resolve();
      const tail = logFile ? `\n${fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-20).join('\n')}` : '';
      reject(new Error(`'${cmd} ${args.join(' ')}' failed (${signal ?? `exit ${code}`})${tail}`));
    });
  });
}

/** What to stop on exit, in reverse order. */
const cleanups = [];
let stopping;
function stop(code) {
  return (stopping ??= (async () => {
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
    process.exit(code);
  })());
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (!stopping) log(`${sig}: stopping code-server and the sandbox …`);
    void stop(sig === 'SIGINT' ? 0 : 1);
  });
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, 'skip-package': { type: 'boolean', default: false }, reset: { type: 'boolean', default: false }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    usage(err.message);
  }
  if (values.help) usage();
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be a port number, not "${values.port}"`);
  const sandboxDir = path.resolve(values.dir ?? path.join(repoRoot, '.sandbox'));
  const stateDir = path.join(sandboxDir, 'code-server');
  const logDir = path.join(sandboxDir, 'logs');

  const started = Date.now();

  // 1. Dependencies.
  if (!fs.existsSync(path.join(repoRoot, 'node_modules', '.package-lock.json')) || !fs.existsSync(path.join(repoRoot, 'node_modules', 'tsx'))) {
    log('node_modules is missing: npm ci');
    await run('npm', ['ci']);
  }

  // 2. code-server and Node 24 (no browser needed: you bring your own).
  const { setup } = await import(pathToFileURL(path.join(repoRoot, 'test', 'e2e', 'setup.mjs')).href);
  await setup({ withBrowser: false });

  // 3. The extension package.
  fs.mkdirSync(logDir, { recursive: true });
  const vsix = path.join(repoRoot, 'dist-vsix', 'federated-secrets.vsix');
  if (values['skip-package'] && fs.existsSync(vsix) && fs.existsSync(path.join(repoRoot, 'dist', 'cli.js'))) {
    log(`reusing ${path.relative(repoRoot, vsix)}`);
  } else {
    log('npm run package …');
    await run('npm', ['run', 'package'], { logFile: path.join(logDir, 'package.log') });
    log(`packaged ${path.relative(repoRoot, vsix)}`);
  }

  // 4. The sandbox cloud and its workspace.
  const { require: tsxRequire } = await import('tsx/cjs/api');
  const { startSampleSandbox, runPackagedCli, DEFAULT_SANDBOX_PORTS } = tsxRequire('./sandbox/index.ts', import.meta.url);
  const box = await startSampleSandbox({ dir: sandboxDir, ports: DEFAULT_SANDBOX_PORTS, log: (m) => log(m) });
  cleanups.push(() => box.stop());
  const rel = (p) => (p.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, p) : p);
  log(`sandbox cloud up; workspace ${rel(box.workspaceDir)} (regenerated from samples/ on every start)`);

  // 5. The same wiring, proven with the packaged CLI.
  const profile = box.description.authProfile;
  const check = await runPackagedCli(box.cliTestArgs(profile));
  const verdict = /^(PASSED|FAILED|CANCELLED):.*$/m.exec(check.output)?.[0] ?? `exit ${check.code}`;
  if (check.code === 0) log(`CLI check "federated-secrets test ${profile}": ${verdict}`);
  else {
    console.log(check.output);
    log(`WARNING: the CLI check of ${profile} did not pass (${verdict}); the editor will show the same failure.`);
  }

  // 6. code-server.
  const { startCodeServer } = await import(pathToFileURL(path.join(repoRoot, 'test', 'e2e', 'codeserver.mjs')).href);
  if (values.reset) {
    fs.rmSync(stateDir, { recursive: true, force: true });
    log(`reset ${rel(stateDir)}`);
  }
  const server = await startCodeServer({
    name: 'sandbox',
    workspace: box.workspaceDir,
    trusted: true,
    vsixFiles: [vsix],
    settings: box.userSettings,
    logDir,
    stateDir,
    port,
    onSpawn: (stopServer) => cleanups.push(stopServer),
  });
  if (port && server.port !== port) log(`port ${port} is taken; using ${server.port}`);
  void server.exited.then((how) => {
    if (stopping) return;
    log(`code-server exited (${how}); see ${rel(server.logFile)}`);
    void stop(1);
  });

  const o = box.description.origins;
  const cliArgs = box
    .cliTestArgs(profile)
    .map((a) => (a.startsWith(repoRoot) ? rel(a) : a))
    .join(' ');
  console.log(`
Federated Secrets is running in VS Code (code-server) against the sandbox cloud — ready in ${Math.round((Date.now() - started) / 1000)} s.

  Open:  ${server.url}/?folder=${encodeURIComponent(box.workspaceDir)}

  Try:
  1. Click the Federated Secrets icon in the activity bar: the federation ${box.description.federation}, the store
     ${box.description.store} with its mappings, and the consumers that reference it.
  2. Open ${box.description.files.store} (Ctrl+P), put the cursor inside a "secretName" value, between the quotes,
     and press Ctrl+Space: the names the emulated vault lists (e.g. ${box.description.secretNames.unmapped[0]}, which no file maps yet;
     ${box.description.secretNames.disabled} is disabled, ${box.description.secretNames.expiringSoon} expires within a week).
  3. Open ${box.description.files.authProfile} and run "Federated Secrets: Test Connection" (F1): each step passes,
     from the self-issued token through Entra ID and Key Vault to the OAuth call.
  4. Break it: change "subject" in ${box.description.files.federation}, test again, and read the failing step,
     its AADSTS code and the advice.

  Emulated cloud (loopback, throw-away CA ${rel(box.caFile)}):
    issuer host ${o.issuerHost}   Entra ID ${o.entra}   Key Vault ${o.keyVault}   OAuth server ${o.oauth}
  Same check from the command line:
    node dist/cli.js ${cliArgs}
  Logs: ${rel(logDir)}/

Press Ctrl+C to stop.
`);
}

main().catch((err) => {
  console.error(`[start] FAILED: ${err?.stack ?? err}`);
  void stop(1);
});
