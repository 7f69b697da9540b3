/** Metadata of one vault secret, as listed — never its value. */
export interface VaultSecretInfo {
  name: string;
  enabled?: boolean;
  expiresOn?: Date;
  notBefore?: Date;
  updatedOn?: Date;
  contentType?: string;
  tags?: Record<string, string>;
}

/** What is known of a store's vault names right now; completion never waits for the network. */
export type LiveNamesState =
  | { status: 'ready'; names: readonly VaultSecretInfo[]; fetchedAt: number; stale: boolean }
  | { status: 'loading' }
  | { status: 'unavailable'; reason: string }
  | { status: 'disabled'; reason: string };

/** The outcome of the last connection test of an instance, for hovers. */
export interface LastCheck {
  ok: boolean;
  status: 'ok' | 'warning' | 'failed';
  at: number;
  summary: string;
}

/** Live facts the editor features may use; each lookup is synchronous (served from memory). */
export interface LiveContext {
  names?(storeName: string): LiveNamesState;
  lastCheck?(instanceName: string, kind: 'federation' | 'secretstore' | 'authprofile'): LastCheck | undefined;
  now(): number;
}

export const OFFLINE: LiveContext = { now: () => Date.now() };

export function formatDate(date: Date | undefined): string | undefined {
  return date ? date.toISOString().slice(0, 10) : undefined;
}

/** One-line state of a vault secret: "enabled · expires 2027-01-31 · updated 2026-11-02 · text/plain". */
export function describeSecret(info: VaultSecretInfo, now: number): string {
  const parts: string[] = [];
  if (info.enabled === false) parts.push('disabled');
  else parts.push('enabled');
  if (info.expiresOn) parts.push(info.expiresOn.getTime() <= now ? `expired ${formatDate(info.expiresOn)}` : `expires ${formatDate(info.expiresOn)}`);
  if (info.notBefore && info.notBefore.getTime() > now) parts.push(`not before ${formatDate(info.notBefore)}`);
  if (info.updatedOn) parts.push(`updated ${formatDate(info.updatedOn)}`);
  if (info.contentType) parts.push(info.contentType);
  return parts.join(' · ');
}

export function isUsable(info: VaultSecretInfo, now: number): boolean {
  return info.enabled !== false && !(info.expiresOn && info.expiresOn.getTime() <= now) && !(info.notBefore && info.notBefore.getTime() > now);
}
