// `npm run test:vscode`: the same in-host suite as `npm run test:e2e`, on *desktop* VS Code, through
// @vscode/test-electron. For developers with desktop VS Code; CI uses code-server instead (`test:e2e`),
// because desktop VS Code cannot be downloaded on the CI machines (they reach only package registries).
//
//   VSCODE_PATH=/path/to/code npm run test:vscode     use a local VS Code (the executable, e.g.
//                                                     /usr/share/code/code, or on macOS
//                                                     ".../Visual Studio Code.app/Contents/MacOS/Electron")
//   npm run test:vscode                               VSCODE_PATH unset: downloads VS Code stable first
//                                                     (needs access to the VS Code download servers)
//   xvfb-run -a npm run test:vscode                   on a Linux machine without a display
//
// What it does, as the code-server harness does: packages the extension (`npm run package`, or takes
// FEDERATED_SECRETS_E2E_VSIX), installs the .vsix into a fresh extensions folder with VS Code's CLI, then
// starts VS Code twice on a fresh copy of samples/ — trusted (`--disable-workspace-trust`) and in Restricted
// Mode — with the test-runner extension as the development extension and its bundle as the extension tests
// entry (`run()` in runner-extension/src/runner.ts). Prints `N passed, N failed`; exits 1 on any failure.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath, runTests } from '@vscode/test-electron';
import { sessionSettings } from './codeserver.mjs';
import { buildRunner } from './runner-extension/build.mjs';
import { repoRoot } from './setup.mjs';

const runnerDir = path.join(repoRoot, 'test', 'e2e', 'runner-extension');
const resultsDir = path.join(repoRoot, 'test-results', 'e2e-desktop');

async function main() {
  fs.mkdirSync(resultsDir, { recursive: true });
  let vsix = process.env.FEDERATED_SECRETS_E2E_VSIX && path.resolve(process.env.FEDERATED_SECRETS_E2E_VSIX);
  if (!vsix) {
    vsix = path.join(repoRoot, 'dist-vsix', 'federated-secrets.vsix');
    const r = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run package failed');
  }
  await buildRunner();

  const vscodeExecutablePath = process.env.VSCODE_PATH || (await downloadAndUnzipVSCode('stable'));
  const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(vscodeExecutablePath, { reuseMachineInstall: true });

  let passed = 0;
  let failed = 0;
  for (const trusted of [true, false]) {
    const name = trusted ? 'trusted' : 'restricted';
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `fs-e2e-desktop-${name}-`));
    const userDataDir = path.join(tmp, 'user-data');
    const extensionsDir = path.join(tmp, 'extensions');
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(path.join(repoRoot, 'samples'), workspace, { recursive: true });
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(sessionSettings({ trusted }), null, 2) + '\n');
    const profile = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

    const install = spawnSync(cli, [...cliArgs, ...profile, '--install-extension', vsix], { encoding: 'utf8', shell: process.platform === 'win32' });
    if (install.status !== 0) throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);

    const resultsFile = path.join(resultsDir, `${name}.results.json`);
    fs.rmSync(resultsFile, { force: true });
    try {
      await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: runnerDir,
        extensionTestsPath: path.join(runnerDir, 'dist', 'runner.js'),
        launchArgs: [workspace, ...profile, ...(trusted ? ['--disable-workspace-trust'] : []), '--skip-welcome', '--skip-release-notes', '--disable-gpu'],
        extensionTestsEnv: {
          FEDERATED_SECRETS_E2E_DESKTOP_RESULTS: resultsFile,
          // The @sandbox tests need the sandbox cloud, which only `npm run test:e2e` starts.
          FEDERATED_SECRETS_E2E_GREP: trusted ? '@restricted|@sandbox' : '@restricted',
          FEDERATED_SECRETS_E2E_INVERT: trusted ? '1' : '0',
        },
      });
    } catch (err) {
      // runTests rejects when VS Code exits non-zero, i.e. when a test failed; the results file says which.
      if (!fs.existsSync(resultsFile)) {
        console.error(`✗ [desktop ${name}] VS Code did not run the suite: ${err?.message ?? err}`);
        failed++;
      }
    }
    if (fs.existsSync(resultsFile)) {
      const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
      for (const t of results.tests) {
        const ok = t.state === 'passed';
        console.log(`  ${ok ? '✓' : '✗'} [desktop ${name}] ${t.fullTitle}${t.error ? `\n      ${t.error.split('\n')[0]}` : ''}`);
        if (ok) passed++;
        else failed++;
      }
      if (results.tests.length === 0) failed++;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { passed, failed };
}

main().then(
  ({ passed, failed }) => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  },
  (err) => {
    console.error(`test:vscode: ${err?.stack ?? err}`);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
