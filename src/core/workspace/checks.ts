import type { Diagnostic, Range } from '../diagnostics';
import { makeDiagnostic } from '../diagnostics';
import { CONFIG_KINDS, KIND_LABELS } from '../model/kinds';
import { closestMatch } from '../model/text';
import type { ConfigDocument, SecretStoreConfig } from '../model/types';
import type { WorkspaceIndex } from './index';

/** Which cloud's identity federation each secret manager accepts (HashiCorp Vault accepts any OIDC token). */
const CLOUD_OF_PROVIDER: Record<string, string | undefined> = {
  azureKeyVault: 'azure',
  awsSecretsManager: 'aws',
  gcpSecretManager: 'gcp',
  hashicorpVault: undefined,
};

const PROVIDER_LABELS: Record<string, string> = {
  azureKeyVault: 'An Azure Key Vault',
  awsSecretsManager: 'An AWS Secrets Manager',
  gcpSecretManager: 'A Google Cloud Secret Manager',
  hashicorpVault: 'A HashiCorp Vault',
};
const CLOUD_LABELS: Record<string, string> = { azure: 'Azure', aws: 'AWS', gcp: 'Google Cloud' };

const KEY_VAULT_SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

function startOf(doc: ConfigDocument): Range {
  return doc.nameRange ?? { start: doc.range.start, end: doc.range.start };
}

function fieldName(path: readonly string[]): string {
  return path.join('.');
}

/** Checks that span files: names, references, provider/cloud agreement and secret hygiene. */
export function computeSemanticDiagnostics(index: WorkspaceIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  checkDuplicateNames(index, out);
  checkStores(index, out);
  checkFederations(index, out);
  checkConsumers(index, out);
  return out;
}

function checkDuplicateNames(index: WorkspaceIndex, out: Diagnostic[]): void {
  for (const kind of CONFIG_KINDS) {
    const byName = new Map<string, ConfigDocument[]>();
    for (const doc of index.ofKind(kind)) {
      if (!doc.name) continue;
      const list = byName.get(doc.name) ?? [];
      list.push(doc);
      byName.set(doc.name, list);
    }
    for (const [name, docs] of byName) {
      if (docs.length < 2) continue;
      for (const doc of docs) {
        const others = docs.filter((d) => d !== doc);
        out.push(
          makeDiagnostic('duplicateName', doc.file, startOf(doc), `Another ${KIND_LABELS[kind]} is also named "${name}" (${others.map((d) => d.file).join(', ')}). Names must be unique per kind; rename one.`, {
            related: others.map((d) => ({ file: d.file, range: startOf(d), message: `Also named "${name}"` })),
          }),
        );
      }
    }
  }
}

function checkStores(index: WorkspaceIndex, out: Diagnostic[]): void {
  const federationNames = index.ofKind('federation').flatMap((f) => (f.name ? [f.name] : []));
  for (const store of index.ofKind('secretstore')) {
    const config: Partial<SecretStoreConfig> = store.config ?? {};
    const ref = store.federationRef;
    if (ref) {
      const federation = index.find('federation', ref.name);
      if (!federation) {
        const suggestion = closestMatch(ref.name, federationNames);
        const hint = suggestion ? ` Did you mean "${suggestion}"?` : federationNames.length ? ` Known: ${federationNames.join(', ')}.` : ' Create a *.federation.json file for it.';
        out.push(makeDiagnostic('unknownFederation', store.file, ref.range, `No Identity Federation is named "${ref.name}".${hint}`, { data: { federation: ref.name, ...(suggestion ? { suggestion } : {}) } }));
      } else {
        const cloud = federation.config?.cloudProvider;
        const provider = config.provider;
        const expected = provider ? CLOUD_OF_PROVIDER[provider] : undefined;
        if (expected && cloud && cloud !== expected) {
          out.push(
            makeDiagnostic('providerMismatch', store.file, store.positions.get('provider') ?? ref.range, `${PROVIDER_LABELS[provider ?? ''] ?? provider} store needs a federation to ${CLOUD_LABELS[expected] ?? expected}, but "${ref.name}" federates to ${CLOUD_LABELS[cloud] ?? cloud}. Name a federation whose cloudProvider is "${expected}", or change the provider.`, {
              related: [{ file: federation.file, range: federation.positions.get('cloudProvider') ?? startOf(federation), message: `cloudProvider is ${cloud}` }],
            }),
          );
        }
      }
    }

    const seen = new Map<string, Range>();
    for (const mapping of store.mappings ?? []) {
      const first = seen.get(mapping.reference);
      if (first) {
        out.push(
          makeDiagnostic('duplicateReference', store.file, mapping.referenceRange, `The reference "${mapping.reference}" is declared twice in this store; consumers could not tell which secret they get. Rename or remove one.`, {
            related: [{ file: store.file, range: first, message: 'First declaration' }],
          }),
        );
      } else seen.set(mapping.reference, mapping.referenceRange);

      if (config.provider === 'azureKeyVault' && !KEY_VAULT_SECRET_NAME.test(mapping.secretName)) {
        out.push(
          makeDiagnostic('invalidSecretName', store.file, mapping.secretNameRange, `"${mapping.secretName}" cannot be a Key Vault secret name: use 1–127 letters, digits and hyphens (no '_', '.', '/' or spaces).`, {
            data: { suggestion: mapping.secretName.replace(/[^0-9a-zA-Z-]/g, '-').slice(0, 127) || 'secret' },
          }),
        );
      }

      if (index.usesOf(store.name ?? '', mapping.reference).length === 0 && store.name) {
        out.push(makeDiagnostic('unusedMapping', store.file, mapping.referenceRange, `No consumer uses "${store.name}/${mapping.reference}" yet. Reference it as { "secretRef": "${store.name}/${mapping.reference}" }, or remove the mapping.`));
      }
    }
  }
}

function checkFederations(index: WorkspaceIndex, out: Diagnostic[]): void {
  for (const federation of index.ofKind('federation')) {
    const issuer = federation.config?.issuer;
    if (!issuer || typeof issuer !== 'object' || (issuer.type !== 'self' && issuer.type !== 'oidc')) continue;
    // Entra ID verifies client assertions with RSA keys only (an ES256 assertion fails with AADSTS5002738).
    if (issuer.type === 'self' && issuer.signingAlgorithm === 'ES256' && federation.config?.cloudProvider === 'azure') {
      const at = federation.positions.get('issuer') ?? startOf(federation);
      out.push(makeDiagnostic('unsupportedAlgorithm', federation.file, at, 'Microsoft Entra ID accepts only RSA-signed assertions (ES256 fails with AADSTS5002738). Use "signingAlgorithm": "RS256".'));
    }
    const url = issuer.issuerUrl;
    if (typeof url === 'string' && !url.startsWith('https://')) {
      out.push(
        makeDiagnostic('issuerNotHttps', federation.file, federation.positions.get('issuer/issuerUrl') ?? startOf(federation), `The issuer URL must use https://: cloud identity providers fetch its discovery document and keys only over TLS.`, {
          data: { suggestion: url.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, 'https://') },
        }),
      );
    }
  }
}

function checkConsumers(index: WorkspaceIndex, out: Diagnostic[]): void {
  const storeNames = index.ofKind('secretstore').flatMap((s) => (s.name ? [s.name] : []));
  for (const consumer of index.consumers()) {
    for (const field of consumer.secretFields ?? []) {
      const name = fieldName(field.path);
      if (field.literal && field.sensitive) {
        out.push(
          makeDiagnostic('plaintextSecret', consumer.file, field.range, `\`${name}\` holds a secret as plain text in the repository. Store it in a vault and use { "secretRef": "<store>/<reference>" } instead.`, {
            data: { field: field.path.join('/') },
          }),
        );
      }
      const ref = field.secretRef;
      if (!ref) continue;
      if (!ref.store || !ref.reference) {
        out.push(makeDiagnostic('malformedSecretRef', consumer.file, ref.range, `"${ref.raw}" is not of the form "<store>/<reference>" (exactly one '/', with text on both sides). Example: "FlightsSecrets/FlightsAppClientSecret".`));
        continue;
      }
      const resolved = index.resolveReference(ref.store, ref.reference);
      if (!resolved.store) {
        const suggestion = closestMatch(ref.store, storeNames);
        const hint = suggestion ? ` Did you mean "${suggestion}"?` : storeNames.length ? ` Known stores: ${storeNames.join(', ')}.` : ' Create a *.secretstore.json file for it.';
        out.push(makeDiagnostic('unknownStore', consumer.file, ref.range, `No External Secret Store is named "${ref.store}".${hint}`, { data: { store: ref.store, reference: ref.reference, ...(suggestion ? { suggestion } : {}) } }));
      } else if (!resolved.mapping) {
        const references = (resolved.store.mappings ?? []).map((m) => m.reference);
        const suggestion = closestMatch(ref.reference, references);
        const hint = suggestion ? ` Did you mean "${suggestion}"?` : ` Add a mapping for it to the store's "secrets".`;
        out.push(
          makeDiagnostic('unmappedReference', consumer.file, ref.range, `The store "${ref.store}" maps no reference "${ref.reference}".${hint}`, {
            related: [{ file: resolved.store.file, range: resolved.store.positions.get('secrets') ?? startOf(resolved.store), message: `Mappings of "${ref.store}"` }],
            data: { store: ref.store, reference: ref.reference, ...(suggestion ? { suggestion } : {}) },
          }),
        );
      }
    }
  }
  checkSharedClientIds(index, out);
}

/** Two profiles with one client id share a token cache entry at many platforms, and overwrite each other's tokens. */
function checkSharedClientIds(index: WorkspaceIndex, out: Diagnostic[]): void {
  const byIdentity = new Map<string, { doc: ConfigDocument; range: Range }[]>();
  for (const profile of index.ofKind('authprofile')) {
    const field = profile.secretFields?.find((f) => f.path.join('/') === 'clientId');
    if (!field) continue;
    let key: string | undefined;
    if (field.literal) {
      const value = (profile.config as { clientId?: unknown } | undefined)?.clientId;
      if (typeof value === 'string') key = `literal:${value}`;
    } else if (field.secretRef?.store && field.secretRef.reference) {
      const { store, mapping } = index.resolveReference(field.secretRef.store, field.secretRef.reference);
      key = mapping && store ? `vault:${store.name ?? ''}:${mapping.secretName}:${mapping.version ?? ''}` : `ref:${field.secretRef.raw}`;
    }
    if (!key) continue;
    const list = byIdentity.get(key) ?? [];
    list.push({ doc: profile, range: field.range });
    byIdentity.set(key, list);
  }
  for (const list of byIdentity.values()) {
    if (list.length < 2) continue;
    for (const entry of list) {
      const others = list.filter((e) => e !== entry);
      out.push(
        makeDiagnostic('sharedClientId', entry.doc.file, entry.range, `This auth profile uses the same client id as ${others.map((o) => `"${o.doc.name ?? o.doc.file}"`).join(', ')}. Profiles sharing a client id can overwrite each other's cached tokens; give each its own app registration or merge them.`, {
          related: others.map((o) => ({ file: o.doc.file, range: o.range, message: 'Same client id' })),
        }),
      );
    }
  }
}
