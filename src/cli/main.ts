import type { CommandResult, Output } from './io';
import { UsageError } from './args';
import { runValidate, VALIDATE_USAGE } from './validate';
import { runTest, TEST_USAGE } from './test';
import { ISSUER_USAGE, runIssuer } from './issuer';

type Command = (argv: readonly string[], out: Output, cwd: string) => Promise<CommandResult>;

/** Subcommands; each owns its usage text and exit codes. */
export const COMMANDS: Record<string, { run: Command; usage: string; summary: string }> = {
  validate: { run: runValidate, usage: VALIDATE_USAGE, summary: 'Validate config files (schemas and cross-file checks).' },
  test: { run: runTest, usage: TEST_USAGE, summary: 'Test a federation, store or auth profile end to end, step by step.' },
  issuer: { run: runIssuer, usage: ISSUER_USAGE, summary: 'Generate a self issuer signing key; export its discovery document and JWKS.' },
};

function overview(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: federated-secrets <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun "federated-secrets <command> --help" for a command's options.`;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[], out: Output, cwd: string): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(`${overview()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    out.stderr(`Unknown command "${name}".\n\n${overview()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return (await command.run(rest, out, cwd)).exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      out.stderr(`${error.message}\n\n${error.usage}\n`);
      return 2;
    }
    out.stderr(`federated-secrets: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

// Run only as the bundled entry point, not when a test imports this module.
if (require.main === module) {
  main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }, process.cwd()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`federated-secrets: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
