import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult, CheckStep, StepId, StepStatus } from '../../src/core/check/steps';
import { STEP_TITLES } from '../../src/core/check/steps';
import { fieldPath, fieldRange } from '../../src/core/connection/field-range';
import { connectionLenses } from '../../src/core/connection/lens';
import {
  checkRecords,
  failingStep,
  formatReport,
  issuerStepsWithoutMismatch,
  lastCheckTitle,
  publishedIssuerMismatches,
  relativeTime,
  reportTree,
  resultStatus,
  summarizeResult,
  toLastCheck,
} from '../../src/core/connection/report';
import { FEDERATION, PROFILE, STORE, indexOf } from './helpers';

function step(id: StepId, scope: string, status: StepStatus, extra: Partial<CheckStep> = {}): CheckStep {
  return { id, title: STEP_TITLES[id], scope, status, durationMs: status === 'skipped' ? 0 : 10, message: `${id} ${status}`, ...extra };
}

function result(kind: CheckResult['target']['kind'], name: string, steps: CheckStep[], extra: Partial<CheckResult> = {}): CheckResult {
  return { target: { kind, name, file: `/w/${name}.${kind}.json` }, ok: !steps.some((s) => s.status === 'failed'), cancelled: false, durationMs: 1234, steps, ...extra };
}

const passingStore = () =>
  result('secretstore', 'Store', [
    step('config', 'Store', 'ok'),
    step('issuer', 'Fed', 'ok'),
    step('token', 'Fed', 'ok'),
    step('exchange', 'Fed', 'ok'),
    step('vault', 'Store', 'ok'),
    step('mappings', 'Store', 'ok'),
  ]);

const failingExchange = () =>
  result('secretstore', 'Store', [
    step('config', 'Store', 'ok'),
    step('issuer', 'Fed', 'ok'),
    step('token', 'Fed', 'ok'),
    step('exchange', 'Fed', 'failed', { message: 'Entra ID found no federated credential.', code: 'AADSTS70021', field: 'issuer.subject', file: '/w/fed.federation.json', advice: 'Compare the subject.' }),
    step('vault', 'Store', 'skipped'),
    step('mappings', 'Store', 'skipped'),
  ]);

describe('connection report: one-line results', () => {
  it('classifies a run as ok, warning or failed (cancelled counts as failed)', () => {
    assert.equal(resultStatus(passingStore()), 'ok');
    const warned = passingStore();
    warned.steps[4] = step('vault', 'Store', 'warning', { message: 'The identity may not list secrets.' });
    assert.equal(resultStatus(warned), 'warning');
    assert.equal(resultStatus(failingExchange()), 'failed');
    assert.equal(resultStatus({ ...passingStore(), cancelled: true }), 'failed');
  });

  it('summarizes passes, warnings and failures, naming the failing step and the instance it is about', () => {
    assert.equal(summarizeResult(passingStore()), 'Passed: 6 steps ok in 1.2 s.');
    const warned = passingStore();
    warned.steps[4] = step('vault', 'Store', 'warning', { message: 'The identity may not list secrets.' });
    assert.equal(summarizeResult(warned), 'Passed with 1 warning — Vault access: The identity may not list secrets.');
    assert.equal(summarizeResult(failingExchange()), 'Failed at Token exchange with Microsoft Entra ID (Fed): Entra ID found no federated credential.');
    assert.equal(summarizeResult({ ...passingStore(), cancelled: true }), 'Cancelled before it finished.');
    assert.equal(failingStep(failingExchange())?.id, 'exchange');
  });

  it('shortens long messages to one line', () => {
    const long = failingExchange();
    long.steps[3] = step('exchange', 'Fed', 'failed', { message: `first line\nsecond ${'x'.repeat(400)}` });
    const summary = summarizeResult(long);
    assert.ok(summary.length <= 240, String(summary.length));
    assert.ok(!summary.includes('\n'));
    assert.ok(summary.endsWith('…'));
  });

  it('records the failing step title for CodeLens', () => {
    const check = toLastCheck(failingExchange(), 1000);
    assert.deepEqual({ ok: check.ok, status: check.status, at: check.at, failedAt: check.failedAt }, { ok: false, status: 'failed', at: 1000, failedAt: 'Token exchange with Microsoft Entra ID' });
  });
});

describe('connection report: records per instance', () => {
  it('records the target and the federation it proved on the way', () => {
    const records = checkRecords(passingStore(), 5);
    assert.deepEqual(
      records.map((r) => `${r.kind}:${r.name}:${r.check.status}`),
      ['secretstore:Store:ok', 'federation:Fed:ok'],
    );
    assert.match(records[1]?.check.summary ?? '', /tested with External Secret Store "Store"/);
  });

  it('records a federation that failed the exchange as failed, and nothing for the store it blocked besides the target', () => {
    const records = checkRecords(failingExchange(), 5);
    assert.deepEqual(
      records.map((r) => `${r.kind}:${r.name}:${r.check.status}`),
      ['secretstore:Store:failed', 'federation:Fed:failed'],
    );
  });

  it('records stores an auth profile tested, but not instances whose steps were all skipped', () => {
    const profile = result('authprofile', 'Profile', [
      step('config', 'Profile', 'failed', { message: 'config error' }),
      step('issuer', 'Fed', 'skipped'),
      step('token', 'Fed', 'skipped'),
      step('exchange', 'Fed', 'skipped'),
      step('vault', 'Store', 'skipped'),
      step('mappings', 'Store', 'skipped'),
      step('oauth', 'Profile', 'skipped'),
    ]);
    assert.deepEqual(
      checkRecords(profile, 1).map((r) => `${r.kind}:${r.name}:${r.check.status}`),
      ['authprofile:Profile:failed'],
    );
    const passing = result('authprofile', 'Profile', [...passingStore().steps.map((s) => (s.id === 'config' ? { ...s, scope: 'Profile' } : s)), step('oauth', 'Profile', 'ok')]);
    assert.deepEqual(
      checkRecords(passing, 1).map((r) => `${r.kind}:${r.name}:${r.check.status}`),
      ['authprofile:Profile:ok', 'federation:Fed:ok', 'secretstore:Store:ok'],
    );
  });

  it('records nothing for a cancelled run', () => {
    assert.deepEqual(checkRecords({ ...passingStore(), cancelled: true }, 1), []);
  });
});

describe('connection report: CodeLens titles and relative times', () => {
  it('says how long ago', () => {
    assert.equal(relativeTime(0, 30_000), 'just now');
    assert.equal(relativeTime(0, 120_000), '2 min ago');
    assert.equal(relativeTime(0, 3 * 3_600_000), '3 h ago');
    assert.equal(relativeTime(0, 26 * 3_600_000), '1 day ago');
    assert.equal(relativeTime(10, 0), 'just now');
  });

  it('titles passed, warned and failed results', () => {
    const now = 10 * 60_000;
    assert.equal(lastCheckTitle({ ok: true, status: 'ok', at: now - 120_000, summary: '' }, now), '✓ passed 2 min ago');
    assert.equal(lastCheckTitle({ ok: true, status: 'warning', at: now, summary: '', warnings: 2 }, now), '⚠ passed with 2 warnings just now');
    assert.equal(lastCheckTitle({ ok: false, status: 'failed', at: now, summary: '', failedAt: 'Token exchange with Microsoft Entra ID' }, now), '✗ failed at Token exchange with Microsoft Entra ID just now');
    assert.equal(lastCheckTitle({ ok: false, status: 'failed', at: now, summary: '' }, now), '✗ failed just now');
  });

  it('puts "Test Connection" and the last result above federations, stores and auth profiles only', () => {
    const index = indexOf({ '/w/fed.federation.json': FEDERATION, '/w/store.secretstore.json': STORE, '/w/p.authprofile.json': PROFILE, '/w/k.keystore.json': { name: 'K', file: 'x', password: { secretRef: 'Store/ClientSecret' } } });
    const none = () => undefined;
    for (const file of ['/w/fed.federation.json', '/w/store.secretstore.json', '/w/p.authprofile.json']) {
      const doc = index.get(file);
      assert.ok(doc);
      assert.deepEqual(
        connectionLenses(doc, none, 0, true).map((l) => `${l.title}|${l.action}`),
        ['▶ Test Connection|test'],
      );
    }
    const keystore = index.get('/w/k.keystore.json');
    assert.ok(keystore);
    assert.deepEqual(connectionLenses(keystore, none, 0, true), []);
    const store = index.get('/w/store.secretstore.json');
    assert.ok(store);
    const lenses = connectionLenses(store, (kind, name) => (kind === 'secretstore' && name === 'Store' ? { ok: false, status: 'failed', at: 0, summary: 'Failed at X', failedAt: 'Vault access' } : undefined), 60_000, true);
    assert.deepEqual(
      lenses.map((l) => `${l.title}|${l.action}`),
      ['▶ Test Connection|test', '✗ failed at Vault access 1 min ago|showReport'],
    );
    assert.deepEqual(lenses[0]?.range.start, store.range.start);
    assert.match(connectionLenses(store, none, 0, false)[0]?.title ?? '', /needs a trusted workspace/);
  });
});

describe('connection report: the log and the report tree', () => {
  it('writes every step with code, field and advice, and a tally', () => {
    const lines = formatReport(failingExchange(), (f) => f.replace('/w/', ''));
    assert.equal(lines[0], 'Test Connection: External Secret Store "Store" (Store.secretstore.json) — FAILED in 1.2 s');
    assert.ok(lines.includes('  [FAIL] Token exchange with Microsoft Entra ID (Fed): Entra ID found no federated credential. [10 ms]'), lines.join('\n'));
    assert.ok(lines.includes('         code:  AADSTS70021'));
    assert.ok(lines.includes('         field: issuer.subject in fed.federation.json'));
    assert.ok(lines.includes('         fix:   Compare the subject.'));
    assert.ok(lines.includes('  [skip] Vault access: vault skipped'));
    assert.equal(lines.at(-1), '  3 ok, 0 warnings, 1 failed, 2 skipped');
  });

  it('shows each run with its steps, icons, durations, advice and the field to open', () => {
    const [root] = reportTree([{ result: failingExchange(), at: 0 }], (f) => f, () => '12:00');
    assert.ok(root);
    assert.equal(root.label, 'Store');
    assert.equal(root.description, 'External Secret Store · failed · 1.2 s · 12:00');
    assert.deepEqual(root.icon, { id: 'error', color: 'error' });
    assert.deepEqual(
      root.children.map((c) => `${c.label}|${c.icon?.id ?? ''}|${c.expanded}`),
      [
        'Configuration and references|pass|false',
        'Identity token issuer (Fed)|pass|false',
        'Identity token (Fed)|pass|false',
        'Token exchange with Microsoft Entra ID (Fed)|error|true',
        'Vault access|circle-slash|false',
        'Secret mappings|circle-slash|false',
      ],
    );
    const failed = root.children[3];
    assert.ok(failed);
    assert.equal(failed.description, '10 ms — Entra ID found no federated credential.');
    assert.deepEqual(failed.location, { file: '/w/fed.federation.json', field: 'issuer.subject' });
    assert.deepEqual(
      failed.children.map((c) => c.label),
      ['Entra ID found no federated credential.', 'Fix: Compare the subject.', 'Code: AADSTS70021', 'Field: issuer.subject in /w/fed.federation.json'],
    );
    assert.deepEqual(failed.children[3]?.location, { file: '/w/fed.federation.json', field: 'issuer.subject' });
    assert.match(failed.tooltip ?? '', /Fix: Compare the subject\./);
    // Ids are unique, so the view can reveal any node.
    const ids = new Set<string>();
    const walk = (n: typeof root) => {
      assert.ok(!ids.has(n.id), n.id);
      ids.add(n.id);
      n.children.forEach(walk);
    };
    walk(root);
  });

  it('marks a cancelled run with circle-slash', () => {
    const [root] = reportTree([{ result: { ...passingStore(), cancelled: true, ok: false }, at: 0 }]);
    assert.deepEqual(root?.icon, { id: 'circle-slash' });
    assert.match(root?.description ?? '', /cancelled/);
  });
});

describe('connection report: published issuers (FS306)', () => {
  it('finds the issuer a discovery document published when it differs, and the federations without a mismatch', () => {
    const run = result('federation', 'Fed', [
      step('config', 'Fed', 'ok'),
      step('issuer', 'Fed', 'failed', { code: 'FSE031', data: { publishedIssuer: 'https://issuer.example.com/app' } }),
      step('token', 'Fed', 'skipped'),
      step('exchange', 'Fed', 'skipped'),
    ]);
    assert.deepEqual(publishedIssuerMismatches(run), [{ federation: 'Fed', published: 'https://issuer.example.com/app' }]);
    assert.deepEqual(issuerStepsWithoutMismatch(run), []);
    assert.deepEqual(issuerStepsWithoutMismatch(passingStore()), ['Fed']);
    assert.deepEqual(publishedIssuerMismatches(passingStore()), []);
  });
});

describe('field ranges', () => {
  const text = ['{', '  "name": "Fed",', '  "issuer": { "type": "self", "subject": "app:demo" },', '  // a comment', '  "secrets": [ { "reference": "A", "secretName": "a" }, { "reference": "B", "secretName": "b" } ]', '}'].join('\n');

  it('parses dotted paths with indexes', () => {
    assert.deepEqual(fieldPath('issuer.subject'), ['issuer', 'subject']);
    assert.deepEqual(fieldPath('secrets[1].secretName'), ['secrets', 1, 'secretName']);
    assert.deepEqual(fieldPath('azure'), ['azure']);
    assert.equal(fieldPath(''), undefined);
    assert.equal(fieldPath('a..b'), undefined);
    assert.equal(fieldPath('a[x]'), undefined);
  });

  it('finds the value of a field, exactly', () => {
    const subject = fieldRange(text, 'issuer.subject');
    assert.equal(subject?.exact, true);
    assert.equal(subject?.range.start.line, 2);
    assert.equal(text.split('\n')[2]?.slice(subject?.range.start.character, subject?.range.end.character), '"app:demo"');
    const second = fieldRange(text, 'secrets[1].secretName');
    assert.equal(second?.exact, true);
    assert.equal(second?.range.start.line, 4);
    assert.equal(text.split('\n')[4]?.slice(second?.range.start.character, second?.range.end.character), '"b"');
  });

  it('falls back to the closest parent of a missing field, and to nothing without one', () => {
    const audience = fieldRange(text, 'issuer.audience');
    assert.equal(audience?.exact, false);
    assert.equal(audience?.range.start.line, 2);
    assert.equal(fieldRange(text, 'azure.clientId'), undefined);
    assert.equal(fieldRange('not json', 'issuer'), undefined);
  });
});
