import type { ConfigKind } from './kinds';
import { KIND_LABELS } from './kinds';
import { SCHEMA_FILES } from './schemas';
import type {
  AuthProfileConfig,
  ClientRegistrationConfig,
  CloudProvider,
  ConnectionConfig,
  FederationConfig,
  KeystoreConfig,
  RepositoryConfig,
  SecretStoreConfig,
  StoreProvider,
} from './types';

/**
 * Templates for new config files. Each is valid against its schema as written; what it cannot know (which
 * federation or store exists, real tenant ids) is filled with placeholders the workspace checks point at.
 */

interface NameDefinition {
  pattern: string;
  minLength: number;
  maxLength: number;
  patternErrorMessage: string;
}

/** The `name` definition of the common schema — the one source of truth for what a name may be. */
function nameDefinition(): NameDefinition {
  const common = SCHEMA_FILES['common.schema.json'] as { definitions: { name: NameDefinition } };
  return common.definitions.name;
}

const NAME = nameDefinition();
const NAME_PATTERN = new RegExp(NAME.pattern);

/**
 * Checks a name typed for a new instance: the schema's rules, then uniqueness among the names the kind
 * already has. Returns what is wrong, or undefined when the name is fine.
 */
export function validateNewName(kind: ConfigKind, name: string, existingNames: Iterable<string>): string | undefined {
  if (name.length < NAME.minLength) return 'Enter a name.';
  if (name.length > NAME.maxLength) return `A name has at most ${NAME.maxLength} characters (this one has ${name.length}).`;
  if (!NAME_PATTERN.test(name)) return NAME.patternErrorMessage;
  for (const existing of existingNames) {
    if (existing === name) return `${withArticle(KIND_LABELS[kind])} named "${name}" already exists. Names must be unique per kind.`;
  }
  return undefined;
}

function withArticle(label: string): string {
  return `${/^[AEIOU]/.test(label) ? 'An' : 'A'} ${label}`;
}

/** "FlightsAPI" -> "flights-api", "MKT_Airlines.v2" -> "mkt-airlines-v2": the base of a new file's name. */
export function toKebabCase(name: string): string {
  const kebab = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return kebab;
}

/** `<kebab-name>.<kind>.json` */
export function newFileName(kind: ConfigKind, name: string): string {
  return `${toKebabCase(name) || kind}.${kind}.json`;
}

/** The secret manager that accepts a cloud's federation (the first of them, for a new store). */
export function storeProviderForCloud(cloud: CloudProvider | undefined): StoreProvider {
  switch (cloud) {
    case 'aws':
      return 'awsSecretsManager';
    case 'gcp':
      return 'gcpSecretManager';
    default:
      return 'azureKeyVault';
  }
}

/** Names the templates use when the workspace has nothing to point at yet. */
export const PLACEHOLDER_FEDERATION = 'MyFederation';
export const PLACEHOLDER_STORE = 'MySecretStore';

export interface TemplateContext {
  /** The federation a new store authenticates through (an existing one, or the placeholder). */
  federation?: string;
  /** The cloud of that federation, to pick a matching secret manager. */
  federationCloud?: CloudProvider;
  /** The store new consumers reference (an existing one, or the placeholder). */
  store?: string;
  /** Overrides the cloud of a new federation (default azure). */
  cloudProvider?: CloudProvider;
  /** Overrides the secret manager of a new store. */
  provider?: StoreProvider;
}

function federationTemplate(name: string, context: TemplateContext): FederationConfig {
  const slug = toKebabCase(name) || 'app';
  const cloud = context.cloudProvider ?? 'azure';
  const base = {
    name,
    description: 'Copy issuerUrl, subject and audience into the federated credential of the cloud identity, then replace the placeholder ids below.',
    cloudProvider: cloud,
  };
  switch (cloud) {
    case 'aws':
      return {
        ...base,
        issuer: { type: 'self', issuerUrl: `https://issuer.example.com/${slug}/`, subject: `app:${slug}`, audience: 'sts.amazonaws.com' },
        aws: { roleArn: 'arn:aws:iam::123456789012:role/app-secrets-reader', region: 'eu-west-1' },
      };
    case 'gcp':
      return {
        ...base,
        issuer: { type: 'self', issuerUrl: `https://issuer.example.com/${slug}/`, subject: `app:${slug}` },
        gcp: { workloadIdentityProvider: 'projects/123456789012/locations/global/workloadIdentityPools/my-pool/providers/my-provider' },
      };
    default:
      return {
        ...base,
        issuer: { type: 'self', issuerUrl: `https://issuer.example.com/${slug}/`, subject: `app:${slug}`, audience: 'api://AzureADTokenExchange' },
        azure: { tenantId: '00000000-0000-0000-0000-000000000000', clientId: '00000000-0000-0000-0000-000000000000', scope: 'https://vault.azure.net/.default' },
      };
  }
}

function secretStoreTemplate(name: string, context: TemplateContext): SecretStoreConfig {
  const provider = context.provider ?? storeProviderForCloud(context.federationCloud);
  const store: SecretStoreConfig = {
    name,
    description: 'Map each vault secret to a reference; consumers use it as { "secretRef": "<store>/<reference>" }.',
    provider,
    authentication: { type: 'identityFederation', federation: context.federation ?? PLACEHOLDER_FEDERATION },
  };
  switch (provider) {
    case 'awsSecretsManager':
      store.awsSecretsManager = { region: 'eu-west-1' };
      break;
    case 'gcpSecretManager':
      store.gcpSecretManager = { projectId: 'my-project-id' };
      break;
    case 'hashicorpVault':
      store.hashicorpVault = { address: 'https://vault.example.com:8200', role: 'my-role' };
      break;
    default:
      store.azureKeyVault = { vaultName: 'my-key-vault' };
  }
  store.secrets = [{ reference: 'ExampleSecret', secretName: 'example-secret' }];
  return store;
}

function ref(context: TemplateContext, reference: string): { secretRef: string } {
  return { secretRef: `${context.store ?? PLACEHOLDER_STORE}/${reference}` };
}

/** A reference name derived from the instance name, e.g. "FlightsAPI" + "ClientSecret". */
function refName(name: string, suffix: string): string {
  const base = name.replace(/[^A-Za-z0-9_.-]/g, '');
  return `${base}${suffix}`;
}

function consumerTemplate(kind: Exclude<ConfigKind, 'federation' | 'secretstore'>, name: string, context: TemplateContext): object {
  switch (kind) {
    case 'authprofile': {
      const profile: AuthProfileConfig = {
        name,
        type: 'oauth2',
        grantType: 'clientCredentials',
        tokenEndpoint: 'https://idp.example.com/oauth2/token',
        clientId: ref(context, refName(name, 'ClientId')),
        clientSecret: ref(context, refName(name, 'ClientSecret')),
        scopes: ['api.read'],
      };
      return profile;
    }
    case 'clientregistration': {
      const registration: ClientRegistrationConfig = {
        name,
        clientId: ref(context, refName(name, 'ClientId')),
        clientSecret: ref(context, refName(name, 'ClientSecret')),
        grantTypes: ['clientCredentials'],
      };
      return registration;
    }
    case 'keystore': {
      const keystore: KeystoreConfig = {
        name,
        format: 'PKCS12',
        file: ref(context, refName(name, 'Keystore')),
        password: ref(context, refName(name, 'KeystorePassword')),
      };
      return keystore;
    }
    case 'repository': {
      const repository: RepositoryConfig = {
        name,
        type: 'azureBlob',
        location: 'https://myaccount.blob.core.windows.net/my-container',
        credentials: { connectionString: ref(context, refName(name, 'ConnectionString')) },
      };
      return repository;
    }
    case 'connection': {
      const connection: ConnectionConfig = {
        name,
        type: 'database',
        driver: 'postgresql',
        host: 'db.example.com',
        port: 5432,
        database: 'app',
        user: ref(context, refName(name, 'DbUser')),
        password: ref(context, refName(name, 'DbPassword')),
        tls: true,
      };
      return connection;
    }
  }
}

/** The text of a new config file of a kind, named `name`. */
export function configTemplate(kind: ConfigKind, name: string, context: TemplateContext = {}): string {
  let value: object;
  if (kind === 'federation') value = federationTemplate(name, context);
  else if (kind === 'secretstore') value = secretStoreTemplate(name, context);
  else value = consumerTemplate(kind, name, context);
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Where a new file of a kind goes within a workspace folder: next to the existing files of that kind, else
 * next to any config file, else the folder itself (undefined). Paths use '/', as URI paths do.
 */
export function preferredDirectory(existing: readonly { path: string; kind: ConfigKind }[], kind: ConfigKind): string | undefined {
  const sorted = [...existing].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const pick = sorted.find((f) => f.kind === kind) ?? sorted[0];
  if (!pick) return undefined;
  const slash = pick.path.lastIndexOf('/');
  return slash > 0 ? pick.path.slice(0, slash) : undefined;
}
