import * as vscode from 'vscode';
import type { ConfigWorkspace } from './configWorkspace';
import { toDiagnostic } from './convert';

const SCHEMA_CODES = new Set<string>(['FS101', 'FS102', 'FS103', 'FS104', 'FS105']);

/**
 * Publishes the diagnostics of every indexed file — open or not — to the Problems panel. Only files whose
 * diagnostics changed since the last publication are sent again, so an edit in one file of thousands costs
 * one update (plus the files whose cross-file checks it changed).
 */
export class DiagnosticsPublisher implements vscode.Disposable {
  static readonly COLLECTION_NAME = 'federated-secrets';
  private readonly collection = vscode.languages.createDiagnosticCollection(DiagnosticsPublisher.COLLECTION_NAME);
  private readonly published = new Map<string, { uri: vscode.Uri; signature: string }>();

  constructor(private readonly workspace: ConfigWorkspace) {}

  update(): void {
    const index = this.workspace.index;
    // VS Code's JSON support validates open documents against the same contributed schemas; publishing our
    // schema findings (FS101–FS105) for them too would list every schema problem twice. Closed files get ours.
    const open = new Set(vscode.workspace.textDocuments.filter((d) => !d.isClosed).map((d) => d.uri.toString()));
    const current = new Set(index.fileNames);
    for (const [file, entry] of this.published) {
      if (!current.has(file)) {
        this.collection.delete(entry.uri);
        this.published.delete(file);
      }
    }
    for (const file of current) {
      const uri = this.workspace.uriOf(file);
      const isOpen = open.has(uri.toString());
      const diagnostics = index.diagnosticsFor(file).filter((d) => !(isOpen && SCHEMA_CODES.has(d.code)));
      const signature = JSON.stringify(diagnostics);
      const previous = this.published.get(file);
      if (previous && previous.signature === signature && previous.uri.toString() === uri.toString()) continue;
      this.collection.set(
        uri,
        diagnostics.map((d) => toDiagnostic(d, (f) => this.workspace.uriOf(f))),
      );
      this.published.set(file, { uri, signature });
    }
  }

  dispose(): void {
    this.collection.dispose();
    this.published.clear();
  }
}
