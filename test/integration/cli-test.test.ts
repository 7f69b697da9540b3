/**
 * `federated-secrets test` and `issuer export` against the emulated cloud, in-process: the samples' scenario
 * passes; broken variants fail at the right step with the right code; a canary secret value (read from the
 * vault and used for the OAuth call) appears in no output, log line or file of any run.
 *
 * Run: node --import tsx --test test/integration/cli-test.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main';
import { findCheckTarget, runCheck } from '../../src/core/check/index';
import { startSandbox, type Sandbox, type SampleScenario } from '../emulators/sandbox';
import type { SampleConfigs } from './helpers';
import { indexOf, recordingRuntime, sampleConfigs, sampleMappings, seedMappedSecrets } from './helpers';

const CANARY = 'CANARY-7f3c9e1a-value-that-must-never-be-printed';
const JWT_SHAPED = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

let sandbox: Sandbox;
let scenario: SampleScenario;
let base: SampleConfigs;
let dir: string;
let allowHost: string[];
const outputs: string[] = [];

interface JsonResult {
  target: string;
  ok: boolean;
  steps: { id: string; scope?: string; status: string; durationMs: number; message: string; advice?: string; code?: string; field?: string }[];
}

async function cli(args: string[], workspaceDir = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, workspaceDir);
  outputs.push(stdout, stderr);
  return { code, stdout, stderr };
}

function write(folder: string, files: Record<string, unknown>): void {
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(folder, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

function listFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(folder, e.name)) : [path.join(folder, e.name)]));
}

before(async () => {
  sandbox = await startSandbox();
  scenario = await sandbox.seedSampleScenario();
  base = sampleConfigs(sandbox, scenario);
  seedMappedSecrets(sandbox, scenario, base);
  // The canary: an OAuth client whose secret is only in the vault; the auth profile test must read and use it.
  sandbox.oauth.addClient({ clientId: 'canary-app', clientSecret: CANARY, scopes: ['flights.read'], defaultResource: scenario.oauth.resource });
  sandbox.putSecret('canary-client-id', 'canary-app');
  sandbox.putSecret('canary-client-secret', CANARY);

  dir = mkdtempSync(path.join(tmpdir(), 'fs-cli-it-'));
  const store = { ...base.store, secrets: [...sampleMappings(base), { reference: 'CanaryId', secretName: 'canary-client-id' }, { reference: 'CanarySecret', secretName: 'canary-client-secret' }] };
  const canaryProfile = { ...base.profile, name: 'CanaryAPI', clientId: { secretRef: 'FlightsSecrets/CanaryId' }, clientSecret: { secretRef: 'FlightsSecrets/CanarySecret' } };
  write(dir, {
    'mktairlines.federation.json': base.federation,
    'flights.secretstore.json': store,
    'flights.authprofile.json': base.profile,
    'canary.authprofile.json': canaryProfile,
    'ca.pem': sandbox.caCertPem,
    'signing-key.pem': scenario.issuer.privateKeyPem,
  });
  allowHost = ['--allow-host', '127.0.0.1', '--ca-file', 'ca.pem', '--signing-key-file', 'signing-key.pem'];
});

after(async () => {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('federated-secrets test against the emulators', () => {
  test('the samples scenario passes (store, then auth profile), text output', async () => {
    const store = await cli(['test', 'FlightsSecrets', ...allowHost]);
    assert.equal(store.code, 0, store.stdout + store.stderr);
    assert.match(store.stdout, /^Testing External Secret Store "FlightsSecrets" \(flights\.secretstore\.json\)/);
    for (const id of ['config', 'issuer', 'token', 'exchange', 'vault', 'mappings']) assert.match(store.stdout, new RegExp(`\\[ ok \\] ${id} `));
    assert.match(store.stdout, /PASSED: 6 ok, 0 warnings, 0 failed, 0 skipped/);

    const profile = await cli(['test', 'flights.authprofile.json', ...allowHost]);
    assert.equal(profile.code, 0, profile.stdout + profile.stderr);
    assert.match(profile.stdout, /\[ ok \] oauth \(FlightsAPI\): .* issued a Bearer token valid for 3600 s/);
  });

  test('JSON output has {target, ok, steps:[{id, status, durationMs, message, advice?, code?}]}', async () => {
    const result = await cli(['test', 'CanaryAPI', '--format', 'json', ...allowHost]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const json = JSON.parse(result.stdout) as JsonResult;
    assert.equal(json.target, 'CanaryAPI');
    assert.equal(json.ok, true);
    assert.deepEqual(
      json.steps.map((s) => s.id),
      ['config', 'issuer', 'token', 'exchange', 'vault', 'mappings', 'oauth'],
    );
    for (const s of json.steps) {
      assert.equal(typeof s.durationMs, 'number');
      assert.equal(typeof s.message, 'string');
      assert.ok(['ok', 'warning', 'failed', 'skipped'].includes(s.status));
    }
  });

  const broken: [string, string[], Record<string, unknown>, string, string, string | undefined][] = [
    ['wrong subject', [], { issuer: { subject: 'app:other' } }, 'exchange', 'AADSTS700213', 'issuer.subject'],
    ['wrong audience', [], { issuer: { audience: 'api://other' } }, 'exchange', 'AADSTS700212', 'issuer.audience'],
    ['missing trailing slash', [], { issuer: { issuerUrl: 'NO_SLASH' } }, 'issuer', 'FSE031', 'issuer.issuerUrl'],
    ['authority host not allowed', ['--allow-host', 'nothing.invalid'], {}, 'config', 'FSE010', 'azure.authorityHost'],
  ];
  for (const [label, extraArgs, change, stepId, code, field] of broken) {
    test(`exits 1 at ${stepId} with ${code} for a broken variant: ${label}`, async () => {
      const variant = mkdtempSync(path.join(dir, 'variant-'));
      const issuer = { ...(base.federation['issuer'] as Record<string, unknown>), ...(change['issuer'] as Record<string, unknown> | undefined) };
      if (issuer['issuerUrl'] === 'NO_SLASH') issuer['issuerUrl'] = scenario.issuer.issuerUrl.replace(/\/$/, '');
      write(variant, { 'fed.federation.json': { ...base.federation, issuer }, 'store.secretstore.json': base.store, 'ca.pem': sandbox.caCertPem, 'key.pem': scenario.issuer.privateKeyPem });
      const args = extraArgs.length ? [...extraArgs, '--ca-file', 'ca.pem', '--signing-key-file', 'key.pem'] : ['--allow-host', '127.0.0.1', '--ca-file', 'ca.pem', '--signing-key-file', 'key.pem'];
      const result = await cli(['test', 'FlightsSecrets', '--format', 'json', ...args], variant);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const json = JSON.parse(result.stdout) as JsonResult;
      const failed = json.steps.filter((s) => s.status === 'failed');
      assert.equal(failed.length, 1, JSON.stringify(json.steps, null, 2));
      assert.equal(failed[0]?.id, stepId);
      assert.equal(failed[0]?.code, code);
      assert.equal(failed[0]?.field, field);
      assert.ok(failed[0]?.advice, 'advice is given');
    });
  }

  test('a rejected client secret fails the oauth step with advice naming clientSecret', async () => {
    const variant = mkdtempSync(path.join(dir, 'variant-'));
    sandbox.putSecret('wrong-secret', `${CANARY}-but-wrong`);
    const store = { ...base.store, secrets: [{ reference: 'Id', secretName: 'canary-client-id' }, { reference: 'Secret', secretName: 'wrong-secret' }] };
    const profile = { ...base.profile, name: 'Wrong', clientId: { secretRef: 'FlightsSecrets/Id' }, clientSecret: { secretRef: 'FlightsSecrets/Secret' } };
    write(variant, { 'fed.federation.json': base.federation, 'store.secretstore.json': store, 'p.authprofile.json': profile, 'ca.pem': sandbox.caCertPem, 'key.pem': scenario.issuer.privateKeyPem });
    const result = await cli(['test', 'Wrong', '--allow-host', '127.0.0.1', '--ca-file', 'ca.pem', '--signing-key-file', 'key.pem'], variant);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /\[FAIL\] oauth \(Wrong\): The token endpoint rejected the client credentials/);
    assert.match(result.stdout, /field: clientSecret/);
  });

  test('issuer export of the scenario key publishes the same kid the emulated Entra ID trusts', async () => {
    const result = await cli(['issuer', 'export', 'MKTAirlines', '--signing-key-file', 'signing-key.pem', '--out', 'published']);
    assert.equal(result.code, 0, result.stderr);
    const jwks = JSON.parse(readFileSync(path.join(dir, 'published', 'jwks.json'), 'utf8')) as { keys: { kid: string }[] };
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      [scenario.issuer.kid],
    );
  });

  test('the canary secret value and every token appear in no output, log line or file', async () => {
    // A core run with a logger that records every level, on the success path and on a failing one.
    const files = {
      '/w/fed.federation.json': base.federation,
      '/w/store.secretstore.json': { ...base.store, secrets: [{ reference: 'CanaryId', secretName: 'canary-client-id' }, { reference: 'CanarySecret', secretName: 'canary-client-secret' }] },
      '/w/canary.authprofile.json': { ...base.profile, name: 'CanaryAPI', clientId: { secretRef: 'FlightsSecrets/CanaryId' }, clientSecret: { secretRef: 'FlightsSecrets/CanarySecret' } },
      '/w/wrong.authprofile.json': { ...base.profile, name: 'WrongEndpoint', tokenEndpoint: `${scenario.oauth.tokenEndpoint}/nope`, clientId: { secretRef: 'FlightsSecrets/CanaryId' }, clientSecret: { secretRef: 'FlightsSecrets/CanarySecret' } },
    };
    const index = indexOf(files);
    const logs: string[] = [];
    for (const name of ['CanaryAPI', 'WrongEndpoint']) {
      const rec = recordingRuntime(sandbox, scenario);
      const result = await runCheck(index, findCheckTarget(index, name).target!, rec.runtime);
      assert.equal(result.steps.find((s) => s.id === 'oauth')?.status, name === 'CanaryAPI' ? 'ok' : 'failed', JSON.stringify(result.steps, null, 2));
      logs.push(...rec.logs, JSON.stringify(result));
    }
    assert.ok(logs.some((l) => l.startsWith('info: [test] oauth')), 'the logger did record the run');
    const everything = [...outputs, ...logs, ...listFiles(dir).filter((f) => statSync(f).size < 1_000_000).map((f) => readFileSync(f, 'utf8'))];
    assert.ok(outputs.length >= 10, 'CLI runs were captured');
    for (const text of everything) {
      assert.ok(!text.includes(CANARY), `canary found in: ${text.slice(0, 200)}`);
      assert.ok(!text.includes(encodeURIComponent(CANARY)) && !text.includes(Buffer.from(`canary-app:${CANARY}`).toString('base64')), 'no encoded canary');
      assert.doesNotMatch(text.replace(scenario.issuer.privateKeyPem, ''), JWT_SHAPED, 'no token');
    }
  });
});
