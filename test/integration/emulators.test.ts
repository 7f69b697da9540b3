/**
 * Proves the emulators with the real SDK clients (@azure/identity ClientAssertionCredential, @azure/keyvault-secrets
 * SecretClient) and plain HTTPS calls, all over TLS with the sandbox's throw-away CA.
 *
 * Run: node --import tsx --test test/integration/emulators.test.ts
 */
import assert from 'node:assert/strict';
import { X509Certificate, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AuthenticationRequiredError, ClientAssertionCredential, type ClientAssertionCredentialOptions } from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
} from 'jose';
import { createTestCa } from '../emulators/ca';
import { httpsGet } from '../emulators/https-host';
import { IssuerHost } from '../emulators/issuer-host';
import { KeyVaultEmulator } from '../emulators/keyvault';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE } from '../emulators/oauth-server';
import { startSandbox, type Sandbox, type SampleScenario } from '../emulators/sandbox';

const VAULT_SCOPE = 'https://vault.azure.net/.default';
const BULK_SECRET_COUNT = 10_000;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function request(method: string, url: string, ca: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function json(response: RawResponse): Record<string, unknown> {
  return JSON.parse(response.text) as Record<string, unknown>;
}

/** A self issuer for tests: an RSA key whose JWKS is published on the issuer host. */
interface TestIssuer {
  issuer: string;
  kid: string;
  key: CryptoKey;
  jwks: JSONWebKeySet;
  jwksPath: string;
  mint(claims?: { iss?: string; sub?: string; aud?: string; exp?: number; nbf?: number; kid?: string; key?: CryptoKey; alg?: string }): Promise<string>;
}

async function newRsaKey(): Promise<{ key: CryptoKey; jwks: JSONWebKeySet; kid: string }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { key: privateKey, kid, jwks: { keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256' }] } };
}

async function publishTestIssuer(sandbox: Sandbox, basePath: string, subject: string): Promise<TestIssuer> {
  const { key, jwks, kid } = await newRsaKey();
  const { issuer, jwksUri } = sandbox.issuerHost.publishIssuer(basePath, jwks, { trailingSlash: true });
  return {
    issuer,
    kid,
    key,
    jwks,
    jwksPath: new URL(jwksUri).pathname,
    mint: async (claims = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({})
        .setProtectedHeader({ alg: claims.alg ?? 'RS256', typ: 'JWT', kid: claims.kid ?? kid })
        .setIssuer(claims.iss ?? issuer)
        .setSubject(claims.sub ?? subject)
        .setAudience(claims.aud ?? ENTRA_TOKEN_EXCHANGE_AUDIENCE)
        .setIssuedAt(now)
        .setNotBefore(claims.nbf ?? now)
        .setExpirationTime(claims.exp ?? now + 600)
        .setJti(randomUUID());
      return jwt.sign(claims.key ?? key);
    },
  };
}

describe('test emulators against the real Azure SDK clients', () => {
  let sandbox: Sandbox;
  let scenario: SampleScenario;
  let credentialOptions: ClientAssertionCredentialOptions;
  let clientOptions: SecretClientOptions;
  let client: SecretClient;
  let selfIssuer: TestIssuer;
  const extraVaults: KeyVaultEmulator[] = [];

  const credential = (getAssertion: () => Promise<string>, tenantId = scenario.tenantId, clientId = scenario.app.clientId, extra: ClientAssertionCredentialOptions = {}) =>
    new ClientAssertionCredential(tenantId, clientId, getAssertion, { ...credentialOptions, ...extra });

  /** Exchanges the assertion and expects the AADSTS code in the AuthenticationRequiredError message. */
  async function expectAadsts(getAssertion: () => Promise<string>, code: number, ids: { tenantId?: string; clientId?: string } = {}): Promise<string> {
    const cred = credential(getAssertion, ids.tenantId ?? scenario.tenantId, ids.clientId ?? scenario.app.clientId);
    let message = '';
    await assert.rejects(cred.getToken(VAULT_SCOPE), (error: unknown) => {
      assert.ok(error instanceof AuthenticationRequiredError, `expected AuthenticationRequiredError, got ${String(error)}`);
      message = error.message;
      assert.match(error.message, new RegExp(`AADSTS${code}:`));
      return true;
    });
    assert.equal(sandbox.entra.tokenRequests.at(-1)?.errorCode, code);
    return message;
  }

  before(async () => {
    sandbox = await startSandbox({ extraHostnames: ['issuer.example.com'], hostOverrides: { 'issuer.example.com': '127.0.0.1' } });
    scenario = await sandbox.seedSampleScenario();
    credentialOptions = {
      authorityHost: sandbox.origins.entra,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: sandbox.caCertPem },
    };
    clientOptions = {
      tlsOptions: { ca: sandbox.caCertPem },
      disableChallengeResourceVerification: true,
    };
    client = new SecretClient(scenario.vault.vaultUrl, credential(() => scenario.createAssertion()), clientOptions);

    for (let i = 0; i < BULK_SECRET_COUNT; i += 1) {
      sandbox.putSecret(`bulk-${String(i).padStart(5, '0')}`, `value-${i}`, { tags: { batch: 'bulk' } });
    }
    selfIssuer = await publishTestIssuer(sandbox, '/self-test', 'app:self-test');
    sandbox.addFederatedCredential(scenario.tenantId, scenario.app.clientId, {
      name: 'self-test',
      issuer: selfIssuer.issuer,
      subject: 'app:self-test',
      audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE],
    });
  });

  after(async () => {
    await Promise.all(extraVaults.map((v) => v.close()));
    await sandbox.stop();
  });

  describe('certificate authority', () => {
    test('issues server certificates that chain to the CA and cover the requested names', () => {
      const ca = createTestCa({ commonName: 'Unit CA' });
      const leaf = ca.issueServerCert(['127.0.0.1', '::1', 'localhost', '*.vault.azure.net']);
      const caCert = new X509Certificate(ca.caCertPem);
      const cert = new X509Certificate(leaf.certPem);
      assert.ok(caCert.ca);
      assert.ok(cert.checkIssued(caCert));
      assert.ok(cert.verify(caCert.publicKey));
      assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
      assert.equal(cert.checkIP('::1'), '::1');
      assert.equal(cert.checkHost('mktairlines-kv.vault.azure.net'), '*.vault.azure.net');
      assert.equal(cert.checkHost('example.com'), undefined);
      assert.throws(() => ca.issueServerCert([]), /at least one host name/);
    });

    test('a client that does not trust the CA is refused', async () => {
      await assert.rejects(httpsGet(`${sandbox.origins.keyVault}/secrets?api-version=7.5`), /self[- ]signed|unable to verify|certificate/i);
    });
  });

  describe('Entra ID emulator', () => {
    test('serves an OpenID configuration whose issuer shares the authority origin, and its keys', async () => {
      const response = await httpsGet(`${sandbox.origins.entra}/${scenario.tenantId}/v2.0/.well-known/openid-configuration`, { ca: sandbox.caCertPem });
      assert.equal(response.status, 200);
      const doc = JSON.parse(response.text) as Record<string, string>;
      assert.equal(doc.issuer, `${sandbox.origins.entra}/${scenario.tenantId}/v2.0`);
      assert.equal(doc.token_endpoint, `${sandbox.origins.entra}/${scenario.tenantId}/oauth2/v2.0/token`);
      assert.equal(doc.authorization_endpoint, `${sandbox.origins.entra}/${scenario.tenantId}/oauth2/v2.0/authorize`);
      assert.equal(doc.jwks_uri, `${sandbox.origins.entra}/${scenario.tenantId}/discovery/v2.0/keys`);
      const keys = await httpsGet(doc.jwks_uri ?? '', { ca: sandbox.caCertPem });
      assert.deepEqual(JSON.parse(keys.text), sandbox.entra.publicJwks());
    });

    test('an unknown tenant gets AADSTS90002 from discovery and the token endpoint; the SDK cannot resolve endpoints', async () => {
      const tenant = randomUUID();
      const discovery = await httpsGet(`${sandbox.origins.entra}/${tenant}/v2.0/.well-known/openid-configuration`, { ca: sandbox.caCertPem });
      assert.equal(discovery.status, 400);
      const body = JSON.parse(discovery.text) as Record<string, unknown>;
      assert.equal(body.error, 'invalid_tenant');
      assert.deepEqual(body.error_codes, [90002]);
      assert.match(String(body.error_description), new RegExp(`^AADSTS90002: Tenant '${tenant}' not found\\. .*\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 's'));
      assert.equal(body.error_uri, 'https://login.microsoftonline.com/error?code=90002');
      for (const key of ['timestamp', 'trace_id', 'correlation_id']) assert.equal(typeof body[key], 'string');

      const token = await request('POST', `${sandbox.origins.entra}/${tenant}/oauth2/v2.0/token`, sandbox.caCertPem, { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials');
      assert.equal(token.status, 400);
      assert.deepEqual(json(token).error_codes, [90002]);

      await assert.rejects(credential(() => scenario.createAssertion(), tenant).getToken(VAULT_SCOPE), /endpoints_resolution_error/);
    });

    test('exchanges a self-signed assertion for an access token with the expected claims, and the SDK caches it', async () => {
      const cred = credential(() => selfIssuer.mint());
      const before = sandbox.entra.tokenRequestCount;
      const token = await cred.getToken(VAULT_SCOPE);
      assert.equal(sandbox.entra.tokenRequestCount, before + 1);
      const { payload, protectedHeader } = await jwtVerify(token.token, createLocalJWKSet(sandbox.entra.publicJwks()), {
        issuer: `${sandbox.origins.entra}/${scenario.tenantId}/v2.0`,
        audience: 'https://vault.azure.net',
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(payload.tid, scenario.tenantId);
      assert.equal(payload.appid, scenario.app.clientId);
      assert.equal(payload.azp, scenario.app.clientId);
      assert.equal(payload.oid, scenario.app.objectId);
      assert.ok(token.expiresOnTimestamp > Date.now() + 3000 * 1000);

      await cred.getToken(VAULT_SCOPE);
      assert.equal(sandbox.entra.tokenRequestCount, before + 1, 'second getToken must come from the SDK cache');
    });

    test('rejects an issuer that matches no federated credential (70021 when the subject is unknown too)', async () => {
      const message = await expectAadsts(() => selfIssuer.mint({ iss: 'https://issuer.invalid/other/', sub: 'app:nobody' }), 70021);
      assert.match(message, /Assertion Issuer: 'https:\/\/issuer\.invalid\/other\/'\. Assertion Subject: 'app:nobody'\. Assertion Audience: 'api:\/\/AzureADTokenExchange'/);
    });

    test('rejects a wrong issuer (a missing trailing slash) with 700211', async () => {
      const message = await expectAadsts(() => selfIssuer.mint({ iss: selfIssuer.issuer.replace(/\/$/, '') }), 700211);
      assert.match(message, /presented assertion issuer 'https:\/\/127\.0\.0\.1:\d+\/self-test'/);
    });

    test('matches the issuer case-sensitively', async () => {
      await expectAadsts(() => selfIssuer.mint({ iss: selfIssuer.issuer.replace('self-test', 'Self-Test') }), 700211);
    });

    test('rejects a wrong subject with 700213', async () => {
      const message = await expectAadsts(() => selfIssuer.mint({ sub: 'app:SELF-TEST' }), 700213);
      assert.match(message, /presented assertion subject 'app:SELF-TEST'/);
    });

    test('rejects a wrong audience with 700212', async () => {
      const message = await expectAadsts(() => selfIssuer.mint({ aud: 'api://AzureADTokenExchange/' }), 700212);
      assert.match(message, /presented assertion audience 'api:\/\/AzureADTokenExchange\/'/);
    });

    test('rejects an expired assertion (beyond the clock skew) with 700024', async () => {
      const now = Math.floor(Date.now() / 1000);
      const message = await expectAadsts(() => selfIssuer.mint({ nbf: now - 7200, exp: now - 3600 }), 700024);
      assert.match(message, /Client assertion is not within its valid time range\. Current time: \S+Z, assertion valid from \S+Z, expiry time of assertion \S+Z/);
    });

    test('rejects an assertion not valid yet with 700024', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectAadsts(() => selfIssuer.mint({ nbf: now + 3600, exp: now + 7200 }), 700024);
    });

    test('rejects a bad signature with 700027 and an unknown key id with 7000272', async () => {
      const other = await newRsaKey();
      await expectAadsts(() => selfIssuer.mint({ key: other.key }), 700027);
      const message = await expectAadsts(() => selfIssuer.mint({ key: other.key, kid: other.kid }), 7000272);
      assert.match(message, new RegExp(`certificate with identifier ${other.kid} used to sign the federated credential could not be found`));
    });

    test('rejects non-RSA assertions (Entra supports RS*/PS* only) with 5002738', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const message = await expectAadsts(() => selfIssuer.mint({ key: privateKey, alg: 'ES256' }), 5002738);
      assert.match(message, /'ES256' is not a supported signature algorithm/);
    });

    test('rejects an unknown application with 700016', async () => {
      const clientId = randomUUID();
      const message = await expectAadsts(() => selfIssuer.mint(), 700016, { clientId });
      assert.match(message, new RegExp(`Application with identifier '${clientId}' was not found in the directory 'MKT Airlines'`));
    });

    test('an unreachable, failing or inconsistent issuer gives 90061', async () => {
      sandbox.issuerHost.setMode('unreachable');
      try {
        await expectAadsts(() => selfIssuer.mint(), 90061);
        sandbox.issuerHost.setMode('error500');
        await expectAadsts(() => selfIssuer.mint(), 90061);
      } finally {
        sandbox.issuerHost.setMode('ok');
      }

      // discovery document whose issuer differs from the token's iss
      const { key, jwks } = await newRsaKey();
      const published = sandbox.issuerHost.publishIssuer('/inconsistent', jwks, { extraMetadata: { issuer: 'https://elsewhere.invalid/' } });
      sandbox.addFederatedCredential(scenario.tenantId, scenario.app.clientId, { name: 'inconsistent', issuer: published.issuer, subject: 'app:x', audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE] });
      await expectAadsts(() => selfIssuer.mint({ iss: published.issuer, sub: 'app:x', key, kid: jwks.keys[0]?.kid ?? '' }), 90061);
      assert.match(sandbox.entra.tokenRequests.at(-1)?.detail ?? '', /does not match the token issuer/);

      // JWKS removed at run time
      sandbox.issuerHost.removeDocument(selfIssuer.jwksPath);
      try {
        await expectAadsts(() => selfIssuer.mint(), 90061);
      } finally {
        sandbox.issuerHost.setDocument(selfIssuer.jwksPath, selfIssuer.jwks);
      }
    });

    test('a rotated key published at run time is used at once', async () => {
      const rotated = await newRsaKey();
      sandbox.issuerHost.setDocument(selfIssuer.jwksPath, rotated.jwks);
      try {
        await expectAadsts(() => selfIssuer.mint(), 7000272);
        const token = await credential(() => selfIssuer.mint({ key: rotated.key, kid: rotated.kid })).getToken(VAULT_SCOPE);
        assert.ok(token.token);
      } finally {
        sandbox.issuerHost.setDocument(selfIssuer.jwksPath, selfIssuer.jwks);
      }
    });

    test('an issuer with a real-looking host name (resolved by Entra to loopback) is trusted', async () => {
      const namedHost = await IssuerHost.start({ tls: sandbox.tls, originHost: 'issuer.example.com' });
      try {
        const { key, jwks, kid } = await newRsaKey();
        const { issuer } = namedHost.publishIssuer('/tenant-a', jwks, { trailingSlash: true });
        assert.match(issuer, /^https:\/\/issuer\.example\.com:\d+\/tenant-a\/$/);
        sandbox.addFederatedCredential(scenario.tenantId, scenario.app.clientId, { name: 'named-host', issuer, subject: 'app:named', audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE] });
        const token = await credential(() => selfIssuer.mint({ iss: issuer, sub: 'app:named', key, kid })).getToken(VAULT_SCOPE);
        assert.ok(token.token);
        assert.ok(namedHost.requests.some((r) => r.host.startsWith('issuer.example.com:')));
      } finally {
        await namedHost.close();
      }
    });

    test('rejects a scope without /.default and an unknown resource', async () => {
      const badScope = await request('POST', sandbox.entra.tokenEndpointFor(scenario.tenantId), sandbox.caCertPem, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'client_credentials', client_id: scenario.app.clientId, scope: 'https://vault.azure.net/secrets.read', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await selfIssuer.mint() }).toString());
      assert.equal(badScope.status, 400);
      assert.equal(json(badScope).error, 'invalid_scope');
      assert.deepEqual(json(badScope).error_codes, [1002012]);
      const unknown = await request('POST', sandbox.entra.tokenEndpointFor(scenario.tenantId), sandbox.caCertPem, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'client_credentials', client_id: scenario.app.clientId, scope: 'api://unknown/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await selfIssuer.mint() }).toString());
      assert.deepEqual(json(unknown).error_codes, [500011]);
      const missing = await request('POST', sandbox.entra.tokenEndpointFor(scenario.tenantId), sandbox.caCertPem, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'client_credentials', client_id: scenario.app.clientId, scope: VAULT_SCOPE }).toString());
      assert.equal(missing.status, 401);
      assert.equal(json(missing).error, 'invalid_client');
      assert.deepEqual(json(missing).error_codes, [7000218]);
    });
  });

  describe('Key Vault emulator', () => {
    test('challenges an unauthenticated request with the tenant authority and the vault resource', async () => {
      const response = await request('GET', `${scenario.vault.vaultUrl}/secrets?api-version=7.5`, sandbox.caCertPem);
      assert.equal(response.status, 401);
      assert.equal(response.headers['www-authenticate'], `Bearer authorization="${sandbox.origins.entra}/${scenario.tenantId}", resource="https://vault.azure.net"`);
      assert.deepEqual(json(response), { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
    });

    test('rejects tokens with a foreign signature, the wrong audience or an expired lifetime', async () => {
      const url = `${scenario.vault.vaultUrl}/secrets/flights-client-id?api-version=7.5`;
      const forged = await selfIssuer.mint({ iss: `${sandbox.origins.entra}/${scenario.tenantId}/v2.0`, aud: 'https://vault.azure.net' });
      const forgedResponse = await request('GET', url, sandbox.caCertPem, { authorization: `Bearer ${forged}` });
      assert.equal(forgedResponse.status, 401);
      assert.match(String((json(forgedResponse).error as Record<string, unknown>).message), /AKV10046/);

      const armToken = await credential(() => selfIssuer.mint()).getToken('https://management.azure.com/.default');
      const wrongAudience = await request('GET', url, sandbox.caCertPem, { authorization: `Bearer ${armToken.token}` });
      assert.equal(wrongAudience.status, 401);
      assert.equal((json(wrongAudience).error as Record<string, unknown>).code, 'Unauthorized');
      assert.match(String((json(wrongAudience).error as Record<string, unknown>).message), /^AKV10022: Invalid audience\. Expected https:\/\/vault\.azure\.net, found: https:\/\/management\.azure\.com\./);
      assert.ok(wrongAudience.headers['www-authenticate']);
    });

    test('lists 10,000+ secrets completely through nextLink paging, without values', async () => {
      const requestsBefore = sandbox.keyVault.requestCount;
      const started = Date.now();
      const names = new Set<string>();
      for await (const properties of client.listPropertiesOfSecrets()) {
        names.add(properties.name);
        assert.equal((properties as { value?: unknown }).value, undefined);
      }
      assert.equal(names.size, BULK_SECRET_COUNT + 2);
      assert.ok(names.has('bulk-00000') && names.has('bulk-09999') && names.has('FlightsAppClientSecret') && names.has('flights-client-id'));
      const pages = Math.ceil((BULK_SECRET_COUNT + 2) / 25);
      assert.ok(sandbox.keyVault.requestCount - requestsBefore >= pages, 'one request per page of 25');
      assert.ok(Date.now() - started < 30_000, `listing took ${Date.now() - started} ms`);
    });

    test('a real-looking vault host name pinned to loopback passes the SDK challenge-resource check', async () => {
      const port = new URL(scenario.vault.vaultUrl).port;
      const lookup: LookupFunction = (hostname, options, callback) => {
        assert.equal(hostname, 'mktairlines-kv.vault.azure.net');
        if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      };
      const agent = new https.Agent({ ca: sandbox.caCertPem, lookup });
      try {
        const pinned = new SecretClient(`https://mktairlines-kv.vault.azure.net:${port}`, credential(() => scenario.createAssertion()), { agent });
        const secret = await pinned.getSecret('flights-client-id');
        assert.equal(secret.value, scenario.oauth.clientId);
        assert.equal(secret.properties.vaultUrl, `https://mktairlines-kv.vault.azure.net:${port}`);
      } finally {
        agent.destroy();
      }
    });

    test('pages honour maxresults and link to the next page with an absolute URL and a $skiptoken', async () => {
      const pager = client.listPropertiesOfSecrets().byPage({ maxPageSize: 5 });
      const first = await pager.next();
      assert.equal(first.done, false);
      assert.equal(first.value.length, 5);
      const tail = sandbox.keyVault.requests.at(-1);
      assert.match(tail?.url ?? '', /maxresults=5/);
      const response = await request('GET', `${scenario.vault.vaultUrl}/secrets?api-version=7.5&maxresults=3`, sandbox.caCertPem, { authorization: tail?.authorization ?? '' });
      const page = json(response) as { value: { id: string }[]; nextLink: string };
      assert.equal(page.value.length, 3);
      assert.match(page.nextLink, new RegExp(`^${scenario.vault.vaultUrl.replace(/[.]/g, '\\.')}/secrets\\?api-version=7\\.5&\\$skiptoken=[^&]+&maxresults=3$`));
      const tooMany = await request('GET', `${scenario.vault.vaultUrl}/secrets?api-version=7.5&maxresults=26`, sandbox.caCertPem, { authorization: tail?.authorization ?? '' });
      assert.equal(tooMany.status, 400);
      assert.equal((json(tooMany).error as Record<string, unknown>).code, 'BadParameter');
    });

    test('gets a secret (latest and by version) and lists its versions', async () => {
      const secret = await client.getSecret('FlightsAppClientSecret');
      assert.equal(secret.value, scenario.oauth.clientSecret);
      assert.equal(secret.properties.contentType, 'text/plain');
      assert.deepEqual(secret.properties.tags, { app: 'flights' });
      assert.equal(secret.properties.recoveryLevel, 'Recoverable+Purgeable');

      const v1 = sandbox.putSecret('rotating', 'first');
      const v2 = sandbox.putSecret('rotating', 'second');
      assert.equal((await client.getSecret('rotating')).value, 'second');
      assert.equal((await client.getSecret('rotating', { version: v1.version })).value, 'first');
      const versions: string[] = [];
      for await (const p of client.listPropertiesOfSecretVersions('rotating')) versions.push(p.version ?? '');
      assert.deepEqual(versions.sort(), [v1.version, v2.version].sort());
      assert.equal((await client.getSecret('ROTATING')).name, 'rotating', 'names are case-insensitive');
    });

    test('a missing secret is 404 SecretNotFound', async () => {
      await assert.rejects(client.getSecret('does-not-exist'), (error: unknown) => {
        const e = error as { statusCode?: number; code?: string; message: string };
        assert.equal(e.statusCode, 404);
        assert.equal(e.code, 'SecretNotFound');
        assert.match(e.message, /A secret with \(name\/id\) does-not-exist was not found in this key vault/);
        return true;
      });
    });

    test('a disabled secret is 403 with innererror SecretDisabled, but is still listed', async () => {
      sandbox.putSecret('disabled-secret', 'hidden', { enabled: false });
      await assert.rejects(client.getSecret('disabled-secret'), (error: unknown) => {
        const e = error as { statusCode?: number; code?: string; message: string; details?: unknown };
        assert.equal(e.statusCode, 403);
        assert.equal(e.code, 'Forbidden');
        assert.match(e.message, /Operation get is not allowed on a disabled secret\./);
        return true;
      });
      const raw = await request('GET', `${scenario.vault.vaultUrl}/secrets/disabled-secret?api-version=7.5`, sandbox.caCertPem, { authorization: sandbox.keyVault.requests.at(-1)?.authorization ?? '' });
      assert.deepEqual(json(raw), { error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.', innererror: { code: 'SecretDisabled' } } });
    });

    test('an expired secret is still readable, as Azure does not enforce exp on reads', async () => {
      const expiresOn = new Date(Date.now() - 24 * 3600 * 1000);
      sandbox.putSecret('expired-secret', 'old-value', { expiresOn });
      const secret = await client.getSecret('expired-secret');
      assert.equal(secret.value, 'old-value');
      assert.ok(secret.properties.expiresOn && secret.properties.expiresOn.getTime() < Date.now());
    });

    test('without list permission, listing is 403 AccessDenied while get still works', async () => {
      const appId = randomUUID();
      sandbox.addApp(scenario.tenantId, appId, { displayName: 'get-only' });
      sandbox.addFederatedCredential(scenario.tenantId, appId, { name: 'get-only', issuer: selfIssuer.issuer, subject: 'app:get-only', audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE] });
      sandbox.grant(appId, ['get']);
      const getOnly = new SecretClient(scenario.vault.vaultUrl, credential(() => selfIssuer.mint({ sub: 'app:get-only' }), scenario.tenantId, appId), clientOptions);
      assert.equal((await getOnly.getSecret('flights-client-id')).value, scenario.oauth.clientId);
      // The SDK's pager reports only the status and the error code (its message is generic).
      await assert.rejects(getOnly.listPropertiesOfSecrets().next(), (error: unknown) => {
        const e = error as { statusCode?: number; code?: string; message: string };
        assert.equal(e.statusCode, 403);
        assert.equal(e.code, 'Forbidden');
        return true;
      });
      const token = sandbox.keyVault.requests.at(-1)?.authorization ?? '';
      const raw = await request('GET', `${scenario.vault.vaultUrl}/secrets?api-version=7.5`, sandbox.caCertPem, { authorization: token });
      assert.equal(raw.status, 403);
      const error = json(raw).error as { code: string; message: string; innererror: { code: string } };
      assert.equal(error.code, 'Forbidden');
      assert.equal(error.innererror.code, 'AccessDenied');
      assert.match(error.message, new RegExp(`^The user, group or application 'appid=${appId};oid=[0-9a-f-]{36};iss=https://127\\.0\\.0\\.1:\\d+/${scenario.tenantId}/v2\\.0' does not have secrets list permission on key vault 'mktairlines-kv;location=westeurope'\\. For help resolving this issue, please see https://go\\.microsoft\\.com/fwlink/\\?linkid=2125287$`));
    });

    test('429 with Retry-After is retried by the SDK and then succeeds', async () => {
      const throttledBefore = sandbox.keyVault.throttledCount;
      sandbox.throttleNext(1, 1);
      const started = Date.now();
      const secret = await client.getSecret('flights-client-id');
      assert.equal(secret.value, scenario.oauth.clientId);
      assert.equal(sandbox.keyVault.throttledCount, throttledBefore + 1);
      assert.ok(Date.now() - started >= 900, 'the SDK waited for Retry-After');
    });

    test('the throttling answer has the real body and header', async () => {
      const token = sandbox.keyVault.requests.findLast((r) => r.authorization?.startsWith('Bearer '))?.authorization ?? '';
      sandbox.throttleNext(1, 7);
      const raw = await request('GET', `${scenario.vault.vaultUrl}/secrets?api-version=7.5`, sandbox.caCertPem, { authorization: token });
      assert.equal(raw.status, 429);
      assert.equal(raw.headers['retry-after'], '7');
      assert.deepEqual(json(raw), { error: { code: 'Throttled', message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached' } });
    });

    test('an RBAC vault in another tenant: the SDK needs additionallyAllowedTenants, then gets ForbiddenByRbac', async () => {
      const otherTenant = randomUUID();
      sandbox.addTenant(otherTenant, 'Other Directory');
      sandbox.addApp(otherTenant, scenario.app.clientId, { displayName: 'MKTAirlines' });
      sandbox.addFederatedCredential(otherTenant, scenario.app.clientId, { name: 'self-test', issuer: selfIssuer.issuer, subject: 'app:self-test', audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE] });
      const otherVault = await KeyVaultEmulator.start({
        tls: sandbox.tls,
        tenantId: otherTenant,
        authority: sandbox.origins.entra,
        trustedCa: sandbox.caCertPem,
        vaultName: 'other-kv',
        permissionModel: 'rbac',
        enforceSecretValidityPeriod: true,
      });
      extraVaults.push(otherVault);
      otherVault.putSecret('s1', 'v1');
      otherVault.putSecret('old', 'v', { expiresOn: new Date(Date.now() - 3600_000) });

      const strict = new SecretClient(otherVault.vaultUrl, credential(() => selfIssuer.mint()), clientOptions);
      await assert.rejects(strict.getSecret('s1'), /not configured to acquire tokens for tenant/);

      const allowed = new SecretClient(
        otherVault.vaultUrl,
        credential(() => selfIssuer.mint(), scenario.tenantId, scenario.app.clientId, { additionallyAllowedTenants: [otherTenant] }),
        clientOptions,
      );
      await assert.rejects(allowed.getSecret('s1'), (error: unknown) => {
        const e = error as { statusCode?: number; message: string };
        assert.equal(e.statusCode, 403);
        assert.match(e.message, /^Caller is not authorized to perform action on resource\.\r\n/);
        assert.match(e.message, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/getSecret\/action'/);
        return true;
      });
      otherVault.grant(scenario.app.clientId, ['get']);
      assert.equal((await allowed.getSecret('s1')).value, 'v1');
      await assert.rejects(allowed.getSecret('old'), /Operation get is not allowed on an expired secret/);

    });
  });

  describe('OAuth 2.0 server (oidc-provider)', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    async function verifyAccessToken(accessToken: string) {
      const discovery = await httpsGet(sandbox.oauth.discoveryUrl, { ca: sandbox.caCertPem });
      const metadata = JSON.parse(discovery.text) as { issuer: string; jwks_uri: string; token_endpoint: string };
      assert.equal(metadata.issuer, sandbox.oauth.issuer);
      assert.equal(metadata.token_endpoint, scenario.oauth.tokenEndpoint);
      const jwks = JSON.parse((await httpsGet(metadata.jwks_uri, { ca: sandbox.caCertPem })).text) as JSONWebKeySet;
      return jwtVerify(accessToken, createLocalJWKSet(jwks), { issuer: metadata.issuer });
    }

    test('client credentials with client_secret_basic issues a signed JWT for the API', async () => {
      const basic = Buffer.from(`${encodeURIComponent(scenario.oauth.clientId)}:${encodeURIComponent(scenario.oauth.clientSecret)}`).toString('base64');
      const response = await request('POST', scenario.oauth.tokenEndpoint, sandbox.caCertPem, { ...form, authorization: `Basic ${basic}` }, 'grant_type=client_credentials&scope=flights.read');
      assert.equal(response.status, 200, response.text);
      const body = json(response);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.scope, 'flights.read');
      const { payload } = await verifyAccessToken(String(body.access_token));
      assert.equal(payload.sub, scenario.oauth.clientId);
      assert.equal(payload.aud, scenario.oauth.resource);
      assert.equal(payload.scope, 'flights.read');
    });

    test('client credentials with client_secret_post, and the errors of a wrong secret or method', async () => {
      sandbox.oauth.addClient({ clientId: 'post-client', clientSecret: 'post-secret', authMethod: 'client_secret_post', defaultResource: scenario.oauth.resource });
      const ok = await request('POST', scenario.oauth.tokenEndpoint, sandbox.caCertPem, form, 'grant_type=client_credentials&scope=flights.read&client_id=post-client&client_secret=post-secret');
      assert.equal(ok.status, 200, ok.text);
      const { payload } = await verifyAccessToken(String(json(ok).access_token));
      assert.equal(payload.client_id, 'post-client');

      const wrongSecret = await request('POST', scenario.oauth.tokenEndpoint, sandbox.caCertPem, form, 'grant_type=client_credentials&client_id=post-client&client_secret=nope');
      assert.equal(wrongSecret.status, 401);
      assert.equal(json(wrongSecret).error, 'invalid_client');

      // oidc-provider treats client_secret_basic and client_secret_post as interchangeable shared-secret methods.
      const basic = Buffer.from('post-client:post-secret').toString('base64');
      const viaBasic = await request('POST', scenario.oauth.tokenEndpoint, sandbox.caCertPem, { ...form, authorization: `Basic ${basic}` }, 'grant_type=client_credentials');
      assert.equal(viaBasic.status, 200, viaBasic.text);
      const methods = sandbox.oauth.tokenRequests.slice(-3).map((r) => r.clientAuthentication);
      assert.deepEqual(methods, ['client_secret_post', 'client_secret_post', 'client_secret_basic']);
      const unknownClient = await request('POST', scenario.oauth.tokenEndpoint, sandbox.caCertPem, form, 'grant_type=client_credentials&client_id=nobody&client_secret=x');
      assert.equal(unknownClient.status, 401);
      assert.equal(json(unknownClient).error, 'invalid_client');
      assert.ok(sandbox.oauth.tokenRequestCount >= 4);
    });

    test('its JWT is accepted by the Entra emulator as a federated assertion (Okta-like external issuer)', async () => {
      sandbox.oauth.addClient({ clientId: 'okta-workload', clientSecret: 'okta-secret', defaultResource: ENTRA_TOKEN_EXCHANGE_AUDIENCE });
      sandbox.addFederatedCredential(scenario.tenantId, scenario.app.clientId, { name: 'okta', issuer: sandbox.oauth.issuer, subject: 'okta-workload', audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE] });
      const getAssertion = async (): Promise<string> => {
        const basic = Buffer.from('okta-workload:okta-secret').toString('base64');
        const response = await request('POST', sandbox.oauth.tokenEndpoint, sandbox.caCertPem, { ...form, authorization: `Basic ${basic}` }, 'grant_type=client_credentials');
        assert.equal(response.status, 200, response.text);
        return String(json(response).access_token);
      };
      const oktaClient = new SecretClient(scenario.vault.vaultUrl, credential(getAssertion), clientOptions);
      assert.equal((await oktaClient.getSecret('flights-client-id')).value, scenario.oauth.clientId);
    });
  });

  describe('who saw a bearer token', () => {
    test('only Key Vault received bearer tokens; Entra, the issuer host and the OAuth server did not', () => {
      assert.ok(sandbox.keyVault.httpsHost.sawBearerToken());
      assert.equal(sandbox.entra.httpsHost.sawBearerToken(), false);
      assert.equal(sandbox.issuerHost.httpsHost.sawBearerToken(), false);
      assert.equal(sandbox.oauth.httpsHost.sawBearerToken(), false);
      assert.ok(sandbox.issuerHost.requests.length > 0);
    });
  });

  describe('sandbox', () => {
    test('seeds the article scenario once', async () => {
      assert.equal(await sandbox.seedSampleScenario(), scenario);
      assert.equal(scenario.app.displayName, 'MKTAirlines');
      assert.equal(scenario.issuer.issuerUrl, `${sandbox.origins.issuerHost}/mktairlines/`);
      assert.deepEqual(scenario.vault.secretNames, { clientSecret: 'FlightsAppClientSecret', clientId: 'flights-client-id' });
      const token = await credential(() => scenario.createAssertion()).getToken(VAULT_SCOPE);
      assert.ok(token.token);
    });
  });

});
