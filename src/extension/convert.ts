import * as vscode from 'vscode';
import type { Diagnostic, Position, Range, Severity } from '../core/diagnostics';
import type { TreeIconColor } from '../core/workspace/tree';

/**
 * The index identifies files by a string: the file system path for local files (so messages that name a file
 * read naturally), the full URI for any other scheme.
 */
export function fileKeyOf(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

/** The inverse of fileKeyOf, for keys the caller has no URI for. */
export function uriOfKey(key: string): vscode.Uri {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(key) ? vscode.Uri.parse(key, true) : vscode.Uri.file(key);
}

/** True when `uri` is `folder` or inside it. */
export function isEqualOrUnder(uri: vscode.Uri, folder: vscode.Uri): boolean {
  if (uri.scheme !== folder.scheme || uri.authority !== folder.authority) return false;
  const base = folder.path.endsWith('/') ? folder.path : `${folder.path}/`;
  return uri.path === folder.path || uri.path.startsWith(base);
}

export function toPosition(p: Position): vscode.Position {
  return new vscode.Position(p.line, p.character);
}

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(toPosition(r.start), toPosition(r.end));
}

export function fromPosition(p: vscode.Position): Position {
  return { line: p.line, character: p.character };
}

const SEVERITIES: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export const DIAGNOSTIC_SOURCE = 'federated-secrets';

export function toDiagnostic(d: Diagnostic, uriOf: (file: string) => vscode.Uri): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITIES[d.severity]);
  out.code = d.code;
  out.source = DIAGNOSTIC_SOURCE;
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uriOf(r.file), toRange(r.range)), r.message));
  }
  return out;
}

const ICON_COLORS: Record<TreeIconColor, string> = {
  error: 'problemsErrorIcon.foreground',
  warning: 'problemsWarningIcon.foreground',
  success: 'testing.iconPassed',
};

export function toThemeIcon(icon: { id: string; color?: TreeIconColor }): vscode.ThemeIcon {
  return icon.color ? new vscode.ThemeIcon(icon.id, new vscode.ThemeColor(ICON_COLORS[icon.color])) : new vscode.ThemeIcon(icon.id);
}

/** A message for the log or the user from anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A command handler; arguments come from menus, CodeLenses, other commands or tests. */
export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Registers commands so a failure is logged and shown as one clear message instead of an unhandled rejection.
 * Core errors name fields, hosts and names — never key material or secret values — so they may be shown.
 */
export function registerGuardedCommands(handlers: Record<string, CommandHandler>, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        log.error(`${id}: ${describeError(error)}`);
        void vscode.window.showErrorMessage(`Federated Secrets: ${describeError(error)}`);
        return undefined;
      }
    }),
  );
}

/** Whether a file or folder exists. */
export async function uriExists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** What both trees (configuration and test results) show for a node. */
export interface TreeNodeLike {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: { id: string; color?: TreeIconColor };
  contextValue: string;
  children: readonly unknown[];
  expanded: boolean;
}

export function toTreeItem(node: TreeNodeLike): vscode.TreeItem {
  const state = node.children.length === 0 ? vscode.TreeItemCollapsibleState.None : node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(node.label, state);
  item.id = node.id;
  item.contextValue = node.contextValue;
  if (node.description !== undefined) item.description = node.description;
  if (node.tooltip !== undefined) item.tooltip = node.tooltip;
  if (node.icon) item.iconPath = toThemeIcon(node.icon);
  return item;
}
