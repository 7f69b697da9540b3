/**
 * The status bar summary of the workspace: how many secret stores (and auth profiles) passed, warned, failed or
 * were not tested yet, from the last connection tests.
 */
import type { LastCheck } from '../editor/live';
import type { WorkspaceIndex } from '../workspace/index';
import type { TestableKind } from './report';
import { relativeTime } from './report';

export type LastCheckLookup = (kind: TestableKind, name: string) => LastCheck | undefined;

export interface StatusCounts {
  total: number;
  ok: number;
  warning: number;
  failed: number;
  untested: number;
}

export interface WorkspaceStatus {
  /** Status bar text with a codicon, e.g. `$(shield) 3 stores: 2 ok, 1 failing`. */
  text: string;
  /** Plain-text tooltip, one line per store and auth profile. */
  tooltip: string;
  /** The worst state: drives the item's background (error / warning) in the adapter. */
  severity: 'ok' | 'warning' | 'error' | 'none';
  stores: StatusCounts;
  profiles: StatusCounts;
}

function count(names: readonly string[], kind: TestableKind, lookup: LastCheckLookup): StatusCounts {
  const counts: StatusCounts = { total: names.length, ok: 0, warning: 0, failed: 0, untested: 0 };
  for (const name of names) {
    const check = lookup(kind, name);
    if (!check) counts.untested++;
    else if (check.status === 'failed') counts.failed++;
    else if (check.status === 'warning') counts.warning++;
    else counts.ok++;
  }
  return counts;
}

function uniqueNames(index: WorkspaceIndex, kind: 'secretstore' | 'authprofile'): string[] {
  return [...new Set(index.ofKind(kind).flatMap((d) => (d.name ? [d.name] : [])))].sort((a, b) => a.localeCompare(b));
}

function parts(counts: StatusCounts): string {
  const out: string[] = [];
  if (counts.ok) out.push(`${counts.ok} ok`);
  if (counts.warning) out.push(`${counts.warning} with warnings`);
  if (counts.failed) out.push(`${counts.failed} failing`);
  if (counts.untested) out.push(`${counts.untested} not tested`);
  return out.join(', ');
}

function describe(check: LastCheck | undefined, now: number): string {
  if (!check) return 'not tested';
  const word = check.status === 'ok' ? 'ok' : check.status === 'warning' ? 'passed with warnings' : 'failing';
  return `${word} (${relativeTime(check.at, now)}) — ${check.summary}`;
}

/**
 * The summary: the text counts secret stores (the instances users care about most); the tooltip lists every
 * store and auth profile with its last result. Undefined when the workspace holds neither.
 */
export function workspaceStatus(index: WorkspaceIndex, lookup: LastCheckLookup, now: number): WorkspaceStatus | undefined {
  const storeNames = uniqueNames(index, 'secretstore');
  const profileNames = uniqueNames(index, 'authprofile');
  if (!storeNames.length && !profileNames.length) return undefined;
  const stores = count(storeNames, 'secretstore', lookup);
  const profiles = count(profileNames, 'authprofile', lookup);
  const headline = storeNames.length ? stores : profiles;
  const noun = storeNames.length ? (stores.total === 1 ? 'store' : 'stores') : profiles.total === 1 ? 'auth profile' : 'auth profiles';
  const icon = stores.failed + profiles.failed ? '$(error)' : stores.warning + profiles.warning ? '$(warning)' : '$(shield)';
  const text = `${icon} ${headline.total} ${noun}: ${parts(headline)}`;
  const lines = ['Federated Secrets — last connection tests'];
  if (storeNames.length) {
    lines.push('', `Secret stores: ${parts(stores)}`);
    for (const name of storeNames) lines.push(`  ${name}: ${describe(lookup('secretstore', name), now)}`);
  }
  if (profileNames.length) {
    lines.push('', `Auth profiles: ${parts(profiles)}`);
    for (const name of profileNames) lines.push(`  ${name}: ${describe(lookup('authprofile', name), now)}`);
  }
  lines.push('', 'Click to open the Federated Secrets view; "Test All" tests every store and auth profile.');
  const failed = stores.failed + profiles.failed;
  const warned = stores.warning + profiles.warning;
  const tested = stores.total + profiles.total - stores.untested - profiles.untested;
  const severity = failed ? 'error' : warned ? 'warning' : tested ? 'ok' : 'none';
  return { text, tooltip: lines.join('\n'), severity, stores, profiles };
}
