import * as vscode from 'vscode';
import { connectionLenses } from '../core/connection/lens';
import type { TestableKind } from '../core/connection/report';
import type { ConfigWorkspace } from './configWorkspace';
import { toRange } from './convert';
import type { EditorServices } from './services';

/** The config files that get lenses: the kinds with a connection test. */
export const LENS_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.federation.json' }, { pattern: '**/*.secretstore.json' }, { pattern: '**/*.authprofile.json' }];

/** Lenses with a relative time ("2 min ago") are refreshed this often. */
const REFRESH_MS = 60_000;

/** "▶ Test Connection" above each federation, store and auth profile, and the outcome of its last test. */
export class ConnectionLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly services: EditorServices,
    private readonly commands: { test: string; showReport: string },
  ) {
    this.disposables.push(
      workspace.onDidChange(() => this.changeEmitter.fire()),
      services.onDidRecordCheck(() => this.changeEmitter.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changeEmitter.fire()),
    );
    this.timer = setInterval(() => this.changeEmitter.fire(), REFRESH_MS);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const doc = this.workspace.index.get(this.workspace.keyOf(document.uri));
    if (!doc) return [];
    const lookup = (kind: TestableKind, name: string) => this.services.lastCheck(kind, name);
    return connectionLenses(doc, lookup, Date.now(), vscode.workspace.isTrusted).map(
      (lens) =>
        new vscode.CodeLens(toRange(lens.range), {
          title: lens.title,
          tooltip: lens.tooltip,
          command: lens.action === 'test' ? this.commands.test : this.commands.showReport,
          arguments: lens.action === 'test' ? [document.uri] : [doc.file],
        }),
    );
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
