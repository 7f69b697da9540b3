import type { SecretStoreConfig } from '../model/types';
import type { AzureKeyVaultDeps } from './azureKeyVault';
import { AzureKeyVaultProvider } from './azureKeyVault';
import type { SecretStoreProvider } from './provider';
import { notSupportedProvider } from './provider';

export type { ListOptions, MappingCheck, MappingStatus, SecretMetadata, SecretStoreProvider, StoreCallOptions } from './provider';
export { evaluateMapping, EXPIRES_SOON_DAYS, notSupportedProvider, providerLabel } from './provider';
export { AzureKeyVaultProvider, vaultUrlOf } from './azureKeyVault';
export type { AzureKeyVaultDeps } from './azureKeyVault';

/**
 * The provider of a store. Azure Key Vault is implemented; the other secret managers throw FSE011
 * ("not supported yet"). Host policy errors (FSE010) are thrown before any token is requested.
 */
export async function createSecretStoreProvider(store: Pick<SecretStoreConfig, 'provider' | 'azureKeyVault'>, deps: AzureKeyVaultDeps): Promise<SecretStoreProvider> {
  if (store.provider === 'azureKeyVault') return AzureKeyVaultProvider.create(store, deps);
  throw notSupportedProvider(store.provider);
}
