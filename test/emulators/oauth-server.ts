/**
 * An OAuth 2.0 / OpenID Connect authorization server for tests, built on the `oidc-provider` package (a certified
 * implementation) rather than a hand-made stub. It serves:
 *
 * - the client credentials grant at `{issuer}/token`, with `client_secret_basic` or `client_secret_post` client
 *   authentication (oidc-provider accepts either for a client with a shared secret; the method used is recorded);
 * - JWT access tokens (RS256, claims iss/sub/aud/client_id/scope/exp) — `sub` is the client id, `aud` the resource
 *   server's identifier (RFC 8707 resource indicator, or the client's default resource);
 * - discovery at `{issuer}/.well-known/openid-configuration` and keys at `{issuer}/jwks`,
 *
 * so it can stand in both for an API's token endpoint (auth profiles) and for an external OIDC issuer (Okta-like)
 * whose tokens Entra trusts as federated assertions (resource `api://AzureADTokenExchange`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import Provider, { errors as oidcErrors, type Adapter, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import { DEFAULT_FEDERATION_AUDIENCE } from './entra';
import { HttpsHost, type HttpsHostOptions, type RecordedRequest } from './https-host';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface OAuthClientRegistration {
  clientId: string;
  clientSecret: string;
  /**
   * Registered `token_endpoint_auth_method` (default client_secret_basic). Note: oidc-provider accepts either
   * shared-secret method for such a client; `tokenRequests` records which one a caller used.
   */
  authMethod?: ClientAuthMethod;
  /** Scopes the client may request (must be among the server's scopes). Default: no restriction. */
  scopes?: string[];
  /** Resource (audience) used when a token request names none. */
  defaultResource?: string;
}

export interface OAuthResourceServer {
  /** Resource indicator; becomes the `aud` of access tokens for it. */
  identifier: string;
  /** Scopes this resource server understands (requested scopes outside this list are dropped). */
  scopes: string[];
  accessTokenTtlSeconds?: number;
}

export interface OAuthServerOptions extends HttpsHostOptions {
  /** All scope values the server knows (client registrations may only use these). */
  scopes?: string[];
  /** Default access token lifetime. Default 3600 s. */
  accessTokenTtlSeconds?: number;
}

/** The audience Entra expects on federated assertions. */
export const ENTRA_TOKEN_EXCHANGE_AUDIENCE = DEFAULT_FEDERATION_AUDIENCE;

export class OAuthServer {
  private readonly host: HttpsHost;
  private provider: Provider | undefined;
  private callback: ReturnType<Provider['callback']> | undefined;
  private readonly clients = new Map<string, OAuthClientRegistration>();
  private readonly resourceServers = new Map<string, OAuthResourceServer>();
  private publicJwk: JWK | undefined;
  /** Token endpoint calls, in order, with how the client authenticated (read from the headers only). */
  readonly tokenRequests: { clientAuthentication: 'client_secret_basic' | 'client_secret_post'; at: Date }[] = [];

  private constructor() {
    this.host = new HttpsHost((req, res) => this.handle(req, res));
  }

  static async start(options: OAuthServerOptions): Promise<OAuthServer> {
    const server = new OAuthServer();
    const origin = await server.host.listen(options);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    const privateJwk = { ...(await exportJWK(privateKey)), kid, use: 'sig', alg: 'RS256' };
    server.publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
    server.resourceServers.set(ENTRA_TOKEN_EXCHANGE_AUDIENCE, { identifier: ENTRA_TOKEN_EXCHANGE_AUDIENCE, scopes: [] });

    const registry = server;
    const defaultTtl = options.accessTokenTtlSeconds ?? 3600;
    class RegistryAdapter implements Adapter {
      private static readonly store = new Map<string, AdapterPayload>();
      constructor(private readonly model: string) {}
      upsert(id: string, payload: AdapterPayload): Promise<void> {
        RegistryAdapter.store.set(`${this.model}:${id}`, payload);
        return Promise.resolve();
      }
      find(id: string): Promise<AdapterPayload | undefined> {
        if (this.model === 'Client') return Promise.resolve(registry.clientMetadata(id));
        return Promise.resolve(RegistryAdapter.store.get(`${this.model}:${id}`));
      }
      findByUserCode(): Promise<undefined> {
        return Promise.resolve(undefined);
      }
      findByUid(): Promise<undefined> {
        return Promise.resolve(undefined);
      }
      consume(id: string): Promise<void> {
        const payload = RegistryAdapter.store.get(`${this.model}:${id}`);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      }
      destroy(id: string): Promise<void> {
        RegistryAdapter.store.delete(`${this.model}:${id}`);
        return Promise.resolve();
      }
      revokeByGrantId(): Promise<void> {
        return Promise.resolve();
      }
    }

    server.provider = new Provider(origin, {
      adapter: RegistryAdapter,
      jwks: { keys: [privateJwk] },
      scopes: ['openid', 'offline_access', ...(options.scopes ?? ['flights.read', 'flights.write'])],
      cookies: { keys: ['emulator-cookie-key-not-a-secret'] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: false },
        revocation: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: (_ctx, client) => registry.clients.get(client.clientId)?.defaultResource ?? (undefined as unknown as string),
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator) => {
            const rs = registry.resourceServers.get(resourceIndicator);
            if (!rs) throw new oidcErrors.InvalidTarget();
            return {
              scope: rs.scopes.join(' '),
              audience: rs.identifier,
              accessTokenTTL: rs.accessTokenTtlSeconds ?? defaultTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      ttl: {
        ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? defaultTtl,
        AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? defaultTtl,
      },
      clientDefaults: { grant_types: ['client_credentials'], response_types: [], id_token_signed_response_alg: 'RS256' },
      enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
      findAccount: () => undefined,
    });
    return server;
  }

  /** The issuer identifier (`iss` of tokens) — the origin, no trailing slash. */
  get issuer(): string {
    return this.host.origin;
  }

  get origin(): string {
    return this.host.origin;
  }

  get tokenEndpoint(): string {
    return `${this.issuer}/token`;
  }

  get discoveryUrl(): string {
    return `${this.issuer}/.well-known/openid-configuration`;
  }

  get jwksUri(): string {
    return `${this.issuer}/jwks`;
  }

  /** Number of POSTs to the token endpoint. */
  get tokenRequestCount(): number {
    return this.tokenRequests.length;
  }

  get httpsHost(): HttpsHost {
    return this.host;
  }

  get requests(): RecordedRequest[] {
    return this.host.requests;
  }

  publicJwks(): JSONWebKeySet {
    if (!this.publicJwk) throw new Error('server not started');
    return { keys: [this.publicJwk] };
  }

  addResourceServer(resourceServer: OAuthResourceServer): void {
    this.resourceServers.set(resourceServer.identifier, { ...resourceServer, scopes: [...resourceServer.scopes] });
  }

  addClient(client: OAuthClientRegistration): void {
    this.clients.set(client.clientId, { ...client });
  }

  removeClient(clientId: string): void {
    this.clients.delete(clientId);
  }

  async close(): Promise<void> {
    await this.host.close();
  }

  private clientMetadata(clientId: string): AdapterPayload | undefined {
    const client = this.clients.get(clientId);
    if (!client) return undefined;
    const metadata: ClientMetadata = {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: client.authMethod ?? 'client_secret_basic',
      ...(client.scopes ? { scope: client.scopes.join(' ') } : {}),
    };
    return metadata;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.provider) throw new Error('server not started');
    if (req.method === 'POST' && new URL(req.url ?? '/', this.origin).pathname === '/token') {
      const basic = /^basic\s/i.test(req.headers.authorization ?? '');
      this.tokenRequests.push({ clientAuthentication: basic ? 'client_secret_basic' : 'client_secret_post', at: new Date() });
    }
    this.callback ??= this.provider.callback();
    await this.callback(req, res);
  }
}
