import type { Range } from '../diagnostics';
import type { ConfigKind, ConsumerKind } from './kinds';

export type CloudProvider = 'azure' | 'aws' | 'gcp';
export type StoreProvider = 'azureKeyVault' | 'awsSecretsManager' | 'gcpSecretManager' | 'hashicorpVault';

export interface SecretReferenceValue {
  secretRef: string;
}
/** A literal string, or a reference to a secret held in an external store. */
export type SecretValue = string | SecretReferenceValue;

export interface SelfIssuer {
  type: 'self';
  issuerUrl: string;
  subject: string;
  audience?: string;
  signingAlgorithm?: 'RS256' | 'ES256';
  tokenLifetimeSeconds?: number;
}
export interface OidcIssuer {
  type: 'oidc';
  issuerUrl: string;
  clientId: string;
  audience?: string;
  scope?: string;
}
export interface TokenFileIssuer {
  type: 'tokenFile';
  path: string;
}
export type Issuer = SelfIssuer | OidcIssuer | TokenFileIssuer;

export interface AzureFederationSettings {
  tenantId: string;
  clientId: string;
  authorityHost?: string;
  scope?: string;
}
export interface AwsFederationSettings {
  roleArn: string;
  region: string;
  roleSessionName?: string;
  audience?: string;
}
export interface GcpFederationSettings {
  workloadIdentityProvider: string;
  serviceAccountEmail?: string;
}

export interface FederationConfig {
  name: string;
  description?: string;
  cloudProvider: CloudProvider;
  issuer: Issuer;
  azure?: AzureFederationSettings;
  aws?: AwsFederationSettings;
  gcp?: GcpFederationSettings;
}

export interface SecretMapping {
  reference: string;
  secretName: string;
  version?: string;
}

export interface SecretStoreConfig {
  name: string;
  description?: string;
  provider: StoreProvider;
  authentication: { type: 'identityFederation'; federation: string };
  azureKeyVault?: { vaultName?: string; vaultUrl?: string };
  awsSecretsManager?: { region: string };
  gcpSecretManager?: { projectId: string };
  hashicorpVault?: { address: string; mount?: string; authPath?: string; role: string };
  secrets?: SecretMapping[];
}

export interface AuthProfileConfig {
  name: string;
  description?: string;
  type: 'oauth2';
  grantType: 'clientCredentials';
  tokenEndpoint: string;
  clientId: SecretValue;
  clientSecret: SecretValue;
  scopes?: string[];
  audience?: string;
  clientAuthentication?: 'basic' | 'post';
}

export interface ClientRegistrationConfig {
  name: string;
  description?: string;
  clientId: SecretValue;
  clientSecret: SecretValue;
  grantTypes?: string[];
  redirectUris?: string[];
  scopes?: string[];
}

export interface KeystoreConfig {
  name: string;
  description?: string;
  format: 'PKCS12' | 'JKS' | 'PEM';
  file: SecretValue;
  password: SecretValue;
  keyPassword?: SecretValue;
  alias?: string;
}

export interface RepositoryConfig {
  name: string;
  description?: string;
  type: string;
  location: string;
  credentials?: Partial<Record<'username' | 'password' | 'accessKeyId' | 'secretAccessKey' | 'connectionString', SecretValue>>;
}

export interface ConnectionConfig {
  name: string;
  description?: string;
  type: 'database' | 'kafka';
  driver?: string;
  host: string;
  port?: number;
  database?: string;
  user: SecretValue;
  password: SecretValue;
  tls?: boolean;
}

export interface ConfigByKind {
  federation: FederationConfig;
  secretstore: SecretStoreConfig;
  authprofile: AuthProfileConfig;
  clientregistration: ClientRegistrationConfig;
  keystore: KeystoreConfig;
  repository: RepositoryConfig;
  connection: ConnectionConfig;
}

/** A use of a secret value in a consumer: where it is and what it points at. */
export interface SecretFieldUse {
  /** JSON path of the field, e.g. ['credentials', 'password']. */
  path: string[];
  /** Range of the field's value in the file. */
  range: Range;
  /** Present when the field holds `{ "secretRef": ... }`. */
  secretRef?: { raw: string; range: Range; store?: string; reference?: string };
  /** True when the field holds a literal string. */
  literal: boolean;
  sensitive: boolean;
}

/** One mapping of a store, with positions. */
export interface MappingEntry extends SecretMapping {
  index: number;
  range: Range;
  referenceRange: Range;
  secretNameRange: Range;
}

/**
 * One config file after parsing: its instance (when the file has a usable shape — possibly with schema
 * errors), positions of the parts other files refer to, and the file's own diagnostics.
 */
export interface ConfigDocument<K extends ConfigKind = ConfigKind> {
  file: string;
  kind: K;
  /** The parsed value, as written (undefined when the file does not parse to an object). */
  config?: Partial<ConfigByKind[K]>;
  name?: string;
  nameRange?: Range;
  /** Range covering the whole instance, for navigation. */
  range: Range;
  /** True when the file parsed and passed schema validation. */
  schemaValid: boolean;
  /** Where the federation is named (stores only). */
  federationRef?: { name: string; range: Range };
  /** The store's mappings (stores only). */
  mappings?: MappingEntry[];
  /** Secret-valued fields (consumers only). */
  secretFields?: SecretFieldUse[];
  /** Ranges of selected paths (joined with '/'), for precise diagnostics. */
  positions: Map<string, Range>;
}

export type AnyConsumerDocument = ConfigDocument<ConsumerKind>;
