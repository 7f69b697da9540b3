/**
 * Shared plumbing for the HTTPS emulators: a server that records what it was sent (method, path, host and the
 * Authorization header, so tests can prove which host saw a bearer token), body helpers, and an HTTPS GET client
 * that trusts a given CA (the emulators call each other the way the real services do).
 *
 * Nothing here writes to the console: request bodies and secret values are never logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import type { ServerCertificate } from './ca';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** The Host header as received. */
  host: string;
  /** The Authorization header as received, or undefined. Kept in memory only, for assertions. */
  authorization: string | undefined;
  at: Date;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpsHostOptions {
  tls: ServerCertificate;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  listenHost?: string;
  /** Host name used to build the origin. Default: the listen address. */
  originHost?: string;
}

/** An HTTPS server with a request log. `origin` is `https://host:port` (no trailing slash). */
export class HttpsHost {
  readonly requests: RecordedRequest[] = [];
  private server: https.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private originValue = '';

  constructor(private readonly handler: RequestHandler) {}

  get origin(): string {
    if (!this.originValue) throw new Error('server not started');
    return this.originValue;
  }

  get port(): number {
    return Number(new URL(this.origin).port);
  }

  /** Number of requests received so far. */
  get requestCount(): number {
    return this.requests.length;
  }

  /** Authorization header values received (in order), without undefined entries. */
  authorizationHeaders(): string[] {
    return this.requests.flatMap((r) => (r.authorization === undefined ? [] : [r.authorization]));
  }

  /** True when any request carried `Authorization: Bearer ...`. */
  sawBearerToken(): boolean {
    return this.authorizationHeaders().some((h) => /^bearer\s/i.test(h));
  }

  clearRequestLog(): void {
    this.requests.length = 0;
  }

  async listen(options: HttpsHostOptions): Promise<string> {
    const listenHost = options.listenHost ?? '127.0.0.1';
    const server = https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
      this.requests.push({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        host: req.headers.host ?? '',
        authorization: req.headers.authorization,
        at: new Date(),
      });
      Promise.resolve()
        .then(() => this.handler(req, res))
        .catch((error: unknown) => {
          if (!res.headersSent) {
            sendJson(res, 500, { error: { code: 'InternalError', message: errorMessage(error) } });
          } else {
            res.destroy();
          }
        });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', () => {
      /* a client that hangs up during the handshake is not an emulator failure */
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const originHost = options.originHost ?? listenHost;
    this.originValue = `https://${originHost.includes(':') ? `[${originHost}]` : originHost}:${port}`;
    return this.originValue;
  }

  /** Destroys open connections (keep-alive sockets of SDK clients included) and stops listening. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function readBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limitBytes) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------------------------
// Outbound HTTPS (used by emulators that fetch documents from other hosts, as the real services do)

export interface FetchOptions {
  /** PEM CA certificate(s) to trust. Undefined: Node's default roots. */
  ca?: string | string[];
  timeoutMs?: number;
  /** Resolve these host names to the given addresses (lets a test issuer use a realistic host name). */
  hostOverrides?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface FetchResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export class FetchError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly reason: 'network' | 'timeout' | 'too-large',
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

function overrideLookup(overrides: Record<string, string>): LookupFunction {
  return (hostname, options, callback) => {
    const address = overrides[hostname.toLowerCase()];
    const family = address?.includes(':') ? 6 : 4;
    if (address !== undefined) {
      if (options.all) {
        (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [
          { address, family },
        ]);
      } else {
        callback(null, address, family);
      }
      return;
    }
    // Only used for host names listed in the overrides; anything else fails like an unknown DNS name.
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    callback(error, '', 4);
  };
}

/** GET over HTTPS with a CA of our choice. Rejects with FetchError on network errors and timeouts. */
export function httpsGet(url: string, options: FetchOptions = {}): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<FetchResult>((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new FetchError(`invalid URL '${url}'`, url, 'network'));
      return;
    }
    if (parsed.protocol !== 'https:') {
      reject(new FetchError(`only https URLs are fetched, got '${url}'`, url, 'network'));
      return;
    }
    const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
    const overrides = options.hostOverrides;
    const req = https.get(
      url,
      {
        ca: options.ca,
        headers: { Accept: 'application/json', ...options.headers },
        agent: false,
        ...(overrides && Object.keys(overrides).length > 0 && overrides[hostname.toLowerCase()] !== undefined
          ? { lookup: overrideLookup(overrides) }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 1024 * 1024) {
            req.destroy(new FetchError(`response from ${url} is larger than 1 MiB`, url, 'too-large'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (error) => reject(new FetchError(error.message, url, 'network')));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new FetchError(`timed out after ${timeoutMs} ms`, url, 'timeout')));
    req.on('error', (error) =>
      reject(error instanceof FetchError ? error : new FetchError(errorMessage(error), url, 'network')),
    );
  });
}

/** Parses a JSON object or throws. */
export function parseJsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}
