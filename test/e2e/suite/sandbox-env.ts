// What the harness tells the in-host tests about the sandbox cloud (sandbox sessions only): the file named by
// FEDERATED_SECRETS_E2E_SANDBOX_FILE describes it — origins, the samples' names, which secret names the vault
// holds (mapped, unmapped, disabled, expiring soon). No secret values. See test/e2e/README.md.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { SandboxDescription } from '../../../scripts/sandbox/index';

export type { SandboxDescription };

/** True in the sandbox sessions (the workspace is the samples pointed at the sandbox cloud). */
export function inSandbox(): boolean {
  return process.env.FEDERATED_SECRETS_E2E_SANDBOX === '1';
}

/** The sandbox's description; fails the test when this is not a sandbox session. */
export function sandboxDescription(): SandboxDescription {
  const file = process.env.FEDERATED_SECRETS_E2E_SANDBOX_FILE;
  assert.ok(inSandbox() && file, 'not a sandbox session: tag the test @sandbox so the harness runs it against the sandbox');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxDescription;
}
