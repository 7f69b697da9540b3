import * as vscode from 'vscode';
import type { FederationChoice } from '../core/connection/keys';
import { describeKeySet, federatedCredentialFor, federationChoices, federationConfigOf, issuerExportFiles, selfIssuerUrl } from '../core/connection/keys';
import type { SigningAlgorithm, SigningKeySet } from '../core/federation/keys';
import { generateSigningKey, parseSigningKeys, rotateKeySet, serializeKeySet } from '../core/federation/keys';
import { issuerClientSecretName, signingKeySecretName } from '../core/federation/issuer';
import type { ConfigDocument, Issuer } from '../core/model/types';
import type { TreeNode } from '../core/workspace/tree';
import type { ConfigWorkspace } from './configWorkspace';
import type { EditorServices } from './services';
import { SETTING } from './services';

export const KEY_COMMANDS = {
  generateSigningKey: 'federatedSecrets.generateSigningKey',
  rotateSigningKey: 'federatedSecrets.rotateSigningKey',
  deleteSigningKey: 'federatedSecrets.deleteSigningKey',
  exportIssuerDocuments: 'federatedSecrets.exportIssuerDocuments',
  copyFederatedCredential: 'federatedSecrets.copyFederatedCredential',
  setIssuerClientSecret: 'federatedSecrets.setIssuerClientSecret',
  clearIssuerClientSecret: 'federatedSecrets.clearIssuerClientSecret',
} as const;

/** How long a clipboard write may take before it is given up (a browser may never answer). */
const CLIPBOARD_TIMEOUT_MS = 3000;

/** Writes text to the clipboard; false when that fails or does not finish in time. */
export async function copyToClipboard(text: string): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLIPBOARD_TIMEOUT_MS)));
  try {
    return await Promise.race([Promise.resolve(vscode.env.clipboard.writeText(text)).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where a federation's signing key comes from: SecretStorage wins over a key file named in user settings. */
export type KeySource = 'secretStorage' | 'keyFile' | 'none';

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && typeof (value as TreeNode).id === 'string' && typeof (value as TreeNode).contextValue === 'string' && Array.isArray((value as TreeNode).children);
}

function issuerTypeOf(doc: ConfigDocument): Issuer['type'] | undefined {
  const issuer = federationConfigOf(doc).issuer;
  const type = issuer && typeof issuer === 'object' ? (issuer as { type?: unknown }).type : undefined;
  return type === 'self' || type === 'oidc' || type === 'tokenFile' ? type : undefined;
}

const ISSUER_WORDS: Record<Issuer['type'], string> = { self: 'a self issuer (signing key)', oidc: 'an external OIDC issuer (client secret)', tokenFile: 'a token file' };

/**
 * Signing keys of `self` issuers and client secrets of `oidc` issuers, kept only in VS Code's SecretStorage
 * (through `services.secrets`). No key material or secret is ever logged, shown or written anywhere but the
 * secret storage — exports hold public keys only, checked before writing.
 */
export class KeyCommands {
  constructor(
    private readonly workspace: ConfigWorkspace,
    private readonly services: EditorServices,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  // -------------------------------------------------------------------------------------------------------------
  // Which federation

  /**
   * The federation a command is about: a tree item, a file URI, a federation name, the active editor's
   * federation file, else one picked among those with the wanted issuer type. Throws when the one given has
   * another issuer type; undefined when the user cancelled or there is none.
   */
  async federation(arg: unknown, issuerType: Issuer['type'], purpose: string): Promise<ConfigDocument | undefined> {
    const index = this.workspace.index;
    let doc: ConfigDocument | undefined;
    if (isTreeNode(arg)) {
      const name = arg.data?.['kind'] === 'federation' ? arg.data['name'] : undefined;
      doc = name ? index.find('federation', name) : arg.location ? index.get(arg.location.file) : undefined;
    } else if (arg instanceof vscode.Uri) {
      doc = index.get(this.workspace.keyOf(arg));
    } else if (typeof arg === 'string' && arg) {
      doc = index.find('federation', arg) ?? index.get(arg);
      if (!doc) throw new Error(`No Identity Federation is named "${arg}".`);
    } else {
      const editor = vscode.window.activeTextEditor;
      const active = editor ? index.get(this.workspace.keyOf(editor.document.uri)) : undefined;
      if (active?.kind === 'federation' && issuerTypeOf(active) === issuerType) doc = active;
    }
    if (doc) {
      if (doc.kind !== 'federation') throw new Error(`${vscode.workspace.asRelativePath(this.workspace.uriOf(doc.file))} is not an Identity Federation.`);
      if (!doc.name) throw new Error('The federation has no "name"; name it first (secrets are stored under its name).');
      const type = issuerTypeOf(doc);
      if (type !== issuerType) throw new Error(`"${doc.name}" uses ${type ? ISSUER_WORDS[type] : 'no valid issuer'}; ${purpose} applies to federations with ${ISSUER_WORDS[issuerType]}.`);
      return doc;
    }
    const choices = federationChoices(index, issuerType);
    if (!choices.length) {
      void vscode.window.showInformationMessage(`No Identity Federation in this workspace uses ${ISSUER_WORDS[issuerType]} (issuer.type "${issuerType}"), so there is nothing to ${purpose.toLowerCase()}.`);
      return undefined;
    }
    const picked: FederationChoice | undefined =
      choices.length === 1 && choices[0]
        ? choices[0]
        : (
            await vscode.window.showQuickPick(
              choices.map((c) => ({ label: c.name, description: c.issuerUrl ?? '', detail: vscode.workspace.asRelativePath(this.workspace.uriOf(c.file)), choice: c })),
              { title: purpose, placeHolder: 'Which Identity Federation?' },
            )
          )?.choice;
    return picked ? index.find('federation', picked.name) : undefined;
  }

  async keySource(name: string): Promise<KeySource> {
    if ((await this.services.context.secrets.get(signingKeySecretName(name))) !== undefined) return 'secretStorage';
    return this.services.settings.signingKeyFiles[name] ? 'keyFile' : 'none';
  }

  private async loadKeys(name: string): Promise<SigningKeySet | undefined> {
    const text = await this.services.secrets.get(signingKeySecretName(name));
    return text === undefined ? undefined : parseSigningKeys(text);
  }

  private algorithmOf(doc: ConfigDocument): SigningAlgorithm {
    const issuer = federationConfigOf(doc).issuer;
    const alg = issuer && issuer.type === 'self' ? issuer.signingAlgorithm : undefined;
    return alg === 'ES256' ? 'ES256' : 'RS256';
  }

  private keysChanged(name: string, what: string): void {
    // A credential built from the old key must not be reused.
    this.services.tokenCache.clear();
    this.log.info(`${what} (federation "${name}").`);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Signing keys

  /** Generates a new signing key; an existing one is replaced only after the user confirms. Returns the kid. */
  async generateSigningKey(arg?: unknown): Promise<string | undefined> {
    const doc = await this.federation(arg, 'self', 'Generate Signing Key');
    if (!doc?.name) return undefined;
    const name = doc.name;
    const source = await this.keySource(name);
    if (source !== 'none') {
      const where = source === 'secretStorage' ? "in VS Code's secret storage" : `in the key file named in the user setting federatedSecrets.${SETTING.signingKeyFiles}`;
      const choice = await vscode.window.showWarningMessage(
        `"${name}" already has a signing key ${where}. Replace it?`,
        {
          modal: true,
          detail: `Tokens signed with the old key stop verifying as soon as the new JWKS is published. "Rotate Key" keeps the old key published next to the new one instead.${source === 'keyFile' ? ' The key file itself is not changed; the new key in secret storage takes precedence.' : ''}`,
        },
        'Replace',
        'Rotate Key',
      );
      if (choice === 'Rotate Key') return this.rotateSigningKey(doc.name);
      if (choice !== 'Replace') return undefined;
    }
    const alg = this.algorithmOf(doc);
    const { key } = await generateSigningKey(alg);
    await this.services.secrets.store(signingKeySecretName(name), await serializeKeySet({ keys: [key] }));
    this.keysChanged(name, `Generated a new ${alg} signing key ${key.kid} in secret storage`);
    this.nextSteps(`Generated a new ${alg} signing key for "${name}" (kid ${key.kid}), kept in VS Code's secret storage. Publish its JWKS before testing: export the issuer documents and host them at the issuer URL.`, doc);
    return key.kid;
  }

  /** Adds a new signing key in front of the current one (both published, the newest signs). Returns the new kid. */
  async rotateSigningKey(arg?: unknown): Promise<string | undefined> {
    const doc = await this.federation(arg, 'self', 'Rotate Signing Key');
    if (!doc?.name) return undefined;
    const name = doc.name;
    const previous = await this.loadKeys(name);
    if (!previous) {
      const action = await vscode.window.showWarningMessage(`"${name}" has no signing key to rotate yet.`, 'Generate Signing Key');
      return action ? this.generateSigningKey(name) : undefined;
    }
    const next = await rotateKeySet(previous, this.algorithmOf(doc));
    await this.services.secrets.store(signingKeySecretName(name), await serializeKeySet(next));
    this.keysChanged(name, `Rotated the signing key: ${describeKeySet(next)}`);
    this.nextSteps(`Rotated the signing key of "${name}": ${describeKeySet(next)}. Republish the JWKS now — the new key signs from now on, and Entra ID must find it at the issuer URL.`, doc);
    return next.keys[0]?.kid;
  }

  /** Deletes the signing key from secret storage after a modal confirmation. Returns true when deleted. */
  async deleteSigningKey(arg?: unknown): Promise<boolean> {
    const doc = await this.federation(arg, 'self', 'Delete Signing Key');
    if (!doc?.name) return false;
    const name = doc.name;
    const source = await this.keySource(name);
    if (source === 'none') {
      void vscode.window.showInformationMessage(`"${name}" has no signing key in secret storage.`);
      return false;
    }
    if (source === 'keyFile') {
      void vscode.window.showInformationMessage(`The signing key of "${name}" comes from a key file named in the user setting federatedSecrets.${SETTING.signingKeyFiles}; remove it there (the file is not deleted by Federated Secrets).`);
      return false;
    }
    const confirmed = await vscode.window.showWarningMessage(
      `Delete the signing key of "${name}"?`,
      { modal: true, detail: 'It is deleted from VS Code\'s secret storage and cannot be recovered. Tokens can no longer be minted for this federation until a new key is generated and its JWKS published.' },
      'Delete',
    );
    if (confirmed !== 'Delete') return false;
    await this.services.context.secrets.delete(signingKeySecretName(name));
    this.keysChanged(name, 'Deleted the signing key from secret storage');
    const fallback = this.services.settings.signingKeyFiles[name] ? ` The key file named in federatedSecrets.${SETTING.signingKeyFiles} is used from now on.` : '';
    void vscode.window.showInformationMessage(`Deleted the signing key of "${name}".${fallback}`);
    return true;
  }

  private nextSteps(message: string, doc: ConfigDocument): void {
    void vscode.window.showInformationMessage(message, 'Export Issuer Documents…', 'Copy Federated Credential').then((action) => {
      if (action === 'Export Issuer Documents…') void vscode.commands.executeCommand(KEY_COMMANDS.exportIssuerDocuments, doc.name);
      else if (action === 'Copy Federated Credential') void vscode.commands.executeCommand(KEY_COMMANDS.copyFederatedCredential, doc.name);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Public documents and the federated credential

  /**
   * Writes `.well-known/openid-configuration` and the JWKS into a folder (picked, or `options.folder`), exactly
   * as `federated-secrets issuer export` does. Only public key members are written (asserted). Returns the
   * files written.
   */
  async exportIssuerDocuments(arg?: unknown, options?: { folder?: vscode.Uri }): Promise<vscode.Uri[] | undefined> {
    const doc = await this.federation(arg, 'self', 'Export Issuer Documents');
    if (!doc?.name) return undefined;
    const name = doc.name;
    const issuerUrl = selfIssuerUrl(doc);
    const set = await this.loadKeys(name);
    if (!set) {
      const action = await vscode.window.showWarningMessage(`"${name}" has no signing key yet, so there is no JWKS to export.`, 'Generate Signing Key');
      if (action) await this.generateSigningKey(name);
      return undefined;
    }
    const exported = await issuerExportFiles(issuerUrl, set);
    let folder = options?.folder instanceof vscode.Uri ? options.folder : undefined;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Export Here',
        title: `Export the issuer documents of "${name}" (public keys only) — the folder to publish at ${issuerUrl}`,
        ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
      });
      folder = picked?.[0];
      if (!folder) return undefined;
    }
    const written: vscode.Uri[] = [];
    for (const file of exported.files) {
      const target = vscode.Uri.joinPath(folder, ...file.path.split('/'));
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(target, '..'));
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(file.content));
      written.push(target);
    }
    const shown = written.map((u) => vscode.workspace.asRelativePath(u)).join(' and ');
    this.log.info(`Exported the issuer documents of "${name}" (${exported.kids.length} public key${exported.kids.length === 1 ? '' : 's'}: ${exported.kids.join(', ')}) to ${shown}.`);
    void vscode.window
      .showInformationMessage(`Wrote ${shown} (public keys only). Publish the folder so that ${exported.discoveryUrl} and ${exported.jwksUri} serve these files over HTTPS.`, 'Open Discovery Document')
      .then((action) => {
        if (action && written[0]) void vscode.window.showTextDocument(written[0]);
      });
    return written;
  }

  /** Copies `{name, issuer, subject, audiences, description}` for `az ad app federated-credential create`. */
  async copyFederatedCredential(arg?: unknown): Promise<string | undefined> {
    const doc = await this.federation(arg, 'self', 'Copy Federated Credential');
    if (!doc?.name) return undefined;
    const { parameters, clientId } = federatedCredentialFor(doc);
    const json = JSON.stringify(parameters, null, 2);
    const command = `az ad app federated-credential create --id ${clientId ?? '<application (client) id>'} --parameters credential.json`;
    if (await copyToClipboard(json)) {
      void vscode.window.showInformationMessage(`Copied the federated credential of "${doc.name}" (issuer ${parameters.issuer}, subject ${parameters.subject}). Save it as credential.json and run: ${command}`);
    } else {
      // A browser may refuse clipboard access (VS Code for the Web): show the JSON instead. It holds no secret.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'json', content: `${json}\n` }), { preview: false });
      void vscode.window.showWarningMessage(`The clipboard is not available here, so the federated credential of "${doc.name}" opened in an editor instead. Save it as credential.json and run: ${command}`);
    }
    return json;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Issuer client secrets (oidc)

  async setIssuerClientSecret(arg?: unknown): Promise<boolean> {
    const doc = await this.federation(arg, 'oidc', 'Set Issuer Client Secret');
    if (!doc?.name) return false;
    const name = doc.name;
    const issuer = federationConfigOf(doc).issuer;
    const clientId = issuer && issuer.type === 'oidc' ? issuer.clientId : undefined;
    const url = issuer && issuer.type === 'oidc' ? issuer.issuerUrl : undefined;
    const value = await vscode.window.showInputBox({
      title: `Issuer client secret of "${name}"`,
      prompt: `The client secret of the OIDC client ${clientId ? `"${clientId}" ` : ''}at ${url ?? 'the issuer'}. It is kept in VS Code's secret storage, never in the repository.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' ? 'Enter the client secret (or press Escape).' : text !== text.trim() ? 'The secret starts or ends with white space — was it pasted with a line break?' : undefined),
    });
    if (value === undefined || value.trim() === '') return false;
    await this.services.secrets.store(issuerClientSecretName(name), value);
    this.keysChanged(name, 'Stored the issuer client secret in secret storage');
    void vscode.window.showInformationMessage(`Stored the issuer client secret of "${name}" in VS Code's secret storage.`);
    return true;
  }

  async clearIssuerClientSecret(arg?: unknown): Promise<boolean> {
    const doc = await this.federation(arg, 'oidc', 'Clear Issuer Client Secret');
    if (!doc?.name) return false;
    const name = doc.name;
    if ((await this.services.context.secrets.get(issuerClientSecretName(name))) === undefined) {
      void vscode.window.showInformationMessage(`"${name}" has no issuer client secret in secret storage.`);
      return false;
    }
    const confirmed = await vscode.window.showWarningMessage(`Remove the issuer client secret of "${name}" from VS Code's secret storage?`, { modal: true, detail: 'Connection tests of this federation need it again afterwards.' }, 'Remove');
    if (confirmed !== 'Remove') return false;
    await this.services.context.secrets.delete(issuerClientSecretName(name));
    this.keysChanged(name, 'Removed the issuer client secret from secret storage');
    void vscode.window.showInformationMessage(`Removed the issuer client secret of "${name}".`);
    return true;
  }
}
