import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { JWK } from 'jose';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { FederatedSecretsError } from '../../src/core/errors';
import {
  buildDiscoveryDocument,
  buildPublicDocuments,
  defaultJwksUri,
  discoveryUrl,
  expandEnvironment,
  generateSigningKey,
  jwkThumbprint,
  loadSigningKeys,
  mintToken,
  parseSigningKeys,
  PRIVATE_JWK_MEMBERS,
  publicJwks,
  rotateKeySet,
  SelfTokenIssuer,
  serializeKeySet,
  SIGNING_KEY_SECRET,
  signingKeySecretName,
} from '../../src/core/federation/index';
import { Redactor } from '../../src/core/redact';
import type { Runtime } from '../../src/core/runtime';
import { MemorySecretStorage, silentLogger } from '../../src/core/runtime';

/** RFC 7638 §3.1: SHA-256 over the required members in lexicographic order, no whitespace. */
function independentThumbprint(jwk: JWK): string {
  const canonical = jwk.kty === 'RSA' ? JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }) : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function assertPublicOnly(jwks: { keys: Record<string, unknown>[] }): void {
  for (const key of jwks.keys) {
    for (const member of PRIVATE_JWK_MEMBERS) assert.equal(key[member], undefined, `JWKS member "${member}" must not be published`);
  }
}

function runtimeWith(secrets: Record<string, string>, now = Date.now()): Runtime {
  const storage = new MemorySecretStorage();
  for (const [k, v] of Object.entries(secrets)) void storage.store(k, v);
  return {
    logger: silentLogger,
    clock: { now: () => now },
    secrets: storage,
    network: { allowedHosts: [], requestTimeoutMs: 1000, online: true },
    env: {},
    readFile: () => Promise.reject(new Error('no files')),
  };
}

describe('self issuer keys', () => {
  it('computes kid as the RFC 7638 thumbprint (RFC test vector)', async () => {
    const rfcKey: JWK = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    assert.equal(await jwkThumbprint(rfcKey), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  for (const alg of ['RS256', 'ES256'] as const) {
    it(`generates ${alg} keys whose kid is the thumbprint and whose JWKS is public only`, async () => {
      const { key, privateJwk } = await generateSigningKey(alg);
      assert.equal(key.alg, alg);
      assert.equal(key.kid, independentThumbprint(privateJwk));
      assert.ok(privateJwk.d, 'the stored JWK is the private key');
      const jwks = publicJwks({ keys: [key] });
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0]?.kid, key.kid);
      assert.equal(jwks.keys[0]?.alg, alg);
      assert.equal(jwks.keys[0]?.use, 'sig');
      assertPublicOnly(jwks);
      // The serialized JWKS text has no private member names either.
      assert.doesNotMatch(JSON.stringify(jwks), /"(d|p|q|dp|dq|qi)"/);
    });
  }

  it('round-trips a key set through storage, and parses PEM (PKCS#8, PKCS#1, SEC1) and single JWKs', async () => {
    const { key } = await generateSigningKey('RS256');
    const text = await serializeKeySet({ keys: [key] });
    const parsed = await parseSigningKeys(text);
    assert.equal(parsed.keys[0]?.kid, key.kid);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const fromPkcs8 = await parseSigningKeys(pkcs8);
    const fromPkcs1 = await parseSigningKeys(pkcs1);
    assert.equal(fromPkcs8.keys[0]?.kid, fromPkcs1.keys[0]?.kid);
    assert.equal(fromPkcs8.keys[0]?.alg, 'RS256');

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sec1 = await parseSigningKeys(ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString());
    assert.equal(sec1.keys[0]?.alg, 'ES256');

    const jwk = rsa.privateKey.export({ format: 'jwk' }) as JWK;
    const single = await parseSigningKeys(JSON.stringify(jwk));
    assert.equal(single.keys[0]?.kid, fromPkcs8.keys[0]?.kid);
  });

  it('rejects public keys, certificates, other curves and garbage with FSE021, never quoting the input', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const publicJwk = rsa.publicKey.export({ format: 'jwk' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cases: [string, RegExp][] = [
      [publicPem, /public key or certificate/],
      [JSON.stringify(publicJwk), /no private part/],
      [JSON.stringify({ keys: [publicJwk] }), /no private part/],
      [p384, /P-384|EC \(P-256\)/],
      ['not a key at all', /No PEM private key or JWK/],
      ['{ broken json', /neither a PEM private key nor valid JSON/],
    ];
    for (const [input, pattern] of cases) {
      await assert.rejects(parseSigningKeys(input), (error: unknown) => {
        assert.ok(error instanceof FederatedSecretsError);
        assert.equal(error.code, 'FSE021');
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes(input.slice(10, 40)));
        return true;
      });
    }
  });

  it('rotates: the newest key signs, both are published, at most two are kept', async () => {
    const first = await rotateKeySet(undefined, 'RS256');
    const second = await rotateKeySet(first, 'RS256');
    const third = await rotateKeySet(second, 'RS256');
    assert.equal(first.keys.length, 1);
    assert.equal(second.keys.length, 2);
    assert.equal(second.keys[1]?.kid, first.keys[0]?.kid, 'the previous signing key stays published');
    assert.equal(third.keys.length, 2);
    assert.deepEqual(
      third.keys.map((k) => k.kid),
      [third.keys[0]?.kid, second.keys[0]?.kid],
    );
    assert.ok(!third.keys.some((k) => k.kid === first.keys[0]?.kid), 'the oldest key is dropped');
    const jwks = publicJwks(third);
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      third.keys.map((k) => k.kid),
    );
    assertPublicOnly(jwks);

    // A token minted by the issuer uses the newest key and verifies against the published JWKS.
    const runtime = runtimeWith({ [signingKeySecretName('Fed')]: await serializeKeySet(third) });
    const issuer = new SelfTokenIssuer('Fed', { type: 'self', issuerUrl: 'https://issuer.example.com/', subject: 'app:x' }, { runtime, redactor: new Redactor() });
    const token = await issuer.getToken();
    assert.equal(decodeProtectedHeader(token).kid, third.keys[0]?.kid);
    await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'https://issuer.example.com/' });
  });
});

describe('self issuer tokens and documents', () => {
  it('mints iss exactly as configured (trailing slash kept), sub, aud, iat, nbf, exp and a unique jti', async () => {
    const { key } = await generateSigningKey('RS256');
    const now = Date.UTC(2025, 0, 2, 3, 4, 5);
    const claims = { issuer: 'https://issuer.example.com/tenant/', subject: 'app:Case-Sensitive', audience: 'api://AzureADTokenExchange', lifetimeSeconds: 300, now };
    const a = await mintToken(key, claims);
    const b = await mintToken(key, claims);
    const { payload, protectedHeader } = await jwtVerify(a.token, createLocalJWKSet(publicJwks({ keys: [key] })), { currentDate: new Date(now) });
    assert.equal(payload.iss, 'https://issuer.example.com/tenant/');
    assert.equal(payload.sub, 'app:Case-Sensitive');
    assert.equal(payload.aud, 'api://AzureADTokenExchange');
    assert.equal(payload.iat, now / 1000);
    assert.equal(payload.nbf, now / 1000);
    assert.equal(payload.exp, now / 1000 + 300);
    assert.equal(protectedHeader.kid, key.kid);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(protectedHeader.typ, 'JWT');
    assert.ok(typeof payload.jti === 'string' && payload.jti.length >= 16);
    assert.notEqual(a.jti, b.jti);
  });

  it('uses defaults: audience api://AzureADTokenExchange and lifetime 300 s, from the runtime clock', async () => {
    const { key } = await generateSigningKey('RS256');
    const now = Date.UTC(2030, 5, 6);
    const runtime = runtimeWith({ [SIGNING_KEY_SECRET]: await serializeKeySet({ keys: [key] }) }, now);
    const redactor = new Redactor();
    const issuer = new SelfTokenIssuer('Any', { type: 'self', issuerUrl: 'https://i.example/x', subject: 's' }, { runtime, redactor });
    const minted = await issuer.mint();
    assert.equal(minted.exp - minted.iat, 300);
    assert.equal(minted.iat, now / 1000);
    const { payload } = await jwtVerify(minted.token, createLocalJWKSet(publicJwks({ keys: [key] })), { currentDate: new Date(now), audience: 'api://AzureADTokenExchange' });
    assert.equal(payload.iss, 'https://i.example/x');
    assert.equal(redactor.redact(`x ${minted.token} y`), 'x [redacted] y', 'minted tokens are registered for redaction');
  });

  it('reports a missing signing key with FSE020 and advice', async () => {
    await assert.rejects(loadSigningKeys('Fed', runtimeWith({})), (error: unknown) => {
      assert.ok(error instanceof FederatedSecretsError);
      assert.equal(error.code, 'FSE020');
      assert.match(error.advice ?? '', /issuer keygen/);
      return true;
    });
  });

  it('joins discovery and JWKS URLs with or without a trailing slash, as Entra ID does', () => {
    assert.equal(discoveryUrl('https://issuer.example.com/app/'), 'https://issuer.example.com/app/.well-known/openid-configuration');
    assert.equal(discoveryUrl('https://issuer.example.com/app'), 'https://issuer.example.com/app/.well-known/openid-configuration');
    assert.equal(discoveryUrl('https://issuer.example.com/'), 'https://issuer.example.com/.well-known/openid-configuration');
    assert.equal(discoveryUrl('https://issuer.example.com'), 'https://issuer.example.com/.well-known/openid-configuration');
    assert.equal(defaultJwksUri('https://issuer.example.com/app/'), 'https://issuer.example.com/app/jwks.json');
  });

  it('builds a discovery document naming the issuer byte for byte and the JWKS URI', async () => {
    const { key } = await generateSigningKey('RS256');
    const doc = buildDiscoveryDocument('https://issuer.example.com/app/', { keys: [key] });
    assert.equal(doc['issuer'], 'https://issuer.example.com/app/');
    assert.equal(doc['jwks_uri'], 'https://issuer.example.com/app/jwks.json');
    assert.deepEqual(doc['id_token_signing_alg_values_supported'], ['RS256']);
    const docs = buildPublicDocuments('https://issuer.example.com/app/', { keys: [key] }, 'https://issuer.example.com/app/keys/v1.json');
    assert.equal(docs.jwksPath, 'keys/v1.json');
    assert.equal(docs.discoveryPath, '.well-known/openid-configuration');
    assertPublicOnly(docs.jwks);
  });
});

describe('token file paths', () => {
  it('expands ${VAR} and $VAR from the runtime environment', () => {
    const env = { AZURE_FEDERATED_TOKEN_FILE: '/var/run/token', HOME: '/home/u' };
    assert.equal(expandEnvironment('${AZURE_FEDERATED_TOKEN_FILE}', env), '/var/run/token');
    assert.equal(expandEnvironment('$HOME/tokens/${AZURE_FEDERATED_TOKEN_FILE}x', env), '/home/u/tokens//var/run/tokenx');
    assert.equal(expandEnvironment('/plain/path', env), '/plain/path');
  });

  it('names an unset variable (FSE024, field issuer.path)', () => {
    assert.throws(
      () => expandEnvironment('${MISSING_VAR}/t', {}),
      (error: unknown) => error instanceof FederatedSecretsError && error.code === 'FSE024' && error.field === 'issuer.path' && /MISSING_VAR/.test(error.message),
    );
  });
});
