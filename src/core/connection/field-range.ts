/**
 * Where a field a check step names (`issuer.subject`, `secrets[2].secretName`, `azure`) is in a config file's
 * text, so the editor can open the file with the field selected.
 */
import type { Node } from 'jsonc-parser';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Range } from '../diagnostics';
import { LineIndex } from '../model/text';

/** `secrets[2].secretName` → `['secrets', 2, 'secretName']`; undefined for text that is not a field path. */
export function fieldPath(field: string): (string | number)[] | undefined {
  const trimmed = field.trim();
  if (!trimmed) return undefined;
  const path: (string | number)[] = [];
  for (const part of trimmed.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) return undefined;
    const name = match[1] ?? '';
    const indexes = [...(match[2] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    if (name) path.push(name);
    else if (!indexes.length) return undefined;
    path.push(...indexes);
  }
  return path;
}

export interface FieldLocation {
  range: Range;
  /** True when the whole path exists; false when the range is that of the closest existing parent. */
  exact: boolean;
}

/**
 * The range of the field's value in the text, or — when the field is missing — of the closest parent that
 * exists (a missing `issuer.audience` leads to `issuer`). Undefined when not even the first segment exists.
 */
export function fieldRange(text: string, field: string): FieldLocation | undefined {
  const path = fieldPath(field);
  if (!path) return undefined;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return undefined;
  let found: Node | undefined;
  let length = 0;
  for (let n = path.length; n > 0; n--) {
    found = findNodeAtLocation(root, path.slice(0, n));
    if (found) {
      length = n;
      break;
    }
  }
  if (!found) return undefined;
  const lines = new LineIndex(text);
  return { range: lines.rangeAt(found.offset, found.length), exact: length === path.length };
}
