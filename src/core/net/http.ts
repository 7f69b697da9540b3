/**
 * Outbound HTTPS for the calls that are not Azure SDK calls (issuer discovery and JWKS, an external OIDC
 * server, an auth profile's token endpoint), with the same policy as the SDK clients: trusted CAs from the host
 * policy, a per-request timeout, cancellation, no redirects, a bounded response size.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { FederatedSecretsError } from '../errors';

export interface HttpsRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Per-request timeout (connect to last byte). */
  timeoutMs: number;
  /** Trusted CAs; undefined trusts the system roots. */
  ca?: readonly string[];
  /** Larger responses are cut off with an error. Default 1 MiB. */
  maxResponseBytes?: number;
}

export interface HttpsResponse {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export type NetworkFailureKind = 'dns' | 'refused' | 'reset' | 'tls' | 'timeout' | 'aborted' | 'other';

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Classifies a Node network error (also found as `cause` or message text of SDK errors). */
export function classifyNetworkError(error: unknown): { kind: NetworkFailureKind; code?: string } | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = typeof e.message === 'string' ? e.message : '';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /getaddrinfo (ENOTFOUND|EAI_AGAIN)/.test(message)) return { kind: 'dns', code: code ?? 'ENOTFOUND' };
    if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return { kind: 'refused', code: 'ECONNREFUSED' };
    if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|ECONNRESET/.test(message)) return { kind: 'reset', code: code ?? 'ECONNRESET' };
    if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'timeout', code };
    if ((code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) || /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer certificate|certificate has expired|Hostname\/IP does not match certificate/i.test(message)) {
      return { kind: 'tls', code: code ?? 'TLS' };
    }
    current = e.cause;
  }
  return undefined;
}

function networkError(url: URL, error: unknown): FederatedSecretsError {
  const host = url.host;
  const failure = classifyNetworkError(error);
  switch (failure?.kind) {
    case 'dns':
      return new FederatedSecretsError('network', `The host name ${url.hostname} cannot be resolved (${failure.code ?? 'ENOTFOUND'}).`, { cause: error });
    case 'refused':
      return new FederatedSecretsError('network', `Nothing is listening at ${host} (connection refused).`, { cause: error });
    case 'reset':
      return new FederatedSecretsError('network', `The connection to ${host} was closed unexpectedly (${failure.code ?? 'ECONNRESET'}).`, { cause: error });
    case 'tls':
      return new FederatedSecretsError('tls', `The TLS certificate of ${host} is not trusted (${failure.code ?? 'TLS'}).`, { cause: error });
    case 'timeout':
      return new FederatedSecretsError('timeout', `Connecting to ${host} timed out.`, { cause: error });
    default:
      return new FederatedSecretsError('network', `The request to ${host} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** One HTTPS request; the response body is read as UTF-8 text. Only https:// URLs are accepted. */
export function httpsRequest(target: string, options: HttpsRequestOptions): Promise<HttpsResponse> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.reject(new FederatedSecretsError('network', `"${target}" is not a URL.`));
  }
  if (url.protocol !== 'https:') return Promise.reject(new FederatedSecretsError('network', `Only https:// URLs are used; "${url.origin}" is not one.`));
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(new FederatedSecretsError('cancelled', 'Cancelled.'));
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;

  return new Promise<HttpsResponse>((resolve, reject) => {
    let settled = false;
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = httpsRequestRaw(url, {
      method: options.method ?? 'GET',
      headers,
      ...(options.ca ? { ca: [...options.ca] } : {}),
      agent: false,
    });
    const finish = (error: FederatedSecretsError | undefined, response?: HttpsResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else if (response) resolve(response);
    };
    const onAbort = () => finish(new FederatedSecretsError('cancelled', 'Cancelled.'));
    const timer = setTimeout(
      () => finish(new FederatedSecretsError('timeout', `No answer from ${url.host} within ${options.timeoutMs} ms.`, { advice: 'Check that the host is reachable from this machine, or raise the timeout.' })),
      options.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => finish(networkError(url, error)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(new FederatedSecretsError('httpError', `The response from ${url.host} is larger than ${maxBytes} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => finish(networkError(url, error)));
      res.on('end', () => finish(undefined, { url: url.toString(), status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(options.body);
  });
}

/** GETs a JSON object; non-2xx statuses and non-object bodies become FSE017 errors naming the URL. */
export async function getJson(url: string, options: HttpsRequestOptions): Promise<{ response: HttpsResponse; json: Record<string, unknown> }> {
  const response = await httpsRequest(url, { ...options, method: 'GET' });
  if (response.status < 200 || response.status > 299) {
    throw new FederatedSecretsError('httpError', `GET ${url} answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (a redirect; the document must be served at this exact URL)' : ''}.`);
  }
  return { response, json: parseJsonObject(response.body, url) };
}

export function parseJsonObject(body: string, url: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new FederatedSecretsError('httpError', `${url} did not return JSON.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FederatedSecretsError('httpError', `${url} did not return a JSON object.`);
  return parsed as Record<string, unknown>;
}
