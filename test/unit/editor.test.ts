import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CursorInput } from '../../src/core/editor/context';
import { cursorContext } from '../../src/core/editor/context';
import { complete } from '../../src/core/editor/completion';
import { codeActions } from '../../src/core/editor/code-actions';
import { applyEdits } from '../../src/core/editor/edits';
import { hover } from '../../src/core/editor/hover';
import type { LiveContext, VaultSecretInfo } from '../../src/core/editor/live';
import { definition, prepareRename, references, rename } from '../../src/core/editor/navigation';
import { LineIndex } from '../../src/core/model/text';
import { parseConfigText } from '../../src/core/model/parse';
import { WorkspaceIndex } from '../../src/core/workspace/index';
import { FEDERATION, PROFILE, STORE } from './helpers';

const CURSOR = '‸';
const NOW = Date.parse('2026-12-01T00:00:00Z');

/** Builds an index from files whose text may hold one cursor marker; returns the cursor input. */
function workspace(files: Record<string, string | object>): { index: WorkspaceIndex; input: CursorInput; texts: Map<string, string> } {
  const index = new WorkspaceIndex();
  const texts = new Map<string, string>();
  let input: CursorInput | undefined;
  for (const [file, content] of Object.entries(files)) {
    const raw = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    const offset = raw.indexOf(CURSOR);
    const text = raw.replace(CURSOR, '');
    if (offset >= 0) input = { file, text, offset };
    texts.set(file, text);
    index.set(parseConfigText(file, text));
  }
  assert.ok(input, 'a file must hold the cursor marker');
  return { index, input, texts };
}

const names: VaultSecretInfo[] = [
  { name: 'client-id', enabled: true, updatedOn: new Date('2026-11-01T00:00:00Z'), contentType: 'text/plain' },
  { name: 'client-secret', enabled: true, expiresOn: new Date('2027-06-01T00:00:00Z') },
  { name: 'old-secret', enabled: false },
  { name: 'expired-secret', enabled: true, expiresOn: new Date('2026-01-01T00:00:00Z') },
];
const liveReady: LiveContext = { now: () => NOW, names: () => ({ status: 'ready', names, fetchedAt: NOW, stale: false }) };
const liveDown: LiveContext = { now: () => NOW, names: () => ({ status: 'unavailable', reason: 'the vault answered 403: cannot enumerate secrets.' }) };

const storeText = (secretNameValue: string) => `{
  "name": "Store",
  "provider": "azureKeyVault",
  "authentication": { "type": "identityFederation", "federation": "Fed" },
  "azureKeyVault": { "vaultName": "demo-kv" },
  "secrets": [
    { "reference": "ClientId", "secretName": "client-id" },
    { "reference": "ClientSecret", "secretName": ${secretNameValue} }
  ]
}`;

describe('completion', () => {
  it('offers live vault names in secretName, marking mapped and unusable ones', () => {
    const { index, input } = workspace({ 'f.federation.json': FEDERATION, 's.secretstore.json': storeText(`"cl${CURSOR}"`), 'p.authprofile.json': PROFILE });
    const result = complete(input, index, liveReady);
    assert.equal(result.notice, undefined);
    const byLabel = new Map(result.items.map((i) => [i.label, i]));
    assert.deepEqual([...byLabel.keys()].sort(), ['client-id', 'client-secret', 'expired-secret', 'old-secret']);
    assert.match(byLabel.get('client-id')?.detail ?? '', /mapped as ClientId/);
    assert.equal(byLabel.get('old-secret')?.deprecated, true);
    assert.equal(byLabel.get('expired-secret')?.deprecated, true);
    assert.match(byLabel.get('expired-secret')?.detail ?? '', /expired 2026-01-01/);
    const best = [...result.items].sort((a, b) => a.sortText.localeCompare(b.sortText))[0];
    assert.equal(best?.label, 'client-secret');
    // The whole string (quotes included) is replaced, so accepting never leaves a stray quote.
    assert.deepEqual(byLabel.get('client-secret')?.range, { start: { line: 7, character: 49 }, end: { line: 7, character: 53 } });
    assert.equal(byLabel.get('client-secret')?.insertText, '"client-secret"');
  });

  it('completes after a colon with no value yet', () => {
    const { index, input } = workspace({ 's.secretstore.json': storeText(`${CURSOR}`).replace('"secretName": ‸', '"secretName": ‸') });
    const context = cursorContext(input);
    assert.equal(context.kind, 'secretName');
    assert.equal(complete(input, index, liveReady).items.length, 4);
  });

  it('says once why live names are missing and still offers known names', () => {
    const { index, input } = workspace({ 's.secretstore.json': storeText(`"${CURSOR}"`) });
    const result = complete(input, index, liveDown);
    assert.match(result.notice?.message ?? '', /403/);
    assert.deepEqual(result.items.map((i) => i.label), ['client-id']);
    assert.match(result.items[0]?.detail ?? '', /not checked live/);
  });

  it('offers store/reference in secretRef with the live state of the secret behind it', () => {
    const profile = JSON.stringify({ ...PROFILE, clientSecret: { secretRef: 'St‸' } }, null, 2);
    const { index, input } = workspace({ 'f.federation.json': FEDERATION, 's.secretstore.json': { ...STORE, secrets: [...STORE.secrets, { reference: 'Gone', secretName: 'nope' }] }, 'p.authprofile.json': profile });
    const items = complete(input, index, liveReady).items;
    assert.deepEqual(items.map((i) => i.label), ['Store/ClientId', 'Store/ClientSecret', 'Store/Gone']);
    assert.match(items[2]?.detail ?? '', /missing from the vault/);
    assert.equal(items[2]?.deprecated, true);
  });

  it('offers federation names, those of the matching cloud first', () => {
    const aws = { name: 'AwsFed', cloudProvider: 'aws', issuer: { type: 'tokenFile', path: '/t' }, aws: { roleArn: 'arn:aws:iam::123456789012:role/r', region: 'eu-west-1' } };
    const store = JSON.stringify({ ...STORE, authentication: { type: 'identityFederation', federation: '‸' } }, null, 2);
    const { index, input } = workspace({ 'f.federation.json': FEDERATION, 'a.federation.json': aws, 's.secretstore.json': store });
    const items = complete(input, index, liveReady).items.sort((a, b) => a.sortText.localeCompare(b.sortText));
    assert.deepEqual(items.map((i) => i.label), ['Fed', 'AwsFed']);
    assert.match(items[1]?.detail ?? '', /does not match/);
  });

  it('offers nothing on property keys or unrelated values', () => {
    for (const text of [storeText('"x"').replace('"reference": "ClientId"', '"refer‸ence": "ClientId"'), storeText('"x"').replace('"demo-kv"', '"demo‸-kv"')]) {
      const { index, input } = workspace({ 's.secretstore.json': text });
      assert.deepEqual(complete(input, index, liveReady).items, []);
    }
  });
});

describe('hover', () => {
  it('shows the chain and live metadata for a secretRef, never a value', () => {
    const profile = JSON.stringify({ ...PROFILE, clientSecret: { secretRef: 'Store/Client‸Secret' } }, null, 2);
    const { index, input } = workspace({ 'f.federation.json': FEDERATION, 's.secretstore.json': STORE, 'p.authprofile.json': profile });
    const live: LiveContext = { ...liveReady, lastCheck: () => ({ ok: true, status: 'ok', at: NOW, summary: '6 steps passed' }) };
    const result = hover(input, index, live);
    assert.ok(result);
    assert.match(result.markdown, /Reference `ClientSecret` → store \*\*Store\*\* → secret `client-secret` → federation \*\*Fed\*\* \(azure, self issuer\)/);
    assert.match(result.markdown, /Live state: enabled · expires 2027-06-01/);
    assert.match(result.markdown, /Used by: Profile \(`clientSecret`\)/);
    assert.match(result.markdown, /6 steps passed/);
  });

  it('shows the same chain on a mapping secretName', () => {
    const { index, input } = workspace({ 'f.federation.json': FEDERATION, 's.secretstore.json': storeText('"client-sec‸ret"') });
    const result = hover(input, index, liveReady);
    assert.match(result?.markdown ?? '', /→ vault secret `client-secret` in `demo-kv`/);
    assert.match(result?.markdown ?? '', /Not used by any consumer/);
  });

  it('says what is missing on an unknown store', () => {
    const profile = JSON.stringify({ ...PROFILE, clientSecret: { secretRef: 'Nope‸/x' } }, null, 2);
    const { index, input } = workspace({ 'p.authprofile.json': profile });
    assert.match(hover(input, index, liveReady)?.markdown ?? '', /No store named \*\*Nope\*\*/);
  });
});

describe('navigation and rename', () => {
  const files = (cursorFile: string, cursorText: string) => ({
    'f.federation.json': FEDERATION,
    's.secretstore.json': STORE,
    'p.authprofile.json': PROFILE,
    'q.authprofile.json': { ...PROFILE, name: 'Other', clientId: { secretRef: 'Store/ClientSecret' } },
    [cursorFile]: cursorText,
  });

  it('goes from a secretRef reference to the mapping, and from its store part to the store', () => {
    const onRef = workspace(files('p.authprofile.json', JSON.stringify({ ...PROFILE, clientSecret: { secretRef: 'Store/Client‸Secret' } }, null, 2)));
    assert.deepEqual(definition(onRef.input, onRef.index), { file: 's.secretstore.json', range: onRef.index.find('secretstore', 'Store')?.mappings?.[1]?.referenceRange });
    const onStore = workspace(files('p.authprofile.json', JSON.stringify({ ...PROFILE, clientSecret: { secretRef: 'St‸ore/ClientSecret' } }, null, 2)));
    assert.equal(definition(onStore.input, onStore.index)?.range, onStore.index.find('secretstore', 'Store')?.nameRange);
  });

  it('goes from authentication.federation to the federation', () => {
    const store = JSON.stringify({ ...STORE, authentication: { type: 'identityFederation', federation: 'F‸ed' } }, null, 2);
    const { index, input } = workspace({ 'f.federation.json': FEDERATION, 's.secretstore.json': store });
    assert.equal(definition(input, index)?.file, 'f.federation.json');
  });

  it('finds every reference to a mapping', () => {
    const store = JSON.stringify({ ...STORE, secrets: [STORE.secrets[0], { reference: 'Client‸Secret', secretName: 'client-secret' }] }, null, 2);
    const { index, input } = workspace(files('s.secretstore.json', store));
    // q uses it twice (client id and secret).
    assert.deepEqual(references(input, index).map((l) => l.file).sort(), ['p.authprofile.json', 'q.authprofile.json', 'q.authprofile.json', 's.secretstore.json']);
  });

  it('renames a store across files, keeping each reference', () => {
    const store = JSON.stringify({ ...STORE, name: 'St‸ore' }, null, 2);
    const { index, input, texts } = workspace(files('s.secretstore.json', store));
    assert.deepEqual(prepareRename(input, index), { range: index.find('secretstore', 'Store')?.nameRange, placeholder: 'Store' });
    const edit = rename(input, 'Vault', index);
    assert.ok(!('error' in edit));
    const after = new WorkspaceIndex();
    for (const [file, text] of texts) {
      const lines = new LineIndex(text);
      after.set(parseConfigText(file, applyEdits(text, edit.edits[file] ?? [], (p) => lines.offsetAt(p))));
    }
    assert.deepEqual(after.allDiagnostics(), []);
    assert.equal(after.usesOf('Vault').length, 4);
  });

  it('renames a reference from a use, and refuses clashes and bad names', () => {
    const profile = JSON.stringify({ ...PROFILE, clientSecret: { secretRef: 'Store/ClientSe‸cret' } }, null, 2);
    const { index, input } = workspace(files('p.authprofile.json', profile));
    const edit = rename(input, 'ApiSecret', index);
    assert.ok(!('error' in edit));
    assert.deepEqual(Object.keys(edit.edits).sort(), ['p.authprofile.json', 'q.authprofile.json', 's.secretstore.json']);
    assert.equal(edit.edits['q.authprofile.json']?.[0]?.newText, '"Store/ApiSecret"');
    assert.match((rename(input, 'ClientId', index) as { error: string }).error, /already exists in "Store"/);
    assert.match((rename(input, 'a/b', index) as { error: string }).error, /not a valid name/);
  });
});

describe('quick fixes', () => {
  it('adds a missing mapping to the store, leaving a clean workspace', () => {
    const profile = { ...PROFILE, clientSecret: { secretRef: 'Store/NewSecret' } };
    const { index, texts } = workspace({ 'f.federation.json': FEDERATION, 's.secretstore.json': STORE, 'p.authprofile.json': `${JSON.stringify(profile, null, 2)}‸` });
    const diagnostics = index.diagnosticsFor('p.authprofile.json');
    const actions = codeActions('p.authprofile.json', diagnostics, index, (f) => texts.get(f));
    const add = actions.find((a) => a.title.startsWith('Add mapping'));
    assert.ok(add?.edit, actions.map((a) => a.title).join(', '));
    const storeTextBefore = texts.get('s.secretstore.json') ?? '';
    const lines = new LineIndex(storeTextBefore);
    const fixed = applyEdits(storeTextBefore, add.edit.edits['s.secretstore.json'] ?? [], (p) => lines.offsetAt(p));
    index.set(parseConfigText('s.secretstore.json', fixed));
    assert.deepEqual(index.allDiagnostics().filter((d) => d.severity === 'error'), []);
    assert.ok(fixed.includes('"secretName": "NewSecret"'));
  });

  it('offers the suggestion and creating the missing store or federation', () => {
    const profile = { ...PROFILE, clientSecret: { secretRef: 'Stor/ClientSecret' } };
    const { index, texts } = workspace({ 's.secretstore.json': STORE, 'p.authprofile.json': `${JSON.stringify(profile, null, 2)}‸` });
    const titles = codeActions('p.authprofile.json', index.diagnosticsFor('p.authprofile.json'), index, (f) => texts.get(f)).map((a) => a.title);
    assert.deepEqual(titles, ['Change to "Store/ClientSecret"', 'Create External Secret Store "Stor"…']);
  });

  it('offers to replace a plaintext secret through a command, and to fix an http issuer', () => {
    const profile = { ...PROFILE, clientSecret: 'plain' };
    const federation = { ...FEDERATION, issuer: { ...FEDERATION.issuer, issuerUrl: 'http://issuer.example.com/app/' } };
    const { index, texts } = workspace({ 'f.federation.json': federation, 's.secretstore.json': STORE, 'p.authprofile.json': `${JSON.stringify(profile, null, 2)}‸` });
    const plaintext = codeActions('p.authprofile.json', index.diagnosticsFor('p.authprofile.json'), index, (f) => texts.get(f));
    assert.deepEqual(plaintext.map((a) => a.command?.id), ['federatedSecrets.replaceWithReference']);
    assert.deepEqual(plaintext[0]?.command?.arguments, [{ file: 'p.authprofile.json', field: ['clientSecret'] }]);
    const https = codeActions('f.federation.json', index.diagnosticsFor('f.federation.json'), index, (f) => texts.get(f));
    assert.equal(https[0]?.edit?.edits['f.federation.json']?.[0]?.newText, '"https://issuer.example.com/app/"');
  });
});
