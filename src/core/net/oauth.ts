/**
 * The OAuth 2.0 client-credentials request (RFC 6749 §4.4), used by the `oidc` issuer and by the auth profile
 * check. The client secret is held only for the request; the returned token goes back to the caller only.
 */
import { FederatedSecretsError } from '../errors';
import type { Redactor } from '../redact';
import { httpsRequest, parseJsonObject } from './http';

export interface ClientCredentialsRequest {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** `basic` = client_secret_basic (default), `post` = client_secret_post. */
  clientAuthentication?: 'basic' | 'post';
  scope?: string;
  audience?: string;
  signal?: AbortSignal;
  timeoutMs: number;
  ca?: readonly string[];
  redactor: Redactor;
}

export interface ClientCredentialsResult {
  accessToken: string;
  tokenType: string;
  /** Seconds, when the server said. */
  expiresIn?: number;
  scope?: string;
}

/** An OAuth error response, kept apart so the explainer can map `error` to advice. */
export class OAuthError extends FederatedSecretsError {
  constructor(
    readonly status: number,
    readonly oauthError: string | undefined,
    readonly description: string | undefined,
    message: string,
  ) {
    super('oauthFailed', message);
    this.name = 'OAuthError';
  }
}

/** `application/x-www-form-urlencoded` encoding of a client id or secret, as RFC 6749 §2.3.1 requires for Basic. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export async function requestClientCredentials(req: ClientCredentialsRequest): Promise<ClientCredentialsResult> {
  req.redactor.add(req.clientSecret);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if ((req.clientAuthentication ?? 'basic') === 'basic') {
    const basic = Buffer.from(`${formEncode(req.clientId)}:${formEncode(req.clientSecret)}`).toString('base64');
    req.redactor.add(basic);
    headers['Authorization'] = `Basic ${basic}`;
  } else {
    form.set('client_id', req.clientId);
    form.set('client_secret', req.clientSecret);
  }
  if (req.scope) form.set('scope', req.scope);
  if (req.audience) form.set('audience', req.audience);
  const response = await httpsRequest(req.tokenEndpoint, {
    method: 'POST',
    headers,
    body: form.toString(),
    timeoutMs: req.timeoutMs,
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.ca ? { ca: req.ca } : {}),
  });
  let json: Record<string, unknown> | undefined;
  try {
    json = parseJsonObject(response.body, req.tokenEndpoint);
  } catch {
    json = undefined;
  }
  if (response.status < 200 || response.status > 299) {
    const error = typeof json?.['error'] === 'string' ? json['error'] : undefined;
    const rawDescription = typeof json?.['error_description'] === 'string' ? json['error_description'] : undefined;
    // Entra appends trace lines; keep the first line, and never echo anything secret.
    const description = rawDescription ? req.redactor.redact(rawDescription.split(/\r?\n/)[0] ?? '') : undefined;
    throw new OAuthError(response.status, error, description, `The token endpoint answered HTTP ${response.status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}.`);
  }
  const accessToken = json?.['access_token'];
  if (typeof accessToken !== 'string' || !accessToken) {
    throw new OAuthError(response.status, undefined, undefined, 'The token endpoint answered without an access_token.');
  }
  req.redactor.add(accessToken);
  const expiresRaw = json?.['expires_in'];
  const expiresIn = typeof expiresRaw === 'number' ? expiresRaw : typeof expiresRaw === 'string' && /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : undefined;
  const tokenType = typeof json?.['token_type'] === 'string' ? json['token_type'] : 'Bearer';
  const scope = typeof json?.['scope'] === 'string' ? json['scope'] : undefined;
  return { accessToken, tokenType, ...(expiresIn !== undefined ? { expiresIn } : {}), ...(scope !== undefined ? { scope } : {}) };
}
