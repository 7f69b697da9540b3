import type { Diagnostic } from '../diagnostics';
import { makeDiagnostic } from '../diagnostics';
import type { ConfigDocument } from '../model/types';
import type { VaultSecretInfo } from './live';
import { formatDate } from './live';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a live look at the vault found: the listing, or why there is none. */
export type VaultListing = { ok: true; names: readonly VaultSecretInfo[] } | { ok: false; message: string; advice?: string; permissionOnly?: boolean };

/**
 * Diagnostics from a live look at a store's vault ("validate on save"): mappings to secrets that are missing,
 * disabled, expired or expiring within `expiryWarningDays`; one diagnostic on the store when the vault could
 * not be listed.
 */
export function liveStoreDiagnostics(store: ConfigDocument<'secretstore'>, listing: VaultListing, now: number, expiryWarningDays: number): Diagnostic[] {
  const at = store.nameRange ?? { start: store.range.start, end: store.range.start };
  if (!listing.ok) {
    return [makeDiagnostic('vaultUnavailable', store.file, at, `${listing.message}${listing.advice ? ` ${listing.advice}` : ''}`)];
  }
  const byName = new Map(listing.names.map((n) => [n.name.toLowerCase(), n]));
  const out: Diagnostic[] = [];
  for (const mapping of store.mappings ?? []) {
    // Key Vault names are case-insensitive.
    const info = byName.get(mapping.secretName.toLowerCase());
    const range = mapping.secretNameRange;
    if (!info) {
      out.push(makeDiagnostic('secretMissing', store.file, range, `The vault has no secret "${mapping.secretName}" (reference "${mapping.reference}"). Fix the name, or create the secret in the vault.`));
    } else if (info.enabled === false) {
      out.push(makeDiagnostic('secretDisabled', store.file, range, `The vault secret "${mapping.secretName}" is disabled; consumers of "${mapping.reference}" will fail. Enable it, or map another secret.`));
    } else if (info.expiresOn && info.expiresOn.getTime() <= now) {
      out.push(makeDiagnostic('secretExpired', store.file, range, `The vault secret "${mapping.secretName}" expired on ${formatDate(info.expiresOn) ?? '?'}. Rotate it and set a new expiry.`));
    } else if (info.expiresOn && expiryWarningDays > 0 && info.expiresOn.getTime() - now <= expiryWarningDays * DAY_MS) {
      const days = Math.max(0, Math.ceil((info.expiresOn.getTime() - now) / DAY_MS));
      out.push(makeDiagnostic('secretExpiresSoon', store.file, range, `The vault secret "${mapping.secretName}" expires in ${days} day${days === 1 ? '' : 's'} (${formatDate(info.expiresOn) ?? '?'}). Rotate it before then.`));
    }
  }
  return out;
}

/** The issuer URL as configured differs from the issuer the discovery document publishes. */
export function issuerMismatchDiagnostic(federation: ConfigDocument<'federation'>, configured: string, published: string): Diagnostic | undefined {
  if (configured === published) return undefined;
  const range = federation.positions.get('issuer/issuerUrl') ?? federation.nameRange ?? federation.range;
  const slashOnly = configured.replace(/\/+$/, '') === published.replace(/\/+$/, '');
  return makeDiagnostic(
    'issuerMismatch',
    federation.file,
    range,
    `The discovery document publishes the issuer "${published}", but this file says "${configured}"${slashOnly ? ' (they differ only in the trailing slash)' : ''}. Entra ID compares them byte for byte (AADSTS70021/700211).`,
    { data: { published } },
  );
}
