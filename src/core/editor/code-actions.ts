import type { FormattingOptions } from 'jsonc-parser';
import { modify } from 'jsonc-parser';
import type { Diagnostic } from '../diagnostics';
import { DIAGNOSTIC_CODES } from '../diagnostics';
import { LineIndex } from '../model/text';
import type { WorkspaceIndex } from '../workspace/index';
import type { WorkspaceEdit } from './edits';
import { addEdit } from './edits';

export interface CodeAction {
  title: string;
  /** The diagnostic this action fixes. */
  diagnostic: Diagnostic;
  edit?: WorkspaceEdit;
  /** A command to run instead of (or after) the edit, for fixes that need the user's choice. */
  command?: { id: string; arguments: unknown[] };
  isPreferred?: boolean;
}

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

/** The edits that change `path` in a JSON text to `value`, as ranges. */
export function jsonEdit(text: string, path: (string | number)[], value: unknown): { range: ReturnType<LineIndex['rangeAt']>; newText: string }[] {
  const lines = new LineIndex(text);
  return modify(text, path, value, { formattingOptions: FORMAT }).map((e) => ({ range: lines.rangeAt(e.offset, e.length), newText: e.content }));
}

/** Adds `{ reference, secretName }` to a store's `secrets` (creating the list when missing). */
export function addMappingEdit(storeFile: string, storeText: string, reference: string, secretName: string): WorkspaceEdit {
  const edit: WorkspaceEdit = { edits: {} };
  for (const e of jsonEdit(storeText, ['secrets', -1], { reference, secretName })) addEdit(edit, storeFile, e.range, e.newText);
  return edit;
}

/** Replaces a consumer's secret-valued field with `{ "secretRef": "<store>/<reference>" }`. */
export function replaceWithReferenceEdit(file: string, text: string, fieldPath: string[], secretRef: string): WorkspaceEdit {
  const edit: WorkspaceEdit = { edits: {} };
  for (const e of jsonEdit(text, fieldPath, { secretRef })) addEdit(edit, file, e.range, e.newText);
  return edit;
}

/** A Key Vault secret name derived from a reference: Key Vault allows letters, digits and hyphens only. */
export function secretNameFor(reference: string): string {
  return reference.replace(/[^0-9A-Za-z-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 127) || 'secret';
}

/**
 * Quick fixes for the diagnostics of one file. `readText` gives the current text of another file (open
 * documents included), for fixes that edit it.
 */
export function codeActions(file: string, diagnostics: readonly Diagnostic[], index: WorkspaceIndex, readText: (file: string) => string | undefined): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.file !== file) continue;
    const data = diagnostic.data ?? {};
    const replaceWith = (title: string, json: string, preferred = true) => {
      const edit: WorkspaceEdit = { edits: {} };
      addEdit(edit, file, diagnostic.range, json);
      actions.push({ title, diagnostic, edit, isPreferred: preferred });
    };
    switch (diagnostic.code) {
      case DIAGNOSTIC_CODES.unknownFederation.id:
        if (data['suggestion']) replaceWith(`Change to "${data['suggestion']}"`, JSON.stringify(data['suggestion']));
        if (data['federation']) actions.push({ title: `Create Identity Federation "${data['federation']}"…`, diagnostic, command: { id: 'federatedSecrets.newFederation', arguments: [{ name: data['federation'], near: file }] } });
        break;
      case DIAGNOSTIC_CODES.unknownStore.id:
        if (data['suggestion'] && data['reference']) replaceWith(`Change to "${data['suggestion']}/${data['reference']}"`, JSON.stringify(`${data['suggestion']}/${data['reference']}`));
        if (data['store']) actions.push({ title: `Create External Secret Store "${data['store']}"…`, diagnostic, command: { id: 'federatedSecrets.newSecretStore', arguments: [{ name: data['store'], near: file }] } });
        break;
      case DIAGNOSTIC_CODES.unmappedReference.id: {
        const storeName = data['store'];
        const reference = data['reference'];
        if (data['suggestion'] && storeName) replaceWith(`Change to "${storeName}/${data['suggestion']}"`, JSON.stringify(`${storeName}/${data['suggestion']}`));
        const store = storeName ? index.find('secretstore', storeName) : undefined;
        const storeText = store ? readText(store.file) : undefined;
        if (store && storeText !== undefined && reference) {
          actions.push({
            title: `Add mapping "${reference}" → vault secret "${secretNameFor(reference)}" to store "${storeName}"`,
            diagnostic,
            edit: addMappingEdit(store.file, storeText, reference, secretNameFor(reference)),
            isPreferred: !data['suggestion'],
          });
        }
        break;
      }
      case DIAGNOSTIC_CODES.plaintextSecret.id:
        if (data['field']) {
          actions.push({ title: 'Replace with a secret reference…', diagnostic, command: { id: 'federatedSecrets.replaceWithReference', arguments: [{ file, field: data['field'].split('/') }] }, isPreferred: true });
        }
        break;
      case DIAGNOSTIC_CODES.issuerNotHttps.id:
        if (data['suggestion']) replaceWith(`Change to "${data['suggestion']}"`, JSON.stringify(data['suggestion']));
        break;
      case DIAGNOSTIC_CODES.issuerMismatch.id:
        if (data['published']) replaceWith(`Use the published issuer "${data['published']}"`, JSON.stringify(data['published']));
        break;
      default:
        break;
    }
  }
  return actions;
}
