import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CheckResult, CheckStep } from '../core/check/index';
import { findCheckTarget, runCheck } from '../core/check/index';
import { ISSUER_CLIENT_SECRET, SIGNING_KEY_SECRET } from '../core/federation/issuer';
import { KIND_LABELS } from '../core/model/kinds';
import type { CommandResult, Output } from './io';
import { parseArgs, UsageError } from './args';
import { findConfigFiles, loadWorkspace } from './files';
import { createCliRuntime, DEFAULT_TIMEOUT_MS, stderrLogger } from './runtime';

export const TEST_USAGE = `Usage: federated-secrets test <instance name or file> [options]

Tests an Identity Federation, an External Secret Store (with its federation) or a consumer such as an OAuth 2.0
authentication profile (with its stores and the OAuth call), step by step:
  1 config     the configuration is valid and its references resolve
  2 issuer     the identity token issuer (discovery and JWKS, OIDC server or token file)
  3 token      the identity token (its claims are shown, never the token)
  4 exchange   the token exchange at Microsoft Entra ID
  5 vault      the vault is reachable and lists secret names and metadata (never values)
    mappings   each mapping's secret exists, is enabled and has not expired
  6 oauth      an auth profile's client-credentials request (its lifetime is shown, never the token)

Options:
  --workspace DIR                 folder with the config files (default: the current folder)
  --format text|json              output format (default: text)
  --signing-key-file FILE         a self issuer's private signing key (PEM or JWK / key set)
  --issuer-client-secret-env NAME environment variable holding an oidc issuer's client secret
  --ca-file FILE                  extra trusted CA certificates (PEM), used only for allowed hosts
  --allow-host HOST               allow a custom authority, vault or issuer host (repeatable; host or host:port)
  --timeout-ms N                  per-request timeout in milliseconds (default: ${DEFAULT_TIMEOUT_MS})

Hosts other than the Microsoft Entra and Key Vault cloud hosts are refused unless allowed with --allow-host;
config files cannot allow them. Exit code: 0 when no step failed (warnings allowed), 1 otherwise, 2 on a usage error.`;

const STATUS_LABEL: Record<CheckStep['status'], string> = { ok: '[ ok ]', warning: '[warn]', failed: '[FAIL]', skipped: '[skip]' };

async function readOption(file: string, cwd: string, what: string): Promise<string> {
  try {
    return await fs.readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, TEST_USAGE);
  }
}

export async function runTest(argv: readonly string[], out: Output, cwd: string): Promise<CommandResult> {
  const args = parseArgs(
    argv,
    { workspace: 'string', format: 'string', 'signing-key-file': 'string', 'issuer-client-secret-env': 'string', 'ca-file': 'string', 'allow-host': 'list', 'timeout-ms': 'string' },
    TEST_USAGE,
  );
  const format = args.options['format'] ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}".`, TEST_USAGE);
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? 'Give one instance name or file.' : 'Which instance? Give its name or file.', TEST_USAGE);
  const targetArg = args.positionals[0] ?? '';
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (args.options['timeout-ms'] !== undefined) {
    timeoutMs = Number(args.options['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError('--timeout-ms must be a whole number of milliseconds between 1 and 600000.', TEST_USAGE);
  }
  let extraCaPem: string | undefined;
  if (args.options['ca-file'] !== undefined) {
    extraCaPem = await readOption(args.options['ca-file'], cwd, 'CA file');
    if (!extraCaPem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${args.options['ca-file']} holds no PEM certificate.`, TEST_USAGE);
  }
  const allowedHosts = args.lists['allow-host'] ?? [];
  const runtime = createCliRuntime({ allowedHosts, ...(extraCaPem ? { extraCaPem } : {}), requestTimeoutMs: timeoutMs, logger: stderrLogger((t) => out.stderr(t)) });
  if (args.options['signing-key-file'] !== undefined) await runtime.secrets.store(SIGNING_KEY_SECRET, await readOption(args.options['signing-key-file'], cwd, 'signing key file'));
  const secretEnv = args.options['issuer-client-secret-env'];
  if (secretEnv !== undefined) {
    const value = runtime.env[secretEnv];
    if (!value) throw new UsageError(`The environment variable ${secretEnv} (--issuer-client-secret-env) is not set.`, TEST_USAGE);
    await runtime.secrets.store(ISSUER_CLIENT_SECRET, value);
  }

  const workspace = path.resolve(cwd, args.options['workspace'] ?? '.');
  const targetPath = path.resolve(cwd, targetArg);
  const targetIsFile = await fs
    .stat(targetPath)
    .then((s) => s.isFile())
    .catch(() => false);
  const { files, missing } = await findConfigFiles([workspace]);
  if (missing.length) throw new UsageError(`No such folder: ${args.options['workspace'] ?? workspace}`, TEST_USAGE);
  const { index } = await loadWorkspace(targetIsFile && !files.includes(targetPath) ? [...files, targetPath] : files);
  const display = (file: string) => path.relative(cwd, file) || file;

  const { target, candidates } = findCheckTarget(index, targetIsFile ? targetPath : targetArg);
  if (!target) {
    if (candidates.length > 1) {
      throw new UsageError(`"${targetArg}" names several instances: ${candidates.map((c) => `${display(c.file)} (${KIND_LABELS[c.kind]})`).join(', ')}. Give the file instead.`, TEST_USAGE);
    }
    const names = index.documents().flatMap((d) => (d.name ? [d.name] : []));
    throw new UsageError(`No config instance is named "${targetArg}" under ${display(workspace)}.${names.length ? ` Known: ${[...new Set(names)].sort().join(', ')}.` : ' No config files were found there.'}`, TEST_USAGE);
  }

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  if (format === 'text') out.stdout(`Testing ${KIND_LABELS[target.kind]} "${target.name ?? ''}" (${display(target.file)})\n`);
  let result: CheckResult;
  try {
    result = await runCheck(index, target, runtime, {
      signal: controller.signal,
      ...(format === 'text' ? { onStep: (step: CheckStep) => out.stdout(formatStep(step, display)) } : {}),
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }

  if (format === 'json') {
    out.stdout(`${JSON.stringify(toJson(result, display), null, 2)}\n`);
  } else {
    const count = (status: CheckStep['status']) => result.steps.filter((s) => s.status === status).length;
    const verdict = result.cancelled ? 'CANCELLED' : result.ok ? 'PASSED' : 'FAILED';
    out.stdout(`\n${verdict}: ${count('ok')} ok, ${count('warning')} warning${count('warning') === 1 ? '' : 's'}, ${count('failed')} failed, ${count('skipped')} skipped (${(result.durationMs / 1000).toFixed(1)} s)\n`);
  }
  return { exitCode: result.ok && !result.cancelled ? 0 : 1 };
}

function formatStep(step: CheckStep, display: (file: string) => string): string {
  const lines = [`${STATUS_LABEL[step.status]} ${step.id}${step.scope ? ` (${step.scope})` : ''}: ${step.message}${step.status === 'skipped' ? '' : ` [${step.durationMs} ms]`}`];
  if (step.code) lines.push(`       code:  ${step.code}`);
  if (step.field) lines.push(`       field: ${step.field}${step.file ? ` in ${display(step.file)}` : ''}`);
  if (step.advice) lines.push(`       fix:   ${step.advice}`);
  return `${lines.join('\n')}\n`;
}

function toJson(result: CheckResult, display: (file: string) => string) {
  return {
    target: result.target.name,
    kind: result.target.kind,
    file: display(result.target.file),
    ok: result.ok,
    cancelled: result.cancelled,
    durationMs: result.durationMs,
    steps: result.steps.map((s) => ({
      id: s.id,
      ...(s.scope ? { scope: s.scope } : {}),
      status: s.status,
      durationMs: s.durationMs,
      message: s.message,
      ...(s.advice ? { advice: s.advice } : {}),
      ...(s.code ? { code: s.code } : {}),
      ...(s.field ? { field: s.field } : {}),
      ...(s.file ? { file: display(s.file) } : {}),
    })),
  };
}
