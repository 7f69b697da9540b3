import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main';

const root = path.resolve(__dirname, '../..');

async function run(args: string[], cwd = root) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, cwd);
  return { code, stdout, stderr };
}

interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: string;
  code: string;
  message: string;
}

describe('federated-secrets validate', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fs-validate-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('exits 0 on the samples', async () => {
    const result = await run(['validate', 'samples']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /8 files checked: 0 errors, 0 warnings/);
  });

  it('exits 1 on the broken fixtures with every error located', async () => {
    const result = await run(['validate', 'test/fixtures/broken', '--format', 'json']);
    assert.equal(result.code, 1);
    const diagnostics = JSON.parse(result.stdout) as JsonDiagnostic[];
    const located = diagnostics.map((d) => `${path.basename(d.file)}:${d.line}:${d.column} ${d.code}`);
    assert.deepEqual(located, [
      'array.clientregistration.json:1:1 FS103',
      'duplicate-key.keystore.json:4:3 FS003',
      'empty.repository.json:1:1 FS002',
      'malformed.authprofile.json:4:3 FS001',
      'mismatch.secretstore.json:3:15 FS206',
      'mismatch.secretstore.json:5:3 FS105',
      'plaintext.authprofile.json:6:30 FS204',
      'plaintext.authprofile.json:7:19 FS207',
      'typos.federation.json:5:3 FS101',
      'typos.federation.json:5:44 FS209',
      'typos.federation.json:5:74 FS102',
      'typos.federation.json:6:26 FS104',
      'unknown-federation.secretstore.json:4:67 FS202',
      'unknown-federation.secretstore.json:7:44 FS210',
      'unknown-federation.secretstore.json:8:20 FS212',
      'wrong-types.connection.json:7:11 FS103',
      'wrong-types.connection.json:8:26 FS205',
      'wrong-types.connection.json:9:15 FS103',
    ]);
    for (const d of diagnostics) {
      assert.ok(d.message.length > 20, `a message that says what to do: ${d.message}`);
      assert.ok(['error', 'warning', 'information'].includes(d.severity));
    }
  });

  it('prints file:line:column in text format and a summary on stderr', async () => {
    const result = await run(['validate', 'test/fixtures/broken/typos.federation.json']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^test\/fixtures\/broken\/typos\.federation\.json:5:74: error FS102: Property `subjct` is not allowed in `issuer`\. Did you mean `subject`\?$/m);
    assert.match(result.stderr, /1 file checked: 4 errors, 0 warnings/);
  });

  it('exits 0 when there are only warnings', async () => {
    const folder = path.join(scratch, 'warnings');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'p.authprofile.json'), JSON.stringify({ name: 'P', type: 'oauth2', grantType: 'clientCredentials', tokenEndpoint: 'https://t.example.com', clientId: 'id', clientSecret: 'plain' }));
    const result = await run(['validate', folder]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /warning FS207/);
  });

  it('skips node_modules and .git, and finds nested folders', async () => {
    const folder = path.join(scratch, 'tree');
    for (const sub of ['node_modules/x', '.git/y', 'a/b']) mkdirSync(path.join(folder, sub), { recursive: true });
    writeFileSync(path.join(folder, 'node_modules/x/bad.federation.json'), '{');
    writeFileSync(path.join(folder, '.git/y/bad.federation.json'), '{');
    writeFileSync(path.join(folder, 'a/b/bad.federation.json'), '{');
    const result = await run(['validate', folder, '--format', 'json']);
    const files = (JSON.parse(result.stdout) as JsonDiagnostic[]).map((d) => d.file);
    assert.deepEqual([...new Set(files)].map((f) => f.split(path.sep).slice(-3).join('/')), ['a/b/bad.federation.json']);
  });

  it('reports an unreadable file as a located error instead of crashing', async () => {
    const folder = path.join(scratch, 'unreadable');
    mkdirSync(path.join(folder, 'dir.federation.json'), { recursive: true });
    const file = path.join(folder, 'x.federation.json');
    writeFileSync(file, '{}');
    const { loadWorkspace } = await import('../../src/cli/files');
    rmSync(file);
    const { readErrors } = await loadWorkspace([file]);
    assert.deepEqual(readErrors.map((d) => d.code), ['FS005']);
    assert.match(readErrors[0]?.message ?? '', /ENOENT/);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['validate', '--format', 'xml'], ['validate', '--nope'], ['validate', 'no/such/folder'], ['frobnicate'], []]) {
      const result = await run(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
  });

  it('prints help with exit 0', async () => {
    const result = await run(['validate', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: federated-secrets validate/);
  });
});
