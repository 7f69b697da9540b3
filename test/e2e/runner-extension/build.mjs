// Bundles the test-runner extension (src/runner.ts + mocha + every test/e2e/suite/*.test.ts) into
// dist/runner.js and, with `--vsix <file>`, packages it with vsce so it installs like any extension.
//
//   node test/e2e/runner-extension/build.mjs [--vsix <out.vsix>]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const suiteDir = path.resolve(here, '..', 'suite');

/** The suite files, in name order (that is the order mocha runs them in). */
export function suiteFiles() {
  return fs
    .readdirSync(suiteDir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(suiteDir, f));
}

/** `e2e-suites`: a module whose loadSuites() evaluates each suite file, after mocha bound describe/it. */
const suitesPlugin = {
  name: 'e2e-suites',
  setup(build) {
    build.onResolve({ filter: /^e2e-suites$/ }, () => ({ path: 'e2e-suites', namespace: 'e2e-suites' }));
    build.onLoad({ filter: /.*/, namespace: 'e2e-suites' }, () => {
      const files = suiteFiles();
      if (files.length === 0) throw new Error(`no *.test.ts files in ${suiteDir}`);
      const body = files.map((f) => `  require(${JSON.stringify(f)});`).join('\n');
      return { contents: `export function loadSuites() {\n${body}\n}\n`, loader: 'js', resolveDir: suiteDir };
    });
  },
};

export async function buildRunner({ vsix } = {}) {
  await esbuild.build({
    entryPoints: [path.join(here, 'src', 'runner.ts')],
    outfile: path.join(here, 'dist', 'runner.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    plugins: [suitesPlugin],
    logLevel: 'warning',
    // mocha's ESM loader (dynamic import) and its parallel mode (worker files) are never reached in the bundle.
    logOverride: { 'unsupported-dynamic-import': 'silent', 'require-resolve-not-external': 'silent' },
  });
  if (vsix) {
    fs.mkdirSync(path.dirname(vsix), { recursive: true });
    const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
    const r = spawnSync(
      process.execPath,
      [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--allow-star-activation', '--out', vsix],
      { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (r.status !== 0) throw new Error(`vsce package of the runner extension failed:\n${r.stdout}\n${r.stderr}`);
  }
  return { vsix };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--vsix');
  const vsix = i > 0 ? path.resolve(process.argv[i + 1]) : undefined;
  buildRunner({ vsix }).then(
    () => console.log(`runner extension built${vsix ? `: ${vsix}` : ''}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
