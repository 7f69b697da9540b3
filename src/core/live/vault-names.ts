/**
 * Lists a store's vault secret names and metadata (never values) for completion, hovers and live diagnostics:
 * the store's federation, its issuer, the credential from the shared token cache and the store provider — the
 * same pieces the connection test uses — or, where the user chose it, their own Azure CLI sign-in (the vault
 * host policy applies unchanged). Failures become one short reason (via the engine's explainer) that the
 * editor can show once.
 */
import type { TokenCredential } from '@azure/identity';
import { explainError } from '../check/explain';
import type { ExplainContext, ExplainPhase, Explanation } from '../check/explain';
import type { VaultSecretInfo } from '../editor/live';
import type { VaultListing } from '../editor/live-diagnostics';
import { ERROR_CODES, FederatedSecretsError } from '../errors';
import type { RetryBounds } from '../federation/azure';
import { DEFAULT_AZURE_SCOPE, DEFAULT_RETRY_BOUNDS, FederationTokenCache } from '../federation/azure';
import type { LiveCredentialChoice } from '../federation/azure-cli';
import { DEFAULT_LIVE_CREDENTIAL, usableTenantId } from '../federation/azure-cli';
import { SelfTokenIssuer, createIssuer } from '../federation/issuer';
import type { ConfigDocument, FederationConfig, SecretStoreConfig } from '../model/types';
import { DEFAULT_AUTHORITY_HOST, checkAuthorityHost, checkVaultHost, displayHost } from '../net/hosts';
import { Redactor, redactingLogger } from '../redact';
import type { Runtime } from '../runtime';
import type { SecretMetadata } from '../stores/index';
import { createSecretStoreProvider, vaultUrlOf } from '../stores/index';
import type { WorkspaceIndex } from '../workspace/index';

export interface ListVaultNamesOptions {
  signal?: AbortSignal;
  /** The session's token cache (one exchange per federation); a fresh one when omitted. */
  cache?: FederationTokenCache;
  retry?: Partial<RetryBounds>;
  /** Called after each page with the number of names listed so far. */
  onProgress?: (count: number) => void;
  /**
   * Which identity lists the vault: `federation` (default) — the store's Identity Federation; `azureCli` — the
   * user's own `az login` sign-in (a user-level choice; the vault host policy applies unchanged).
   */
  credential?: LiveCredentialChoice;
}

/** Why a store's names could not be listed: a short reason for the editor, and the explainer's details. */
export class VaultNamesError extends Error {
  /** `FSE012` (offline), `KV403`, `AADSTS70021`, … */
  readonly code: string;
  readonly advice?: string;
  readonly field?: string;
  /** The step that failed. */
  readonly phase: ExplainPhase | 'config';
  /** The identity reached the vault but may not list it (403 on list): not broken, just not enumerable. */
  readonly permissionOnly: boolean;

  constructor(reason: string, details: { code: string; phase: ExplainPhase | 'config'; advice?: string; field?: string; permissionOnly?: boolean }) {
    super(reason);
    this.name = 'VaultNamesError';
    this.code = details.code;
    this.phase = details.phase;
    this.permissionOnly = details.permissionOnly ?? false;
    if (details.advice) this.advice = details.advice;
    if (details.field) this.field = details.field;
  }

  /** The reason with its advice, for a message shown once. */
  get reason(): string {
    return this.advice ? `${this.message} ${this.advice}` : this.message;
  }
}

function configError(message: string, code: string, advice?: string, field?: string): VaultNamesError {
  return new VaultNamesError(message, { code, phase: 'config', ...(advice ? { advice } : {}), ...(field ? { field } : {}) });
}

function safeHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return displayHost(new URL(url));
  } catch {
    return undefined;
  }
}

function toInfo(m: SecretMetadata): VaultSecretInfo {
  const info: VaultSecretInfo = { name: m.name, enabled: m.enabled };
  if (m.expiresOn) info.expiresOn = m.expiresOn;
  if (m.notBefore) info.notBefore = m.notBefore;
  if (m.updatedOn) info.updatedOn = m.updatedOn;
  if (m.contentType) info.contentType = m.contentType;
  if (m.tags && Object.keys(m.tags).length) info.tags = { ...m.tags };
  return info;
}

/**
 * What decides where a store's names come from: its provider and vault, and its federation's cloud, issuer and
 * Azure settings. When it changes, names listed before no longer apply.
 */
export function storeFingerprint(index: WorkspaceIndex, store: ConfigDocument<'secretstore'>): string {
  const config = store.config;
  const federation = index.federationOf(store)?.config;
  return JSON.stringify([
    config?.provider ?? null,
    config?.azureKeyVault ?? null,
    store.federationRef?.name ?? null,
    federation ? [federation.cloudProvider ?? null, federation.issuer ?? null, federation.azure ?? null] : null,
  ]);
}

/**
 * Every secret's name and metadata in the vault of `storeName`. Refuses before any network access when the
 * runtime is offline (an untrusted workspace), and before any token is requested when a host is not permitted.
 * Throws VaultNamesError with a short reason.
 */
export async function listVaultNames(index: WorkspaceIndex, storeName: string, runtime: Runtime, options: ListVaultNamesOptions = {}): Promise<VaultSecretInfo[]> {
  if (!runtime.network.online) {
    throw configError('Live secret names are off in Restricted Mode (untrusted workspace): no vault is contacted.', ERROR_CODES.offline, 'Trust the workspace to list vault names.');
  }
  const store = index.find('secretstore', storeName);
  if (!store) throw configError(`No secret store is named "${storeName}".`, ERROR_CODES.instanceNotFound);
  const storeConfig = store.config as SecretStoreConfig | undefined;
  if (storeConfig?.provider !== 'azureKeyVault') {
    const e = explainError(new FederatedSecretsError('notSupported', `${storeConfig?.provider ?? 'This secret manager'} cannot be listed yet; only Azure Key Vault stores can.`), { phase: 'vault' });
    throw configError(e.message, e.code, undefined, 'provider');
  }
  let vaultUrl: string;
  let vaultField: string;
  try {
    ({ url: vaultUrl, field: vaultField } = vaultUrlOf(storeConfig));
  } catch (error) {
    const e = error as FederatedSecretsError;
    throw configError(e.message, e.code, e.advice, e.field);
  }
  const federationName = store.federationRef?.name;
  const federationDoc = index.federationOf(store);
  const choice = options.credential ?? DEFAULT_LIVE_CREDENTIAL;
  if (choice === 'azureCli') {
    // The user's own sign-in: the federation only lends its tenant (when it names one); it need not be complete.
    const federation = federationDoc?.config as FederationConfig | undefined;
    return listWithAzureCli(storeConfig, vaultUrl, vaultField, usableTenantId(federation?.azure?.tenantId), federation?.azure?.scope, runtime, options);
  }
  if (!federationDoc) {
    throw configError(
      federationName ? `The store "${storeName}" authenticates through the federation "${federationName}", which does not exist.` : `The store "${storeName}" names no Identity Federation.`,
      ERROR_CODES.invalidConfig,
      'Create the federation or correct authentication.federation.',
      'authentication.federation',
    );
  }
  const federation = federationDoc.config as FederationConfig | undefined;
  const federationErrors = index.diagnosticsFor(federationDoc.file).filter((d) => d.severity === 'error');
  if (!federation?.issuer || !federation.azure || federationErrors.length) {
    const first = federationErrors[0];
    throw configError(
      `The Identity Federation "${federationDoc.name ?? federationName ?? ''}" has configuration errors${first ? ` (${first.code}: ${first.message})` : ''}.`,
      ERROR_CODES.invalidConfig,
      'Fix them (see Problems) to list the vault.',
    );
  }

  // Host policy before anything else: a host the user did not allow never sees a token request.
  const { redactor, run, bounds, cache, signal, vaultHost } = prepareListing(runtime, options, vaultUrl, vaultField, { authorityHost: federation.azure.authorityHost });
  const authorityHost = federation.azure.authorityHost ?? DEFAULT_AUTHORITY_HOST;

  let context: Omit<ExplainContext, 'signal' | 'timeoutMs'> = { phase: 'issuer' };
  try {
    // Local preconditions first: a missing signing key needs no request to be reported.
    const issuer = createIssuer(federation, { runtime: run, redactor });
    if (issuer instanceof SelfTokenIssuer) await issuer.keys();

    const authority = safeHost(authorityHost);
    context = { phase: 'exchange', ...(authority ? { host: authority } : {}), hostField: 'azure.authorityHost' };
    const credential = cache.credentialFor(federation, issuer, run.network);
    const { token } = await credential.exchange(federation.azure.scope ?? DEFAULT_AZURE_SCOPE, {
      ...(signal ? { abortSignal: signal } : {}),
      requestOptions: { timeout: run.network.requestTimeoutMs },
    });
    redactor.add(token.token);

    context = { phase: 'vault', ...(vaultHost ? { host: vaultHost } : {}), hostField: vaultField, vault: vaultUrl };
    return await listWith(credential, storeConfig, run, redactor, bounds, options);
  } catch (error) {
    if (error instanceof VaultNamesError) throw error;
    throw toVaultNamesError(error, context, redactor, signal, run.network.requestTimeoutMs, vaultUrl);
  }
}

async function listWith(credential: TokenCredential, storeConfig: SecretStoreConfig, run: Runtime, redactor: Redactor, bounds: RetryBounds, options: ListVaultNamesOptions): Promise<VaultSecretInfo[]> {
  const signal = options.signal;
  const provider = await createSecretStoreProvider(storeConfig, { credential, runtime: run, redactor, bounds });
  const listed = await provider.listSecretProperties({ ...(signal ? { signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return listed.map(toInfo);
}

/**
 * The listing with the user's Azure CLI sign-in: the vault host passes the host policy before `az` is run; the
 * token is asked for first (so a missing or signed-out CLI is reported as such), then the vault is listed.
 */
async function listWithAzureCli(
  storeConfig: SecretStoreConfig,
  vaultUrl: string,
  vaultField: string,
  tenantId: string | undefined,
  scope: string | undefined,
  runtime: Runtime,
  options: ListVaultNamesOptions,
): Promise<VaultSecretInfo[]> {
  const { redactor, run, bounds, cache, signal, vaultHost } = prepareListing(runtime, options, vaultUrl, vaultField);
  let context: Omit<ExplainContext, 'signal' | 'timeoutMs'> = { phase: 'exchange' };
  try {
    const credential = cache.azureCliCredentialFor(tenantId, run.network);
    const token = await credential.getToken(scope ?? DEFAULT_AZURE_SCOPE, signal ? { abortSignal: signal } : {});
    redactor.add(token.token);
    if (signal?.aborted) throw new FederatedSecretsError('cancelled', 'Cancelled.');
    context = { phase: 'vault', ...(vaultHost ? { host: vaultHost } : {}), hostField: vaultField, vault: vaultUrl };
    return await listWith(credential, storeConfig, run, redactor, bounds, options);
  } catch (error) {
    if (error instanceof VaultNamesError) throw error;
    throw toVaultNamesError(error, context, redactor, signal, run.network.requestTimeoutMs, vaultUrl, 'azureCli');
  }
}

/**
 * What both listings start with: the host policy (the authority too, when a federation exchanges the token),
 * then a redacting runtime, retry bounds and the token cache.
 */
function prepareListing(runtime: Runtime, options: ListVaultNamesOptions, vaultUrl: string, vaultField: string, exchange?: { authorityHost: string | undefined }) {
  try {
    if (exchange) checkAuthorityHost(exchange.authorityHost, runtime.network);
    checkVaultHost(vaultUrl, runtime.network, vaultField);
  } catch (error) {
    const e = error as FederatedSecretsError;
    throw configError(e.message, e.code, e.advice, e.field);
  }
  const redactor = new Redactor();
  const run: Runtime = { ...runtime, logger: redactingLogger(runtime.logger, redactor) };
  const bounds = { ...DEFAULT_RETRY_BOUNDS, ...options.retry };
  const cache = options.cache ?? new FederationTokenCache(bounds);
  return { redactor, run, bounds, cache, signal: options.signal, vaultHost: safeHost(vaultUrl) };
}

function toVaultNamesError(
  error: unknown,
  context: Omit<ExplainContext, 'signal' | 'timeoutMs'>,
  redactor: Redactor,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  vaultUrl: string,
  choice: LiveCredentialChoice = DEFAULT_LIVE_CREDENTIAL,
): VaultNamesError {
  const e: Explanation = explainError(error, { ...context, ...(signal ? { signal } : {}), timeoutMs });
  const redacted = (text: string | undefined) => (text === undefined ? undefined : redactor.redact(text));
  // A network failure of a host is the field naming that host (errors raised by the core's own HTTP client carry none).
  const networkCodes: string[] = [ERROR_CODES.network, ERROR_CODES.timeout, ERROR_CODES.tls];
  const field = e.field ?? (networkCodes.includes(e.code) ? context.hostField : undefined);
  const details = { code: e.code, phase: context.phase, ...(e.advice ? { advice: redacted(e.advice) } : {}), ...(field ? { field } : {}) };
  if (e.code === 'KV403' && context.phase === 'vault') {
    return new VaultNamesError(`403 on list: the identity cannot enumerate the secrets of ${vaultUrl} — grant "list" to enable completion.`, {
      ...details,
      advice:
        choice === 'azureCli'
          ? 'Give your Azure CLI identity (az account show) the "Key Vault Secrets User" role on the vault, or the "list" secret permission in an access policy. Mapped names still complete.'
          : 'Give the app registration the "Key Vault Secrets User" role on the vault, or the "list" secret permission in an access policy. Mapped names still complete.',
      permissionOnly: true,
    });
  }
  return new VaultNamesError(redactor.redact(e.message), details);
}

/** The reason a listing failed, for the name cache and messages shown once. */
export function describeVaultNamesError(error: unknown): string {
  if (error instanceof VaultNamesError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}

/** The outcome of a listing as live diagnostics take it. */
export function vaultListingOf(outcome: { names: readonly VaultSecretInfo[] } | { error: unknown }): VaultListing {
  if ('names' in outcome) return { ok: true, names: outcome.names };
  const error = outcome.error;
  if (error instanceof VaultNamesError) {
    return { ok: false, message: error.message, ...(error.advice ? { advice: error.advice } : {}), permissionOnly: error.permissionOnly };
  }
  return { ok: false, message: error instanceof Error ? error.message : String(error) };
}
