// Test Connection, Test All, FS306 and the signing-key commands in a real VS Code, against the emulated cloud
// (Entra ID, Key Vault, an issuer host and an OAuth server) started here, inside the extension host, on loopback
// with a throw-away CA. The product reaches them only because the user settings written below allow the host
// and trust the CA — exactly what a user does for an emulator or a private cloud.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { CheckResult, CheckStep } from '../../../src/core/check/steps';
import { startSandbox, type Sandbox, type SampleScenario } from '../../emulators/sandbox';
import { extension, openInEditor, ourDiagnostics, readWorkspaceJson, codeOf, waitFor, waitForDiagnostic, withTimeout, writeWorkspaceFile } from './helpers';

type Json = Record<string, unknown>;

const FILES = {
  federation: 'e2e-conn.federation.json',
  store: 'e2e-conn.secretstore.json',
  profile: 'e2e-conn.authprofile.json',
  keysFederation: 'e2e-keys.federation.json',
  keysStore: 'e2e-keys.secretstore.json',
};

const SETTINGS = ['network.allowedHosts', 'network.extraCaFile', 'issuer.signingKeyFiles', 'network.requestTimeoutSeconds'] as const;

function summary(result: CheckResult): string[] {
  return result.steps.map((s) => `${s.id}@${s.scope ?? ''}:${s.status}`);
}

function stepOf(result: CheckResult, id: CheckStep['id'], scope?: string): CheckStep {
  const found = result.steps.find((s) => s.id === id && (scope === undefined || s.scope === scope));
  assert.ok(found, `no step ${id} in ${JSON.stringify(summary(result))}`);
  return found;
}

/** Replaces a config file's content as a user would: in its (open) editor, then saved. */
async function rewrite(uri: vscode.Uri, value: unknown): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), JSON.stringify(value, null, 2) + '\n');
  assert.ok(await vscode.workspace.applyEdit(edit), `the edit of ${vscode.workspace.asRelativePath(uri)} applies`);
  assert.ok(await document.save(), `${vscode.workspace.asRelativePath(uri)} saves`);
}

/** The clipboard's text, or undefined when the workbench cannot read it in time (a browser that refuses access). */
async function clipboardText(): Promise<string | undefined> {
  return Promise.race([Promise.resolve(vscode.env.clipboard.readText()).catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]);
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  // The CodeLens command needs the document loaded in the workbench.
  await vscode.workspace.openTextDocument(uri);
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.map((l) => l.command?.title ?? '');
}

describe('Test Connection against the emulated cloud', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let scenario: SampleScenario;
  let tmp: string;
  const uris: Record<keyof typeof FILES, vscode.Uri> = {} as Record<keyof typeof FILES, vscode.Uri>;
  let federation: Json;

  const config = () => vscode.workspace.getConfiguration('federatedSecrets');
  const test = (target: unknown) => withTimeout('federatedSecrets.testConnection', vscode.commands.executeCommand<CheckResult | undefined>('federatedSecrets.testConnection', target), 60_000);

  before(async () => {
    await extension().activate();
    sandbox = await startSandbox();
    scenario = await sandbox.seedSampleScenario();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fs-e2e-connection-'));
    const caFile = path.join(tmp, 'ca.pem');
    const keyFile = path.join(tmp, 'signing-key.pem');
    await fs.writeFile(caFile, sandbox.caCertPem);
    await fs.writeFile(keyFile, scenario.issuer.privateKeyPem, { mode: 0o600 });
    // User settings only: the product ignores these in workspace settings.
    await config().update('network.allowedHosts', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    await config().update('network.extraCaFile', caFile, vscode.ConfigurationTarget.Global);
    await config().update('issuer.signingKeyFiles', { E2EFed: keyFile }, vscode.ConfigurationTarget.Global);
    await config().update('network.requestTimeoutSeconds', 5, vscode.ConfigurationTarget.Global);

    // The samples' federation, store and auth profile under new names, pointed at the emulators.
    federation = await readWorkspaceJson('mktairlines.federation.json');
    delete federation['$schema'];
    federation['name'] = 'E2EFed';
    federation['issuer'] = { ...(federation['issuer'] as Json), issuerUrl: scenario.issuer.issuerUrl, subject: scenario.issuer.subject, audience: scenario.issuer.audience };
    federation['azure'] = { ...(federation['azure'] as Json), tenantId: scenario.tenantId, clientId: scenario.app.clientId, authorityHost: sandbox.origins.entra };
    const store: Json = {
      name: 'E2EStore',
      provider: 'azureKeyVault',
      authentication: { type: 'identityFederation', federation: 'E2EFed' },
      azureKeyVault: { vaultUrl: scenario.vault.vaultUrl },
      secrets: [
        { reference: 'ClientId', secretName: scenario.vault.secretNames.clientId },
        { reference: 'ClientSecret', secretName: scenario.vault.secretNames.clientSecret },
      ],
    };
    const profile: Json = {
      name: 'E2EProfile',
      type: 'oauth2',
      grantType: 'clientCredentials',
      tokenEndpoint: scenario.oauth.tokenEndpoint,
      clientId: { secretRef: 'E2EStore/ClientId' },
      clientSecret: { secretRef: 'E2EStore/ClientSecret' },
      scopes: scenario.oauth.scopes,
      clientAuthentication: 'basic',
    };
    uris.federation = await writeWorkspaceFile(FILES.federation, JSON.stringify(federation, null, 2) + '\n');
    uris.store = await writeWorkspaceFile(FILES.store, JSON.stringify(store, null, 2) + '\n');
    uris.profile = await writeWorkspaceFile(FILES.profile, JSON.stringify(profile, null, 2) + '\n');
    for (const uri of [uris.federation, uris.store, uris.profile]) {
      await waitFor(`CodeLens "Test Connection" on ${vscode.workspace.asRelativePath(uri)}`, async () => (await lensTitles(uri)).includes('▶ Test Connection'));
    }
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of Object.values(uris)) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
    for (const key of SETTINGS) await config().update(key, undefined, vscode.ConfigurationTarget.Global).then(undefined, () => undefined);
    await sandbox?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('is registered with a title and the category "Federated Secrets", as are Test All and the key commands', () => {
    const pkg = extension().packageJSON as { contributes: { commands: { command: string; title: string; category?: string }[] } };
    for (const id of ['testConnection', 'testAll', 'generateSigningKey', 'rotateSigningKey', 'deleteSigningKey', 'exportIssuerDocuments', 'copyFederatedCredential', 'setIssuerClientSecret', 'clearIssuerClientSecret']) {
      const command = pkg.contributes.commands.find((c) => c.command === `federatedSecrets.${id}`);
      assert.ok(command, `federatedSecrets.${id} is not contributed`);
      assert.equal(command.category, 'Federated Secrets');
    }
  });

  it('passes for a secret store, step by step, through its federation (key file from user settings)', async () => {
    const result = await test(uris.store);
    assert.ok(result, 'the command returned no result (workspace not trusted?)');
    assert.deepEqual(summary(result), ['config@E2EStore:ok', 'issuer@E2EFed:ok', 'token@E2EFed:ok', 'exchange@E2EFed:ok', 'vault@E2EStore:ok', 'mappings@E2EStore:ok']);
    assert.equal(result.ok, true);
    assert.match(stepOf(result, 'vault').message, /names and metadata only/);
    // The CodeLens above the store (and its federation, tested on the way) shows the outcome.
    await waitFor('the store\'s CodeLens to show "✓ passed"', async () => (await lensTitles(uris.store)).some((t) => t.startsWith('✓ passed')));
    await waitFor('the federation\'s CodeLens to show "✓ passed"', async () => (await lensTitles(uris.federation)).some((t) => t.startsWith('✓ passed')));
  });

  it('passes for an auth profile: vault values reach only the OAuth call, never the report', async () => {
    const editor = await openInEditor(uris.profile);
    // No argument: the active editor's instance is tested.
    const result = await test(undefined);
    assert.ok(result);
    assert.equal(result.target.name, 'E2EProfile', `tested ${result.target.name} instead of the active file`);
    assert.equal(result.ok, true, JSON.stringify(summary(result)));
    assert.equal(stepOf(result, 'oauth').status, 'ok');
    const report = JSON.stringify(result);
    assert.ok(!report.includes(scenario.oauth.clientSecret), 'the client secret from the vault appears in the report');
    assert.equal(editor.document.uri.toString(), uris.profile.toString());
  });

  it('Test All tests every store and auth profile, with one token exchange per federation', async () => {
    // A settings change drops the session's token cache, so this run must exchange afresh — once.
    await config().update('network.requestTimeoutSeconds', 6, vscode.ConfigurationTarget.Global);
    await waitFor('the new timeout to apply', () => config().get<number>('network.requestTimeoutSeconds') === 6);
    const before = sandbox.entra.tokenRequestCount;
    const results = await withTimeout('federatedSecrets.testAll', vscode.commands.executeCommand<CheckResult[] | undefined>('federatedSecrets.testAll'), 80_000);
    assert.ok(results);
    const byName = new Map(results.map((r) => [r.target.name, r]));
    assert.equal(byName.get('E2EStore')?.ok, true, JSON.stringify(summary(byName.get('E2EStore') ?? results[0] ?? ({ steps: [] } as unknown as CheckResult))));
    assert.equal(byName.get('E2EProfile')?.ok, true);
    // The samples' own store and auth profile are tested too (and fail offline, without a key or allowed host).
    assert.ok(byName.has('FlightsSecrets') && byName.has('FlightsAPI'), `tested: ${[...byName.keys()].join(', ')}`);
    const exchanges = sandbox.entra.tokenRequests.slice(before).filter((r) => r.clientId === scenario.app.clientId);
    assert.equal(exchanges.length, 1, `token requests for E2EFed during Test All: ${exchanges.length}`);
  });

  it('a wrong subject fails at the token exchange with AADSTS700213, naming the field; the report opens it', async () => {
    const wrong = { ...federation, issuer: { ...(federation['issuer'] as Json), subject: 'app:not-registered' } };
    await rewrite(uris.federation, wrong);
    try {
      const result = await test(uris.store);
      assert.ok(result);
      const failed = stepOf(result, 'exchange');
      assert.equal(failed.status, 'failed', JSON.stringify(summary(result)));
      assert.equal(failed.code, 'AADSTS700213');
      assert.equal(failed.field, 'issuer.subject');
      assert.equal(vscode.Uri.file(failed.file ?? '').fsPath, uris.federation.fsPath);
      assert.deepEqual(summary(result).slice(4), ['vault@E2EStore:skipped', 'mappings@E2EStore:skipped']);
      await waitFor('the store\'s CodeLens to show the failing step', async () => (await lensTitles(uris.store)).some((t) => t.startsWith('✗ failed at Token exchange')));
      // What a click on the step in the Test Results view does: the file opens with the field selected.
      await vscode.commands.executeCommand('federatedSecrets.openTestStep', failed.file, failed.field);
      const editor = await waitFor('the federation file in the active editor', () => (vscode.window.activeTextEditor?.document.uri.fsPath === uris.federation.fsPath ? vscode.window.activeTextEditor : undefined));
      assert.equal(editor.document.getText(editor.selection), '"app:not-registered"');
    } finally {
      await rewrite(uris.federation, federation);
    }
  });

  it('publishes FS306 when the discovery document names the issuer with another trailing slash, and clears it once fixed', async () => {
    const issuerUrl = scenario.issuer.issuerUrl;
    assert.ok(issuerUrl.endsWith('/'));
    const noSlash = { ...federation, issuer: { ...(federation['issuer'] as Json), issuerUrl: issuerUrl.slice(0, -1) } };
    await rewrite(uris.federation, noSlash);
    const result = await test(uris.federation);
    assert.ok(result);
    const issuer = stepOf(result, 'issuer');
    assert.equal(issuer.status, 'failed');
    assert.equal(issuer.code, 'FSE031');
    const diagnostic = await waitForDiagnostic(uris.federation, 'FS306');
    const document = await vscode.workspace.openTextDocument(uris.federation);
    assert.equal(document.getText(diagnostic.range), JSON.stringify(issuerUrl.slice(0, -1)));
    // Fixing the URL (as the quick fix does) clears it without another test.
    await rewrite(uris.federation, federation);
    await waitFor('FS306 to disappear', () => !ourDiagnostics(uris.federation).some((d) => codeOf(d) === 'FS306'));
  });

  it('generates a signing key, exports public documents only, and the published key passes; rotation needs republishing', async () => {
    const keysFederation = { ...federation, name: 'E2EKeys' };
    uris.keysFederation = await writeWorkspaceFile(FILES.keysFederation, JSON.stringify(keysFederation, null, 2) + '\n');
    uris.keysStore = await writeWorkspaceFile(
      FILES.keysStore,
      JSON.stringify({ name: 'E2EKeysStore', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'E2EKeys' }, azureKeyVault: { vaultUrl: scenario.vault.vaultUrl }, secrets: [] }, null, 2) + '\n',
    );
    // Both new files: the store may be indexed after the federation (Test Connection of it would find no such file).
    for (const uri of [uris.keysFederation, uris.keysStore]) {
      await waitFor(`${vscode.workspace.asRelativePath(uri)} to be indexed`, async () => (await lensTitles(uri)).includes('▶ Test Connection'));
    }

    const noKey = await test(uris.keysStore);
    assert.ok(noKey);
    assert.equal(stepOf(noKey, 'issuer').status === 'failed' || stepOf(noKey, 'token').status === 'failed', true, JSON.stringify(summary(noKey)));

    const kid = await vscode.commands.executeCommand<string | undefined>('federatedSecrets.generateSigningKey', 'E2EKeys');
    assert.ok(kid, 'no key generated');

    const publish = async (): Promise<Json> => {
      const out = vscode.Uri.file(await fs.mkdtemp(path.join(tmp, 'export-')));
      const written = await vscode.commands.executeCommand<vscode.Uri[] | undefined>('federatedSecrets.exportIssuerDocuments', 'E2EKeys', { folder: out });
      assert.ok(written && written.length === 2, 'export wrote no files');
      const [discoveryFile, jwksFile] = written;
      assert.ok(discoveryFile && jwksFile);
      assert.equal(path.relative(out.fsPath, discoveryFile.fsPath).split(path.sep).join('/'), '.well-known/openid-configuration');
      const discovery = JSON.parse(await fs.readFile(discoveryFile.fsPath, 'utf8')) as Json;
      const jwks = JSON.parse(await fs.readFile(jwksFile.fsPath, 'utf8')) as { keys: Json[] };
      assert.equal(discovery['issuer'], scenario.issuer.issuerUrl);
      for (const key of jwks.keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[member], undefined, `the exported JWKS holds the private member ${member}`);
      // Host them where the issuer URL says, as a user would publish the exported folder.
      const base = new URL(scenario.issuer.issuerUrl).pathname;
      sandbox.issuerHost.setDocument(`${base}.well-known/openid-configuration`, discovery);
      sandbox.issuerHost.setDocument(new URL(String(discovery['jwks_uri'])).pathname, jwks);
      return { discovery, jwks };
    };
    const first = await publish();
    assert.deepEqual((first['jwks'] as { keys: Json[] }).keys.map((k) => k['kid']), [kid]);
    const passed = await test(uris.keysStore);
    assert.ok(passed);
    assert.equal(passed.ok, true, JSON.stringify(summary(passed)));
    assert.match(stepOf(passed, 'issuer').message, new RegExp(kid));

    // The federated credential Entra ID holds for this issuer, as az takes it.
    const json = await vscode.commands.executeCommand<string | undefined>('federatedSecrets.copyFederatedCredential', 'E2EKeys');
    assert.ok(json);
    assert.deepEqual(JSON.parse(json), {
      name: 'e2ekeys',
      issuer: scenario.issuer.issuerUrl,
      subject: scenario.issuer.subject,
      audiences: [scenario.issuer.audience],
      description: 'Federated Secrets: Identity Federation "E2EKeys" (self-issued tokens).',
    });
    // The clipboard holds it (the e2e browser grants the workbench clipboard access; without it the product opens
    // the JSON in an editor instead, and this fails).
    assert.equal(await clipboardText(), json, 'the clipboard holds the federated credential');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // Rotation: the new key signs at once, so the old JWKS no longer verifies it until republished.
    const rotated = await vscode.commands.executeCommand<string | undefined>('federatedSecrets.rotateSigningKey', 'E2EKeys');
    assert.ok(rotated && rotated !== kid);
    const stale = await test(uris.keysStore);
    assert.ok(stale);
    assert.equal(stepOf(stale, 'issuer').code, 'FSE033', JSON.stringify(summary(stale)));
    const second = await publish();
    assert.deepEqual((second['jwks'] as { keys: Json[] }).keys.map((k) => k['kid']), [rotated, kid]);
    const again = await test(uris.keysStore);
    assert.ok(again);
    assert.equal(again.ok, true, JSON.stringify(summary(again)));
  });
});
