/**
 * Azure token exchange: `@azure/identity`'s ClientAssertionCredential with the issuer as the assertion
 * callback, behind a per-federation token cache (testing several stores makes one exchange).
 *
 * The SDK is loaded lazily (dynamic import) so the extension does not load it at activation.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { FederatedSecretsError } from '../errors';
import type { FederationConfig } from '../model/types';
import type { HostAccess } from '../net/hosts';
import { checkAuthorityHost } from '../net/hosts';
import { httpsRequest } from '../net/http';
import type { NetworkPolicy } from '../runtime';
import { AzureCliTokenCredential, MIN_AZ_PROCESS_TIMEOUT_MS } from './azure-cli';
import type { IdentityTokenIssuer } from './issuer';

export const DEFAULT_AZURE_SCOPE = 'https://vault.azure.net/.default';

type AdditionalPolicy = NonNullable<SecretClientOptions['additionalPolicies']>[number];
type PipelinePolicy = AdditionalPolicy['policy'];
type PipelineRequest = Parameters<PipelinePolicy['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;

/** Retry bounds for SDK calls: 429/503 with Retry-After are retried, within these limits. */
export interface RetryBounds {
  /** Retries after the first attempt. Default 3. */
  maxRetries: number;
  /** A Retry-After longer than this is not waited for; the throttling error is reported instead. Default 10 s. */
  maxRetryAfterMs: number;
  /** Base delay of exponential back-off for transient failures. Default 250 ms. */
  retryDelayMs: number;
}

export const DEFAULT_RETRY_BOUNDS: RetryBounds = { maxRetries: 3, maxRetryAfterMs: 10_000, retryDelayMs: 250 };

/** What the SDK pipelines observed (for step messages). */
export interface SdkRequestStats {
  requests: number;
  throttled: number;
  /** Retry-After values (ms) of throttled responses. */
  retryAfterMs: number[];
}

export function newSdkStats(): SdkRequestStats {
  return { requests: 0, throttled: 0, retryAfterMs: [] };
}

const RETRY_AFTER_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms', 'retry-after'];
/** Where the original Retry-After is kept when it exceeds the bound (so the explainer can quote it). */
export const ORIGINAL_RETRY_AFTER_HEADER = 'x-federated-secrets-retry-after';

function retryAfterMs(response: PipelineResponse): number | undefined {
  for (const name of RETRY_AFTER_HEADERS) {
    const raw = response.headers.get(name);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (Number.isFinite(value)) return name === 'retry-after' ? value * 1000 : value;
    const date = Date.parse(raw);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return undefined;
}

/** Per-attempt policies: the request timeout, and the Retry-After bound. */
export function sdkPolicies(timeoutMs: number, bounds: RetryBounds, stats?: SdkRequestStats): AdditionalPolicy[] {
  // Our own timer rather than `request.timeout`: the SDK's HTTP client leaves its timeout timer running when a
  // connection fails (ECONNREFUSED), which keeps a CLI process alive for the whole timeout.
  const timeout: PipelinePolicy = {
    name: 'federatedSecretsTimeout',
    async sendRequest(request: PipelineRequest, next) {
      if (stats) stats.requests++;
      const controller = new AbortController();
      const outer = request.abortSignal;
      const onAbort = () => controller.abort();
      if (outer?.aborted) controller.abort();
      outer?.addEventListener('abort', onAbort);
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onAbort);
        request.abortSignal = outer;
      }
    },
  };
  const retryAfterBound: PipelinePolicy = {
    name: 'federatedSecretsRetryAfterBound',
    async sendRequest(request: PipelineRequest, next) {
      const response = await next(request);
      if (response.status === 429 || response.status === 503) {
        const wait = retryAfterMs(response);
        if (stats && response.status === 429) {
          stats.throttled++;
          if (wait !== undefined) stats.retryAfterMs.push(wait);
        }
        if (wait !== undefined && wait > bounds.maxRetryAfterMs) {
          response.headers.set(ORIGINAL_RETRY_AFTER_HEADER, String(Math.ceil(wait / 1000)));
          for (const name of RETRY_AFTER_HEADERS) response.headers.delete(name);
        }
      }
      return response;
    },
  };
  return [
    { policy: timeout, position: 'perRetry' },
    { policy: retryAfterBound, position: 'perRetry' },
  ];
}

/** Pipeline options shared by the credential and the vault client for one host. */
export function sdkClientOptions(access: HostAccess, network: NetworkPolicy, bounds: RetryBounds, stats?: SdkRequestStats) {
  return {
    retryOptions: { maxRetries: bounds.maxRetries, retryDelayInMs: bounds.retryDelayMs, maxRetryDelayInMs: Math.max(bounds.retryDelayMs, 2000) },
    additionalPolicies: sdkPolicies(network.requestTimeoutMs, bounds, stats),
    ...(access.ca ? { tlsOptions: { ca: access.ca } } : {}),
  };
}

export interface ExchangeResult {
  token: AccessToken;
  /** True when the token came from the cache (no request to Entra ID). */
  cached: boolean;
}

interface CacheEntry {
  key: string;
  credential: FederationCredential;
}

/** A federation's credential: the SDK credential plus a token cache keyed by scope and tenant. */
export class FederationCredential implements TokenCredential {
  private readonly tokens = new Map<string, Promise<AccessToken>>();
  private inner: Promise<TokenCredential> | undefined;
  /** Token requests sent to Entra ID through this credential. */
  exchanges = 0;
  readonly stats = newSdkStats();

  constructor(
    readonly federation: FederationConfig,
    readonly authority: HostAccess,
    /** The assertion source; replaced by each check run so its runtime and redactor are the current ones. */
    public issuer: IdentityTokenIssuer,
    private readonly network: NetworkPolicy,
    private readonly bounds: RetryBounds,
    private readonly now: () => number = Date.now,
  ) {}

  private credential(): Promise<TokenCredential> {
    this.inner ??= (async () => {
      const azure = this.federation.azure;
      if (!azure) throw new FederatedSecretsError('invalidConfig', 'The federation has no "azure" settings.', { field: 'azure' });
      const { ClientAssertionCredential } = await import('@azure/identity');
      return new ClientAssertionCredential(azure.tenantId, azure.clientId, () => this.issuer.getToken(), {
        authorityHost: this.authority.url.origin,
        disableInstanceDiscovery: this.authority.relaxed,
        ...sdkClientOptions(this.authority, this.network, this.bounds, this.stats),
      });
    })();
    return this.inner;
  }

  private fresh(token: AccessToken): boolean {
    return token.expiresOnTimestamp - 120_000 > this.now();
  }

  /** Exchanges (or reuses) a token for the scope; tells whether Entra ID was asked. */
  async exchange(scopes: string | string[], options: GetTokenOptions = {}): Promise<ExchangeResult> {
    const list = (Array.isArray(scopes) ? scopes : [scopes]).slice().sort();
    // The vault's challenge names the tenant; the federation's own tenant is the same cache entry.
    const tenant = options.tenantId && options.tenantId.toLowerCase() !== this.federation.azure?.tenantId.toLowerCase() ? options.tenantId.toLowerCase() : '';
    const key = `${list.join(' ')}|${tenant}`;
    const usable = options.claims === undefined;
    const existing = usable ? this.tokens.get(key) : undefined;
    if (existing) {
      try {
        const token = await existing;
        if (this.fresh(token)) return { token, cached: true };
      } catch {
        // A failed exchange is not cached; ask again.
      }
    }
    const pending = (async () => {
      const credential = await this.credential();
      this.exchanges++;
      let token: AccessToken | null;
      try {
        token = await credential.getToken(list, options);
      } catch (error) {
        throw await this.diagnose(error, options.abortSignal);
      }
      if (!token) throw new FederatedSecretsError('exchangeFailed', 'Microsoft Entra ID returned no access token.', { field: 'azure' });
      return token;
    })();
    if (usable) this.tokens.set(key, pending);
    try {
      return { token: await pending, cached: false };
    } catch (error) {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
      throw error;
    }
  }

  /**
   * MSAL reports a tenant its authority does not know only as "endpoints_resolution_error". Ask the tenant's
   * discovery document (no credentials involved) what Entra ID said, so the explainer can name the field.
   */
  private async diagnose(error: unknown, signal: GetTokenOptions['abortSignal']): Promise<unknown> {
    const message = error instanceof Error ? error.message : String(error);
    const tenantId = this.federation.azure?.tenantId;
    if (!/endpoints_resolution_error/.test(message) || !tenantId) return error;
    const url = `${this.authority.url.origin}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
    try {
      const response = await httpsRequest(url, {
        timeoutMs: this.network.requestTimeoutMs,
        ...(this.authority.ca ? { ca: this.authority.ca } : {}),
        ...(signal ? { signal: signal as AbortSignal } : {}),
      });
      const description = /"error_description"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(response.body)?.[1];
      if (response.status >= 400 && description && /AADSTS\d+/.test(description)) {
        return new Error(`${JSON.parse(`"${description}"`) as string}`, { cause: error });
      }
      return error;
    } catch (probeError) {
      // The authority itself is unreachable: report that (DNS, refused, TLS, timeout).
      return probeError;
    }
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    return (await this.exchange(scopes, options)).token;
  }
}

/**
 * Credentials per federation, reused across checks (and, in the editor, across commands) so that testing
 * several stores of one federation makes one token exchange.
 */
export class FederationTokenCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly azureCli = new Map<string, AzureCliTokenCredential>();

  constructor(private readonly bounds: RetryBounds = DEFAULT_RETRY_BOUNDS) {}

  /** Token requests sent to Entra ID through every credential of this cache. */
  get exchanges(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.credential.exchanges;
    return total;
  }

  /**
   * The credential of a federation. Throws FSE010 (before any token is requested) when the authority host is
   * neither a known Entra host nor allowed by the user.
   */
  credentialFor(federation: FederationConfig, issuer: IdentityTokenIssuer, network: NetworkPolicy): FederationCredential {
    const azure = federation.azure;
    if (federation.cloudProvider !== 'azure' || !azure) {
      throw new FederatedSecretsError('notSupported', `Token exchange with ${federation.cloudProvider === 'aws' ? 'AWS STS' : federation.cloudProvider === 'gcp' ? 'Google Cloud STS' : federation.cloudProvider} is not supported yet; only Microsoft Entra ID (cloudProvider "azure") is.`, {
        field: 'cloudProvider',
      });
    }
    const authority = checkAuthorityHost(azure.authorityHost, network);
    const key = JSON.stringify([federation.name, federation.issuer, azure, network.allowedHosts, network.extraCaPem ?? '', network.requestTimeoutMs]);
    const existing = this.entries.get(federation.name);
    if (existing?.key === key) {
      existing.credential.issuer = issuer;
      return existing.credential;
    }
    const credential = new FederationCredential(federation, authority, issuer, network, this.bounds);
    this.entries.set(federation.name, { key, credential });
    return credential;
  }

  /**
   * The user's Azure CLI sign-in as a credential (for listing vault names where the user chose it), one per
   * tenant so that its tokens are reused for the session. No process is started until a token is asked for.
   */
  azureCliCredentialFor(tenantId: string | undefined, network: Pick<NetworkPolicy, 'requestTimeoutMs'>): AzureCliTokenCredential {
    const processTimeoutMs = Math.max(network.requestTimeoutMs, MIN_AZ_PROCESS_TIMEOUT_MS);
    const key = JSON.stringify([tenantId?.toLowerCase() ?? '', processTimeoutMs]);
    let credential = this.azureCli.get(key);
    if (!credential) {
      credential = new AzureCliTokenCredential({ ...(tenantId ? { tenantId } : {}), processTimeoutMs });
      this.azureCli.set(key, credential);
    }
    return credential;
  }

  /** `az` processes started through this cache's Azure CLI credentials. */
  get azureCliInvocations(): number {
    let total = 0;
    for (const credential of this.azureCli.values()) total += credential.invocations;
    return total;
  }

  clear(): void {
    this.entries.clear();
    this.azureCli.clear();
  }
}
