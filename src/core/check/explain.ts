/**
 * The error explainer: turns what Entra ID, Key Vault, an OAuth server or the network said into plain advice
 * naming the config field to fix. Messages carry names, hosts and claims — never secret values or tokens
 * (the caller's redactor runs over every message as well).
 */
import { ERROR_CODES, FederatedSecretsError } from '../errors';
import { ORIGINAL_RETRY_AFTER_HEADER } from '../federation/azure';
import { classifyNetworkError } from '../net/http';
import { OAuthError } from '../net/oauth';

export type ExplainPhase = 'issuer' | 'token' | 'exchange' | 'vault' | 'mapping' | 'secret' | 'oauth';

export interface ExplainContext {
  phase: ExplainPhase;
  /** The host called, for network errors (`host` or `host:port`). */
  host?: string;
  /** The config field that names that host. */
  hostField?: string;
  /** The user's cancellation signal: an abort while it is not aborted is a timeout. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Names for messages. */
  vault?: string;
  secretName?: string;
  /** The field of the secret being read (e.g. `secrets[2].secretName` or an auth profile's `clientSecret`). */
  secretField?: string;
}

export interface Explanation {
  /** `AADSTS700213`, `KV403`, or an FSE code. */
  code: string;
  message: string;
  advice?: string;
  field?: string;
}

interface AadstsAdvice {
  field?: string;
  summary: string;
  advice: string;
}

const FEDERATED_CREDENTIAL = "the federated credential (app registration > Certificates & secrets > Federated credentials)";

/** Advice per Entra error code, for the token exchange (phase `exchange`). */
export const AADSTS_ADVICE: Record<number, AadstsAdvice> = {
  70021: {
    field: 'issuer.issuerUrl',
    summary: "Entra ID found no federated credential matching the token's issuer, subject and audience.",
    advice: `Compare issuer.issuerUrl, issuer.subject and issuer.audience byte for byte with ${FEDERATED_CREDENTIAL}. Most often the issuer differs only by a trailing "/": Entra compares it exactly.`,
  },
  700211: {
    field: 'issuer.issuerUrl',
    summary: "`issuer.issuerUrl` does not match the federated credential's issuer.",
    advice: `Copy the issuer URL exactly (scheme, host, path, trailing "/", case) into ${FEDERATED_CREDENTIAL}, or change issuer.issuerUrl to the credential's issuer.`,
  },
  700212: {
    field: 'issuer.audience',
    summary: "`issuer.audience` does not match the federated credential's audience.",
    advice: `Set issuer.audience to the credential's audience (usually api://AzureADTokenExchange), or add this audience to ${FEDERATED_CREDENTIAL}.`,
  },
  700213: {
    field: 'issuer.subject',
    summary: "`issuer.subject` does not match the federated credential's subject.",
    advice: `Copy the subject exactly (it is case-sensitive) between issuer.subject and ${FEDERATED_CREDENTIAL}.`,
  },
  700024: {
    field: 'issuer.tokenLifetimeSeconds',
    summary: 'The identity token is outside its validity window (expired, or not yet valid).',
    advice: "Check this machine's clock (Entra ID allows about 5 minutes of skew) and issuer.tokenLifetimeSeconds; for a token file, the runtime must refresh the file before the token expires.",
  },
  700027: {
    field: 'issuer',
    summary: 'The identity token\'s signature does not verify with the key the issuer publishes under its kid.',
    advice: 'The published JWKS holds a different key than the signing key. Re-export with "federated-secrets issuer export" and publish both files at the issuer URL.',
  },
  7000272: {
    field: 'issuer',
    summary: "The issuer's published JWKS does not contain the key (kid) that signed the token.",
    advice: 'Publish the current JWKS ("federated-secrets issuer export"); after a key rotation both keys must be published.',
  },
  700016: {
    field: 'azure.clientId',
    summary: '`azure.clientId` names no application in the tenant.',
    advice: "Copy the Application (client) ID of the app registration that holds the federated credential, and check that azure.tenantId is that app's tenant.",
  },
  90002: {
    field: 'azure.tenantId',
    summary: '`azure.tenantId` names no tenant in this cloud.',
    advice: 'Copy the Directory (tenant) ID from the app registration\'s overview; for a sovereign cloud, set azure.authorityHost too.',
  },
  90061: {
    field: 'issuer.issuerUrl',
    summary: "Entra ID could not fetch the issuer's discovery document or JWKS.",
    advice: 'Serve <issuerUrl>/.well-known/openid-configuration and the jwks_uri it names over public HTTPS with a publicly trusted certificate ("federated-secrets issuer export" writes both files).',
  },
  7000215: {
    field: 'clientSecret',
    summary: 'The client secret is not valid for this client.',
    advice: 'Use the client secret\'s value (not its ID), and check it has not expired; update the vault secret the reference points to.',
  },
  700222: {
    field: 'issuer.issuerUrl',
    summary: 'A token issued by Entra ID itself cannot be used as a federated credential.',
    advice: 'Use a token from your own issuer (self, an external OIDC server, or the runtime\'s token file).',
  },
  50027: {
    field: 'issuer',
    summary: 'The identity token is malformed.',
    advice: 'Check the token source (for a token file, that it holds exactly one JWT).',
  },
  5002738: {
    field: 'issuer.signingAlgorithm',
    summary: 'Entra ID does not accept the token\'s signature algorithm.',
    advice: 'Entra ID accepts RSA signatures only: set issuer.signingAlgorithm to RS256 and generate an RSA key.',
  },
  500011: {
    field: 'azure.scope',
    summary: 'The resource in `azure.scope` does not exist in the tenant.',
    advice: 'For Key Vault the scope is https://vault.azure.net/.default.',
  },
  1002012: {
    field: 'azure.scope',
    summary: '`azure.scope` is not a valid client-credentials scope.',
    advice: 'Use one resource with /.default, e.g. https://vault.azure.net/.default.',
  },
  700023: {
    field: 'azure.tenantId',
    summary: 'The federated credential cannot be used from this tenant.',
    advice: 'Check azure.tenantId is the tenant of the app registration.',
  },
};

/** The AADSTS code and Entra's first line of description, found anywhere in an error's message chain. */
export function findAadsts(error: unknown): { code: number; text: string } | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string') {
      const match = /AADSTS(\d{5,8})\s*:?\s*([^\r\n]*)/.exec(message);
      if (match) return { code: Number(match[1]), text: (match[2] ?? '').replace(/\s*Trace ID:.*$/, '').trim() };
    }
    const errorResponse = (current as { errorResponse?: { errorDescription?: unknown } }).errorResponse;
    if (errorResponse && typeof errorResponse.errorDescription === 'string') {
      const match = /AADSTS(\d{5,8})\s*:?\s*([^\r\n]*)/.exec(errorResponse.errorDescription);
      if (match) return { code: Number(match[1]), text: (match[2] ?? '').trim() };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.response?.status === 'number') return e.response.status;
  return undefined;
}

function retryAfterOf(error: unknown): string | undefined {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } } | undefined)?.response?.headers;
  const value = headers?.get?.(ORIGINAL_RETRY_AFTER_HEADER) ?? headers?.get?.('retry-after');
  return value ?? undefined;
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'AbortError' || (error instanceof FederatedSecretsError && error.code === ERROR_CODES.cancelled);
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function networkExplanation(error: unknown, context: ExplainContext): Explanation | undefined {
  const failure = classifyNetworkError(error);
  if (!failure) return undefined;
  const host = context.host ?? 'the host';
  const field = context.hostField;
  const withField = (e: Explanation): Explanation => (field ? { ...e, field } : e);
  switch (failure.kind) {
    case 'dns':
      return withField({
        code: ERROR_CODES.network,
        message: `The host name of ${host} cannot be resolved (DNS ${failure.code ?? 'ENOTFOUND'}).`,
        advice: `Check the spelling${field ? ` of ${field}` : ''}; for a Key Vault, that the vault exists (its name is the host name); and that this machine can resolve public or private-endpoint names.`,
      });
    case 'refused':
      return withField({ code: ERROR_CODES.network, message: `Nothing is listening at ${host} (connection refused).`, advice: `Check the host and port${field ? ` in ${field}` : ''}, and that the service is running and reachable from this machine.` });
    case 'reset':
      return withField({ code: ERROR_CODES.network, message: `The connection to ${host} was closed unexpectedly (${failure.code ?? 'ECONNRESET'}).`, advice: 'A proxy or firewall may be interrupting TLS connections; try again, or check the proxy settings.' });
    case 'tls':
      return withField({
        code: ERROR_CODES.tls,
        message: `The TLS certificate of ${host} is not trusted (${failure.code ?? 'TLS'}).`,
        advice: `If ${host} uses a private or corporate CA, pass it with --ca-file <pem> and allow the host with --allow-host ${host} (in VS Code: user settings). Otherwise the certificate is wrong for this host.`,
      });
    case 'timeout':
      return withField({ code: ERROR_CODES.timeout, message: `${host} did not answer in time.`, advice: 'Check network access to the host (proxy, firewall, private endpoint), or raise the timeout (--timeout-ms).' });
    default:
      return undefined;
  }
}

function keyVaultExplanation(status: number, error: unknown, context: ExplainContext): Explanation | undefined {
  const vault = context.vault ?? 'the vault';
  switch (status) {
    case 401:
      return {
        code: 'KV401',
        field: 'azure.tenantId',
        message: `${vault} rejected the access token (401 Unauthorized).`,
        advice: 'The token is for another tenant or resource: the vault must belong to azure.tenantId, and azure.scope must be https://vault.azure.net/.default.',
      };
    case 403:
      if (context.phase === 'secret') {
        return {
          code: 'KV403',
          ...(context.secretField ? { field: context.secretField } : {}),
          message: `The identity may not read the value of ${context.secretName ?? 'the secret'} in ${vault} (403 Forbidden).`,
          advice: 'Grant the app registration the "Key Vault Secrets User" role on the vault (or the "get" secret permission in an access policy).',
        };
      }
      return {
        code: 'KV403',
        message: `The identity may not list secrets in ${vault} (403 Forbidden): it cannot enumerate the vault.`,
        advice: 'Grant "list" to enable completion and mapping checks: the "Key Vault Secrets User" role on the vault, or the "list" secret permission in an access policy.',
      };
    case 404:
      if (context.phase === 'secret' || context.phase === 'mapping') {
        return {
          code: 'KV404',
          ...(context.secretField ? { field: context.secretField } : {}),
          message: `${context.secretName ?? 'The secret'} was not found in ${vault} (404).`,
          advice: 'Check the secretName (and version) of the mapping against the vault.',
        };
      }
      return { code: 'KV404', field: 'azureKeyVault.vaultName', message: `${vault} answered 404 Not Found.`, advice: 'Check azureKeyVault.vaultName / vaultUrl.' };
    case 429: {
      const retryAfter = retryAfterOf(error);
      return {
        code: 'KV429',
        message: `${vault} is throttling requests (429 Too Many Requests${retryAfter ? `, Retry-After ${retryAfter} s` : ''}); the retries allowed were used up.`,
        advice: 'Wait and test again; if it persists, other clients are using up the vault\'s request quota.',
      };
    }
    default:
      if (status >= 500) return { code: `KV${status}`, message: `${vault} had a service error (HTTP ${status}).`, advice: 'Try again later; check the Azure status page if it persists.' };
      return { code: `KV${status}`, message: `${vault} answered HTTP ${status}: ${firstLine(messageOf(error))}` };
  }
}

function oauthExplanation(error: OAuthError, context: ExplainContext): Explanation {
  const aadsts = findAadsts({ message: error.description ?? '' });
  if (aadsts && aadsts.code === 7000215) {
    const advice = AADSTS_ADVICE[7000215];
    return { code: `AADSTS${aadsts.code}`, field: context.phase === 'issuer' ? 'issuer.clientId' : 'clientSecret', message: `${advice?.summary ?? ''} (${error.message})`, advice: advice?.advice ?? '' };
  }
  const issuerPhase = context.phase === 'issuer';
  switch (error.oauthError) {
    case 'invalid_client':
      return {
        code: ERROR_CODES.oauthFailed,
        field: issuerPhase ? 'issuer.clientId' : 'clientSecret',
        message: `The token endpoint rejected the client credentials. ${error.message}`,
        advice: issuerPhase
          ? 'Check issuer.clientId and the issuer client secret supplied at run time.'
          : 'Check the values behind clientId and clientSecret (their secret references) and clientAuthentication (basic or post) against the client registered at the authorization server.',
      };
    case 'invalid_scope':
      return { code: ERROR_CODES.oauthFailed, field: issuerPhase ? 'issuer.scope' : 'scopes', message: `The token endpoint rejected the scope. ${error.message}`, advice: 'Request only scopes the client is allowed to.' };
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return { code: ERROR_CODES.oauthFailed, field: issuerPhase ? 'issuer.clientId' : 'clientId', message: `The client may not use the client-credentials grant. ${error.message}`, advice: 'Enable the client credentials grant for this client at the authorization server.' };
    case 'invalid_target':
      return { code: ERROR_CODES.oauthFailed, field: issuerPhase ? 'issuer.audience' : 'audience', message: `The token endpoint rejected the audience/resource. ${error.message}`, advice: 'Check the audience against the resources the server knows.' };
    default:
      if (error.status === 401) {
        return { code: ERROR_CODES.oauthFailed, field: issuerPhase ? 'issuer.clientId' : 'clientSecret', message: `The token endpoint rejected the client (401). ${error.message}`, advice: 'Check the client id and secret, and clientAuthentication (basic or post).' };
      }
      if (error.status === 404 || error.status === 405) {
        return { code: ERROR_CODES.oauthFailed, field: issuerPhase ? 'issuer.issuerUrl' : 'tokenEndpoint', message: `No token endpoint there (HTTP ${error.status}).`, advice: 'Check the token endpoint URL.' };
      }
      return { code: ERROR_CODES.oauthFailed, field: issuerPhase ? 'issuer.issuerUrl' : 'tokenEndpoint', message: error.message };
  }
}

/** Explains any error raised during a step. */
export function explainError(error: unknown, context: ExplainContext): Explanation {
  if (context.signal?.aborted) return { code: ERROR_CODES.cancelled, message: 'Cancelled.' };
  if (isAbort(error)) {
    return {
      code: ERROR_CODES.timeout,
      message: `${context.host ?? 'The service'} did not answer within ${context.timeoutMs ?? '?'} ms.`,
      advice: 'Check network access to the host (proxy, firewall, private endpoint), or raise the timeout (--timeout-ms).',
      ...(context.hostField ? { field: context.hostField } : {}),
    };
  }
  if (error instanceof OAuthError) return oauthExplanation(error, context);
  if (error instanceof FederatedSecretsError) {
    return { code: error.code, message: error.message, ...(error.advice ? { advice: error.advice } : {}), ...(error.field ? { field: error.field } : {}) };
  }
  const aadsts = findAadsts(error);
  if (aadsts) {
    const known = AADSTS_ADVICE[aadsts.code];
    const entraSays = aadsts.text ? ` Entra ID: "${aadsts.text.replace(/\s*https:\/\/\S+\s*$/, '')}"` : '';
    if (known) {
      const field = aadsts.code === 7000215 && context.phase === 'issuer' ? 'issuer.clientId' : known.field;
      return { code: `AADSTS${aadsts.code}`, message: `${known.summary}${entraSays}`, advice: known.advice, ...(field ? { field } : {}) };
    }
    return { code: `AADSTS${aadsts.code}`, message: `Microsoft Entra ID refused the token exchange (AADSTS${aadsts.code}).${entraSays}`, advice: `Look up AADSTS${aadsts.code} in the Microsoft Entra error code reference.` };
  }
  const network = networkExplanation(error, context);
  if (network) return network;
  const status = statusOf(error);
  if (status !== undefined && (context.phase === 'vault' || context.phase === 'mapping' || context.phase === 'secret')) {
    const kv = keyVaultExplanation(status, error, context);
    if (kv) return kv;
  }
  if (context.phase === 'exchange') {
    return { code: ERROR_CODES.exchangeFailed, message: `The token exchange failed: ${firstLine(messageOf(error))}`, advice: 'Check azure.tenantId, azure.clientId and the federated credential.' };
  }
  if (context.phase === 'vault' || context.phase === 'mapping' || context.phase === 'secret') {
    return { code: ERROR_CODES.vaultError, message: `The vault call failed: ${firstLine(messageOf(error))}` };
  }
  return { code: ERROR_CODES.network, message: firstLine(messageOf(error)) };
}
