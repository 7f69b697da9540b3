import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederatedSecretsError } from '../../src/core/errors';
import { checkAuthorityHost, checkVaultHost, hostEntryMatches, isHostAllowed, isKnownAuthorityHost, isKnownVaultHost, trustedCaFor } from '../../src/core/net/hosts';
import type { NetworkPolicy } from '../../src/core/runtime';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const policy = (allowedHosts: string[] = [], extraCaPem?: string): NetworkPolicy => ({ allowedHosts, requestTimeoutMs: 1000, online: true, ...(extraCaPem ? { extraCaPem } : {}) });

function refused(fn: () => unknown, field: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FederatedSecretsError);
    assert.equal(error.code, 'FSE010');
    assert.equal(error.field, field);
    assert.match(error.advice ?? '', /--allow-host/);
    assert.match(error.advice ?? '', /Workspace files cannot allow hosts/);
    return true;
  });
}

describe('host policy', () => {
  it('knows the Entra authority hosts of the public, US government and China clouds (https, default port only)', () => {
    for (const host of ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn']) {
      assert.ok(isKnownAuthorityHost(`https://${host}`), host);
      assert.ok(isKnownAuthorityHost(`https://${host.toUpperCase()}/`), `${host} upper case`);
    }
    for (const url of ['http://login.microsoftonline.com', 'https://login.microsoftonline.com:8443', 'https://login.microsoftonline.com.evil.example', 'https://evil.example/login.microsoftonline.com', 'https://127.0.0.1']) {
      assert.ok(!isKnownAuthorityHost(url), url);
    }
  });

  it('knows the Key Vault host suffixes and rejects look-alikes', () => {
    for (const url of ['https://kv1.vault.azure.net', 'https://kv1.vault.usgovcloudapi.net/', 'https://kv1.vault.azure.cn', 'https://kv1.vault.microsoftazure.de']) assert.ok(isKnownVaultHost(url), url);
    for (const url of ['https://vault.azure.net', 'https://kv.vault.azure.net.evil.example', 'https://kv.vault.azure.net:8443', 'http://kv.vault.azure.net', 'https://a.b.vault.azure.net', 'https://127.0.0.1:8444']) {
      assert.ok(!isKnownVaultHost(url), url);
    }
  });

  it('matches allow-list entries: host, host:port, *.suffix, origin; case-insensitive', () => {
    const url = new URL('https://Emulator.Local:8443/x');
    assert.ok(hostEntryMatches('emulator.local', url));
    assert.ok(hostEntryMatches('EMULATOR.local:8443', url));
    assert.ok(!hostEntryMatches('emulator.local:9443', url));
    assert.ok(hostEntryMatches('*.local', url));
    assert.ok(!hostEntryMatches('*.emulator.local', url));
    assert.ok(hostEntryMatches('https://emulator.local:8443', url));
    assert.ok(!hostEntryMatches('https://emulator.local', url));
    assert.ok(!hostEntryMatches('local', url));
    assert.ok(!hostEntryMatches('', url));
    assert.ok(hostEntryMatches('127.0.0.1', new URL('https://127.0.0.1:1234')));
    assert.ok(hostEntryMatches('[::1]:1234', new URL('https://[::1]:1234')));
    assert.ok(hostEntryMatches('example.com:443', new URL('https://example.com')));
    assert.ok(!isHostAllowed('https://evil.example', ['example']));
  });

  it('uses public-cloud settings (no relaxations) for known hosts', () => {
    const authority = checkAuthorityHost(undefined, policy());
    assert.equal(authority.url.origin, 'https://login.microsoftonline.com');
    assert.equal(authority.relaxed, false);
    assert.equal(authority.ca, undefined);
    const vault = checkVaultHost('https://kv1.vault.azure.net', policy(['kv1.vault.azure.net'], CA));
    assert.equal(vault.relaxed, false, 'a known host never gets the relaxations');
  });

  it('refuses custom authority and vault hosts unless the user allowed them', () => {
    refused(() => checkAuthorityHost('https://127.0.0.1:8443', policy()), 'azure.authorityHost');
    refused(() => checkVaultHost('https://127.0.0.1:8444', policy(['127.0.0.1:8443'])), 'azureKeyVault.vaultUrl');
    refused(() => checkVaultHost('https://kv.vault.azure.net.evil.example', policy()), 'azureKeyVault.vaultUrl');
    assert.throws(() => checkAuthorityHost('http://login.microsoftonline.com', policy()), /not an https/);
  });

  it('relaxes an allowed custom host, and trusts the extra CA only for allowed hosts', () => {
    const authority = checkAuthorityHost('https://127.0.0.1:8443', policy(['127.0.0.1:8443'], CA));
    assert.equal(authority.relaxed, true);
    assert.ok(authority.ca?.includes(CA));
    assert.ok((authority.ca?.length ?? 0) > 1, 'system roots stay trusted');
    const vault = checkVaultHost('https://127.0.0.1:8444', policy(['127.0.0.1'], CA));
    assert.equal(vault.relaxed, true);
    assert.equal(trustedCaFor('https://issuer.example.com/', policy(['127.0.0.1'], CA)), undefined);
    assert.equal(trustedCaFor('https://127.0.0.1:1/', policy(['127.0.0.1'])), undefined, 'no extra CA configured');
  });
});
