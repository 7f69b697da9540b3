import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { parseSigningKeys, PRIVATE_JWK_MEMBERS } from '../../src/core/federation/index';
import { FEDERATION, STORE } from './helpers';

async function run(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, cwd);
  return { code, stdout, stderr };
}

const root = path.resolve(__dirname, '../..');

describe('federated-secrets test (usage and host policy)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fs-test-cli-'));
  before(() => {
    writeFileSync(path.join(scratch, 'fed.federation.json'), JSON.stringify({ ...FEDERATION, azure: { ...FEDERATION.azure, authorityHost: 'https://127.0.0.1:9' } }));
    writeFileSync(path.join(scratch, 'store.secretstore.json'), JSON.stringify(STORE));
    writeFileSync(path.join(scratch, 'not-a-cert.pem'), 'hello');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const usageCases: [string, string[], RegExp][] = [
    ['no target', ['test'], /Which instance\?/],
    ['two targets', ['test', 'a', 'b'], /one instance/],
    ['bad format', ['test', 'Fed', '--format', 'xml'], /--format must be text or json/],
    ['bad timeout', ['test', 'Fed', '--timeout-ms', '0'], /--timeout-ms/],
    ['unknown instance', ['test', 'Nope'], /No config instance is named "Nope".*Known: Fed, Store/s],
    ['unset secret env', ['test', 'Fed', '--issuer-client-secret-env', 'FS_TEST_UNSET_VARIABLE'], /FS_TEST_UNSET_VARIABLE .* is not set/],
    ['CA file without a certificate', ['test', 'Fed', '--ca-file', 'not-a-cert.pem'], /holds no PEM certificate/],
    ['missing key file', ['test', 'Fed', '--signing-key-file', 'nope.pem'], /Cannot read the signing key file/],
    ['unknown option', ['test', 'Fed', '--allow-everything'], /Unknown option/],
  ];
  for (const [label, args, pattern] of usageCases) {
    it(`exits 2 on a usage error: ${label}`, async () => {
      const result = await run(args, scratch);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stderr, pattern);
      assert.match(result.stderr, /Usage: federated-secrets test/);
    });
  }

  it('exits 1 with FSE010 in JSON when the authority host is not allowed, before any token is requested', async () => {
    const result = await run(['test', 'Store', '--format', 'json'], scratch);
    assert.equal(result.code, 1, result.stderr);
    const json = JSON.parse(result.stdout) as { target: string; ok: boolean; steps: { id: string; status: string; code?: string; field?: string; durationMs: number; message: string }[] };
    assert.equal(json.target, 'Store');
    assert.equal(json.ok, false);
    assert.equal(json.steps[0]?.id, 'config');
    assert.equal(json.steps[0]?.code, 'FSE010');
    assert.equal(json.steps[0]?.field, 'azure.authorityHost');
    assert.ok(json.steps.slice(1).every((s) => s.status === 'skipped'));
    for (const step of json.steps) assert.equal(typeof step.durationMs, 'number');
  });

  it('prints each step in text, with the field and how to fix it', async () => {
    const result = await run(['test', path.join(scratch, 'store.secretstore.json')], scratch);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^Testing External Secret Store "Store" \(store\.secretstore\.json\)/);
    assert.match(result.stdout, /\[FAIL\] config \(Store\): The authority host 127\.0\.0\.1:9/);
    assert.match(result.stdout, /field: azure\.authorityHost in fed\.federation\.json/);
    assert.match(result.stdout, /fix: {3}If you trust 127\.0\.0\.1:9/);
    assert.match(result.stdout, /\[skip\] exchange \(Fed\)/);
    assert.match(result.stdout, /FAILED: 0 ok, 0 warnings, 1 failed, 5 skipped/);
  });

  it('lists test and issuer in the overview', async () => {
    const result = await run(['--help'], scratch);
    assert.match(result.stdout, /\btest\b.*end to end/);
    assert.match(result.stdout, /\bissuer\b.*signing key/);
  });
});

describe('federated-secrets issuer', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fs-issuer-cli-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('keygen writes an owner-only key set and refuses to overwrite it', async () => {
    const result = await run(['issuer', 'keygen', '--out', 'signing.json'], scratch);
    assert.equal(result.code, 0, result.stderr);
    const file = path.join(scratch, 'signing.json');
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    const set = await parseSigningKeys(readFileSync(file, 'utf8'));
    assert.equal(set.keys.length, 1);
    assert.equal(set.keys[0]?.alg, 'RS256');
    assert.match(result.stdout, new RegExp(`kid ${set.keys[0]?.kid ?? ''}`));
    assert.doesNotMatch(result.stdout, /"d"|PRIVATE KEY/);
    const again = await run(['issuer', 'keygen', '--out', 'signing.json'], scratch);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists\. Use --rotate/);
  });

  it('keygen --rotate keeps the previous key and signs with the new one', async () => {
    const file = path.join(scratch, 'signing.json');
    const before = await parseSigningKeys(readFileSync(file, 'utf8'));
    const result = await run(['issuer', 'keygen', '--out', 'signing.json', '--rotate'], scratch);
    assert.equal(result.code, 0, result.stderr);
    const after = await parseSigningKeys(readFileSync(file, 'utf8'));
    assert.equal(after.keys.length, 2);
    assert.equal(after.keys[1]?.kid, before.keys[0]?.kid);
    assert.notEqual(after.keys[0]?.kid, before.keys[0]?.kid);
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('keygen writes ES256 PEM keys, and rejects bad algorithms and PEM rotation', async () => {
    const ok = await run(['issuer', 'keygen', '--out', 'ec.pem', '--alg', 'ES256'], scratch);
    assert.equal(ok.code, 0, ok.stderr);
    const pem = readFileSync(path.join(scratch, 'ec.pem'), 'utf8');
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal((await parseSigningKeys(pem)).keys[0]?.alg, 'ES256');
    assert.equal((await run(['issuer', 'keygen', '--out', 'x.json', '--alg', 'HS256'], scratch)).code, 2);
    assert.equal((await run(['issuer', 'keygen', '--out', 'ec.pem', '--rotate'], scratch)).code, 2);
    assert.equal((await run(['issuer', 'keygen'], scratch)).code, 2);
    assert.equal((await run(['issuer', 'frobnicate'], scratch)).code, 2);
  });

  it('export writes the discovery document and a public-only JWKS for static hosting', async () => {
    const result = await run(['issuer', 'export', 'MKTAirlines', '--workspace', path.join(root, 'samples'), '--signing-key-file', 'signing.json', '--out', 'site'], scratch);
    assert.equal(result.code, 0, result.stderr);
    const discovery = JSON.parse(readFileSync(path.join(scratch, 'site', '.well-known', 'openid-configuration'), 'utf8')) as Record<string, unknown>;
    const samples = readFileSync(path.join(root, 'samples', 'mktairlines.federation.json'), 'utf8');
    const issuerUrl = /"issuerUrl":\s*"([^"]+)"/.exec(samples)?.[1];
    assert.equal(discovery['issuer'], issuerUrl, 'issuer byte for byte as configured');
    assert.equal(discovery['jwks_uri'], `${(issuerUrl ?? '').replace(/\/$/, '')}/jwks.json`);
    const jwksText = readFileSync(path.join(scratch, 'site', 'jwks.json'), 'utf8');
    const jwks = JSON.parse(jwksText) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 2, 'both keys of the rotated set are published');
    for (const key of jwks.keys) for (const member of PRIVATE_JWK_MEMBERS) assert.equal(key[member], undefined, member);
    const set = await parseSigningKeys(readFileSync(path.join(scratch, 'signing.json'), 'utf8'));
    assert.deepEqual(
      jwks.keys.map((k) => k['kid']),
      set.keys.map((k) => k.kid),
    );
  });

  it('export refuses unknown federations and non-self issuers', async () => {
    const unknown = await run(['issuer', 'export', 'Nope', '--workspace', path.join(root, 'samples'), '--signing-key-file', 'signing.json', '--out', 'x'], scratch);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No Identity Federation is named "Nope"/);
    writeFileSync(path.join(scratch, 'ci.federation.json'), JSON.stringify({ ...FEDERATION, name: 'Ci', issuer: { type: 'tokenFile', path: '/t' } }));
    const tokenFile = await run(['issuer', 'export', 'Ci', '--signing-key-file', 'signing.json', '--out', 'y'], scratch);
    assert.equal(tokenFile.code, 1);
    assert.match(tokenFile.stderr, /does not use a self issuer/);
    assert.ok(!existsSync(path.join(scratch, 'y')));
  });
});
