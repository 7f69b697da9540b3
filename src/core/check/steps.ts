import type { ConfigKind } from '../model/kinds';

export type StepStatus = 'ok' | 'warning' | 'failed' | 'skipped';

/** The pipeline's steps, in order: config (1), issuer (2), token (3), exchange (4), vault + mappings (5), oauth (6). */
export type StepId = 'config' | 'issuer' | 'token' | 'exchange' | 'vault' | 'mappings' | 'oauth';

export const STEP_TITLES: Record<StepId, string> = {
  config: 'Configuration and references',
  issuer: 'Identity token issuer',
  token: 'Identity token',
  exchange: 'Token exchange with Microsoft Entra ID',
  vault: 'Vault access',
  mappings: 'Secret mappings',
  oauth: 'OAuth 2.0 client credentials',
};

export interface CheckStep {
  id: StepId;
  title: string;
  /** The instance the step is about (federation, store or consumer name). */
  scope?: string;
  status: StepStatus;
  durationMs: number;
  /** What happened: names, hosts, claims and counts — never a secret value or token. */
  message: string;
  /** What to do, on a warning or failure. */
  advice?: string;
  /** `AADSTS700213`, `KV403`, an FSE code, or a diagnostic code (FS2xx) for config problems. */
  code?: string;
  /** The config field to fix, e.g. `issuer.subject`. */
  field?: string;
  /** The file holding that field. */
  file?: string;
  /**
   * Facts an editor can act on, never secret values. The issuer step sets `publishedIssuer` when the
   * discovery document names another issuer than `issuer.issuerUrl` (codes FSE030/FSE031).
   */
  data?: Record<string, string>;
}

export interface CheckTarget {
  kind: ConfigKind;
  name: string;
  file: string;
}

export interface CheckResult {
  target: CheckTarget;
  /** True when no step failed (warnings allowed). */
  ok: boolean;
  cancelled: boolean;
  durationMs: number;
  steps: CheckStep[];
}
