/**
 * What differs between the editor, the CLI and the tests, passed into the core as one object instead of
 * being read from globals: logging, time, secret storage, network policy, environment and file access.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Where signing keys and issuer client secrets live: VS Code SecretStorage in the editor, env/files headless. */
export interface SecretStorageLike {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Hosts the user allowed (user settings or CLI flags, never workspace files) for relaxed connections:
 * custom authority, no instance discovery, no challenge verification, extra CA.
 */
export interface NetworkPolicy {
  /** Host names or host:port pairs allowed as custom authority or vault hosts. */
  allowedHosts: readonly string[];
  /** Extra trusted CA certificates (PEM), for emulators and private clouds. */
  extraCaPem?: string;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  /** Whether network access is allowed at all (false in an untrusted workspace). */
  online: boolean;
}

export interface Runtime {
  logger: Logger;
  clock: Clock;
  secrets: SecretStorageLike;
  network: NetworkPolicy;
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): Promise<Uint8Array>;
}

export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export const systemClock: Clock = { now: () => Date.now() };

/** An in-memory secret storage, for the CLI (filled from flags) and tests. */
export class MemorySecretStorage implements SecretStorageLike {
  private readonly values = new Map<string, string>();
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }
}
