import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../core/diagnostics';
import { makeDiagnostic } from '../core/diagnostics';
import { kindOfFile } from '../core/model/kinds';
import { parseConfigBytes } from '../core/model/parse';
import { START_RANGE } from '../core/model/text';
import { WorkspaceIndex } from '../core/workspace/index';

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/** Finds config files under the given files or folders (recursively, skipping node_modules and .git). */
export async function findConfigFiles(inputs: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && kindOfFile(entry.name)) files.push(full);
    }
  };
  for (const input of inputs) {
    const stat = await fs.stat(input).catch(() => undefined);
    if (!stat) missing.push(input);
    else if (stat.isDirectory()) await walk(input);
    else files.push(input);
  }
  return { files: [...new Set(files)], missing };
}

/** Reads and indexes files; a file that cannot be read gets a located diagnostic instead of an exception. */
export async function loadWorkspace(files: readonly string[]): Promise<{ index: WorkspaceIndex; readErrors: Diagnostic[] }> {
  const index = new WorkspaceIndex();
  const readErrors: Diagnostic[] = [];
  for (const file of files) {
    if (!kindOfFile(file)) {
      readErrors.push(makeDiagnostic('unreadable', file, START_RANGE, 'Not a config file: the name must end in .federation.json, .secretstore.json, .authprofile.json, .clientregistration.json, .keystore.json, .repository.json or .connection.json.'));
      continue;
    }
    try {
      index.set(parseConfigBytes(file, await fs.readFile(file)));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      readErrors.push(makeDiagnostic('unreadable', file, START_RANGE, `The file cannot be read (${reason}). Check that it exists and is readable.`));
    }
  }
  return { index, readErrors };
}
