import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { TREE_VIEW_ID, VIEW_CONTAINER_ID, extension, openInEditor, sleep, withTimeout, workspaceRoot } from './helpers';

describe('tree view', () => {
  before(async () => {
    await extension().activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the Federated Secrets view container and focuses the explorer', async () => {
    await withTimeout('show the view container', vscode.commands.executeCommand(`workbench.view.extension.${VIEW_CONTAINER_ID}`));
    await withTimeout('focus the tree view', vscode.commands.executeCommand(`${TREE_VIEW_ID}.focus`));
  });

  it('federatedSecrets.refresh runs', async () => {
    await withTimeout('federatedSecrets.refresh', vscode.commands.executeCommand('federatedSecrets.refresh'));
  });

  it('federatedSecrets.revealInTree runs on the active config file', async () => {
    await openInEditor(vscode.Uri.joinPath(workspaceRoot(), 'flights.secretstore.json'));
    await withTimeout('federatedSecrets.revealInTree', vscode.commands.executeCommand('federatedSecrets.revealInTree'));
  });

  for (const command of ['federatedSecrets.newFederation', 'federatedSecrets.newSecretStore', 'federatedSecrets.newAuthProfile']) {
    it(`${command} ends cleanly when its prompts are cancelled`, async () => {
      const running = vscode.commands.executeCommand(command);
      // The command prompts (quick pick or input box); cancel as a user pressing Escape would, until it ends.
      let settled = false;
      const done = Promise.resolve(running).finally(() => {
        settled = true;
      });
      for (let i = 0; i < 10 && !settled; i++) {
        await sleep(500);
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      }
      await withTimeout(`${command} after cancelling`, done, 5_000);
    });
  }
});
