import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigBytes, parseConfigText } from '../../src/core/model/parse';
import { codesAt, FEDERATION } from './helpers';

const valid = JSON.stringify(FEDERATION, null, 2);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('parsing bad input', () => {
  it('accepts a valid file with comments and trailing commas', () => {
    const text = `// a comment\n{\n  /* block */ "name": "Fed", "cloudProvider": "azure",\n  "issuer": { "type": "self", "issuerUrl": "https://i.example.com/", "subject": "s", },\n  "azure": { "tenantId": "contoso.onmicrosoft.com", "clientId": "9a8f6e2c-1b3d-4c5e-8f7a-2d4b6c8e0f11" },\n}`;
    const { document, diagnostics } = parseConfigText('x.federation.json', text);
    assert.deepEqual(diagnostics, []);
    assert.equal(document.schemaValid, true);
    assert.equal(document.name, 'Fed');
    assert.deepEqual(document.nameRange?.start, { line: 2, character: 22 });
  });

  it('locates malformed JSON at the missing comma', () => {
    const { diagnostics } = parseConfigText('x.federation.json', '{\n  "name": "Fed"\n  "cloudProvider": "azure"\n}');
    assert.deepEqual(codesAt(diagnostics), ['FS001@3']);
    assert.match(diagnostics[0]?.message ?? '', /comma is expected/);
  });

  it('reports an unterminated file', () => {
    const { diagnostics } = parseConfigText('x.federation.json', '{ "name": "Fed", "issuer": {');
    assert.ok(diagnostics.length >= 1);
    assert.ok(diagnostics.every((d) => d.code === 'FS001'));
  });

  it('reports wrong types at the value', () => {
    const text = valid.replace('"cloudProvider": "azure"', '"cloudProvider": 42');
    const { diagnostics } = parseConfigText('x.federation.json', text);
    const typeError = diagnostics.find((d) => d.code === 'FS103');
    assert.ok(typeError, JSON.stringify(diagnostics));
    assert.match(typeError.message, /`cloudProvider` must be a string, but is an integer/);
    assert.equal(typeError.range.start.line, 2);
  });

  it('warns about a byte order mark and still validates the file (bytes and editor text)', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(valid)]);
    const fromBytes = parseConfigBytes('x.federation.json', bom);
    assert.deepEqual(codesAt(fromBytes.diagnostics), ['FS008@1']);
    assert.equal(fromBytes.document.schemaValid, true);
    const fromText = parseConfigText('x.federation.json', `\uFEFF${valid}`);
    assert.deepEqual(codesAt(fromText.diagnostics), ['FS008@1']);
    assert.equal(fromText.document.nameRange?.start.character, fromBytes.document.nameRange?.start.character);
  });

  it('reports an empty or blank file', () => {
    assert.deepEqual(codesAt(parseConfigText('x.federation.json', '').diagnostics), ['FS002@1']);
    assert.deepEqual(codesAt(parseConfigText('x.federation.json', ' \n\t\n').diagnostics), ['FS002@1']);
  });

  it('reports duplicate keys at the second occurrence, pointing at the first', () => {
    const { diagnostics } = parseConfigText('x.federation.json', valid.replace('"name": "Fed",', '"name": "Fed",\n  "name": "Other",'));
    const duplicate = diagnostics.find((d) => d.code === 'FS003');
    assert.ok(duplicate);
    assert.equal(duplicate.range.start.line, 2);
    assert.equal(duplicate.related?.[0]?.range.start.line, 1);
  });

  it('stops at nesting deeper than the limit without overflowing the stack', () => {
    const deep = `{"name": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const { diagnostics } = parseConfigText('x.federation.json', deep);
    assert.deepEqual(diagnostics.map((d) => d.code), ['FS007']);
    assert.equal(diagnostics[0]?.range.start.character, 9 + 63);
  });

  it('refuses a 10 MB file quickly with a clear message', () => {
    const huge = `{"name": "Fed", "description": "${'x'.repeat(10 * 1024 * 1024)}"}`;
    const started = process.hrtime.bigint();
    const fromBytes = parseConfigBytes('x.federation.json', utf8(huge));
    const fromText = parseConfigText('x.federation.json', huge);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual(fromBytes.diagnostics.map((d) => d.code), ['FS006']);
    assert.deepEqual(fromText.diagnostics.map((d) => d.code), ['FS006']);
    assert.match(fromBytes.diagnostics[0]?.message ?? '', /10\.0 MB/);
    // Not a timing assertion on speed: just a sanity bound that nothing walked the content.
    assert.ok(elapsedMs < 5000);
  });

  it('locates the first byte that is not UTF-8', () => {
    const bytes = new Uint8Array([...utf8('{\n  "name": "F'), 0xff, ...utf8('ed"\n}')]);
    const { diagnostics } = parseConfigBytes('x.federation.json', bytes);
    assert.deepEqual(codesAt(diagnostics), ['FS004@2']);
    assert.match(diagnostics[0]?.message ?? '', /0xFF at line 2/);
    assert.equal(diagnostics[0]?.range.start.character, 12);
  });

  it('rejects overlong and surrogate UTF-8 encodings', () => {
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      const { diagnostics } = parseConfigBytes('x.federation.json', new Uint8Array([0x7b, ...bad, 0x7d]));
      assert.deepEqual(diagnostics.map((d) => d.code), ['FS004'], `bytes ${bad.join(',')}`);
    }
    const ok = parseConfigBytes('x.federation.json', utf8(valid.replace('"Fed"', '"Féd€𝄞"')));
    assert.ok(!ok.diagnostics.some((d) => d.code === 'FS004'));
  });

  it('recognises UTF-16 files', () => {
    const { diagnostics } = parseConfigBytes('x.federation.json', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]));
    assert.deepEqual(diagnostics.map((d) => d.code), ['FS004']);
    assert.match(diagnostics[0]?.message ?? '', /UTF-16/);
  });

  it('reports a file that holds an array instead of an object', () => {
    assert.deepEqual(codesAt(parseConfigText('x.federation.json', '[1, 2]').diagnostics), ['FS103@1']);
  });

  it('caps the number of syntax errors reported', () => {
    const { diagnostics } = parseConfigText('x.federation.json', `{${'@'.repeat(500)}}`);
    assert.ok(diagnostics.length <= 26, `${diagnostics.length} diagnostics`);
  });
});

describe('schema errors', () => {
  const errorsOf = (kind: string, value: object) => parseConfigText(`x.${kind}.json`, JSON.stringify(value, null, 2)).diagnostics;

  it('suggests the closest property for a misspelt one', () => {
    const diagnostics = errorsOf('federation', { ...FEDERATION, issuer: { type: 'self', issuerUrl: 'https://i.example.com/', subjct: 's' } });
    const messages = diagnostics.map((d) => `${d.code} ${d.message}`);
    assert.ok(messages.some((m) => m.startsWith('FS102') && m.includes('Did you mean `subject`?')), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('FS101') && m.includes('`subject`')), messages.join('\n'));
  });

  it('suggests the closest enum value', () => {
    const diagnostics = errorsOf('federation', { ...FEDERATION, cloudProvider: 'Azur' });
    assert.ok(diagnostics.some((d) => d.code === 'FS104' && d.message.includes('Did you mean `azure`?')));
  });

  it('explains a Key Vault with both or neither of vaultName and vaultUrl', () => {
    const base = { name: 'S', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'F' } };
    for (const azureKeyVault of [{}, { vaultName: 'abc', vaultUrl: 'https://abc.vault.azure.net' }]) {
      const diagnostics = errorsOf('secretstore', { ...base, azureKeyVault });
      assert.deepEqual(diagnostics.map((d) => d.code), ['FS105']);
      assert.match(diagnostics[0]?.message ?? '', /exactly one of vaultName or vaultUrl/);
    }
  });

  it('flags a provider block that does not match cloudProvider, without noise from inside it', () => {
    const diagnostics = errorsOf('federation', { ...FEDERATION, aws: { roleArn: 'x' } });
    assert.deepEqual(diagnostics.map((d) => d.code), ['FS102']);
  });

  it('requires the block matching the provider', () => {
    const diagnostics = errorsOf('federation', { name: 'F', cloudProvider: 'gcp', issuer: { type: 'tokenFile', path: '/t' } });
    assert.ok(diagnostics.some((d) => d.code === 'FS101' && d.message.includes('`gcp`')));
  });

  it('checks ranges: token lifetime and vault name', () => {
    const lifetime = errorsOf('federation', { ...FEDERATION, issuer: { ...FEDERATION.issuer, tokenLifetimeSeconds: 10 } });
    assert.ok(lifetime.some((d) => d.code === 'FS104' && d.message.includes('tokenLifetimeSeconds')));
    const vault = errorsOf('secretstore', { name: 'S', provider: 'azureKeyVault', authentication: { type: 'identityFederation', federation: 'F' }, azureKeyVault: { vaultName: 'a--b' } });
    assert.ok(vault.some((d) => d.code === 'FS104' && d.message.includes('3–24')));
  });

  it('explains a secret value of the wrong shape', () => {
    const profile = { name: 'P', type: 'oauth2', grantType: 'clientCredentials', tokenEndpoint: 'https://i.example.com/t', clientId: 'id', clientSecret: ['x'] };
    const diagnostics = errorsOf('authprofile', profile);
    assert.ok(diagnostics.some((d) => d.code === 'FS103' && d.message.includes('secretRef')), JSON.stringify(diagnostics));
  });

  it('rejects a plain-http token endpoint', () => {
    const profile = { name: 'P', type: 'oauth2', grantType: 'clientCredentials', tokenEndpoint: 'http://i.example.com/t', clientId: 'id', clientSecret: { secretRef: 'a/b' } };
    assert.ok(errorsOf('authprofile', profile).some((d) => d.code === 'FS104' && d.message.includes('https://')));
  });
});
