import * as vscode from 'vscode';

export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
const MANAGE_TRUST = 'Manage Workspace Trust';

/**
 * Features that mint tokens or touch the network run only in a trusted workspace. Returns true when trusted;
 * otherwise says why nothing happens, with a way to trust the folder, and returns false. `what` completes
 * "Federated Secrets needs a trusted workspace to …".
 */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `Federated Secrets needs a trusted workspace to ${what}. In Restricted Mode it only validates and browses configuration files, offline: a cloned repository must not make this editor mint tokens or send them to hosts of its choosing.`,
      MANAGE_TRUST,
    )
    .then((action) => {
      if (action === MANAGE_TRUST) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
    });
  return false;
}
