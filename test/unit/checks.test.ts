import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codesAt, FEDERATION, indexOf, PROFILE, STORE } from './helpers';

const scenario = { 'fed.federation.json': FEDERATION, 'store.secretstore.json': STORE, 'p.authprofile.json': PROFILE };

describe('workspace checks', () => {
  it('finds nothing wrong in a consistent scenario', () => {
    assert.deepEqual(indexOf(scenario).allDiagnostics(), []);
  });

  it('reports duplicate names across files, on both files, with related locations', () => {
    const index = indexOf({ ...scenario, 'other.federation.json': FEDERATION });
    const dupes = index.allDiagnostics().filter((d) => d.code === 'FS201');
    assert.deepEqual(dupes.map((d) => d.file).sort(), ['fed.federation.json', 'other.federation.json']);
    assert.equal(dupes[0]?.related?.length, 1);
  });

  it('allows the same name for instances of different kinds', () => {
    const index = indexOf({ ...scenario, 'p.authprofile.json': { ...PROFILE, name: 'Store' } });
    assert.deepEqual(index.allDiagnostics(), []);
  });

  it('reports an unknown federation with a suggestion', () => {
    const index = indexOf({ ...scenario, 'store.secretstore.json': { ...STORE, authentication: { type: 'identityFederation', federation: 'Fedd' } } });
    const [d] = index.diagnosticsFor('store.secretstore.json');
    assert.equal(d?.code, 'FS202');
    assert.match(d?.message ?? '', /Did you mean "Fed"\?/);
    assert.equal(d?.data?.['suggestion'], 'Fed');
  });

  it('reports a malformed secretRef, an unknown store and an unmapped reference', () => {
    const profile = { ...PROFILE, clientId: { secretRef: 'Store' }, clientSecret: { secretRef: 'Stor/ClientSecret' } };
    const other = { ...PROFILE, name: 'P2', clientId: { secretRef: 'Store/ClientID' }, clientSecret: { secretRef: 'Store/a/b' } };
    const index = indexOf({ ...scenario, 'p.authprofile.json': profile, 'p2.authprofile.json': other });
    assert.deepEqual(index.diagnosticsFor('p.authprofile.json').map((d) => d.code), ['FS204', 'FS203']);
    assert.deepEqual(index.diagnosticsFor('p2.authprofile.json').map((d) => d.code), ['FS205', 'FS204']);
    const unmapped = index.diagnosticsFor('p2.authprofile.json')[0];
    assert.match(unmapped?.message ?? '', /Did you mean "ClientId"\?/);
  });

  it('reports a store whose provider does not match its federation cloud', () => {
    const aws = { name: 'Fed', cloudProvider: 'aws', issuer: { type: 'tokenFile', path: '/t' }, aws: { roleArn: 'arn:aws:iam::123456789012:role/r', region: 'eu-west-1' } };
    const index = indexOf({ ...scenario, 'fed.federation.json': aws });
    const mismatch = index.diagnosticsFor('store.secretstore.json').find((d) => d.code === 'FS206');
    assert.ok(mismatch);
    assert.match(mismatch.message, /An Azure Key Vault store needs a federation to Azure, but "Fed" federates to AWS/);
    assert.equal(mismatch.related?.[0]?.file, 'fed.federation.json');
  });

  it('accepts HashiCorp Vault with any cloud', () => {
    const vault = { ...STORE, provider: 'hashicorpVault', azureKeyVault: undefined, hashicorpVault: { address: 'https://vault.example.com:8200', role: 'app' } };
    assert.deepEqual(indexOf({ ...scenario, 'store.secretstore.json': vault }).allDiagnostics(), []);
  });

  it('warns about plaintext secrets but not about literal non-secret fields, and never repeats the value', () => {
    const profile = { ...PROFILE, clientId: 'literal-client-id', clientSecret: 'canary-plaintext-value' };
    const index = indexOf({ ...scenario, 'p.authprofile.json': profile });
    const diagnostics = index.diagnosticsFor('p.authprofile.json');
    assert.deepEqual(diagnostics.map((d) => d.code), ['FS207']);
    assert.ok(!JSON.stringify(index.allDiagnostics()).includes('canary-plaintext-value'));
  });

  it('warns when two auth profiles share a client id, literal or through the same vault secret', () => {
    const twin = { ...PROFILE, name: 'Twin' };
    const index = indexOf({ ...scenario, 'twin.authprofile.json': twin });
    assert.deepEqual(index.allDiagnostics().map((d) => d.code), ['FS208', 'FS208']);
    const store = { ...STORE, secrets: [...STORE.secrets, { reference: 'SameId', secretName: 'client-id' }] };
    const viaOtherRef = indexOf({ ...scenario, 'store.secretstore.json': store, 'twin.authprofile.json': { ...twin, clientId: { secretRef: 'Store/SameId' } } });
    assert.deepEqual(viaOtherRef.allDiagnostics().map((d) => d.code), ['FS208', 'FS208']);
  });

  it('requires https issuer URLs and suggests the https form', () => {
    const index = indexOf({ ...scenario, 'fed.federation.json': { ...FEDERATION, issuer: { ...FEDERATION.issuer, issuerUrl: 'http://issuer.example.com/app/' } } });
    const [d] = index.diagnosticsFor('fed.federation.json');
    assert.equal(d?.code, 'FS209');
    assert.equal(d?.data?.['suggestion'], 'https://issuer.example.com/app/');
  });

  it('rejects ES256 for an Azure federation, where Entra accepts only RSA', () => {
    const index = indexOf({ ...scenario, 'fed.federation.json': { ...FEDERATION, issuer: { ...FEDERATION.issuer, signingAlgorithm: 'ES256' } } });
    assert.deepEqual(index.diagnosticsFor('fed.federation.json').map((d) => d.code), ['FS213']);
    const gcp = { name: 'G', cloudProvider: 'gcp', issuer: { type: 'self', issuerUrl: 'https://i.example.com/', subject: 's', signingAlgorithm: 'ES256' }, gcp: { workloadIdentityProvider: 'projects/1/locations/global/workloadIdentityPools/p/providers/q' } };
    assert.deepEqual(indexOf({ 'g.federation.json': gcp }).allDiagnostics(), []);
  });

  it('checks Key Vault secret names, and only for Key Vault stores', () => {
    const store = { ...STORE, secrets: [{ reference: 'ClientId', secretName: 'client_id' }, { reference: 'ClientSecret', secretName: 'client-secret' }] };
    const index = indexOf({ ...scenario, 'store.secretstore.json': store });
    assert.deepEqual(codesAt(index.diagnosticsFor('store.secretstore.json')).map((c) => c.split('@')[0]), ['FS210']);
    const long = indexOf({ ...scenario, 'store.secretstore.json': { ...STORE, secrets: [{ reference: 'ClientId', secretName: 'x'.repeat(128) }, STORE.secrets[1]] } });
    assert.ok(long.allDiagnostics().some((d) => d.code === 'FS210'));
  });

  it('reports unused mappings as information and duplicate references as errors', () => {
    const store = { ...STORE, secrets: [...STORE.secrets, { reference: 'Spare', secretName: 'spare' }, { reference: 'ClientId', secretName: 'other' }] };
    const diagnostics = indexOf({ ...scenario, 'store.secretstore.json': store }).diagnosticsFor('store.secretstore.json');
    assert.deepEqual(diagnostics.map((d) => `${d.code}:${d.severity}`), ['FS211:information', 'FS212:error']);
  });

  it('updates the reference graph when files change and are removed', () => {
    const index = indexOf(scenario);
    const v = index.version;
    assert.equal(index.usesOf('Store').length, 2);
    assert.equal(index.storesUsing('Fed').length, 1);
    index.remove('store.secretstore.json');
    assert.ok(index.version > v);
    assert.deepEqual(index.allDiagnostics().map((d) => d.code), ['FS203', 'FS203']);
    assert.equal(index.removeUnder('').length, 0);
    assert.deepEqual(index.removeUnder('.').length, 0);
  });

  it('removes every file under a deleted folder', () => {
    const index = indexOf({ 'a/fed.federation.json': FEDERATION, 'a/b/store.secretstore.json': STORE, 'ab/p.authprofile.json': PROFILE });
    assert.deepEqual(index.removeUnder('a').sort(), ['a/b/store.secretstore.json', 'a/fed.federation.json']);
    assert.deepEqual(index.fileNames, ['ab/p.authprofile.json']);
  });
});
