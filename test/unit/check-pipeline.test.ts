import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnsecuredJWT } from 'jose';
import { findCheckTarget, runCheck } from '../../src/core/check/index';
import type { CheckResult } from '../../src/core/check/index';
import { FederatedSecretsError } from '../../src/core/errors';
import type { Logger, Runtime, SecretStorageLike } from '../../src/core/runtime';
import { createSecretStoreProvider, evaluateMapping } from '../../src/core/stores/index';
import { Redactor } from '../../src/core/redact';
import { FEDERATION, PROFILE, STORE, indexOf } from './helpers';

interface Recorder {
  runtime: Runtime;
  secretReads: string[];
  fileReads: string[];
  logs: string[];
}

function recordingRuntime(options: { online?: boolean; allowedHosts?: string[]; files?: Record<string, string>; env?: Record<string, string> } = {}): Recorder {
  const secretReads: string[] = [];
  const fileReads: string[] = [];
  const logs: string[] = [];
  const secrets: SecretStorageLike = {
    get: (key) => {
      secretReads.push(key);
      return Promise.resolve(undefined);
    },
    store: () => Promise.resolve(),
    delete: () => Promise.resolve(),
  };
  const log = (m: string) => logs.push(m);
  const logger: Logger = { trace: log, debug: log, info: log, warn: log, error: log };
  const runtime: Runtime = {
    logger,
    clock: { now: () => Date.now() },
    secrets,
    network: { allowedHosts: options.allowedHosts ?? [], requestTimeoutMs: 500, online: options.online ?? true },
    env: options.env ?? {},
    readFile: (path) => {
      fileReads.push(path);
      const text = options.files?.[path];
      return text === undefined ? Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' })) : Promise.resolve(new TextEncoder().encode(text));
    },
  };
  return { runtime, secretReads, fileReads, logs };
}

function statuses(result: CheckResult): string[] {
  return result.steps.map((s) => `${s.id}:${s.status}`);
}

const customAuthority = { ...FEDERATION, azure: { ...FEDERATION.azure, authorityHost: 'https://127.0.0.1:9' } };

describe('connection test pipeline (no network)', () => {
  it('refuses a custom authority host before any token is minted or requested', async () => {
    const index = indexOf({ '/w/fed.federation.json': customAuthority, '/w/store.secretstore.json': STORE });
    const rec = recordingRuntime();
    const target = findCheckTarget(index, 'Store').target;
    assert.ok(target);
    const result = await runCheck(index, target, rec.runtime);
    assert.equal(result.ok, false);
    const [config, ...rest] = result.steps;
    assert.equal(config?.status, 'failed');
    assert.equal(config?.code, 'FSE010');
    assert.equal(config?.field, 'azure.authorityHost');
    assert.equal(config?.file, '/w/fed.federation.json');
    assert.match(config?.advice ?? '', /--allow-host 127\.0\.0\.1:9/);
    assert.ok(rest.every((s) => s.status === 'skipped'));
    assert.deepEqual(statuses(result), ['config:failed', 'issuer:skipped', 'token:skipped', 'exchange:skipped', 'vault:skipped', 'mappings:skipped']);
    assert.deepEqual(rec.secretReads, [], 'the signing key is not even loaded');
  });

  it('refuses a custom vault host that is not allowed even when the authority is', async () => {
    const store = { ...STORE, azureKeyVault: { vaultUrl: 'https://127.0.0.1:10' } };
    const index = indexOf({ '/w/fed.federation.json': customAuthority, '/w/store.secretstore.json': store });
    const rec = recordingRuntime({ allowedHosts: ['127.0.0.1:9'] });
    const result = await runCheck(index, findCheckTarget(index, 'Store').target!, rec.runtime);
    assert.equal(result.steps[0]?.code, 'FSE010');
    assert.equal(result.steps[0]?.field, 'azureKeyVault.vaultUrl');
    assert.deepEqual(rec.secretReads, []);
  });

  it('stops at configuration errors (unknown federation)', async () => {
    const index = indexOf({ '/w/store.secretstore.json': STORE });
    const result = await runCheck(index, findCheckTarget(index, 'Store').target!, recordingRuntime().runtime);
    assert.equal(result.steps[0]?.status, 'failed');
    assert.equal(result.steps[0]?.code, 'FS202');
    assert.equal(result.steps.length, 3, 'config, vault, mappings (no federation to test)');
  });

  it('fails the issuer step when network access is disabled', async () => {
    const index = indexOf({ '/w/fed.federation.json': FEDERATION });
    const result = await runCheck(index, findCheckTarget(index, 'Fed').target!, recordingRuntime({ online: false }).runtime);
    assert.deepEqual(statuses(result), ['config:ok', 'issuer:failed', 'token:skipped', 'exchange:skipped']);
    assert.equal(result.steps[1]?.code, 'FSE012');
  });

  it('skips everything once cancelled', async () => {
    const index = indexOf({ '/w/fed.federation.json': FEDERATION });
    const controller = new AbortController();
    controller.abort();
    const result = await runCheck(index, findCheckTarget(index, 'Fed').target!, recordingRuntime().runtime, { signal: controller.signal });
    assert.equal(result.cancelled, true);
    assert.ok(result.steps.every((s) => s.status === 'skipped'));
  });

  it('reads a token file (env expanded), shows claims, and refuses an expired token before Entra ID', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = new UnsecuredJWT({}).setIssuer('https://ci.example/').setSubject('repo:x').setAudience('api://AzureADTokenExchange').setIssuedAt(now - 900).setExpirationTime(now - 600).encode();
    const federation = { ...FEDERATION, issuer: { type: 'tokenFile', path: '${TOKEN_DIR}/token' } };
    const index = indexOf({ '/w/fed.federation.json': federation });
    const rec = recordingRuntime({ env: { TOKEN_DIR: '/run/ci' }, files: { '/run/ci/token': `${expired}\n` } });
    const result = await runCheck(index, findCheckTarget(index, 'Fed').target!, rec.runtime);
    assert.deepEqual(statuses(result), ['config:ok', 'issuer:ok', 'token:failed', 'exchange:skipped']);
    assert.deepEqual(rec.fileReads, ['/run/ci/token']);
    const token = result.steps[2];
    assert.equal(token?.code, 'FSE026');
    assert.equal(token?.field, 'issuer.path');
    assert.match(token?.message ?? '', /iss "https:\/\/ci\.example\/", sub "repo:x"/);
    assert.match(token?.message ?? '', /AADSTS700024/);
    const output = JSON.stringify(result) + rec.logs.join('\n');
    assert.ok(!output.includes(expired), 'the token itself appears nowhere');
  });

  it('reports AWS federations and non-Azure stores as not supported yet (FSE011)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new UnsecuredJWT({}).setIssuer('https://ci.example/').setSubject('s').setAudience('sts.amazonaws.com').setExpirationTime(now + 600).encode();
    const federation = { name: 'Aws', cloudProvider: 'aws', issuer: { type: 'tokenFile', path: '/t' }, aws: { roleArn: 'arn:aws:iam::123456789012:role/r', region: 'eu-west-1' } };
    const index = indexOf({ '/w/aws.federation.json': federation });
    const result = await runCheck(index, findCheckTarget(index, 'Aws').target!, recordingRuntime({ files: { '/t': jwt } }).runtime);
    const exchange = result.steps.find((s) => s.id === 'exchange');
    assert.equal(exchange?.status, 'failed');
    assert.equal(exchange?.code, 'FSE011');
    assert.match(exchange?.message ?? '', /not supported yet/);
    await assert.rejects(
      createSecretStoreProvider({ provider: 'awsSecretsManager' }, { credential: { getToken: () => Promise.resolve(null) }, runtime: recordingRuntime().runtime, redactor: new Redactor() }),
      (error: unknown) => error instanceof FederatedSecretsError && error.code === 'FSE011' && /AWS Secrets Manager is not supported yet/.test(error.message),
    );
  });

  it('plans an auth profile test through its stores and federation', async () => {
    const index = indexOf({ '/w/fed.federation.json': customAuthority, '/w/store.secretstore.json': STORE, '/w/p.authprofile.json': PROFILE });
    const result = await runCheck(index, findCheckTarget(index, 'Profile').target!, recordingRuntime().runtime);
    assert.deepEqual(
      result.steps.map((s) => `${s.id}@${s.scope ?? ''}`),
      ['config@Profile', 'issuer@Fed', 'token@Fed', 'exchange@Fed', 'vault@Store', 'mappings@Store', 'oauth@Profile'],
    );
  });

  it('finds targets by name or file and reports ambiguity', () => {
    const index = indexOf({ '/w/fed.federation.json': FEDERATION, '/w/store.secretstore.json': { ...STORE, name: 'Fed' } });
    assert.equal(findCheckTarget(index, 'Fed').target, undefined);
    assert.equal(findCheckTarget(index, 'Fed').candidates.length, 2);
    assert.equal(findCheckTarget(index, '/w/fed.federation.json').target?.kind, 'federation');
  });
});

describe('mapping verdicts', () => {
  const now = Date.UTC(2025, 5, 1);
  const mapping = { reference: 'Ref', secretName: 'client-secret' };
  it('classifies missing, disabled, expired, not yet valid, expiring soon and ok', () => {
    assert.equal(evaluateMapping(mapping, undefined, now, ['client-secrets']).status, 'missing');
    assert.match(evaluateMapping(mapping, undefined, now, ['client-secrets']).message, /Did you mean "client-secrets"/);
    assert.equal(evaluateMapping(mapping, { name: 'client-secret', enabled: false }, now).status, 'disabled');
    assert.equal(evaluateMapping(mapping, { name: 'client-secret', enabled: true, expiresOn: new Date(now - 1) }, now).status, 'expired');
    assert.equal(evaluateMapping(mapping, { name: 'client-secret', enabled: true, notBefore: new Date(now + 60_000) }, now).status, 'notYetValid');
    assert.equal(evaluateMapping(mapping, { name: 'client-secret', enabled: true, expiresOn: new Date(now + 5 * 86_400_000) }, now).status, 'expiresSoon');
    const ok = evaluateMapping(mapping, { name: 'client-secret', enabled: true, expiresOn: new Date(now + 90 * 86_400_000) }, now);
    assert.equal(ok.status, 'ok');
    assert.equal(ok.code, undefined);
  });
});
