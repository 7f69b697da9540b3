/**
 * The connection test: a pipeline of named steps proving the chain the platform uses — configuration, the
 * identity token issuer, the token itself, the exchange at Entra ID, the vault and its mappings, and the
 * consumer (an auth profile's client-credentials call). Each step reports ok / warning / failed / skipped with
 * its duration and, when something is wrong, the field to fix and how. A failed step skips the steps that
 * depend on it. Secret values and tokens never appear in a step, a log line or an error.
 */
import { performance } from 'node:perf_hooks';
import type { ConfigDocument, FederationConfig, MappingEntry, SecretFieldUse, SecretStoreConfig, AuthProfileConfig } from '../model/types';
import type { ConfigKind } from '../model/kinds';
import { KIND_LABELS, isConsumerKind } from '../model/kinds';
import { ERROR_CODES, FederatedSecretsError } from '../errors';
import type { Runtime } from '../runtime';
import { Redactor, redactingLogger } from '../redact';
import type { WorkspaceIndex } from '../workspace/index';
import { checkAuthorityHost, checkVaultHost, displayHost, isHostAllowed, trustedCaFor, DEFAULT_AUTHORITY_HOST } from '../net/hosts';
import { getJson } from '../net/http';
import { requestClientCredentials } from '../net/oauth';
import type { IdentityTokenIssuer, IssuerContext } from '../federation/issuer';
import { FileTokenIssuer, OidcTokenIssuer, SelfTokenIssuer, createIssuer } from '../federation/issuer';
import type { FederationCredential, RetryBounds } from '../federation/azure';
import { DEFAULT_AZURE_SCOPE, DEFAULT_RETRY_BOUNDS, FederationTokenCache, newSdkStats } from '../federation/azure';
import { decodeTokenClaims, describeClaims } from '../federation/jwt';
import type { TokenClaims } from '../federation/jwt';
import { jwkThumbprint, privateMembersOf } from '../federation/keys';
import { discoveryUrl } from '../federation/self';
import type { MappingCheck, SecretMetadata, SecretStoreProvider } from '../stores/index';
import { createSecretStoreProvider, vaultUrlOf } from '../stores/index';
import type { ExplainContext, Explanation } from './explain';
import { explainError } from './explain';
import type { CheckResult, CheckStep, StepId, StepStatus } from './steps';
import { STEP_TITLES } from './steps';

export interface CheckOptions {
  /** Cancels the run; the running step fails with FSE013 and the rest are skipped. */
  signal?: AbortSignal;
  /** Reuse tokens across runs (one exchange per federation). A fresh cache is used when omitted. */
  cache?: FederationTokenCache;
  /** Bounds for retries of SDK calls (429 with Retry-After, transient failures). */
  retry?: Partial<RetryBounds>;
  /** Called as each step completes (progress in the editor, streaming in the CLI). */
  onStep?(step: CheckStep): void;
}

/** Finds what to test: a config file path (as indexed) or an instance name. */
export function findCheckTarget(index: WorkspaceIndex, nameOrFile: string): { target?: ConfigDocument; candidates: ConfigDocument[] } {
  const byFile = index.get(nameOrFile);
  if (byFile) return { target: byFile, candidates: [byFile] };
  const candidates = index.documents().filter((d) => d.name === nameOrFile);
  return candidates.length === 1 ? { target: candidates[0], candidates } : { candidates };
}

/** What a step's work reports; the runner adds the id, title, scope and duration. */
type StepOutcome = Pick<CheckStep, 'message' | 'advice' | 'code' | 'field' | 'file' | 'data'> & { status: Exclude<StepStatus, 'skipped'> };

class Cancelled extends FederatedSecretsError {
  constructor() {
    super('cancelled', 'Cancelled.');
  }
}

/** Rejects as soon as the signal aborts, without waiting for the underlying call. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

interface FederationState {
  doc: ConfigDocument<'federation'>;
  config: FederationConfig;
  issuer?: IdentityTokenIssuer;
  /** Token obtained in the issuer step (oidc, tokenFile), shown in the token step. */
  token?: string;
  credential?: FederationCredential;
  ok: boolean;
}

interface StoreState {
  doc: ConfigDocument<'secretstore'>;
  config: SecretStoreConfig;
  federation?: FederationState;
  provider?: SecretStoreProvider;
  listed?: SecretMetadata[];
  mappingChecks?: MappingCheck[];
  ok: boolean;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function configOf<K extends ConfigKind>(doc: ConfigDocument<K>): NonNullable<ConfigDocument<K>['config']> {
  return doc.config ?? {};
}

class CheckRun {
  readonly steps: CheckStep[] = [];
  readonly redactor = new Redactor();
  readonly runtime: Runtime;
  readonly cache: FederationTokenCache;
  readonly bounds: RetryBounds;
  cancelled = false;

  constructor(
    private readonly index: WorkspaceIndex,
    runtime: Runtime,
    private readonly options: CheckOptions,
  ) {
    this.runtime = { ...runtime, logger: redactingLogger(runtime.logger, this.redactor) };
    this.bounds = { ...DEFAULT_RETRY_BOUNDS, ...options.retry };
    this.cache = options.cache ?? new FederationTokenCache(this.bounds);
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  private record(id: StepId, scope: string | undefined, status: StepStatus, durationMs: number, outcome: Omit<StepOutcome, 'status'>): CheckStep {
    const step: CheckStep = { id, title: STEP_TITLES[id], ...(scope ? { scope } : {}), status, durationMs: Math.round(durationMs), message: this.redactor.redact(outcome.message) };
    if (outcome.advice) step.advice = this.redactor.redact(outcome.advice);
    if (outcome.code) step.code = outcome.code;
    if (outcome.field) step.field = outcome.field;
    if (outcome.file) step.file = outcome.file;
    if (outcome.data) step.data = outcome.data;
    this.steps.push(step);
    const line = `[test] ${id}${scope ? ` (${scope})` : ''}: ${status} — ${step.message}${step.code ? ` [${step.code}]` : ''}`;
    // Step results are the command's output; the log keeps them at info level (the CLI shows warnings only).
    this.runtime.logger.info(line);
    this.options.onStep?.(step);
    return step;
  }

  skip(id: StepId, scope: string | undefined, message: string): void {
    this.record(id, scope, 'skipped', 0, { message });
  }

  /** Runs one step; errors are explained. Returns the recorded step. */
  async step(id: StepId, scope: string | undefined, context: Omit<ExplainContext, 'signal' | 'timeoutMs'>, body: () => Promise<StepOutcome>, file?: string): Promise<CheckStep> {
    if (this.signal?.aborted) {
      this.cancelled = true;
      return this.record(id, scope, 'skipped', 0, { message: 'Cancelled before this step.' });
    }
    const started = performance.now();
    let outcome: StepOutcome;
    try {
      outcome = await raceAbort(body(), this.signal);
    } catch (error) {
      const explanation: Explanation = explainError(error, { ...context, ...(this.signal ? { signal: this.signal } : {}), timeoutMs: this.runtime.network.requestTimeoutMs });
      if (explanation.code === ERROR_CODES.cancelled) this.cancelled = true;
      outcome = { status: 'failed', ...explanation };
    }
    if (outcome.field && !outcome.file && file) outcome.file = file;
    return this.record(id, scope, outcome.status, performance.now() - started, outcome);
  }

  issuerContext(): IssuerContext {
    return { runtime: this.runtime, redactor: this.redactor };
  }

  // -----------------------------------------------------------------------------------------------------------
  // Step 1: configuration, references and host policy

  configStep(docs: ConfigDocument[], federations: FederationState[], stores: StoreState[], target: ConfigDocument, missing: { message: string; code: string; file: string }[]): Promise<CheckStep> {
    return this.step('config', target.name, { phase: 'issuer' }, () => {
      const problems: { message: string; code: string; file: string; field?: string; advice?: string }[] = [];
      problems.push(...missing);
      for (const doc of docs) {
        for (const d of this.index.diagnosticsFor(doc.file)) {
          if (d.severity === 'error') problems.push({ message: `${d.file}:${d.range.start.line + 1}: ${d.message}`, code: d.code, file: d.file });
        }
      }
      if (!problems.length) {
        const network = this.runtime.network;
        for (const f of federations) {
          if (f.config.cloudProvider !== 'azure') continue;
          try {
            checkAuthorityHost(f.config.azure?.authorityHost, network);
          } catch (error) {
            const e = error as FederatedSecretsError;
            problems.push({ message: e.message, code: e.code, file: f.doc.file, ...(e.field ? { field: e.field } : {}), ...(e.advice ? { advice: e.advice } : {}) });
          }
        }
        for (const s of stores) {
          if (s.config.provider !== 'azureKeyVault') continue;
          try {
            const { url, field } = vaultUrlOf(s.config);
            checkVaultHost(url, network, field);
          } catch (error) {
            const e = error as FederatedSecretsError;
            problems.push({ message: e.message, code: e.code, file: s.doc.file, ...(e.field ? { field: e.field } : {}), ...(e.advice ? { advice: e.advice } : {}) });
          }
        }
      }
      const first = problems[0];
      if (first) {
        const more = problems.length > 1 ? ` (and ${plural(problems.length - 1, 'more problem')})` : '';
        return Promise.resolve({
          status: 'failed',
          message: `${first.message}${more}`,
          code: first.code,
          file: first.file,
          ...(first.field ? { field: first.field } : {}),
          advice: first.advice ?? 'Fix the configuration errors ("federated-secrets validate" lists them all), then test again.',
        });
      }
      const parts = [`${KIND_LABELS[target.kind]} "${target.name ?? ''}"`];
      if (stores.length && target.kind !== 'secretstore') parts.push(`store${stores.length === 1 ? '' : 's'} ${stores.map((s) => `"${s.doc.name ?? ''}"`).join(', ')}`);
      if (federations.length && target.kind !== 'federation') parts.push(`federation ${federations.map((f) => `"${f.doc.name ?? ''}"`).join(', ')}`);
      return Promise.resolve({ status: 'ok', message: `${parts.join(', ')}: valid, references resolve, hosts permitted.` });
    });
  }

  // -----------------------------------------------------------------------------------------------------------
  // Steps 2–4: issuer, identity token, exchange

  async federationSteps(f: FederationState): Promise<void> {
    const name = f.config.name;
    const issuerField = 'issuer.issuerUrl';
    if (!this.runtime.network.online) {
      await this.step('issuer', name, { phase: 'issuer' }, () =>
        Promise.resolve({ status: 'failed', code: ERROR_CODES.offline, message: 'Network access is disabled (untrusted workspace or offline mode).', advice: 'Trust the workspace to run connection tests.' }),
      );
      this.skip('token', name, 'Skipped: the issuer step failed.');
      this.skip('exchange', name, 'Skipped: the issuer step failed.');
      return;
    }
    f.issuer = createIssuer(f.config, this.issuerContext());
    const issuer = f.issuer;
    let step: CheckStep;
    if (issuer instanceof SelfTokenIssuer) {
      const url = discoveryUrl(issuer.config.issuerUrl);
      step = await this.step('issuer', name, { phase: 'issuer', host: displayHost(new URL(url)), hostField: issuerField }, () => this.selfIssuerDiscovery(issuer), f.doc.file);
    } else if (issuer instanceof OidcTokenIssuer) {
      step = await this.step('issuer', name, { phase: 'issuer', host: safeHost(issuer.config.issuerUrl), hostField: issuerField }, async () => {
        const discovery = await issuer.discover(this.signal);
        const result = await issuer.fetchToken(this.signal, discovery);
        f.token = result.accessToken;
        return { status: 'ok', message: `Discovered the token endpoint ${discovery.tokenEndpoint} and obtained a token by client credentials (client ${issuer.config.clientId}).` };
      }, f.doc.file);
    } else if (issuer instanceof FileTokenIssuer) {
      step = await this.step('issuer', name, { phase: 'issuer' }, async () => {
        const { path, token } = await issuer.read();
        f.token = token;
        return { status: 'ok', message: `Read the token file ${path}.` };
      }, f.doc.file);
    } else {
      step = await this.step('issuer', name, { phase: 'issuer' }, () => Promise.reject(new FederatedSecretsError('notSupported', 'Unknown issuer type.', { field: 'issuer.type' })), f.doc.file);
    }
    if (step.status === 'failed' || step.status === 'skipped') {
      this.skip('token', name, 'Skipped: the issuer step failed.');
      this.skip('exchange', name, 'Skipped: the issuer step failed.');
      return;
    }

    const tokenStep = await this.step('token', name, { phase: 'token' }, () => this.identityToken(f), f.doc.file);
    if (tokenStep.status === 'failed' || tokenStep.status === 'skipped') {
      this.skip('exchange', name, 'Skipped: no usable identity token.');
      return;
    }

    const azure = f.config.azure;
    const scope = azure?.scope ?? DEFAULT_AZURE_SCOPE;
    const authorityHost = safeHost(azure?.authorityHost ?? DEFAULT_AUTHORITY_HOST);
    const exchange = await this.step('exchange', name, { phase: 'exchange', host: authorityHost, hostField: 'azure.authorityHost' }, async () => {
      const credential = this.cache.credentialFor(f.config, issuer, this.runtime.network);
      f.credential = credential;
      const { token, cached } = await credential.exchange(scope, {
        ...(this.signal ? { abortSignal: this.signal } : {}),
        requestOptions: { timeout: this.runtime.network.requestTimeoutMs },
      });
      this.redactor.add(token.token);
      const minutes = Math.max(0, Math.round((token.expiresOnTimestamp - Date.now()) / 60_000));
      return {
        status: 'ok',
        message: `Microsoft Entra ID (${authorityHost}) issued an access token for ${scope}, valid for ${minutes} min${cached ? ' (reused from an earlier exchange of this federation)' : ''}.`,
      };
    }, f.doc.file);
    f.ok = exchange.status === 'ok' || exchange.status === 'warning';
  }

  private async selfIssuerDiscovery(issuer: SelfTokenIssuer): Promise<StepOutcome> {
    const configured = issuer.config.issuerUrl;
    const url = discoveryUrl(configured);
    const network = this.runtime.network;
    const ca = trustedCaFor(url, network);
    const common = { timeoutMs: network.requestTimeoutMs, ...(this.signal ? { signal: this.signal } : {}), ...(ca ? { ca } : {}) };
    let discovery: Record<string, unknown>;
    try {
      discovery = (await getJson(url, common)).json;
    } catch (error) {
      if (error instanceof FederatedSecretsError && (error.code === ERROR_CODES.httpError || error.code === ERROR_CODES.discoveryInvalid)) {
        return {
          status: 'failed',
          code: ERROR_CODES.discoveryInvalid,
          field: 'issuer.issuerUrl',
          message: `${error.message} Entra ID would fail the same way (AADSTS90061).`,
          advice: 'Publish the discovery document and JWKS at the issuer URL: "federated-secrets issuer export <federation> --out <dir>" writes both files for static hosting.',
        };
      }
      if (error instanceof FederatedSecretsError && error.code === ERROR_CODES.cancelled) throw error;
      // Unreachable from here does not mean unreachable from Entra ID (a firewall, a split DNS): warn, go on.
      const e = explainError(error, { phase: 'issuer', host: displayHost(new URL(url)), hostField: 'issuer.issuerUrl', timeoutMs: network.requestTimeoutMs });
      return {
        status: 'warning',
        code: e.code,
        field: 'issuer.issuerUrl',
        message: `The discovery document at ${url} could not be fetched from this machine: ${e.message} Entra ID must be able to fetch it, or the exchange fails with AADSTS90061.`,
        ...(e.advice ? { advice: e.advice } : {}),
      };
    }
    const published = discovery['issuer'];
    if (published !== configured) {
      const text = typeof published === 'string' ? `"${published}"` : '(missing)';
      if (typeof published === 'string' && published.replace(/\/$/, '') === configured.replace(/\/$/, '')) {
        return {
          status: 'failed',
          code: ERROR_CODES.issuerTrailingSlash,
          field: 'issuer.issuerUrl',
          data: { publishedIssuer: published },
          message: `The discovery document names issuer ${text}, but issuer.issuerUrl is "${configured}": they differ only by the trailing "/". Entra ID compares issuers byte for byte and would answer AADSTS70021.`,
          advice: `Use exactly one spelling everywhere: issuer.issuerUrl, the discovery document's "issuer", and the federated credential's issuer (${published.endsWith('/') ? 'add' : 'remove'} the trailing "/" in issuer.issuerUrl, or republish).`,
        };
      }
      return {
        status: 'failed',
        code: ERROR_CODES.issuerMismatch,
        field: 'issuer.issuerUrl',
        ...(typeof published === 'string' ? { data: { publishedIssuer: published } } : {}),
        message: `The discovery document at ${url} names issuer ${text}, not "${configured}" (issuer.issuerUrl). Entra ID would reject the token (AADSTS700211/AADSTS70021).`,
        advice: 'Republish the discovery document for this issuer ("federated-secrets issuer export"), or correct issuer.issuerUrl.',
      };
    }
    const jwksUri = discovery['jwks_uri'];
    if (typeof jwksUri !== 'string' || !jwksUri.startsWith('https://')) {
      return { status: 'failed', code: ERROR_CODES.discoveryInvalid, field: 'issuer.issuerUrl', message: `The discovery document at ${url} has no https jwks_uri. Entra ID would answer AADSTS90061.`, advice: 'Republish it with "federated-secrets issuer export".' };
    }
    let jwks: Record<string, unknown>;
    try {
      const jwksCa = trustedCaFor(jwksUri, network);
      jwks = (await getJson(jwksUri, { ...common, ...(jwksCa ? { ca: jwksCa } : { ca: undefined }) })).json;
    } catch (error) {
      if (error instanceof FederatedSecretsError && error.code === ERROR_CODES.cancelled) throw error;
      const e = explainError(error, { phase: 'issuer', host: safeHost(jwksUri), hostField: 'issuer.issuerUrl', timeoutMs: network.requestTimeoutMs });
      return { status: 'failed', code: ERROR_CODES.discoveryInvalid, field: 'issuer.issuerUrl', message: `The JWKS at ${jwksUri} cannot be fetched: ${e.message} Entra ID would answer AADSTS90061.`, advice: e.advice ?? 'Publish the JWKS ("federated-secrets issuer export").' };
    }
    const keys = Array.isArray(jwks['keys']) ? (jwks['keys'] as unknown[]).filter((k): k is Record<string, unknown> => !!k && typeof k === 'object') : undefined;
    if (!keys) return { status: 'failed', code: ERROR_CODES.discoveryInvalid, field: 'issuer.issuerUrl', message: `${jwksUri} is not a JWKS (no "keys" array).`, advice: 'Republish it with "federated-secrets issuer export".' };
    const exposed = keys.flatMap((k) => privateMembersOf(k));
    if (exposed.length) {
      return {
        status: 'failed',
        code: ERROR_CODES.jwksExposesPrivateKey,
        field: 'issuer',
        message: `The published JWKS at ${jwksUri} contains private key members (${[...new Set(exposed)].join(', ')}): the signing key is exposed.`,
        advice: 'Remove the file now, generate a new signing key ("federated-secrets issuer keygen"), and publish only the output of "federated-secrets issuer export".',
      };
    }
    let signingKid: string | undefined;
    try {
      const set = await issuer.keys();
      signingKid = set.keys[0]?.kid;
    } catch (error) {
      const e = error instanceof FederatedSecretsError ? error : undefined;
      return {
        status: 'warning',
        code: e?.code ?? ERROR_CODES.signingKeyMissing,
        message: `Discovery at ${url} names issuer "${configured}" (matches issuer.issuerUrl byte for byte); JWKS has ${plural(keys.length, 'key')}. The signing key could not be loaded, so its kid was not checked.`,
        ...(e?.advice ? { advice: e.advice } : {}),
      };
    }
    const published_ = keys.find((k) => k['kid'] === signingKid);
    if (!published_) {
      return {
        status: 'failed',
        code: ERROR_CODES.signingKeyNotPublished,
        field: 'issuer',
        message: `The JWKS at ${jwksUri} does not hold the signing key (kid ${signingKid ?? '?'}); Entra ID would reject the signature (AADSTS7000272/AADSTS700027).`,
        advice: 'Publish the current JWKS ("federated-secrets issuer export"); after a rotation, both keys must be published.',
      };
    }
    let matches = false;
    try {
      matches = (await jwkThumbprint(published_)) === signingKid;
    } catch {
      matches = false;
    }
    if (!matches) {
      return {
        status: 'failed',
        code: ERROR_CODES.signingKeyNotPublished,
        field: 'issuer',
        message: `The JWKS at ${jwksUri} publishes a different key under kid ${signingKid ?? '?'}; Entra ID would reject the signature (AADSTS700027).`,
        advice: 'Republish the JWKS with "federated-secrets issuer export".',
      };
    }
    return { status: 'ok', message: `Discovery at ${url} names issuer "${configured}" (matches issuer.issuerUrl byte for byte); the JWKS at ${jwksUri} (${plural(keys.length, 'key')}) publishes the signing key ${signingKid ?? ''}.` };
  }

  private async identityToken(f: FederationState): Promise<StepOutcome> {
    const issuer = f.issuer;
    const now = this.runtime.clock.now();
    if (issuer instanceof SelfTokenIssuer) {
      const set = await issuer.keys();
      const key = set.keys[0];
      if (f.config.cloudProvider === 'azure' && key && key.alg !== 'RS256') {
        return {
          status: 'failed',
          code: ERROR_CODES.unsupportedAlgorithm,
          field: 'issuer.signingAlgorithm',
          message: `The signing key is ${key.alg}; Microsoft Entra ID accepts only RSA-signed identity tokens.`,
          advice: 'Set issuer.signingAlgorithm to RS256 and generate an RSA key ("federated-secrets issuer keygen --alg RS256").',
        };
      }
      const minted = await issuer.mint();
      const claims = decodeTokenClaims(minted.token);
      return { status: 'ok', message: `Minted with key ${minted.kid} (${key?.alg ?? ''}): ${describeClaims(claims, now)}.` };
    }
    const token = f.token;
    if (!token) throw new FederatedSecretsError('invalidIdentityToken', 'No identity token was obtained.');
    let claims: TokenClaims;
    try {
      claims = decodeTokenClaims(token);
    } catch (error) {
      const field = issuer instanceof FileTokenIssuer ? 'issuer.path' : 'issuer.issuerUrl';
      throw new FederatedSecretsError('invalidIdentityToken', (error as Error).message, { field, advice: 'Entra ID needs a JWT as the client assertion; an opaque access token cannot be federated.' });
    }
    const described = describeClaims(claims, now);
    if (claims.exp !== undefined && claims.exp * 1000 <= now) {
      return {
        status: 'failed',
        code: ERROR_CODES.identityTokenExpired,
        field: issuer instanceof FileTokenIssuer ? 'issuer.path' : 'issuer',
        message: `The identity token has expired: ${described}. Entra ID would answer AADSTS700024.`,
        advice: issuer instanceof FileTokenIssuer ? 'The runtime must refresh the token file before it expires (check the token projection or CI job).' : 'Check the OIDC server\'s token lifetime and this machine\'s clock.',
      };
    }
    const wanted = issuer instanceof OidcTokenIssuer ? issuer.config.audience : undefined;
    if (wanted && !(Array.isArray(claims.aud) ? claims.aud : [claims.aud]).includes(wanted)) {
      return { status: 'warning', field: 'issuer.audience', message: `Obtained: ${described}; the audience "${wanted}" requested was not granted.`, advice: 'Entra ID matches the token\'s aud against the federated credential\'s audiences.' };
    }
    return { status: 'ok', message: `Obtained: ${described}.` };
  }

  // -----------------------------------------------------------------------------------------------------------
  // Step 5: vault and mappings

  async storeSteps(s: StoreState): Promise<void> {
    const name = s.config.name;
    const f = s.federation;
    if (!f?.ok || !f.credential) {
      this.skip('vault', name, `Skipped: no access token from the federation "${s.config.authentication?.federation ?? ''}".`);
      this.skip('mappings', name, 'Skipped: the vault was not reached.');
      return;
    }
    const credential = f.credential;
    let vaultUrl = '';
    let vaultField = 'azureKeyVault';
    try {
      ({ url: vaultUrl, field: vaultField } = vaultUrlOf(s.config));
    } catch {
      // createSecretStoreProvider reports it.
    }
    const stats = newSdkStats();
    let forbidden = false;
    const host = vaultUrl ? safeHost(vaultUrl) : undefined;
    const vault = await this.step('vault', name, { phase: 'vault', ...(host ? { host, vault: vaultUrl } : {}), hostField: vaultField }, async () => {
      s.provider = await createSecretStoreProvider(s.config, { credential, runtime: this.runtime, redactor: this.redactor, bounds: this.bounds, stats });
      try {
        s.listed = await s.provider.listSecretProperties(this.signal ? { signal: this.signal } : {});
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 403) {
          forbidden = true;
          const e = explainError(error, { phase: 'vault', vault: vaultUrl });
          return { status: 'warning', code: e.code, message: `${e.message} Mappings cannot be checked and completion is unavailable; values can still be read if "get" is granted.`, ...(e.advice ? { advice: e.advice } : {}) };
        }
        throw error;
      }
      const throttled = stats.throttled ? ` Throttled ${stats.throttled}× (429); retried after Retry-After.` : '';
      return { status: 'ok', message: `Listed ${plural(s.listed.length, 'secret')} in ${s.provider.endpoint} (names and metadata only).${throttled}` };
    }, s.doc.file);
    if (vault.status === 'failed' || vault.status === 'skipped') {
      this.skip('mappings', name, 'Skipped: the vault was not reached.');
      return;
    }
    s.ok = true;
    if (forbidden) {
      this.skip('mappings', name, 'Not checked: the identity may not list the vault.');
      return;
    }
    const mappings = s.doc.mappings ?? [];
    await this.step('mappings', name, { phase: 'mapping', ...(host ? { host, vault: vaultUrl } : {}) }, async () => {
      if (!mappings.length) return { status: 'ok', message: 'The store maps no secrets.' };
      const provider = s.provider;
      if (!provider) throw new FederatedSecretsError('vaultError', 'The vault client is not available.');
      const checks = await provider.checkMappings(mappings, { ...(s.listed ? { listed: s.listed } : {}), ...(this.signal ? { signal: this.signal } : {}) });
      s.mappingChecks = checks;
      const bad = checks.filter((c) => c.status !== 'ok' && c.status !== 'expiresSoon');
      const soon = checks.filter((c) => c.status === 'expiresSoon');
      const firstBad = bad[0] ?? soon[0];
      if (!firstBad) return { status: 'ok', message: `All ${plural(checks.length, 'mapping')} point at enabled, valid secrets.` };
      const entry = firstBad.mapping as MappingEntry;
      const field = typeof entry.index === 'number' ? `secrets[${entry.index}].${firstBad.status === 'missing' ? 'secretName' : 'secretName'}` : 'secrets';
      const message = [...bad, ...soon].map((c) => c.message).join(' ');
      return {
        status: bad.length ? 'failed' : 'warning',
        ...(firstBad.code ? { code: firstBad.code } : {}),
        field,
        message: `${bad.length ? `${plural(bad.length, 'mapping')} of ${checks.length} cannot be used.` : `${plural(soon.length, 'secret')} expire${soon.length === 1 ? 's' : ''} soon.`} ${message}`,
        advice: mappingAdvice(firstBad),
      };
    }, s.doc.file);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Step 6: the auth profile's client-credentials call

  async oauthStep(profile: ConfigDocument, stores: Map<string, StoreState>): Promise<void> {
    const config = (profile.config ?? {}) as Partial<AuthProfileConfig>;
    const name = profile.name;
    const fields = profile.secretFields ?? [];
    const idField = fields.find((u) => u.path.join('.') === 'clientId');
    const secretField = fields.find((u) => u.path.join('.') === 'clientSecret');
    const blocked = [idField, secretField].flatMap((use) => {
      const ref = use?.secretRef;
      if (!ref?.store) return [];
      const store = stores.get(ref.store);
      if (!store?.ok || !store.provider) return [`the store "${ref.store}" was not reached`];
      const check = store.mappingChecks?.find((c) => c.mapping.reference === ref.reference);
      if (check && check.status !== 'ok' && check.status !== 'expiresSoon') return [`"${ref.raw}" cannot be used (${check.status})`];
      return [];
    });
    if (blocked.length) {
      this.skip('oauth', name, `Skipped: ${blocked.join('; ')}.`);
      return;
    }
    const tokenEndpoint = config.tokenEndpoint ?? '';
    await this.step('oauth', name, { phase: 'oauth', host: safeHost(tokenEndpoint), hostField: 'tokenEndpoint' }, async () => {
      // A secret read from the vault goes only to a host the user allowed: otherwise a cloned repository could
      // name a token endpoint of its choosing and receive the user's vault secret.
      const fromVault = [idField, secretField].some((use) => use?.secretRef);
      if (fromVault && !isHostAllowed(tokenEndpoint, this.runtime.network.allowedHosts)) {
        throw new FederatedSecretsError('hostNotAllowed', `The token endpoint host ${safeHost(tokenEndpoint)} is not among your allowed hosts, so the client credentials from the vault were not read or sent.`, {
          field: 'tokenEndpoint',
          advice: `Secrets from a vault are sent only to token endpoints you allowed. If you trust this host, add it to the user setting federatedSecrets.network.allowedHosts (CLI: --allow-host ${safeHost(tokenEndpoint)}).`,
        });
      }
      const clientId = await this.resolveField(idField, 'clientId', config.clientId, stores);
      const clientSecret = await this.resolveField(secretField, 'clientSecret', config.clientSecret, stores);
      const ca = trustedCaFor(tokenEndpoint, this.runtime.network);
      const scope = config.scopes?.join(' ');
      const result = await requestClientCredentials({
        tokenEndpoint,
        clientId,
        clientSecret,
        clientAuthentication: config.clientAuthentication ?? 'basic',
        ...(scope ? { scope } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
        timeoutMs: this.runtime.network.requestTimeoutMs,
        redactor: this.redactor,
        ...(this.signal ? { signal: this.signal } : {}),
        ...(ca ? { ca } : {}),
      });
      const lifetime = result.expiresIn !== undefined ? `valid for ${result.expiresIn} s` : 'with no stated lifetime';
      return { status: 'ok', message: `${tokenEndpoint} issued a ${result.tokenType} token ${lifetime}${result.scope ? ` (scope "${result.scope}")` : ''}, using the client id and secret from the vault.` };
    }, profile.file);
  }

  /** A secret value for one call: a literal, or read from the store. Registered with the redactor; not kept. */
  private async resolveField(use: SecretFieldUse | undefined, field: string, value: unknown, stores: Map<string, StoreState>): Promise<string> {
    if (typeof value === 'string') {
      this.redactor.add(value);
      return value;
    }
    const ref = use?.secretRef;
    const store = ref?.store ? stores.get(ref.store) : undefined;
    const mapping = store?.doc.mappings?.find((m) => m.reference === ref?.reference);
    if (!ref || !store?.provider || !mapping) throw new FederatedSecretsError('secretValueUnavailable', `The value of ${field} cannot be resolved.`, { field });
    try {
      return await store.provider.resolveValue(mapping, this.signal ? { signal: this.signal } : {});
    } catch (error) {
      const e = explainError(error, { phase: 'secret', vault: store.provider.endpoint, secretName: mapping.secretName, secretField: field, host: safeHost(store.provider.endpoint) });
      throw new FederatedSecretsError('secretValueUnavailable', `Reading ${field} ("${ref.raw}") failed: ${e.message}`, { field, ...(e.advice ? { advice: e.advice } : {}) });
    }
  }
}

function mappingAdvice(check: MappingCheck): string {
  switch (check.status) {
    case 'missing':
      return 'Create the secret in the vault, or correct secretName (Key Vault names are letters, digits and "-").';
    case 'disabled':
      return 'Enable the secret in the vault (Secrets > the secret > Enabled: Yes), or point the mapping at another secret.';
    case 'expired':
      return 'Set a new value (a new version) with a future expiry date, or extend the expiry.';
    case 'notYetValid':
      return 'The secret\'s activation date is in the future; change it or wait.';
    case 'expiresSoon':
      return 'Rotate the secret before it expires.';
    default:
      return '';
  }
}

function safeHost(url: string): string {
  try {
    return displayHost(new URL(url));
  } catch {
    return url;
  }
}

/**
 * Runs the connection test for a federation, a store (including its federation) or a consumer (including its
 * stores and, for an auth profile, the OAuth call).
 */
export async function runCheck(index: WorkspaceIndex, target: ConfigDocument, runtime: Runtime, options: CheckOptions = {}): Promise<CheckResult> {
  const started = performance.now();
  const run = new CheckRun(index, runtime, options);

  const federations = new Map<string, FederationState>();
  const stores = new Map<string, StoreState>();
  const missing: { message: string; code: string; file: string }[] = [];
  const federationState = (doc: ConfigDocument<'federation'>): FederationState => {
    const key = doc.name ?? doc.file;
    let state = federations.get(key);
    if (!state) {
      state = { doc, config: configOf(doc) as FederationConfig, ok: false };
      federations.set(key, state);
    }
    return state;
  };
  const addStore = (doc: ConfigDocument<'secretstore'>) => {
    const key = doc.name ?? doc.file;
    if (stores.has(key)) return;
    const fedDoc = index.federationOf(doc);
    if (!fedDoc && doc.federationRef) missing.push({ message: `The store "${key}" names the federation "${doc.federationRef.name}", which does not exist.`, code: 'FS202', file: doc.file });
    stores.set(key, { doc, config: configOf(doc) as SecretStoreConfig, ...(fedDoc ? { federation: federationState(fedDoc) } : {}), ok: false });
  };

  if (target.kind === 'federation') federationState(target as ConfigDocument<'federation'>);
  else if (target.kind === 'secretstore') addStore(target as ConfigDocument<'secretstore'>);
  else if (isConsumerKind(target.kind)) {
    for (const use of target.secretFields ?? []) {
      const ref = use.secretRef;
      if (!ref) continue;
      const store = ref.store ? index.find('secretstore', ref.store) : undefined;
      if (!store) {
        missing.push({ message: `${use.path.join('.')} refers to "${ref.raw}", but no store is named "${ref.store ?? ref.raw}".`, code: 'FS203', file: target.file });
        continue;
      }
      addStore(store);
    }
  }

  const docs = [target, ...[...stores.values()].map((s) => s.doc), ...[...federations.values()].map((f) => f.doc)].filter((d, i, all) => all.indexOf(d) === i);
  const targetInfo = { kind: target.kind, name: target.name ?? '', file: target.file };
  const config = await run.configStep(docs, [...federations.values()], [...stores.values()], target, missing);
  if (config.status === 'failed' || config.status === 'skipped') {
    const laterSkipped = 'Skipped: fix the configuration first.';
    for (const f of federations.values()) for (const id of ['issuer', 'token', 'exchange'] as const) run.skip(id, f.config.name, laterSkipped);
    for (const s of stores.values()) for (const id of ['vault', 'mappings'] as const) run.skip(id, s.config.name, laterSkipped);
    if (target.kind === 'authprofile') run.skip('oauth', target.name, laterSkipped);
    return finish(run, targetInfo, started);
  }
  for (const f of federations.values()) await run.federationSteps(f);
  for (const s of stores.values()) await run.storeSteps(s);
  if (target.kind === 'authprofile') await run.oauthStep(target, stores);
  return finish(run, targetInfo, started);
}

function finish(run: CheckRun, target: CheckResult['target'], started: number): CheckResult {
  return {
    target,
    ok: !run.steps.some((s) => s.status === 'failed'),
    cancelled: run.cancelled || !!run.signal?.aborted,
    durationMs: Math.round(performance.now() - started),
    steps: run.steps,
  };
}
