// Run only in the sandbox session (the harness greps for @sandbox there and excludes it elsewhere): the workspace
// is samples/ pointed at the sandbox cloud that `npm start` also uses, and the user settings allow it. These
// tests prove the wiring a user gets from `npm start`: live names, hover, and Test Connection end to end.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { SANDBOX_CANARY } from '../../../scripts/sandbox/canary';
import type { CheckResult } from '../../../src/core/check/index';
import { extension, waitFor, withTimeout, workspaceRoot } from './helpers';
import { sandboxDescription, type SandboxDescription } from './sandbox-env';

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function positionAfter(document: vscode.TextDocument, needle: string): vscode.Position {
  const at = document.getText().indexOf(needle);
  assert.ok(at >= 0, `"${needle}" not found in ${vscode.workspace.asRelativePath(document.uri)}`);
  return document.positionAt(at + needle.length);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

async function replaceAndSave(uri: vscode.Uri, from: string, to: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const start = document.getText().indexOf(from);
  assert.ok(start >= 0, `"${from}" not in ${vscode.workspace.asRelativePath(uri)}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(start), document.positionAt(start + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applies');
  assert.ok(await document.save(), 'the document saves');
}

async function testConnection(uri: vscode.Uri): Promise<CheckResult> {
  const result = await withTimeout('federatedSecrets.testConnection', vscode.commands.executeCommand<CheckResult | undefined>('federatedSecrets.testConnection', uri), 60_000);
  assert.ok(result, 'federatedSecrets.testConnection returned no result (not run?)');
  return result;
}

function stepSummary(result: CheckResult): string {
  return result.steps.map((s) => `${s.id}${s.scope ? `@${s.scope}` : ''}:${s.status}${s.code ? `(${s.code})` : ''}`).join(', ');
}

describe('@sandbox the samples against the sandbox cloud', () => {
  let box: SandboxDescription;
  const uriOf = (file: string) => vscode.Uri.joinPath(workspaceRoot(), file);

  before(async () => {
    box = sandboxDescription();
    await extension().activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the user settings allow the sandbox hosts, CA and signing key (user level, not workspace)', () => {
    const config = vscode.workspace.getConfiguration('federatedSecrets');
    assert.deepEqual(config.inspect('network.allowedHosts')?.globalValue, box.allowedHosts);
    assert.equal(config.inspect('network.extraCaFile')?.globalValue, box.caFile);
    assert.deepEqual(config.inspect('issuer.signingKeyFiles')?.globalValue, { [box.federation]: box.signingKeyFile });
    for (const key of ['network.allowedHosts', 'network.extraCaFile', 'issuer.signingKeyFiles']) assert.equal(config.inspect(key)?.workspaceValue, undefined, `${key} is set in the workspace`);
  });

  it("completion in a secretName lists the emulated vault's names with their state — never a value", async () => {
    const uri = uriOf(box.files.store);
    const document = await vscode.workspace.openTextDocument(uri);
    const position = positionAfter(document, '"secretName": "');
    const items = await waitFor(
      () => `the vault's unmapped names (${box.secretNames.unmapped.join(', ')}) in the completion list`,
      async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position, undefined, 100);
        return box.secretNames.unmapped.every((n) => list.items.some((i) => labelOf(i) === n)) ? list.items : undefined;
      },
      60_000,
    );
    const labels = items.map(labelOf);
    const missing = box.vaultSecretNames.filter((n) => !labels.includes(n));
    assert.deepEqual(missing, [], `vault names not offered (offered: ${labels.join(', ')})`);
    const disabled = items.find((i) => labelOf(i) === box.secretNames.disabled);
    assert.deepEqual(disabled?.tags, [vscode.CompletionItemTag.Deprecated], 'the disabled secret is struck through');
    assert.match(items.find((i) => labelOf(i) === box.secretNames.expiringSoon)?.detail ?? '', /expires/);
    assert.ok(!JSON.stringify(items).includes(SANDBOX_CANARY), 'a secret value reached the completion list');
  });

  it('hover on a mapped secretName shows the chain and the live state — never a value', async () => {
    const uri = uriOf(box.files.store);
    const document = await vscode.workspace.openTextDocument(uri);
    const mapped = box.secretNames.mapped[0] ?? '';
    const position = positionAfter(document, `"secretName": "${mapped.slice(0, 3)}`);
    const text = await waitFor(
      'a hover with the live state',
      async () => {
        const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position));
        return /Live state/i.test(t) ? t : undefined;
      },
      30_000,
    );
    assert.match(text, new RegExp(box.federation));
    assert.ok(!text.includes(SANDBOX_CANARY), 'a secret value reached the hover');
  });

  it(`Test Connection of the auth profile passes every step, from the self-issued token to the OAuth call`, async () => {
    const result = await testConnection(uriOf(box.files.authProfile));
    assert.equal(result.ok, true, `not ok: ${stepSummary(result)}`);
    const ids: string[] = result.steps.map((s) => s.id);
    for (const id of ['config', 'issuer', 'token', 'exchange', 'vault', 'mappings', 'oauth']) assert.ok(ids.includes(id), `no ${id} step (${stepSummary(result)})`);
    const notOk = result.steps.filter((s) => s.status !== 'ok');
    assert.deepEqual(notOk.map((s) => `${s.id}:${s.status} ${s.message}`), []);
    assert.ok(!JSON.stringify(result).includes(SANDBOX_CANARY), 'the secret value reached the check result');
  });

  it('a wrong federated subject fails at the exchange step with AADSTS700213 and advice', async () => {
    const uri = uriOf(box.files.federation);
    const broken = `${box.subject}-typo`;
    await replaceAndSave(uri, `"${box.subject}"`, `"${broken}"`);
    try {
      const result = await testConnection(uri);
      assert.equal(result.ok, false, `a wrong subject passed: ${stepSummary(result)}`);
      const failed = result.steps.find((s) => s.status === 'failed');
      assert.ok(failed, `no failed step: ${stepSummary(result)}`);
      assert.equal(failed.id, 'exchange', stepSummary(result));
      assert.equal(failed.code, 'AADSTS700213', stepSummary(result));
      assert.equal(failed.field, 'issuer.subject');
      assert.ok(failed.advice && failed.advice.length > 20, `no advice: ${JSON.stringify(failed)}`);
    } finally {
      await replaceAndSave(uri, `"${broken}"`, `"${box.subject}"`);
    }
    const again = await testConnection(uri);
    assert.equal(again.ok, true, `restored subject still fails: ${stepSummary(again)}`);
  });
});
