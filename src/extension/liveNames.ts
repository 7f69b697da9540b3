import * as vscode from 'vscode';
import type { LiveContext, LiveNamesState, VaultSecretInfo } from '../core/editor/live';
import { SecretNameCache } from '../core/editor/name-cache';
import type { PersistedWorkspaceNames } from '../core/live/persisted-names';
import { readPersistedNames, restorableSnapshot, withWorkspaceNames } from '../core/live/persisted-names';
import { describeVaultNamesError, listVaultNames, storeFingerprint } from '../core/live/vault-names';
import { liveCredentialLabel } from '../core/federation/azure-cli';
import { systemClock } from '../core/runtime';
import type { ConfigWorkspace } from './configWorkspace';
import { runGuarded } from './configWorkspace';
import type { EditorServices, EditorSettings } from './services';
import { SETTING } from './services';

/** globalState key of persisted names: per workspace, names and metadata only (there are no values). */
export const PERSISTED_NAMES_KEY = 'federatedSecrets.liveCompletion.secretNames';
const PERSIST_DEBOUNCE_MS = 2_000;

/** The outcome of a store's last listing. */
export type ListingOutcome = { names: readonly VaultSecretInfo[] } | { error: unknown };

/**
 * The session's vault names: one SecretNameCache fed by `listVaultNames` through the session's runtime and
 * token cache. Names are served only while the workspace is trusted and live completion is on; otherwise the
 * cache is never asked (so nothing is listed) and the live context says why. Stores are forgotten when what
 * decides their vault changes (provider, vault, federation); names are persisted only when the user opted in.
 */
export class LiveNames implements vscode.Disposable {
  private readonly cache: SecretNameCache;
  private readonly fingerprints = new Map<string, string>();
  private readonly outcomes = new Map<string, ListingOutcome>();
  private readonly changeEmitter = new vscode.EventEmitter<string | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private settings: EditorSettings;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingRestore: PersistedWorkspaceNames | undefined;

  /** Names of a store changed (listed, failed, forgotten); undefined: every store. */
  readonly onDidChange = this.changeEmitter.event;

  readonly live: LiveContext = {
    names: (store) => this.lookup(store),
    lastCheck: (name, kind) => this.services.lastCheck(kind, name),
    now: () => Date.now(),
  };

  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly services: EditorServices,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.settings = { ...services.settings };
    this.cache = new SecretNameCache(
      (store, signal) => this.fetch(store, signal),
      systemClock,
      this.settings.cacheTtlMs,
      (store) => {
        this.changeEmitter.fire(store);
        this.schedulePersist();
      },
      describeVaultNamesError,
    );
    if (this.settings.persistNames) this.pendingRestore = readPersistedNames(this.memento.get(PERSISTED_NAMES_KEY))[this.workspaceId()];
    else void this.clearPersisted();
    this.disposables.push(
      services.onDidChange(() => this.settingsChanged()),
      workspace.onDidChange(() => this.indexChanged()),
    );
  }

  /** Why live names are off right now (Restricted Mode, or the setting), or undefined when they are on. */
  disabledReason(): string | undefined {
    if (!this.services.online) return 'Restricted Mode: live names need a trusted workspace, so no vault is contacted. Mapped names are still offered.';
    if (!this.services.settings.liveCompletion) return `live completion is off (federatedSecrets.${SETTING.liveCompletion}). Mapped names are still offered.`;
    return undefined;
  }

  /** What completion and hovers see: never waits; never lists while live names are off. */
  lookup(store: string): LiveNamesState {
    const reason = this.disabledReason();
    if (reason) return { status: 'disabled', reason };
    return this.cache.lookup(store);
  }

  /**
   * Lists a store now (joining a listing in flight) and returns the outcome. Goes through the cache while live
   * names are on; when only the setting is off, an explicit request lists directly and caches nothing.
   * In an untrusted workspace the outcome is an error, and no request is made.
   */
  async listNow(store: string): Promise<ListingOutcome> {
    this.indexChanged();
    if (!this.services.online) return { error: new Error(this.disabledReason()) };
    if (!this.services.settings.liveCompletion) {
      try {
        return { names: await this.list(store) };
      } catch (error) {
        return { error };
      }
    }
    await this.cache.refresh(store);
    return this.outcomes.get(store) ?? { error: new Error(`The listing of "${store}" was cancelled (its configuration changed).`) };
  }

  /** Forgets every store (or one) and lists again those completion asks for. */
  refresh(store?: string): void {
    this.cache.invalidate(store);
    if (store === undefined) this.outcomes.clear();
    else this.outcomes.delete(store);
    this.changeEmitter.fire(store);
  }

  private async list(store: string, signal?: AbortSignal): Promise<VaultSecretInfo[]> {
    const runtime = await this.services.runtime();
    // The user's choice of identity (user settings only) applies to listing names; Test Connection always proves
    // the federation chain.
    return listVaultNames(this.workspace.index, store, runtime, { ...(signal ? { signal } : {}), cache: this.services.tokenCache, credential: this.services.settings.liveCredential });
  }

  private async fetch(store: string, signal: AbortSignal): Promise<readonly VaultSecretInfo[]> {
    const started = Date.now();
    const through = liveCredentialLabel(this.services.settings.liveCredential);
    try {
      const names = await this.list(store, signal);
      if (!signal.aborted) {
        this.outcomes.set(store, { names });
        this.log.info(`Listed ${names.length} secret name${names.length === 1 ? '' : 's'} of "${store}" through ${through} in ${Date.now() - started} ms (names and metadata only).`);
      }
      return names;
    } catch (error) {
      if (!signal.aborted) {
        this.outcomes.set(store, { error });
        this.log.warn(`Secret names of "${store}" are not available: ${describeVaultNamesError(error)}`);
      }
      throw error;
    }
  }

  /** Stores whose vault or federation changed (or that are gone) are forgotten. */
  private indexChanged(): void {
    const index = this.workspace.index;
    const current = new Map<string, string>();
    for (const store of index.ofKind('secretstore')) {
      if (store.name && !current.has(store.name)) current.set(store.name, storeFingerprint(index, store));
    }
    for (const [name, fingerprint] of this.fingerprints) {
      if (current.get(name) !== fingerprint) {
        this.cache.invalidate(name);
        this.outcomes.delete(name);
        this.changeEmitter.fire(name);
      }
    }
    this.fingerprints.clear();
    for (const [name, fingerprint] of current) this.fingerprints.set(name, fingerprint);
    if (this.pendingRestore && this.workspace.ready) this.restore(this.pendingRestore);
  }

  private restore(saved: PersistedWorkspaceNames): void {
    this.pendingRestore = undefined;
    const snapshot = restorableSnapshot(saved, this.fingerprints);
    if (!snapshot) return;
    this.cache.restore(snapshot);
    const count = Object.keys(snapshot.stores).length;
    this.log.info(`Restored the secret names of ${count} store${count === 1 ? '' : 's'} saved ${new Date(saved.savedAt).toISOString()} (federatedSecrets.${SETTING.persistNames}); they are refreshed when used.`);
    this.changeEmitter.fire(undefined);
  }

  private settingsChanged(): void {
    const before = this.settings;
    const after = { ...this.services.settings };
    this.settings = after;
    if (before.cacheTtlMs !== after.cacheTtlMs) this.cache.setTtl(after.cacheTtlMs);
    const network = (s: EditorSettings) => JSON.stringify([s.liveCompletion, s.liveCredential, s.allowedHosts, s.extraCaFile ?? '', s.requestTimeoutMs]);
    // Live completion switched, the identity that lists changed, or the network settings changed: earlier
    // listings and failures no longer apply.
    if (network(before) !== network(after)) this.refresh();
    if (before.persistNames !== after.persistNames) {
      if (after.persistNames) this.schedulePersist();
      else void this.clearPersisted();
    }
    this.changeEmitter.fire(undefined);
  }

  private workspaceId(): string {
    const file = vscode.workspace.workspaceFile;
    if (file && file.scheme !== 'untitled') return file.toString();
    return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()).join('|') || 'no-folder';
  }

  private schedulePersist(): void {
    if (!this.services.settings.persistNames) return;
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      runGuarded(this.log, 'persist secret names', () => this.persist());
    }, PERSIST_DEBOUNCE_MS);
  }

  /** Saves this workspace's names and metadata (never values) — only when the user opted in. */
  async persist(): Promise<void> {
    if (!this.services.settings.persistNames) return;
    const stored = readPersistedNames(this.memento.get(PERSISTED_NAMES_KEY));
    await this.memento.update(PERSISTED_NAMES_KEY, withWorkspaceNames(stored, this.workspaceId(), this.cache.snapshot(), this.fingerprints, Date.now()));
  }

  /** Persisting was switched off: nothing stays behind. */
  async clearPersisted(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.pendingRestore = undefined;
    if (this.memento.get(PERSISTED_NAMES_KEY) !== undefined) await this.memento.update(PERSISTED_NAMES_KEY, undefined);
  }

  dispose(): void {
    if (this.persistTimer) {
      clearTimeout(this.persistTimer);
      this.persistTimer = undefined;
      void this.persist();
    }
    this.cache.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
