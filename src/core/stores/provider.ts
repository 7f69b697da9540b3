/**
 * One interface for every secret manager. Listing returns names and metadata only — never values; a value is
 * resolved only where a check truly needs it, returned to the caller and not kept, logged or cached.
 */
import { FederatedSecretsError } from '../errors';
import { closestMatch } from '../model/text';
import type { SecretMapping, StoreProvider } from '../model/types';

export interface SecretMetadata {
  name: string;
  enabled: boolean;
  expiresOn?: Date;
  notBefore?: Date;
  updatedOn?: Date;
  contentType?: string;
  tags?: Record<string, string>;
  version?: string;
}

export type MappingStatus = 'ok' | 'expiresSoon' | 'missing' | 'disabled' | 'expired' | 'notYetValid';

export interface MappingCheck {
  mapping: SecretMapping;
  status: MappingStatus;
  /** Plain-language finding (names and dates only). */
  message: string;
  /** FSE05x code for anything but ok. */
  code?: string;
  metadata?: SecretMetadata;
}

export interface StoreCallOptions {
  signal?: AbortSignal;
}

export interface ListOptions extends StoreCallOptions {
  /** Called after each page with the number of secrets listed so far. */
  onProgress?(count: number): void;
}

export interface SecretStoreProvider {
  readonly provider: StoreProvider;
  /** Where the store is (vault URL), for messages. */
  readonly endpoint: string;
  /** Every secret's name and metadata (all pages). Never reads a value. */
  listSecretProperties(options?: ListOptions): Promise<SecretMetadata[]>;
  /**
   * Checks that each mapping's secret exists, is enabled and is within its validity window. Uses `listed`
   * when given (so a store is listed once); pinned versions are looked up among the secret's versions.
   */
  checkMappings(mappings: readonly SecretMapping[], options?: StoreCallOptions & { listed?: readonly SecretMetadata[] }): Promise<MappingCheck[]>;
  /** The value behind one mapping, for the one step that needs it. The caller must not keep it. */
  resolveValue(mapping: SecretMapping, options?: StoreCallOptions): Promise<string>;
}

/** Mappings whose secret expires within this many days are reported as a warning. */
export const EXPIRES_SOON_DAYS = 30;

function date(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The verdict on one mapping given the secret's metadata (undefined = not found). Pure; `names` feed "did you mean". */
export function evaluateMapping(mapping: SecretMapping, metadata: SecretMetadata | undefined, nowMs: number, names: Iterable<string> = []): MappingCheck {
  const label = `"${mapping.reference}" → ${mapping.secretName}${mapping.version ? ` (version ${mapping.version})` : ''}`;
  if (!metadata) {
    const suggestion = closestMatch(mapping.secretName, names);
    return {
      mapping,
      status: 'missing',
      code: 'FSE050',
      message: `${label}: no such secret${mapping.version ? ' version' : ''} in the vault.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
    };
  }
  if (!metadata.enabled) return { mapping, metadata, status: 'disabled', code: 'FSE051', message: `${label}: the secret is disabled.` };
  if (metadata.expiresOn && metadata.expiresOn.getTime() <= nowMs) {
    return { mapping, metadata, status: 'expired', code: 'FSE052', message: `${label}: the secret expired on ${date(metadata.expiresOn)}.` };
  }
  if (metadata.notBefore && metadata.notBefore.getTime() > nowMs) {
    return { mapping, metadata, status: 'notYetValid', code: 'FSE053', message: `${label}: the secret is not valid before ${date(metadata.notBefore)}.` };
  }
  if (metadata.expiresOn && metadata.expiresOn.getTime() - nowMs < EXPIRES_SOON_DAYS * 86_400_000) {
    const days = Math.max(0, Math.floor((metadata.expiresOn.getTime() - nowMs) / 86_400_000));
    return { mapping, metadata, status: 'expiresSoon', code: 'FSE054', message: `${label}: the secret expires on ${date(metadata.expiresOn)} (in ${days} day${days === 1 ? '' : 's'}).` };
  }
  return { mapping, metadata, status: 'ok', message: `${label}: enabled${metadata.expiresOn ? `, expires ${date(metadata.expiresOn)}` : ''}.` };
}

const PROVIDER_LABELS: Record<StoreProvider, string> = {
  azureKeyVault: 'Azure Key Vault',
  awsSecretsManager: 'AWS Secrets Manager',
  gcpSecretManager: 'Google Cloud Secret Manager',
  hashicorpVault: 'HashiCorp Vault',
};

export function providerLabel(provider: string | undefined): string {
  return (provider && PROVIDER_LABELS[provider as StoreProvider]) || String(provider ?? 'unknown');
}

/** The typed error for secret managers that are configured but not implemented yet. */
export function notSupportedProvider(provider: string | undefined): FederatedSecretsError {
  return new FederatedSecretsError('notSupported', `${providerLabel(provider)} is not supported yet; only Azure Key Vault stores can be tested and browsed for now.`, {
    field: 'provider',
    advice: 'The configuration is still validated and its references checked; live tests for this secret manager will follow.',
  });
}
