/**
 * Azure Key Vault behind the SecretStoreProvider interface, through `@azure/keyvault-secrets`' SecretClient
 * (loaded lazily). The vault host passes the host policy before any client is built.
 */
import type { TokenCredential } from '@azure/identity';
import type { SecretClient, SecretProperties } from '@azure/keyvault-secrets';
import { FederatedSecretsError } from '../errors';
import type { SecretMapping, SecretStoreConfig } from '../model/types';
import type { HostAccess } from '../net/hosts';
import { checkVaultHost } from '../net/hosts';
import type { Redactor } from '../redact';
import type { Runtime } from '../runtime';
import type { RetryBounds, SdkRequestStats } from '../federation/azure';
import { DEFAULT_RETRY_BOUNDS, sdkClientOptions } from '../federation/azure';
import type { ListOptions, MappingCheck, SecretMetadata, SecretStoreProvider, StoreCallOptions } from './provider';
import { evaluateMapping } from './provider';

/** The vault URL: `vaultUrl` as given, or `https://<vaultName>.vault.azure.net`. */
export function vaultUrlOf(store: Pick<SecretStoreConfig, 'azureKeyVault'>): { url: string; field: string } {
  const kv = store.azureKeyVault;
  if (kv?.vaultUrl) return { url: kv.vaultUrl.replace(/\/+$/, ''), field: 'azureKeyVault.vaultUrl' };
  if (kv?.vaultName) return { url: `https://${kv.vaultName}.vault.azure.net`, field: 'azureKeyVault.vaultName' };
  throw new FederatedSecretsError('invalidConfig', 'The store names no vault: give azureKeyVault.vaultName or azureKeyVault.vaultUrl.', { field: 'azureKeyVault' });
}

function toMetadata(p: SecretProperties): SecretMetadata {
  const m: SecretMetadata = { name: p.name, enabled: p.enabled !== false };
  if (p.expiresOn) m.expiresOn = p.expiresOn;
  if (p.notBefore) m.notBefore = p.notBefore;
  if (p.updatedOn) m.updatedOn = p.updatedOn;
  if (p.contentType) m.contentType = p.contentType;
  if (p.tags) m.tags = { ...p.tags };
  if (p.version) m.version = p.version;
  return m;
}

export interface AzureKeyVaultDeps {
  credential: TokenCredential;
  runtime: Runtime;
  redactor: Redactor;
  bounds?: RetryBounds;
  stats?: SdkRequestStats;
}

export class AzureKeyVaultProvider implements SecretStoreProvider {
  readonly provider = 'azureKeyVault';

  private constructor(
    readonly endpoint: string,
    readonly access: HostAccess,
    private readonly client: SecretClient,
    private readonly deps: AzureKeyVaultDeps,
  ) {}

  /** Throws FSE010 when the vault host is neither a Key Vault cloud host nor allowed by the user. */
  static async create(store: Pick<SecretStoreConfig, 'azureKeyVault'>, deps: AzureKeyVaultDeps): Promise<AzureKeyVaultProvider> {
    const { url, field } = vaultUrlOf(store);
    const access = checkVaultHost(url, deps.runtime.network, field);
    const { SecretClient } = await import('@azure/keyvault-secrets');
    const client = new SecretClient(url, deps.credential, {
      disableChallengeResourceVerification: access.relaxed,
      ...sdkClientOptions(access, deps.runtime.network, deps.bounds ?? DEFAULT_RETRY_BOUNDS, deps.stats),
    });
    return new AzureKeyVaultProvider(url, access, client, deps);
  }

  async listSecretProperties(options: ListOptions = {}): Promise<SecretMetadata[]> {
    const out: SecretMetadata[] = [];
    const pages = this.client.listPropertiesOfSecrets(options.signal ? { abortSignal: options.signal } : {}).byPage();
    for await (const page of pages) {
      for (const properties of page) out.push(toMetadata(properties));
      options.onProgress?.(out.length);
    }
    return out;
  }

  private async versionMetadata(name: string, version: string, options: StoreCallOptions): Promise<SecretMetadata | undefined> {
    try {
      for await (const properties of this.client.listPropertiesOfSecretVersions(name, options.signal ? { abortSignal: options.signal } : {})) {
        if (properties.version === version) return toMetadata(properties);
      }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
    return undefined;
  }

  async checkMappings(mappings: readonly SecretMapping[], options: StoreCallOptions & { listed?: readonly SecretMetadata[] } = {}): Promise<MappingCheck[]> {
    const listed = options.listed ?? (await this.listSecretProperties(options));
    const byName = new Map<string, SecretMetadata>();
    // Key Vault names are case-insensitive.
    for (const m of listed) byName.set(m.name.toLowerCase(), m);
    const now = this.deps.runtime.clock.now();
    const names = listed.map((m) => m.name);
    const results: MappingCheck[] = [];
    for (const mapping of mappings) {
      let metadata = byName.get(mapping.secretName.toLowerCase());
      if (metadata && mapping.version) metadata = await this.versionMetadata(metadata.name, mapping.version, options);
      results.push(evaluateMapping(mapping, metadata, now, names));
    }
    return results;
  }

  async resolveValue(mapping: SecretMapping, options: StoreCallOptions = {}): Promise<string> {
    const secret = await this.client.getSecret(mapping.secretName, {
      ...(mapping.version ? { version: mapping.version } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
    const value = secret.value;
    if (value === undefined) {
      throw new FederatedSecretsError('secretValueUnavailable', `The secret ${mapping.secretName} has no value.`, { field: 'secrets' });
    }
    this.deps.redactor.add(value);
    return value;
  }
}
