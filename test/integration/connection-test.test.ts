/**
 * The connection test (src/core/check) against the emulated cloud with the real SDK clients: the samples'
 * scenario end to end, each broken variant failing at the right step with the right code and advice, the
 * host policy, throttling, a 10,000-secret vault, unreachable hosts, timeouts and cancellation.
 *
 * Run: node --import tsx --test test/integration/connection-test.test.ts
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair, exportPKCS8 } from 'jose';
import { findCheckTarget, runCheck } from '../../src/core/check/index';
import type { CheckOptions, CheckResult, CheckStep } from '../../src/core/check/index';
import { FederationTokenCache } from '../../src/core/federation/index';
import type { WorkspaceIndex } from '../../src/core/workspace/index';
import { KeyVaultEmulator } from '../emulators/keyvault';
import { startSandbox, type Sandbox, type SampleScenario } from '../emulators/sandbox';
import type { RuntimeOptions, SampleConfigs } from './helpers';
import { indexOf, recordingRuntime, sampleConfigs, seedMappedSecrets, summary } from './helpers';

const STORE_STEPS = ['config', 'issuer', 'token', 'exchange', 'vault', 'mappings'];

let sandbox: Sandbox;
let scenario: SampleScenario;
let base: SampleConfigs;
const extraVaults: KeyVaultEmulator[] = [];

function workspace(overrides: { federation?: Record<string, unknown>; store?: Record<string, unknown>; profile?: Record<string, unknown>; extra?: Record<string, unknown> } = {}): WorkspaceIndex {
  return indexOf({
    '/w/mktairlines.federation.json': { ...base.federation, ...overrides.federation },
    '/w/flights.secretstore.json': { ...base.store, ...overrides.store },
    '/w/flights.authprofile.json': { ...base.profile, ...overrides.profile },
    ...overrides.extra,
  });
}

function issuerWith(fields: Record<string, unknown>): Record<string, unknown> {
  return { issuer: { ...(base.federation['issuer'] as Record<string, unknown>), ...fields } };
}

async function check(index: WorkspaceIndex, name: string, runtime: RuntimeOptions = {}, options: CheckOptions = {}): Promise<CheckResult & { logs: string[] }> {
  const target = findCheckTarget(index, name).target;
  assert.ok(target, `no instance named ${name}`);
  const rec = recordingRuntime(sandbox, scenario, runtime);
  const result = await runCheck(index, target, rec.runtime, options);
  return { ...result, logs: rec.logs };
}

function step(result: CheckResult, id: string, scope?: string): CheckStep {
  const found = result.steps.find((s) => s.id === id && (scope === undefined || s.scope === scope));
  assert.ok(found, `no step ${id}${scope ? `@${scope}` : ''} in ${JSON.stringify(summary(result.steps))}`);
  return found;
}

/** The run failed at `id` and skipped everything after it. */
function failedAt(result: CheckResult, id: string): CheckStep {
  const index = result.steps.findIndex((s) => s.id === id);
  const failed = result.steps[index];
  assert.equal(failed?.status, 'failed', JSON.stringify(summary(result.steps)));
  assert.equal(result.ok, false);
  assert.ok(result.steps.slice(0, index).every((s) => s.status === 'ok' || s.status === 'warning'), JSON.stringify(summary(result.steps)));
  assert.ok(result.steps.slice(index + 1).every((s) => s.status === 'skipped'), JSON.stringify(summary(result.steps)));
  return failed;
}

before(async () => {
  sandbox = await startSandbox();
  scenario = await sandbox.seedSampleScenario();
  base = sampleConfigs(sandbox, scenario);
  seedMappedSecrets(sandbox, scenario, base);
});

after(async () => {
  await Promise.all(extraVaults.map((v) => v.close()));
  await sandbox.stop();
});

describe('the samples scenario', () => {
  test('a store test includes its federation and passes every step', async () => {
    const result = await check(workspace(), 'FlightsSecrets');
    assert.deepEqual(summary(result.steps), [
      'config@FlightsSecrets:ok',
      'issuer@MKTAirlines:ok',
      'token@MKTAirlines:ok',
      'exchange@MKTAirlines:ok',
      'vault@FlightsSecrets:ok',
      'mappings@FlightsSecrets:ok',
    ]);
    assert.equal(result.ok, true);
    assert.match(step(result, 'issuer').message, /matches issuer\.issuerUrl byte for byte/);
    assert.match(step(result, 'token').message, /sub "app:mktairlines", aud "api:\/\/AzureADTokenExchange"/);
    assert.match(step(result, 'vault').message, /Listed 11 secrets/);
    assert.match(step(result, 'mappings').message, /All 11 mappings/);
    for (const s of result.steps) assert.equal(typeof s.durationMs, 'number');
  });

  test('an auth profile test includes its store, its federation and the OAuth call', async () => {
    const before = sandbox.oauth.tokenRequestCount;
    const result = await check(workspace(), 'FlightsAPI');
    assert.deepEqual(
      result.steps.map((s) => s.id),
      [...STORE_STEPS, 'oauth'],
    );
    assert.equal(result.ok, true, JSON.stringify(result.steps, null, 2));
    assert.match(step(result, 'oauth').message, /issued a Bearer token valid for 3600 s/);
    assert.equal(sandbox.oauth.tokenRequestCount, before + 1);
    assert.equal(sandbox.oauth.tokenRequests.at(-1)?.clientAuthentication, 'client_secret_basic', 'clientAuthentication "basic" from the sample');
  });

  test('clientAuthentication "post" sends the credentials in the body', async () => {
    const result = await check(workspace({ profile: { clientAuthentication: 'post' } }), 'FlightsAPI');
    assert.equal(step(result, 'oauth').status, 'ok');
    assert.equal(sandbox.oauth.tokenRequests.at(-1)?.clientAuthentication, 'client_secret_post');
  });

  test('a federation test mints, exchanges and reports the lifetime only', async () => {
    const result = await check(workspace(), 'MKTAirlines');
    assert.deepEqual(summary(result.steps), ['config@MKTAirlines:ok', 'issuer@MKTAirlines:ok', 'token@MKTAirlines:ok', 'exchange@MKTAirlines:ok']);
    assert.match(step(result, 'exchange').message, /issued an access token for https:\/\/vault\.azure\.net\/\.default, valid for \d+ min/);
  });

  test('testing several stores of one federation makes one token exchange', async () => {
    const partner = { ...base.store, name: 'PartnerSecrets', secrets: [{ reference: 'Id', secretName: 'partner-portal-client-id' }] };
    const index = workspace({ extra: { '/w/partner.secretstore.json': partner } });
    const cache = new FederationTokenCache();
    const before = sandbox.entra.tokenRequestCount;
    const first = await check(index, 'FlightsSecrets', {}, { cache });
    const second = await check(index, 'PartnerSecrets', {}, { cache });
    assert.equal(first.ok && second.ok, true);
    assert.equal(sandbox.entra.tokenRequestCount, before + 1, 'one exchange at Entra ID for both stores');
    assert.equal(cache.exchanges, 1);
    assert.match(step(second, 'exchange').message, /reused from an earlier exchange/);
  });

  test('an auth profile whose references span two stores makes one exchange in one run', async () => {
    const idStore = { ...base.store, name: 'IdStore', secrets: [{ reference: 'Id', secretName: scenario.vault.secretNames.clientId }] };
    const profile = { ...base.profile, clientId: { secretRef: 'IdStore/Id' } };
    const index = workspace({ profile, extra: { '/w/ids.secretstore.json': idStore } });
    const before = sandbox.entra.tokenRequestCount;
    const result = await check(index, 'FlightsAPI');
    assert.equal(result.ok, true, JSON.stringify(summary(result.steps)));
    assert.deepEqual(
      result.steps.filter((s) => s.id === 'vault').map((s) => s.scope),
      ['IdStore', 'FlightsSecrets'],
    );
    assert.equal(sandbox.entra.tokenRequestCount, before + 1);
  });
});

describe('identity token issuers', () => {
  test('tokenFile: reads the token (environment expanded) and exchanges it', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'fs-token-'));
    try {
      writeFileSync(path.join(dir, 'token'), `${await scenario.createAssertion()}\n`);
      const result = await check(workspace({ federation: { issuer: { type: 'tokenFile', path: '${TOKEN_DIR}/token' } } }), 'MKTAirlines', { env: { TOKEN_DIR: dir } });
      assert.deepEqual(summary(result.steps), ['config@MKTAirlines:ok', 'issuer@MKTAirlines:ok', 'token@MKTAirlines:ok', 'exchange@MKTAirlines:ok']);
      assert.match(step(result, 'token').message, /sub "app:mktairlines"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('oidc: discovers the token endpoint, gets a token by client credentials and exchanges it', async () => {
    const clientId = 'okta-like-workload';
    const clientSecret = 'okta-like-secret-value-0123456789';
    sandbox.oauth.addResourceServer({ identifier: 'api://AzureADTokenExchange', scopes: [] });
    sandbox.oauth.addClient({ clientId, clientSecret, defaultResource: 'api://AzureADTokenExchange' });
    sandbox.addFederatedCredential(scenario.tenantId, scenario.app.clientId, { name: 'okta-like', issuer: sandbox.oauth.issuer, subject: clientId, audiences: ['api://AzureADTokenExchange'] });
    const index = workspace({ federation: { issuer: { type: 'oidc', issuerUrl: sandbox.oauth.issuer, clientId } } });
    const missing = await check(index, 'MKTAirlines');
    const issuerStep = failedAt(missing, 'issuer');
    assert.equal(issuerStep.code, 'FSE023');
    assert.match(issuerStep.advice ?? '', /--issuer-client-secret-env/);
    const result = await check(index, 'MKTAirlines', { env: { FEDERATED_SECRETS_ISSUER_CLIENT_SECRET: clientSecret } });
    assert.deepEqual(summary(result.steps), ['config@MKTAirlines:ok', 'issuer@MKTAirlines:ok', 'token@MKTAirlines:ok', 'exchange@MKTAirlines:ok'], JSON.stringify(result.steps, null, 2));
    assert.match(step(result, 'token').message, new RegExp(`sub "${clientId}", aud "api://AzureADTokenExchange"`));
    assert.ok(!JSON.stringify(result).includes(clientSecret));
  });

  test('an ES256 signing key is refused before Entra ID is asked (Entra accepts RSA only)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const before = sandbox.entra.tokenRequestCount;
    const result = await check(workspace(), 'MKTAirlines', { signingKey: await exportPKCS8(privateKey) });
    // The published JWKS does not hold this key: the issuer step already fails.
    assert.equal(failedAt(result, 'issuer').code, 'FSE033');
    assert.equal(sandbox.entra.tokenRequestCount, before);
  });

  test('an ES256 key fails the token step (FSE022) even when discovery cannot be checked from here', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const before = sandbox.entra.tokenRequestCount;
    sandbox.issuerHost.setMode('unreachable');
    try {
      const result = await check(workspace(), 'MKTAirlines', { signingKey: await exportPKCS8(privateKey) });
      assert.equal(step(result, 'issuer').status, 'warning');
      const token = failedAt(result, 'token');
      assert.equal(token.code, 'FSE022');
      assert.equal(token.field, 'issuer.signingAlgorithm');
      assert.match(token.message, /accepts only RSA-signed/);
    } finally {
      sandbox.issuerHost.setMode('ok');
    }
    assert.equal(sandbox.entra.tokenRequestCount, before);
  });

  test('a missing signing key fails the token step with advice', async () => {
    const index = workspace();
    const target = findCheckTarget(index, 'MKTAirlines').target;
    assert.ok(target);
    const rec = recordingRuntime(sandbox, scenario);
    await rec.secrets.delete('federatedSecrets.signingKey');
    const result = await runCheck(index, target, rec.runtime);
    assert.equal(step(result, 'issuer').status, 'warning');
    const token = failedAt(result, 'token');
    assert.equal(token.code, 'FSE020');
    assert.match(token.advice ?? '', /issuer keygen/);
  });
});

describe('broken variants fail at the right step with the right code', () => {
  test('wrong subject → exchange fails with AADSTS700213 naming issuer.subject', async () => {
    const result = await check(workspace({ federation: issuerWith({ subject: 'app:MKTAirlines' }) }), 'FlightsSecrets');
    const exchange = failedAt(result, 'exchange');
    assert.equal(exchange.code, 'AADSTS700213');
    assert.equal(exchange.field, 'issuer.subject');
    assert.equal(exchange.file, '/w/mktairlines.federation.json');
    assert.match(exchange.message, /^`issuer\.subject` does not match the federated credential's subject/);
    assert.match(exchange.message, /subject 'app:MKTAirlines'/);
    assert.match(exchange.advice ?? '', /case-sensitive/);
  });

  test('wrong audience → exchange fails with AADSTS700212 naming issuer.audience', async () => {
    const result = await check(workspace({ federation: issuerWith({ audience: 'api://AzureADTokenExchange/' }) }), 'FlightsSecrets');
    const exchange = failedAt(result, 'exchange');
    assert.equal(exchange.code, 'AADSTS700212');
    assert.equal(exchange.field, 'issuer.audience');
    assert.match(exchange.advice ?? '', /issuer\.audience/);
  });

  test('wrong issuer (published consistently, but not the federated credential) → AADSTS700211 naming issuer.issuerUrl', async () => {
    // The same key published under another issuer URL: discovery matches the config, Entra has no record of it.
    const jwksDoc = (await import('../emulators/https-host')).httpsGet;
    const current = await jwksDoc(`${sandbox.origins.issuerHost}/mktairlines/openid/v1/jwks`, { ca: sandbox.caCertPem });
    const other = sandbox.issuerHost.publishIssuer('/other-issuer', JSON.parse(current.text) as { keys: [] }, { trailingSlash: true });
    const result = await check(workspace({ federation: issuerWith({ issuerUrl: other.issuer }) }), 'FlightsSecrets');
    assert.equal(step(result, 'issuer').status, 'ok');
    const exchange = failedAt(result, 'exchange');
    assert.equal(exchange.code, 'AADSTS700211');
    assert.equal(exchange.field, 'issuer.issuerUrl');
    assert.match(exchange.message, /`issuer\.issuerUrl` does not match the federated credential's issuer/);
  });

  test('missing trailing slash → the issuer step predicts AADSTS70021 before Entra ID is asked', async () => {
    const before = sandbox.entra.tokenRequestCount;
    const result = await check(workspace({ federation: issuerWith({ issuerUrl: scenario.issuer.issuerUrl.replace(/\/$/, '') }) }), 'FlightsSecrets');
    const issuer = failedAt(result, 'issuer');
    assert.equal(issuer.code, 'FSE031');
    assert.equal(issuer.field, 'issuer.issuerUrl');
    assert.match(issuer.message, /differ only by the trailing "\/"/);
    assert.match(issuer.message, /AADSTS70021/);
    assert.match(issuer.advice ?? '', /add the trailing "\/"/);
    assert.equal(sandbox.entra.tokenRequestCount, before, 'Entra ID was not asked');
  });

  test('expired assertion (clock an hour behind) → AADSTS700024', async () => {
    const result = await check(workspace(), 'FlightsSecrets', { clockOffsetMs: -3600_000 });
    const exchange = failedAt(result, 'exchange');
    assert.equal(exchange.code, 'AADSTS700024');
    assert.equal(exchange.field, 'issuer.tokenLifetimeSeconds');
    assert.match(exchange.advice ?? '', /clock/);
  });

  test('wrong tenant → AADSTS90002 naming azure.tenantId; unknown app → AADSTS700016 naming azure.clientId', async () => {
    const azure = base.federation['azure'] as Record<string, unknown>;
    const tenant = await check(workspace({ federation: { azure: { ...azure, tenantId: '00000000-0000-4000-8000-000000000001' } } }), 'MKTAirlines');
    const tenantStep = failedAt(tenant, 'exchange');
    assert.equal(tenantStep.code, 'AADSTS90002', tenantStep.message);
    assert.equal(tenantStep.field, 'azure.tenantId');
    const app = await check(workspace({ federation: { azure: { ...azure, clientId: '00000000-0000-4000-8000-000000000002' } } }), 'MKTAirlines');
    const appStep = failedAt(app, 'exchange');
    assert.equal(appStep.code, 'AADSTS700016');
    assert.equal(appStep.field, 'azure.clientId');
  });

  test('the JWKS lacks the signing key → the issuer step predicts the signature failure', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const result = await check(workspace(), 'FlightsSecrets', { signingKey: await exportPKCS8(privateKey) });
    const issuer = failedAt(result, 'issuer');
    assert.equal(issuer.code, 'FSE033');
    assert.match(issuer.message, /does not hold the signing key/);
  });

  test('a 403 on list is a warning ("cannot enumerate"), not a failure; values are still read', async () => {
    sandbox.keyVault.revoke(scenario.app.clientId, ['list']);
    try {
      const store = await check(workspace(), 'FlightsSecrets');
      assert.equal(store.ok, true);
      const vault = step(store, 'vault');
      assert.equal(vault.status, 'warning');
      assert.equal(vault.code, 'KV403');
      assert.match(vault.message, /cannot enumerate/);
      assert.match(vault.advice ?? '', /list/);
      assert.equal(step(store, 'mappings').status, 'skipped');
      const profile = await check(workspace(), 'FlightsAPI');
      assert.equal(profile.ok, true);
      assert.equal(step(profile, 'oauth').status, 'ok');
    } finally {
      sandbox.grant(scenario.app.clientId, ['list']);
    }
  });

  test('missing, disabled and expired mapped secrets fail the mappings step, each named', async () => {
    sandbox.putSecret('flights-disabled', 'x', { enabled: false });
    sandbox.putSecret('flights-expired', 'x', { expiresOn: new Date(Date.now() - 86_400_000) });
    const secrets = [
      { reference: 'Ok', secretName: scenario.vault.secretNames.clientId },
      { reference: 'Missing', secretName: 'flights-client-idd' },
      { reference: 'Disabled', secretName: 'flights-disabled' },
      { reference: 'Expired', secretName: 'flights-expired' },
    ];
    const profile = { ...base.profile, clientSecret: { secretRef: 'FlightsSecrets/Expired' }, clientId: { secretRef: 'FlightsSecrets/Ok' } };
    const index = workspace({ store: { secrets }, profile });
    const result = await check(index, 'FlightsAPI');
    const mappings = step(result, 'mappings');
    assert.equal(mappings.status, 'failed');
    assert.equal(mappings.code, 'FSE050');
    assert.equal(mappings.field, 'secrets[1].secretName');
    assert.match(mappings.message, /3 mappings of 4 cannot be used/);
    assert.match(mappings.message, /"Missing" → flights-client-idd: no such secret in the vault\. Did you mean "flights-client-id"\?/);
    assert.match(mappings.message, /"Disabled" → flights-disabled: the secret is disabled/);
    assert.match(mappings.message, /"Expired" → flights-expired: the secret expired on/);
    const oauth = step(result, 'oauth');
    assert.equal(oauth.status, 'skipped');
    assert.match(oauth.message, /FlightsSecrets\/Expired" cannot be used \(expired\)/);
  });

  test('429 with Retry-After is retried, then succeeds', async () => {
    const throttledBefore = sandbox.keyVault.throttledCount;
    sandbox.throttleNext(2, 1);
    const started = performance.now();
    const result = await check(workspace(), 'FlightsSecrets');
    const elapsed = performance.now() - started;
    assert.equal(result.ok, true, JSON.stringify(summary(result.steps)));
    assert.equal(sandbox.keyVault.throttledCount, throttledBefore + 2);
    assert.match(step(result, 'vault').message, /Throttled 2× \(429\); retried after Retry-After/);
    assert.ok(elapsed >= 1900, `waited for Retry-After (${Math.round(elapsed)} ms)`);
  });

  test('429 with a Retry-After beyond the bound fails fast with KV429 and the wait asked for', async () => {
    sandbox.throttleNext(3, 120);
    const started = performance.now();
    const result = await check(workspace(), 'FlightsSecrets');
    sandbox.throttleNext(0);
    const vault = failedAt(result, 'vault');
    assert.equal(vault.code, 'KV429');
    assert.match(vault.message, /Retry-After 120 s/);
    assert.ok(performance.now() - started < 10_000, 'did not wait two minutes');
  });

  test('10,000 secrets are listed completely (every page)', async (t) => {
    const big = await KeyVaultEmulator.start({ tls: sandbox.tls, listenHost: '127.0.0.1', tenantId: scenario.tenantId, authority: sandbox.origins.entra, trustedCa: sandbox.caCertPem, vaultName: 'big-kv' });
    extraVaults.push(big);
    big.grant(scenario.app.clientId, ['list', 'get']);
    for (let i = 0; i < 10_000; i++) big.putSecret(`secret-${String(i).padStart(5, '0')}`, `v${i}`);
    const store = { ...base.store, name: 'BigStore', azureKeyVault: { vaultUrl: big.vaultUrl }, secrets: [{ reference: 'Last', secretName: 'secret-09999' }] };
    const index = workspace({ extra: { '/w/big.secretstore.json': store } });
    const started = performance.now();
    const result = await check(index, 'BigStore');
    const elapsed = Math.round(performance.now() - started);
    assert.equal(result.ok, true, JSON.stringify(summary(result.steps)));
    assert.match(step(result, 'vault').message, /Listed 10,000 secrets/);
    assert.equal(step(result, 'mappings').status, 'ok');
    const pages = big.requests.filter((r) => r.method === 'GET' && /\/secrets\?/.test(r.url)).length;
    assert.ok(pages >= 400, `paged through nextLink (${pages} list requests)`);
    t.diagnostic(`listed 10,000 secrets: vault step ${step(result, 'vault').durationMs} ms (${pages} list requests), whole store test ${elapsed} ms`);
  });
});

describe('host policy, unreachable hosts, timeouts and cancellation', () => {
  test('no bearer token reaches a vault host that is not allowed (and no token is requested)', async () => {
    const rogue = await KeyVaultEmulator.start({ tls: sandbox.tls, listenHost: '127.0.0.1', tenantId: scenario.tenantId, authority: sandbox.origins.entra, trustedCa: sandbox.caCertPem, vaultName: 'rogue-kv' });
    extraVaults.push(rogue);
    rogue.grant(scenario.app.clientId, ['list', 'get']);
    const index = workspace({ store: { azureKeyVault: { vaultUrl: rogue.vaultUrl }, secrets: [] } });
    const entraPort = new URL(sandbox.origins.entra).port;
    const issuerPort = new URL(sandbox.origins.issuerHost).port;
    const before = sandbox.entra.tokenRequestCount;
    const refused = await check(index, 'FlightsSecrets', { allowedHosts: [`127.0.0.1:${entraPort}`, `127.0.0.1:${issuerPort}`] });
    const config = failedAt(refused, 'config');
    assert.equal(config.code, 'FSE010');
    assert.equal(config.field, 'azureKeyVault.vaultUrl');
    assert.equal(rogue.requestCount, 0, 'the host was not contacted at all');
    assert.equal(rogue.httpsHost.sawBearerToken(), false);
    assert.equal(sandbox.entra.tokenRequestCount, before, 'no token was requested');
    // Control: once the user allows the host, it is used (and does get a bearer token).
    const allowed = await check(index, 'FlightsSecrets', { allowedHosts: ['127.0.0.1'] });
    assert.equal(allowed.ok, true, JSON.stringify(allowed.steps, null, 2));
    assert.ok(rogue.httpsHost.sawBearerToken());
  });

  test('vault secrets are not read or sent to a token endpoint host that is not allowed', async () => {
    const ports = [sandbox.origins.entra, sandbox.origins.issuerHost, sandbox.origins.keyVault].map((origin) => `127.0.0.1:${new URL(origin).port}`);
    const oauthBefore = sandbox.oauth.tokenRequestCount;
    const vaultBefore = sandbox.keyVault.requests.filter((r) => r.method === 'GET' && /\/secrets\/[^/?]+/.test(r.url)).length;
    const result = await check(workspace(), 'FlightsAPI', { allowedHosts: ports });
    const oauth = failedAt(result, 'oauth');
    assert.equal(oauth.code, 'FSE010');
    assert.equal(oauth.field, 'tokenEndpoint');
    assert.match(oauth.advice ?? '', /allowedHosts/);
    assert.equal(sandbox.oauth.tokenRequestCount, oauthBefore, 'nothing was sent to the token endpoint');
    const vaultAfter = sandbox.keyVault.requests.filter((r) => r.method === 'GET' && /\/secrets\/[^/?]+/.test(r.url)).length;
    assert.equal(vaultAfter, vaultBefore, 'no secret value was read');
  });

  test('a custom authority host that is not allowed is refused before any token request', async () => {
    const before = sandbox.entra.requests.length;
    const result = await check(workspace(), 'FlightsSecrets', { allowedHosts: [`127.0.0.1:${new URL(sandbox.origins.keyVault).port}`] });
    const config = failedAt(result, 'config');
    assert.equal(config.code, 'FSE010');
    assert.equal(config.field, 'azure.authorityHost');
    assert.equal(sandbox.entra.requests.length, before);
  });

  test('an unreachable vault (connection refused) fails the vault step naming the field', async () => {
    const closed = await KeyVaultEmulator.start({ tls: sandbox.tls, listenHost: '127.0.0.1', tenantId: scenario.tenantId, authority: sandbox.origins.entra, vaultName: 'gone-kv' });
    const url = closed.vaultUrl;
    await closed.close();
    const result = await check(workspace({ store: { azureKeyVault: { vaultUrl: url } } }), 'FlightsSecrets');
    const vault = failedAt(result, 'vault');
    assert.equal(vault.code, 'FSE015');
    assert.equal(vault.field, 'azureKeyVault.vaultUrl');
    assert.match(vault.message, /connection refused/);
  });

  test('an issuer host unreachable from here is a warning; Entra ID then reports AADSTS90061', async () => {
    sandbox.issuerHost.setMode('unreachable');
    try {
      const result = await check(workspace(), 'MKTAirlines');
      const issuer = step(result, 'issuer');
      assert.equal(issuer.status, 'warning');
      assert.match(issuer.message, /could not be fetched from this machine/);
      const exchange = failedAt(result, 'exchange');
      assert.equal(exchange.code, 'AADSTS90061');
      assert.equal(exchange.field, 'issuer.issuerUrl');
    } finally {
      sandbox.issuerHost.setMode('ok');
    }
  });

  test('a discovery document answering 500 fails the issuer step (predicts AADSTS90061)', async () => {
    sandbox.issuerHost.setMode('error500');
    try {
      const issuer = failedAt(await check(workspace(), 'MKTAirlines'), 'issuer');
      assert.equal(issuer.code, 'FSE032');
      assert.match(issuer.message, /HTTP 500.*AADSTS90061/);
    } finally {
      sandbox.issuerHost.setMode('ok');
    }
  });

  test('a hanging host is cut off by the per-request timeout', async () => {
    sandbox.issuerHost.setMode('hang');
    const started = performance.now();
    const result = await check(workspace(), 'MKTAirlines', { requestTimeoutMs: 400 }, {
      onStep: (s) => {
        if (s.id === 'issuer') sandbox.issuerHost.setMode('ok');
      },
    });
    sandbox.issuerHost.setMode('ok');
    const issuer = step(result, 'issuer');
    assert.equal(issuer.status, 'warning');
    assert.equal(issuer.code, 'FSE014');
    assert.ok(issuer.durationMs < 2000, `timed out after ${issuer.durationMs} ms`);
    assert.equal(step(result, 'exchange').status, 'ok');
    assert.ok(performance.now() - started < 10_000);
  });

  test('a hanging vault is cut off by the per-request timeout of the SDK calls', async () => {
    const { createServer } = await import('node:https');
    const hanging = createServer({ cert: sandbox.tls.certPem, key: sandbox.tls.keyPem }, () => {
      // never answers
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const address = hanging.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = performance.now();
      const result = await check(workspace({ store: { azureKeyVault: { vaultUrl: `https://127.0.0.1:${port}` } } }), 'FlightsSecrets', { requestTimeoutMs: 600 });
      const vault = failedAt(result, 'vault');
      assert.equal(vault.code, 'FSE014');
      assert.equal(vault.field, 'azureKeyVault.vaultUrl');
      assert.match(vault.message, /did not answer within 600 ms/);
      assert.ok(performance.now() - started < 8000);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  test('cancellation mid-way stops the running step and skips the rest', async () => {
    sandbox.issuerHost.setMode('hang');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    try {
      const result = await check(workspace(), 'FlightsAPI', { requestTimeoutMs: 30_000 }, { signal: controller.signal });
      const elapsed = performance.now() - started;
      assert.equal(result.cancelled, true);
      assert.equal(result.ok, false);
      assert.deepEqual(summary(result.steps), [
        'config@FlightsAPI:ok',
        'issuer@MKTAirlines:failed',
        'token@MKTAirlines:skipped',
        'exchange@MKTAirlines:skipped',
        'vault@FlightsSecrets:skipped',
        'mappings@FlightsSecrets:skipped',
        'oauth@FlightsAPI:skipped',
      ]);
      assert.equal(step(result, 'issuer').code, 'FSE013');
      assert.ok(elapsed < 3000, `stopped promptly (${Math.round(elapsed)} ms)`);
    } finally {
      clearTimeout(timer);
      sandbox.issuerHost.setMode('ok');
    }
  });

  test('cancellation during the vault listing stops it', async () => {
    const controller = new AbortController();
    sandbox.throttleNext(1, 5);
    const result = await check(workspace(), 'FlightsSecrets', {}, {
      signal: controller.signal,
      onStep: (s) => {
        if (s.id === 'exchange') setTimeout(() => controller.abort(), 200);
      },
    });
    sandbox.throttleNext(0);
    assert.equal(result.cancelled, true);
    const vault = step(result, 'vault');
    assert.equal(vault.status, 'failed');
    assert.equal(vault.code, 'FSE013');
    assert.ok(vault.durationMs < 3000, `did not wait for Retry-After (${vault.durationMs} ms)`);
    assert.equal(step(result, 'mappings').status, 'skipped');
  });
});
