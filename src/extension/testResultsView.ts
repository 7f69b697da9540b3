import * as vscode from 'vscode';
import type { CheckResult } from '../core/check/steps';
import type { ReportNode } from '../core/connection/report';
import { reportTree } from '../core/connection/report';
import type { ConfigWorkspace } from './configWorkspace';
import { toTreeItem } from './convert';

export const TEST_RESULTS_VIEW_ID = 'federatedSecrets.testResults';
/** Internal: opens a step's file at its field (the click on a step or its "Field" line). */
export const OPEN_STEP_COMMAND = 'federatedSecrets.openTestStep';
/** Context key: the Test Results view has something to show (its welcome shows otherwise). */
export const HAS_RESULTS_CONTEXT_KEY = 'federatedSecrets.hasTestResults';

export interface ShownResult {
  result: CheckResult;
  at: number;
}

/** The last run's report (one test, or every result of Test All) as a tree of steps with their advice. */
export class TestResultsProvider implements vscode.TreeDataProvider<ReportNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ReportNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private shown: ShownResult[] = [];
  private nodes: ReportNode[] = [];
  private parents = new Map<string, ReportNode | undefined>();
  private byId = new Map<string, ReportNode>();

  constructor(private readonly workspace: ConfigWorkspace) {}

  get results(): readonly ShownResult[] {
    return this.shown;
  }

  get roots(): readonly ReportNode[] {
    return this.nodes;
  }

  /** Replaces what the view shows. */
  show(results: ShownResult[]): void {
    this.shown = results;
    this.rebuild();
    void vscode.commands.executeCommand('setContext', HAS_RESULTS_CONTEXT_KEY, results.length > 0);
  }

  clear(): void {
    this.show([]);
  }

  /** The root node of a target's result in the view, if shown. */
  rootFor(file: string): ReportNode | undefined {
    return this.nodes.find((n) => n.location?.file === file);
  }

  private rebuild(): void {
    const display = (file: string) => vscode.workspace.asRelativePath(this.workspace.uriOf(file), true);
    this.nodes = reportTree(this.shown, display, (at) => new Date(at).toLocaleTimeString());
    this.parents = new Map();
    this.byId = new Map();
    const walk = (node: ReportNode, parent: ReportNode | undefined) => {
      this.parents.set(node.id, parent);
      this.byId.set(node.id, node);
      for (const child of node.children) walk(child, node);
    };
    for (const root of this.nodes) walk(root, undefined);
    this.changeEmitter.fire(undefined);
  }

  getChildren(element?: ReportNode): ReportNode[] {
    if (!element) return this.nodes;
    return (this.byId.get(element.id) ?? element).children;
  }

  getParent(element: ReportNode): ReportNode | undefined {
    return this.parents.get(element.id);
  }

  getTreeItem(node: ReportNode): vscode.TreeItem {
    const item = toTreeItem(node);
    if (node.location) {
      item.command = { command: OPEN_STEP_COMMAND, title: 'Open', arguments: [node.location.file, node.location.field] };
    }
    item.accessibilityInformation = { label: [node.label, node.description].filter(Boolean).join(', ') };
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
