import type { Range } from '../diagnostics';
import type { SecretStoreConfig } from '../model/types';
import type { WorkspaceIndex } from '../workspace/index';
import type { CursorInput } from './context';
import { cursorContext } from './context';
import type { LiveContext, LiveNamesState, VaultSecretInfo } from './live';
import { describeSecret, isUsable } from './live';

export type CompletionKind = 'secret' | 'reference' | 'federation';

export interface CompletionItem {
  label: string;
  /** The JSON text that replaces `range` (a quoted string). */
  insertText: string;
  /** What the editor filters on; includes the opening quote, as the replaced range does. */
  filterText: string;
  range: Range;
  kind: CompletionKind;
  detail?: string;
  /** Markdown. */
  documentation?: string;
  sortText: string;
  /** Disabled or expired secrets are offered struck through. */
  deprecated?: boolean;
}

export interface CompletionResult {
  items: CompletionItem[];
  /** Why live names are missing (offline, unauthorized, loading), for the editor to say once. */
  notice?: { store: string; message: string };
}

const CLOUD_OF_PROVIDER: Record<string, string | undefined> = { azureKeyVault: 'azure', awsSecretsManager: 'aws', gcpSecretManager: 'gcp' };

function item(label: string, range: Range, kind: CompletionKind, sortText: string, extra: Partial<CompletionItem> = {}): CompletionItem {
  const insertText = JSON.stringify(label);
  return { label, insertText, filterText: insertText, range, kind, sortText, ...extra };
}

function noticeFor(store: string, state: LiveNamesState | undefined): CompletionResult['notice'] {
  if (!state) return { store, message: `Live secret names are off; showing the names already mapped.` };
  if (state.status === 'loading') return { store, message: `Loading secret names of "${store}" from the vault…` };
  if (state.status === 'unavailable' || state.status === 'disabled') return { store, message: `Secret names of "${store}" are not available: ${state.reason}` };
  return undefined;
}

/**
 * Completion at the cursor: vault secret names in a store's `secrets[].secretName`, `store/reference` in any
 * `secretRef`, federation names in `authentication.federation`. A pure function of the text, the cursor, the
 * workspace index and what is already known live; it never waits for the network.
 */
export function complete(input: CursorInput, index: WorkspaceIndex, live: LiveContext): CompletionResult {
  const context = cursorContext(input);
  switch (context.kind) {
    case 'secretName':
      return completeSecretNames(input.file, context.replace, context.mappingIndex, index, live);
    case 'secretRef':
      return { items: completeReferences(context.replace, index, live) };
    case 'federationName':
      return { items: completeFederations(input.file, context.replace, index) };
    default:
      return { items: [] };
  }
}

function completeSecretNames(file: string, range: Range, mappingIndex: number, index: WorkspaceIndex, live: LiveContext): CompletionResult {
  const store = index.getOfKind(file, 'secretstore');
  const storeName = store?.name;
  const mappedBy = new Map<string, string[]>();
  for (const mapping of store?.mappings ?? []) {
    if (mapping.index === mappingIndex) continue;
    const list = mappedBy.get(mapping.secretName) ?? [];
    list.push(mapping.reference);
    mappedBy.set(mapping.secretName, list);
  }
  const state = storeName && live.names ? live.names(storeName) : undefined;
  const now = live.now();
  const items: CompletionItem[] = [];
  if (state?.status === 'ready') {
    const result: CompletionResult = { items: secretItems(state.names, range, mappedBy, now) };
    return result;
  } else {
    // Offline: the names this store (and others on the same vault) already use are still worth offering.
    const vault = vaultKey(store?.config);
    const known = new Set<string>();
    for (const other of index.ofKind('secretstore')) {
      if (other !== store && (!vault || vaultKey(other.config) !== vault)) continue;
      for (const mapping of other.mappings ?? []) {
        if (mapping.secretName && !(other === store && mapping.index === mappingIndex)) known.add(mapping.secretName);
      }
    }
    for (const name of known) {
      const references = mappedBy.get(name);
      items.push(item(name, range, 'secret', `1${name}`, { detail: references ? `mapped as ${references.join(', ')} · not checked live` : 'known from another mapping · not checked live' }));
    }
  }
  const notice = storeName ? noticeFor(storeName, state) : undefined;
  return notice ? { items, notice } : { items };
}

function vaultKey(config: Partial<SecretStoreConfig> | undefined): string | undefined {
  const vault = config?.azureKeyVault;
  return vault?.vaultUrl?.toLowerCase().replace(/\/+$/, '') ?? (vault?.vaultName ? `https://${vault.vaultName.toLowerCase()}.vault.azure.net` : undefined);
}

interface PreparedSecret {
  name: string;
  insertText: string;
  state: string;
  documentation: string;
  usable: boolean;
  sortText: string;
}

// Describing 10,000 secrets costs far more than a keystroke may; it is done once per listing (and again when
// the day changes, since "expired" depends on the clock), then every completion reuses it.
const prepared = new WeakMap<readonly VaultSecretInfo[], { day: number; secrets: PreparedSecret[] }>();
const DAY_MS = 86_400_000;

function prepare(names: readonly VaultSecretInfo[], now: number): PreparedSecret[] {
  const day = Math.floor(now / DAY_MS);
  const cached = prepared.get(names);
  if (cached?.day === day) return cached.secrets;
  const secrets = names.map((info) => {
    const state = describeSecret(info, now);
    const tags = info.tags && Object.keys(info.tags).length ? `\n\nTags: ${Object.entries(info.tags).map(([k, v]) => `\`${k}=${v}\``).join(', ')}` : '';
    return { name: info.name, insertText: JSON.stringify(info.name), state, documentation: `Vault secret **${info.name}** — ${state}.${tags}`, usable: isUsable(info, now), sortText: `${isUsable(info, now) ? 0 : 3}${info.name}` };
  });
  prepared.set(names, { day, secrets });
  return secrets;
}

/**
 * A vault-name item: three fields, the rest derived on read. Listing 10,000 names allocates 10,000 of these per
 * completion request, so their size is what keeps the request within a few milliseconds (less garbage to collect).
 */
class SecretCompletion implements CompletionItem {
  readonly kind = 'secret' as const;
  constructor(
    private readonly secret: PreparedSecret,
    readonly range: Range,
    private readonly mappedAs: string[] | undefined,
  ) {}
  get label(): string {
    return this.secret.name;
  }
  get insertText(): string {
    return this.secret.insertText;
  }
  get filterText(): string {
    return this.secret.insertText;
  }
  get sortText(): string {
    return this.mappedAs ? `2${this.secret.name}` : this.secret.sortText;
  }
  get detail(): string {
    return this.mappedAs ? `${this.secret.state} · mapped as ${this.mappedAs.join(', ')}` : this.secret.state;
  }
  get documentation(): string {
    return this.mappedAs ? `${this.secret.documentation}\n\nAlready mapped as ${this.mappedAs.map((r) => `\`${r}\``).join(', ')}.` : this.secret.documentation;
  }
  get deprecated(): boolean {
    return !this.secret.usable;
  }
}

function secretItems(names: readonly VaultSecretInfo[], range: Range, mappedBy: Map<string, string[]>, now: number): CompletionItem[] {
  const secrets = prepare(names, now);
  const out = new Array<CompletionItem>(secrets.length);
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i] as PreparedSecret;
    out[i] = new SecretCompletion(secret, range, mappedBy.size ? mappedBy.get(secret.name) : undefined);
  }
  return out;
}

function completeReferences(range: Range, index: WorkspaceIndex, live: LiveContext): CompletionItem[] {
  const items: CompletionItem[] = [];
  const now = live.now();
  for (const store of index.ofKind('secretstore')) {
    if (!store.name) continue;
    const state = live.names?.(store.name);
    const byName = state?.status === 'ready' ? new Map(state.names.map((n) => [n.name, n])) : undefined;
    for (const mapping of store.mappings ?? []) {
      const label = `${store.name}/${mapping.reference}`;
      let liveState = 'not checked live';
      let usable = true;
      if (byName) {
        const info = byName.get(mapping.secretName);
        liveState = info ? describeSecret(info, now) : 'missing from the vault';
        usable = !!info && isUsable(info, now);
      }
      items.push(
        item(label, range, 'reference', `${usable ? 0 : 1}${label}`, {
          detail: `→ ${mapping.secretName} · ${liveState}`,
          documentation: `Reference **${mapping.reference}** of store **${store.name}** → vault secret \`${mapping.secretName}\`${mapping.version ? ` (version ${mapping.version})` : ''} — ${liveState}.`,
          deprecated: !usable,
        }),
      );
    }
  }
  return items;
}

function completeFederations(file: string, range: Range, index: WorkspaceIndex): CompletionItem[] {
  const store = index.getOfKind(file, 'secretstore')?.config;
  const wanted = store?.provider ? CLOUD_OF_PROVIDER[store.provider] : undefined;
  return index.ofKind('federation').flatMap((federation) => {
    if (!federation.name) return [];
    const config = federation.config;
    const cloud = config?.cloudProvider;
    const matches = !wanted || cloud === wanted;
    return [
      item(federation.name, range, 'federation', `${matches ? 0 : 1}${federation.name}`, {
        detail: `${cloud ?? 'unknown cloud'} · ${config?.issuer?.type ?? 'no issuer'} issuer${matches ? '' : ' · does not match the store provider'}`,
      }),
    ];
  });
}
