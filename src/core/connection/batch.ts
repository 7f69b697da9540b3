/**
 * Test All: which instances it tests, and running work over them with bounded concurrency.
 */
import type { ConfigDocument } from '../model/types';
import type { WorkspaceIndex } from '../workspace/index';

/** Concurrency of Test All: enough to overlap network waits, few enough not to trip a vault's throttling. */
export const TEST_ALL_CONCURRENCY = 3;
export const MIN_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 4;

export type Settled<R> = { status: 'fulfilled'; value: R } | { status: 'rejected'; reason: unknown } | { status: 'notStarted' };

export interface LimitedOptions<T, R> {
  /** Once aborted, no further item starts (running ones finish or observe the signal themselves). */
  signal?: AbortSignal;
  /** Called as each item settles, with how many have settled so far. */
  onSettled?(item: T, outcome: Settled<R>, settled: number, total: number): void;
}

/**
 * Runs `work` over `items` with at most `limit` (clamped to 1–4) running at once, in order of the items.
 * Never rejects: each item's outcome is reported in the item's position; items not started because the signal
 * aborted are `notStarted`.
 */
export async function runLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, options: LimitedOptions<T, R> = {}): Promise<Settled<R>[]> {
  const bound = Math.max(MIN_CONCURRENCY, Math.min(MAX_CONCURRENCY, Math.floor(Number.isFinite(limit) ? limit : MIN_CONCURRENCY)));
  const outcomes: Settled<R>[] = items.map(() => ({ status: 'notStarted' }));
  let next = 0;
  let settled = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !options.signal?.aborted) {
      const index = next++;
      const item = items[index] as T;
      let outcome: Settled<R>;
      try {
        outcome = { status: 'fulfilled', value: await work(item, index) };
      } catch (reason) {
        outcome = { status: 'rejected', reason };
      }
      outcomes[index] = outcome;
      settled++;
      options.onSettled?.(item, outcome, settled, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(bound, items.length) }, () => worker()));
  return outcomes;
}

/**
 * What Test All tests: every named secret store, then every named auth profile (each exercises its federation,
 * so federations are not tested separately). A name used twice is tested once (the first file), as references
 * resolve to the first.
 */
export function testAllTargets(index: WorkspaceIndex): ConfigDocument[] {
  const pick = (kind: 'secretstore' | 'authprofile') => {
    const seen = new Set<string>();
    return index
      .ofKind(kind)
      .filter((d) => d.name && !seen.has(d.name) && seen.add(d.name))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.file.localeCompare(b.file));
  };
  return [...pick('secretstore'), ...pick('authprofile')];
}
