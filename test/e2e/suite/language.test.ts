// Completion, hover, navigation, rename, quick fixes and live vault names, through the commands VS Code itself
// uses to ask language providers (vscode.execute*Provider), in the workspace copy of samples/.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { EmulatedCloud } from './emulated-cloud';
import { startEmulatedCloud } from './emulated-cloud';
import { codeOf, extension, openInEditor, ourDiagnostics, sleep, waitFor, waitForDiagnostic, workspaceRoot, writeWorkspaceFile } from './helpers';

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function sampleUri(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), name);
}

/** The position `offset` characters into the first occurrence of `needle` in the document. */
function positionOf(document: vscode.TextDocument, needle: string, offset = 1): vscode.Position {
  const at = document.getText().indexOf(needle);
  assert.ok(at >= 0, `"${needle}" not found in ${vscode.workspace.asRelativePath(document.uri)}`);
  return document.positionAt(at + offset);
}

async function completions(uri: vscode.Uri, position: vscode.Position, resolve = 0): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position, undefined, resolve);
  return list.items;
}

function markdownOf(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

async function deleteAll(uris: vscode.Uri[]): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (const uri of uris) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
}

async function replaceText(document: vscode.TextDocument, from: string, to: string): Promise<void> {
  const start = document.getText().indexOf(from);
  assert.ok(start >= 0, `"${from}" not in ${vscode.workspace.asRelativePath(document.uri)}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(start + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

describe('editor features (offline)', () => {
  const created: vscode.Uri[] = [];

  before(async () => {
    await extension().activate();
  });

  after(async () => {
    await deleteAll(created);
  });

  it('completes the names a store already maps in secretName, replacing the whole string', async () => {
    const uri = sampleUri('flights.secretstore.json');
    const document = await vscode.workspace.openTextDocument(uri);
    const position = positionOf(document, '"flights-client-id"', 3);
    const items = await waitFor('mapped names in the completion list', async () => {
      const found = await completions(uri, position);
      return found.some((i) => labelOf(i) === 'partner-portal-client-id') ? found : undefined;
    });
    const labels = items.map(labelOf);
    for (const name of ['FlightsAppClientSecret', 'bookings-db-password', 'payments-keystore-p12']) assert.ok(labels.includes(name), `${name} offered (got ${labels.join(', ')})`);
    const item = items.find((i) => labelOf(i) === 'bookings-db-password');
    assert.ok(item);
    assert.equal(item.insertText, '"bookings-db-password"');
    const range = item.range instanceof vscode.Range ? item.range : item.range?.replacing;
    assert.ok(range, 'the item replaces a range');
    assert.equal(document.getText(range), '"flights-client-id"', 'the whole JSON string, quotes included');
    assert.match(item.detail ?? '', /mapped as BookingsDbPassword/);
  });

  it('completes store/reference in a secretRef and federation names in authentication.federation', async () => {
    const profile = sampleUri('flights.authprofile.json');
    const profileDoc = await vscode.workspace.openTextDocument(profile);
    const refs = (await completions(profile, positionOf(profileDoc, '"FlightsSecrets/FlightsAppClientId"', 5))).map(labelOf);
    for (const ref of ['FlightsSecrets/FlightsAppClientId', 'FlightsSecrets/FlightsAppClientSecret', 'FlightsSecrets/BookingsDbPassword']) assert.ok(refs.includes(ref), `${ref} offered`);
    const store = sampleUri('flights.secretstore.json');
    const storeDoc = await vscode.workspace.openTextDocument(store);
    const federations = (await completions(store, positionOf(storeDoc, '"MKTAirlines"', 2))).map(labelOf);
    assert.ok(federations.includes('MKTAirlines'), `MKTAirlines offered (got ${federations.join(', ')})`);
  });

  it('hover on a secretRef shows the chain reference → store → vault secret → federation', async () => {
    const profile = sampleUri('flights.authprofile.json');
    const document = await vscode.workspace.openTextDocument(profile);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', profile, positionOf(document, 'FlightsAppClientId"', 3));
    const text = markdownOf(hovers);
    assert.match(text, /\*\*FlightsSecrets\/FlightsAppClientId\*\* → vault secret `flights-client-id` in `mktairlines-kv`/);
    assert.match(text, /federation \*\*MKTAirlines\*\*/);
    assert.match(text, /Used by: FlightsAPI/);
  });

  it('go to definition of a reference opens the store at its mapping; of a store, at its name', async () => {
    const profile = sampleUri('flights.authprofile.json');
    const document = await vscode.workspace.openTextDocument(profile);
    const store = await vscode.workspace.openTextDocument(sampleUri('flights.secretstore.json'));
    const toReference = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', profile, positionOf(document, 'FlightsAppClientId"', 2));
    const target = toReference.map((l) => ('targetUri' in l ? { uri: l.targetUri, range: l.targetRange } : l)).find((l) => l.uri.path.endsWith('/flights.secretstore.json'));
    assert.ok(target, `a location in flights.secretstore.json (got ${JSON.stringify(toReference)})`);
    assert.equal(store.getText(target.range), '"FlightsAppClientId"');
    const toStore = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', profile, positionOf(document, '"FlightsSecrets/FlightsAppClientId"', 3));
    const storeTarget = toStore.map((l) => ('targetUri' in l ? { uri: l.targetUri, range: l.targetRange } : l)).find((l) => l.uri.path.endsWith('/flights.secretstore.json'));
    assert.ok(storeTarget);
    assert.equal(store.getText(storeTarget.range), '"FlightsSecrets"');
  });

  it('find all references of a store lists its definition and every consumer using it', async () => {
    const store = sampleUri('flights.secretstore.json');
    const document = await vscode.workspace.openTextDocument(store);
    const locations = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', store, positionOf(document, '"FlightsSecrets"', 2));
    const files = new Set(locations.map((l) => l.uri.path.split('/').pop()));
    for (const file of ['flights.secretstore.json', 'flights.authprofile.json', 'bookings-db.connection.json', 'payments.keystore.json']) assert.ok(files.has(file), `${file} listed (got ${[...files].join(', ')})`);
  });

  it('rename of a reference edits the mapping and every secretRef across files; elsewhere it is refused', async () => {
    const store = sampleUri('flights.secretstore.json');
    const document = await vscode.workspace.openTextDocument(store);
    const position = positionOf(document, '"FlightsAppClientId"', 3);
    const prepared = await vscode.commands.executeCommand<{ range: vscode.Range; placeholder: string } | undefined>('vscode.prepareRename', store, position);
    assert.equal(prepared?.placeholder, 'FlightsAppClientId');
    assert.equal(document.getText(prepared.range), '"FlightsAppClientId"');
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', store, position, 'FlightsClientId');
    const byFile = new Map(edit.entries().map(([uri, edits]) => [uri.path.split('/').pop() ?? '', edits.map((e) => e.newText)]));
    assert.deepEqual(byFile.get('flights.secretstore.json'), ['"FlightsClientId"']);
    assert.deepEqual(byFile.get('flights.authprofile.json'), ['"FlightsSecrets/FlightsClientId"']);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('vscode.prepareRename', store, positionOf(document, '"azureKeyVault"', 3))));
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('vscode.executeDocumentRenameProvider', store, position, 'no/slash')), /not a valid name/);
  });

  it('quick fixes add a missing mapping and replace a plaintext secret with a reference', async () => {
    const storeUri = await writeWorkspaceFile(
      'e2e-lang.secretstore.json',
      JSON.stringify(
        { name: 'E2ELang', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'MKTAirlines' }, azureKeyVault: { vaultName: 'mktairlines-kv' }, secrets: [{ reference: 'Existing', secretName: 'existing-secret' }] },
        null,
        2,
      ) + '\n',
    );
    created.push(storeUri);
    const profileUri = await writeWorkspaceFile(
      'e2e-lang.authprofile.json',
      JSON.stringify(
        { name: 'E2ELangProfile', type: 'oauth2', grantType: 'clientCredentials', tokenEndpoint: 'https://idp.example.com/token', clientId: { secretRef: 'E2ELang/NotMapped' }, clientSecret: 'e2e-plaintext-value' },
        null,
        2,
      ) + '\n',
    );
    created.push(profileUri);
    await openInEditor(profileUri);
    const unmapped = await waitForDiagnostic(profileUri, 'FS205');
    const plaintext = await waitForDiagnostic(profileUri, 'FS207');

    const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', profileUri, unmapped.range, vscode.CodeActionKind.QuickFix.value);
    const addMapping = fixes.find((a) => a.title === 'Add mapping "NotMapped" → vault secret "NotMapped" to store "E2ELang"');
    assert.ok(addMapping?.edit, `add-mapping fix offered (got ${fixes.map((a) => a.title).join(' | ')})`);
    assert.ok(await vscode.workspace.applyEdit(addMapping.edit));
    const storeDoc = await vscode.workspace.openTextDocument(storeUri);
    assert.match(storeDoc.getText(), /"reference": "NotMapped",\s*"secretName": "NotMapped"/);
    await storeDoc.save();
    await waitFor('FS205 to be gone after the mapping was added', () => !ourDiagnostics(profileUri).some((d) => codeOf(d) === 'FS205'));

    const replaceFixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', profileUri, plaintext.range, vscode.CodeActionKind.QuickFix.value);
    const replace = replaceFixes.find((a) => a.title === 'Replace with a secret reference…');
    assert.ok(replace?.command, `replace fix offered (got ${replaceFixes.map((a) => a.title).join(' | ')})`);
    assert.equal(replace.command.command, 'federatedSecrets.replaceWithReference');
    // What the quick pick would do after "Create a new mapping…": the mapping and the reference in one edit.
    const [args] = replace.command.arguments as [Record<string, unknown>];
    const done = await vscode.commands.executeCommand<boolean>(replace.command.command, { ...args, mapping: { store: 'E2ELang', reference: 'LangSecret' } });
    assert.equal(done, true);
    const profileDoc = await vscode.workspace.openTextDocument(profileUri);
    assert.match(profileDoc.getText(), /"clientSecret": \{\s*"secretRef": "E2ELang\/LangSecret"\s*\}/);
    assert.ok(!profileDoc.getText().includes('e2e-plaintext-value'), 'the plaintext value is gone');
    // A document not shown in an editor may have been closed meanwhile: ask for the current one.
    const storeNow = await vscode.workspace.openTextDocument(storeUri);
    assert.match(storeNow.getText(), /"reference": "LangSecret",\s*"secretName": "LangSecret"/);
    await profileDoc.save();
    await storeNow.save();
    await waitFor('FS207 to be gone after the replacement', () => !ourDiagnostics(profileUri).some((d) => codeOf(d) === 'FS207'));
  });

  it('validate on save: a store whose vault cannot be listed here gets one FS305 warning on its name', async () => {
    const storeUri = created.find((u) => u.path.endsWith('e2e-lang.secretstore.json'));
    assert.ok(storeUri);
    const document = await vscode.workspace.openTextDocument(storeUri);
    await openInEditor(storeUri);
    await replaceText(document, '"existing-secret"', '"existing-secret-2"');
    await document.save();
    // MKTAirlines has no signing key in this session: the listing fails before any request, with that reason.
    const warning = await waitForDiagnostic(storeUri, 'FS305', 60_000);
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(document.getText(warning.range), '"E2ELang"');
  });
});

describe('live secret names from the emulated vault', () => {
  let cloud: EmulatedCloud;
  const created: vscode.Uri[] = [];
  let storeUri: vscode.Uri;

  before(async function () {
    this.timeout(60_000);
    await extension().activate();
    cloud = await startEmulatedCloud('E2ELive', [
      { name: 'e2e-mapped', value: 'mapped-value-never-shown' },
      { name: 'e2e-only-in-vault', value: 'vault-value-never-shown' },
      { name: 'e2e-disabled', value: 'disabled-value-never-shown', enabled: false },
      { name: 'e2e-expiring', value: 'expiring-value-never-shown', expiresOn: new Date(Date.now() + 3 * 86_400_000) },
    ]);
    created.push(await writeWorkspaceFile('e2e-live.federation.json', JSON.stringify(cloud.federation, null, 2) + '\n'));
    storeUri = await writeWorkspaceFile(
      'e2e-live.secretstore.json',
      JSON.stringify(
        { name: 'E2ELiveSecrets', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'E2ELive' }, azureKeyVault: { vaultUrl: cloud.vaultUrl }, secrets: [{ reference: 'Mapped', secretName: 'e2e-mapped' }, { reference: 'Next', secretName: '' }] },
        null,
        2,
      ) + '\n',
    );
    created.push(storeUri);
  });

  after(async () => {
    await deleteAll(created);
    await cloud?.stop();
  });

  it('completes the vault names with their state — names and metadata only, one token exchange', async () => {
    const document = await vscode.workspace.openTextDocument(storeUri);
    const position = positionOf(document, '"secretName": ""', '"secretName": "'.length);
    const items = await waitFor(
      'the vault names in the completion list',
      async () => {
        const found = await completions(storeUri, position, 50);
        return found.some((i) => labelOf(i) === 'e2e-only-in-vault') ? found : undefined;
      },
      45_000,
    );
    const byLabel = new Map(items.map((i) => [labelOf(i), i]));
    assert.match(byLabel.get('e2e-mapped')?.detail ?? '', /^enabled · .*mapped as Mapped$/);
    assert.deepEqual(byLabel.get('e2e-disabled')?.tags, [vscode.CompletionItemTag.Deprecated]);
    assert.match(byLabel.get('e2e-expiring')?.detail ?? '', /expires \d{4}-\d{2}-\d{2}/);
    const text = JSON.stringify(items.map((i) => [labelOf(i), i.detail, i.documentation]));
    assert.ok(!/never-shown/.test(text), 'no secret value reaches the editor');
    assert.equal(cloud.entra.tokenRequestCount, 1, 'one token exchange for the listing');
    assert.deepEqual([...new Set(cloud.keyVault.requests.map((r) => r.url.split('?')[0]))], ['/secrets'], 'only list calls: no value was read');
  });

  it('hover on a mapping shows its live state', async () => {
    const document = await vscode.workspace.openTextDocument(storeUri);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', storeUri, positionOf(document, '"e2e-mapped"', 3));
    assert.match(markdownOf(hovers), /Live state: enabled · updated \d{4}-\d{2}-\d{2} · text\/plain/);
  });

  it('saving the store flags missing, disabled and expiring secrets (validate on save)', async () => {
    const document = await vscode.workspace.openTextDocument(storeUri);
    await openInEditor(storeUri);
    await replaceText(
      document,
      '"secretName": ""',
      '"secretName": "e2e-no-such-secret" }, { "reference": "Off", "secretName": "e2e-disabled" }, { "reference": "Soon", "secretName": "e2e-expiring"',
    );
    await document.save();
    const missing = await waitForDiagnostic(storeUri, 'FS301', 30_000);
    assert.equal(document.getText(missing.range), '"e2e-no-such-secret"');
    await waitForDiagnostic(storeUri, 'FS302');
    await waitForDiagnostic(storeUri, 'FS304');
    await replaceText(document, '"e2e-no-such-secret"', '"e2e-only-in-vault"');
    await document.save();
    await waitFor('FS301 to be gone once the name is fixed', () => !ourDiagnostics(storeUri).some((d) => codeOf(d) === 'FS301'), 30_000);
    assert.ok(ourDiagnostics(storeUri).some((d) => codeOf(d) === 'FS302'));
  });

  it('Check Secret Store and Refresh Secret Names list the vault again', async () => {
    const before = cloud.keyVault.requestCount;
    const outcome = await vscode.commands.executeCommand<{ store: string; listing: { ok: boolean }; problems: number }>('federatedSecrets.checkSecretStore', storeUri);
    assert.equal(outcome?.store, 'E2ELiveSecrets');
    assert.equal(outcome.listing.ok, true);
    assert.equal(outcome.problems, 2, 'disabled and expiring');
    const refreshed = await vscode.commands.executeCommand<{ store: string; count?: number }[]>('federatedSecrets.refreshSecretNames');
    assert.equal(refreshed?.find((r) => r.store === 'E2ELiveSecrets')?.count, 4);
    assert.ok(cloud.keyVault.requestCount > before);
    assert.equal(cloud.entra.tokenRequestCount, 1, 'the token is reused across listings');
  });

  it('pointing the store at another vault forgets the names and the findings of the old one', async () => {
    const document = await vscode.workspace.openTextDocument(storeUri);
    await openInEditor(storeUri);
    // Port 1 on loopback: nothing listens there.
    await replaceText(document, cloud.vaultUrl, 'https://127.0.0.1:1');
    await document.save();
    const warning = await waitForDiagnostic(storeUri, 'FS305', 45_000);
    assert.match(warning.message, /127\.0\.0\.1:1/);
    const codes = ourDiagnostics(storeUri).map(codeOf);
    assert.ok(!codes.includes('FS302') && !codes.includes('FS304'), `the old vault's findings are gone (got ${codes.join(', ')})`);
    const position = positionOf(document, '"e2e-mapped"', 3);
    const items = await completions(storeUri, position);
    // Only what the store maps is offered now, without the old vault's state.
    assert.ok(!items.some((i) => labelOf(i) === 'e2e-only-in-vault' && /^enabled/.test(i.detail ?? '')), 'the old vault state is gone');
    assert.match(items.find((i) => labelOf(i) === 'e2e-disabled')?.detail ?? '', /mapped as Off · not checked live/);
  });
});

describe('@restricted live secret names in Restricted Mode', () => {
  let cloud: EmulatedCloud;
  const created: vscode.Uri[] = [];

  after(async () => {
    await deleteAll(created);
    await cloud?.stop();
  });

  it('completion offers mapped names only, and nothing reaches the emulated cloud', async function () {
    this.timeout(60_000);
    assert.equal(vscode.workspace.isTrusted, false);
    cloud = await startEmulatedCloud('E2ERestricted', [{ name: 'restricted-only-in-vault', value: 'restricted-value' }]);
    created.push(await writeWorkspaceFile('e2e-restricted-live.federation.json', JSON.stringify(cloud.federation, null, 2) + '\n'));
    const storeUri = await writeWorkspaceFile(
      'e2e-restricted-live.secretstore.json',
      JSON.stringify(
        { name: 'E2ERestrictedSecrets', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'E2ERestricted' }, azureKeyVault: { vaultUrl: cloud.vaultUrl }, secrets: [{ reference: 'A', secretName: 'restricted-mapped' }, { reference: 'B', secretName: '' }] },
        null,
        2,
      ) + '\n',
    );
    created.push(storeUri);
    const document = await vscode.workspace.openTextDocument(storeUri);
    const position = positionOf(document, '"secretName": ""', '"secretName": "'.length);
    const labels = await waitFor('the mapped name in the completion list', async () => {
      const found = (await completions(storeUri, position)).map(labelOf);
      return found.includes('restricted-mapped') ? found : undefined;
    });
    assert.ok(!labels.includes('restricted-only-in-vault'));
    await openInEditor(storeUri);
    await replaceText(document, '"secretName": ""', '"secretName": "x"');
    await document.save();
    await vscode.commands.executeCommand('federatedSecrets.refreshSecretNames');
    await vscode.commands.executeCommand('federatedSecrets.checkSecretStore', storeUri);
    for (let i = 0; i < 5; i++) {
      await completions(storeUri, position);
      await sleep(500);
    }
    assert.equal(cloud.requestCount(), 0, 'no request in Restricted Mode');
    assert.ok(!ourDiagnostics(storeUri).some((d) => /^FS30[1-5]$/.test(codeOf(d) ?? '')), 'no live diagnostics');
  });
});
