/**
 * What the editor shows of a connection test: the result in one line (notifications, hovers, CodeLens, the
 * tree's icon), the full report for the log, the report as a tree of steps, and the results of instances tested
 * along the way (a store's federation). Pure functions over `CheckResult`; messages in a result are already
 * redacted by the pipeline and hold no secret values.
 */
import type { CheckResult, CheckStep, StepId, StepStatus } from '../check/steps';
import type { LastCheck } from '../editor/live';
import { KIND_LABELS } from '../model/kinds';

/** The kinds a connection test runs on directly (a consumer other than an auth profile has no live check). */
export type TestableKind = 'federation' | 'secretstore' | 'authprofile';
export const TESTABLE_KINDS: readonly TestableKind[] = ['federation', 'secretstore', 'authprofile'];

export function isTestableKind(kind: string): kind is TestableKind {
  return (TESTABLE_KINDS as readonly string[]).includes(kind);
}

/** A recorded result: what `LastCheck` holds, plus the title of the step that failed (for CodeLens). */
export interface ConnectionCheck extends LastCheck {
  /** Title of the first failed step. */
  failedAt?: string;
  /** Number of steps that warned. */
  warnings?: number;
}

/** One instance's recorded result: the target of a run, or an instance tested on the way. */
export interface CheckRecord {
  kind: TestableKind;
  name: string;
  check: ConnectionCheck;
}

const MAX_SUMMARY = 240;

function shorten(text: string, max = MAX_SUMMARY): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** ok, warning (passed with warnings) or failed; a cancelled run counts as failed. */
export function resultStatus(result: { ok: boolean; cancelled: boolean; steps: readonly CheckStep[] }): LastCheck['status'] {
  if (!result.ok || result.cancelled) return 'failed';
  return result.steps.some((s) => s.status === 'warning') ? 'warning' : 'ok';
}

export function failingStep(result: Pick<CheckResult, 'steps'>): CheckStep | undefined {
  return result.steps.find((s) => s.status === 'failed');
}

/** The step's title, with the instance it is about when that is not the tested one. */
export function stepLabel(step: CheckStep, targetName?: string): string {
  return step.scope && step.scope !== targetName ? `${step.title} (${step.scope})` : step.title;
}

/** One line: "Passed: 6 steps ok in 1.2 s.", "Passed with 1 warning — Vault access: …", "Failed at Token exchange …: …". */
export function summarizeSteps(steps: readonly CheckStep[], cancelled: boolean, durationMs: number, targetName?: string): string {
  if (cancelled) return 'Cancelled before it finished.';
  const failed = steps.find((s) => s.status === 'failed');
  if (failed) return shorten(`Failed at ${stepLabel(failed, targetName)}: ${failed.message}`);
  const warnings = steps.filter((s) => s.status === 'warning');
  const ran = steps.filter((s) => s.status !== 'skipped').length;
  const first = warnings[0];
  if (first) return shorten(`Passed with ${plural(warnings.length, 'warning')} — ${stepLabel(first, targetName)}: ${first.message}`);
  return `Passed: ${plural(ran, 'step')} ok in ${seconds(durationMs)}.`;
}

export function summarizeResult(result: CheckResult): string {
  return summarizeSteps(result.steps, result.cancelled, result.durationMs, result.target.name);
}

function checkOf(steps: readonly CheckStep[], cancelled: boolean, durationMs: number, at: number, targetName: string | undefined, ok: boolean): ConnectionCheck {
  const status = resultStatus({ ok, cancelled, steps });
  const failed = steps.find((s) => s.status === 'failed');
  const warnings = steps.filter((s) => s.status === 'warning').length;
  return {
    ok: status !== 'failed',
    status,
    at,
    summary: summarizeSteps(steps, cancelled, durationMs, targetName),
    ...(failed ? { failedAt: failed.title } : {}),
    ...(warnings ? { warnings } : {}),
  };
}

/** The result of a run as recorded for its target. */
export function toLastCheck(result: CheckResult, at: number): ConnectionCheck {
  return checkOf(result.steps, result.cancelled, result.durationMs, at, result.target.name, result.ok);
}

const STEP_KIND: Record<StepId, TestableKind | 'target'> = {
  config: 'target',
  issuer: 'federation',
  token: 'federation',
  exchange: 'federation',
  vault: 'secretstore',
  mappings: 'secretstore',
  oauth: 'authprofile',
};

/**
 * What a run says about each instance: the target's result, and the result of every federation or store it
 * tested on the way whose own steps ran (testing a store proves or disproves its federation). Instances whose
 * steps were all skipped get nothing. A cancelled run records nothing.
 */
export function checkRecords(result: CheckResult, at: number): CheckRecord[] {
  if (result.cancelled || !isTestableKind(result.target.kind) || !result.target.name) return [];
  const records: CheckRecord[] = [{ kind: result.target.kind, name: result.target.name, check: toLastCheck(result, at) }];
  const groups = new Map<string, { kind: TestableKind; name: string; steps: CheckStep[] }>();
  for (const step of result.steps) {
    const kind = STEP_KIND[step.id];
    if (kind === 'target' || !step.scope) continue;
    if (kind === result.target.kind && step.scope === result.target.name) continue;
    const key = `${kind}:${step.scope}`;
    const group = groups.get(key) ?? { kind, name: step.scope, steps: [] };
    group.steps.push(step);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    if (group.steps.every((s) => s.status === 'skipped')) continue;
    const durationMs = group.steps.reduce((sum, s) => sum + s.durationMs, 0);
    const ok = !group.steps.some((s) => s.status === 'failed');
    const check = checkOf(group.steps, false, durationMs, at, group.name, ok);
    check.summary = shorten(`${check.summary} (tested with ${KIND_LABELS[result.target.kind]} "${result.target.name}")`);
    records.push({ kind: group.kind, name: group.name, check });
  }
  return records;
}

/** "just now", "1 min ago", "5 min ago", "2 h ago", "3 days ago". */
export function relativeTime(at: number, now: number): string {
  const elapsed = Math.max(0, now - at);
  const minutes = Math.floor(elapsed / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** The CodeLens line after a run: "✓ passed 2 min ago", "⚠ passed with 1 warning 2 min ago", "✗ failed at Token exchange". */
export function lastCheckTitle(check: LastCheck & { failedAt?: string; warnings?: number }, now: number): string {
  const when = relativeTime(check.at, now);
  switch (check.status) {
    case 'ok':
      return `✓ passed ${when}`;
    case 'warning':
      return `⚠ passed with ${check.warnings ? plural(check.warnings, 'warning') : 'warnings'} ${when}`;
    default:
      return check.failedAt ? `✗ failed at ${check.failedAt} ${when}` : `✗ failed ${when}`;
  }
}

const STATUS_LABEL: Record<StepStatus, string> = { ok: '[ ok ]', warning: '[warn]', failed: '[FAIL]', skipped: '[skip]' };

/** The full report for the log: a header, one line per step with its code, field and advice, and a tally. */
export function formatReport(result: CheckResult, display: (file: string) => string = (f) => f): string[] {
  const verdict = result.cancelled ? 'CANCELLED' : result.ok ? (result.steps.some((s) => s.status === 'warning') ? 'PASSED with warnings' : 'PASSED') : 'FAILED';
  const lines = [`Test Connection: ${KIND_LABELS[result.target.kind]} "${result.target.name}" (${display(result.target.file)}) — ${verdict} in ${seconds(result.durationMs)}`];
  for (const step of result.steps) {
    lines.push(`  ${STATUS_LABEL[step.status]} ${stepLabel(step, result.target.name)}: ${step.message}${step.status === 'skipped' ? '' : ` [${step.durationMs} ms]`}`);
    if (step.code) lines.push(`         code:  ${step.code}`);
    if (step.field) lines.push(`         field: ${step.field}${step.file ? ` in ${display(step.file)}` : ''}`);
    if (step.advice) lines.push(`         fix:   ${step.advice}`);
  }
  const count = (status: StepStatus) => result.steps.filter((s) => s.status === status).length;
  lines.push(`  ${count('ok')} ok, ${plural(count('warning'), 'warning')}, ${count('failed')} failed, ${count('skipped')} skipped`);
  return lines;
}

/** The issuers discovery documents published that differ from the configured ones (for FS306), by federation. */
export function publishedIssuerMismatches(result: CheckResult): { federation: string; published: string }[] {
  const out: { federation: string; published: string }[] = [];
  for (const step of result.steps) {
    const published = step.data?.['publishedIssuer'];
    if (step.id === 'issuer' && step.scope && typeof published === 'string') out.push({ federation: step.scope, published });
  }
  return out;
}

/** The federations whose issuer step ran without reporting a mismatch (their FS306, if any, is cleared). */
export function issuerStepsWithoutMismatch(result: CheckResult): string[] {
  return result.steps.filter((s) => s.id === 'issuer' && s.scope && s.status !== 'skipped' && s.data?.['publishedIssuer'] === undefined).map((s) => s.scope ?? '');
}

// ---------------------------------------------------------------------------------------------------------------
// The report as a tree (the Test Results view)

export type ReportIconColor = 'error' | 'warning' | 'success';

export interface ReportNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: { id: string; color?: ReportIconColor };
  /** `testResult`, `testStep`, `testStep.detail`, … for menus. */
  contextValue: string;
  children: ReportNode[];
  expanded: boolean;
  /** Where a click leads: a file, and the field within it to select when known. */
  location?: { file: string; field?: string };
}

export const STEP_ICONS: Record<StepStatus, { id: string; color?: ReportIconColor }> = {
  ok: { id: 'pass', color: 'success' },
  warning: { id: 'warning', color: 'warning' },
  failed: { id: 'error', color: 'error' },
  skipped: { id: 'circle-slash' },
};

const STATUS_WORDS: Record<StepStatus, string> = { ok: 'ok', warning: 'warning', failed: 'failed', skipped: 'skipped' };

function stepNode(result: CheckResult, step: CheckStep, id: string, display: (file: string) => string): ReportNode {
  const details: ReportNode[] = [];
  const detail = (suffix: string, label: string, icon: string, extra: Partial<ReportNode> = {}): ReportNode => ({
    id: `${id}/${suffix}`,
    label,
    tooltip: label,
    icon: { id: icon },
    contextValue: 'testStep.detail',
    children: [],
    expanded: false,
    ...extra,
  });
  details.push(detail('message', step.message, 'info'));
  if (step.advice) details.push(detail('advice', `Fix: ${step.advice}`, 'lightbulb'));
  if (step.code) details.push(detail('code', `Code: ${step.code}`, 'symbol-constant'));
  if (step.field) {
    const where = step.file ? ` in ${display(step.file)}` : '';
    details.push(detail('field', `Field: ${step.field}${where}`, 'go-to-file', step.file ? { location: { file: step.file, field: step.field }, contextValue: 'testStep.field' } : {}));
  }
  const tooltip = [
    `${stepLabel(step, result.target.name)} — ${STATUS_WORDS[step.status]}${step.status === 'skipped' ? '' : ` in ${seconds(step.durationMs)}`}`,
    step.message,
    ...(step.advice ? [`Fix: ${step.advice}`] : []),
    ...(step.code ? [`Code: ${step.code}`] : []),
    ...(step.field ? [`Field: ${step.field}${step.file ? ` in ${display(step.file)}` : ''}`] : []),
  ].join('\n');
  const node: ReportNode = {
    id,
    label: stepLabel(step, result.target.name),
    description: step.status === 'skipped' ? step.message : `${seconds(step.durationMs)} — ${step.message}`,
    tooltip,
    icon: STEP_ICONS[step.status],
    contextValue: `testStep.${step.status}`,
    children: details,
    expanded: step.status === 'failed' || step.status === 'warning',
  };
  if (step.file && step.field) node.location = { file: step.file, field: step.field };
  return node;
}

/** One root per result (newest first as given), its steps as children, each step's details below it. */
export function reportTree(results: readonly { result: CheckResult; at: number }[], display: (file: string) => string = (f) => f, formatTime: (at: number) => string = (at) => new Date(at).toISOString()): ReportNode[] {
  return results.map(({ result, at }, n) => {
    const status = resultStatus(result);
    const id = `result:${n}:${result.target.kind}:${result.target.file}`;
    const verdict = result.cancelled ? 'cancelled' : status === 'ok' ? 'passed' : status === 'warning' ? 'passed with warnings' : 'failed';
    const icon = result.cancelled ? { id: 'circle-slash' } : STEP_ICONS[status === 'ok' ? 'ok' : status === 'warning' ? 'warning' : 'failed'];
    return {
      id,
      label: result.target.name || display(result.target.file),
      description: `${KIND_LABELS[result.target.kind]} · ${verdict} · ${seconds(result.durationMs)} · ${formatTime(at)}`,
      tooltip: `${KIND_LABELS[result.target.kind]} "${result.target.name}" (${display(result.target.file)})\n${summarizeResult(result)}`,
      icon,
      contextValue: `testResult.${status}`,
      children: result.steps.map((step, i) => stepNode(result, step, `${id}/step:${i}`, display)),
      expanded: true,
      location: { file: result.target.file },
    };
  });
}
