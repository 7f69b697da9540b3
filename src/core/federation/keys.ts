/**
 * Signing keys of a `self` issuer: generation, parsing (PEM or JWK), rotation and the public JWKS.
 *
 * A key set holds up to two keys, newest first: the newest signs, both are published, so tokens signed just
 * before a rotation still verify. Private keys live only in secret storage (VS Code SecretStorage, or a key
 * file named on the command line) — never in the repository.
 */
import { createPrivateKey } from 'node:crypto';
import type { CryptoKey, JSONWebKeySet, JWK } from 'jose';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { FederatedSecretsError } from '../errors';

export type SigningAlgorithm = 'RS256' | 'ES256';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256'];

/** Members that make a JWK private; none of them may ever be published. */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/** At most this many keys are kept and published (the signing key and its predecessor). */
export const MAX_KEYS = 2;

export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256) of the public key: the `kid` of tokens and the JWKS entry. */
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  /** Public members only, with kid, alg and use. */
  publicJwk: JWK;
  /** When the key was created (ISO 8601), if known. */
  createdAt?: string;
}

export interface SigningKeySet {
  /** Newest first; keys[0] signs. */
  keys: SigningKey[];
}

/** The public members of a JWK (an allow-list, so a private member can never slip through). */
export function publicMembers(jwk: JWK): JWK {
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n, e: jwk.e };
  if (jwk.kty === 'EC') return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  throw new FederatedSecretsError('signingKeyInvalid', `Signing keys must be RSA or EC (P-256) keys, not ${jwk.kty ?? 'unknown'}.`);
}

/** RFC 7638 thumbprint of a JWK's public part (base64url SHA-256). */
export function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicMembers(jwk), 'sha256');
}

function algorithmOf(jwk: JWK): SigningAlgorithm {
  if (jwk.alg === 'RS256' || jwk.alg === 'ES256') return jwk.alg as SigningAlgorithm;
  if (jwk.alg !== undefined) throw new FederatedSecretsError('signingKeyInvalid', `Signing key algorithm ${jwk.alg} is not supported; use RS256 or ES256.`);
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new FederatedSecretsError('signingKeyInvalid', `Unsupported signing key (${jwk.kty ?? '?'}${jwk.crv ? ` ${jwk.crv}` : ''}); use an RSA key (RS256) or an EC P-256 key (ES256).`);
}

/** Builds a SigningKey from a private JWK. */
export async function signingKeyFromJwk(privateJwk: JWK, createdAt?: string): Promise<SigningKey> {
  if (privateJwk.d === undefined) throw new FederatedSecretsError('signingKeyInvalid', 'The signing key holds no private part (a public key or a JWKS was given instead of the private key).');
  const alg = algorithmOf(privateJwk);
  if (alg === 'ES256' && (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256')) throw new FederatedSecretsError('signingKeyInvalid', 'ES256 needs an EC P-256 key.');
  if (alg === 'RS256' && privateJwk.kty !== 'RSA') throw new FederatedSecretsError('signingKeyInvalid', 'RS256 needs an RSA key.');
  const kid = await jwkThumbprint(privateJwk);
  let privateKey: CryptoKey;
  try {
    privateKey = (await importJWK({ ...privateJwk, alg, ext: true }, alg)) as CryptoKey;
  } catch (error) {
    throw new FederatedSecretsError('signingKeyInvalid', `The signing key cannot be loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
  const publicJwk: JWK = { ...publicMembers(privateJwk), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, ...(createdAt ? { createdAt } : {}) };
}

/** A freshly generated key and its private JWK (for storage). */
export async function generateSigningKey(alg: SigningAlgorithm = 'RS256', now: Date = new Date()): Promise<{ key: SigningKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const createdAt = now.toISOString();
  const privateJwk: JWK & { createdAt?: string } = { ...jwk, alg, use: 'sig', kid: await jwkThumbprint(jwk) };
  const key = await signingKeyFromJwk(privateJwk, createdAt);
  return { key, privateJwk: { ...privateJwk, createdAt } as JWK };
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
}

/**
 * Parses key material: one or more PEM private keys (PKCS#8, PKCS#1 RSA or SEC1 EC), a private JWK, or a JSON
 * object `{ "keys": [private JWKs] }`. The first key is the newest (the signing key). Error messages never
 * quote the material.
 */
export async function parseSigningKeys(text: string): Promise<SigningKeySet> {
  const trimmed = text.trim();
  const privateJwks: { jwk: JWK; createdAt?: string }[] = [];
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new FederatedSecretsError('signingKeyInvalid', 'The signing key is neither a PEM private key nor valid JSON (JWK).');
    }
    const entries = Array.isArray((parsed as { keys?: unknown }).keys) ? ((parsed as { keys: unknown[] }).keys) : [parsed];
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') throw new FederatedSecretsError('signingKeyInvalid', 'Every entry of the key set must be a JWK object.');
      const jwk = entry as JWK & { createdAt?: unknown };
      privateJwks.push({ jwk, ...(typeof jwk.createdAt === 'string' ? { createdAt: jwk.createdAt } : {}) });
    }
  } else {
    const blocks = pemBlocks(trimmed);
    if (!blocks.length) {
      const hint = /-----BEGIN (PUBLIC KEY|CERTIFICATE)/.test(trimmed) ? ' (a public key or certificate was given; the private key is needed)' : '';
      throw new FederatedSecretsError('signingKeyInvalid', `No PEM private key or JWK found in the signing key${hint}.`);
    }
    for (const block of blocks) {
      try {
        const jwk = createPrivateKey({ key: block, format: 'pem' }).export({ format: 'jwk' }) as JWK;
        privateJwks.push({ jwk });
      } catch {
        throw new FederatedSecretsError('signingKeyInvalid', 'A PEM private key cannot be read (encrypted keys are not supported; export it unencrypted as PKCS#8).');
      }
    }
  }
  if (!privateJwks.length) throw new FederatedSecretsError('signingKeyInvalid', 'The key set holds no keys.');
  const keys: SigningKey[] = [];
  for (const { jwk, createdAt } of privateJwks) keys.push(await signingKeyFromJwk(jwk, createdAt));
  return { keys };
}

/** The JSON to store a key set in (secret storage or a key file): private JWKs, newest first. */
export async function serializeKeySet(set: SigningKeySet): Promise<string> {
  const keys: JWK[] = [];
  for (const key of set.keys) {
    const jwk = await exportJWK(key.privateKey);
    const entry: JWK & { createdAt?: string } = { ...jwk, kid: key.kid, alg: key.alg, use: 'sig', ...(key.createdAt ? { createdAt: key.createdAt } : {}) };
    keys.push(entry);
  }
  return `${JSON.stringify({ keys }, null, 2)}\n`;
}

/** Adds a new signing key in front; the previous signing key stays published; older ones are dropped. */
export async function rotateKeySet(set: SigningKeySet | undefined, alg: SigningAlgorithm = 'RS256', now: Date = new Date()): Promise<SigningKeySet> {
  const { key } = await generateSigningKey(alg, now);
  return { keys: [key, ...(set?.keys ?? []).filter((k) => k.kid !== key.kid)].slice(0, MAX_KEYS) };
}

/** The public JWKS to publish: every key of the set (at most two), public members only. */
export function publicJwks(set: SigningKeySet): JSONWebKeySet {
  return { keys: set.keys.slice(0, MAX_KEYS).map((k) => ({ ...publicMembers(k.publicJwk), kid: k.kid, alg: k.alg, use: 'sig' })) };
}

/** Names of private members present in a JWK (for checking a published JWKS). */
export function privateMembersOf(jwk: Record<string, unknown>): string[] {
  return PRIVATE_JWK_MEMBERS.filter((m) => jwk[m] !== undefined);
}
