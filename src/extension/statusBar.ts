import * as vscode from 'vscode';
import { workspaceStatus } from '../core/connection/status';
import type { ConfigWorkspace } from './configWorkspace';
import type { EditorServices } from './services';

export const STATUS_ITEM_ID = 'federatedSecrets.status';
/** Focuses the Federated Secrets view container. */
export const FOCUS_VIEW_COMMAND = 'workbench.view.extension.federatedSecrets';
/** The item appears this long after activation, so it costs nothing at start-up. */
export const STATUS_DELAY_MS = 1500;
const UPDATE_DEBOUNCE_MS = 250;

/** `$(shield) 3 stores: 2 ok, 1 failing` on the left of the status bar; a click opens the Federated Secrets view. */
export class ConnectionStatusBar implements vscode.Disposable {
  private item: vscode.StatusBarItem | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private updateTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly services: EditorServices,
  ) {}

  start(delayMs = STATUS_DELAY_MS): void {
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      this.item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Left, 10);
      this.item.name = 'Federated Secrets';
      this.item.command = { command: FOCUS_VIEW_COMMAND, title: 'Open the Federated Secrets view' };
      this.disposables.push(
        this.item,
        this.workspace.onDidChange(() => this.schedule()),
        this.services.onDidRecordCheck(() => this.schedule()),
      );
      // The tooltip's "2 min ago" stays roughly right.
      this.refreshTimer = setInterval(() => this.update(), 60_000);
      this.update();
    }, delayMs);
  }

  private schedule(): void {
    if (this.updateTimer) return;
    this.updateTimer = setTimeout(() => {
      this.updateTimer = undefined;
      this.update();
    }, UPDATE_DEBOUNCE_MS);
  }

  /** The item's current text, for tests (undefined before it appears or while hidden). */
  get text(): string | undefined {
    return this.item && this.visible ? this.item.text : undefined;
  }

  private visible = false;

  update(): void {
    const item = this.item;
    if (!item) return;
    const status = workspaceStatus(this.workspace.index, (kind, name) => this.services.lastCheck(kind, name), Date.now());
    if (!status) {
      item.hide();
      this.visible = false;
      return;
    }
    item.text = status.text;
    item.tooltip = status.tooltip;
    item.accessibilityInformation = { label: `Federated Secrets: ${status.text.replace(/\$\([^)]*\)\s*/g, '')}` };
    item.show();
    this.visible = true;
  }

  dispose(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    if (this.updateTimer) clearTimeout(this.updateTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
