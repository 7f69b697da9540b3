/**
 * Identity token issuers (`issuer.type`): where the token presented to the cloud comes from.
 * - `self`: minted here with the project's signing key (from secret storage);
 * - `oidc`: obtained from an external OIDC server by client credentials (secret supplied at run time);
 * - `tokenFile`: read from a file the runtime maintains (CI, Kubernetes).
 */
import { FederatedSecretsError } from '../errors';
import type { FederationConfig, Issuer, OidcIssuer, SelfIssuer, TokenFileIssuer } from '../model/types';
import { getJson } from '../net/http';
import { trustedCaFor } from '../net/hosts';
import type { ClientCredentialsResult } from '../net/oauth';
import { requestClientCredentials } from '../net/oauth';
import type { Redactor } from '../redact';
import type { Runtime } from '../runtime';
import { decodeTokenClaims } from './jwt';
import type { SigningKeySet } from './keys';
import { parseSigningKeys } from './keys';
import type { MintedToken } from './self';
import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_LIFETIME_SECONDS, discoveryUrl, mintToken } from './self';

/** Secret-storage key of a federation's signing key set, and the default used for every federation. */
export const SIGNING_KEY_SECRET = 'federatedSecrets.signingKey';
export const signingKeySecretName = (federation: string): string => `${SIGNING_KEY_SECRET}/${federation}`;
/** Secret-storage key of an `oidc` issuer's client secret, the default, and the environment fallback. */
export const ISSUER_CLIENT_SECRET = 'federatedSecrets.issuerClientSecret';
export const issuerClientSecretName = (federation: string): string => `${ISSUER_CLIENT_SECRET}/${federation}`;
export const ISSUER_CLIENT_SECRET_ENV = 'FEDERATED_SECRETS_ISSUER_CLIENT_SECRET';

export interface IdentityTokenIssuer {
  readonly type: Issuer['type'];
  /** A valid identity token (fresh, or cached while valid): the client assertion of the exchange. */
  getToken(signal?: AbortSignal): Promise<string>;
}

export interface IssuerContext {
  runtime: Runtime;
  redactor: Redactor;
}

/** Loads the signing key set of a federation from secret storage. Throws FSE020/FSE021. */
export async function loadSigningKeys(federationName: string, runtime: Runtime): Promise<SigningKeySet> {
  const text = (await runtime.secrets.get(signingKeySecretName(federationName))) ?? (await runtime.secrets.get(SIGNING_KEY_SECRET));
  if (!text) {
    throw new FederatedSecretsError('signingKeyMissing', `No signing key is available for the Identity Federation "${federationName}".`, {
      field: 'issuer',
      advice:
        'Create one with "federated-secrets issuer keygen --out <file>" and pass it with --signing-key-file <file> (in VS Code: "Federated Secrets: Generate Signing Key"). Publish the matching JWKS with "federated-secrets issuer export".',
    });
  }
  return parseSigningKeys(text);
}

export class SelfTokenIssuer implements IdentityTokenIssuer {
  readonly type = 'self';
  private keySet: Promise<SigningKeySet> | undefined;

  constructor(
    readonly federationName: string,
    readonly config: SelfIssuer,
    private readonly context: IssuerContext,
  ) {}

  keys(): Promise<SigningKeySet> {
    this.keySet ??= loadSigningKeys(this.federationName, this.context.runtime);
    // A failed load is retried next time (the user may have added the key meanwhile).
    void this.keySet.catch(() => {
      this.keySet = undefined;
    });
    return this.keySet;
  }

  async mint(): Promise<MintedToken> {
    const set = await this.keys();
    const key = set.keys[0];
    if (!key) throw new FederatedSecretsError('signingKeyMissing', 'The signing key set is empty.', { field: 'issuer' });
    const minted = await mintToken(key, {
      issuer: this.config.issuerUrl,
      subject: this.config.subject,
      audience: this.config.audience ?? DEFAULT_AUDIENCE,
      lifetimeSeconds: this.config.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      now: this.context.runtime.clock.now(),
    });
    this.context.redactor.add(minted.token);
    return minted;
  }

  async getToken(): Promise<string> {
    return (await this.mint()).token;
  }
}

export interface OidcDiscovery {
  issuer?: string;
  tokenEndpoint: string;
  authMethods: string[];
}

export class OidcTokenIssuer implements IdentityTokenIssuer {
  readonly type = 'oidc';
  private cached: { token: string; expiresAtMs: number } | undefined;

  constructor(
    readonly federationName: string,
    readonly config: OidcIssuer,
    private readonly context: IssuerContext,
  ) {}

  private get timeoutMs(): number {
    return this.context.runtime.network.requestTimeoutMs;
  }

  async discover(signal?: AbortSignal): Promise<OidcDiscovery> {
    const url = discoveryUrl(this.config.issuerUrl);
    const ca = trustedCaFor(url, this.context.runtime.network);
    const { json } = await getJson(url, { timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}), ...(ca ? { ca } : {}) });
    const tokenEndpoint = json['token_endpoint'];
    if (typeof tokenEndpoint !== 'string' || !tokenEndpoint.startsWith('https://')) {
      throw new FederatedSecretsError('discoveryInvalid', `The discovery document at ${url} names no https token_endpoint.`, { field: 'issuer.issuerUrl' });
    }
    const methods = Array.isArray(json['token_endpoint_auth_methods_supported']) ? (json['token_endpoint_auth_methods_supported'] as unknown[]).filter((m): m is string => typeof m === 'string') : [];
    return { ...(typeof json['issuer'] === 'string' ? { issuer: json['issuer'] } : {}), tokenEndpoint, authMethods: methods };
  }

  private async clientSecret(): Promise<string> {
    const { runtime } = this.context;
    const secret = (await runtime.secrets.get(issuerClientSecretName(this.federationName))) ?? (await runtime.secrets.get(ISSUER_CLIENT_SECRET)) ?? runtime.env[ISSUER_CLIENT_SECRET_ENV];
    if (!secret) {
      throw new FederatedSecretsError('issuerClientSecretMissing', `No client secret is available for the OIDC issuer of "${this.federationName}" (client id ${this.config.clientId}).`, {
        field: 'issuer.clientId',
        advice: `Supply it at run time: --issuer-client-secret-env <VARIABLE> on the command line (or the ${ISSUER_CLIENT_SECRET_ENV} environment variable); in VS Code, "Federated Secrets: Set Issuer Client Secret". It never belongs in the config file.`,
      });
    }
    this.context.redactor.add(secret);
    return secret;
  }

  /** Discovers the token endpoint and obtains a token by client credentials. */
  async fetchToken(signal?: AbortSignal, discovery?: OidcDiscovery): Promise<ClientCredentialsResult & { tokenEndpoint: string }> {
    const found = discovery ?? (await this.discover(signal));
    const secret = await this.clientSecret();
    const auth = found.authMethods.length && !found.authMethods.includes('client_secret_basic') && found.authMethods.includes('client_secret_post') ? 'post' : 'basic';
    const ca = trustedCaFor(found.tokenEndpoint, this.context.runtime.network);
    const result = await requestClientCredentials({
      tokenEndpoint: found.tokenEndpoint,
      clientId: this.config.clientId,
      clientSecret: secret,
      clientAuthentication: auth,
      ...(this.config.scope ? { scope: this.config.scope } : {}),
      ...(this.config.audience ? { audience: this.config.audience } : {}),
      timeoutMs: this.timeoutMs,
      redactor: this.context.redactor,
      ...(signal ? { signal } : {}),
      ...(ca ? { ca } : {}),
    });
    const now = this.context.runtime.clock.now();
    let expiresAtMs = now + (result.expiresIn ?? 300) * 1000;
    try {
      const exp = decodeTokenClaims(result.accessToken).exp;
      if (exp !== undefined) expiresAtMs = exp * 1000;
    } catch {
      // An opaque token: the step that shows claims reports it.
    }
    this.cached = { token: result.accessToken, expiresAtMs };
    return { ...result, tokenEndpoint: found.tokenEndpoint };
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.cached.expiresAtMs - 60_000 > this.context.runtime.clock.now()) return this.cached.token;
    return (await this.fetchToken(signal)).accessToken;
  }
}

/** Expands `${VAR}` and `$VAR` from the environment. Throws FSE024 naming an unset variable. */
export function expandEnvironment(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      throw new FederatedSecretsError('tokenFileUnreadable', `The environment variable ${name} (used in issuer.path) is not set.`, {
        field: 'issuer.path',
        advice: `Set ${name} to the token file's path (CI systems and Kubernetes set it for workload identity), or write the path literally.`,
      });
    }
    return resolved;
  });
}

export class FileTokenIssuer implements IdentityTokenIssuer {
  readonly type = 'tokenFile';

  constructor(
    readonly config: TokenFileIssuer,
    private readonly context: IssuerContext,
  ) {}

  resolvedPath(): string {
    return expandEnvironment(this.config.path, this.context.runtime.env);
  }

  async read(): Promise<{ path: string; token: string }> {
    const path = this.resolvedPath();
    let bytes: Uint8Array;
    try {
      bytes = await this.context.runtime.readFile(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new FederatedSecretsError('tokenFileUnreadable', `The token file ${path} cannot be read (${reason}).`, {
        field: 'issuer.path',
        advice: 'Check the path (environment variables are expanded) and that the runtime has written the token there.',
      });
    }
    const token = new TextDecoder().decode(bytes).trim();
    if (!token) throw new FederatedSecretsError('tokenFileUnreadable', `The token file ${path} is empty.`, { field: 'issuer.path' });
    this.context.redactor.add(token);
    return { path, token };
  }

  async getToken(): Promise<string> {
    return (await this.read()).token;
  }
}

/** The issuer of a federation. */
export function createIssuer(federation: FederationConfig, context: IssuerContext): IdentityTokenIssuer {
  const issuer = federation.issuer;
  switch (issuer.type) {
    case 'self':
      return new SelfTokenIssuer(federation.name, issuer, context);
    case 'oidc':
      return new OidcTokenIssuer(federation.name, issuer, context);
    case 'tokenFile':
      return new FileTokenIssuer(issuer, context);
    default:
      throw new FederatedSecretsError('notSupported', `Issuer type "${(issuer as { type?: string }).type ?? ''}" is not supported.`, { field: 'issuer.type' });
  }
}
