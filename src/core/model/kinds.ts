/** The kinds of config file, identified by file-name suffix. */
export const CONFIG_KINDS = [
  'federation',
  'secretstore',
  'authprofile',
  'clientregistration',
  'keystore',
  'repository',
  'connection',
] as const;

export type ConfigKind = (typeof CONFIG_KINDS)[number];

export type ConsumerKind = Exclude<ConfigKind, 'federation' | 'secretstore'>;

export const CONSUMER_KINDS: readonly ConsumerKind[] = ['authprofile', 'clientregistration', 'keystore', 'repository', 'connection'];

export const KIND_LABELS: Record<ConfigKind, string> = {
  federation: 'Identity Federation',
  secretstore: 'External Secret Store',
  authprofile: 'OAuth 2.0 Authentication Profile',
  clientregistration: 'OAuth 2.0 Client Registration',
  keystore: 'Keystore',
  repository: 'Repository',
  connection: 'Connection',
};

/** Glob matching every config file, for file watchers and searches. */
export const CONFIG_FILE_GLOB = `**/*.{${CONFIG_KINDS.join(',')}}.json`;

export function kindOfFile(fileName: string): ConfigKind | undefined {
  const lower = fileName.toLowerCase();
  for (const kind of CONFIG_KINDS) {
    if (lower.endsWith(`.${kind}.json`)) return kind;
  }
  return undefined;
}

export function isConsumerKind(kind: ConfigKind): kind is ConsumerKind {
  return (CONSUMER_KINDS as readonly string[]).includes(kind);
}

/**
 * Fields that hold secrets, per consumer kind (JSON paths). A literal there is a plaintext secret; other
 * secret-valued fields (an id, a keystore path) may legitimately be literal.
 */
export const SENSITIVE_FIELDS: Record<ConsumerKind, readonly (readonly string[])[]> = {
  authprofile: [['clientSecret']],
  clientregistration: [['clientSecret']],
  keystore: [['password'], ['keyPassword']],
  repository: [['credentials', 'password'], ['credentials', 'secretAccessKey'], ['credentials', 'connectionString']],
  connection: [['password']],
};

/** Every field that accepts a secret value (literal or reference), per consumer kind. */
export const SECRET_VALUE_FIELDS: Record<ConsumerKind, readonly (readonly string[])[]> = {
  authprofile: [['clientId'], ['clientSecret']],
  clientregistration: [['clientId'], ['clientSecret']],
  keystore: [['file'], ['password'], ['keyPassword']],
  repository: [
    ['credentials', 'username'],
    ['credentials', 'password'],
    ['credentials', 'accessKeyId'],
    ['credentials', 'secretAccessKey'],
    ['credentials', 'connectionString'],
  ],
  connection: [['user'], ['password']],
};
