import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLimited, testAllTargets } from '../../src/core/connection/batch';
import { workspaceStatus } from '../../src/core/connection/status';
import type { LastCheck } from '../../src/core/editor/live';
import { buildTree } from '../../src/core/workspace/tree';
import { FEDERATION, PROFILE, STORE, indexOf } from './helpers';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('runLimited (Test All concurrency)', () => {
  it('never runs more than the limit at once, and reports results in item order', async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await runLimited([50, 10, 30, 5, 20, 1, 15], 3, async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.status)),
      [100, 20, 60, 10, 40, 2, 30],
    );
  });

  it('clamps the limit to 1–4', async () => {
    for (const [limit, expected] of [
      [0, 1],
      [-5, 1],
      [2, 2],
      [10, 4],
      [Number.NaN, 1],
    ] as const) {
      let running = 0;
      let peak = 0;
      await runLimited([1, 2, 3, 4, 5, 6], limit, async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      });
      assert.equal(peak, expected, `limit ${limit}`);
    }
  });

  it('keeps going after a failure and reports it in place', async () => {
    const outcomes = await runLimited(['a', 'b', 'c'], 2, async (item) => {
      await tick();
      if (item === 'b') throw new Error('boom');
      return item.toUpperCase();
    });
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.status === 'rejected' ? (o.reason as Error).message : o.status)),
      ['A', 'boom', 'C'],
    );
  });

  it('starts nothing new once the signal aborts; unstarted items are notStarted', async () => {
    const controller = new AbortController();
    const gates = [deferred(), deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const run = runLimited([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      await gates[i]?.promise;
      return i;
    }, { signal: controller.signal });
    await tick();
    assert.deepEqual(started, [0, 1]);
    controller.abort();
    gates[0]?.resolve();
    gates[1]?.resolve();
    const outcomes = await run;
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'notStarted', 'notStarted', 'notStarted'],
    );
  });

  it('reports progress as each item settles', async () => {
    const seen: string[] = [];
    await runLimited(['x', 'y', 'z'], 3, (item) => Promise.resolve(item), { onSettled: (item, _o, settled, total) => seen.push(`${item}:${settled}/${total}`) });
    assert.deepEqual(seen.sort(), ['x:1/3', 'y:2/3', 'z:3/3'].sort());
    assert.deepEqual(seen.map((s) => s.split(':')[1]).sort(), ['1/3', '2/3', '3/3']);
  });

  it('handles an empty list', async () => {
    assert.deepEqual(await runLimited([], 3, () => Promise.resolve(1)), []);
  });
});

describe('testAllTargets', () => {
  it('lists every named store, then every auth profile, by name, each name once; not federations or other consumers', () => {
    const index = indexOf({
      '/w/fed.federation.json': FEDERATION,
      '/w/b.secretstore.json': { ...STORE, name: 'B' },
      '/w/a.secretstore.json': { ...STORE, name: 'A' },
      '/w/a2.secretstore.json': { ...STORE, name: 'A' },
      '/w/noname.secretstore.json': { ...STORE, name: undefined },
      '/w/p.authprofile.json': PROFILE,
      '/w/k.keystore.json': { name: 'K', file: { secretRef: 'A/ClientId' } },
    });
    assert.deepEqual(
      testAllTargets(index).map((d) => `${d.kind}:${d.name ?? ''}:${d.file}`),
      ['secretstore:A:/w/a.secretstore.json', 'secretstore:B:/w/b.secretstore.json', 'authprofile:Profile:/w/p.authprofile.json'],
    );
  });
});

describe('workspaceStatus (status bar)', () => {
  const index = indexOf({
    '/w/fed.federation.json': FEDERATION,
    '/w/a.secretstore.json': { ...STORE, name: 'A' },
    '/w/b.secretstore.json': { ...STORE, name: 'B' },
    '/w/c.secretstore.json': { ...STORE, name: 'C' },
    '/w/p.authprofile.json': PROFILE,
  });
  const check = (status: LastCheck['status'], summary = `${status} summary`): LastCheck => ({ ok: status !== 'failed', status, at: 0, summary });

  it('counts stores, untested ones included', () => {
    const status = workspaceStatus(index, (kind, name) => (kind === 'secretstore' ? ({ A: check('ok'), B: check('ok'), C: check('failed') } as Record<string, LastCheck>)[name] : undefined), 120_000);
    assert.ok(status);
    assert.equal(status.text, '$(error) 3 stores: 2 ok, 1 failing');
    assert.equal(status.severity, 'error');
    assert.deepEqual(status.stores, { total: 3, ok: 2, warning: 0, failed: 1, untested: 0 });
    assert.deepEqual(status.profiles, { total: 1, ok: 0, warning: 0, failed: 0, untested: 1 });
    assert.match(status.tooltip, /^ {2}C: failing \(2 min ago\) — failed summary$/m);
    assert.match(status.tooltip, /^ {2}Profile: not tested$/m);
  });

  it('says when nothing was tested yet, and shows warnings', () => {
    const none = workspaceStatus(index, () => undefined, 0);
    assert.equal(none?.text, '$(shield) 3 stores: 3 not tested');
    assert.equal(none?.severity, 'none');
    const warned = workspaceStatus(index, (kind, name) => (kind === 'secretstore' && name === 'A' ? check('warning') : kind === 'secretstore' ? check('ok') : undefined), 0);
    assert.equal(warned?.text, '$(warning) 3 stores: 2 ok, 1 with warnings');
    assert.equal(warned?.severity, 'warning');
    const ok = workspaceStatus(index, () => check('ok'), 0);
    assert.equal(ok?.text, '$(shield) 3 stores: 3 ok');
    assert.equal(ok?.severity, 'ok');
  });

  it('counts auth profiles when there is no store, and is undefined for a workspace without either', () => {
    assert.equal(workspaceStatus(indexOf({ '/w/p.authprofile.json': PROFILE }), () => undefined, 0)?.text, '$(shield) 1 auth profile: 1 not tested');
    assert.equal(workspaceStatus(indexOf({ '/w/fed.federation.json': FEDERATION }), () => undefined, 0), undefined);
    assert.equal(workspaceStatus(indexOf({ '/w/s.secretstore.json': STORE }), () => undefined, 0)?.text, '$(shield) 1 store: 1 not tested');
  });
});

describe('tree: last connection test', () => {
  const files = { 'fed.federation.json': FEDERATION, 'store.secretstore.json': STORE, 'p.authprofile.json': PROFILE };

  it('tints the icon of tested instances and says how the test went; untested ones stay as they were', () => {
    const checks: Record<string, LastCheck> = {
      'federation:Fed': { ok: true, status: 'ok', at: 0, summary: 'Passed: 4 steps ok in 1.0 s.' },
      'secretstore:Store': { ok: false, status: 'failed', at: 0, summary: 'Failed at Vault access: 403.' },
    };
    const model = buildTree(indexOf(files), { showMappings: false, lastCheck: (kind, name) => checks[`${kind}:${name}`], formatTime: () => 'noon' });
    const fed = model.byId.get('federation:fed.federation.json');
    const store = model.byId.get('secretstore:store.secretstore.json');
    const profile = model.byId.get('authprofile:p.authprofile.json');
    assert.deepEqual(fed?.icon, { id: 'shield', color: 'success' });
    assert.equal(fed?.description, 'Azure · self-issued · test passed');
    assert.match(fed?.tooltip ?? '', /^Last connection test \(noon\): Passed: 4 steps ok in 1\.0 s\.$/m);
    assert.deepEqual(store?.icon, { id: 'database', color: 'error' });
    assert.match(store?.description ?? '', /test failed$/);
    assert.deepEqual(profile?.icon, { id: 'account' });
    assert.doesNotMatch(profile?.tooltip ?? '', /Last connection test/);
    // Menus still match the same context values.
    assert.deepEqual([fed?.contextValue, store?.contextValue, profile?.contextValue], ['federation', 'secretStore', 'consumer.authprofile']);
  });

  it('shows a warning tint, and keeps the error icon of a file with errors', () => {
    const broken = { ...STORE, provider: 42 };
    const model = buildTree(indexOf({ ...files, 'store.secretstore.json': broken }), {
      showMappings: false,
      lastCheck: (kind) => (kind === 'federation' ? { ok: true, status: 'warning', at: 0, summary: 'w' } : { ok: true, status: 'ok', at: 0, summary: 'ok' }),
    });
    assert.deepEqual(model.byId.get('federation:fed.federation.json')?.icon, { id: 'shield', color: 'warning' });
    assert.deepEqual(model.byId.get('secretstore:store.secretstore.json')?.icon, { id: 'error', color: 'error' });
  });
});
