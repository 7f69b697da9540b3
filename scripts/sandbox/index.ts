/**
 * The sandbox: the emulated cloud (issuer host, Entra ID, Key Vault, OAuth server) seeded to match `samples/`
 * exactly, and a copy of `samples/` whose endpoints point at it — shared by `npm start` and the end-to-end
 * tests. Everything else in the samples (names, tenant, client id, subject, audience, mappings, scopes) stays
 * as written: only issuerUrl, azure.authorityHost, azureKeyVault.vaultName → vaultUrl and tokenEndpoint are
 * rewritten, with jsonc-parser so comments survive.
 *
 * The self issuer's signing key is generated with the CLI (`federated-secrets issuer keygen`), its discovery
 * document and JWKS exported with the CLI (`issuer export`) and served by the issuer host. The editor reads
 * the key through the user setting `federatedSecrets.issuer.signingKeyFiles`; the emulators' CA and hosts are
 * allowed through `federatedSecrets.network.extraCaFile` / `allowedHosts` — user settings, as a user would.
 *
 *   const box = await startSampleSandbox({ dir: '.sandbox' });
 *   box.workspaceDir, box.userSettings, box.env, box.requestCounts(), await box.stop();
 *
 * Secret values are obviously fake; the flights client secret is a canary (`SANDBOX_CANARY`) that tests look
 * for in places where a secret value must never appear.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';
import { main as cli } from '../../src/cli/main';
import { startSandbox, type Sandbox, type SandboxPorts, type SampleScenario } from '../../test/emulators/sandbox';
import { SANDBOX_CANARY } from './canary';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');

export { SANDBOX_CANARY };

/** Ports `npm start` tries first (each replaced by a free one when taken). */
export const DEFAULT_SANDBOX_PORTS: Required<SandboxPorts> = { issuerHost: 47441, entra: 47442, keyVault: 47443, oauth: 47444 };

type Json = Record<string, unknown>;

export interface SampleSandboxOptions {
  /** Folder for the key, CA, issuer documents and the workspace (`.sandbox/` for `npm start`). */
  dir: string;
  /** Preferred ports; a taken or omitted one is replaced by a free port. */
  ports?: SandboxPorts;
  samplesDir?: string;
  /** Reuse an existing signing key in `dir` (default true): the editor's setting keeps pointing at it. */
  reuseSigningKey?: boolean;
  log?: (message: string) => void;
}

export interface SandboxSecretNames {
  /** Names the samples' stores map (all enabled, none expiring soon). */
  mapped: string[];
  /** Further names in the vault that no store maps (completion offers them). */
  unmapped: string[];
  /** An unmapped secret that is disabled. */
  disabled: string;
  /** An unmapped secret that expires within a week. */
  expiringSoon: string;
}

/** What the in-host tests read (file named by FEDERATED_SECRETS_E2E_SANDBOX_FILE). Names only, no secret values. */
export interface SandboxDescription {
  origins: Sandbox['origins'];
  allowedHosts: string[];
  vaultUrl: string;
  vaultName: string;
  tenantId: string;
  clientId: string;
  issuerUrl: string;
  subject: string;
  audience: string;
  tokenEndpoint: string;
  federation: string;
  store: string;
  authProfile: string;
  secretNames: SandboxSecretNames;
  /** Every secret name in the vault, enabled or not. */
  vaultSecretNames: string[];
  files: { federation: string; store: string; authProfile: string };
  caFile: string;
  signingKeyFile: string;
}

export type RequestCounts = Record<'issuerHost' | 'entra' | 'keyVault' | 'oauth', number>;

export interface SampleSandbox {
  sandbox: Sandbox;
  scenario: SampleScenario;
  dir: string;
  workspaceDir: string;
  caFile: string;
  signingKeyFile: string;
  issuerDocsDir: string;
  description: SandboxDescription;
  descriptionFile: string;
  allowedHosts: string[];
  /** The user-level settings that wire the editor to the sandbox. */
  userSettings: Json;
  /** Environment for the code-server process (reaches the extension host and the in-host tests). */
  env: Record<string, string>;
  /** Requests each emulator received since start (or the last `clearRequestCounts`). */
  requestCounts(): RequestCounts;
  clearRequestCounts(): void;
  /** A fresh copy of the sandbox workspace in `target` (for a test session that edits files). */
  copyWorkspace(target: string): Promise<string>;
  /** The `federated-secrets test` arguments that prove the wiring without the editor. */
  cliTestArgs(target: string, workspaceDir?: string): string[];
  stop(): Promise<void>;
}

function parseJsonc(text: string, file: string): Json {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length || typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${file} is not a JSON object`);
  return value as Json;
}

function edit(text: string, jsonPath: (string | number)[], value: unknown): string {
  return applyEdits(text, modify(text, jsonPath, value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } }));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The preferred ports where free; 0 (any free port) where taken or not given. */
async function choosePorts(preferred: SandboxPorts | undefined, log: (m: string) => void): Promise<SandboxPorts> {
  const out: SandboxPorts = {};
  for (const key of ['issuerHost', 'entra', 'keyVault', 'oauth'] as const) {
    const want = preferred?.[key];
    if (!want) continue;
    if (await portFree(want)) out[key] = want;
    else log(`port ${want} (${key}) is taken; using a free one`);
  }
  return out;
}

async function runCli(args: string[], cwd: string): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await cli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, cwd);
  if (code !== 0) throw new Error(`federated-secrets ${args.join(' ')} failed (exit ${code}):\n${stdout}${stderr}`);
  return stdout;
}

interface SampleFile {
  file: string;
  kind: string;
  text: string;
  json: Json;
}

async function readSamples(samplesDir: string): Promise<SampleFile[]> {
  const names = (await fs.readdir(samplesDir)).filter((f) => /\.[a-z]+\.json$/.test(f)).sort();
  return Promise.all(
    names.map(async (file) => {
      const text = await fs.readFile(path.join(samplesDir, file), 'utf8');
      return { file, kind: file.split('.').slice(-2)[0] ?? '', text, json: parseJsonc(text, file) };
    }),
  );
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1 || items[0] === undefined) throw new Error(`the sandbox expects exactly one ${what} in samples/, found ${items.length}`);
  return items[0];
}

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || !v) throw new Error(`samples: ${what} is missing`);
  return v;
};

/** Fake but plausible values for the mapped secrets (by name); anything else gets a generic fake value. */
const FAKE_VALUES: Record<string, { value: string; contentType?: string }> = {
  'partner-portal-client-id': { value: 'partner-portal-sandbox' },
  'partner-portal-client-secret': { value: 'sandbox-only-partner-portal-secret' },
  'payments-keystore-p12': { value: Buffer.from('not a real PKCS#12 keystore - sandbox only').toString('base64'), contentType: 'application/x-pkcs12' },
  'payments-keystore-password': { value: 'sandbox-only-keystore-password' },
  'artifacts-connection-string': { value: 'BlobEndpoint=https://mktairlinesarchive.blob.core.windows.net/;SharedAccessSignature=sv=sandbox-not-a-real-sas' },
  'bookings-db-user': { value: 'bookings_app' },
  'bookings-db-password': { value: 'sandbox-only-db-password' },
  'flight-events-user': { value: 'flight-events-producer' },
  'flight-events-password': { value: 'sandbox-only-kafka-password' },
};

const UNMAPPED = ['crew-roster-api-key', 'loyalty-partner-api-key', 'weather-feed-token'];
const DISABLED = 'flights-client-secret-2024';
const EXPIRING_SOON = 'baggage-tracking-api-key';

export async function startSampleSandbox(options: SampleSandboxOptions): Promise<SampleSandbox> {
  const log = options.log ?? (() => undefined);
  const dir = path.resolve(options.dir);
  const samplesDir = path.resolve(options.samplesDir ?? SAMPLES_DIR);
  const workspaceDir = path.join(dir, 'workspace');
  const caFile = path.join(dir, 'sandbox-ca.pem');
  const signingKeyFile = path.join(dir, 'mktairlines-signing-key.pem');
  const issuerDocsDir = path.join(dir, 'issuer-documents');
  const descriptionFile = path.join(dir, 'sandbox.json');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });

  // What the samples say the cloud must look like.
  const samples = await readSamples(samplesDir);
  const fedFile = only(
    samples.filter((s) => s.kind === 'federation' && s.json['cloudProvider'] === 'azure' && obj(s.json['issuer'])['type'] === 'self'),
    'Azure federation with a self issuer',
  );
  const storeFile = only(
    samples.filter((s) => s.kind === 'secretstore' && s.json['provider'] === 'azureKeyVault'),
    'Azure Key Vault secret store',
  );
  const profileFile = only(
    samples.filter((s) => s.kind === 'authprofile' && typeof s.json['tokenEndpoint'] === 'string'),
    'auth profile with a token endpoint',
  );
  const federation = fedFile.json;
  const issuer = obj(federation['issuer']);
  const azure = obj(federation['azure']);
  const federationName = str(federation['name'], 'the federation name');
  const storeName = str(storeFile.json['name'], 'the store name');
  const profileName = str(profileFile.json['name'], 'the auth profile name');
  const tenantId = str(azure['tenantId'], 'azure.tenantId');
  const clientId = str(azure['clientId'], 'azure.clientId');
  const subject = str(issuer['subject'], 'issuer.subject');
  const audience = str(issuer['audience'], 'issuer.audience');
  const sampleIssuerUrl = str(issuer['issuerUrl'], 'issuer.issuerUrl');
  const mappings = (Array.isArray(storeFile.json['secrets']) ? storeFile.json['secrets'] : []).map((m) => ({
    reference: str(obj(m)['reference'], 'a mapping reference'),
    secretName: str(obj(m)['secretName'], 'a mapping secretName'),
  }));
  const secretNameOf = (ref: unknown, field: string): string => {
    const [store, reference] = str(obj(ref)['secretRef'], `${profileName}.${field}.secretRef`).split('/');
    const mapping = store === storeName ? mappings.find((m) => m.reference === reference) : undefined;
    if (!mapping) throw new Error(`samples: ${profileName}.${field} does not reference a mapping of ${storeName}`);
    return mapping.secretName;
  };
  const oauthClientIdName = secretNameOf(profileFile.json['clientId'], 'clientId');
  const oauthClientSecretName = secretNameOf(profileFile.json['clientSecret'], 'clientSecret');

  // The signing key, with the CLI.
  const keyExists = await fs
    .stat(signingKeyFile)
    .then(() => true)
    .catch(() => false);
  if (!keyExists || options.reuseSigningKey === false) {
    await runCli(['issuer', 'keygen', '--out', signingKeyFile, '--alg', 'RS256', ...(keyExists ? ['--force'] : [])], dir);
    log(`signing key generated with "federated-secrets issuer keygen": ${signingKeyFile}`);
  }
  const signingKeyPem = await fs.readFile(signingKeyFile, 'utf8');

  const ports = await choosePorts(options.ports, log);
  const sandbox = await startSandbox({ ports, vaultTenantId: tenantId });
  try {
    const issuerPath = new URL(sampleIssuerUrl).pathname.replace(/\/+$/, '') || '/mktairlines';
    const oauthClient = { clientId: 'flights-app', clientSecret: SANDBOX_CANARY };
    const scenario = await sandbox.seedSampleScenario({
      clientId,
      appDisplayName: federationName,
      subject,
      audience,
      issuerPath,
      issuerTrailingSlash: sampleIssuerUrl.endsWith('/'),
      signingKeyPem,
      oauthClient,
    });
    const seededNames = new Set([scenario.vault.secretNames.clientId, scenario.vault.secretNames.clientSecret]);
    if (!seededNames.has(oauthClientIdName) || !seededNames.has(oauthClientSecretName)) {
      throw new Error(`the sandbox seeds the OAuth client's id and secret as ${[...seededNames].join(', ')}, but ${profileName} reads ${oauthClientIdName} and ${oauthClientSecretName}`);
    }

    // Every mapped secret, then unmapped ones: one disabled, one expiring within a week.
    for (const { secretName } of mappings) {
      if (seededNames.has(secretName)) continue;
      const fake = FAKE_VALUES[secretName] ?? { value: `sandbox-only-value-of-${secretName}` };
      sandbox.putSecret(secretName, fake.value, { contentType: fake.contentType ?? 'text/plain', tags: { app: 'mktairlines', env: 'sandbox' } });
    }
    for (const name of UNMAPPED) sandbox.putSecret(name, `sandbox-only-value-of-${name}`, { contentType: 'text/plain', tags: { env: 'sandbox' } });
    sandbox.putSecret(DISABLED, 'sandbox-only-rotated-out-secret', { enabled: false, contentType: 'text/plain', tags: { rotatedOut: 'true' } });
    sandbox.putSecret(EXPIRING_SOON, `sandbox-only-value-of-${EXPIRING_SOON}`, { expiresOn: new Date(Date.now() + 6 * 24 * 3600 * 1000), contentType: 'text/plain' });

    // The workspace: samples/ with only the endpoints rewritten.
    await fs.rm(workspaceDir, { recursive: true, force: true });
    await fs.mkdir(workspaceDir, { recursive: true });
    for (const sample of samples) {
      let text = sample.text;
      if (sample === fedFile) {
        text = edit(text, ['issuer', 'issuerUrl'], scenario.issuer.issuerUrl);
        text = edit(text, ['azure', 'authorityHost'], sandbox.origins.entra);
      } else if (sample === storeFile) {
        text = edit(text, ['azureKeyVault', 'vaultUrl'], scenario.vault.vaultUrl);
        text = edit(text, ['azureKeyVault', 'vaultName'], undefined);
      } else if (sample === profileFile) {
        text = edit(text, ['tokenEndpoint'], scenario.oauth.tokenEndpoint);
      }
      await fs.writeFile(path.join(workspaceDir, sample.file), text);
    }
    await fs.cp(samplesDir, workspaceDir, { recursive: true, force: false, errorOnExist: false, filter: (src) => !/\.[a-z]+\.json$/.test(src) });

    // The issuer's public documents, exported with the CLI and served by the issuer host (replacing the seed's).
    await fs.rm(issuerDocsDir, { recursive: true, force: true });
    await runCli(['issuer', 'export', federationName, '--signing-key-file', signingKeyFile, '--out', issuerDocsDir, '--workspace', workspaceDir], dir);
    sandbox.issuerHost.clearDocuments();
    const served: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) await walk(full);
        else {
          const rel = path.relative(issuerDocsDir, full).split(path.sep).join('/');
          sandbox.issuerHost.setDocument(`${issuerPath}/${rel}`, await fs.readFile(full, 'utf8'), { contentType: 'application/json' });
          served.push(`${issuerPath}/${rel}`);
        }
      }
    };
    await walk(issuerDocsDir);
    const discovery = parseJsonc(await fs.readFile(path.join(issuerDocsDir, '.well-known', 'openid-configuration'), 'utf8'), 'openid-configuration');
    if (discovery['issuer'] !== scenario.issuer.issuerUrl) throw new Error(`issuer export published ${String(discovery['issuer'])}, the federated credential trusts ${scenario.issuer.issuerUrl}`);

    await fs.writeFile(caFile, sandbox.caCertPem);
    const { issuerHost, entra, keyVault, oauth } = sandbox.origins;
    const allowedHosts = [issuerHost, entra, keyVault, oauth].map((o) => new URL(o).host);
    const userSettings: Json = {
      'federatedSecrets.network.allowedHosts': allowedHosts,
      'federatedSecrets.network.extraCaFile': caFile,
      'federatedSecrets.issuer.signingKeyFiles': { [federationName]: signingKeyFile },
    };

    const secretNames: SandboxSecretNames = { mapped: mappings.map((m) => m.secretName), unmapped: [...UNMAPPED], disabled: DISABLED, expiringSoon: EXPIRING_SOON };
    const description: SandboxDescription = {
      origins: sandbox.origins,
      allowedHosts,
      vaultUrl: scenario.vault.vaultUrl,
      vaultName: scenario.vault.vaultName,
      tenantId,
      clientId,
      issuerUrl: scenario.issuer.issuerUrl,
      subject,
      audience,
      tokenEndpoint: scenario.oauth.tokenEndpoint,
      federation: federationName,
      store: storeName,
      authProfile: profileName,
      secretNames,
      vaultSecretNames: [...new Set([...secretNames.mapped, ...UNMAPPED, DISABLED, EXPIRING_SOON])].sort(),
      files: { federation: fedFile.file, store: storeFile.file, authProfile: profileFile.file },
      caFile,
      signingKeyFile,
    };
    await fs.writeFile(descriptionFile, `${JSON.stringify(description, null, 2)}\n`);
    log(`issuer documents (from "federated-secrets issuer export") served at ${served.map((p) => sandbox.origins.issuerHost + p).join(', ')}`);

    const hosts = () => [sandbox.issuerHost.httpsHost, sandbox.entra, sandbox.keyVault, sandbox.oauth.httpsHost];
    return {
      sandbox,
      scenario,
      dir,
      workspaceDir,
      caFile,
      signingKeyFile,
      issuerDocsDir,
      description,
      descriptionFile,
      allowedHosts,
      userSettings,
      env: {
        FEDERATED_SECRETS_E2E_SANDBOX: '1',
        FEDERATED_SECRETS_E2E_SANDBOX_FILE: descriptionFile,
        FEDERATED_SECRETS_E2E_ISSUER_ORIGIN: sandbox.origins.issuerHost,
        FEDERATED_SECRETS_E2E_ENTRA_ORIGIN: sandbox.origins.entra,
        FEDERATED_SECRETS_E2E_KEYVAULT_ORIGIN: sandbox.origins.keyVault,
        FEDERATED_SECRETS_E2E_OAUTH_ORIGIN: sandbox.origins.oauth,
      },
      requestCounts: () => ({
        issuerHost: sandbox.issuerHost.requests.length,
        entra: sandbox.entra.requests.length,
        keyVault: sandbox.keyVault.requests.length,
        oauth: sandbox.oauth.requests.length,
      }),
      clearRequestCounts: () => {
        for (const h of hosts()) h.requests.length = 0;
      },
      async copyWorkspace(target: string): Promise<string> {
        await fs.mkdir(target, { recursive: true });
        await fs.cp(workspaceDir, target, { recursive: true });
        return target;
      },
      cliTestArgs: (target, ws = workspaceDir) => [
        'test',
        target,
        '--workspace',
        ws,
        '--signing-key-file',
        signingKeyFile,
        '--ca-file',
        caFile,
        ...allowedHosts.flatMap((h) => ['--allow-host', h]),
      ],
      stop: () => sandbox.stop(),
    };
  } catch (error) {
    await sandbox.stop().catch(() => undefined);
    throw error;
  }
}

/** Runs the packaged CLI (`node dist/cli.js …`) as a child process; resolves with its exit code and output. */
export function runPackagedCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], { cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
