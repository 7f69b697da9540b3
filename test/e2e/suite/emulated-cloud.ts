// The emulated cloud, started inside the extension host for the in-host suite: a throw-away CA, the Entra ID and
// Key Vault emulators and an issuer host on random loopback ports (test/emulators), a self issuer whose signing
// key is written to a temp file, and the user settings that let the extension use them (allowed hosts, extra CA,
// signing key file — user level, as a real user would set them). The OAuth server is left out: it is not needed
// here and keeps oidc-provider out of the bundle.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import * as vscode from 'vscode';
import { createTestCa } from '../../emulators/ca';
import { DEFAULT_FEDERATION_AUDIENCE, EntraEmulator } from '../../emulators/entra';
import { IssuerHost } from '../../emulators/issuer-host';
import { KeyVaultEmulator } from '../../emulators/keyvault';

export interface EmulatedCloud {
  federationName: string;
  /** The federation file's content (JSON) pointing at the emulators. */
  federation: Record<string, unknown>;
  vaultUrl: string;
  entra: EntraEmulator;
  keyVault: KeyVaultEmulator;
  issuerHost: IssuerHost;
  /** Requests received by all emulators so far. */
  requestCount(): number;
  stop(): Promise<void>;
}

const TENANT_ID = '5b0c2d4e-6f70-4a81-9b2c-3d4e5f607182';
const CLIENT_ID = '6c1d3e5f-7081-4b92-8c3d-4e5f60718293';
const SUBJECT = 'app:e2e-live';

type Setting = 'network.allowedHosts' | 'network.extraCaFile' | 'issuer.signingKeyFiles';

async function setUserSetting(key: Setting, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('federatedSecrets').update(key, value, vscode.ConfigurationTarget.Global);
}

export async function startEmulatedCloud(federationName: string, secrets: { name: string; value: string; enabled?: boolean; expiresOn?: Date }[]): Promise<EmulatedCloud> {
  const ca = createTestCa();
  const tls = ca.issueServerCert(['127.0.0.1', 'localhost']);
  const host = { tls, listenHost: '127.0.0.1', originHost: '127.0.0.1' };
  const entra = await EntraEmulator.start({ ...host, trustedCa: ca.caCertPem });
  const keyVault = await KeyVaultEmulator.start({ ...host, tenantId: TENANT_ID, authority: entra.origin, trustedCa: ca.caCertPem, vaultName: 'e2e-live-kv' });
  const issuerHost = await IssuerHost.start(host);

  entra.addTenant(TENANT_ID, { displayName: 'E2E' });
  entra.addApp(TENANT_ID, CLIENT_ID, { displayName: 'E2E live' });
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const published = issuerHost.publishIssuer('/e2e-live', { keys: [{ ...publicJwk, kid, use: 'sig', alg: 'RS256' }] }, { trailingSlash: true });
  entra.addFederatedCredential(TENANT_ID, CLIENT_ID, { name: 'e2e-live', issuer: published.issuer, subject: SUBJECT, audiences: [DEFAULT_FEDERATION_AUDIENCE] });
  keyVault.grant(CLIENT_ID, ['list', 'get']);
  for (const s of secrets) keyVault.putSecret(s.name, s.value, { ...(s.enabled === false ? { enabled: false } : {}), ...(s.expiresOn ? { expiresOn: s.expiresOn } : {}), contentType: 'text/plain' });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-e2e-cloud-'));
  const caFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'signing-key.pem');
  fs.writeFileSync(caFile, ca.caCertPem);
  fs.writeFileSync(keyFile, await exportPKCS8(privateKey), { mode: 0o600 });
  await setUserSetting('network.allowedHosts', ['127.0.0.1']);
  await setUserSetting('network.extraCaFile', caFile);
  await setUserSetting('issuer.signingKeyFiles', { [federationName]: keyFile });

  return {
    federationName,
    federation: {
      name: federationName,
      cloudProvider: 'azure',
      issuer: { type: 'self', issuerUrl: published.issuer, subject: SUBJECT, audience: DEFAULT_FEDERATION_AUDIENCE },
      azure: { tenantId: TENANT_ID, clientId: CLIENT_ID, authorityHost: entra.origin },
    },
    vaultUrl: keyVault.vaultUrl,
    entra,
    keyVault,
    issuerHost,
    requestCount: () => entra.requests.length + keyVault.requestCount + issuerHost.requests.length,
    async stop() {
      await setUserSetting('network.allowedHosts', undefined);
      await setUserSetting('network.extraCaFile', undefined);
      await setUserSetting('issuer.signingKeyFiles', undefined);
      await Promise.allSettled([entra.close(), keyVault.close(), issuerHost.close()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
