/**
 * Microsoft Entra ID emulator: OpenID discovery, signing keys, and the v2.0 token endpoint for the client
 * credentials grant with a federated client assertion (workload identity federation) — or a client secret.
 *
 * It checks the assertion the way Entra does: the app's federated identity credentials are matched exactly
 * (case-sensitive, trailing slash significant) on issuer, subject and audience; the issuer's
 * `/.well-known/openid-configuration` and `jwks_uri` are fetched over HTTPS (trusting the test CA); the
 * signature must be RSA (RS256/384/512, PS256/384/512), and exp/nbf are checked with a small clock skew.
 * Failures come back in Entra's error JSON shape with the AADSTS code and a description modelled on the real one.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  SignJWT,
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import {
  FetchError,
  HttpsHost,
  errorMessage,
  httpsGet,
  parseJsonObject,
  readBody,
  sendJson,
  type HttpsHostOptions,
  type RecordedRequest,
} from './https-host';

export const CLIENT_ASSERTION_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const DEFAULT_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** Algorithms Entra accepts for federated identity credential assertions (RSA only). */
const SUPPORTED_ASSERTION_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;

const WIF_DOC = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

export interface FederatedCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description?: string;
}

export interface EntraApp {
  clientId: string;
  displayName: string;
  /** Object id of the app's service principal in the tenant (the `oid` of its access tokens). */
  objectId: string;
  federatedCredentials: FederatedCredential[];
  clientSecrets: string[];
}

export interface EntraTenant {
  tenantId: string;
  displayName: string;
  apps: Map<string, EntraApp>;
}

export interface EntraEmulatorOptions extends Partial<HttpsHostOptions> {
  tls: HttpsHostOptions['tls'];
  /** CA certificate(s) trusted when fetching an external issuer's discovery document and JWKS. */
  trustedCa?: string | string[];
  /** Host names the emulator resolves itself when fetching issuer documents (e.g. `issuer.example.com` → 127.0.0.1). */
  hostOverrides?: Record<string, string>;
  /** Allowed clock skew for exp/nbf of client assertions. Default 300 s. */
  clockSkewSeconds?: number;
  /** Lifetime of issued access tokens. Default 3599 s (what Entra reports). */
  accessTokenLifetimeSeconds?: number;
  /** Timeout for fetching issuer documents. Default 3000 ms. */
  externalFetchTimeoutMs?: number;
  /** Resources (application ID URIs) that exist in every tenant. Default: Key Vault, ARM, Graph, Storage. */
  knownResources?: string[];
}

export type TokenRequestOutcome = 'success' | 'error';

export interface TokenRequestRecord {
  tenant: string;
  clientId: string | undefined;
  scope: string | undefined;
  outcome: TokenRequestOutcome;
  /** The AADSTS code of a failed request. */
  errorCode?: number;
  /** Why the emulator failed the request (more detail than Entra gives; for test diagnostics). */
  detail?: string;
  at: Date;
}

interface EntraErrorSpec {
  status: 400 | 401;
  error: string;
  code: number;
  text: string;
  detail?: string;
}

class EntraError extends Error {
  constructor(readonly spec: EntraErrorSpec) {
    super(`AADSTS${spec.code}: ${spec.text}`);
  }
}

function fail(error: string, code: number, text: string, detail?: string): never {
  const status = error === 'invalid_client' ? 401 : 400;
  throw new EntraError({ status, error, code, text, ...(detail === undefined ? {} : { detail }) });
}

/** "2024-03-01 07:41:07Z", Entra's timestamp format in error descriptions. */
function entraTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** "2024-10-02T22:05:03.6755165Z", the .NET round-trip format used inside AADSTS700024. */
function roundTripTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

function audienceText(aud: JWTPayload['aud']): string {
  return Array.isArray(aud) ? aud.join(', ') : (aud ?? '');
}

function audienceList(aud: JWTPayload['aud']): string[] {
  if (Array.isArray(aud)) return aud;
  return aud === undefined ? [] : [aud];
}

/** OpenID Connect Discovery 1.0 §4: strip a terminating "/" and append the well-known path. */
export function discoveryUrlFor(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

const DEFAULT_RESOURCES = [
  'https://vault.azure.net',
  'https://management.azure.com',
  'https://graph.microsoft.com',
  'https://storage.azure.com',
];

export class EntraEmulator {
  private readonly host: HttpsHost;
  private readonly tenants = new Map<string, EntraTenant>();
  private readonly resources: Set<string>;
  /** Every token endpoint call, in order. */
  readonly tokenRequests: TokenRequestRecord[] = [];
  private signingKey: CryptoKey | undefined;
  private publicJwk: JWK | undefined;

  private constructor(private readonly options: EntraEmulatorOptions) {
    this.host = new HttpsHost((req, res) => this.handle(req, res));
    this.resources = new Set((options.knownResources ?? DEFAULT_RESOURCES).map((r) => r.replace(/\/$/, '')));
  }

  static async start(options: EntraEmulatorOptions): Promise<EntraEmulator> {
    const emulator = new EntraEmulator(options);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    emulator.signingKey = privateKey;
    emulator.publicJwk = { ...jwk, kid, use: 'sig', alg: 'RS256' };
    await emulator.host.listen({ ...options, tls: options.tls });
    return emulator;
  }

  /** `https://host:port` — pass as `authorityHost`. */
  get origin(): string {
    return this.host.origin;
  }

  /** Requests received by this host (method, url, host, Authorization header). */
  get requests(): RecordedRequest[] {
    return this.host.requests;
  }

  get httpsHost(): HttpsHost {
    return this.host;
  }

  /** Number of calls to the token endpoint (successful or not). */
  get tokenRequestCount(): number {
    return this.tokenRequests.length;
  }

  get issuedTokenCount(): number {
    return this.tokenRequests.filter((r) => r.outcome === 'success').length;
  }

  issuerFor(tenantId: string): string {
    return `${this.origin}/${tenantId}/v2.0`;
  }

  jwksUriFor(tenantId: string): string {
    return `${this.origin}/${tenantId}/discovery/v2.0/keys`;
  }

  tokenEndpointFor(tenantId: string): string {
    return `${this.origin}/${tenantId}/oauth2/v2.0/token`;
  }

  /** The public signing keys (what the keys endpoint serves). */
  publicJwks(): JSONWebKeySet {
    if (!this.publicJwk) throw new Error('emulator not started');
    return { keys: [this.publicJwk] };
  }

  addTenant(tenantId: string, options: { displayName?: string } = {}): EntraTenant {
    const existing = this.tenants.get(tenantId.toLowerCase());
    if (existing) return existing;
    const tenant: EntraTenant = { tenantId, displayName: options.displayName ?? 'Default Directory', apps: new Map() };
    this.tenants.set(tenantId.toLowerCase(), tenant);
    return tenant;
  }

  removeTenant(tenantId: string): void {
    this.tenants.delete(tenantId.toLowerCase());
  }

  getTenant(tenantId: string): EntraTenant | undefined {
    return this.tenants.get(tenantId.toLowerCase());
  }

  addApp(
    tenantId: string,
    clientId: string,
    options: { displayName?: string; objectId?: string; clientSecrets?: string[] } = {},
  ): EntraApp {
    const tenant = this.requireTenant(tenantId);
    const existing = tenant.apps.get(clientId.toLowerCase());
    if (existing) return existing;
    const app: EntraApp = {
      clientId,
      displayName: options.displayName ?? clientId,
      objectId: options.objectId ?? randomUUID(),
      federatedCredentials: [],
      clientSecrets: [...(options.clientSecrets ?? [])],
    };
    tenant.apps.set(clientId.toLowerCase(), app);
    return app;
  }

  removeApp(tenantId: string, clientId: string): void {
    this.requireTenant(tenantId).apps.delete(clientId.toLowerCase());
  }

  getApp(tenantId: string, clientId: string): EntraApp | undefined {
    return this.getTenant(tenantId)?.apps.get(clientId.toLowerCase());
  }

  addFederatedCredential(tenantId: string, clientId: string, credential: FederatedCredential): void {
    const app = this.requireApp(tenantId, clientId);
    app.federatedCredentials = app.federatedCredentials.filter((c) => c.name !== credential.name);
    app.federatedCredentials.push({ ...credential, audiences: [...credential.audiences] });
  }

  removeFederatedCredential(tenantId: string, clientId: string, name: string): void {
    const app = this.requireApp(tenantId, clientId);
    app.federatedCredentials = app.federatedCredentials.filter((c) => c.name !== name);
  }

  /** Makes an application ID URI requestable as `<uri>/.default` in every tenant. */
  addResource(resource: string): void {
    this.resources.add(resource.replace(/\/$/, ''));
  }

  async close(): Promise<void> {
    await this.host.close();
  }

  private requireTenant(tenantId: string): EntraTenant {
    const tenant = this.getTenant(tenantId);
    if (!tenant) throw new Error(`unknown tenant ${tenantId}; call addTenant first`);
    return tenant;
  }

  private requireApp(tenantId: string, clientId: string): EntraApp {
    const app = this.getApp(tenantId, clientId);
    if (!app) throw new Error(`unknown app ${clientId} in tenant ${tenantId}; call addApp first`);
    return app;
  }

  // -------------------------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const segments = url.pathname.split('/').filter(Boolean);
    const [tenantSegment, ...rest] = segments;
    const route = rest.join('/');
    const correlationId = firstHeader(req.headers['client-request-id']) ?? randomUUID();

    try {
      if (tenantSegment === undefined) {
        sendJson(res, 404, { error: 'not_found' });
        return;
      }
      if (req.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') {
        const tenant = this.tenantOrFail(tenantSegment);
        sendJson(res, 200, this.openIdConfiguration(tenant.tenantId), { 'Cache-Control': 'max-age=86400, private' });
        return;
      }
      if (req.method === 'GET' && (route === 'discovery/v2.0/keys' || route === 'discovery/keys')) {
        this.tenantOrFail(tenantSegment);
        sendJson(res, 200, this.publicJwks(), { 'Cache-Control': 'max-age=86400, private' });
        return;
      }
      if (route === 'oauth2/v2.0/token') {
        if (req.method !== 'POST') {
          fail('invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.');
        }
        await this.token(tenantSegment, req, res, correlationId);
        return;
      }
      sendJson(res, 404, { error: 'not_found', error_description: `No route for ${req.method ?? 'GET'} ${url.pathname}` });
    } catch (error) {
      if (error instanceof EntraError) {
        this.sendError(res, error.spec, correlationId);
        return;
      }
      throw error;
    }
  }

  private tenantOrFail(tenantSegment: string): EntraTenant {
    const tenant = this.getTenant(tenantSegment);
    if (!tenant) {
      fail(
        'invalid_tenant',
        90002,
        `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    return tenant;
  }

  private openIdConfiguration(tenantId: string): Record<string, unknown> {
    const base = `${this.origin}/${tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid', 'azp'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: new URL(this.origin).host,
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  private sendError(res: ServerResponse, spec: EntraErrorSpec, correlationId: string): void {
    const now = new Date();
    const traceId = randomUUID();
    const timestamp = entraTimestamp(now);
    const body = {
      error: spec.error,
      error_description: `AADSTS${spec.code}: ${spec.text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [spec.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${spec.code}`,
    };
    sendJson(res, spec.status, body, {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      'x-ms-request-id': traceId,
    });
  }

  private async token(tenantSegment: string, req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> {
    const body = new URLSearchParams(await readBody(req));
    const record: TokenRequestRecord = {
      tenant: tenantSegment,
      clientId: body.get('client_id') ?? undefined,
      scope: body.get('scope') ?? undefined,
      outcome: 'error',
      at: new Date(),
    };
    this.tokenRequests.push(record);
    try {
      const result = await this.issueToken(tenantSegment, body, req);
      record.outcome = 'success';
      sendJson(res, 200, result, {
        'Cache-Control': 'no-store, no-cache',
        Pragma: 'no-cache',
        'x-ms-request-id': randomUUID(),
        'client-request-id': correlationId,
      });
    } catch (error) {
      if (error instanceof EntraError) {
        record.errorCode = error.spec.code;
        if (error.spec.detail !== undefined) record.detail = error.spec.detail;
      }
      throw error;
    }
  }

  private async issueToken(tenantSegment: string, body: URLSearchParams, req: IncomingMessage): Promise<Record<string, unknown>> {
    const tenant = this.tenantOrFail(tenantSegment);

    const basic = parseBasicAuth(firstHeader(req.headers.authorization));
    const clientId = body.get('client_id') ?? basic?.user;
    const grantType = body.get('grant_type');
    if (!grantType) fail('invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (grantType !== 'client_credentials') {
      fail('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    if (!clientId) fail('invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");

    const resource = this.resourceFromScope(body.get('scope'), tenant);

    const app = tenant.apps.get(clientId.toLowerCase());
    if (!app) {
      fail(
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }

    const assertion = body.get('client_assertion');
    const assertionType = body.get('client_assertion_type');
    const secret = body.get('client_secret') ?? basic?.password;
    if (assertion !== null || assertionType !== null) {
      if (assertionType !== CLIENT_ASSERTION_TYPE_JWT_BEARER) {
        fail(
          'invalid_request',
          50027,
          `Invalid client_assertion_type '${assertionType ?? ''}'. Expected '${CLIENT_ASSERTION_TYPE_JWT_BEARER}'.`,
        );
      }
      if (!assertion) {
        fail('invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion'.");
      }
      await this.verifyFederatedAssertion(app, assertion);
    } else if (secret !== undefined && secret !== null) {
      if (!app.clientSecrets.includes(secret)) {
        fail(
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        );
      }
    } else {
      fail('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }

    return this.accessTokenResponse(tenant, app, resource);
  }

  private resourceFromScope(scopeParam: string | null, tenant: EntraTenant): string {
    if (!scopeParam) fail('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const oidcScopes = new Set(['openid', 'profile', 'offline_access', 'email']);
    const scopes = scopeParam.split(/\s+/).filter((s) => s && !oidcScopes.has(s));
    const [scope] = scopes;
    if (scope === undefined || scopes.length !== 1 || !scope.endsWith('/.default')) {
      fail(
        'invalid_scope',
        1002012,
        `The provided value for scope ${scopeParam} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = scope.slice(0, -'/.default'.length);
    if (!this.resources.has(resource.replace(/\/$/, ''))) {
      fail(
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    return resource;
  }

  private async verifyFederatedAssertion(app: EntraApp, assertion: string): Promise<void> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch (error) {
      fail('invalid_request', 50027, 'JWT token is invalid or malformed.', errorMessage(error));
    }
    const iss = claims.iss ?? '';
    const sub = claims.sub ?? '';
    const aud = claims.aud;

    if (iss.startsWith(`${this.origin}/`)) {
      fail('invalid_request', 700222, 'AAD-issued tokens may not be used for federated identity flows.');
    }

    // 1. issuer: exact, case-sensitive match against the app's federated identity credentials
    const byIssuer = app.federatedCredentials.filter((c) => c.issuer === iss);
    if (byIssuer.length === 0) {
      const subjectKnown = app.federatedCredentials.some((c) => c.subject === sub);
      if (!subjectKnown) {
        fail(
          'invalid_client',
          70021,
          `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audienceText(aud)}'. ${WIF_DOC}`,
        );
      }
      fail(
        'invalid_client',
        700211,
        `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOC}`,
      );
    }

    // 2. algorithm, then the issuer's discovery document and keys
    const alg = header.alg ?? '';
    if (!(SUPPORTED_ASSERTION_ALGS as readonly string[]).includes(alg)) {
      fail('invalid_request', 5002738, `Invalid JWT token. '${alg}' is not a supported signature algorithm.`);
    }
    const jwks = await this.fetchIssuerKeys(iss);

    // 3. signature
    try {
      await compactVerify(assertion, createLocalJWKSet(jwks), { algorithms: [...SUPPORTED_ASSERTION_ALGS] });
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
        fail(
          'invalid_client',
          7000272,
          `The certificate with identifier ${header.kid ?? '(none)'} used to sign the federated credential could not be found in the metadata of identity provider ${iss}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`,
          errorMessage(error),
        );
      }
      fail(
        'invalid_client',
        700027,
        `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${header.kid ?? ''}']`,
        errorMessage(error),
      );
    }

    // 4. subject, then audience, among the records of this issuer
    const bySubject = byIssuer.filter((c) => c.subject === sub);
    if (bySubject.length === 0) {
      fail(
        'invalid_client',
        700213,
        `No matching federated identity record found for presented assertion subject '${sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOC}`,
      );
    }
    const audiences = audienceList(aud);
    if (!bySubject.some((c) => c.audiences.some((a) => audiences.includes(a)))) {
      fail(
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${audienceText(aud)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOC}`,
      );
    }

    // 5. validity window
    const skew = this.options.clockSkewSeconds ?? 300;
    const now = Date.now();
    const nowSeconds = Math.floor(now / 1000);
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
    if (exp === undefined || nowSeconds - skew >= exp || nowSeconds + skew < nbf) {
      fail(
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${roundTripTime(new Date(now))}, assertion valid from ${roundTripTime(new Date(nbf * 1000))}, expiry time of assertion ${roundTripTime(new Date((exp ?? 0) * 1000))}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
      );
    }
  }

  private async fetchIssuerKeys(issuer: string): Promise<JSONWebKeySet> {
    const fetchOptions = {
      ...(this.options.trustedCa === undefined ? {} : { ca: this.options.trustedCa }),
      ...(this.options.hostOverrides === undefined ? {} : { hostOverrides: this.options.hostOverrides }),
      timeoutMs: this.options.externalFetchTimeoutMs ?? 3000,
    };
    const externalFailure: (detail: string) => never = (detail) =>
      fail('invalid_request', 90061, 'Request to External OIDC endpoint failed.', detail);

    const discoveryUrl = discoveryUrlFor(issuer);
    const discovery = await getJson(discoveryUrl, fetchOptions).catch((error: unknown) =>
      externalFailure(`discovery ${discoveryUrl}: ${errorMessage(error)}`),
    );
    if (discovery.issuer !== issuer) {
      externalFailure(`discovery document issuer '${String(discovery.issuer)}' does not match the token issuer '${issuer}'`);
    }
    const jwksUri = discovery.jwks_uri;
    if (typeof jwksUri !== 'string') externalFailure('discovery document has no jwks_uri');
    const jwks = await getJson(jwksUri, fetchOptions).catch((error: unknown) =>
      externalFailure(`jwks ${jwksUri}: ${errorMessage(error)}`),
    );
    if (!Array.isArray(jwks.keys)) externalFailure(`jwks ${jwksUri} has no "keys" array`);
    return jwks as unknown as JSONWebKeySet;
  }

  private async accessTokenResponse(tenant: EntraTenant, app: EntraApp, resource: string): Promise<Record<string, unknown>> {
    if (!this.signingKey || !this.publicJwk) throw new Error('emulator not started');
    const lifetime = this.options.accessTokenLifetimeSeconds ?? 3599;
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      aio: randomUUID().replace(/-/g, ''),
      azp: app.clientId,
      azpacr: '2',
      appid: app.clientId,
      appidacr: '2',
      idp: this.issuerFor(tenant.tenantId),
      oid: app.objectId,
      rh: '0.emulator.',
      sub: app.objectId,
      tid: tenant.tenantId,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '2.0',
    })
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: this.publicJwk.kid ?? '' })
      .setIssuer(this.issuerFor(tenant.tenantId))
      .setAudience(resource)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetime)
      .sign(this.signingKey);
    return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
  }
}

async function getJson(url: string, options: Parameters<typeof httpsGet>[1]): Promise<Record<string, unknown>> {
  const response = await httpsGet(url, options);
  if (response.status !== 200) throw new FetchError(`HTTP ${response.status}`, url, 'network');
  return parseJsonObject(response.text);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = header ? /^Basic\s+(.+)$/i.exec(header) : null;
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    user: decodeURIComponent(decoded.slice(0, colon)),
    password: decodeURIComponent(decoded.slice(colon + 1)),
  };
}
