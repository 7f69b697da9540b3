/**
 * Azure Key Vault data-plane emulator (secrets, read side) for the `@azure/keyvault-secrets` SDK.
 *
 * - Bearer challenge: requests without a token get 401 with
 *   `WWW-Authenticate: Bearer authorization="{authority}/{tenant}", resource="https://vault.azure.net"`.
 * - Tokens are verified against the Entra emulator's published keys (signature, issuer, audience, exp/nbf).
 * - Per-identity permissions (`get`, `list`) keyed by the token's `oid` or `appid`/`azp`, answered as an access
 *   policy vault (innererror AccessDenied) or an RBAC vault (innererror ForbiddenByRbac).
 * - Paging with `maxresults` (1..25, default 25) and an absolute `nextLink` carrying a `$skiptoken`.
 * - `throttleNext(n, retryAfterSeconds)` answers the next n authenticated requests with 429 + Retry-After.
 *
 * The emulator never logs anything; secret values only leave it in GET secret responses.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { HttpsHost, httpsGet, parseJsonObject, sendJson, type HttpsHostOptions, type RecordedRequest } from './https-host';

export type SecretPermission = 'get' | 'list';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
/** The Azure Key Vault first-party application id, also accepted as a token audience. */
const KEY_VAULT_APP_ID = 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093';

export interface SecretAttributesInput {
  enabled?: boolean;
  expiresOn?: Date;
  notBefore?: Date;
  contentType?: string;
  tags?: Record<string, string>;
  /** Override the creation time (defaults to now). */
  createdOn?: Date;
}

interface SecretVersion {
  version: string;
  value: string;
  enabled: boolean;
  exp?: number;
  nbf?: number;
  created: number;
  updated: number;
  contentType?: string;
  tags?: Record<string, string>;
}

interface StoredSecret {
  name: string;
  /** In creation order; the last one is the current version. */
  versions: SecretVersion[];
}

export interface KeyVaultEmulatorOptions extends Partial<HttpsHostOptions> {
  tls: HttpsHostOptions['tls'];
  /** The vault's tenant: named in the challenge and required as token issuer. */
  tenantId: string;
  /** The Entra origin (authority host) the challenge points to and whose keys verify tokens. */
  authority: string;
  /** CA trusted when fetching the authority's keys. */
  trustedCa?: string | string[];
  /** Supplies the authority's keys directly instead of fetching them over HTTPS. */
  jwks?: () => JSONWebKeySet | Promise<JSONWebKeySet>;
  /** Accepted token issuers. Default: `{authority}/{tenantId}/v2.0`. */
  acceptedIssuers?: string[];
  vaultName?: string;
  location?: string;
  /** How 403s are worded. Default "accessPolicy". */
  permissionModel?: 'accessPolicy' | 'rbac';
  /**
   * Azure does not enforce exp/nbf on secret reads ("get" works on expired and not-yet-valid secrets).
   * Set true to answer such reads with 403 SecretExpired / SecretNotYetValid instead. Default false.
   */
  enforceSecretValidityPeriod?: boolean;
  /** Allowed clock skew for token exp/nbf. Default 300 s. */
  clockSkewSeconds?: number;
}

export interface Caller {
  oid: string | undefined;
  appid: string | undefined;
  iss: string;
  tid: string | undefined;
}

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: { code: string; message: string; innererror?: { code: string } } },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.message);
  }
}

function vaultError(status: number, code: string, message: string, inner?: string, headers?: Record<string, string>): VaultError {
  return new VaultError(status, { error: { code, message, ...(inner === undefined ? {} : { innererror: { code: inner } }) } }, headers);
}

const toEpoch = (date: Date): number => Math.floor(date.getTime() / 1000);

export class KeyVaultEmulator {
  private readonly host: HttpsHost;
  private readonly secrets = new Map<string, StoredSecret>();
  private sortedKeys: string[] | undefined;
  private readonly permissions = new Map<string, Set<SecretPermission>>();
  private throttleRemaining = 0;
  private throttleRetryAfter = 1;
  private cachedJwks: JSONWebKeySet | undefined;
  /** Count of 429 answers sent. */
  throttledCount = 0;

  private constructor(private readonly options: KeyVaultEmulatorOptions) {
    this.host = new HttpsHost((req, res) => this.handle(req, res));
  }

  static async start(options: KeyVaultEmulatorOptions): Promise<KeyVaultEmulator> {
    const emulator = new KeyVaultEmulator(options);
    await emulator.host.listen({ ...options, tls: options.tls });
    return emulator;
  }

  /** `https://host:port` — the vault URL to give `SecretClient`. */
  get origin(): string {
    return this.host.origin;
  }

  get vaultUrl(): string {
    return this.host.origin;
  }

  get vaultName(): string {
    return this.options.vaultName ?? 'emulated-kv';
  }

  get httpsHost(): HttpsHost {
    return this.host;
  }

  get requests(): RecordedRequest[] {
    return this.host.requests;
  }

  get requestCount(): number {
    return this.host.requestCount;
  }

  get secretCount(): number {
    return this.secrets.size;
  }

  /** The WWW-Authenticate challenge this vault sends. */
  get challenge(): string {
    return `Bearer authorization="${this.options.authority}/${this.options.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
  }

  /** Adds a new version of a secret (creating the secret if needed). Returns the secret id and version. */
  putSecret(name: string, value: string, attributes: SecretAttributesInput = {}): { id: string; version: string } {
    if (!/^[0-9a-zA-Z-]{1,127}$/.test(name)) throw new Error(`invalid Key Vault secret name '${name}'`);
    const key = name.toLowerCase();
    let secret = this.secrets.get(key);
    if (!secret) {
      secret = { name, versions: [] };
      this.secrets.set(key, secret);
      this.sortedKeys = undefined;
    }
    const created = toEpoch(attributes.createdOn ?? new Date());
    const version: SecretVersion = {
      version: randomBytes(16).toString('hex'),
      value,
      enabled: attributes.enabled ?? true,
      created,
      updated: created,
      ...(attributes.expiresOn ? { exp: toEpoch(attributes.expiresOn) } : {}),
      ...(attributes.notBefore ? { nbf: toEpoch(attributes.notBefore) } : {}),
      ...(attributes.contentType === undefined ? {} : { contentType: attributes.contentType }),
      ...(attributes.tags === undefined ? {} : { tags: { ...attributes.tags } }),
    };
    secret.versions.push(version);
    return { id: `${this.vaultUrl}/secrets/${secret.name}/${version.version}`, version: version.version };
  }

  /** Changes attributes of a version (default: the current one) without creating a new version. */
  updateSecretAttributes(name: string, attributes: Omit<SecretAttributesInput, 'createdOn'>, version?: string): void {
    const secret = this.secrets.get(name.toLowerCase());
    const target = version === undefined ? secret?.versions.at(-1) : secret?.versions.find((v) => v.version === version);
    if (!target) throw new Error(`no secret ${name}${version ? `/${version}` : ''}`);
    if (attributes.enabled !== undefined) target.enabled = attributes.enabled;
    if (attributes.expiresOn !== undefined) target.exp = toEpoch(attributes.expiresOn);
    if (attributes.notBefore !== undefined) target.nbf = toEpoch(attributes.notBefore);
    if (attributes.contentType !== undefined) target.contentType = attributes.contentType;
    if (attributes.tags !== undefined) target.tags = { ...attributes.tags };
    target.updated = toEpoch(new Date());
  }

  deleteSecret(name: string): void {
    if (this.secrets.delete(name.toLowerCase())) this.sortedKeys = undefined;
  }

  /** Adds permissions for an identity (matched against the token's `oid`, `appid` or `azp`). */
  grant(identity: string, permissions: SecretPermission[]): void {
    const key = identity.toLowerCase();
    const set = this.permissions.get(key) ?? new Set<SecretPermission>();
    for (const p of permissions) set.add(p);
    this.permissions.set(key, set);
  }

  /** Removes the given permissions (all when omitted) from an identity. */
  revoke(identity: string, permissions?: SecretPermission[]): void {
    const key = identity.toLowerCase();
    if (!permissions) {
      this.permissions.delete(key);
      return;
    }
    const set = this.permissions.get(key);
    for (const p of permissions) set?.delete(p);
  }

  /** Answers the next `count` authenticated requests with 429 Too Many Requests and `Retry-After`. */
  throttleNext(count: number, retryAfterSeconds = 1): void {
    this.throttleRemaining = count;
    this.throttleRetryAfter = retryAfterSeconds;
  }

  async close(): Promise<void> {
    await this.host.close();
  }

  // -------------------------------------------------------------------------------------------------------------

  private commonHeaders(req: IncomingMessage): Record<string, string> {
    const clientRequestId = req.headers['x-ms-client-request-id'];
    return {
      'Cache-Control': 'no-cache',
      Pragma: 'no-cache',
      Expires: '-1',
      'x-ms-keyvault-region': this.options.location ?? 'westeurope',
      'x-ms-request-id': randomUUID(),
      'x-ms-keyvault-service-version': '1.9.2000.1',
      'x-ms-keyvault-network-info': `conn_type=Ipv4;addr=${req.socket.remoteAddress ?? ''};act_addr_fam=InterNetwork;`,
      'X-Content-Type-Options': 'nosniff',
      'Strict-Transport-Security': 'max-age=31536000;includeSubDomains',
      ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = this.commonHeaders(req);
    try {
      const url = new URL(req.url ?? '/', 'https://vault.invalid');
      const caller = await this.authenticate(req);
      if (this.throttleRemaining > 0) {
        this.throttleRemaining -= 1;
        this.throttledCount += 1;
        throw vaultError(
          429,
          'Throttled',
          'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
          undefined,
          { 'Retry-After': String(this.throttleRetryAfter) },
        );
      }
      if (!url.searchParams.get('api-version')) {
        throw vaultError(400, 'BadParameter', 'The api-version query parameter is missing.');
      }
      const vaultUrl = `https://${req.headers.host ?? new URL(this.vaultUrl).host}`;
      const body = this.route(req.method ?? 'GET', url, caller, vaultUrl);
      sendJson(res, 200, body, headers);
    } catch (error) {
      if (error instanceof VaultError) {
        sendJson(res, error.status, error.body, { ...headers, ...error.headers });
        return;
      }
      throw error;
    }
  }

  // --- authentication ------------------------------------------------------------------------------------------

  private unauthorized(message: string): VaultError {
    return vaultError(401, 'Unauthorized', message, undefined, { 'WWW-Authenticate': this.challenge });
  }

  private async authenticate(req: IncomingMessage): Promise<Caller> {
    const header = req.headers.authorization;
    const match = header ? /^(?:Bearer|PoP)\s+(\S+)$/i.exec(header) : null;
    const token = match?.[1];
    if (!token) throw this.unauthorized('AKV10000: Request is missing a Bearer or PoP token.');

    let claims: JWTPayload;
    try {
      decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw this.unauthorized('AKV10000: Request is missing a Bearer or PoP token.');
    }

    const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
    const okAudience = audiences.some((a) => a.replace(/\/$/, '') === KEY_VAULT_RESOURCE || a === KEY_VAULT_APP_ID);
    if (!okAudience) {
      throw this.unauthorized(`AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${audiences.join(', ')}.`);
    }
    const accepted = this.options.acceptedIssuers ?? [`${this.options.authority}/${this.options.tenantId}/v2.0`];
    if (!claims.iss || !accepted.includes(claims.iss)) {
      throw this.unauthorized(`AKV10032: Invalid issuer. Expected one of ${accepted.join(', ')}, found ${claims.iss ?? ''}.`);
    }

    await this.verifySignature(token);

    const skew = this.options.clockSkewSeconds ?? 300;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || now - skew >= claims.exp) {
      throw this.unauthorized('Token validation failed: the token is expired.');
    }
    if (typeof claims.nbf === 'number' && now + skew < claims.nbf) {
      throw this.unauthorized('Token validation failed: the token is not yet valid.');
    }

    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return { oid: str(claims.oid), appid: str(claims.appid) ?? str(claims.azp), iss: claims.iss, tid: str(claims.tid) };
  }

  private async loadJwks(refresh: boolean): Promise<JSONWebKeySet> {
    if (this.cachedJwks && !refresh) return this.cachedJwks;
    if (this.options.jwks) {
      this.cachedJwks = await this.options.jwks();
      return this.cachedJwks;
    }
    const url = `${this.options.authority}/${this.options.tenantId}/discovery/v2.0/keys`;
    const response = await httpsGet(url, this.options.trustedCa === undefined ? {} : { ca: this.options.trustedCa });
    if (response.status !== 200) throw new Error(`keys endpoint answered HTTP ${response.status}`);
    this.cachedJwks = parseJsonObject(response.text) as unknown as JSONWebKeySet;
    return this.cachedJwks;
  }

  private async verifySignature(token: string): Promise<void> {
    for (const refresh of [false, true]) {
      let jwks: JSONWebKeySet;
      try {
        jwks = await this.loadJwks(refresh);
      } catch {
        throw this.unauthorized('AKV10046: Unable to resolve the key used for signature validation.');
      }
      try {
        await compactVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
        return;
      } catch (error) {
        if (error instanceof joseErrors.JWKSNoMatchingKey) {
          if (refresh) throw this.unauthorized('AKV10046: Unable to resolve the key used for signature validation.');
          continue;
        }
        throw this.unauthorized('Token validation failed: the token signature is invalid.');
      }
    }
  }

  // --- authorization --------------------------------------------------------------------------------------------

  private allowed(caller: Caller, permission: SecretPermission): boolean {
    return [caller.oid, caller.appid].some((id) => id !== undefined && this.permissions.get(id.toLowerCase())?.has(permission));
  }

  private authorize(caller: Caller, permission: SecretPermission, secretName?: string): void {
    if (this.allowed(caller, permission)) return;
    const callerText = `appid=${caller.appid ?? ''};oid=${caller.oid ?? ''};iss=${caller.iss}`;
    const location = this.options.location ?? 'westeurope';
    if ((this.options.permissionModel ?? 'accessPolicy') === 'accessPolicy') {
      throw vaultError(
        403,
        'Forbidden',
        `The user, group or application '${callerText}' does not have secrets ${permission} permission on key vault '${this.vaultName};location=${location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
        'AccessDenied',
      );
    }
    const action =
      permission === 'get' ? 'Microsoft.KeyVault/vaults/secrets/getSecret/action' : 'Microsoft.KeyVault/vaults/secrets/readMetadata/action';
    const vaultResource = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/providers/microsoft.keyvault/vaults/${this.vaultName.toLowerCase()}`;
    const resource = secretName === undefined ? vaultResource : `${vaultResource}/secrets/${secretName.toLowerCase()}`;
    throw vaultError(
      403,
      'Forbidden',
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${callerText}\r\nAction: '${action}'\r\nResource: '${resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${this.vaultName};location=${location}\r\n`,
      'ForbiddenByRbac',
    );
  }

  // --- routes ---------------------------------------------------------------------------------------------------

  private route(method: string, url: URL, caller: Caller, vaultUrl: string): unknown {
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    if (method !== 'GET' || segments[0] !== 'secrets' || segments.length > 3) {
      throw vaultError(405, 'MethodNotAllowed', `The emulator does not support ${method} ${url.pathname}.`);
    }
    const [, name, third] = segments;
    if (name === undefined) {
      this.authorize(caller, 'list');
      return this.listSecrets(url, vaultUrl);
    }
    if (third === 'versions') {
      this.authorize(caller, 'list', name);
      return this.listVersions(name, url, vaultUrl);
    }
    this.authorize(caller, 'get', name);
    return this.getSecret(name, third, vaultUrl);
  }

  private pageSize(url: URL): number {
    const raw = url.searchParams.get('maxresults');
    if (raw === null) return 25;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 25) {
      throw vaultError(400, 'BadParameter', `Invalid value '${raw}' for maxresults: it must be an integer between 1 and 25.`);
    }
    return n;
  }

  private marker(url: URL): string | undefined {
    const token = url.searchParams.get('$skiptoken');
    if (token === null) return undefined;
    try {
      const parsed = parseJsonObject(Buffer.from(token, 'base64').toString('utf8'));
      if (typeof parsed.NextMarker !== 'string') throw new Error('no marker');
      return Buffer.from(parsed.NextMarker, 'base64').toString('utf8');
    } catch {
      throw vaultError(400, 'BadParameter', 'The $skiptoken is invalid.');
    }
  }

  private nextLink(vaultUrl: string, path: string, url: URL, lastKey: string, pageSize: number): string {
    const skipToken = Buffer.from(
      JSON.stringify({ NextMarker: Buffer.from(lastKey, 'utf8').toString('base64'), TargetLocation: 0 }),
      'utf8',
    ).toString('base64');
    const apiVersion = url.searchParams.get('api-version') ?? '';
    return `${vaultUrl}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${encodeURIComponent(skipToken)}&maxresults=${pageSize}`;
  }

  private page<T>(keys: string[], url: URL, vaultUrl: string, path: string, toItem: (key: string) => T): { value: T[]; nextLink: string | null } {
    const size = this.pageSize(url);
    const marker = this.marker(url);
    let start = 0;
    if (marker !== undefined) {
      // first key strictly after the marker (binary search on the sorted keys)
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((keys[mid] ?? '') <= marker) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const slice = keys.slice(start, start + size);
    const last = slice.at(-1);
    const more = start + size < keys.length && last !== undefined;
    return { value: slice.map(toItem), nextLink: more ? this.nextLink(vaultUrl, path, url, last, size) : null };
  }

  private sorted(): string[] {
    this.sortedKeys ??= [...this.secrets.keys()].sort();
    return this.sortedKeys;
  }

  private attributes(v: SecretVersion): Record<string, unknown> {
    return {
      enabled: v.enabled,
      ...(v.nbf === undefined ? {} : { nbf: v.nbf }),
      ...(v.exp === undefined ? {} : { exp: v.exp }),
      created: v.created,
      updated: v.updated,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    };
  }

  private properties(id: string, v: SecretVersion): Record<string, unknown> {
    return {
      id,
      attributes: this.attributes(v),
      ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
      ...(v.tags === undefined ? {} : { tags: v.tags }),
    };
  }

  private listSecrets(url: URL, vaultUrl: string): unknown {
    return this.page(this.sorted(), url, vaultUrl, '/secrets', (key) => {
      const secret = this.secrets.get(key);
      const current = secret?.versions.at(-1);
      if (!secret || !current) throw new Error('inconsistent store');
      return this.properties(`${vaultUrl}/secrets/${secret.name}`, current);
    });
  }

  private notFound(name: string): VaultError {
    return vaultError(
      404,
      'SecretNotFound',
      `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  }

  private listVersions(name: string, url: URL, vaultUrl: string): unknown {
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret) throw this.notFound(name);
    const byVersion = new Map(secret.versions.map((v) => [v.version, v]));
    const keys = [...byVersion.keys()].sort();
    return this.page(keys, url, vaultUrl, `/secrets/${secret.name}/versions`, (version) => {
      const v = byVersion.get(version);
      if (!v) throw new Error('inconsistent store');
      return this.properties(`${vaultUrl}/secrets/${secret.name}/${v.version}`, v);
    });
  }

  private getSecret(name: string, version: string | undefined, vaultUrl: string): unknown {
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret) throw this.notFound(name);
    const v = version ? secret.versions.find((x) => x.version === version) : secret.versions.at(-1);
    if (!v) throw this.notFound(`${name}/${version ?? ''}`);
    if (!v.enabled) {
      throw vaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    }
    if (this.options.enforceSecretValidityPeriod) {
      const now = Math.floor(Date.now() / 1000);
      if (v.exp !== undefined && now >= v.exp) {
        throw vaultError(403, 'Forbidden', 'Operation get is not allowed on an expired secret.', 'SecretExpired');
      }
      if (v.nbf !== undefined && now < v.nbf) {
        throw vaultError(403, 'Forbidden', 'Operation get is not allowed on a not yet valid secret.', 'SecretNotYetValid');
      }
    }
    return { value: v.value, ...this.properties(`${vaultUrl}/secrets/${secret.name}/${v.version}`, v) };
  }
}
