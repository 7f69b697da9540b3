/**
 * Starts the whole emulated cloud on loopback: a throw-away CA, the Entra ID emulator, the Key Vault emulator,
 * an issuer host for self-published OIDC documents, and an OAuth 2.0 server — wired together (Entra trusts the CA
 * when it fetches issuer documents; Key Vault trusts Entra's keys and challenges with its tenant).
 *
 * Nothing is seeded by default. `seedSampleScenario()` creates the MKTAirlines scenario of the seed article.
 * Used in-process by integration tests (random ports) and by the sandbox script (fixed ports).
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { DEFAULT_SERVER_HOSTNAMES, createTestCa, type ServerCertificate, type TestCa } from './ca';
import { DEFAULT_FEDERATION_AUDIENCE, EntraEmulator, type EntraApp, type EntraTenant, type FederatedCredential } from './entra';
import { IssuerHost } from './issuer-host';
import { KeyVaultEmulator, type SecretAttributesInput, type SecretPermission } from './keyvault';
import { OAuthServer } from './oauth-server';

export interface SandboxPorts {
  entra?: number;
  keyVault?: number;
  issuerHost?: number;
  oauth?: number;
}

export interface SandboxOptions {
  /** Fixed ports; omitted ones are picked at random. */
  ports?: SandboxPorts;
  /** Host name in the origins (default 127.0.0.1). A non-IP name listens on 127.0.0.1. */
  hostname?: string;
  /** Tenant the vault belongs to (created in Entra). Default: SAMPLE_TENANT_ID. */
  vaultTenantId?: string;
  vaultName?: string;
  permissionModel?: 'accessPolicy' | 'rbac';
  /** Extra host names for the TLS certificate (e.g. realistic issuer host names pinned to loopback). */
  extraHostnames?: string[];
  /** Host names Entra resolves to loopback addresses itself when it fetches issuer documents. */
  hostOverrides?: Record<string, string>;
}

/**
 * Options of `seedSampleScenario()`, to match a given set of config files (e.g. `samples/`) exactly. Every
 * field defaults to the built-in MKTAirlines scenario. The tenant is the sandbox's `vaultTenantId`
 * (an option of `startSandbox`).
 */
export interface SeedOptions {
  /** The app registration's client id (the federation's `azure.clientId`). */
  clientId?: string;
  appDisplayName?: string;
  /** Federated credential subject and audience (the federation's `issuer.subject` / `issuer.audience`). */
  subject?: string;
  audience?: string;
  /** Path of the self issuer on the issuer host (default `/mktairlines`) and whether its URL ends in "/". */
  issuerPath?: string;
  issuerTrailingSlash?: boolean;
  /**
   * PKCS#8 PEM of an RSA key to use as the self issuer's signing key (e.g. one written by
   * `federated-secrets issuer keygen`). Default: a fresh key generated here.
   */
  signingKeyPem?: string;
  /** The OAuth client the auth profile uses; its id and secret are also stored as vault secrets. */
  oauthClient?: { clientId: string; clientSecret: string };
}

export interface SandboxOrigins {
  entra: string;
  keyVault: string;
  issuerHost: string;
  oauth: string;
}

export interface SampleScenario {
  tenantId: string;
  /** Entra authority host for the credential (`authorityHost`). */
  authorityHost: string;
  app: { displayName: string; clientId: string; objectId: string };
  /** The self issuer published on the issuer host; its private key signs client assertions. */
  issuer: {
    issuerUrl: string;
    subject: string;
    audience: string;
    alg: 'RS256';
    kid: string;
    privateKeyPem: string;
    privateJwk: JWK;
  };
  scope: string;
  vault: {
    vaultUrl: string;
    vaultName: string;
    secretNames: { clientSecret: string; clientId: string };
  };
  oauth: {
    tokenEndpoint: string;
    clientId: string;
    clientSecret: string;
    authMethod: 'client_secret_basic';
    scopes: string[];
    resource: string;
  };
  /** Mints a fresh client assertion (lifetime 10 minutes) signed by the issuer key. */
  createAssertion(overrides?: { issuer?: string; subject?: string; audience?: string; expiresInSeconds?: number }): Promise<string>;
}

export interface Sandbox {
  caCertPem: string;
  /** The CA, to issue certificates for further emulator instances. */
  ca: TestCa;
  /** The server certificate all sandbox hosts use (loopback names and `*.vault.azure.net`). */
  tls: ServerCertificate;
  origins: SandboxOrigins;
  vaultTenantId: string;
  entra: EntraEmulator;
  keyVault: KeyVaultEmulator;
  issuerHost: IssuerHost;
  oauth: OAuthServer;
  addTenant(tenantId: string, displayName?: string): EntraTenant;
  addApp(tenantId: string, clientId: string, options?: { displayName?: string; objectId?: string; clientSecrets?: string[] }): EntraApp;
  addFederatedCredential(tenantId: string, clientId: string, credential: FederatedCredential): void;
  putSecret(name: string, value: string, attributes?: SecretAttributesInput): { id: string; version: string };
  /** Grants Key Vault secret permissions to an app (client id) or object id. */
  grant(identity: string, permissions: SecretPermission[]): void;
  throttleNext(count: number, retryAfterSeconds?: number): void;
  /** Seeds the scenario once; later calls return the same scenario (their options are ignored). */
  seedSampleScenario(options?: SeedOptions): Promise<SampleScenario>;
  stop(): Promise<void>;
}

export const SAMPLE_TENANT_ID = '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b';
export const SAMPLE_CLIENT_ID = '8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e';
export const SAMPLE_VAULT_NAME = 'mktairlines-kv';
export const SAMPLE_SUBJECT = 'app:mktairlines';
export const SAMPLE_FLIGHTS_RESOURCE = 'https://flights.example.com/api';

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const hostname = options.hostname ?? '127.0.0.1';
  const listenHost = isIP(hostname) ? hostname : '127.0.0.1';
  const ca = createTestCa();
  const tls = ca.issueServerCert([...new Set([...DEFAULT_SERVER_HOSTNAMES, hostname, ...(options.extraHostnames ?? [])])]);
  const hostOptions = (port: number | undefined) => ({ tls, listenHost, originHost: hostname, ...(port === undefined ? {} : { port }) });
  const vaultTenantId = options.vaultTenantId ?? SAMPLE_TENANT_ID;
  const started: { close(): Promise<void> }[] = [];

  try {
    const entra = await EntraEmulator.start({
      ...hostOptions(options.ports?.entra),
      trustedCa: ca.caCertPem,
      ...(options.hostOverrides ? { hostOverrides: options.hostOverrides } : {}),
    });
    started.push(entra);
    entra.addTenant(vaultTenantId, { displayName: 'MKT Airlines' });

    const keyVault = await KeyVaultEmulator.start({
      ...hostOptions(options.ports?.keyVault),
      tenantId: vaultTenantId,
      authority: entra.origin,
      trustedCa: ca.caCertPem,
      vaultName: options.vaultName ?? SAMPLE_VAULT_NAME,
      ...(options.permissionModel ? { permissionModel: options.permissionModel } : {}),
    });
    started.push(keyVault);

    const issuerHost = await IssuerHost.start(hostOptions(options.ports?.issuerHost));
    started.push(issuerHost);

    const oauth = await OAuthServer.start(hostOptions(options.ports?.oauth));
    started.push(oauth);

    let scenario: SampleScenario | undefined;

    const sandbox: Sandbox = {
      caCertPem: ca.caCertPem,
      ca,
      tls,
      origins: { entra: entra.origin, keyVault: keyVault.origin, issuerHost: issuerHost.origin, oauth: oauth.origin },
      vaultTenantId,
      entra,
      keyVault,
      issuerHost,
      oauth,
      addTenant: (tenantId, displayName) => entra.addTenant(tenantId, displayName === undefined ? {} : { displayName }),
      addApp: (tenantId, clientId, appOptions) => entra.addApp(tenantId, clientId, appOptions),
      addFederatedCredential: (tenantId, clientId, credential) => entra.addFederatedCredential(tenantId, clientId, credential),
      putSecret: (name, value, attributes) => keyVault.putSecret(name, value, attributes),
      grant: (identity, permissions) => keyVault.grant(identity, permissions),
      throttleNext: (count, retryAfterSeconds) => keyVault.throttleNext(count, retryAfterSeconds),
      async seedSampleScenario(seedOptions: SeedOptions = {}): Promise<SampleScenario> {
        scenario ??= await seed(sandbox, seedOptions);
        return scenario;
      },
      async stop(): Promise<void> {
        await Promise.all(started.map((s) => s.close()));
      },
    };
    return sandbox;
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw error;
  }
}

async function signingKey(pem: string | undefined): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  if (pem === undefined) {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    return { privateKey, publicJwk: await exportJWK(publicKey) };
  }
  const privateKey = await importPKCS8(pem, 'RS256', { extractable: true });
  const { kty, n, e } = await exportJWK(privateKey);
  if (kty !== 'RSA' || !n || !e) throw new Error('seedSampleScenario: signingKeyPem must be an RSA private key (Entra accepts only RSA-signed assertions)');
  return { privateKey, publicJwk: { kty, n, e } };
}

async function seed(sandbox: Sandbox, options: SeedOptions): Promise<SampleScenario> {
  const tenantId = sandbox.vaultTenantId;
  const clientId = options.clientId ?? SAMPLE_CLIENT_ID;
  const subject = options.subject ?? SAMPLE_SUBJECT;
  const audience = options.audience ?? DEFAULT_FEDERATION_AUDIENCE;
  const app = sandbox.addApp(tenantId, clientId, { displayName: options.appDisplayName ?? 'MKTAirlines' });

  // The self issuer: a signing key whose public half is published on the issuer host.
  const { privateKey, publicJwk } = await signingKey(options.signingKeyPem);
  const kid = await calculateJwkThumbprint(publicJwk);
  const published = sandbox.issuerHost.publishIssuer(options.issuerPath ?? '/mktairlines', { keys: [{ ...publicJwk, kid, use: 'sig', alg: 'RS256' }] }, { trailingSlash: options.issuerTrailingSlash ?? true });
  sandbox.addFederatedCredential(tenantId, clientId, {
    name: 'mktairlines-self-issuer',
    issuer: published.issuer,
    subject,
    audiences: [audience],
  });
  sandbox.grant(clientId, ['list', 'get']);

  // The API the auth profile calls, and its OAuth client whose credentials live in the vault.
  const oauthClientId = options.oauthClient?.clientId ?? 'flights-app';
  const oauthClientSecret = options.oauthClient?.clientSecret ?? 'flights-app-secret-for-emulator-only';
  sandbox.oauth.addResourceServer({ identifier: SAMPLE_FLIGHTS_RESOURCE, scopes: ['flights.read', 'flights.write'] });
  sandbox.oauth.addClient({
    clientId: oauthClientId,
    clientSecret: oauthClientSecret,
    authMethod: 'client_secret_basic',
    scopes: ['flights.read'],
    defaultResource: SAMPLE_FLIGHTS_RESOURCE,
  });
  sandbox.putSecret('FlightsAppClientSecret', oauthClientSecret, { contentType: 'text/plain', tags: { app: 'flights' } });
  sandbox.putSecret('flights-client-id', oauthClientId, { contentType: 'text/plain', tags: { app: 'flights' } });

  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const privateKeyPem = await exportPKCS8(privateKey);

  return {
    tenantId,
    authorityHost: sandbox.origins.entra,
    app: { displayName: app.displayName, clientId: app.clientId, objectId: app.objectId },
    issuer: {
      issuerUrl: published.issuer,
      subject,
      audience,
      alg: 'RS256',
      kid,
      privateKeyPem,
      privateJwk,
    },
    scope: 'https://vault.azure.net/.default',
    vault: {
      vaultUrl: sandbox.keyVault.vaultUrl,
      vaultName: sandbox.keyVault.vaultName,
      secretNames: { clientSecret: 'FlightsAppClientSecret', clientId: 'flights-client-id' },
    },
    oauth: {
      tokenEndpoint: sandbox.oauth.tokenEndpoint,
      clientId: oauthClientId,
      clientSecret: oauthClientSecret,
      authMethod: 'client_secret_basic',
      scopes: ['flights.read'],
      resource: SAMPLE_FLIGHTS_RESOURCE,
    },
    createAssertion: (overrides = {}) =>
      mintAssertion(privateKey, kid, {
        issuer: overrides.issuer ?? published.issuer,
        subject: overrides.subject ?? subject,
        audience: overrides.audience ?? audience,
        expiresInSeconds: overrides.expiresInSeconds ?? 600,
      }),
  };
}

async function mintAssertion(
  key: CryptoKey,
  kid: string,
  claims: { issuer: string; subject: string; audience: string; expiresInSeconds: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + claims.expiresInSeconds)
    .setJti(randomUUID())
    .sign(key);
}
