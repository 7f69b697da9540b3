// Shared helpers of the in-host suite. Everything here runs inside the VS Code extension host.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'federated-secrets.federated-secrets';
export const DIAGNOSTIC_SOURCE = 'federated-secrets';
export const VIEW_CONTAINER_ID = 'federatedSecrets';
export const TREE_VIEW_ID = 'federatedSecrets.explorer';

/** The commands the product promises (issue contract); package.json may declare more. */
export const CONTRACT_COMMANDS = [
  'federatedSecrets.refresh',
  'federatedSecrets.newFederation',
  'federatedSecrets.newSecretStore',
  'federatedSecrets.newAuthProfile',
  'federatedSecrets.revealInTree',
] as const;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string | (() => string),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${why}`);
    }
    await sleep(200);
  }
}

/** Settles `promise` or fails after `timeoutMs` — for commands that must not hang. */
export async function withTimeout<T>(what: string, promise: Thenable<T>, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(promise), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open (the harness opens a copy of samples/)');
  return folder.uri;
}

export async function writeWorkspaceFile(relativePath: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), relativePath);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

export async function readWorkspaceJson(relativePath: string): Promise<Record<string, unknown>> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), relativePath));
  // Samples may hold comments (JSONC); drop whole-line comments before parsing.
  const text = new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
  return JSON.parse(text) as Record<string, unknown>;
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = d.code;
  if (code === undefined) return undefined;
  if (typeof code === 'object') return String(code.value);
  return String(code);
}

export function ourDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

/** Waits until the extension reports a diagnostic with `code` on `uri`, and returns it. */
export function waitForDiagnostic(uri: vscode.Uri, code: string, timeoutMs = 20_000): Promise<vscode.Diagnostic> {
  return waitFor(
    () => `a ${DIAGNOSTIC_SOURCE} diagnostic ${code} on ${vscode.workspace.asRelativePath(uri)} (it has: ${summarize(uri)})`,
    () => ourDiagnostics(uri).find((d) => codeOf(d) === code),
    timeoutMs,
  );
}

function summarize(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  return all.length ? all.map((d) => `${d.source ?? '?'}:${codeOf(d) ?? '-'}`).join(', ') : 'none';
}

export async function openInEditor(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** A secret store whose federation does not exist: the extension must flag it (FS202) offline. */
export async function writeStoreWithUnknownFederation(relativePath: string, storeName: string): Promise<vscode.Uri> {
  const store = await readWorkspaceJson('flights.secretstore.json');
  store.name = storeName;
  store.authentication = { type: 'identityFederation', federation: 'NoSuchFederation' };
  store.secrets = [{ reference: 'OnlyReference', secretName: 'only-secret' }];
  return writeWorkspaceFile(relativePath, JSON.stringify(store, null, 2) + '\n');
}
