import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_KINDS, CONSUMER_KINDS } from '../../src/core/model/kinds';
import { parseConfigText } from '../../src/core/model/parse';
import { PLACEHOLDER_FEDERATION, PLACEHOLDER_STORE, configTemplate, newFileName, preferredDirectory, storeProviderForCloud, toKebabCase, validateNewName } from '../../src/core/model/templates';
import type { CloudProvider, StoreProvider } from '../../src/core/model/types';
import { codesAt, indexOf } from './helpers';

describe('new-file templates', () => {
  for (const kind of CONFIG_KINDS) {
    it(`the ${kind} template parses and passes its schema with no diagnostic`, () => {
      const file = newFileName(kind, 'Demo');
      const { document, diagnostics } = parseConfigText(file, configTemplate(kind, 'Demo'));
      assert.deepEqual(diagnostics, []);
      assert.equal(document.schemaValid, true);
      assert.equal(document.name, 'Demo');
    });
  }

  for (const cloud of ['azure', 'aws', 'gcp'] as CloudProvider[]) {
    it(`the federation template for ${cloud} is schema-valid`, () => {
      const { diagnostics, document } = parseConfigText('x.federation.json', configTemplate('federation', 'Fed', { cloudProvider: cloud }));
      assert.deepEqual(diagnostics, []);
      assert.equal((document.config as { cloudProvider?: string }).cloudProvider, cloud);
    });
  }

  for (const provider of ['azureKeyVault', 'awsSecretsManager', 'gcpSecretManager', 'hashicorpVault'] as StoreProvider[]) {
    it(`the secret store template for ${provider} is schema-valid`, () => {
      const { diagnostics, document } = parseConfigText('x.secretstore.json', configTemplate('secretstore', 'Store', { provider }));
      assert.deepEqual(diagnostics, []);
      assert.equal((document.config as { provider?: string }).provider, provider);
    });
  }

  it('the templates form a consistent workspace once created in order (federation, store, consumers)', () => {
    const files: Record<string, string> = {
      'fed.federation.json': configTemplate('federation', 'Fed'),
      'store.secretstore.json': configTemplate('secretstore', 'Store', { federation: 'Fed', federationCloud: 'azure' }),
    };
    const index = indexOf(files);
    // The only note: the store's example mapping is not used yet.
    assert.deepEqual(index.allDiagnostics().map((d) => d.code), ['FS211']);
  });

  it('a store created without any federation names the placeholder, which the workspace check reports (FS202)', () => {
    const text = configTemplate('secretstore', 'Store');
    assert.match(text, new RegExp(`"federation": "${PLACEHOLDER_FEDERATION}"`));
    const index = indexOf({ 'store.secretstore.json': text });
    assert.deepEqual(
      index.allDiagnostics().map((d) => d.code),
      ['FS202', 'FS211'],
    );
  });

  it('a store picks the secret manager of its federation\'s cloud, so the pair matches (no FS206)', () => {
    assert.equal(storeProviderForCloud('aws'), 'awsSecretsManager');
    assert.equal(storeProviderForCloud('gcp'), 'gcpSecretManager');
    assert.equal(storeProviderForCloud(undefined), 'azureKeyVault');
    const index = indexOf({
      'fed.federation.json': configTemplate('federation', 'Fed', { cloudProvider: 'aws' }),
      'store.secretstore.json': configTemplate('secretstore', 'Store', { federation: 'Fed', federationCloud: 'aws' }),
    });
    assert.ok(!index.allDiagnostics().some((d) => d.code === 'FS206'), codesAt(index.allDiagnostics()).join(', '));
  });

  for (const kind of CONSUMER_KINDS) {
    it(`a ${kind} references the given store; its references are reported as unmapped until the store maps them (FS205)`, () => {
      const index = indexOf({
        'fed.federation.json': configTemplate('federation', 'Fed'),
        'store.secretstore.json': configTemplate('secretstore', 'Store', { federation: 'Fed' }),
        [newFileName(kind, 'Demo')]: configTemplate(kind, 'Demo', { store: 'Store' }),
      });
      const consumer = index.diagnosticsFor(newFileName(kind, 'Demo'));
      assert.ok(consumer.length > 0);
      assert.deepEqual([...new Set(consumer.map((d) => d.code))], ['FS205']);
      // Never a plain-text secret in a template.
      assert.ok(!index.allDiagnostics().some((d) => d.code === 'FS207'));
    });
  }

  it('a consumer created without any store names the placeholder store (FS203)', () => {
    const text = configTemplate('authprofile', 'Api');
    assert.match(text, new RegExp(`"secretRef": "${PLACEHOLDER_STORE}/ApiClientSecret"`));
    const index = indexOf({ 'api.authprofile.json': text });
    assert.deepEqual([...new Set(index.allDiagnostics().map((d) => d.code))], ['FS203']);
  });

  it('ends with a newline and is indented with two spaces', () => {
    const text = configTemplate('federation', 'Fed');
    assert.ok(text.endsWith('}\n'));
    assert.match(text, /^\{\n {2}"name": "Fed",/);
  });
});

describe('new-file names', () => {
  it('turns instance names into kebab-case file names', () => {
    assert.equal(toKebabCase('FlightsAPI'), 'flights-api');
    assert.equal(toKebabCase('MKTAirlines'), 'mkt-airlines');
    assert.equal(toKebabCase('APIKeyStore'), 'api-key-store');
    assert.equal(toKebabCase('my_store.v2'), 'my-store-v2');
    assert.equal(toKebabCase('payments-db'), 'payments-db');
    assert.equal(toKebabCase('Store2Go'), 'store2-go');
    assert.equal(newFileName('secretstore', 'FlightsSecrets'), 'flights-secrets.secretstore.json');
    assert.equal(newFileName('authprofile', '___'), 'authprofile.authprofile.json');
  });

  it('validates names with the schema rules and against existing names', () => {
    assert.equal(validateNewName('federation', 'MKTAirlines', []), undefined);
    assert.equal(validateNewName('federation', '', []), 'Enter a name.');
    assert.match(validateNewName('federation', 'has space', []) ?? '', /letters, digits/);
    assert.match(validateNewName('federation', '-leading', []) ?? '', /starting with a letter or digit/);
    assert.match(validateNewName('federation', 'a/b', []) ?? '', /no '\/'/);
    assert.match(validateNewName('federation', 'x'.repeat(65), []) ?? '', /at most 64 characters \(this one has 65\)/);
    assert.equal(validateNewName('federation', 'x'.repeat(64), []), undefined);
    assert.equal(validateNewName('federation', 'Fed', ['Fed']), 'An Identity Federation named "Fed" already exists. Names must be unique per kind.');
    assert.equal(validateNewName('keystore', 'Ks', ['Ks']), 'A Keystore named "Ks" already exists. Names must be unique per kind.');
    assert.equal(validateNewName('federation', 'fed', ['Fed']), undefined);
  });

  it('puts a new file next to the files of its kind, else next to any config file, else at the folder root', () => {
    const files = [
      { path: '/ws/config/b.secretstore.json', kind: 'secretstore' as const },
      { path: '/ws/config/federations/a.federation.json', kind: 'federation' as const },
    ];
    assert.equal(preferredDirectory(files, 'federation'), '/ws/config/federations');
    assert.equal(preferredDirectory(files, 'secretstore'), '/ws/config');
    assert.equal(preferredDirectory(files, 'authprofile'), '/ws/config');
    assert.equal(preferredDirectory([], 'authprofile'), undefined);
  });
});
