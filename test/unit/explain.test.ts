import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AADSTS_ADVICE, explainError, findAadsts } from '../../src/core/check/explain';
import { FederatedSecretsError } from '../../src/core/errors';
import { OAuthError } from '../../src/core/net/oauth';
import { Redactor, redactTokens } from '../../src/core/redact';

/** What the SDK's credential throws: the AADSTS code only in the message text. */
function entraError(code: number, text = 'Something.'): Error {
  const error = new Error(`ClientAssertionCredential authentication failed. invalid_client: AADSTS${code}: ${text}\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2025-01-01 00:00:00Z`);
  error.name = 'AuthenticationRequiredError';
  return error;
}

function restError(statusCode: number, headers: Record<string, string> = {}): Error {
  const error = new Error(`Operation returned an invalid status code ${statusCode}`) as Error & { statusCode: number; response: unknown };
  error.name = 'RestError';
  error.statusCode = statusCode;
  error.response = { status: statusCode, headers: { get: (name: string) => headers[name.toLowerCase()] } };
  return error;
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('error explainer: Entra ID', () => {
  const expected: [number, string | undefined][] = [
    [70021, 'issuer.issuerUrl'],
    [700211, 'issuer.issuerUrl'],
    [700212, 'issuer.audience'],
    [700213, 'issuer.subject'],
    [700024, 'issuer.tokenLifetimeSeconds'],
    [700027, 'issuer'],
    [700016, 'azure.clientId'],
    [90002, 'azure.tenantId'],
    [90061, 'issuer.issuerUrl'],
    [7000215, 'clientSecret'],
  ];
  for (const [code, field] of expected) {
    it(`maps AADSTS${code} to advice naming ${field ?? 'no field'}`, () => {
      const e = explainError(entraError(code, 'No matching federated identity record found.'), { phase: 'exchange' });
      assert.equal(e.code, `AADSTS${code}`);
      assert.equal(e.field, field);
      assert.ok(e.advice && e.advice.length > 20);
      assert.ok(!/Trace ID|Correlation ID/.test(e.message), 'trace lines are dropped');
    });
  }

  it('words 700213 as the subject mismatch', () => {
    const e = explainError(entraError(700213), { phase: 'exchange' });
    assert.match(e.message, /^`issuer\.subject` does not match the federated credential's subject/);
  });

  it('points 70021 at the trailing slash', () => {
    assert.match(explainError(entraError(70021), { phase: 'exchange' }).advice ?? '', /trailing "\/"/);
  });

  it('quotes what Entra ID said (without its documentation link)', () => {
    const e = explainError(entraError(700213, "No matching federated identity record found for presented assertion subject 'app:x'. Please check. https://learn.microsoft.com/x"), { phase: 'exchange' });
    assert.match(e.message, /assertion subject 'app:x'/);
    assert.doesNotMatch(e.message, /learn\.microsoft\.com/);
  });

  it('explains unknown AADSTS codes generically', () => {
    const e = explainError(entraError(123456), { phase: 'exchange' });
    assert.equal(e.code, 'AADSTS123456');
    assert.match(e.advice ?? '', /AADSTS123456/);
  });

  it('finds the code in a cause chain or an errorResponse', () => {
    assert.equal(findAadsts({ message: 'outer', cause: entraError(90002) })?.code, 90002);
    assert.equal(findAadsts({ message: 'x', errorResponse: { errorDescription: 'AADSTS700016: App not found.' } })?.code, 700016);
    assert.equal(findAadsts(new Error('nothing here')), undefined);
  });

  it('has advice for every code the issue lists', () => {
    for (const code of [70021, 700211, 700212, 700213, 700024, 700027, 700016, 90002, 90061, 7000215]) assert.ok(AADSTS_ADVICE[code], String(code));
  });
});

describe('error explainer: Key Vault, OAuth, network', () => {
  it('maps 401/403/404/429', () => {
    const e401 = explainError(restError(401), { phase: 'vault', vault: 'https://kv' });
    assert.equal(e401.code, 'KV401');
    const e403 = explainError(restError(403), { phase: 'vault', vault: 'https://kv' });
    assert.equal(e403.code, 'KV403');
    assert.match(e403.message, /cannot enumerate/);
    assert.match(e403.advice ?? '', /grant "list"|Grant "list"/i);
    const get403 = explainError(restError(403), { phase: 'secret', vault: 'https://kv', secretName: 'db-pass', secretField: 'clientSecret' });
    assert.equal(get403.field, 'clientSecret');
    assert.match(get403.advice ?? '', /get/);
    const e404 = explainError(restError(404), { phase: 'vault', vault: 'https://kv' });
    assert.equal(e404.field, 'azureKeyVault.vaultName');
    const e429 = explainError(restError(429, { 'x-federated-secrets-retry-after': '120' }), { phase: 'vault', vault: 'https://kv' });
    assert.equal(e429.code, 'KV429');
    assert.match(e429.message, /Retry-After 120 s/);
  });

  it('maps DNS, refused, TLS and timeouts to advice naming the host field', () => {
    const ctx = { phase: 'vault' as const, host: 'kv.example:443', hostField: 'azureKeyVault.vaultUrl' };
    const dns = explainError(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND kv.example'), ctx);
    assert.equal(dns.code, 'FSE015');
    assert.equal(dns.field, 'azureKeyVault.vaultUrl');
    assert.match(dns.message, /cannot be resolved/);
    assert.match(explainError(systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), ctx).message, /connection refused/);
    const tls = explainError(systemError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), ctx);
    assert.equal(tls.code, 'FSE016');
    assert.match(tls.advice ?? '', /--ca-file/);
    // The SDK wraps the socket error; the cause chain is searched.
    const wrapped = Object.assign(new Error('request failed'), { cause: systemError('ECONNREFUSED', 'connect ECONNREFUSED') });
    assert.match(explainError(wrapped, ctx).message, /connection refused/);
    const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    const timeout = explainError(abort, { ...ctx, timeoutMs: 1500, signal: new AbortController().signal });
    assert.equal(timeout.code, 'FSE014');
    assert.match(timeout.message, /1500 ms/);
  });

  it('reports a user cancellation as FSE013, not a timeout', () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(explainError(Object.assign(new Error('aborted'), { name: 'AbortError' }), { phase: 'exchange', signal: controller.signal }).code, 'FSE013');
  });

  it('maps OAuth errors of the token endpoint to the profile fields', () => {
    const invalidClient = explainError(new OAuthError(401, 'invalid_client', 'Client authentication failed.', 'HTTP 401 invalid_client'), { phase: 'oauth' });
    assert.equal(invalidClient.field, 'clientSecret');
    assert.equal(explainError(new OAuthError(400, 'invalid_scope', undefined, 'x'), { phase: 'oauth' }).field, 'scopes');
    const aad = explainError(new OAuthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.', 'x'), { phase: 'oauth' });
    assert.equal(aad.code, 'AADSTS7000215');
    assert.equal(aad.field, 'clientSecret');
    assert.equal(explainError(new OAuthError(401, 'invalid_client', undefined, 'x'), { phase: 'issuer' }).field, 'issuer.clientId');
  });

  it('passes typed errors through with their code, field and advice', () => {
    const e = explainError(new FederatedSecretsError('hostNotAllowed', 'refused', { field: 'azure.authorityHost', advice: 'allow it' }), { phase: 'exchange' });
    assert.deepEqual(e, { code: 'FSE010', message: 'refused', advice: 'allow it', field: 'azure.authorityHost' });
  });
});

describe('redaction', () => {
  it('removes registered values (and their URL encoding) and anything JWT-shaped', () => {
    const r = new Redactor();
    r.add('s3cr3t value/+');
    r.add('abc'); // too short to register
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    assert.equal(r.redact(`a s3cr3t value/+ b ${encodeURIComponent('s3cr3t value/+')} c ${jwt} abc`), 'a [redacted] b [redacted] c [redacted token] abc');
    assert.equal(redactTokens(`Bearer ${jwt}`), 'Bearer [redacted token]');
  });
});
