import { decodeJwt, decodeProtectedHeader } from 'jose';
import { FederatedSecretsError } from '../errors';

/** The claims worth showing about an identity token (never the token itself). */
export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  iat?: number;
  nbf?: number;
  exp?: number;
  kid?: string;
  alg?: string;
}

/** Decodes a JWT's header and claims without verifying it. Throws FSE025 when it is not a JWT. */
export function decodeTokenClaims(token: string): TokenClaims {
  try {
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);
    const claims: TokenClaims = {};
    if (typeof payload.iss === 'string') claims.iss = payload.iss;
    if (typeof payload.sub === 'string') claims.sub = payload.sub;
    if (typeof payload.aud === 'string' || Array.isArray(payload.aud)) claims.aud = payload.aud;
    if (typeof payload.iat === 'number') claims.iat = payload.iat;
    if (typeof payload.nbf === 'number') claims.nbf = payload.nbf;
    if (typeof payload.exp === 'number') claims.exp = payload.exp;
    if (typeof header.kid === 'string') claims.kid = header.kid;
    if (typeof header.alg === 'string') claims.alg = header.alg;
    return claims;
  } catch {
    throw new FederatedSecretsError('invalidIdentityToken', 'The identity token is not a JWT (three base64url parts with a JSON header and claims).');
  }
}

export function audienceText(aud: string | string[] | undefined): string {
  return Array.isArray(aud) ? aud.join(', ') : (aud ?? '(none)');
}

/** "iss "…", sub "…", aud "…", expires 2025-01-01T00:00:00Z (in 300 s)" */
export function describeClaims(claims: TokenClaims, nowMs: number): string {
  const parts = [`iss "${claims.iss ?? '(none)'}"`, `sub "${claims.sub ?? '(none)'}"`, `aud "${audienceText(claims.aud)}"`];
  if (claims.exp !== undefined) {
    const remaining = claims.exp - Math.floor(nowMs / 1000);
    const when = new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    parts.push(remaining >= 0 ? `exp ${when} (in ${remaining} s)` : `exp ${when} (expired ${-remaining} s ago)`);
  } else parts.push('no exp');
  return parts.join(', ');
}
