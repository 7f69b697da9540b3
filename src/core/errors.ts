/**
 * Errors the core raises, each with a stable code (documented in the README). Messages name what failed and
 * what to do; they never contain secret values or tokens.
 */
export const ERROR_CODES = {
  usage: 'FSE001',
  fileNotFound: 'FSE002',
  instanceNotFound: 'FSE003',
  invalidConfig: 'FSE004',
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODES;
export type ErrorCode = (typeof ERROR_CODES)[ErrorCodeName];

export class FederatedSecretsError extends Error {
  readonly code: ErrorCode;
  /** The config field to fix, as `issuer.issuerUrl`, when one is to blame. */
  readonly field?: string;
  /** What to do about it. */
  readonly advice?: string;

  constructor(code: ErrorCodeName, message: string, options?: { field?: string; advice?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FederatedSecretsError';
    this.code = ERROR_CODES[code];
    if (options?.field) this.field = options.field;
    if (options?.advice) this.advice = options.advice;
  }
}
