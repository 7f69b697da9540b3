/**
 * A static HTTPS host for an OIDC issuer's public documents (discovery document and JWKS), as a self-managed
 * issuer would publish them. Documents can be replaced or removed at run time, and the whole host can be made
 * unreachable (connections reset), failing (HTTP 500) or hanging, to exercise how callers react.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import { HttpsHost, sendJson, sendText, type HttpsHostOptions, type RecordedRequest } from './https-host';

export type IssuerHostMode = 'ok' | 'unreachable' | 'error500' | 'hang';

export interface HostedDocument {
  body: unknown;
  status?: number;
  contentType?: string;
}

export interface PublishedIssuer {
  /** The issuer URL (`iss`), exactly as published in the discovery document. */
  issuer: string;
  discoveryUrl: string;
  jwksUri: string;
}

export class IssuerHost {
  private readonly host: HttpsHost;
  private readonly documents = new Map<string, HostedDocument>();
  private modeValue: IssuerHostMode = 'ok';
  private readonly hanging = new Set<ServerResponse>();

  private constructor() {
    this.host = new HttpsHost((req, res) => this.handle(req, res));
  }

  static async start(options: HttpsHostOptions): Promise<IssuerHost> {
    const host = new IssuerHost();
    await host.host.listen(options);
    return host;
  }

  get origin(): string {
    return this.host.origin;
  }

  get httpsHost(): HttpsHost {
    return this.host;
  }

  get requests(): RecordedRequest[] {
    return this.host.requests;
  }

  get mode(): IssuerHostMode {
    return this.modeValue;
  }

  /** ok: serve documents; unreachable: reset every connection; error500: answer 500; hang: never answer. */
  setMode(mode: IssuerHostMode): void {
    this.modeValue = mode;
    if (mode !== 'hang') this.releaseHanging();
  }

  /** Serves `body` (JSON-encoded unless it is a string) at `path` (an absolute path such as `/a/b`). */
  setDocument(path: string, body: unknown, options: { status?: number; contentType?: string } = {}): void {
    this.documents.set(normalizePath(path), { body, ...options });
  }

  removeDocument(path: string): void {
    this.documents.delete(normalizePath(path));
  }

  hasDocument(path: string): boolean {
    return this.documents.has(normalizePath(path));
  }

  clearDocuments(): void {
    this.documents.clear();
  }

  /**
   * Publishes an issuer at `{origin}{basePath}`: its discovery document (OIDC Discovery: issuer without a
   * terminating "/" + `/.well-known/openid-configuration`) and its JWKS. `trailingSlash` controls whether the
   * issuer URL ends in "/" (both forms exist in the wild and Entra matches them literally).
   */
  publishIssuer(
    basePath: string,
    jwks: JSONWebKeySet,
    options: { trailingSlash?: boolean; extraMetadata?: Record<string, unknown> } = {},
  ): PublishedIssuer {
    const base = normalizePath(basePath).replace(/\/$/, '');
    const issuer = `${this.origin}${base}${options.trailingSlash ? '/' : ''}`;
    const discoveryPath = `${base}/.well-known/openid-configuration`;
    const jwksPath = `${base}/openid/v1/jwks`;
    const jwksUri = `${this.origin}${jwksPath}`;
    this.setDocument(discoveryPath, {
      issuer,
      jwks_uri: jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      ...options.extraMetadata,
    });
    this.setDocument(jwksPath, jwks);
    return { issuer, discoveryUrl: `${this.origin}${discoveryPath}`, jwksUri };
  }

  async close(): Promise<void> {
    this.releaseHanging();
    await this.host.close();
  }

  private releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    switch (this.modeValue) {
      case 'unreachable':
        req.socket.destroy();
        return;
      case 'error500':
        sendText(res, 500, 'Internal Server Error');
        return;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'ok':
        break;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    const path = normalizePath(new URL(req.url ?? '/', this.origin).pathname);
    const doc = this.documents.get(path);
    if (!doc) {
      sendText(res, 404, 'Not Found');
      return;
    }
    if (typeof doc.body === 'string') {
      sendText(res, doc.status ?? 200, doc.body, doc.contentType ?? 'application/json');
    } else {
      sendJson(res, doc.status ?? 200, doc.body, doc.contentType ? { 'Content-Type': doc.contentType } : {});
    }
  }
}

function normalizePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}
