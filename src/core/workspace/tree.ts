import type { Position, Range } from '../diagnostics';
import type { LastCheck } from '../editor/live';
import type { ConfigKind, ConsumerKind } from '../model/kinds';
import { CONSUMER_KINDS, KIND_LABELS, isConsumerKind } from '../model/kinds';
import type { ConfigDocument, FederationConfig, MappingEntry, SecretFieldUse, SecretStoreConfig } from '../model/types';
import type { WorkspaceIndex } from './index';

/**
 * The sidebar tree as plain data: what each item shows, where it leads and what its menus are keyed by. The
 * extension turns nodes into TreeItems one to one; everything worth testing is decided here.
 *
 * Literal values of secret-valued fields are never put into a node (not in labels, descriptions or tooltips),
 * whatever the field — a literal in a field not marked sensitive may still be a secret pasted in by mistake.
 */

/** How an icon is tinted; the extension maps these to theme colors. */
export type TreeIconColor = 'error' | 'warning' | 'success';

export interface TreeIcon {
  /** A codicon id, such as `shield` or `key`. */
  id: string;
  color?: TreeIconColor;
}

export interface TreeNode {
  /** Stable across rebuilds for the same file and path, so expansion and selection survive a refresh. */
  id: string;
  parentId?: string;
  label: string;
  description?: string;
  /** Plain text (lines separated by '\n'). */
  tooltip?: string;
  icon?: TreeIcon;
  /** What `view/item/context` menus match, e.g. `federation`, `secretField.unresolved`. */
  contextValue: string;
  /** Where the item leads: a file of the index and the range to select. */
  location?: { file: string; range: Range };
  children: TreeNode[];
  /** Whether an item with children starts expanded. */
  expanded: boolean;
  /** Names commands invoked on the item need (never secret values). */
  data?: Record<string, string>;
}

export interface TreeModel {
  roots: TreeNode[];
  byId: ReadonlyMap<string, TreeNode>;
  /** The node of each file's instance, by file. */
  instanceOf: ReadonlyMap<string, TreeNode>;
  /** Diagnostics over the whole workspace, for a badge. */
  counts: { errors: number; warnings: number };
}

export interface TreeOptions {
  /** Show each store's mappings as its children. */
  showMappings: boolean;
  /** How a file is shown in tooltips (e.g. relative to the workspace). */
  displayPath?: (file: string) => string;
  /**
   * The last connection test of a federation, store or auth profile, if any: its icon is tinted by the result
   * (ok, warning, failed; untinted when not tested) and its tooltip and description say how it went.
   */
  lastCheck?: (kind: CheckedKind, name: string) => LastCheck | undefined;
  /** How the time of a last check is shown in tooltips. */
  formatTime?: (at: number) => string;
}

/** The kinds a connection test records results for. */
export type CheckedKind = 'federation' | 'secretstore' | 'authprofile';

const CHECK_COLORS: Record<LastCheck['status'], TreeIconColor> = { ok: 'success', warning: 'warning', failed: 'error' };
const CHECK_WORDS: Record<LastCheck['status'], string> = { ok: 'test passed', warning: 'test passed with warnings', failed: 'test failed' };

export const GROUP_IDS = { federations: 'group:federations', stores: 'group:stores', consumers: 'group:consumers' } as const;

export const CLOUD_LABELS: Record<string, string> = { azure: 'Azure', aws: 'AWS', gcp: 'Google Cloud' };
const CLOUD_IDP_LABELS: Record<string, string> = { azure: 'Microsoft Entra ID', aws: 'AWS STS', gcp: 'Google Cloud STS' };
export const ISSUER_LABELS: Record<string, string> = { self: 'self-issued', oidc: 'OIDC issuer', tokenFile: 'token file' };
export const PROVIDER_LABELS: Record<string, string> = {
  azureKeyVault: 'Azure Key Vault',
  awsSecretsManager: 'AWS Secrets Manager',
  gcpSecretManager: 'Google Secret Manager',
  hashicorpVault: 'HashiCorp Vault',
};
export const CONSUMER_SHORT_LABELS: Record<ConsumerKind, string> = {
  authprofile: 'Auth Profile',
  clientregistration: 'Client Registration',
  keystore: 'Keystore',
  repository: 'Repository',
  connection: 'Connection',
};
export const KIND_ICONS: Record<ConfigKind, string> = {
  federation: 'shield',
  secretstore: 'database',
  authprofile: 'account',
  clientregistration: 'organization',
  keystore: 'lock',
  repository: 'repo',
  connection: 'plug',
};

/** What a consumer's secret field comes to. */
export type SecretFieldState = 'resolved' | 'unknownStore' | 'unmapped' | 'malformed' | 'plaintext' | 'literal' | 'invalid';

const MAX_SHOWN = 200;

/** A string from an unchecked config value, shortened for display; undefined for anything else. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function baseName(file: string): string {
  const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return cut >= 0 ? file.slice(cut + 1) : file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function line(label: string, value: string | undefined): string[] {
  return value === undefined ? [] : [`${label}: ${value}`];
}

/** Builds the tree of every instance in the index. An empty workspace has no roots (the view's welcome shows). */
export function buildTree(index: WorkspaceIndex, options: TreeOptions): TreeModel {
  return new TreeBuilder(index, options).build();
}

class TreeBuilder {
  private readonly byId = new Map<string, TreeNode>();
  private readonly instanceOf = new Map<string, TreeNode>();
  private readonly problems = new Map<string, { errors: number; warnings: number }>();
  private readonly storesByName = new Map<string, ConfigDocument<'secretstore'>>();
  private readonly federationNames = new Set<string>();
  private readonly uses = new Map<string, { consumer: ConfigDocument; field: SecretFieldUse }[]>();
  private readonly display: (file: string) => string;
  private counts = { errors: 0, warnings: 0 };

  constructor(
    private readonly index: WorkspaceIndex,
    private readonly options: TreeOptions,
  ) {
    this.display = options.displayPath ?? ((f) => f);
  }

  build(): TreeModel {
    const documents = this.index.documents();
    if (documents.length === 0) return { roots: [], byId: this.byId, instanceOf: this.instanceOf, counts: this.counts };
    this.countProblems();
    // The first store of a name wins, as in WorkspaceIndex.find (documents are sorted by file).
    for (const doc of documents) {
      if (doc.kind === 'federation' && doc.name) this.federationNames.add(doc.name);
      if (doc.kind === 'secretstore' && doc.name && !this.storesByName.has(doc.name)) this.storesByName.set(doc.name, doc as ConfigDocument<'secretstore'>);
      for (const field of doc.secretFields ?? []) {
        const ref = field.secretRef;
        if (!ref?.store || !ref.reference) continue;
        const key = `${ref.store}/${ref.reference}`;
        const list = this.uses.get(key) ?? [];
        list.push({ consumer: doc, field });
        this.uses.set(key, list);
      }
    }
    const byLabel = (a: ConfigDocument, b: ConfigDocument) => compareText(a.name ?? baseName(a.file), b.name ?? baseName(b.file)) || compareText(a.file, b.file);
    const federations = documents.filter((d) => d.kind === 'federation').sort(byLabel);
    const stores = documents.filter((d): d is ConfigDocument<'secretstore'> => d.kind === 'secretstore').sort(byLabel);
    const consumers = documents
      .filter((d) => isConsumerKind(d.kind))
      .sort((a, b) => CONSUMER_KINDS.indexOf(a.kind as ConsumerKind) - CONSUMER_KINDS.indexOf(b.kind as ConsumerKind) || byLabel(a, b));

    const roots = [
      this.group(GROUP_IDS.federations, 'Identity Federations', 'group.federations', federations.map((d) => this.federation(d, stores))),
      this.group(GROUP_IDS.stores, 'Secret Stores', 'group.stores', stores.map((d) => this.store(d))),
      this.group(GROUP_IDS.consumers, 'Consumers', 'group.consumers', consumers.map((d) => this.consumer(d))),
    ];
    for (const root of roots) this.register(root, undefined);
    return { roots, byId: this.byId, instanceOf: this.instanceOf, counts: this.counts };
  }

  private countProblems(): void {
    for (const d of this.index.allDiagnostics()) {
      const entry = this.problems.get(d.file) ?? { errors: 0, warnings: 0 };
      if (d.severity === 'error') {
        entry.errors++;
        this.counts.errors++;
      } else if (d.severity === 'warning') {
        entry.warnings++;
        this.counts.warnings++;
      }
      this.problems.set(d.file, entry);
    }
  }

  private register(node: TreeNode, parentId: string | undefined): void {
    if (parentId !== undefined) node.parentId = parentId;
    this.byId.set(node.id, node);
    for (const child of node.children) this.register(child, node.id);
  }

  private group(id: string, label: string, contextValue: string, children: TreeNode[]): TreeNode {
    return { id, label, description: children.length ? String(children.length) : 'none', contextValue, children, expanded: true };
  }

  /** What every instance item has: name, icon (an error icon when its file has errors), tooltip, location. */
  private instance(doc: ConfigDocument, contextValue: string, description: string[], details: string[], children: TreeNode[]): TreeNode {
    const problems = this.problems.get(doc.file) ?? { errors: 0, warnings: 0 };
    const summary: string[] = [];
    if (problems.errors) summary.push(plural(problems.errors, 'error'));
    if (problems.warnings) summary.push(plural(problems.warnings, 'warning'));
    const label = doc.name ?? baseName(doc.file);
    const checked = doc.name && (doc.kind === 'federation' || doc.kind === 'secretstore' || doc.kind === 'authprofile') ? this.options.lastCheck?.(doc.kind, doc.name) : undefined;
    const formatTime = this.options.formatTime ?? ((at: number) => new Date(at).toISOString());
    const tooltip = [
      doc.name ? `${KIND_LABELS[doc.kind]} "${doc.name}"` : `${KIND_LABELS[doc.kind]} (no name)`,
      ...line('Description', text(record(doc.config).description)),
      ...details,
      `File: ${this.display(doc.file)}`,
      ...(summary.length ? [`${summary.join(', ')} — see the Problems panel.`] : []),
      ...(checked ? [`Last connection test (${formatTime(checked.at)}): ${checked.summary}`] : []),
    ];
    const node: TreeNode = {
      id: `${doc.kind}:${doc.file}`,
      label,
      description: [...(doc.name ? [] : ['no name']), ...description, ...(checked ? [CHECK_WORDS[checked.status]] : [])].join(' · ') || undefined,
      tooltip: tooltip.join('\n'),
      icon: problems.errors ? { id: 'error', color: 'error' } : checked ? { id: KIND_ICONS[doc.kind], color: CHECK_COLORS[checked.status] } : { id: KIND_ICONS[doc.kind] },
      contextValue,
      location: { file: doc.file, range: doc.nameRange ?? { start: doc.range.start, end: doc.range.start } },
      children,
      expanded: false,
    };
    if (doc.name) node.data = { name: doc.name, kind: doc.kind };
    if (node.description === undefined) delete node.description;
    this.instanceOf.set(doc.file, node);
    return node;
  }

  private federation(doc: ConfigDocument, stores: ConfigDocument<'secretstore'>[]): TreeNode {
    const config = record(doc.config) as Partial<Record<keyof FederationConfig, unknown>>;
    const cloud = text(config.cloudProvider);
    const issuer = record(config.issuer);
    const issuerType = text(issuer.type);
    const details = [
      ...line('Cloud', cloud ? `${CLOUD_IDP_LABELS[cloud] ?? cloud} (${cloud})` : undefined),
      ...line('Issuer', issuerType ? (ISSUER_LABELS[issuerType] ?? issuerType) : undefined),
      ...line('Issuer URL', text(issuer.issuerUrl)),
      ...line('Subject', text(issuer.subject)),
      ...line('Audience', text(issuer.audience)),
      ...line('Issuer client id', text(issuer.clientId)),
      ...line('Token file', text(issuer.path)),
    ];
    const azure = record(config.azure);
    const aws = record(config.aws);
    const gcp = record(config.gcp);
    details.push(...line('Tenant id', text(azure.tenantId)), ...line('Client id', text(azure.clientId)), ...line('Scope', text(azure.scope)));
    details.push(...line('Role ARN', text(aws.roleArn)), ...line('Region', text(aws.region)));
    details.push(...line('Workload identity provider', text(gcp.workloadIdentityProvider)), ...line('Service account', text(gcp.serviceAccountEmail)));

    const users = doc.name ? stores.filter((s) => s.federationRef?.name === doc.name) : [];
    details.push(users.length ? `Used by ${plural(users.length, 'secret store')}: ${users.map((s) => s.name ?? baseName(s.file)).join(', ')}` : 'Not used by any secret store yet.');
    const id = `federation:${doc.file}`;
    const children = users.map((store): TreeNode => {
      const provider = text(record(store.config).provider);
      const child: TreeNode = {
        id: `${id}/store:${store.file}`,
        label: store.name ?? baseName(store.file),
        tooltip: `Secret store "${store.name ?? ''}" authenticates through this federation.\nFile: ${this.display(store.file)}`,
        icon: { id: KIND_ICONS.secretstore },
        contextValue: 'federation.store',
        location: { file: store.file, range: store.federationRef?.range ?? store.nameRange ?? store.range },
        children: [],
        expanded: false,
      };
      if (provider) child.description = PROVIDER_LABELS[provider] ?? provider;
      if (store.name) child.data = { name: store.name, kind: 'secretstore' };
      return child;
    });
    const description = [cloud ? (CLOUD_LABELS[cloud] ?? cloud) : undefined, issuerType ? (ISSUER_LABELS[issuerType] ?? issuerType) : undefined].filter((s): s is string => !!s);
    return this.instance(doc, 'federation', description, details, children);
  }

  private vaultOf(config: Record<string, unknown>, provider: string | undefined): string | undefined {
    switch (provider) {
      case 'azureKeyVault': {
        const kv = record(config.azureKeyVault);
        return text(kv.vaultName) ?? text(kv.vaultUrl);
      }
      case 'awsSecretsManager':
        return text(record(config.awsSecretsManager).region);
      case 'gcpSecretManager':
        return text(record(config.gcpSecretManager).projectId);
      case 'hashicorpVault':
        return text(record(config.hashicorpVault).address);
      default:
        return undefined;
    }
  }

  private store(doc: ConfigDocument<'secretstore'>): TreeNode {
    const config = record(doc.config) as Record<keyof SecretStoreConfig, unknown>;
    const provider = text(config.provider);
    const vault = this.vaultOf(config, provider);
    const federation = doc.federationRef?.name;
    const federationKnown = federation !== undefined && this.federationNames.has(federation);
    const mappings = doc.mappings ?? [];
    const details = [
      ...line('Secret manager', provider ? (PROVIDER_LABELS[provider] ?? provider) : undefined),
      ...line('Vault', vault),
      ...line('Federation', federation === undefined ? undefined : `${text(federation) ?? ''}${federationKnown ? '' : ' (not found)'}`),
      mappings.length ? `${plural(mappings.length, 'mapped secret')}` : 'No secrets mapped yet.',
    ];
    const id = `secretstore:${doc.file}`;
    const seen = new Map<string, number>();
    const children = this.options.showMappings
      ? mappings.map((m) => {
          const n = (seen.get(m.reference) ?? 0) + 1;
          seen.set(m.reference, n);
          return this.mapping(doc, m, `${id}/mapping:${m.reference}${n > 1 ? `#${n}` : ''}`);
        })
      : [];
    const description = [provider ? (PROVIDER_LABELS[provider] ?? provider) : undefined, vault].filter((s): s is string => !!s);
    return this.instance(doc, 'secretStore', description, details, children);
  }

  private mapping(store: ConfigDocument<'secretstore'>, mapping: MappingEntry, id: string): TreeNode {
    const uses = store.name ? (this.uses.get(`${store.name}/${mapping.reference}`) ?? []) : [];
    const consumers = new Set(uses.map((u) => u.consumer.file));
    const tooltip = [
      store.name ? `Secret reference "${store.name}/${mapping.reference}"` : `Secret reference "${mapping.reference}"`,
      `Vault secret: ${text(mapping.secretName) ?? ''}${mapping.version ? ` (version ${text(mapping.version) ?? ''})` : ''}`,
      uses.length ? `Used by: ${uses.map((u) => `${u.consumer.name ?? baseName(u.consumer.file)} (${u.field.path.join('.')})`).join(', ')}` : 'Not used by any consumer yet.',
    ];
    const node: TreeNode = {
      id,
      label: `${mapping.reference} → ${text(mapping.secretName) ?? ''}`,
      description: consumers.size ? `${plural(consumers.size, 'consumer')}` : 'unused',
      tooltip: tooltip.join('\n'),
      icon: { id: 'key' },
      contextValue: 'mapping',
      location: { file: store.file, range: mapping.range },
      children: [],
      expanded: false,
    };
    if (store.name) node.data = { store: store.name, reference: mapping.reference };
    return node;
  }

  private consumer(doc: ConfigDocument): TreeNode {
    const kind = doc.kind as ConsumerKind;
    const id = `${kind}:${doc.file}`;
    const fields = (doc.secretFields ?? []).map((f) => this.field(doc, f, id));
    const states = fields.map((f) => f.contextValue);
    const resolved = states.filter((s) => s === 'secretField.resolved').length;
    const unresolved = states.filter((s) => s === 'secretField.unresolved').length;
    const plaintext = states.filter((s) => s === 'secretField.plaintext').length;
    const summary = [`${plural(fields.length, 'secret field')}`];
    if (resolved) summary.push(`${resolved} resolved`);
    if (unresolved) summary.push(`${unresolved} unresolved`);
    if (plaintext) summary.push(`${plaintext} in plain text`);
    return this.instance(doc, `consumer.${kind}`, [CONSUMER_SHORT_LABELS[kind]], [summary.join(', ')], fields);
  }

  private field(consumer: ConfigDocument, field: SecretFieldUse, parentId: string): TreeNode {
    const name = field.path.join('.');
    const { state, store, mapping } = this.resolveField(field);
    const ref = field.secretRef;
    const node: TreeNode = {
      id: `${parentId}/field:${name}`,
      label: name,
      contextValue: state === 'resolved' ? 'secretField.resolved' : state === 'plaintext' ? 'secretField.plaintext' : state === 'literal' ? 'secretField.literal' : 'secretField.unresolved',
      location: { file: consumer.file, range: ref?.range ?? field.range },
      children: [],
      expanded: false,
    };
    const raw = ref?.store && ref.reference ? `${ref.store}/${ref.reference}` : undefined;
    switch (state) {
      case 'resolved': {
        const provider = text(record(store?.config).provider);
        const vault = store ? this.vaultOf(record(store.config), provider) : undefined;
        node.description = raw;
        node.icon = { id: 'pass', color: 'success' };
        node.tooltip = [
          `${name} → ${raw ?? ''}`,
          `Resolves to vault secret "${text(mapping?.secretName) ?? ''}"${mapping?.version ? ` (version ${text(mapping.version) ?? ''})` : ''}`,
          `in ${provider ? (PROVIDER_LABELS[provider] ?? provider) : 'store'}${vault ? ` ${vault}` : ''} (store "${ref?.store ?? ''}").`,
        ].join('\n');
        break;
      }
      case 'unknownStore':
        node.description = `${raw ?? ''} (unknown store)`;
        node.icon = { id: 'error', color: 'error' };
        node.tooltip = `${name} cannot be resolved: no External Secret Store is named "${ref?.store ?? ''}". Create that store, or fix the store name in the reference.`;
        break;
      case 'unmapped':
        node.description = `${raw ?? ''} (not mapped)`;
        node.icon = { id: 'error', color: 'error' };
        node.tooltip = `${name} cannot be resolved: the store "${ref?.store ?? ''}" maps no reference "${ref?.reference ?? ''}". Add a mapping { "reference": "${ref?.reference ?? ''}", "secretName": "…" } to its "secrets".`;
        break;
      case 'malformed':
        // The raw text is not shown: a secretRef without '/' may well be a secret pasted into the wrong place.
        node.description = 'malformed reference';
        node.icon = { id: 'error', color: 'error' };
        node.tooltip = `${name} cannot be resolved: a secretRef must be "<store>/<reference>" (exactly one '/', with text on both sides).`;
        break;
      case 'plaintext':
        node.description = 'plain text';
        node.icon = { id: 'warning', color: 'warning' };
        node.tooltip = `${name} holds a secret as plain text in the file. Move it to a vault and use { "secretRef": "<store>/<reference>" } instead.`;
        break;
      case 'literal':
        node.description = 'literal value';
        node.icon = { id: 'symbol-string' };
        node.tooltip = `${name} is written in the file. That is acceptable for a value that is not secret; a secretRef keeps it in the vault instead.`;
        break;
      case 'invalid':
        node.description = 'invalid value';
        node.icon = { id: 'error', color: 'error' };
        node.tooltip = `${name} must be a string or { "secretRef": "<store>/<reference>" }.`;
        break;
    }
    if (ref?.store && ref.reference) node.data = { store: ref.store, reference: ref.reference, field: field.path.join('/') };
    return node;
  }

  private resolveField(field: SecretFieldUse): { state: SecretFieldState; store?: ConfigDocument<'secretstore'>; mapping?: MappingEntry } {
    const ref = field.secretRef;
    if (ref) {
      if (!ref.store || !ref.reference) return { state: 'malformed' };
      const store = this.storesByName.get(ref.store);
      if (!store) return { state: 'unknownStore' };
      const mapping = store.mappings?.find((m) => m.reference === ref.reference);
      return mapping ? { state: 'resolved', store, mapping } : { state: 'unmapped', store };
    }
    if (field.literal) return { state: field.sensitive ? 'plaintext' : 'literal' };
    return { state: 'invalid' };
  }
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function contains(range: Range, position: Position): boolean {
  return before(range.start, position) && before(position, range.end);
}

/** The most specific node of a file at a position (a secret field, a mapping), else the file's instance. */
export function findNodeAt(model: TreeModel, file: string, position?: Position): TreeNode | undefined {
  const instance = model.instanceOf.get(file);
  if (!instance || !position) return instance;
  let best = instance;
  for (;;) {
    const next = best.children.find((c) => c.location?.file === file && contains(c.location.range, position));
    if (!next) return best;
    best = next;
  }
}
