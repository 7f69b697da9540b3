import * as vscode from 'vscode';
import type { VaultListing } from '../core/editor/live-diagnostics';
import { liveStoreDiagnostics } from '../core/editor/live-diagnostics';
import { storeFingerprint, vaultListingOf } from '../core/live/vault-names';
import { kindOfFile } from '../core/model/kinds';
import type { ConfigWorkspace } from './configWorkspace';
import type { DiagnosticsPublisher } from './diagnostics';
import type { LiveNames } from './liveNames';
import type { EditorServices } from './services';

/** The live-diagnostics source of vault checks (FS301–FS305). */
export const VAULT_CHECK_SOURCE = 'vaultNames';

interface Validated {
  store: string;
  fingerprint: string;
  listing: VaultListing;
}

export interface StoreCheckOutcome {
  store: string;
  listing: VaultListing;
  problems: number;
}

/**
 * "Validate on save" for secret stores: saving a `*.secretstore.json` (trusted workspace, live completion on) lists
 * its vault and publishes what is wrong with its mappings — missing, disabled, expired, expiring — or one warning
 * when the vault cannot be listed. The findings follow later edits of the mappings (they are recomputed from the
 * listing) and are dropped when the store's vault or federation changes or the file is deleted.
 */
export class LiveStoreChecks implements vscode.Disposable {
  private readonly validated = new Map<string, Validated>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly diagnostics: DiagnosticsPublisher,
    private readonly services: EditorServices,
    private readonly names: LiveNames,
    private readonly log: vscode.LogOutputChannel,
  ) {
    let expiryDays = services.settings.expiryWarningDays;
    let liveOn = services.settings.liveCompletion;
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (kindOfFile(document.uri.path) !== 'secretstore' || !this.services.online || !this.services.settings.liveCompletion) return;
        void this.check(document.uri).catch((error: unknown) => this.log.error(`validate on save: ${String(error)}`));
      }),
      workspace.onDidChange(() => this.republish()),
      services.onDidChange(() => {
        const settings = services.settings;
        if (liveOn && !settings.liveCompletion) this.clear();
        else if (expiryDays !== settings.expiryWarningDays) this.republish();
        expiryDays = settings.expiryWarningDays;
        liveOn = settings.liveCompletion;
      }),
    );
  }

  /** Lists the store's vault now and publishes the findings on the store file. */
  async check(uri: vscode.Uri): Promise<StoreCheckOutcome | undefined> {
    // The saved text is what counts: make sure the index has it before reading the mappings.
    await this.workspace.refreshFile(uri);
    const file = this.workspace.keyOf(uri);
    const index = this.workspace.index;
    const store = index.getOfKind(file, 'secretstore');
    if (!store?.name) return undefined;
    const fingerprint = storeFingerprint(index, store);
    const listing = vaultListingOf(await this.names.listNow(store.name));
    const current = this.workspace.index.getOfKind(file, 'secretstore');
    // The store changed while it was listed (another vault, another name): this listing no longer applies.
    if (!current || current.name !== store.name || storeFingerprint(this.workspace.index, current) !== fingerprint) return undefined;
    this.validated.set(file, { store: store.name, fingerprint, listing });
    const problems = this.publish(file);
    return { store: store.name, listing, problems };
  }

  private publish(file: string): number {
    const entry = this.validated.get(file);
    const index = this.workspace.index;
    const store = index.getOfKind(file, 'secretstore');
    if (!entry || !store || store.name !== entry.store || storeFingerprint(index, store) !== entry.fingerprint) {
      this.validated.delete(file);
      this.diagnostics.setLive(VAULT_CHECK_SOURCE, file, []);
      return 0;
    }
    const found = liveStoreDiagnostics(store, entry.listing, Date.now(), this.services.settings.expiryWarningDays);
    this.diagnostics.setLive(VAULT_CHECK_SOURCE, file, found);
    return found.length;
  }

  /** Mappings moved or changed: the findings follow them (from the same listing). */
  private republish(): void {
    for (const file of [...this.validated.keys()]) this.publish(file);
  }

  clear(): void {
    this.validated.clear();
    this.diagnostics.clearLive(VAULT_CHECK_SOURCE);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
