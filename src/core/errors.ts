/**
 * Errors the core raises, each with a stable code (documented in the README). Messages name what failed and
 * what to do; they never contain secret values or tokens.
 */
export const ERROR_CODES = {
  usage: 'FSE001',
  fileNotFound: 'FSE002',
  instanceNotFound: 'FSE003',
  invalidConfig: 'FSE004',
  // Network and host policy
  hostNotAllowed: 'FSE010',
  notSupported: 'FSE011',
  offline: 'FSE012',
  cancelled: 'FSE013',
  timeout: 'FSE014',
  network: 'FSE015',
  tls: 'FSE016',
  httpError: 'FSE017',
  // Identity tokens and issuers
  signingKeyMissing: 'FSE020',
  signingKeyInvalid: 'FSE021',
  unsupportedAlgorithm: 'FSE022',
  issuerClientSecretMissing: 'FSE023',
  tokenFileUnreadable: 'FSE024',
  invalidIdentityToken: 'FSE025',
  identityTokenExpired: 'FSE026',
  issuerMismatch: 'FSE030',
  issuerTrailingSlash: 'FSE031',
  discoveryInvalid: 'FSE032',
  signingKeyNotPublished: 'FSE033',
  jwksExposesPrivateKey: 'FSE034',
  issuerTokenFailed: 'FSE035',
  // Token exchange and secret stores
  exchangeFailed: 'FSE040',
  vaultError: 'FSE041',
  secretMissing: 'FSE050',
  secretDisabled: 'FSE051',
  secretExpired: 'FSE052',
  secretNotYetValid: 'FSE053',
  secretExpiresSoon: 'FSE054',
  secretValueUnavailable: 'FSE055',
  // Consumers
  oauthFailed: 'FSE060',
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
