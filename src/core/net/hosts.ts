/**
 * The host policy: a security boundary. Relaxed connection settings (custom authority, no instance discovery,
 * no challenge-resource verification, an extra trusted CA) are used only for hosts the *user* allowed — in
 * user-level settings or on the command line — never because a workspace file names a host. A token request
 * or a vault call to a host that is neither a known Azure cloud host nor allowed is refused before any token
 * is requested, so a cloned repository cannot send a bearer token to a host of its choosing.
 */
import { rootCertificates } from 'node:tls';
import { FederatedSecretsError } from '../errors';
import type { NetworkPolicy } from '../runtime';

/** Microsoft Entra ID authority hosts of the public, US government and China clouds. */
export const KNOWN_AUTHORITY_HOSTS: readonly string[] = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn'];

/** DNS suffixes of Key Vault in the public, US government, China and Germany clouds. */
export const KNOWN_VAULT_SUFFIXES: readonly string[] = ['.vault.azure.net', '.vault.usgovcloudapi.net', '.vault.azure.cn', '.vault.microsoftazure.de'];

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

function parseUrl(value: string | URL): URL | undefined {
  if (value instanceof URL) return value;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** `host` or `host:port` as the user would write it (default port omitted). */
export function displayHost(url: URL): string {
  return url.host.toLowerCase();
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'http:' ? '80' : '443');
}

/**
 * Whether an allow-list entry matches the URL's host. Entries: `host` (any port), `host:port`, `*.suffix`
 * (any sub-domain, any port) or a full origin `https://host:port`. Case-insensitive.
 */
export function hostEntryMatches(entry: string, url: URL): boolean {
  let spec = entry.trim().toLowerCase();
  if (!spec) return false;
  const hostname = url.hostname.toLowerCase();
  if (spec.includes('://')) {
    const parsed = parseUrl(spec);
    if (!parsed) return false;
    return parsed.hostname === hostname && defaultPort(parsed) === defaultPort(url);
  }
  spec = spec.replace(/\/+$/, '');
  let port: string | undefined;
  // host:port, [v6]:port; a bare IPv6 address has several colons and no brackets.
  const bracket = /^(\[[^\]]+\]):(\d+)$/.exec(spec);
  if (bracket) {
    spec = bracket[1] ?? spec;
    port = bracket[2];
  } else if ((spec.match(/:/g) ?? []).length === 1) {
    const [host, p] = spec.split(':');
    spec = host ?? spec;
    port = p;
  }
  if (port !== undefined && port !== defaultPort(url)) return false;
  if (spec.startsWith('*.')) return hostname.endsWith(spec.slice(1)) && hostname.length > spec.length - 1;
  return spec === hostname;
}

export function isHostAllowed(url: string | URL, allowedHosts: readonly string[]): boolean {
  const parsed = parseUrl(url);
  return !!parsed && allowedHosts.some((entry) => hostEntryMatches(entry, parsed));
}

export function isKnownAuthorityHost(url: string | URL): boolean {
  const parsed = parseUrl(url);
  return !!parsed && parsed.protocol === 'https:' && parsed.port === '' && KNOWN_AUTHORITY_HOSTS.includes(parsed.hostname.toLowerCase());
}

export function isKnownVaultHost(url: string | URL): boolean {
  const parsed = parseUrl(url);
  if (!parsed || parsed.protocol !== 'https:' || parsed.port !== '') return false;
  const hostname = parsed.hostname.toLowerCase();
  return KNOWN_VAULT_SUFFIXES.some((suffix) => hostname.endsWith(suffix) && /^[a-z0-9-]+$/.test(hostname.slice(0, -suffix.length)));
}

/** How to connect to one host: whether relaxed settings apply and which CAs to trust. */
export interface HostAccess {
  url: URL;
  /** A known Azure cloud host. */
  known: boolean;
  /** Listed in the user's allowed hosts. */
  allowed: boolean;
  /** Relaxed settings apply (custom host the user allowed). */
  relaxed: boolean;
  /** Trusted CAs (system roots plus the extra CA) when the user allowed the host and gave an extra CA. */
  ca?: string[];
}

/** System roots plus the extra CA, when the host is allowed and an extra CA is configured; else the defaults. */
export function trustedCaFor(url: string | URL, network: NetworkPolicy): string[] | undefined {
  if (!network.extraCaPem || !isHostAllowed(url, network.allowedHosts)) return undefined;
  return [...rootCertificates, network.extraCaPem];
}

function allowAdvice(url: URL): string {
  return `If you trust ${displayHost(url)} (an emulator, a sovereign or private cloud), allow it in your user settings (federatedSecrets.allowedHosts) or with --allow-host ${displayHost(url)} on the command line. Workspace files cannot allow hosts.`;
}

function access(url: URL, known: boolean, network: NetworkPolicy): HostAccess {
  const allowed = isHostAllowed(url, network.allowedHosts);
  const ca = trustedCaFor(url, network);
  return { url, known, allowed, relaxed: !known && allowed, ...(ca ? { ca } : {}) };
}

/** Checks the Entra authority host (default: the public cloud). Throws FSE010 when it may not be used. */
export function checkAuthorityHost(authorityHost: string | undefined, network: NetworkPolicy, field = 'azure.authorityHost'): HostAccess {
  const url = parseUrl(authorityHost ?? DEFAULT_AUTHORITY_HOST);
  if (!url || url.protocol !== 'https:') {
    throw new FederatedSecretsError('hostNotAllowed', `The authority host "${authorityHost ?? ''}" is not an https:// URL.`, { field, advice: 'Use an https:// authority host, or remove the field to use the public Azure cloud.' });
  }
  const known = isKnownAuthorityHost(url);
  const result = access(url, known, network);
  if (!known && !result.allowed) {
    throw new FederatedSecretsError(
      'hostNotAllowed',
      `The authority host ${displayHost(url)} (${field}) is not a Microsoft Entra cloud host and is not among your allowed hosts, so no token is requested from it.`,
      { field, advice: allowAdvice(url) },
    );
  }
  return result;
}

/** Checks a Key Vault URL. Throws FSE010 when the host may not receive a bearer token. */
export function checkVaultHost(vaultUrl: string, network: NetworkPolicy, field = 'azureKeyVault.vaultUrl'): HostAccess {
  const url = parseUrl(vaultUrl);
  if (!url || url.protocol !== 'https:') {
    throw new FederatedSecretsError('hostNotAllowed', `The vault URL "${vaultUrl}" is not an https:// URL.`, { field, advice: 'Use the vault URL shown in the Azure portal (https://<name>.vault.azure.net).' });
  }
  const known = isKnownVaultHost(url);
  const result = access(url, known, network);
  if (!known && !result.allowed) {
    throw new FederatedSecretsError(
      'hostNotAllowed',
      `The vault host ${displayHost(url)} (${field}) is not an Azure Key Vault cloud host and is not among your allowed hosts, so no token is requested for it.`,
      { field, advice: allowAdvice(url) },
    );
  }
  return result;
}
