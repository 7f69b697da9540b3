import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VaultSecretInfo } from '../../src/core/editor/live';
import { SecretNameCache } from '../../src/core/editor/name-cache';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(ttlMs = 60_000) {
  let now = 1_000_000;
  const calls: { store: string; done: ReturnType<typeof deferred<readonly VaultSecretInfo[]>>; signal: AbortSignal }[] = [];
  const changes: string[] = [];
  const cache = new SecretNameCache(
    (store, signal) => {
      const done = deferred<readonly VaultSecretInfo[]>();
      calls.push({ store, done, signal });
      return done.promise;
    },
    { now: () => now },
    ttlMs,
    (store) => changes.push(store),
  );
  return { cache, calls, changes, advance: (ms: number) => (now += ms) };
}

describe('secret name cache', () => {
  it('loads in the background, makes one call however often it is asked, then serves from memory', async () => {
    const { cache, calls, changes } = setup();
    assert.deepEqual(cache.lookup('S'), { status: 'loading' });
    assert.deepEqual(cache.lookup('S'), { status: 'loading' });
    assert.equal(calls.length, 1);
    calls[0]?.done.resolve([{ name: 'a' }]);
    await cache.refresh('S');
    assert.deepEqual(changes, ['S']);
    const state = cache.lookup('S');
    assert.equal(state.status, 'ready');
    assert.equal(calls.length, 1);
  });

  it('serves stale names at once and revalidates once after the time-to-live', async () => {
    const { cache, calls, advance } = setup(1000);
    void cache.lookup('S');
    calls[0]?.done.resolve([{ name: 'a' }]);
    await cache.refresh('S');
    advance(1500);
    const stale = cache.lookup('S');
    assert.ok(stale.status === 'ready' && stale.stale);
    cache.lookup('S');
    assert.equal(calls.length, 2);
    calls[1]?.done.resolve([{ name: 'a' }, { name: 'b' }]);
    await cache.refresh('S');
    const fresh = cache.lookup('S');
    assert.ok(fresh.status === 'ready' && !fresh.stale && fresh.names.length === 2);
  });

  it('remembers a failure for the time-to-live instead of retrying per keystroke', async () => {
    const { cache, calls, advance } = setup(1000);
    void cache.lookup('S');
    calls[0]?.done.reject(new Error('vault unreachable'));
    await cache.refresh('S');
    assert.deepEqual(cache.lookup('S'), { status: 'unavailable', reason: 'vault unreachable' });
    assert.equal(calls.length, 1);
    advance(1001);
    assert.deepEqual(cache.lookup('S'), { status: 'loading' });
    assert.equal(calls.length, 2);
  });

  it('aborts listings of a store that is invalidated or when disposed', () => {
    const { cache, calls } = setup();
    void cache.lookup('S');
    void cache.lookup('T');
    cache.invalidate('S');
    assert.equal(calls[0]?.signal.aborted, true);
    assert.equal(calls[1]?.signal.aborted, false);
    cache.dispose();
    assert.equal(calls[1]?.signal.aborted, true);
  });

  it('snapshots names and metadata only, and restores them', async () => {
    const { cache, calls } = setup();
    void cache.lookup('S');
    calls[0]?.done.resolve([{ name: 'a', enabled: false, expiresOn: new Date('2027-01-01T00:00:00Z'), tags: { team: 'x' } }]);
    await cache.refresh('S');
    const snapshot = JSON.parse(JSON.stringify(cache.snapshot())) as unknown;
    assert.deepEqual(snapshot, { version: 1, stores: { S: { fetchedAt: 1_000_000, names: [{ name: 'a', enabled: false, expiresOn: '2027-01-01T00:00:00.000Z', tags: { team: 'x' } }] } } });
    const other = setup();
    other.cache.restore(snapshot);
    const state = other.cache.lookup('S');
    assert.ok(state.status === 'ready');
    assert.equal(state.names[0]?.expiresOn?.getUTCFullYear(), 2027);
    other.cache.restore({ version: 2 });
    other.cache.restore(null);
  });
});
