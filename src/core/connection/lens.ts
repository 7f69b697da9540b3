/**
 * The CodeLenses above a federation, store or auth profile: "▶ Test Connection", and after a run its outcome
 * ("✓ passed 2 min ago", "✗ failed at Token exchange …"), which opens the report.
 */
import type { Range } from '../diagnostics';
import type { LastCheck } from '../editor/live';
import type { ConfigDocument } from '../model/types';
import type { TestableKind } from './report';
import { isTestableKind, lastCheckTitle } from './report';

export interface LensPlan {
  range: Range;
  title: string;
  tooltip: string;
  action: 'test' | 'showReport';
}

/** Lenses for one config file; none for kinds without a connection test or an instance without a name. */
export function connectionLenses(doc: ConfigDocument, lookup: (kind: TestableKind, name: string) => (LastCheck & { failedAt?: string; warnings?: number }) | undefined, now: number, trusted: boolean): LensPlan[] {
  if (!isTestableKind(doc.kind) || !doc.name) return [];
  const at = doc.range.start;
  const range: Range = { start: at, end: at };
  const lenses: LensPlan[] = [
    {
      range,
      title: trusted ? '▶ Test Connection' : '▶ Test Connection (needs a trusted workspace)',
      tooltip: trusted ? `Test "${doc.name}" end to end, step by step` : 'Connection tests mint tokens and contact the cloud: they run only in a trusted workspace',
      action: 'test',
    },
  ];
  const check = lookup(doc.kind, doc.name);
  if (check) lenses.push({ range, title: lastCheckTitle(check, now), tooltip: `${check.summary}\nClick to show the report.`, action: 'showReport' });
  return lenses;
}
