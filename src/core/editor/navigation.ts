import type { Range } from '../diagnostics';
import type { WorkspaceIndex } from '../workspace/index';
import type { CursorInput, SymbolAtCursor } from './context';
import { symbolAt } from './context';
import type { Location, WorkspaceEdit } from './edits';
import { addEdit } from './edits';

/** Where the name under the cursor is defined: the federation, the store, or the store's mapping. */
export function definition(input: CursorInput, index: WorkspaceIndex): Location | undefined {
  const symbol = symbolAt(input);
  if (!symbol) return undefined;
  if (symbol.kind === 'federation') {
    const federation = index.find('federation', symbol.name);
    return federation?.nameRange ? { file: federation.file, range: federation.nameRange } : undefined;
  }
  if (symbol.kind === 'store') {
    const store = index.find('secretstore', symbol.name);
    return store?.nameRange ? { file: store.file, range: store.nameRange } : undefined;
  }
  const { store, mapping } = index.resolveReference(symbol.store, symbol.name);
  if (mapping && store) return { file: store.file, range: mapping.referenceRange };
  return store?.nameRange ? { file: store.file, range: store.nameRange } : undefined;
}

/** Every place naming the same federation, store or reference, definition included. */
export function references(input: CursorInput, index: WorkspaceIndex): Location[] {
  const symbol = symbolAt(input);
  return symbol ? occurrences(symbol, index).map((o) => ({ file: o.file, range: o.range })) : [];
}

interface Occurrence {
  file: string;
  /** Range of the whole JSON string holding the name. */
  range: Range;
  /** The new JSON string for the occurrence, given the new name. */
  rewrite: (newName: string) => string;
}

function occurrences(symbol: SymbolAtCursor, index: WorkspaceIndex): Occurrence[] {
  const out: Occurrence[] = [];
  const quoted = (s: string) => JSON.stringify(s);
  if (symbol.kind === 'federation') {
    for (const federation of index.ofKind('federation')) {
      if (federation.name === symbol.name && federation.nameRange) out.push({ file: federation.file, range: federation.nameRange, rewrite: quoted });
    }
    for (const store of index.storesUsing(symbol.name)) {
      if (store.federationRef) out.push({ file: store.file, range: store.federationRef.range, rewrite: quoted });
    }
    return out;
  }
  if (symbol.kind === 'store') {
    for (const store of index.ofKind('secretstore')) {
      if (store.name === symbol.name && store.nameRange) out.push({ file: store.file, range: store.nameRange, rewrite: quoted });
    }
    for (const use of index.usesOf(symbol.name)) {
      const ref = use.field.secretRef;
      if (ref?.reference !== undefined) {
        const reference = ref.reference;
        out.push({ file: use.consumer.file, range: ref.range, rewrite: (n) => quoted(`${n}/${reference}`) });
      }
    }
    return out;
  }
  const { store, mapping } = index.resolveReference(symbol.store, symbol.name);
  if (store && mapping) out.push({ file: store.file, range: mapping.referenceRange, rewrite: quoted });
  for (const use of index.usesOf(symbol.store, symbol.name)) {
    const ref = use.field.secretRef;
    if (ref) out.push({ file: use.consumer.file, range: ref.range, rewrite: (n) => quoted(`${symbol.store}/${n}`) });
  }
  return out;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Whether rename is possible here, and the range and text to edit. */
export function prepareRename(input: CursorInput, index: WorkspaceIndex): { range: Range; placeholder: string } | { error: string } {
  const symbol = symbolAt(input);
  if (!symbol) return { error: 'Rename works on a federation, store or reference name.' };
  if (occurrences(symbol, index).length === 0) return { error: `"${symbol.name}" is not defined in this workspace; nothing to rename.` };
  return { range: symbol.range, placeholder: symbol.name };
}

/** Renames a federation, store or reference in its definition and every use, across files. */
export function rename(input: CursorInput, newName: string, index: WorkspaceIndex): WorkspaceEdit | { error: string } {
  const symbol = symbolAt(input);
  if (!symbol) return { error: 'Rename works on a federation, store or reference name.' };
  if (!NAME.test(newName)) return { error: `"${newName}" is not a valid name: use letters, digits, '_', '.' and '-', starting with a letter or digit (no '/').` };
  if (newName === symbol.name) return { edits: {} };
  const clash =
    symbol.kind === 'federation'
      ? index.find('federation', newName)
      : symbol.kind === 'store'
        ? index.find('secretstore', newName)
        : index.resolveReference(symbol.store, newName).mapping
          ? index.find('secretstore', symbol.store)
          : undefined;
  if (clash) return { error: `A ${symbol.kind} named "${newName}" already exists${symbol.kind === 'reference' ? ` in "${symbol.store}"` : ''}.` };
  const edit: WorkspaceEdit = { edits: {} };
  for (const occurrence of occurrences(symbol, index)) addEdit(edit, occurrence.file, occurrence.range, occurrence.rewrite(newName));
  return edit;
}
