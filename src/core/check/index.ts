export type { CheckOptions } from './pipeline';
export { findCheckTarget, runCheck } from './pipeline';
export type { CheckResult, CheckStep, CheckTarget, StepId, StepStatus } from './steps';
export { STEP_TITLES } from './steps';
export type { ExplainContext, ExplainPhase, Explanation } from './explain';
export { AADSTS_ADVICE, explainError, findAadsts } from './explain';
