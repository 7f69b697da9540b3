import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { codeOf, extension, openInEditor, ourDiagnostics, sleep, waitFor, waitForDiagnostic, writeStoreWithUnknownFederation, writeWorkspaceFile } from './helpers';

describe('diagnostics', () => {
  const created: vscode.Uri[] = [];

  before(async () => {
    await extension().activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of created) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  it('flags a secret store whose federation does not exist (FS202) on the reference itself', async () => {
    const uri = await writeStoreWithUnknownFederation('e2e-broken-ref.secretstore.json', 'E2EBrokenRef');
    created.push(uri);
    const editor = await openInEditor(uri);
    const d = await waitForDiagnostic(uri, 'FS202');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(!d.range.isEmpty, 'the diagnostic has an empty range');
    const flagged = editor.document.getText(d.range);
    assert.match(flagged, /NoSuchFederation/, `the range covers ${JSON.stringify(flagged)} instead of the federation name`);
    assert.match(d.message, /NoSuchFederation/, 'the message does not name the missing federation');
  });

  it('flags malformed JSON (FS001) at the place of the error', async () => {
    const text = ['{', '  "name": "E2EBrokenSyntax",', '  "cloudProvider": "azure",,', '  "issuer": {}', '}', ''].join('\n');
    const uri = await writeWorkspaceFile('e2e-broken-syntax.federation.json', text);
    created.push(uri);
    await openInEditor(uri);
    const d = await waitForDiagnostic(uri, 'FS001');
    assert.equal(d.range.start.line, 2, `FS001 is on line ${d.range.start.line + 1}, the stray comma is on line 3`);
  });

  it('flags a missing required property (FS101) in a file that is not open', async () => {
    const text = JSON.stringify({ name: 'E2EMissingClosed', issuer: { type: 'self' } }, null, 2) + '\n';
    const uri = await writeWorkspaceFile('e2e-missing-closed.federation.json', text);
    created.push(uri);
    const d = await waitForDiagnostic(uri, 'FS101');
    assert.match(d.message, /cloudProvider|issuerUrl|subject/, `FS101 does not name the missing property: ${d.message}`);
  });

  it('lists a schema problem of an open file once (VS Code JSON support and the extension do not both report it)', async () => {
    const text = JSON.stringify({ name: 'E2EMissingOpen', issuer: { type: 'self' } }, null, 2) + '\n';
    const uri = await writeWorkspaceFile('e2e-missing-open.federation.json', text);
    created.push(uri);
    await openInEditor(uri);
    const aboutCloudProvider = () => vscode.languages.getDiagnostics(uri).filter((d) => d.message.includes('cloudProvider'));
    await waitFor(
      () => `a diagnostic about the missing cloudProvider on the open ${vscode.workspace.asRelativePath(uri)} (it has: ${vscode.languages.getDiagnostics(uri).map((d) => `${d.source ?? '?'}:${codeOf(d) ?? '-'} ${d.message}`).join(' | ') || 'none'})`,
      () => aboutCloudProvider().length > 0,
    );
    await sleep(1_500); // let both reporters settle
    const found = aboutCloudProvider().map((d) => `${d.source ?? '?'}:${codeOf(d) ?? '-'}`);
    assert.equal(found.length, 1, `the missing cloudProvider is reported ${found.length} times: ${found.join(', ')}`);
  });

  it('reports no errors on the valid sample files', async () => {
    const samples = (await vscode.workspace.findFiles('*.json', undefined, 200)).filter((u) => !vscode.workspace.asRelativePath(u).startsWith('e2e-'));
    assert.ok(samples.length > 0, 'no sample files found');
    for (const uri of samples) await vscode.workspace.openTextDocument(uri);
    // A broken file written after all samples are open: once its diagnostic is there, the samples were checked too.
    const sentinel = await writeStoreWithUnknownFederation('e2e-sentinel.secretstore.json', 'E2ESentinel');
    created.push(sentinel);
    await openInEditor(sentinel);
    await waitForDiagnostic(sentinel, 'FS202');
    const errors = samples.flatMap((u) =>
      ourDiagnostics(u)
        .filter((d) => d.severity === vscode.DiagnosticSeverity.Error)
        .map((d) => `${vscode.workspace.asRelativePath(u)}:${d.range.start.line + 1} ${codeOf(d) ?? '-'} ${d.message}`),
    );
    assert.deepEqual(errors, []);
  });

  it('clears the diagnostics of a broken file once it is deleted', async () => {
    const uri = await writeStoreWithUnknownFederation('e2e-deleted.secretstore.json', 'E2EDeleted');
    await openInEditor(uri);
    await waitForDiagnostic(uri, 'FS202');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.workspace.fs.delete(uri);
    await waitFor(`the diagnostics of the deleted ${vscode.workspace.asRelativePath(uri)} to go away`, () => ourDiagnostics(uri).length === 0);
  });
});
