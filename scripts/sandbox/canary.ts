/**
 * The flights app's client secret in the sandbox vault: a fake value that must never show up in any UI, log,
 * notification or file. Tests look for it where a secret value must not be. Kept in its own module so the
 * in-host test bundle can import it without the sandbox.
 */
export const SANDBOX_CANARY = 'sandbox-CANARY-flights-client-secret-not-real-4f9d';
