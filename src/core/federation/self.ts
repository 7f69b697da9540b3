/**
 * The `self` issuer: the project is its own OIDC issuer. It mints short-lived identity tokens with its signing
 * key and publishes the two documents the cloud fetches to trust it: the OpenID discovery document and the JWKS.
 */
import { randomUUID } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { SignJWT } from 'jose';
import type { SigningKey, SigningKeySet } from './keys';
import { publicJwks } from './keys';

export const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange';
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;
export const WELL_KNOWN_PATH = '.well-known/openid-configuration';
export const DEFAULT_JWKS_FILE = 'jwks.json';

export interface MintClaims {
  /** `iss`, exactly as configured (a trailing slash is kept). */
  issuer: string;
  subject: string;
  audience: string;
  lifetimeSeconds: number;
  /** Milliseconds since the epoch (the runtime clock). */
  now: number;
}

export interface MintedToken {
  token: string;
  kid: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
}

/** Strips one trailing "/" — the issuer base to which well-known paths are appended (OIDC Discovery §4). */
export function issuerBase(issuerUrl: string): string {
  return issuerUrl.endsWith('/') ? issuerUrl.slice(0, -1) : issuerUrl;
}

/** `{issuerUrl}/.well-known/openid-configuration`, joined as Entra ID joins it (with or without trailing slash). */
export function discoveryUrl(issuerUrl: string): string {
  return `${issuerBase(issuerUrl)}/${WELL_KNOWN_PATH}`;
}

/** Where the JWKS is published unless the caller chooses otherwise. */
export function defaultJwksUri(issuerUrl: string): string {
  return `${issuerBase(issuerUrl)}/${DEFAULT_JWKS_FILE}`;
}

/** Signs an identity token with the key: iss/sub/aud/iat/nbf/exp and a unique jti; `kid` = the key's thumbprint. */
export async function mintToken(key: SigningKey, claims: MintClaims): Promise<MintedToken> {
  const iat = Math.floor(claims.now / 1000);
  const exp = iat + claims.lifetimeSeconds;
  const jti = randomUUID();
  const token = await new SignJWT({ jti })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, kid: key.kid, jti, iat, nbf: iat, exp };
}

/** The OpenID discovery document of a `self` issuer. */
export function buildDiscoveryDocument(issuerUrl: string, set: SigningKeySet, jwksUri: string = defaultJwksUri(issuerUrl)): Record<string, unknown> {
  const algorithms = [...new Set(set.keys.map((k) => k.alg))];
  return {
    issuer: issuerUrl,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algorithms,
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti'],
  };
}

/** The public documents, with the paths (relative to the issuer's base path) at which to serve them. */
export function buildPublicDocuments(issuerUrl: string, set: SigningKeySet, jwksUri?: string): { discovery: Record<string, unknown>; jwks: JSONWebKeySet; discoveryPath: string; jwksPath: string } {
  const uri = jwksUri ?? defaultJwksUri(issuerUrl);
  const discovery = buildDiscoveryDocument(issuerUrl, set, uri);
  return { discovery, jwks: publicJwks(set), discoveryPath: WELL_KNOWN_PATH, jwksPath: relativeToIssuer(issuerUrl, uri) };
}

/** The JWKS URI's path relative to the issuer base (so `export` can lay the files out for static hosting). */
export function relativeToIssuer(issuerUrl: string, uri: string): string {
  const base = new URL(`${issuerBase(issuerUrl)}/`);
  const target = new URL(uri);
  if (target.origin === base.origin && target.pathname.startsWith(base.pathname)) return decodeURIComponent(target.pathname.slice(base.pathname.length)) || DEFAULT_JWKS_FILE;
  return DEFAULT_JWKS_FILE;
}
