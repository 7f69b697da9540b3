import * as vscode from 'vscode';
import type { Location, WorkspaceEdit } from '../core/editor/edits';
import { toRange } from './convert';

/** A core workspace edit (edits per file, files to create) as a VS Code WorkspaceEdit. */
export function toWorkspaceEdit(edit: WorkspaceEdit, uriOf: (file: string) => vscode.Uri): vscode.WorkspaceEdit {
  const out = new vscode.WorkspaceEdit();
  for (const [file, contents] of Object.entries(edit.create ?? {})) {
    out.createFile(uriOf(file), { ignoreIfExists: true, contents: new TextEncoder().encode(contents) });
  }
  for (const [file, edits] of Object.entries(edit.edits)) {
    out.set(
      uriOf(file),
      edits.map((e) => vscode.TextEdit.replace(toRange(e.range), e.newText)),
    );
  }
  return out;
}

export function toLocation(location: Location, uriOf: (file: string) => vscode.Uri): vscode.Location {
  return new vscode.Location(uriOf(location.file), toRange(location.range));
}
