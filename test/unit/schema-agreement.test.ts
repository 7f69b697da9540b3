// What the user sees in the editor (VS Code's JSON language service with our contributed schemas) must agree
// with what the CLI and CI enforce (ajv over the same schema files): same valid/invalid verdict per file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { getLanguageService, TextDocument, DiagnosticSeverity } from 'vscode-json-languageservice';
import { CONFIG_KINDS, kindOfFile } from '../../src/core/model/kinds';
import { parseConfigText } from '../../src/core/model/parse';

const root = path.resolve(__dirname, '../..');
const schemaDir = path.join(root, 'schemas');

const service = getLanguageService({
  schemaRequestService: (uri) => {
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    return Promise.resolve(readFileSync(path.join(schemaDir, name), 'utf8'));
  },
  workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).toString() },
});
// As package.json's contributes.jsonValidation declares them.
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes?: { jsonValidation?: { fileMatch: string; url: string }[] } };
const contributed = manifest.contributes?.jsonValidation ?? CONFIG_KINDS.map((k) => ({ fileMatch: `*.${k}.json`, url: `./schemas/${k}.schema.json` }));
service.configure({
  validate: true,
  allowComments: true,
  schemas: contributed.map((c) => ({ uri: `file:///extension/${c.url.replace(/^\.\//, '')}`, fileMatch: [c.fileMatch] })),
});

async function editorSchemaErrors(file: string, text: string): Promise<string[]> {
  const document = TextDocument.create(`file:///workspace/${path.basename(file)}`, 'jsonc', 1, text);
  const json = service.parseJSONDocument(document);
  // Syntax problems (duplicate keys included, which the language service counts as syntax) and files with no
  // value are reported by both sides separately; only schema verdicts are compared here.
  // The public type hides these members; the parsed document has them.
  const parsed = json as unknown as { syntaxErrors: unknown[]; root?: unknown };
  if (parsed.syntaxErrors.length || !parsed.root) return ['<syntax>'];
  const diagnostics = await service.doValidation(document, json, { comments: 'ignore', trailingCommas: 'ignore', schemaValidation: 'error', schemaRequest: 'error' });
  return diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`);
}

function ajvVerdict(file: string, text: string): { syntax: boolean; valid: boolean } {
  const { document, diagnostics } = parseConfigText(file, text);
  const syntax = diagnostics.some((d) => ['FS001', 'FS002', 'FS003', 'FS007'].includes(d.code));
  return { syntax, valid: document.schemaValid };
}

function filesIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => kindOfFile(f))
    .map((f) => path.join(folder, f));
}

const corpus = [...filesIn(path.join(root, 'samples')), ...filesIn(path.join(root, 'test/fixtures/broken')), ...filesIn(path.join(root, 'test/fixtures/valid'))];

/** Extra cases aimed at the schema's corners: conditional blocks, secret values, exactly-one-of. */
const edgeCases: Record<string, object> = {
  'gcp-missing-block.federation.json': { name: 'G', cloudProvider: 'gcp', issuer: { type: 'tokenFile', path: '/t' } },
  'oidc-extra.federation.json': { name: 'O', cloudProvider: 'aws', issuer: { type: 'oidc', issuerUrl: 'https://o.example.com', clientId: 'c', subject: 'x' }, aws: { roleArn: 'arn:aws:iam::123456789012:role/r', region: 'us-east-1' } },
  'unknown-issuer.federation.json': { name: 'U', cloudProvider: 'azure', issuer: { type: 'saml' }, azure: { tenantId: 'contoso.onmicrosoft.com', clientId: '9a8f6e2c-1b3d-4c5e-8f7a-2d4b6c8e0f11' } },
  'both-vault.secretstore.json': { name: 'S', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'F' }, azureKeyVault: { vaultName: 'abc', vaultUrl: 'https://abc.vault.azure.net' } },
  'vault-url.secretstore.json': { name: 'S', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'F' }, azureKeyVault: { vaultUrl: 'https://abc.vault.azure.net' } },
  'bad-ref-shape.authprofile.json': { name: 'P', type: 'oauth2', grantType: 'clientCredentials', tokenEndpoint: 'https://t.example.com', clientId: { secretRef: 'a/b', extra: 1 }, clientSecret: { secretRef: 'a/b' } },
  'number-secret.authprofile.json': { name: 'P', type: 'oauth2', grantType: 'clientCredentials', tokenEndpoint: 'https://t.example.com', clientId: 'id', clientSecret: 7 },
  'kafka.connection.json': { name: 'K', type: 'kafka', host: 'k.example.com', user: 'u', password: { secretRef: 'a/b' } },
  'db-missing-driver.connection.json': { name: 'D', type: 'database', host: 'd.example.com', user: 'u', password: { secretRef: 'a/b' } },
  'empty-credentials.repository.json': { name: 'R', type: 's3', location: 's3://bucket/prefix', credentials: {} },
  'bad-name.keystore.json': { name: 'has space', format: 'PEM', file: 'k.pem', password: { secretRef: 'a/b' } },
  'lifetime.federation.json': { name: 'L', cloudProvider: 'azure', issuer: { type: 'self', issuerUrl: 'https://i.example.com/', subject: 's', tokenLifetimeSeconds: 4000 }, azure: { tenantId: 'contoso.onmicrosoft.com', clientId: '9a8f6e2c-1b3d-4c5e-8f7a-2d4b6c8e0f11' } },
};

describe('ajv and the VS Code JSON language service agree', () => {
  it('covers samples, fixtures of both verdicts and every kind', () => {
    const kinds = new Set(corpus.map((f) => kindOfFile(f)));
    assert.equal(kinds.size, CONFIG_KINDS.length);
    assert.ok(corpus.length >= 20);
  });

  for (const file of corpus) {
    it(path.relative(root, file), async () => {
      const text = readFileSync(file, 'utf8');
      const ajv = ajvVerdict(file, text);
      const editor = await editorSchemaErrors(file, text);
      if (ajv.syntax || editor[0] === '<syntax>') {
        assert.equal(ajv.syntax, editor[0] === '<syntax>', 'both must see the syntax error');
        return;
      }
      assert.equal(editor.length === 0, ajv.valid, `ajv says ${ajv.valid ? 'valid' : 'invalid'}; editor errors: ${editor.join(' | ') || 'none'}`);
    });
  }

  for (const [file, value] of Object.entries(edgeCases)) {
    it(`edge case ${file}`, async () => {
      const text = JSON.stringify(value, null, 2);
      const ajv = ajvVerdict(file, text);
      const editor = await editorSchemaErrors(file, text);
      assert.equal(editor.length === 0, ajv.valid, `ajv says ${ajv.valid ? 'valid' : 'invalid'}; editor errors: ${editor.join(' | ') || 'none'}`);
    });
  }

  it('the editor resolves every schema without load errors', async () => {
    for (const kind of CONFIG_KINDS) {
      const errors = await editorSchemaErrors(`x.${kind}.json`, '{}');
      assert.ok(!errors.some((e) => /load|resolve/i.test(e)), errors.join(' | '));
    }
  });
});
