import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK } from 'jose';
import { assertNoPrivateMembers, describeKeySet, federatedCredentialFor, federatedCredentialName, federationChoices, issuerExportFiles, selfIssuerUrl } from '../../src/core/connection/keys';
import { FederatedSecretsError } from '../../src/core/errors';
import { generateSigningKey, parseSigningKeys, rotateKeySet, serializeKeySet } from '../../src/core/federation/keys';
import { buildPublicDocuments } from '../../src/core/federation/self';
import { FEDERATION, STORE, indexOf } from './helpers';

const OIDC = { name: 'Okta', cloudProvider: 'azure', issuer: { type: 'oidc', issuerUrl: 'https://okta.example.com/oauth2/default', clientId: 'svc-client' }, azure: FEDERATION.azure };
const TOKEN_FILE = { name: 'Ci', cloudProvider: 'azure', issuer: { type: 'tokenFile', path: '/var/run/token' }, azure: FEDERATION.azure };

describe('federation choices', () => {
  const index = indexOf({ '/w/b.federation.json': FEDERATION, '/w/o.federation.json': OIDC, '/w/t.federation.json': TOKEN_FILE, '/w/s.secretstore.json': STORE });

  it('lists federations by issuer type, by name', () => {
    assert.deepEqual(
      federationChoices(index).map((c) => `${c.name}:${c.issuerType ?? ''}`),
      ['Ci:tokenFile', 'Fed:self', 'Okta:oidc'],
    );
    assert.deepEqual(
      federationChoices(index, 'self').map((c) => `${c.name}:${c.issuerUrl ?? ''}`),
      ['Fed:https://issuer.example.com/app/'],
    );
    assert.deepEqual(
      federationChoices(index, 'oidc').map((c) => c.name),
      ['Okta'],
    );
  });

  it('gives the self issuer URL, or says why there is none', () => {
    assert.equal(selfIssuerUrl(index.get('/w/b.federation.json') ?? assert.fail()), 'https://issuer.example.com/app/');
    assert.throws(() => selfIssuerUrl(index.get('/w/o.federation.json') ?? assert.fail()), /does not use a self issuer \(issuer.type is "oidc"\)/);
    const http = indexOf({ '/w/h.federation.json': { ...FEDERATION, issuer: { ...FEDERATION.issuer, issuerUrl: 'http://x.example.com/' } } });
    assert.throws(() => selfIssuerUrl(http.get('/w/h.federation.json') ?? assert.fail()), /no valid https issuer.issuerUrl/);
  });
});

describe('issuer export', () => {
  it('writes the same documents as `federated-secrets issuer export`, with public keys only', async () => {
    const set = await rotateKeySet(await rotateKeySet(undefined, 'RS256'), 'RS256');
    const exported = await issuerExportFiles('https://issuer.example.com/app/', set);
    const docs = buildPublicDocuments('https://issuer.example.com/app/', set);
    assert.deepEqual(
      exported.files.map((f) => f.path),
      ['.well-known/openid-configuration', 'jwks.json'],
    );
    assert.equal(exported.files[0]?.content, `${JSON.stringify(docs.discovery, null, 2)}\n`);
    assert.equal(exported.files[1]?.content, `${JSON.stringify(docs.jwks, null, 2)}\n`);
    assert.equal(exported.discoveryUrl, 'https://issuer.example.com/app/.well-known/openid-configuration');
    assert.equal(exported.jwksUri, 'https://issuer.example.com/app/jwks.json');
    assert.deepEqual(exported.kids, set.keys.map((k) => k.kid));
    const jwks = JSON.parse(exported.files[1]?.content ?? '') as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 2);
    for (const key of jwks.keys) assert.deepEqual(Object.keys(key).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    // No private component of either key occurs anywhere in the files.
    for (const key of set.keys) {
      const priv = await exportJWK(key.privateKey);
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
        const value = priv[member];
        assert.ok(value);
        for (const file of exported.files) assert.ok(!file.content.includes(value), `${member} leaked into ${file.path}`);
      }
    }
  });

  it('exports EC keys with public members only', async () => {
    const { key } = await generateSigningKey('ES256');
    const exported = await issuerExportFiles('https://issuer.example.com/', { keys: [key] });
    const jwks = JSON.parse(exported.files[1]?.content ?? '') as { keys: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(jwks.keys[0] ?? {}).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('refuses to write a document that carries a private member', () => {
    assert.throws(
      () => assertNoPrivateMembers({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' }] }, 'jwks.json'),
      (error: unknown) => error instanceof FederatedSecretsError && error.code === 'FSE034' && /private key members \(d\)/.test(error.message) && !error.message.includes('secret'),
    );
    assert.throws(() => assertNoPrivateMembers({ nested: [{ inner: { k: 'symmetric' } }] }, 'x'), /private key members \(k\)/);
    assert.doesNotThrow(() => assertNoPrivateMembers({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }, 'x'));
  });

  it('describes a key set with public facts only', async () => {
    const first = await rotateKeySet(undefined, 'RS256', new Date('2026-01-31T10:00:00Z'));
    const second = await rotateKeySet(first, 'RS256', new Date('2026-03-01T10:00:00Z'));
    const text = describeKeySet(second);
    assert.equal(text, `RS256 signing key ${second.keys[0]?.kid ?? ''} (created 2026-03-01); the previous key ${first.keys[0]?.kid ?? ''} stays published`);
    const stored = await parseSigningKeys(await serializeKeySet(second));
    const priv = await exportJWK(stored.keys[0]?.privateKey ?? assert.fail());
    assert.ok(priv.d && !text.includes(priv.d));
    assert.equal(describeKeySet({ keys: [] }), 'no keys');
  });
});

describe('federated credential (az ad app federated-credential create --parameters)', () => {
  it('copies issuer (trailing slash kept), subject and the audience, with a valid name', () => {
    const index = indexOf({ '/w/f.federation.json': { ...FEDERATION, name: 'MKT Airlines.prod', issuer: { ...FEDERATION.issuer, audience: 'api://Custom' } } });
    const { parameters, clientId } = federatedCredentialFor(index.get('/w/f.federation.json') ?? assert.fail());
    assert.deepEqual(Object.keys(parameters), ['name', 'issuer', 'subject', 'audiences', 'description']);
    assert.equal(parameters.name, 'mkt-airlines-prod');
    assert.equal(parameters.issuer, 'https://issuer.example.com/app/');
    assert.equal(parameters.subject, 'app:demo');
    assert.deepEqual(parameters.audiences, ['api://Custom']);
    assert.match(parameters.description, /Identity Federation "MKT Airlines\.prod"/);
    assert.equal(clientId, FEDERATION.azure.clientId);
  });

  it('defaults the audience to api://AzureADTokenExchange', () => {
    const index = indexOf({ '/w/f.federation.json': FEDERATION });
    assert.deepEqual(federatedCredentialFor(index.get('/w/f.federation.json') ?? assert.fail()).parameters.audiences, ['api://AzureADTokenExchange']);
  });

  it('refuses oidc and token-file issuers and other clouds, saying why', () => {
    const index = indexOf({ '/w/o.federation.json': OIDC, '/w/t.federation.json': TOKEN_FILE, '/w/a.federation.json': { ...FEDERATION, cloudProvider: 'aws', aws: { roleArn: 'arn:aws:iam::1:role/x', region: 'eu-west-1' } } });
    assert.throws(() => federatedCredentialFor(index.get('/w/o.federation.json') ?? assert.fail()), /decided by that server \(often the client id "svc-client"\)/);
    assert.throws(() => federatedCredentialFor(index.get('/w/t.federation.json') ?? assert.fail()), /decided by the runtime/);
    assert.throws(() => federatedCredentialFor(index.get('/w/a.federation.json') ?? assert.fail()), /federates to aws, not Azure/);
  });

  it('makes names Entra ID accepts: 3–120 of letters, digits, "-" and "_", starting alphanumeric', () => {
    for (const [input, expected] of [
      ['MKTAirlines', 'mktairlines'],
      ['--x', 'x-fic'],
      ['a b/c', 'a-b-c'],
      ['', 'federation-fic'],
      ['Ünïcode', 'n-code'],
    ] as const) {
      const name = federatedCredentialName(input);
      assert.equal(name, expected, input);
      assert.match(name, /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/);
    }
    assert.equal(federatedCredentialName('x'.repeat(200)).length, 120);
  });
});
