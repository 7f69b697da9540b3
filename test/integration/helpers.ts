/**
 * Shared set-up for the connection-test integration suites: the emulated cloud seeded with the samples'
 * scenario, config instances derived from the samples with the emulators' URLs, and a recording runtime.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import { parseConfigText } from '../../src/core/model/parse';
import type { Logger, Runtime } from '../../src/core/runtime';
import { MemorySecretStorage } from '../../src/core/runtime';
import { SIGNING_KEY_SECRET } from '../../src/core/federation/issuer';
import { WorkspaceIndex } from '../../src/core/workspace/index';
import { VaultNamesError } from '../../src/core/live/vault-names';
import type { Sandbox, SampleScenario } from '../emulators/sandbox';

const SAMPLES = path.resolve(__dirname, '../../samples');

type Json = Record<string, unknown>;

function readSample(file: string): Json {
  return parse(readFileSync(path.join(SAMPLES, file), 'utf8')) as Json;
}

export interface SampleConfigs {
  federation: Json;
  store: Json;
  profile: Json;
}

/**
 * The samples' federation, store and auth profile, pointed at the emulators: issuer URL, tenant, client id,
 * authority host, vault URL and token endpoint come from the seeded scenario; names, subject, audience,
 * mappings, scopes and client authentication stay as in the samples.
 */
export function sampleConfigs(sandbox: Sandbox, scenario: SampleScenario): SampleConfigs {
  const federation = readSample('mktairlines.federation.json');
  const store = readSample('flights.secretstore.json');
  const profile = readSample('flights.authprofile.json');
  delete federation['$schema'];
  delete store['$schema'];
  delete profile['$schema'];
  federation['issuer'] = { ...(federation['issuer'] as Json), issuerUrl: scenario.issuer.issuerUrl };
  federation['azure'] = { ...(federation['azure'] as Json), tenantId: scenario.tenantId, clientId: scenario.app.clientId, authorityHost: sandbox.origins.entra };
  store['azureKeyVault'] = { vaultUrl: scenario.vault.vaultUrl };
  profile['tokenEndpoint'] = scenario.oauth.tokenEndpoint;
  return { federation, store, profile };
}

/** Puts every secret the sample store maps into the emulated vault (the scenario seeds the flights pair). */
export function seedMappedSecrets(sandbox: Sandbox, scenario: SampleScenario, configs: SampleConfigs): void {
  const seeded = new Set([scenario.vault.secretNames.clientId, scenario.vault.secretNames.clientSecret]);
  for (const m of sampleMappings(configs)) if (!seeded.has(m.secretName)) sandbox.putSecret(m.secretName, `value of ${m.secretName}`);
}

/** The store's mappings as written in the sample. */
export function sampleMappings(configs: SampleConfigs): { reference: string; secretName: string }[] {
  return (configs.store['secrets'] as { reference: string; secretName: string }[]) ?? [];
}

export function indexOf(files: Record<string, unknown>): WorkspaceIndex {
  const index = new WorkspaceIndex();
  for (const [file, content] of Object.entries(files)) index.set(parseConfigText(file, JSON.stringify(content, null, 2)));
  return index;
}

export interface RecordingRuntime {
  runtime: Runtime;
  secrets: MemorySecretStorage;
  logs: string[];
}

export interface RuntimeOptions {
  allowedHosts?: string[];
  /** Clock offset in ms (negative: the machine's clock is behind). */
  clockOffsetMs?: number;
  requestTimeoutMs?: number;
  signingKey?: string;
  env?: Record<string, string>;
}

/** A runtime that trusts the sandbox CA for the loopback hosts and records every log line. */
export function recordingRuntime(sandbox: Sandbox, scenario: SampleScenario, options: RuntimeOptions = {}): RecordingRuntime {
  const logs: string[] = [];
  const log = (level: string) => (m: string) => logs.push(`${level}: ${m}`);
  const logger: Logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const secrets = new MemorySecretStorage();
  void secrets.store(SIGNING_KEY_SECRET, options.signingKey ?? scenario.issuer.privateKeyPem);
  const offset = options.clockOffsetMs ?? 0;
  return {
    logs,
    secrets,
    runtime: {
      logger,
      clock: { now: () => Date.now() + offset },
      secrets,
      network: { allowedHosts: options.allowedHosts ?? ['127.0.0.1'], extraCaPem: sandbox.caCertPem, requestTimeoutMs: options.requestTimeoutMs ?? 5000, online: true },
      env: options.env ?? {},
      readFile: async (file) => (await import('node:fs/promises')).readFile(file),
    },
  };
}

/** `id@scope:status` of each step, for compact assertions. */
export function summary(steps: readonly { id: string; scope?: string; status: string }[]): string[] {
  return steps.map((s) => `${s.id}@${s.scope ?? ''}:${s.status}`);
}

/** The VaultNamesError a listing fails with; fails the test when it succeeds or fails otherwise. */
export async function listingRejection(promise: Promise<unknown>): Promise<VaultNamesError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof VaultNamesError, `expected a VaultNamesError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the listing to fail');
}
