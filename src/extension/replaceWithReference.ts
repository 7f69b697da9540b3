import * as vscode from 'vscode';
import { addMappingEdit, replaceWithReferenceEdit, secretNameFor } from '../core/editor/code-actions';
import type { WorkspaceEdit } from '../core/editor/edits';
import { DIAGNOSTIC_CODES } from '../core/diagnostics';
import { isConsumerKind, kindOfFile } from '../core/model/kinds';
import type { ConfigWorkspace } from './configWorkspace';
import { fromPosition } from './convert';
import { toWorkspaceEdit } from './edits';

export const REPLACE_WITH_REFERENCE_COMMAND = 'federatedSecrets.replaceWithReference';

/** What the command takes: the consumer file and the field (JSON path); optionally the choice, for scripts and tests. */
export interface ReplaceWithReferenceArgs {
  file?: string;
  field?: string[];
  /** Use this existing `store/reference`. */
  secretRef?: string;
  /** Or create this mapping. */
  mapping?: { store: string; reference: string; secretName?: string };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const KEY_VAULT_NAME = /^[0-9A-Za-z-]{1,127}$/;

function parseArgs(arg: unknown): ReplaceWithReferenceArgs {
  if (typeof arg !== 'object' || arg === null) return {};
  const raw = arg as Record<string, unknown>;
  const out: ReplaceWithReferenceArgs = {};
  if (typeof raw.file === 'string') out.file = raw.file;
  if (Array.isArray(raw.field) && raw.field.every((p) => typeof p === 'string')) out.field = raw.field;
  if (typeof raw.secretRef === 'string') out.secretRef = raw.secretRef;
  const mapping = raw.mapping as Record<string, unknown> | undefined;
  if (mapping && typeof mapping.store === 'string' && typeof mapping.reference === 'string') {
    out.mapping = { store: mapping.store, reference: mapping.reference, ...(typeof mapping.secretName === 'string' ? { secretName: mapping.secretName } : {}) };
  }
  return out;
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

interface MappingPick extends vscode.QuickPickItem {
  secretRef?: string;
  create?: boolean;
}

/**
 * Replaces a plaintext secret in a consumer with `{ "secretRef": "<store>/<reference>" }`: pick an existing
 * mapping, or create one (pick the store, name the reference, confirm the vault secret name) — the new mapping
 * and the replacement are applied as one edit.
 */
export class ReplaceWithReference {
  constructor(private readonly workspace: ConfigWorkspace) {}

  async run(arg: unknown): Promise<boolean> {
    const args = parseArgs(arg);
    const target = args.file && args.field ? { file: args.file, field: args.field } : this.fromActiveEditor();
    if (!target) {
      void vscode.window.showInformationMessage('Put the cursor on a plaintext secret (a Federated Secrets FS207 warning) in a consumer file, then run "Replace Secret with a Reference" again.');
      return false;
    }
    const uri = this.workspace.uriOf(target.file);
    const document = await vscode.workspace.openTextDocument(uri);
    const index = this.workspace.index;
    const consumer = index.get(target.file);
    const fieldLabel = target.field.join('.');

    let secretRef = args.secretRef;
    let mapping = args.mapping;
    if (!secretRef && !mapping) {
      const stores = index.ofKind('secretstore').filter((s) => s.name);
      const existing: MappingPick[] = stores.flatMap((store) =>
        (store.mappings ?? []).map((m) => ({ label: `${store.name ?? ''}/${m.reference}`, description: `→ ${m.secretName}`, secretRef: `${store.name ?? ''}/${m.reference}` })),
      );
      existing.sort((a, b) => a.label.localeCompare(b.label));
      const picked = await vscode.window.showQuickPick<MappingPick>(
        [
          { label: '$(add) Create a new mapping…', description: 'add a reference to a secret store', alwaysShow: true, create: true },
          ...(existing.length ? [{ label: 'Existing mappings', kind: vscode.QuickPickItemKind.Separator }, ...existing] : []),
        ],
        { title: `Replace ${fieldLabel} with a secret reference`, placeHolder: 'Pick the mapping whose vault secret holds this value, or create one', matchOnDescription: true, ignoreFocusOut: true },
      );
      if (!picked) return false;
      if (picked.secretRef) secretRef = picked.secretRef;
      else {
        const defaultReference = `${pascal(consumer?.name ?? '')}${pascal(target.field[target.field.length - 1] ?? 'Secret')}` || 'Secret';
        mapping = await this.askForMapping(defaultReference);
        if (!mapping) return false;
      }
    }

    let edit: WorkspaceEdit;
    let created: { store: string; reference: string; secretName: string } | undefined;
    if (mapping) {
      const store = index.find('secretstore', mapping.store);
      if (!store) throw new Error(`No secret store is named "${mapping.store}".`);
      if (!NAME.test(mapping.reference)) throw new Error(`"${mapping.reference}" is not a valid reference name: use letters, digits, "_", "." and "-", starting with a letter or digit.`);
      if (store.mappings?.some((m) => m.reference === mapping.reference)) throw new Error(`The store "${mapping.store}" already maps "${mapping.reference}"; pick it from the existing mappings instead.`);
      const secretName = mapping.secretName ?? secretNameFor(mapping.reference);
      const storeText = (await vscode.workspace.openTextDocument(this.workspace.uriOf(store.file))).getText();
      edit = addMappingEdit(store.file, storeText, mapping.reference, secretName);
      const replace = replaceWithReferenceEdit(target.file, document.getText(), target.field, `${mapping.store}/${mapping.reference}`);
      for (const [file, edits] of Object.entries(replace.edits)) (edit.edits[file] ??= []).push(...edits);
      secretRef = `${mapping.store}/${mapping.reference}`;
      created = { store: mapping.store, reference: mapping.reference, secretName };
    } else {
      edit = replaceWithReferenceEdit(target.file, document.getText(), target.field, secretRef ?? '');
    }
    const applied = await vscode.workspace.applyEdit(toWorkspaceEdit(edit, (file) => this.workspace.uriOf(file)));
    if (!applied) throw new Error(`The edit could not be applied to ${vscode.workspace.asRelativePath(uri)}.`);
    await Promise.all(Object.keys(edit.edits).map((file) => this.workspace.refreshFile(this.workspace.uriOf(file))));
    const where = created
      ? `Added the mapping "${created.reference}" → vault secret "${created.secretName}" to "${created.store}". Put the value into that vault secret:`
      : `Put the value into the vault secret behind "${secretRef ?? ''}" if it is not there yet:`;
    void vscode.window.showInformationMessage(`Replaced ${fieldLabel} with the reference "${secretRef ?? ''}". ${where} it is no longer in the file (your version history may still hold it — rotate it if it was ever committed).`);
    return true;
  }

  private async askForMapping(defaultReference: string): Promise<{ store: string; reference: string; secretName: string } | undefined> {
    const index = this.workspace.index;
    const storeNames = [...new Set(index.ofKind('secretstore').flatMap((s) => (s.name ? [s.name] : [])))].sort();
    if (!storeNames.length) {
      const action = await vscode.window.showWarningMessage('There is no secret store in this workspace yet: create one, then replace the secret.', 'New Secret Store…');
      if (action) await vscode.commands.executeCommand('federatedSecrets.newSecretStore');
      return undefined;
    }
    const store = storeNames.length === 1 ? storeNames[0] : await vscode.window.showQuickPick(storeNames, { title: 'New mapping: secret store', placeHolder: 'The store whose vault holds the secret', ignoreFocusOut: true });
    if (!store) return undefined;
    const taken = new Set((index.find('secretstore', store)?.mappings ?? []).map((m) => m.reference));
    const base = NAME.test(defaultReference) ? defaultReference : 'Secret';
    let suggestion = base;
    for (let n = 2; taken.has(suggestion); n++) suggestion = `${base}${n}`;
    const reference = (
      await vscode.window.showInputBox({
        title: `New mapping in "${store}": reference`,
        prompt: 'The name consumers use in "secretRef": "<store>/<reference>" (letters, digits, "_", "." and "-").',
        value: suggestion,
        ignoreFocusOut: true,
        validateInput: (value) => {
          const name = value.trim();
          if (!NAME.test(name)) return 'Use letters, digits, "_", "." and "-", starting with a letter or digit (at most 64).';
          return taken.has(name) ? `"${store}" already maps "${name}".` : undefined;
        },
      })
    )?.trim();
    if (!reference) return undefined;
    const keyVault = index.find('secretstore', store)?.config?.provider === 'azureKeyVault';
    const secretName = (
      await vscode.window.showInputBox({
        title: `New mapping in "${store}": vault secret name`,
        prompt: 'The name of the secret in the vault that holds the value.',
        value: secretNameFor(reference),
        ignoreFocusOut: true,
        validateInput: (value) => {
          const name = value.trim();
          if (!name) return 'Enter the vault secret name.';
          return keyVault && !KEY_VAULT_NAME.test(name) ? 'Key Vault secret names use letters, digits and "-" only (at most 127).' : undefined;
        },
      })
    )?.trim();
    if (!secretName) return undefined;
    return { store, reference, secretName };
  }

  /** The plaintext-secret finding under the cursor of the active consumer file. */
  private fromActiveEditor(): { file: string; field: string[] } | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const kind = kindOfFile(editor.document.uri.path);
    if (!kind || !isConsumerKind(kind)) return undefined;
    const file = this.workspace.keyOf(editor.document.uri);
    const cursor = fromPosition(editor.selection.active);
    const findings = this.workspace.index.diagnosticsFor(file).filter((d) => d.code === DIAGNOSTIC_CODES.plaintextSecret.id && typeof d.data?.['field'] === 'string');
    const at = findings.find((d) => d.range.start.line <= cursor.line && cursor.line <= d.range.end.line) ?? (findings.length === 1 ? findings[0] : undefined);
    const field = at?.data?.['field'];
    return field ? { file, field: field.split('/') } : undefined;
  }
}
