/**
 * Live secret names listed with the user's own Azure CLI sign-in (`federatedSecrets.liveCompletion.credential`:
 * `azureCli`) against the emulated cloud, through the REAL `@azure/identity` AzureCliCredential. It runs `az`
 * the way it does on Linux — `child_process.exec("az account get-access-token --output json --resource <r>
 * [--tenant <t>]")` through /bin/sh, in /bin, with this process's PATH — so a stand-in `az` (a Node script with
 * a `#!/usr/bin/env node` shebang) is put first on PATH in a temp folder. The stand-in gets a real access token
 * from the Entra emulator for an app with a client secret (the "signed-in user") and prints the JSON the real
 * CLI prints. No federation token exchange may happen: the issuer's signing key is not even present.
 *
 * Run: node --import tsx --test test/integration/vault-names-azure-cli.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FederationTokenCache } from '../../src/core/federation/index';
import { listVaultNames } from '../../src/core/live/vault-names';
import type { WorkspaceIndex } from '../../src/core/workspace/index';
import { startSandbox, type Sandbox, type SampleScenario } from '../emulators/sandbox';
import type { SampleConfigs } from './helpers';
import { indexOf, listingRejection, recordingRuntime, sampleConfigs, sampleMappings, seedMappedSecrets } from './helpers';

/** The stand-in `az`: `az account get-access-token --output json --resource <r> [--tenant <t>]` only. */
const STAND_IN_AZ = `#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const config = JSON.parse(fs.readFileSync(path.join(__dirname, 'az-config.json'), 'utf8'));
const args = process.argv.slice(2);
fs.appendFileSync(path.join(__dirname, 'az-calls.log'), JSON.stringify({ args, cwd: process.cwd() }) + '\\n');
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
if (args[0] !== 'account' || args[1] !== 'get-access-token') {
  process.stderr.write("ERROR: 'az " + args.join(' ') + "' is not supported by this stand-in.\\n");
  process.exit(2);
}
if (!config.loggedIn) {
  process.stderr.write("ERROR: Please run 'az login' to setup account.\\n");
  process.exit(1);
}
const resource = option('--resource') || 'https://management.core.windows.net/';
const tenant = option('--tenant') || config.defaultTenant;
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: resource.replace(/\\/+$/, '') + '/.default' }).toString();
const request = https.request(config.authority + '/' + encodeURIComponent(tenant) + '/oauth2/v2.0/token', { method: 'POST', ca: config.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (response) => {
  let text = '';
  response.on('data', (chunk) => (text += chunk));
  response.on('end', () => {
    const json = JSON.parse(text);
    if (response.statusCode !== 200) {
      process.stderr.write('ERROR: ' + (json.error_description || json.error) + '\\n');
      process.exit(1);
    }
    const expiresOn = new Date(Date.now() + json.expires_in * 1000);
    const local = (d) => d.toISOString().replace('T', ' ').replace('Z', '000');
    process.stdout.write(JSON.stringify({ accessToken: json.access_token, expiresOn: local(expiresOn), expires_on: Math.floor(expiresOn.getTime() / 1000), subscription: config.subscription, tenant, tokenType: 'Bearer' }, null, 2) + '\\n');
  });
});
request.on('error', (error) => { process.stderr.write('ERROR: ' + error.message + '\\n'); process.exit(1); });
request.end(body);
`;

interface AzConfig {
  authority: string;
  clientId: string;
  clientSecret: string;
  defaultTenant: string;
  caPem: string;
  subscription: string;
  loggedIn: boolean;
}

let sandbox: Sandbox;
let scenario: SampleScenario;
let base: SampleConfigs;
let binDir: string;
let emptyDir: string;
let azConfig: AzConfig;
/** PATH with the stand-in first. */
let standInPath: string;
const originalPath = process.env['PATH'];
const AZ_CLIENT_ID = randomUUID();
const AZ_OBJECT_ID = randomUUID();

function writeAzConfig(changes: Partial<AzConfig> = {}): void {
  writeFileSync(path.join(binDir, 'az-config.json'), JSON.stringify({ ...azConfig, ...changes }));
}

/** The stand-in's invocations so far. */
function azCalls(): { args: string[]; cwd: string }[] {
  try {
    return readFileSync(path.join(binDir, 'az-calls.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { args: string[]; cwd: string });
  } catch {
    return [];
  }
}

function workspace(overrides: { federation?: Record<string, unknown> } = {}): WorkspaceIndex {
  return indexOf({
    '/w/mktairlines.federation.json': { ...base.federation, ...overrides.federation },
    '/w/flights.secretstore.json': base.store,
  });
}

/** A runtime whose secret storage holds no signing key: the federation could not exchange a token at all. */
async function runtime(options: { online?: boolean; allowedHosts?: string[] } = {}) {
  const rec = recordingRuntime(sandbox, scenario, options.allowedHosts ? { allowedHosts: options.allowedHosts } : {});
  await rec.secrets.delete('federatedSecrets.signingKey');
  if (options.online === false) rec.runtime.network = { ...rec.runtime.network, online: false };
  return rec.runtime;
}

function claimsOf(authorization: string | undefined): Record<string, unknown> {
  const token = authorization?.replace(/^bearer\s+/i, '') ?? '';
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function withPath<T>(value: string, run: () => Promise<T>): Promise<T> {
  process.env['PATH'] = value;
  return run().finally(() => {
    process.env['PATH'] = standInPath;
  });
}

before(async () => {
  sandbox = await startSandbox();
  scenario = await sandbox.seedSampleScenario();
  base = sampleConfigs(sandbox, scenario);
  seedMappedSecrets(sandbox, scenario, base);
  // The "signed-in user": an app with a client secret the stand-in az uses; the vault lets it list.
  const clientSecret = `az-secret-${randomUUID()}`;
  sandbox.addApp(sandbox.vaultTenantId, AZ_CLIENT_ID, { displayName: 'az login identity', objectId: AZ_OBJECT_ID, clientSecrets: [clientSecret] });
  sandbox.grant(AZ_CLIENT_ID, ['list']);

  binDir = mkdtempSync(path.join(tmpdir(), 'fs-az-'));
  emptyDir = mkdtempSync(path.join(tmpdir(), 'fs-noaz-'));
  azConfig = { authority: sandbox.origins.entra, clientId: AZ_CLIENT_ID, clientSecret, defaultTenant: sandbox.vaultTenantId, caPem: sandbox.caCertPem, subscription: randomUUID(), loggedIn: true };
  writeAzConfig();
  const az = path.join(binDir, 'az');
  writeFileSync(az, STAND_IN_AZ);
  chmodSync(az, 0o755);
  // First on PATH; node's own folder next, so `#!/usr/bin/env node` finds this node.
  standInPath = `${binDir}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${originalPath ?? ''}`;
  process.env['PATH'] = standInPath;
});

after(async () => {
  process.env['PATH'] = originalPath;
  await sandbox.stop();
  rmSync(binDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

describe('listing with the Azure CLI sign-in (credential: azureCli)', () => {
  test('lists the vault with a bearer token of the az identity; no federation exchange happens', async () => {
    const cache = new FederationTokenCache();
    const entraBefore = sandbox.entra.tokenRequests.length;
    const vaultBefore = sandbox.keyVault.requests.length;
    const callsBefore = azCalls().length;
    const names = await listVaultNames(workspace(), 'FlightsSecrets', await runtime(), { credential: 'azureCli', cache });

    const listed = new Set(names.map((n) => n.name));
    for (const m of sampleMappings(base)) assert.ok(listed.has(m.secretName), `${m.secretName} listed`);

    // The real AzureCliCredential ran the stand-in through the shell, in /bin, with the federation's tenant.
    const calls = azCalls().slice(callsBefore);
    assert.ok(calls.length >= 1);
    assert.deepEqual(calls[0]?.args, ['account', 'get-access-token', '--output', 'json', '--resource', 'https://vault.azure.net', '--tenant', scenario.tenantId]);
    assert.equal(calls[0]?.cwd, realpathSync('/bin'), "the credential's safe working directory");

    // Entra issued tokens only to the az identity (the stand-in's client credentials): no federated assertion.
    const entra = sandbox.entra.tokenRequests.slice(entraBefore);
    assert.ok(entra.length >= 1);
    assert.deepEqual([...new Set(entra.map((r) => r.clientId))], [AZ_CLIENT_ID]);
    assert.equal(cache.exchanges, 0);
    assert.equal(cache.azureCliInvocations, 1, 'one az process: the token is reused for the vault challenge');

    // The vault saw bearer tokens of the az identity, and only list calls.
    const vault = sandbox.keyVault.requests.slice(vaultBefore);
    const bearers = vault.filter((r) => /^bearer\s/i.test(r.authorization ?? ''));
    assert.ok(bearers.length >= 1);
    for (const r of bearers) {
      const claims = claimsOf(r.authorization);
      assert.equal(claims['appid'], AZ_CLIENT_ID);
      assert.equal(claims['oid'], AZ_OBJECT_ID);
      assert.notEqual(claims['appid'], scenario.app.clientId);
    }
    assert.deepEqual([...new Set(vault.map((r) => r.url.split('?')[0]))], ['/secrets']);

    // The session cache serves the next listing without another az process.
    await listVaultNames(workspace(), 'FlightsSecrets', await runtime(), { credential: 'azureCli', cache });
    assert.equal(cache.azureCliInvocations, 1);
  });

  test('without a tenant in the federation, az is asked for the vault challenge tenant', async () => {
    const federation = { azure: { clientId: scenario.app.clientId } };
    const callsBefore = azCalls().length;
    const names = await listVaultNames(workspace({ federation }), 'FlightsSecrets', await runtime(), { credential: 'azureCli' });
    assert.ok(names.length > 0);
    const args = azCalls().slice(callsBefore).map((c) => c.args);
    // First without --tenant (the upfront token); the vault's challenge names its tenant.
    assert.deepEqual(args[0], ['account', 'get-access-token', '--output', 'json', '--resource', 'https://vault.azure.net']);
    assert.ok(args.slice(1).every((a) => a.includes('--tenant') && a.includes(sandbox.vaultTenantId)));
  });

  test('the az identity may not list: a permission reason naming your Azure CLI identity', async () => {
    sandbox.keyVault.revoke(AZ_CLIENT_ID, ['list']);
    try {
      const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', await runtime(), { credential: 'azureCli' }));
      assert.equal(error.code, 'KV403');
      assert.equal(error.permissionOnly, true);
      assert.match(error.reason, /your Azure CLI identity/);
    } finally {
      sandbox.grant(AZ_CLIENT_ID, ['list']);
    }
  });
});

describe('Azure CLI failures, each with one short reason', () => {
  test('az missing from PATH', async () => {
    const before = sandbox.keyVault.requestCount;
    const rt = await runtime();
    const callsBefore = azCalls().length;
    const error = await withPath(emptyDir, () => listingRejection(listVaultNames(workspace(), 'FlightsSecrets', rt, { credential: 'azureCli' })));
    assert.equal(azCalls().length, callsBefore);
    assert.equal(error.phase, 'exchange');
    assert.equal(error.code, 'FSE040');
    assert.equal(error.reason, 'Azure CLI is not installed or not on PATH — install it or switch federatedSecrets.liveCompletion.credential back to federation.');
    assert.equal(sandbox.keyVault.requestCount, before, 'the vault is not contacted without a token');
  });

  test('az not signed in', async () => {
    writeAzConfig({ loggedIn: false });
    try {
      const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', await runtime(), { credential: 'azureCli' }));
      assert.equal(error.code, 'FSE040');
      assert.equal(error.reason, `The Azure CLI is not signed in — run "az login --tenant ${scenario.tenantId}" in a terminal or switch federatedSecrets.liveCompletion.credential back to federation.`);
    } finally {
      writeAzConfig();
    }
  });
});

describe('nothing runs', () => {
  test('offline (untrusted workspace): no az process, no request', async () => {
    const calls = azCalls().length;
    const requests = sandbox.entra.requests.length + sandbox.keyVault.requestCount;
    const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', await runtime({ online: false }), { credential: 'azureCli' }));
    assert.equal(error.code, 'FSE012');
    assert.equal(azCalls().length, calls);
    assert.equal(sandbox.entra.requests.length + sandbox.keyVault.requestCount, requests);
  });

  test('a vault host the user did not allow: no az process, no request', async () => {
    const calls = azCalls().length;
    const requests = sandbox.entra.requests.length + sandbox.keyVault.requestCount;
    const error = await listingRejection(listVaultNames(workspace(), 'FlightsSecrets', await runtime({ allowedHosts: [] }), { credential: 'azureCli' }));
    assert.equal(error.code, 'FSE010');
    assert.equal(error.field, 'azureKeyVault.vaultUrl');
    assert.equal(azCalls().length, calls);
    assert.equal(sandbox.entra.requests.length + sandbox.keyVault.requestCount, requests);
  });
});
