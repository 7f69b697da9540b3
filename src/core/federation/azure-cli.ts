/**
 * The user's own Azure sign-in for listing vault names: `@azure/identity`'s AzureCliCredential (the identity of
 * `az login`), loaded lazily, behind a token cache (every token costs an `az` process) and an error translation
 * into short reasons. Used only where the user chose it (user settings); connection tests always prove the
 * federation chain instead.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { FederatedSecretsError } from '../errors';

/** Which identity lists vault names: the store's Identity Federation, or the user's Azure CLI sign-in. */
export const LIVE_CREDENTIALS = ['federation', 'azureCli'] as const;
export type LiveCredentialChoice = (typeof LIVE_CREDENTIALS)[number];
export const DEFAULT_LIVE_CREDENTIAL: LiveCredentialChoice = 'federation';

/** The setting that makes the choice (user settings only). */
export const LIVE_CREDENTIAL_SETTING = 'federatedSecrets.liveCompletion.credential';

/** The choice a setting value makes: anything but a known choice is the default (the federation). */
export function parseLiveCredentialChoice(value: unknown): LiveCredentialChoice {
  return typeof value === 'string' && (LIVE_CREDENTIALS as readonly string[]).includes(value) ? (value as LiveCredentialChoice) : DEFAULT_LIVE_CREDENTIAL;
}

/** How the choice reads in messages. */
export function liveCredentialLabel(choice: LiveCredentialChoice): string {
  return choice === 'azureCli' ? 'your Azure CLI sign-in (az login)' : "the store's Identity Federation";
}

/** A tenant id the Azure CLI accepts on its command line (what `@azure/identity` checks too). */
export function usableTenantId(tenantId: unknown): string | undefined {
  return typeof tenantId === 'string' && /^[0-9a-zA-Z.-]+$/.test(tenantId) ? tenantId : undefined;
}

/** `az` may be slow to start (Python); never less than this, whatever the request timeout. */
export const MIN_AZ_PROCESS_TIMEOUT_MS = 30_000;

const BACK_TO_FEDERATION = `switch ${LIVE_CREDENTIAL_SETTING} back to federation`;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The short reason for an AzureCliCredential failure (az missing, not signed in, wrong tenant, refused). */
export function explainAzureCliError(error: unknown, tenantId?: string): FederatedSecretsError {
  if (error instanceof FederatedSecretsError) return error;
  const message = messageOf(error);
  if (/Azure CLI could not be found/i.test(message)) {
    return new FederatedSecretsError('exchangeFailed', `Azure CLI is not installed or not on PATH — install it or ${BACK_TO_FEDERATION}.`, { cause: error });
  }
  if (/run 'az login'|az login/i.test(message) && !/claims/i.test(message)) {
    return new FederatedSecretsError('exchangeFailed', `The Azure CLI is not signed in — run "az login${tenantId ? ` --tenant ${tenantId}` : ''}" in a terminal or ${BACK_TO_FEDERATION}.`, { cause: error });
  }
  const otherTenant = /not configured to acquire tokens for tenant (\S+?)\.?\s/.exec(`${message} `);
  if (otherTenant) {
    return new FederatedSecretsError('exchangeFailed', `The vault belongs to tenant ${otherTenant[1] ?? ''}, but the Azure CLI is asked for tokens of the federation's tenant${tenantId ? ` ${tenantId}` : ''}.`, {
      field: 'azure.tenantId',
      advice: `Correct azure.tenantId of the federation, or ${BACK_TO_FEDERATION}.`,
      cause: error,
    });
  }
  const first = (message.split(/\r?\n/).find((line) => line.trim() !== '') ?? '').replace(/^ERROR:\s*/, '').trim();
  return new FederatedSecretsError('exchangeFailed', `The Azure CLI could not get a token for the vault: ${first || 'no reason given'}`, {
    advice: `Run "az account get-access-token --resource https://vault.azure.net" in a terminal to see why, or ${BACK_TO_FEDERATION}.`,
    cause: error,
  });
}

export interface AzureCliTokenCredentialOptions {
  /** The federation's `azure.tenantId`, when present: tokens are asked for that tenant. */
  tenantId?: string;
  /** How long one `az` process may run. */
  processTimeoutMs: number;
  now?: () => number;
}

/**
 * AzureCliCredential with a token cache keyed by scope and tenant (the vault's challenge names the tenant; the
 * credential's own tenant is the same entry) and errors translated into short reasons.
 */
export class AzureCliTokenCredential implements TokenCredential {
  private inner: Promise<TokenCredential> | undefined;
  private readonly tokens = new Map<string, Promise<AccessToken>>();
  /** `az` processes started through this credential. */
  invocations = 0;

  constructor(private readonly options: AzureCliTokenCredentialOptions) {}

  get tenantId(): string | undefined {
    return this.options.tenantId;
  }

  private credential(): Promise<TokenCredential> {
    this.inner ??= (async () => {
      const { AzureCliCredential } = await import('@azure/identity');
      return new AzureCliCredential({ ...(this.options.tenantId ? { tenantId: this.options.tenantId } : {}), processTimeoutInMs: this.options.processTimeoutMs });
    })();
    return this.inner;
  }

  private fresh(token: AccessToken): boolean {
    return token.expiresOnTimestamp - 120_000 > (this.options.now ?? Date.now)();
  }

  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const list = Array.isArray(scopes) ? scopes : [scopes];
    const own = this.options.tenantId?.toLowerCase();
    const tenant = options.tenantId && options.tenantId.toLowerCase() !== own ? options.tenantId.toLowerCase() : '';
    const key = `${list.join(' ')}|${tenant}`;
    const existing = this.tokens.get(key);
    if (existing) {
      try {
        const token = await existing;
        if (this.fresh(token)) return token;
      } catch {
        // A failure is not cached; ask again.
      }
    }
    const pending = (async () => {
      const credential = await this.credential();
      this.invocations++;
      let token: AccessToken | null;
      try {
        token = await credential.getToken(list, { ...(options.tenantId ? { tenantId: options.tenantId } : {}) });
      } catch (error) {
        throw explainAzureCliError(error, this.options.tenantId);
      }
      if (!token?.token) throw new FederatedSecretsError('exchangeFailed', 'The Azure CLI returned no access token.', { advice: `Run "az login" again, or ${BACK_TO_FEDERATION}.` });
      return token;
    })();
    this.tokens.set(key, pending);
    try {
      return await pending;
    } catch (error) {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
      throw error;
    }
  }
}
