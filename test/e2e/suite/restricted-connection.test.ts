// Run only in Restricted Mode (the harness greps for @restricted there and excludes it elsewhere): connection
// tests must not mint a token or make a single request, even with the emulators running and their host allowed
// in user settings; commands that need no network (keys, the federated credential) still work.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { startSandbox, type Sandbox, type SampleScenario } from '../../emulators/sandbox';
import { extension, sleep, waitFor, withTimeout, writeWorkspaceFile } from './helpers';

describe('@restricted connection tests in Restricted Mode', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let scenario: SampleScenario;
  let tmp: string;
  const created: vscode.Uri[] = [];
  const config = () => vscode.workspace.getConfiguration('federatedSecrets');
  const requests = () => sandbox.entra.requests.length + sandbox.keyVault.requests.length + sandbox.issuerHost.requests.length + sandbox.oauth.requests.length;

  before(async () => {
    await extension().activate();
    sandbox = await startSandbox();
    scenario = await sandbox.seedSampleScenario();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fs-e2e-restricted-'));
    const caFile = path.join(tmp, 'ca.pem');
    const keyFile = path.join(tmp, 'key.pem');
    await fs.writeFile(caFile, sandbox.caCertPem);
    await fs.writeFile(keyFile, scenario.issuer.privateKeyPem, { mode: 0o600 });
    await config().update('network.allowedHosts', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    await config().update('network.extraCaFile', caFile, vscode.ConfigurationTarget.Global);
    await config().update('issuer.signingKeyFiles', { E2ERestrictedFed: keyFile }, vscode.ConfigurationTarget.Global);
    const federation = {
      name: 'E2ERestrictedFed',
      cloudProvider: 'azure',
      issuer: { type: 'self', issuerUrl: scenario.issuer.issuerUrl, subject: scenario.issuer.subject, audience: scenario.issuer.audience },
      azure: { tenantId: scenario.tenantId, clientId: scenario.app.clientId, authorityHost: sandbox.origins.entra },
    };
    const store = {
      name: 'E2ERestrictedStore',
      provider: 'azureKeyVault',
      authentication: { type: 'identityFederation', federation: 'E2ERestrictedFed' },
      azureKeyVault: { vaultUrl: scenario.vault.vaultUrl },
      secrets: [{ reference: 'ClientId', secretName: scenario.vault.secretNames.clientId }],
    };
    created.push(await writeWorkspaceFile('e2e-restricted-conn.federation.json', JSON.stringify(federation, null, 2) + '\n'));
    created.push(await writeWorkspaceFile('e2e-restricted-conn.secretstore.json', JSON.stringify(store, null, 2) + '\n'));
  });

  after(async () => {
    for (const uri of created) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
    for (const key of ['network.allowedHosts', 'network.extraCaFile', 'issuer.signingKeyFiles']) await config().update(key, undefined, vscode.ConfigurationTarget.Global).then(undefined, () => undefined);
    await sandbox?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('the workspace is not trusted in this run', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('Test Connection and Test All do not run: no token is minted, no request reaches any host', async () => {
    const before = requests();
    const store = created[1];
    assert.ok(store);
    const single = await withTimeout('federatedSecrets.testConnection', vscode.commands.executeCommand('federatedSecrets.testConnection', store));
    assert.equal(single, undefined);
    const all = await withTimeout('federatedSecrets.testAll', vscode.commands.executeCommand('federatedSecrets.testAll'));
    assert.equal(all, undefined);
    await sleep(1000);
    assert.equal(requests(), before, 'a request reached an emulator in Restricted Mode');
    assert.equal(sandbox.entra.tokenRequestCount, 0);
  });

  it('the CodeLens says a trusted workspace is needed', async () => {
    const federation = created[0];
    assert.ok(federation);
    await vscode.workspace.openTextDocument(federation);
    const titles = await waitFor('the CodeLens on the federation', async () => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', federation)) ?? [];
      const found = lenses.map((l) => l.command?.title ?? '');
      return found.length ? found : undefined;
    });
    assert.deepEqual(titles, ['▶ Test Connection (needs a trusted workspace)']);
  });

  it('commands that need no network still work: the federated credential is copied', async () => {
    const json = await vscode.commands.executeCommand<string | undefined>('federatedSecrets.copyFederatedCredential', 'E2ERestrictedFed');
    assert.ok(json);
    const parameters = JSON.parse(json) as { issuer: string; subject: string };
    assert.equal(parameters.issuer, scenario.issuer.issuerUrl);
    assert.equal(parameters.subject, scenario.issuer.subject);
  });
});
