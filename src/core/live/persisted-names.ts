/**
 * Persisted secret names (opt-in): per workspace, the name cache's snapshot (names and metadata only — there are no
 * values to persist) with the fingerprint each store was listed under, so names of a store whose vault or
 * federation changed since are never restored. At most a few workspaces are kept, the most recent first.
 */
import type { NameCacheSnapshot } from '../editor/name-cache';

export interface PersistedWorkspaceNames {
  savedAt: number;
  /** Store name → the fingerprint (storeFingerprint) its names were listed under. */
  fingerprints: Record<string, string>;
  snapshot: NameCacheSnapshot;
}

/** Workspace id → its names. */
export type PersistedNames = Record<string, PersistedWorkspaceNames>;

export const MAX_PERSISTED_WORKSPACES = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What was stored, or nothing when it is not in the expected shape (another version, a corrupted value). */
export function readPersistedNames(value: unknown): PersistedNames {
  if (!isRecord(value)) return {};
  const out: PersistedNames = {};
  for (const [id, entry] of Object.entries(value)) {
    if (!isRecord(entry) || typeof entry['savedAt'] !== 'number' || !isRecord(entry['fingerprints']) || !isRecord(entry['snapshot'])) continue;
    const snapshot = entry['snapshot'];
    if (snapshot['version'] !== 1 || !isRecord(snapshot['stores'])) continue;
    out[id] = entry as unknown as PersistedWorkspaceNames;
  }
  return out;
}

/**
 * The stored value after saving one workspace's snapshot: stores without a known fingerprint are left out, an
 * empty snapshot removes the workspace, and only the `max` most recently saved workspaces are kept. Undefined
 * when nothing remains (the key can be removed).
 */
export function withWorkspaceNames(
  stored: PersistedNames,
  workspaceId: string,
  snapshot: NameCacheSnapshot,
  fingerprints: ReadonlyMap<string, string>,
  now: number,
  max = MAX_PERSISTED_WORKSPACES,
): PersistedNames | undefined {
  const stores: NameCacheSnapshot['stores'] = {};
  const kept: Record<string, string> = {};
  for (const [name, entry] of Object.entries(snapshot.stores)) {
    const fingerprint = fingerprints.get(name);
    if (fingerprint === undefined) continue;
    stores[name] = entry;
    kept[name] = fingerprint;
  }
  const all: PersistedNames = { ...stored };
  if (Object.keys(stores).length) all[workspaceId] = { savedAt: now, fingerprints: kept, snapshot: { version: 1, stores } };
  else delete all[workspaceId];
  const recent = Object.entries(all)
    .sort(([, a], [, b]) => b.savedAt - a.savedAt)
    .slice(0, Math.max(0, max));
  return recent.length ? Object.fromEntries(recent) : undefined;
}

/** The part of a saved snapshot that still applies: stores whose fingerprint is unchanged. */
export function restorableSnapshot(saved: PersistedWorkspaceNames | undefined, fingerprints: ReadonlyMap<string, string>): NameCacheSnapshot | undefined {
  if (!saved) return undefined;
  const stores: NameCacheSnapshot['stores'] = {};
  for (const [name, entry] of Object.entries(saved.snapshot.stores)) {
    const fingerprint = saved.fingerprints[name];
    if (fingerprint !== undefined && fingerprint === fingerprints.get(name)) stores[name] = entry;
  }
  return Object.keys(stores).length ? { version: 1, stores } : undefined;
}
