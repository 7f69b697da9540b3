/**
 * Live secret names (src/core/live/vault-names.ts) against the emulated cloud with the real SDK clients: the
 * samples' store listed through its federation (names and metadata, never a value), one exchange per federation,
 * a 403 on list, an unreachable vault, host policy and offline refusals that make no request at all.
 *
 * Run: node --import tsx --test test/integration/vault-names.test.ts
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { liveStoreDiagnostics } from '../../src/core/editor/live-diagnostics';
import { SecretNameCache } from '../../src/core/editor/name-cache';
import { FederationTokenCache } from '../../src/core/federation/index';
import { describeVaultNamesError, listVaultNames, vaultListingOf } from '../../src/core/live/vault-names';
import type { WorkspaceIndex } from '../../src/core/workspace/index';
import { startSandbox, type Sandbox, type SampleScenario } from '../emulators/sandbox';
import type { RuntimeOptions, SampleConfigs } from './helpers';
import { indexOf, listingRejection, recordingRuntime, sampleConfigs, sampleMappings, seedMappedSecrets } from './helpers';

let sandbox: Sandbox;
let scenario: SampleScenario;
let base: SampleConfigs;

function workspace(overrides: { federation?: Record<string, unknown>; store?: Record<string, unknown> } = {}): WorkspaceIndex {
  return indexOf({
    '/w/mktairlines.federation.json': { ...base.federation, ...overrides.federation },
    '/w/flights.secretstore.json': { ...base.store, ...overrides.store },
    '/w/flights.authprofile.json': base.profile,
  });
}

function runtime(options: RuntimeOptions & { online?: boolean } = {}) {
  const rec = recordingRuntime(sandbox, scenario, options);
  if (options.online === false) rec.runtime.network = { ...rec.runtime.network, online: false };
  return rec;
}

/** Requests received by every emulator so far. */
function requestCount(): number {
  return sandbox.entra.requests.length + sandbox.keyVault.requestCount + sandbox.issuerHost.requests.length + sandbox.oauth.tokenRequestCount;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

before(async () => {
  sandbox = await startSandbox();
  scenario = await sandbox.seedSampleScenario();
  base = sampleConfigs(sandbox, scenario);
  seedMappedSecrets(sandbox, scenario, base);
  sandbox.putSecret('retired-api-key', 'retired-value-never-listed', { enabled: false });
  sandbox.putSecret('rotating-password', 'rotating-value-never-listed', { expiresOn: new Date(Date.now() + 3 * 86_400_000) });
});

after(async () => {
  await sandbox.stop();
});

describe('listing a store through its federation', () => {
  test('returns every name with its metadata, never a value, and reads no secret', async () => {
    const before = sandbox.keyVault.requests.length;
    const names = await listVaultNames(workspace(), 'FlightsSecrets', runtime().runtime);
    const byName = new Map(names.map((n) => [n.name, n]));
    assert.equal(names.length, 13);
    for (const m of sampleMappings(base)) assert.ok(byName.has(m.secretName), `${m.secretName} listed`);
    assert.deepEqual(byName.get('flights-client-id'), { name: 'flights-client-id', enabled: true, updatedOn: byName.get('flights-client-id')?.updatedOn, contentType: 'text/plain', tags: { app: 'flights' } });
    assert.ok(byName.get('flights-client-id')?.updatedOn instanceof Date);
    assert.equal(byName.get('retired-api-key')?.enabled, false);
    assert.ok(byName.get('rotating-password')?.expiresOn instanceof Date);
    const text = JSON.stringify(names);
    for (const value of [scenario.oauth.clientSecret, 'retired-value-never-listed', 'rotating-value-never-listed', 'value of bookings-db-password']) assert.ok(!text.includes(value), 'no value is listed');
    // Only list calls reached the vault: no GET of /secrets/<name>.
    const paths = sandbox.keyVault.requests.slice(before).map((r) => r.url.split('?')[0]);
    assert.ok(paths.length > 0);
    assert.deepEqual([...new Set(paths)], ['/secrets']);
  });

  test('listing twice with the session token cache makes one token exchange', async () => {
    const cache = new FederationTokenCache();
    const exchanges = sandbox.entra.tokenRequestCount;
    const index = workspace();
    await listVaultNames(index, 'FlightsSecrets', runtime().runtime, { cache });
    await listVaultNames(index, 'FlightsSecrets', runtime().runtime, { cache });
    assert.equal(sandbox.entra.tokenRequestCount, exchanges + 1);
    assert.equal(cache.exchanges, 1);
  });

  test('feeds the name cache: one listing however often completion asks', async () => {
    const index = workspace();
    let calls = 0;
    const cache = new SecretNameCache(
      (store, signal) => {
        calls++;
        return listVaultNames(index, store, runtime().runtime, { signal });
      },
      { now: () => Date.now() },
      60_000,
      () => {},
      describeVaultNamesError,
    );
    for (let i = 0; i < 20; i++) assert.equal(cache.lookup('FlightsSecrets').status, 'loading');
    await cache.refresh('FlightsSecrets');
    const state = cache.lookup('FlightsSecrets');
    assert.equal(state.status, 'ready');
    assert.equal(state.status === 'ready' ? state.names.length : 0, 13);
    assert.equal(calls, 1);
  });

  test('live diagnostics from the listing: disabled and expiring mappings are flagged', async () => {
    const store = {
      secrets: [
        { reference: 'Id', secretName: 'flights-client-id' },
        { reference: 'Old', secretName: 'retired-api-key' },
        { reference: 'Soon', secretName: 'rotating-password' },
        { reference: 'Gone', secretName: 'no-such-secret' },
      ],
    };
    const index = workspace({ store });
    const names = await listVaultNames(index, 'FlightsSecrets', runtime().runtime);
    const doc = index.find('secretstore', 'FlightsSecrets');
    assert.ok(doc);
    const diagnostics = liveStoreDiagnostics(doc, vaultListingOf({ names }), Date.now(), 30);
    assert.deepEqual(
      diagnostics.map((d) => `${d.code} ${d.message.split(' ').slice(0, 5).join(' ')}`),
      ['FS302 The vault secret "retired-api-key" is', 'FS304 The vault secret "rotating-password" expires', 'FS301 The vault has no secret'],
    );
  });
});

describe('failures, each with one short reason', () => {
  test('403 on list: the identity cannot enumerate, reported as a permission, not a broken store', async () => {
    sandbox.keyVault.revoke(scenario.app.clientId, ['list']);
    try {
      const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', runtime().runtime));
      assert.equal(error.code, 'KV403');
      assert.equal(error.phase, 'vault');
      assert.equal(error.permissionOnly, true);
      assert.match(error.message, /^403 on list: the identity cannot enumerate the secrets of https:\/\/127\.0\.0\.1:\d+ — grant "list" to enable completion\.$/);
      assert.match(describeVaultNamesError(error), /Key Vault Secrets User/);
      const listing = vaultListingOf({ error });
      assert.equal(listing.ok, false);
      const doc = workspace().find('secretstore', 'FlightsSecrets');
      assert.ok(doc);
      const diagnostics = liveStoreDiagnostics(doc, listing, Date.now(), 30);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.severity, d.range.start.line]),
        [['FS305', 'warning', doc.nameRange?.start.line]],
      );
      assert.match(diagnostics[0]?.message ?? '', /403 on list.*grant "list"/);
    } finally {
      sandbox.keyVault.grant(scenario.app.clientId, ['list']);
    }
  });

  test('an unreachable vault names the host and the field', async () => {
    const port = await closedPort();
    const error = await listingRejection(listVaultNames(workspace({ store: { azureKeyVault: { vaultUrl: `https://127.0.0.1:${port}` } } }), 'FlightsSecrets', runtime().runtime));
    assert.equal(error.code, 'FSE015');
    assert.equal(error.phase, 'vault');
    assert.equal(error.field, 'azureKeyVault.vaultUrl');
    assert.equal(error.message, `Nothing is listening at 127.0.0.1:${port} (connection refused).`);
  });

  test('an unreachable authority fails at the exchange, naming azure.authorityHost', async () => {
    const port = await closedPort();
    const federation = { azure: { ...(base.federation['azure'] as Record<string, unknown>), authorityHost: `https://127.0.0.1:${port}` } };
    const error = await listingRejection(listVaultNames(workspace({ federation }), 'FlightsSecrets', runtime().runtime, { retry: { maxRetries: 0 } }));
    assert.equal(error.phase, 'exchange');
    assert.equal(error.code, 'FSE015');
    assert.equal(error.field, 'azure.authorityHost');
  });

  test('an Entra refusal is explained (subject mismatch: AADSTS700213)', async () => {
    const federation = { issuer: { ...(base.federation['issuer'] as Record<string, unknown>), subject: 'app:someone-else' } };
    const error = await listingRejection(listVaultNames(workspace({ federation }), 'FlightsSecrets', runtime().runtime));
    assert.equal(error.code, 'AADSTS700213');
    assert.equal(error.field, 'issuer.subject');
  });
});

describe('no request is made', () => {
  test('when the runtime is offline (untrusted workspace)', async () => {
    const before = requestCount();
    const rec = runtime({ online: false });
    const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', rec.runtime));
    assert.equal(error.code, 'FSE012');
    assert.match(error.message, /Restricted Mode/);
    assert.equal(requestCount(), before);
    assert.equal(sandbox.keyVault.httpsHost.sawBearerToken() && sandbox.keyVault.requests.length > 0, true, 'sanity: earlier tests did reach the vault');
  });

  test('when the vault host is not among the allowed hosts', async () => {
    const before = requestCount();
    const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', runtime({ allowedHosts: [] }).runtime));
    assert.equal(error.code, 'FSE010');
    assert.equal(requestCount(), before);
  });

  test('when the signing key is missing', async () => {
    const before = requestCount();
    const rec = runtime();
    await rec.secrets.delete('federatedSecrets.signingKey');
    const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', rec.runtime));
    assert.equal(error.code, 'FSE020');
    assert.equal(requestCount(), before);
  });

  test('when the federation is missing or broken, or the store is not Key Vault', async () => {
    const before = requestCount();
    const rt = runtime().runtime;
    assert.equal((await listingRejection(listVaultNames(workspace({ store: { authentication: { type: 'identityFederation', federation: 'Nope' } } }), 'FlightsSecrets', rt))).field, 'authentication.federation');
    assert.match((await listingRejection(listVaultNames(workspace({ federation: { azure: { clientId: 'x' } } }), 'FlightsSecrets', rt))).message, /configuration errors/);
    assert.equal((await listingRejection(listVaultNames(workspace({ store: { provider: 'awsSecretsManager', awsSecretsManager: { region: 'eu-west-1' } } }), 'FlightsSecrets', rt))).code, 'FSE011');
    assert.equal((await listingRejection(listVaultNames(workspace(), 'NoSuchStore', rt))).code, 'FSE003');
    assert.equal(requestCount(), before);
  });
});

