import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeVaultNamesError, listVaultNames, storeFingerprint, vaultListingOf, VaultNamesError } from '../../src/core/live/vault-names';
import type { WorkspaceIndex } from '../../src/core/workspace/index';
import { FEDERATION, STORE, indexOf, untouchableRuntime } from './helpers';

const runtime = untouchableRuntime;

function workspace(store: object = STORE, federation: object = FEDERATION): WorkspaceIndex {
  return indexOf({ '/w/f.federation.json': federation, '/w/s.secretstore.json': store });
}

async function rejection(promise: Promise<unknown>): Promise<VaultNamesError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VaultNamesError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

describe('listVaultNames refusals (no network)', () => {
  it('refuses offline (untrusted workspace) before reading anything', async () => {
    const { runtime: rt, touched } = runtime(false);
    const error = await rejection(listVaultNames(workspace(), 'Store', rt));
    assert.equal(error.code, 'FSE012');
    assert.equal(error.phase, 'config');
    assert.equal(error.message, 'Live secret names are off in Restricted Mode (untrusted workspace): no vault is contacted.');
    assert.equal(describeVaultNamesError(error), 'Live secret names are off in Restricted Mode (untrusted workspace): no vault is contacted. Trust the workspace to list vault names.');
    assert.deepEqual(touched, []);
  });

  it('names what is wrong with the configuration', async () => {
    const { runtime: rt, touched } = runtime(true);
    const unknown = await rejection(listVaultNames(workspace(), 'Nope', rt));
    assert.equal(unknown.message, 'No secret store is named "Nope".');
    const noFederation = await rejection(listVaultNames(workspace({ ...STORE, authentication: { type: 'identityFederation', federation: 'Missing' } }), 'Store', rt));
    assert.equal(noFederation.message, 'The store "Store" authenticates through the federation "Missing", which does not exist.');
    assert.equal(noFederation.field, 'authentication.federation');
    const aws = await rejection(listVaultNames(workspace({ ...STORE, provider: 'awsSecretsManager', awsSecretsManager: { region: 'eu-west-1' } }), 'Store', rt));
    assert.equal(aws.code, 'FSE011');
    const noVault = await rejection(listVaultNames(workspace({ ...STORE, azureKeyVault: {} }), 'Store', rt));
    assert.match(noVault.message, /names no vault/);
    const es256 = await rejection(listVaultNames(workspace(STORE, { ...FEDERATION, issuer: { ...FEDERATION.issuer, signingAlgorithm: 'ES256' } }), 'Store', rt));
    assert.match(es256.message, /^The Identity Federation "Fed" has configuration errors \(FS213: /);
    assert.deepEqual(touched, []);
  });

  it('refuses hosts the user did not allow before reading the signing key or requesting a token', async () => {
    const { runtime: rt, touched } = runtime(true);
    const vault = await rejection(listVaultNames(workspace({ ...STORE, azureKeyVault: { vaultUrl: 'https://vault.internal.example:8443' } }), 'Store', rt));
    assert.equal(vault.code, 'FSE010');
    assert.equal(vault.field, 'azureKeyVault.vaultUrl');
    const authority = await rejection(listVaultNames(workspace(STORE, { ...FEDERATION, azure: { ...FEDERATION.azure, authorityHost: 'https://login.internal.example' } }), 'Store', rt));
    assert.equal(authority.code, 'FSE010');
    assert.equal(authority.field, 'azure.authorityHost');
    assert.deepEqual(touched, []);
  });

  it('reports a missing signing key before any request', async () => {
    const { runtime: rt } = runtime(true);
    rt.secrets = { get: () => Promise.resolve(undefined), store: () => Promise.resolve(), delete: () => Promise.resolve() };
    const error = await rejection(listVaultNames(workspace(), 'Store', rt));
    assert.equal(error.code, 'FSE020');
    assert.equal(error.phase, 'issuer');
  });
});

describe('vault listings for live diagnostics', () => {
  it('carries names, or the reason with its advice and whether only permission is missing', () => {
    assert.deepEqual(vaultListingOf({ names: [{ name: 'a' }] }), { ok: true, names: [{ name: 'a' }] });
    const forbidden = new VaultNamesError('403 on list: …', { code: 'KV403', phase: 'vault', advice: 'Grant list.', permissionOnly: true });
    assert.deepEqual(vaultListingOf({ error: forbidden }), { ok: false, message: '403 on list: …', advice: 'Grant list.', permissionOnly: true });
    assert.deepEqual(vaultListingOf({ error: new Error('boom') }), { ok: false, message: 'boom' });
    assert.equal(describeVaultNamesError('plain'), 'plain');
  });
});

describe('store fingerprint', () => {
  const fp = (index: WorkspaceIndex) => {
    const store = index.find('secretstore', 'Store');
    assert.ok(store);
    return storeFingerprint(index, store);
  };

  it('changes with the provider, vault, federation name or federation settings', () => {
    const original = fp(workspace());
    assert.notEqual(fp(workspace({ ...STORE, azureKeyVault: { vaultName: 'other-kv' } })), original);
    assert.notEqual(fp(workspace({ ...STORE, authentication: { type: 'identityFederation', federation: 'Other' } })), original);
    assert.notEqual(fp(workspace(STORE, { ...FEDERATION, azure: { ...FEDERATION.azure, clientId: '00000000-0000-4000-8000-000000000000' } })), original);
    assert.notEqual(fp(workspace(STORE, { ...FEDERATION, issuer: { ...FEDERATION.issuer, subject: 'app:other' } })), original);
  });

  it('does not change with the mappings or descriptions', () => {
    const original = fp(workspace());
    assert.equal(fp(workspace({ ...STORE, description: 'x', secrets: [{ reference: 'A', secretName: 'a' }] })), original);
    assert.equal(fp(workspace(STORE, { ...FEDERATION, description: 'y' })), original);
  });
});
