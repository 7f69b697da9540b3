/**
 * The choice of identity that lists vault names (`federatedSecrets.liveCompletion.credential`): parsing, the
 * manifest's declaration (user settings only), the short reasons of Azure CLI failures, and refusals of the
 * `azureCli` route that happen before `az` runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AzureCliTokenCredential, DEFAULT_LIVE_CREDENTIAL, explainAzureCliError, LIVE_CREDENTIAL_SETTING, LIVE_CREDENTIALS, liveCredentialLabel, parseLiveCredentialChoice, usableTenantId } from '../../src/core/federation/azure-cli';
import { FederationTokenCache } from '../../src/core/federation/azure';
import { FederatedSecretsError } from '../../src/core/errors';
import { listVaultNames, VaultNamesError } from '../../src/core/live/vault-names';
import { FEDERATION, STORE, indexOf, untouchableRuntime } from './helpers';

interface SettingDeclaration {
  type?: string;
  enum?: string[];
  default?: unknown;
  scope?: string;
  markdownDescription?: string;
}

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  contributes: { configuration: { properties: Record<string, SettingDeclaration> } };
};

describe('the live credential choice', () => {
  it('parses a setting value; anything unknown is the federation', () => {
    assert.equal(DEFAULT_LIVE_CREDENTIAL, 'federation');
    assert.equal(parseLiveCredentialChoice('azureCli'), 'azureCli');
    assert.equal(parseLiveCredentialChoice('federation'), 'federation');
    for (const value of [undefined, null, '', 'AzureCli', 'azurecli', 'vscode', 1, true, {}, ['azureCli']]) {
      assert.equal(parseLiveCredentialChoice(value), 'federation', `${JSON.stringify(value)} → federation`);
    }
  });

  it('labels each choice for messages', () => {
    assert.equal(liveCredentialLabel('federation'), "the store's Identity Federation");
    assert.equal(liveCredentialLabel('azureCli'), 'your Azure CLI sign-in (az login)');
  });

  it('passes only tenant ids the CLI accepts on its command line', () => {
    assert.equal(usableTenantId('3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b'), '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b');
    assert.equal(usableTenantId('contoso.onmicrosoft.com'), 'contoso.onmicrosoft.com');
    for (const value of [undefined, '', 'a b', 'x;rm -rf', '$(id)', 42]) assert.equal(usableTenantId(value), undefined, String(value));
  });

  it('is declared in the manifest as a user-level setting, restricted in untrusted workspaces', () => {
    const declared = manifest.contributes.configuration.properties[LIVE_CREDENTIAL_SETTING];
    assert.ok(declared, `${LIVE_CREDENTIAL_SETTING} is declared`);
    assert.equal(declared.type, 'string');
    assert.deepEqual(declared.enum, [...LIVE_CREDENTIALS]);
    assert.equal(declared.default, DEFAULT_LIVE_CREDENTIAL);
    assert.equal(declared.scope, 'application');
    assert.match(declared.markdownDescription ?? '', /User settings only/);
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(LIVE_CREDENTIAL_SETTING));
  });
});

describe('Azure CLI failures as short reasons', () => {
  // The messages @azure/identity's AzureCliCredential raises.
  const notInstalled = new Error("Azure CLI could not be found. Please visit https://aka.ms/azure-cli for installation instructions and then, once installed, authenticate to your Azure account using 'az login'.");
  const login = new Error("Please run 'az login' from a command prompt to authenticate before using this credential.");

  it('az not installed or not on PATH', () => {
    const e = explainAzureCliError(notInstalled);
    assert.ok(e instanceof FederatedSecretsError);
    assert.equal(e.code, 'FSE040');
    assert.equal(e.message, 'Azure CLI is not installed or not on PATH — install it or switch federatedSecrets.liveCompletion.credential back to federation.');
  });

  it('az not signed in, with the tenant to sign in to', () => {
    assert.equal(explainAzureCliError(login, 'contoso.onmicrosoft.com').message, 'The Azure CLI is not signed in — run "az login --tenant contoso.onmicrosoft.com" in a terminal or switch federatedSecrets.liveCompletion.credential back to federation.');
    assert.match(explainAzureCliError(login).message, /run "az login" in a terminal/);
  });

  it('a vault of another tenant names azure.tenantId', () => {
    const e = explainAzureCliError(
      new Error('The current credential is not configured to acquire tokens for tenant 11111111-2222-3333-4444-555555555555. To enable acquiring tokens for this tenant add it to the AdditionallyAllowedTenants on the credential options.'),
      'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    assert.equal(e.field, 'azure.tenantId');
    assert.match(e.message, /^The vault belongs to tenant 11111111-2222-3333-4444-555555555555, but the Azure CLI is asked for tokens of the federation's tenant aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\.$/);
  });

  it('anything else: the CLI first line, and how to see more', () => {
    const e = explainAzureCliError(new Error("ERROR: AADSTS50173: The provided grant has expired due to it being revoked.\nTrace ID: 1\n"));
    assert.equal(e.message, 'The Azure CLI could not get a token for the vault: AADSTS50173: The provided grant has expired due to it being revoked.');
    assert.match(e.advice ?? '', /az account get-access-token/);
  });

  it('keeps errors already explained', () => {
    const own = new FederatedSecretsError('cancelled', 'Cancelled.');
    assert.equal(explainAzureCliError(own), own);
  });
});

describe('Azure CLI credentials in the session cache', () => {
  it('one per tenant; no process is started before a token is asked for', () => {
    const cache = new FederationTokenCache();
    const a = cache.azureCliCredentialFor('t1', { requestTimeoutMs: 1000 });
    assert.ok(a instanceof AzureCliTokenCredential);
    assert.equal(cache.azureCliCredentialFor('T1', { requestTimeoutMs: 1000 }), a);
    assert.notEqual(cache.azureCliCredentialFor('t2', { requestTimeoutMs: 1000 }), a);
    assert.equal(cache.azureCliCredentialFor(undefined, { requestTimeoutMs: 1000 }).tenantId, undefined);
    assert.equal(cache.azureCliInvocations, 0);
    assert.equal(cache.exchanges, 0);
    cache.clear();
    assert.notEqual(cache.azureCliCredentialFor('t1', { requestTimeoutMs: 1000 }), a);
  });
});

describe('the azureCli route refuses before az runs', () => {
  const runtime = untouchableRuntime;
  const index = () => indexOf({ '/w/f.federation.json': FEDERATION, '/w/s.secretstore.json': { ...STORE, azureKeyVault: { vaultUrl: 'https://vault.internal.example:8443' } } });

  async function rejection(promise: Promise<unknown>): Promise<VaultNamesError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof VaultNamesError, String(error));
      return error;
    }
    assert.fail('expected a rejection');
  }

  it('offline (untrusted workspace)', async () => {
    const { runtime: rt, touched } = runtime(false);
    const cache = new FederationTokenCache();
    const error = await rejection(listVaultNames(index(), 'Store', rt, { credential: 'azureCli', cache }));
    assert.equal(error.code, 'FSE012');
    assert.deepEqual(touched, []);
    assert.equal(cache.azureCliInvocations, 0);
  });

  it('a vault host the user did not allow', async () => {
    const { runtime: rt, touched } = runtime(true);
    const cache = new FederationTokenCache();
    const error = await rejection(listVaultNames(index(), 'Store', rt, { credential: 'azureCli', cache }));
    assert.equal(error.code, 'FSE010');
    assert.equal(error.field, 'azureKeyVault.vaultUrl');
    assert.deepEqual(touched, []);
    assert.equal(cache.azureCliInvocations, 0);
  });
});
