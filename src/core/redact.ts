import type { Logger } from './runtime';

/** Anything shaped like a compact JWS/JWT (three base64url parts, the first a JSON header). */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/** Values shorter than this are not registered: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;

export const REDACTED = '[redacted]';

/**
 * Keeps secret values and tokens out of text that leaves the core (step messages, log lines, errors).
 * Every value the core handles (assertions, access tokens, resolved secret values, client secrets) is
 * registered here; anything JWT-shaped is removed even when it was never registered.
 */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string | undefined | null): void {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) {
      this.values.add(value);
      // Secrets also travel URL- and base64-encoded (form bodies, Basic auth); remove those spellings too.
      const encoded = encodeURIComponent(value);
      if (encoded !== value) this.values.add(encoded);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a value containing another is removed whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
    }
    return out.replace(JWT_PATTERN, '[redacted token]');
  }
}

/** Removes JWT-shaped strings only (when no redactor is at hand). */
export function redactTokens(text: string): string {
  return text.replace(JWT_PATTERN, '[redacted token]');
}

/** A logger that redacts every line before passing it on. */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  return {
    trace: (m) => logger.trace(redactor.redact(m)),
    debug: (m) => logger.debug(redactor.redact(m)),
    info: (m) => logger.info(redactor.redact(m)),
    warn: (m) => logger.warn(redactor.redact(m)),
    error: (m) => logger.error(redactor.redact(m)),
  };
}
