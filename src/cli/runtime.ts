import { promises as fs } from 'node:fs';
import type { Logger, Runtime } from '../core/runtime';
import { MemorySecretStorage, systemClock } from '../core/runtime';

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface CliRuntimeOptions {
  allowedHosts?: readonly string[];
  extraCaPem?: string;
  requestTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
}

/** A logger that writes warnings and errors to stderr (the core redacts every line before it gets here). */
export function stderrLogger(write: (text: string) => void): Logger {
  return {
    trace() {},
    debug() {},
    info() {},
    warn: (m) => write(`warning: ${m}\n`),
    error: (m) => write(`error: ${m}\n`),
  };
}

/** The headless runtime: in-memory secret storage (filled from flags), the process environment, real files. */
export function createCliRuntime(options: CliRuntimeOptions = {}): Runtime & { secrets: MemorySecretStorage } {
  return {
    logger: options.logger ?? { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    clock: systemClock,
    secrets: new MemorySecretStorage(),
    network: {
      allowedHosts: [...(options.allowedHosts ?? [])],
      ...(options.extraCaPem ? { extraCaPem: options.extraCaPem } : {}),
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      online: true,
    },
    env: options.env ?? process.env,
    readFile: (path) => fs.readFile(path),
  };
}
