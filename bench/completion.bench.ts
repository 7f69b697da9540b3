// Completion served from the in-memory name cache for a 10,000-secret store: prints latency percentiles.
// Run: npm run bench. A benchmark, not a test: it measures and prints; it asserts nothing about speed.
import { complete } from '../src/core/editor/completion';
import type { LiveContext, VaultSecretInfo } from '../src/core/editor/live';
import { parseConfigText } from '../src/core/model/parse';
import { WorkspaceIndex } from '../src/core/workspace/index';

const SECRETS = 10_000;
const ITERATIONS = 2_000;

const names: VaultSecretInfo[] = Array.from({ length: SECRETS }, (_, i) => ({
  name: `app-secret-${String(i).padStart(5, '0')}`,
  enabled: i % 50 !== 0,
  updatedOn: new Date(Date.UTC(2026, i % 12, 1 + (i % 28))),
  ...(i % 7 === 0 ? { expiresOn: new Date(Date.UTC(2027, i % 12, 1)) } : {}),
  contentType: 'text/plain',
}));

const mappings = Array.from({ length: 200 }, (_, i) => ({ reference: `Ref${i}`, secretName: `app-secret-${String(i * 37).padStart(5, '0')}` }));
const storeText = JSON.stringify(
  { name: 'Big', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'Fed' }, azureKeyVault: { vaultName: 'big-kv' }, secrets: [...mappings, { reference: 'New', secretName: 'app-secret-0' }] },
  null,
  2,
);
const offset = storeText.lastIndexOf('"app-secret-0"') + 5;

const index = new WorkspaceIndex();
index.set(parseConfigText('big.secretstore.json', storeText));
const live: LiveContext = { now: () => Date.now(), names: () => ({ status: 'ready', names, fetchedAt: Date.now(), stale: false }) };

const timings: number[] = [];
let items = 0;
for (let i = 0; i < ITERATIONS + 100; i++) {
  const started = process.hrtime.bigint();
  const result = complete({ file: 'big.secretstore.json', text: storeText, offset }, index, live);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (i >= 100) timings.push(elapsed); // the first 100 warm the JIT
  items = result.items.length;
}
timings.sort((a, b) => a - b);
const pct = (p: number) => timings[Math.min(timings.length - 1, Math.floor((p / 100) * timings.length))] ?? NaN;
console.log(`completion from cache: ${SECRETS} vault secrets, ${mappings.length} mappings, ${items} items, ${ITERATIONS} runs, store file ${(storeText.length / 1024).toFixed(0)} KB`);
console.log(`p50 ${pct(50).toFixed(3)} ms   p90 ${pct(90).toFixed(3)} ms   p99 ${pct(99).toFixed(3)} ms   max ${pct(100).toFixed(3)} ms`);
console.log(`heap used ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1)} MB`);
