/** A command-line mistake: reported with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | undefined>;
  lists: Record<string, string[]>;
  flags: Set<string>;
}

/** Option kinds: 'string' takes one value, 'list' may repeat, 'flag' takes none. */
export type OptionSpec = Record<string, 'string' | 'list' | 'flag'>;

/** Parses `--name value`, `--name=value` and positionals; unknown options are usage errors. */
export function parseArgs(argv: readonly string[], spec: OptionSpec, usage: string): ParsedArgs {
  const result: ParsedArgs = { positionals: [], options: {}, lists: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      result.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      result.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`Unknown option --${name}.`, usage);
    if (kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value.`, usage);
      result.flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value.`, usage);
    if (kind === 'list') (result.lists[name] ??= []).push(value);
    else if (result.options[name] !== undefined) throw new UsageError(`--${name} is given twice.`, usage);
    else result.options[name] = value;
  }
  return result;
}
