import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretNameCache } from '../../src/core/editor/name-cache';
import type { PersistedNames } from '../../src/core/live/persisted-names';
import { readPersistedNames, restorableSnapshot, withWorkspaceNames } from '../../src/core/live/persisted-names';

async function snapshotOf(stores: Record<string, { name: string; enabled?: boolean; expiresOn?: Date }[]>) {
  const cache = new SecretNameCache((store) => Promise.resolve(stores[store] ?? []), { now: () => 1000 }, 60_000);
  for (const store of Object.keys(stores)) await cache.refresh(store);
  return cache.snapshot();
}

describe('persisted secret names', () => {
  it('saves names and metadata per workspace with each store’s fingerprint, and nothing else', async () => {
    const snapshot = await snapshotOf({ A: [{ name: 'a1', enabled: false, expiresOn: new Date('2027-01-01T00:00:00Z') }], B: [{ name: 'b1' }] });
    const saved = withWorkspaceNames({}, 'ws1', snapshot, new Map([['A', 'fpA']]), 5000);
    assert.deepEqual(saved, {
      ws1: { savedAt: 5000, fingerprints: { A: 'fpA' }, snapshot: { version: 1, stores: { A: { fetchedAt: 1000, names: [{ name: 'a1', enabled: false, expiresOn: '2027-01-01T00:00:00.000Z' }] } } } },
    });
    // What is stored survives a JSON round trip (the Memento stores JSON).
    assert.deepEqual(readPersistedNames(JSON.parse(JSON.stringify(saved))), saved);
  });

  it('removes a workspace whose snapshot is empty, and the key when nothing remains', async () => {
    const empty = await snapshotOf({});
    const stored: PersistedNames = { ws1: { savedAt: 1, fingerprints: {}, snapshot: { version: 1, stores: {} } } };
    assert.equal(withWorkspaceNames(stored, 'ws1', empty, new Map(), 2), undefined);
  });

  it('keeps only the most recently saved workspaces', async () => {
    const snapshot = await snapshotOf({ A: [{ name: 'a' }] });
    let stored: PersistedNames = {};
    for (let i = 0; i < 5; i++) stored = withWorkspaceNames(stored, `ws${i}`, snapshot, new Map([['A', 'fp']]), 100 + i, 3) ?? {};
    assert.deepEqual(Object.keys(stored), ['ws4', 'ws3', 'ws2']);
  });

  it('restores only stores whose vault and federation are unchanged', async () => {
    const snapshot = await snapshotOf({ A: [{ name: 'a' }], B: [{ name: 'b' }] });
    const saved = withWorkspaceNames({}, 'ws', snapshot, new Map([['A', 'fpA'], ['B', 'fpB']]), 1)?.['ws'];
    const restorable = restorableSnapshot(saved, new Map([['A', 'fpA'], ['B', 'changed']]));
    assert.deepEqual(Object.keys(restorable?.stores ?? {}), ['A']);
    assert.equal(restorableSnapshot(saved, new Map()), undefined);
    assert.equal(restorableSnapshot(undefined, new Map([['A', 'fpA']])), undefined);
    const cache = new SecretNameCache(() => Promise.resolve([]), { now: () => 2000 }, 60_000);
    cache.restore(restorable);
    const state = cache.lookup('A');
    assert.equal(state.status, 'ready');
  });

  it('ignores stored values of another shape', () => {
    assert.deepEqual(readPersistedNames(undefined), {});
    assert.deepEqual(readPersistedNames([1, 2]), {});
    assert.deepEqual(readPersistedNames({ ws: { savedAt: 'x' } }), {});
    assert.deepEqual(readPersistedNames({ ws: { savedAt: 1, fingerprints: {}, snapshot: { version: 2, stores: {} } } }), {});
  });
});
