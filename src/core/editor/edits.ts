import type { Range } from '../diagnostics';

export interface TextEdit {
  range: Range;
  newText: string;
}

/** Edits per file; files to create carry their whole content. */
export interface WorkspaceEdit {
  edits: Record<string, TextEdit[]>;
  create?: Record<string, string>;
}

export interface Location {
  file: string;
  range: Range;
}

export function addEdit(edit: WorkspaceEdit, file: string, range: Range, newText: string): void {
  (edit.edits[file] ??= []).push({ range, newText });
}

/** Applies edits to a text (edits must not overlap); used by tests and the CLI. */
export function applyEdits(text: string, edits: readonly TextEdit[], offsetAt: (p: Range['start']) => number): string {
  const sorted = [...edits].sort((a, b) => offsetAt(b.range.start) - offsetAt(a.range.start));
  let out = text;
  for (const edit of sorted) out = out.slice(0, offsetAt(edit.range.start)) + edit.newText + out.slice(offsetAt(edit.range.end));
  return out;
}
