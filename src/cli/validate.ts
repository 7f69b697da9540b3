import * as path from 'node:path';
import type { Diagnostic } from '../core/diagnostics';
import { compareDiagnostics } from '../core/diagnostics';
import type { CommandResult, Output } from './io';
import { findConfigFiles, loadWorkspace } from './files';
import { parseArgs, UsageError } from './args';

export const VALIDATE_USAGE = `Usage: federated-secrets validate [paths...] [--format text|json]

Validates config files, or every config file under the given folders (default: the current folder).
Exit code: 0 when there is no error (warnings allowed), 1 when any error is found, 2 on a usage error.`;

/** `federated-secrets validate`: the same checks as the editor, headless. */
export async function runValidate(argv: readonly string[], out: Output, cwd: string): Promise<CommandResult> {
  const args = parseArgs(argv, { format: 'string' }, VALIDATE_USAGE);
  const format = args.options['format'] ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}".`, VALIDATE_USAGE);
  const inputs = args.positionals.length ? args.positionals.map((p) => path.resolve(cwd, p)) : [cwd];
  const { files, missing } = await findConfigFiles(inputs);
  if (missing.length) throw new UsageError(`No such file or folder: ${missing.map((m) => path.relative(cwd, m) || m).join(', ')}`, VALIDATE_USAGE);
  const { index, readErrors } = await loadWorkspace(files);
  const diagnostics = [...readErrors, ...index.allDiagnostics()].sort(compareDiagnostics);
  const display = (file: string) => path.relative(cwd, file) || file;

  if (format === 'json') {
    out.stdout(`${JSON.stringify(diagnostics.map((d) => toJson(d, display)), null, 2)}\n`);
  } else {
    for (const d of diagnostics) {
      out.stdout(`${display(d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}\n`);
    }
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
    out.stderr(`${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.\n`);
  }
  return { exitCode: diagnostics.some((d) => d.severity === 'error') ? 1 : 0 };
}

function toJson(d: Diagnostic, display: (file: string) => string) {
  return { file: display(d.file), line: d.range.start.line + 1, column: d.range.start.character + 1, severity: d.severity, code: d.code, message: d.message };
}
