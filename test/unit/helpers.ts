import type { Diagnostic } from '../../src/core/diagnostics';
import type { Runtime } from '../../src/core/runtime';
import { silentLogger, systemClock } from '../../src/core/runtime';
import { parseConfigText } from '../../src/core/model/parse';
import { WorkspaceIndex } from '../../src/core/workspace/index';

/** Builds an index from in-memory files. */
export function indexOf(files: Record<string, string | object>): WorkspaceIndex {
  const index = new WorkspaceIndex();
  for (const [file, content] of Object.entries(files)) {
    index.set(parseConfigText(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2)));
  }
  return index;
}

/** `CODE@line` (1-based) for compact, exact assertions. */
export function codesAt(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`);
}

export const FEDERATION = {
  name: 'Fed',
  cloudProvider: 'azure',
  issuer: { type: 'self', issuerUrl: 'https://issuer.example.com/app/', subject: 'app:demo' },
  azure: { tenantId: '4d2b1a7e-3c5f-4e8a-9b1d-6f0c2e7a8b93', clientId: '9a8f6e2c-1b3d-4c5e-8f7a-2d4b6c8e0f11' },
};

export const STORE = {
  name: 'Store',
  provider: 'azureKeyVault',
  authentication: { type: 'identityFederation', federation: 'Fed' },
  azureKeyVault: { vaultName: 'demo-kv' },
  secrets: [
    { reference: 'ClientId', secretName: 'client-id' },
    { reference: 'ClientSecret', secretName: 'client-secret' },
  ],
};

export const PROFILE = {
  name: 'Profile',
  type: 'oauth2',
  grantType: 'clientCredentials',
  tokenEndpoint: 'https://idp.example.com/token',
  clientId: { secretRef: 'Store/ClientId' },
  clientSecret: { secretRef: 'Store/ClientSecret' },
};

/** A runtime that records (and rejects) any touch of secrets or files — and so of the network behind them. */
export function untouchableRuntime(online: boolean, allowedHosts: string[] = []): { runtime: Runtime; touched: string[] } {
  const touched: string[] = [];
  const touch = (what: string) => {
    touched.push(what);
    return Promise.reject(new Error(`touched ${what}`));
  };
  return {
    touched,
    runtime: {
      logger: silentLogger,
      clock: systemClock,
      secrets: { get: (key) => touch(`secret ${key}`), store: () => touch('store'), delete: () => touch('delete') },
      network: { allowedHosts, requestTimeoutMs: 1000, online },
      env: {},
      readFile: (path) => touch(`file ${path}`),
    },
  };
}
