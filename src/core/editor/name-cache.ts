import type { Clock } from '../runtime';
import type { LiveNamesState, VaultSecretInfo } from './live';

export type NameFetcher = (storeName: string, signal: AbortSignal) => Promise<readonly VaultSecretInfo[]>;

interface Entry {
  names?: readonly VaultSecretInfo[];
  fetchedAt?: number;
  error?: { reason: string; at: number };
  inFlight?: Promise<void>;
  controller?: AbortController;
}

/** A persisted snapshot: names and metadata only (there are no values to persist). */
export interface NameCacheSnapshot {
  version: 1;
  stores: Record<string, { fetchedAt: number; names: { name: string; enabled?: boolean; expiresOn?: string; notBefore?: string; updatedOn?: string; contentType?: string; tags?: Record<string, string> }[] }>;
}

/**
 * Vault secret names per store, served from memory at once and refreshed in the background when older than the
 * time-to-live (stale-while-revalidate). At most one list call per store is in flight, however often completion
 * asks. A failed listing is remembered for the time-to-live too, so an offline vault is not hammered per keystroke.
 */
export class SecretNameCache {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;

  constructor(
    private readonly fetcher: NameFetcher,
    private readonly clock: Clock,
    private ttlMs: number,
    private readonly onDidChange: (storeName: string) => void = () => {},
    private readonly describeError: (error: unknown) => string = (e) => (e instanceof Error ? e.message : String(e)),
  ) {}

  setTtl(ttlMs: number): void {
    this.ttlMs = ttlMs;
  }

  /** What is known now; starts a background refresh when nothing fresh is known. Never waits. */
  lookup(storeName: string): LiveNamesState {
    const entry = this.entries.get(storeName);
    const now = this.clock.now();
    if (entry?.names && entry.fetchedAt !== undefined) {
      const stale = now - entry.fetchedAt >= this.ttlMs;
      if (stale) void this.refresh(storeName);
      return { status: 'ready', names: entry.names, fetchedAt: entry.fetchedAt, stale };
    }
    if (entry?.error && now - entry.error.at < this.ttlMs) return { status: 'unavailable', reason: entry.error.reason };
    void this.refresh(storeName);
    return { status: 'loading' };
  }

  /** Lists the store's names now (or joins the listing in flight). Resolves when done; never rejects. */
  refresh(storeName: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const entry = this.entries.get(storeName) ?? {};
    this.entries.set(storeName, entry);
    if (entry.inFlight) return entry.inFlight;
    const controller = new AbortController();
    entry.controller = controller;
    entry.inFlight = this.fetcher(storeName, controller.signal)
      .then(
        (names) => {
          entry.names = names;
          entry.fetchedAt = this.clock.now();
          delete entry.error;
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          entry.error = { reason: this.describeError(error), at: this.clock.now() };
          // Old names stay useful while the vault is unreachable; they are marked stale by age.
        },
      )
      .finally(() => {
        delete entry.inFlight;
        delete entry.controller;
        if (!this.disposed && !controller.signal.aborted) this.onDidChange(storeName);
      });
    return entry.inFlight;
  }

  /** Forgets a store (its config changed) or everything. */
  invalidate(storeName?: string): void {
    const names = storeName === undefined ? [...this.entries.keys()] : [storeName];
    for (const name of names) {
      this.entries.get(name)?.controller?.abort();
      this.entries.delete(name);
    }
  }

  snapshot(): NameCacheSnapshot {
    const stores: NameCacheSnapshot['stores'] = {};
    for (const [name, entry] of this.entries) {
      if (!entry.names || entry.fetchedAt === undefined) continue;
      stores[name] = {
        fetchedAt: entry.fetchedAt,
        names: entry.names.map((n) => ({
          name: n.name,
          ...(n.enabled !== undefined ? { enabled: n.enabled } : {}),
          ...(n.expiresOn ? { expiresOn: n.expiresOn.toISOString() } : {}),
          ...(n.notBefore ? { notBefore: n.notBefore.toISOString() } : {}),
          ...(n.updatedOn ? { updatedOn: n.updatedOn.toISOString() } : {}),
          ...(n.contentType ? { contentType: n.contentType } : {}),
          ...(n.tags ? { tags: n.tags } : {}),
        })),
      };
    }
    return { version: 1, stores };
  }

  restore(snapshot: unknown): void {
    const value = snapshot as Partial<NameCacheSnapshot> | undefined;
    if (value?.version !== 1 || !value.stores || typeof value.stores !== 'object') return;
    for (const [name, stored] of Object.entries(value.stores)) {
      if (!Array.isArray(stored.names) || typeof stored.fetchedAt !== 'number' || this.entries.has(name)) continue;
      const date = (s: string | undefined) => (typeof s === 'string' ? new Date(s) : undefined);
      this.entries.set(name, {
        fetchedAt: stored.fetchedAt,
        names: stored.names
          .filter((n) => typeof n.name === 'string')
          .map((n) => {
            const info: VaultSecretInfo = { name: n.name };
            if (typeof n.enabled === 'boolean') info.enabled = n.enabled;
            const expiresOn = date(n.expiresOn);
            const notBefore = date(n.notBefore);
            const updatedOn = date(n.updatedOn);
            if (expiresOn) info.expiresOn = expiresOn;
            if (notBefore) info.notBefore = notBefore;
            if (updatedOn) info.updatedOn = updatedOn;
            if (typeof n.contentType === 'string') info.contentType = n.contentType;
            if (n.tags && typeof n.tags === 'object') info.tags = n.tags;
            return info;
          }),
      });
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.entries.values()) entry.controller?.abort();
    this.entries.clear();
  }
}
