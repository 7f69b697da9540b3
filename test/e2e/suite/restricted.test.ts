// Run only in Restricted Mode (the harness greps for @restricted there and excludes it elsewhere).
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, extension, openInEditor, waitFor, waitForDiagnostic, writeStoreWithUnknownFederation } from './helpers';

describe('@restricted Restricted Mode (untrusted folder)', () => {
  const created: vscode.Uri[] = [];

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of created) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  it('the workspace is not trusted in this run', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('Federated Secrets is activated even though the folder is untrusted', async () => {
    const ext = extension();
    await waitFor(`${EXTENSION_ID} to be activated in Restricted Mode`, () => ext.isActive, 30_000);
  });

  it('still reports offline diagnostics (FS202) for a broken file', async () => {
    const uri = await writeStoreWithUnknownFederation('e2e-restricted.secretstore.json', 'E2ERestricted');
    created.push(uri);
    const editor = await openInEditor(uri);
    const d = await waitForDiagnostic(uri, 'FS202');
    assert.match(editor.document.getText(d.range), /NoSuchFederation/);
  });
});
