import type { Node } from 'jsonc-parser';
import { findNodeAtOffset, getLocation, parseTree } from 'jsonc-parser';
import type { Range } from '../diagnostics';
import type { ConfigKind } from '../model/kinds';
import { isConsumerKind, kindOfFile } from '../model/kinds';
import { LineIndex } from '../model/text';

/** A name under the cursor that links files together. */
export type SymbolAtCursor =
  | { kind: 'federation'; name: string; range: Range; role: 'definition' | 'use' }
  | { kind: 'store'; name: string; range: Range; role: 'definition' | 'use' }
  | { kind: 'reference'; store: string; name: string; range: Range; role: 'definition' | 'use' };

/** Where the cursor is, in terms the editor features care about. */
export type CursorContext =
  | { kind: 'secretName'; replace: Range; typed: string; mappingIndex: number }
  | { kind: 'secretRef'; replace: Range; typed: string }
  | { kind: 'federationName'; replace: Range; typed: string }
  | { kind: 'other' };

export interface CursorInput {
  file: string;
  text: string;
  offset: number;
}

interface Located {
  kind: ConfigKind;
  lines: LineIndex;
  node: Node | undefined;
  path: (string | number)[];
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  let current: Node | undefined = node;
  while (current?.parent) {
    const parent: Node = current.parent;
    if (parent.type === 'property') {
      const key = parent.children?.[0];
      if (key && key !== current && typeof key.value === 'string') path.unshift(key.value);
    } else if (parent.type === 'array') {
      path.unshift(parent.children?.indexOf(current) ?? 0);
    }
    current = parent;
  }
  return path;
}

function locate(input: CursorInput): Located | undefined {
  const kind = kindOfFile(input.file);
  if (!kind) return undefined;
  const root = parseTree(input.text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return undefined;
  const lines = new LineIndex(input.text);
  const found = findNodeAtOffset(root, input.offset, true);
  const node = found?.type === 'string' ? found : undefined;
  return { kind, lines, node, path: node ? pathOf(node) : [] };
}

function isValueOf(node: Node | undefined): boolean {
  const parent = node?.parent;
  return !!node && parent?.type === 'property' && parent.children?.[1] === node;
}

/** Finds the completion context at the cursor: which list of names fits there. */
export function cursorContext(input: CursorInput): CursorContext {
  const kind = kindOfFile(input.file);
  if (!kind) return { kind: 'other' };
  const location = getLocation(input.text, input.offset);
  if (location.isAtPropertyKey) return { kind: 'other' };
  const lines = new LineIndex(input.text);
  const previous = location.previousNode;
  let replace: Range;
  let typed: string;
  if (previous?.type === 'string') {
    replace = lines.rangeAt(previous.offset, previous.length);
    typed = String(previous.value).slice(0, Math.max(0, input.offset - previous.offset - 1));
  } else if (!previous) {
    // `"secretName": |` — nothing typed yet: insert at the cursor.
    replace = lines.rangeAt(input.offset, 0);
    typed = '';
  } else return { kind: 'other' };
  const path = location.path;
  const last = path[path.length - 1];
  if (kind === 'secretstore' && path.length === 3 && path[0] === 'secrets' && typeof path[1] === 'number' && last === 'secretName') {
    return { kind: 'secretName', replace, typed, mappingIndex: path[1] };
  }
  if (kind === 'secretstore' && path.length === 2 && path[0] === 'authentication' && last === 'federation') return { kind: 'federationName', replace, typed };
  if (isConsumerKind(kind) && last === 'secretRef') return { kind: 'secretRef', replace, typed };
  return { kind: 'other' };
}

/** Finds the federation, store or reference name under the cursor, for navigation and rename. */
export function symbolAt(input: CursorInput): SymbolAtCursor | undefined {
  const located = locate(input);
  if (!located?.node || located.node.type !== 'string' || !isValueOf(located.node)) return undefined;
  const { kind, lines, node, path } = located;
  const value = String(node.value);
  const whole = lines.rangeAt(node.offset, node.length);
  const last = path[path.length - 1];
  if (path.length === 1 && last === 'name') {
    if (kind === 'federation') return { kind: 'federation', name: value, range: whole, role: 'definition' };
    if (kind === 'secretstore') return { kind: 'store', name: value, range: whole, role: 'definition' };
    return undefined;
  }
  if (kind === 'secretstore' && path.length === 2 && path[0] === 'authentication' && last === 'federation') return { kind: 'federation', name: value, range: whole, role: 'use' };
  if (kind === 'secretstore' && path.length === 3 && path[0] === 'secrets' && last === 'reference') {
    const storeName = findStoreName(input.text);
    return storeName ? { kind: 'reference', store: storeName, name: value, range: whole, role: 'definition' } : undefined;
  }
  if (isConsumerKind(kind) && last === 'secretRef') {
    const slash = value.indexOf('/');
    if (slash <= 0 || slash === value.length - 1 || value.indexOf('/', slash + 1) >= 0) return undefined;
    const store = value.slice(0, slash);
    const reference = value.slice(slash + 1);
    // Offsets inside the quotes; raw text equals the value unless it uses escapes, which names cannot need.
    const contentStart = node.offset + 1;
    if (input.offset <= contentStart + slash) return { kind: 'store', name: store, range: lines.rangeAt(contentStart, slash), role: 'use' };
    return { kind: 'reference', store, name: reference, range: lines.rangeAt(contentStart + slash + 1, reference.length), role: 'use' };
  }
  return undefined;
}

function findStoreName(text: string): string | undefined {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const name = root?.children?.find((p) => p.children?.[0]?.value === 'name')?.children?.[1];
  return name?.type === 'string' ? String(name.value) : undefined;
}
