/**
 * Key and issuer management for the editor's commands, as pure functions: which federations have which kind of
 * issuer, the public documents to export (checked to hold no private key material), what to tell the user about
 * a key set (public facts only), and the federated credential Entra ID needs.
 */
import type { JWK } from 'jose';
import { exportJWK } from 'jose';
import { FederatedSecretsError } from '../errors';
import type { SigningKeySet } from '../federation/keys';
import { PRIVATE_JWK_MEMBERS } from '../federation/keys';
import { buildPublicDocuments, DEFAULT_AUDIENCE, discoveryUrl } from '../federation/self';
import type { ConfigDocument, FederationConfig, Issuer } from '../model/types';
import type { WorkspaceIndex } from '../workspace/index';

export interface FederationChoice {
  name: string;
  file: string;
  issuerType?: Issuer['type'];
  issuerUrl?: string;
}

/** The config of a federation document as written (empty for other kinds). */
export function federationConfigOf(doc: ConfigDocument): Partial<FederationConfig> {
  return doc.kind === 'federation' ? ((doc as ConfigDocument<'federation'>).config ?? {}) : {};
}

function issuerOf(doc: ConfigDocument): Partial<Issuer> & Record<string, unknown> {
  const issuer: unknown = federationConfigOf(doc).issuer;
  return issuer && typeof issuer === 'object' ? (issuer as Partial<Issuer> & Record<string, unknown>) : {};
}

/** The workspace's named federations, optionally only those with an issuer of the given type, by name. */
export function federationChoices(index: WorkspaceIndex, issuerType?: Issuer['type']): FederationChoice[] {
  const seen = new Set<string>();
  const out: FederationChoice[] = [];
  for (const doc of index.ofKind('federation')) {
    if (!doc.name || seen.has(doc.name)) continue;
    seen.add(doc.name);
    const issuer = issuerOf(doc);
    const type = issuer.type === 'self' || issuer.type === 'oidc' || issuer.type === 'tokenFile' ? issuer.type : undefined;
    if (issuerType && type !== issuerType) continue;
    out.push({ name: doc.name, file: doc.file, ...(type ? { issuerType: type } : {}), ...(typeof issuer['issuerUrl'] === 'string' ? { issuerUrl: issuer['issuerUrl'] } : {}) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The self issuer's URL, or an error saying why the federation has none. */
export function selfIssuerUrl(doc: ConfigDocument): string {
  const issuer = issuerOf(doc);
  if (issuer.type !== 'self') {
    throw new FederatedSecretsError('notSupported', `"${doc.name ?? doc.file}" does not use a self issuer (issuer.type is ${typeof issuer.type === 'string' ? `"${issuer.type}"` : 'missing'}): it has no signing key and nothing to publish.`, { field: 'issuer.type' });
  }
  const url = issuer['issuerUrl'];
  if (typeof url !== 'string' || !/^https:\/\/[^\s/]+/.test(url)) {
    throw new FederatedSecretsError('invalidConfig', `"${doc.name ?? doc.file}" has no valid https issuer.issuerUrl; set it before exporting the issuer's documents.`, { field: 'issuer.issuerUrl' });
  }
  return url;
}

export interface ExportFile {
  /** Path relative to the export folder, with '/' separators. */
  path: string;
  content: string;
}

export interface IssuerExport {
  files: ExportFile[];
  discoveryUrl: string;
  jwksUri: string;
  kids: string[];
}

/** Throws when any JSON object in `value` holds a private JWK member (d, p, q, dp, dq, qi, oth, k, priv). */
export function assertNoPrivateMembers(value: unknown, where: string): void {
  const stack: unknown[] = [value];
  while (stack.length) {
    const current = stack.pop();
    if (Array.isArray(current)) stack.push(...(current as unknown[]));
    else if (current && typeof current === 'object') {
      const record = current as Record<string, unknown>;
      const leaked = PRIVATE_JWK_MEMBERS.filter((m) => record[m] !== undefined);
      if (leaked.length) throw new FederatedSecretsError('jwksExposesPrivateKey', `Refusing to write ${where}: it would contain private key members (${leaked.join(', ')}).`);
      stack.push(...Object.values(record));
    }
  }
}

/**
 * The files `federated-secrets issuer export` writes, laid out for static hosting at the issuer URL:
 * `.well-known/openid-configuration` and the JWKS (`jwks.json` unless `jwksUri` names another path). Checked
 * twice before anything is returned: no object holds a private JWK member, and no private key component of any
 * key of the set occurs anywhere in the text.
 */
export async function issuerExportFiles(issuerUrl: string, set: SigningKeySet, jwksUri?: string): Promise<IssuerExport> {
  const docs = buildPublicDocuments(issuerUrl, set, jwksUri);
  const files: ExportFile[] = [
    { path: docs.discoveryPath, content: `${JSON.stringify(docs.discovery, null, 2)}\n` },
    { path: docs.jwksPath, content: `${JSON.stringify(docs.jwks, null, 2)}\n` },
  ];
  assertNoPrivateMembers(docs.discovery, docs.discoveryPath);
  assertNoPrivateMembers(docs.jwks, docs.jwksPath);
  const secrets: string[] = [];
  for (const key of set.keys) {
    const jwk: JWK = await exportJWK(key.privateKey);
    for (const member of PRIVATE_JWK_MEMBERS) {
      const value = (jwk as Record<string, unknown>)[member];
      if (typeof value === 'string' && value.length >= 16) secrets.push(value);
    }
  }
  for (const file of files) {
    if (secrets.some((s) => file.content.includes(s))) throw new FederatedSecretsError('jwksExposesPrivateKey', `Refusing to write ${file.path}: it would contain private key material.`);
    if (file.path.split('/').some((segment) => segment === '..' || segment === '')) throw new FederatedSecretsError('invalidConfig', `Refusing to write outside the export folder (${file.path}).`);
  }
  return { files, discoveryUrl: discoveryUrl(issuerUrl), jwksUri: String(docs.discovery['jwks_uri']), kids: set.keys.map((k) => k.kid) };
}

/** Public facts of a key set, for messages: "RS256 key 3f2a… (created 2026-01-31), published with 9c1b…". */
export function describeKeySet(set: SigningKeySet): string {
  const [current, ...previous] = set.keys;
  if (!current) return 'no keys';
  const created = (at: string | undefined) => (at ? ` (created ${at.slice(0, 10)})` : '');
  const head = `${current.alg} signing key ${current.kid}${created(current.createdAt)}`;
  return previous.length ? `${head}; the previous key ${previous.map((k) => k.kid).join(', ')} stays published` : head;
}

/** The parameters `az ad app federated-credential create --id <clientId> --parameters <json>` takes. */
export interface FederatedCredentialParameters {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string;
}

/** A federated credential name Entra ID accepts: 3–120 of letters, digits, '-' and '_', starting alphanumeric. */
export function federatedCredentialName(federationName: string): string {
  let name = federationName
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '')
    .toLowerCase();
  if (name.length < 3) name = `${name || 'federation'}-fic`.replace(/^-/, '');
  return name.slice(0, 120);
}

/**
 * The federated credential for a federation with a `self` issuer: issuer exactly as configured (a trailing '/'
 * matters), subject and audience. Other issuer types are refused with the reason.
 */
export function federatedCredentialFor(doc: ConfigDocument): { parameters: FederatedCredentialParameters; clientId?: string } {
  const config = federationConfigOf(doc);
  const issuer = issuerOf(doc);
  const label = doc.name ?? doc.file;
  if (config.cloudProvider !== undefined && config.cloudProvider !== 'azure') {
    throw new FederatedSecretsError('notSupported', `"${label}" federates to ${config.cloudProvider}, not Azure: an Entra ID federated credential does not apply.`, { field: 'cloudProvider' });
  }
  if (issuer.type === 'oidc') {
    throw new FederatedSecretsError('notSupported', `"${label}" uses an external OIDC issuer: its token's subject is decided by that server (often the client id "${typeof issuer['clientId'] === 'string' ? issuer['clientId'] : ''}"). Run Test Connection to see the token's claims, and copy issuer, subject and audience from there.`, { field: 'issuer.type' });
  }
  if (issuer.type === 'tokenFile') {
    throw new FederatedSecretsError('notSupported', `"${label}" reads its token from a file: its issuer and subject are decided by the runtime that writes the file (CI or Kubernetes). Run Test Connection to see the token's claims.`, { field: 'issuer.type' });
  }
  const issuerUrl = selfIssuerUrl(doc);
  const subject = issuer['subject'];
  if (typeof subject !== 'string' || !subject) throw new FederatedSecretsError('invalidConfig', `"${label}" has no issuer.subject.`, { field: 'issuer.subject' });
  const audience = typeof issuer['audience'] === 'string' && issuer['audience'] ? issuer['audience'] : DEFAULT_AUDIENCE;
  const parameters: FederatedCredentialParameters = {
    name: federatedCredentialName(doc.name ?? 'federation'),
    issuer: issuerUrl,
    subject,
    audiences: [audience],
    description: `Federated Secrets: Identity Federation "${label}" (self-issued tokens).`.slice(0, 600),
  };
  const clientId = config.azure?.clientId;
  return { parameters, ...(typeof clientId === 'string' && clientId ? { clientId } : {}) };
}
