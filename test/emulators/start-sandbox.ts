/**
 * Runs the emulated cloud until interrupted (Ctrl+C / SIGTERM).
 *
 *   node --import tsx test/emulators/start-sandbox.ts [--seed] [--hostname 127.0.0.1]
 *        [--entra-port 8443] [--keyvault-port 8444] [--issuer-port 8445] [--oauth-port 8446] [--out DIR]
 *
 * Writes the throw-away CA certificate (`ca.pem`) and, with --seed, the sample scenario (`scenario.json`, which
 * holds the emulator-only test key and client secret, mode 0600) into DIR (default: a new temp directory), and
 * prints the origins and file paths. Secret values are not printed.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox, type SandboxPorts } from './sandbox';

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'boolean', default: false },
      hostname: { type: 'string' },
      'entra-port': { type: 'string' },
      'keyvault-port': { type: 'string' },
      'issuer-port': { type: 'string' },
      'oauth-port': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const ports: SandboxPorts = {};
  const entra = port(values['entra-port'], '--entra-port');
  const keyVault = port(values['keyvault-port'], '--keyvault-port');
  const issuerHost = port(values['issuer-port'], '--issuer-port');
  const oauth = port(values['oauth-port'], '--oauth-port');
  if (entra !== undefined) ports.entra = entra;
  if (keyVault !== undefined) ports.keyVault = keyVault;
  if (issuerHost !== undefined) ports.issuerHost = issuerHost;
  if (oauth !== undefined) ports.oauth = oauth;

  const sandbox = await startSandbox({ ports, ...(values.hostname ? { hostname: values.hostname } : {}) });
  const outDir = values.out ?? mkdtempSync(join(tmpdir(), 'federated-secrets-sandbox-'));
  mkdirSync(outDir, { recursive: true });
  const caPath = join(outDir, 'ca.pem');
  writeFileSync(caPath, sandbox.caCertPem);

  const lines = [
    'Federated Secrets sandbox is running.',
    `  Entra ID (authority host): ${sandbox.origins.entra}`,
    `  Key Vault:                 ${sandbox.origins.keyVault}`,
    `  Issuer host:               ${sandbox.origins.issuerHost}`,
    `  OAuth server:              ${sandbox.origins.oauth}`,
    `  CA certificate:            ${caPath}`,
  ];
  if (values.seed) {
    const scenario = await sandbox.seedSampleScenario();
    const scenarioPath = join(outDir, 'scenario.json');
    // JSON.stringify leaves out the createAssertion function.
    writeFileSync(scenarioPath, JSON.stringify(scenario, null, 2), { mode: 0o600 });
    lines.push(
      `  Sample scenario:           ${scenarioPath}`,
      `    tenant ${scenario.tenantId}, app ${scenario.app.displayName} (${scenario.app.clientId})`,
      `    issuer ${scenario.issuer.issuerUrl} subject ${scenario.issuer.subject}`,
    );
  }
  lines.push('Press Ctrl+C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
