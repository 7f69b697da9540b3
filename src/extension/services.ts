import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { LastCheck } from '../core/editor/live';
import { FederationTokenCache } from '../core/federation/azure';
import type { LiveCredentialChoice } from '../core/federation/azure-cli';
import { parseLiveCredentialChoice } from '../core/federation/azure-cli';
import { SIGNING_KEY_SECRET } from '../core/federation/issuer';
import type { Logger, Runtime, SecretStorageLike } from '../core/runtime';
import { systemClock } from '../core/runtime';

/** Setting keys (without the `federatedSecrets.` prefix). */
export const SETTING = {
  liveCompletion: 'liveCompletion.enabled',
  cacheTtlSeconds: 'liveCompletion.cacheTtlSeconds',
  persistNames: 'liveCompletion.persistNames',
  liveCredential: 'liveCompletion.credential',
  expiryWarningDays: 'diagnostics.expiryWarningDays',
  requestTimeoutSeconds: 'network.requestTimeoutSeconds',
  allowedHosts: 'network.allowedHosts',
  extraCaFile: 'network.extraCaFile',
  signingKeyFiles: 'issuer.signingKeyFiles',
} as const;

/**
 * Settings that relax network security or choose whose identity is used: honoured only at user (application)
 * level, never from a workspace.
 */
const USER_ONLY: readonly string[] = [SETTING.allowedHosts, SETTING.extraCaFile, SETTING.signingKeyFiles, SETTING.liveCredential];

export interface EditorSettings {
  liveCompletion: boolean;
  cacheTtlMs: number;
  persistNames: boolean;
  /** Which identity lists vault names (user settings only): the store's federation, or the user's `az login`. */
  liveCredential: LiveCredentialChoice;
  expiryWarningDays: number;
  requestTimeoutMs: number;
  allowedHosts: string[];
  extraCaFile?: string;
  /** Federation name → path of a signing key file (JWK or PEM), for keys kept outside SecretStorage. */
  signingKeyFiles: Record<string, string>;
}

function userValue<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  return config.inspect<T>(key)?.globalValue;
}

export function readSettings(): { settings: EditorSettings; ignoredWorkspaceKeys: string[] } {
  const config = vscode.workspace.getConfiguration('federatedSecrets');
  const ignoredWorkspaceKeys = USER_ONLY.filter((key) => {
    const inspected = config.inspect(key);
    return inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
  });
  const extraCaFile = userValue<string>(config, SETTING.extraCaFile);
  const settings: EditorSettings = {
    liveCompletion: config.get<boolean>(SETTING.liveCompletion, true),
    cacheTtlMs: Math.max(5, config.get<number>(SETTING.cacheTtlSeconds, 300)) * 1000,
    persistNames: config.get<boolean>(SETTING.persistNames, false),
    liveCredential: parseLiveCredentialChoice(userValue<string>(config, SETTING.liveCredential)),
    expiryWarningDays: Math.max(0, config.get<number>(SETTING.expiryWarningDays, 30)),
    requestTimeoutMs: Math.max(1, config.get<number>(SETTING.requestTimeoutSeconds, 15)) * 1000,
    allowedHosts: (userValue<string[]>(config, SETTING.allowedHosts) ?? []).filter((h) => typeof h === 'string' && h.trim() !== ''),
    ...(extraCaFile ? { extraCaFile } : {}),
    signingKeyFiles: userValue<Record<string, string>>(config, SETTING.signingKeyFiles) ?? {},
  };
  return { settings, ignoredWorkspaceKeys };
}

/** Routes core log lines to the output channel (the core redacts them before they get here). */
export function channelLogger(log: vscode.LogOutputChannel): Logger {
  return { trace: (m) => log.trace(m), debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) };
}

/**
 * VS Code SecretStorage, with signing keys also readable from key files the user named in user settings
 * (for keys provisioned by a platform, and for the local sandbox). Nothing read here is ever logged.
 */
class EditorSecretStorage implements SecretStorageLike {
  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly keyFiles: () => Record<string, string>,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const stored = await this.storage.get(key);
    if (stored !== undefined) return stored;
    const prefix = `${SIGNING_KEY_SECRET}/`;
    if (key.startsWith(prefix)) {
      const file = this.keyFiles()[key.slice(prefix.length)];
      if (file) return fs.readFile(file, 'utf8');
    }
    return undefined;
  }

  async store(key: string, value: string): Promise<void> {
    await this.storage.store(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.storage.delete(key);
  }
}

/** Key of a check result: kind and instance name. */
export function checkKey(kind: string, name: string): string {
  return `${kind}:${name}`;
}

/**
 * What the editor's online features share: settings (user-level where they relax security), the runtime the
 * core runs with, one token cache per session (one exchange per federation), and the last check results.
 */
export class EditorServices implements vscode.Disposable {
  private current = readSettings();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly checksEmitter = new vscode.EventEmitter<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly secretStorage: EditorSecretStorage;
  private readonly checks = new Map<string, LastCheck>();
  tokenCache = new FederationTokenCache();

  /** Settings or workspace trust changed; online state may differ. */
  readonly onDidChange = this.changeEmitter.event;
  /** A check result was recorded (the key from `checkKey`). */
  readonly onDidRecordCheck = this.checksEmitter.event;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.secretStorage = new EditorSecretStorage(context.secrets, () => this.current.settings.signingKeyFiles);
    this.warnIgnored();
    this.disposables.push(
      this.changeEmitter,
      this.checksEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('federatedSecrets')) return;
        this.current = readSettings();
        this.warnIgnored();
        this.tokenCache = new FederationTokenCache();
        this.changeEmitter.fire();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changeEmitter.fire()),
    );
  }

  get settings(): EditorSettings {
    return this.current.settings;
  }

  /** Network features run only in a trusted workspace. */
  get online(): boolean {
    return vscode.workspace.isTrusted;
  }

  get secrets(): SecretStorageLike {
    return this.secretStorage;
  }

  /** The runtime the core runs with now (reads the extra CA file each time, so edits to it apply). */
  async runtime(): Promise<Runtime> {
    const settings = this.current.settings;
    let extraCaPem: string | undefined;
    if (settings.extraCaFile) {
      try {
        extraCaPem = await fs.readFile(settings.extraCaFile, 'utf8');
      } catch (error) {
        this.log.warn(`The CA file in federatedSecrets.${SETTING.extraCaFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); continuing without it.`);
      }
    }
    return {
      logger: channelLogger(this.log),
      clock: systemClock,
      secrets: this.secretStorage,
      network: { allowedHosts: settings.allowedHosts, ...(extraCaPem ? { extraCaPem } : {}), requestTimeoutMs: settings.requestTimeoutMs, online: this.online },
      env: process.env,
      readFile: (path) => fs.readFile(path),
    };
  }

  recordCheck(kind: string, name: string, check: LastCheck): void {
    const key = checkKey(kind, name);
    this.checks.set(key, check);
    this.checksEmitter.fire(key);
  }

  lastCheck(kind: string, name: string): LastCheck | undefined {
    return this.checks.get(checkKey(kind, name));
  }

  private warnIgnored(): void {
    for (const key of this.current.ignoredWorkspaceKeys) {
      const why = key === SETTING.liveCredential ? 'it chooses whose identity lists your vaults' : 'it relaxes network security';
      this.log.warn(`federatedSecrets.${key} is set in workspace settings and ignored: ${why}, so only your user settings may set it.`);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
