import type { Range } from '../diagnostics';
import type { ConfigDocument, MappingEntry } from '../model/types';
import { LineIndex } from '../model/text';
import type { WorkspaceIndex } from '../workspace/index';
import type { CursorInput } from './context';
import { symbolAt } from './context';
import type { LastCheck, LiveContext } from './live';
import { describeSecret } from './live';

export interface HoverResult {
  /** Markdown; names and metadata only, never a value. */
  markdown: string;
  range: Range;
}

function checkLine(check: LastCheck | undefined): string {
  if (!check) return 'Not tested yet — run **Federated Secrets: Test Connection**.';
  const icon = check.status === 'ok' ? '$(pass)' : check.status === 'warning' ? '$(warning)' : '$(error)';
  return `${icon} Last test ${new Date(check.at).toISOString().replace('T', ' ').slice(0, 16)} UTC: ${check.summary}`;
}

function vaultLabel(store: ConfigDocument<'secretstore'>): string {
  const config = store.config;
  return config?.azureKeyVault?.vaultName ?? config?.azureKeyVault?.vaultUrl ?? config?.provider ?? 'vault';
}

function liveLine(store: ConfigDocument<'secretstore'>, mapping: MappingEntry, live: LiveContext): string {
  const state = store.name ? live.names?.(store.name) : undefined;
  if (!state) return 'Live state: not checked (live names are off or not loaded).';
  if (state.status === 'loading') return 'Live state: loading…';
  if (state.status !== 'ready') return `Live state: unavailable — ${state.reason}`;
  const info = state.names.find((n) => n.name === mapping.secretName);
  return info ? `Live state: ${describeSecret(info, live.now())}${state.stale ? ' (cached)' : ''}` : `Live state: **missing from the vault**${state.stale ? ' (cached list)' : ''}`;
}

function chain(index: WorkspaceIndex, store: ConfigDocument<'secretstore'>, mapping: MappingEntry, live: LiveContext): string[] {
  const federation = index.federationOf(store);
  const fedConfig = federation?.config;
  const uses = index.usesOf(store.name ?? '', mapping.reference);
  return [
    `**${store.name ?? '?'}/${mapping.reference}** → vault secret \`${mapping.secretName}\`${mapping.version ? ` (version \`${mapping.version}\`)` : ''} in \`${vaultLabel(store)}\``,
    '',
    `Reference \`${mapping.reference}\` → store **${store.name ?? '?'}** → secret \`${mapping.secretName}\` → federation **${store.federationRef?.name ?? '?'}**${federation ? ` (${fedConfig?.cloudProvider ?? '?'}, ${fedConfig?.issuer?.type ?? '?'} issuer)` : ' (not found)'}`,
    '',
    liveLine(store, mapping, live),
    '',
    uses.length ? `Used by: ${uses.map((u) => `${u.consumer.name ?? u.consumer.file} (\`${u.field.path.join('.')}\`)`).join(', ')}` : 'Not used by any consumer.',
    '',
    checkLine(store.name ? live.lastCheck?.(store.name, 'secretstore') : undefined),
  ];
}

/** Hover on a mapping's secret name or reference, a `secretRef`, or a federation/store name. */
export function hover(input: CursorInput, index: WorkspaceIndex, live: LiveContext): HoverResult | undefined {
  const symbol = symbolAt(input);
  if (symbol) {
    if (symbol.kind === 'reference') {
      const { store, mapping } = index.resolveReference(symbol.store, symbol.name);
      if (!store) return { range: symbol.range, markdown: `No store named **${symbol.store}**.` };
      if (!mapping) return { range: symbol.range, markdown: `Store **${symbol.store}** maps no reference \`${symbol.name}\`.` };
      return { range: symbol.range, markdown: chain(index, store, mapping, live).join('\n') };
    }
    if (symbol.kind === 'store') {
      const store = index.find('secretstore', symbol.name);
      if (!store) return { range: symbol.range, markdown: `No store named **${symbol.name}**.` };
      const config = store.config;
      const lines = [
        `**${symbol.name}** — ${config?.provider ?? '?'} \`${vaultLabel(store)}\` through federation **${store.federationRef?.name ?? '?'}**`,
        '',
        `${store.mappings?.length ?? 0} mapping(s); ${index.usesOf(symbol.name).length} use(s) by consumers.`,
        '',
        checkLine(live.lastCheck?.(symbol.name, 'secretstore')),
      ];
      return { range: symbol.range, markdown: lines.join('\n') };
    }
    const federation = index.find('federation', symbol.name);
    if (!federation) return { range: symbol.range, markdown: `No Identity Federation named **${symbol.name}**.` };
    const config = federation.config;
    const issuer = config?.issuer;
    const lines = [
      `**${symbol.name}** — ${config?.cloudProvider ?? '?'} federation, ${issuer?.type ?? '?'} issuer`,
      '',
      issuer && 'issuerUrl' in issuer ? `Issuer: \`${issuer.issuerUrl}\`` : '',
      issuer?.type === 'self' ? `Subject: \`${issuer.subject}\` · Audience: \`${issuer.audience ?? 'api://AzureADTokenExchange'}\`` : '',
      '',
      `Used by ${index.storesUsing(symbol.name).length} store(s).`,
      '',
      checkLine(live.lastCheck?.(symbol.name, 'federation')),
    ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
    return { range: symbol.range, markdown: lines.join('\n') };
  }
  // A mapping's secretName: the same chain as its reference.
  const store = index.getOfKind(input.file, 'secretstore');
  if (!store) return undefined;
  const position = new LineIndex(input.text).positionAt(input.offset);
  const mapping = store.mappings?.find((m) => contains(m.secretNameRange, position));
  return mapping ? { range: mapping.secretNameRange, markdown: chain(index, store, mapping, live).join('\n') } : undefined;
}

function contains(range: Range, p: { line: number; character: number }): boolean {
  const after = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const before = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return after && before;
}
