import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkspaceIndex } from '../../src/core/workspace/index';
import type { TreeModel, TreeNode } from '../../src/core/workspace/tree';
import { GROUP_IDS, buildTree, findNodeAt } from '../../src/core/workspace/tree';
import { FEDERATION, PROFILE, STORE, indexOf } from './helpers';

const scenario = { 'fed.federation.json': FEDERATION, 'store.secretstore.json': STORE, 'p.authprofile.json': PROFILE };

function tree(files: Record<string, string | object>, showMappings = true): TreeModel {
  return buildTree(indexOf(files), { showMappings });
}

function node(model: TreeModel, id: string): TreeNode {
  const found = model.byId.get(id);
  assert.ok(found, `no node ${id}; have ${[...model.byId.keys()].join(', ')}`);
  return found;
}

/** label | description | icon[:color] | contextValue — one line per node, for compact exact assertions. */
function summary(n: TreeNode): string {
  return [n.label, n.description ?? '', n.icon ? `${n.icon.id}${n.icon.color ? `:${n.icon.color}` : ''}` : '', n.contextValue].join(' | ');
}

describe('tree model', () => {
  it('has no roots for an empty workspace, so the view shows its welcome', () => {
    const model = buildTree(new WorkspaceIndex(), { showMappings: true });
    assert.deepEqual(model.roots, []);
    assert.deepEqual(model.counts, { errors: 0, warnings: 0 });
  });

  it('groups federations, stores and consumers, each group with its count', () => {
    const model = tree(scenario);
    assert.deepEqual(model.roots.map(summary), [
      'Identity Federations | 1 |  | group.federations',
      'Secret Stores | 1 |  | group.stores',
      'Consumers | 1 |  | group.consumers',
    ]);
    assert.deepEqual(model.roots.map((r) => r.id), [GROUP_IDS.federations, GROUP_IDS.stores, GROUP_IDS.consumers]);
    assert.ok(model.roots.every((r) => r.expanded));
  });

  it('shows empty groups as "none" once any file exists', () => {
    const model = tree({ 'fed.federation.json': FEDERATION });
    assert.deepEqual(model.roots.map((r) => `${r.label}: ${r.description ?? ''} (${r.children.length})`), ['Identity Federations: 1 (1)', 'Secret Stores: none (0)', 'Consumers: none (0)']);
  });

  it('describes a federation by cloud and issuer type, with issuer URL, subject and audience in the tooltip', () => {
    const federation = { ...FEDERATION, issuer: { ...FEDERATION.issuer, audience: 'api://AzureADTokenExchange' } };
    const model = tree({ ...scenario, 'fed.federation.json': federation });
    const fed = node(model, 'federation:fed.federation.json');
    assert.equal(summary(fed), 'Fed | Azure · self-issued | shield | federation');
    const tooltip = fed.tooltip ?? '';
    assert.match(tooltip, /^Identity Federation "Fed"$/m);
    assert.match(tooltip, /^Issuer URL: https:\/\/issuer\.example\.com\/app\/$/m);
    assert.match(tooltip, /^Subject: app:demo$/m);
    assert.match(tooltip, /^Audience: api:\/\/AzureADTokenExchange$/m);
    assert.match(tooltip, /^Tenant id: 4d2b1a7e-/m);
    assert.match(tooltip, /^File: fed\.federation\.json$/m);
    // Its children are the stores authenticating through it, leading to the store's federation reference.
    assert.deepEqual(fed.children.map(summary), ['Store | Azure Key Vault | database | federation.store']);
    assert.equal(fed.children[0]?.location?.file, 'store.secretstore.json');
  });

  it('describes a store by provider and vault; its mappings show reference → secret name and how many consumers use each', () => {
    const model = tree(scenario);
    const store = node(model, 'secretstore:store.secretstore.json');
    assert.equal(summary(store), 'Store | Azure Key Vault · demo-kv | database | secretStore');
    assert.match(store.tooltip ?? '', /^Federation: Fed$/m);
    assert.deepEqual(store.children.map(summary), ['ClientId → client-id | 1 consumer | key | mapping', 'ClientSecret → client-secret | 1 consumer | key | mapping']);
    assert.match(store.children[0]?.tooltip ?? '', /Used by: Profile \(clientId\)/);
    assert.deepEqual(store.children[0]?.data, { store: 'Store', reference: 'ClientId' });
  });

  it('counts distinct consumers per mapping and marks unused ones', () => {
    const second = { ...PROFILE, name: 'Second', clientId: { secretRef: 'Store/ClientSecret' } };
    const model = tree({ ...scenario, 'p.authprofile.json': { ...PROFILE, clientId: { secretRef: 'Store/ClientSecret' } }, 'q.authprofile.json': second });
    const store = node(model, 'secretstore:store.secretstore.json');
    assert.deepEqual(store.children.map((c) => c.description), ['unused', '2 consumers']);
    assert.match(store.children[0]?.tooltip ?? '', /Not used by any consumer yet\./);
  });

  it('hides mappings when showMappings is off', () => {
    const model = tree(scenario, false);
    assert.deepEqual(node(model, 'secretstore:store.secretstore.json').children, []);
  });

  it('shows a consumer with its kind and secret fields; resolved references get a check icon', () => {
    const model = tree(scenario);
    const profile = node(model, 'authprofile:p.authprofile.json');
    assert.equal(summary(profile), 'Profile | Auth Profile | account | consumer.authprofile');
    assert.deepEqual(profile.children.map(summary), [
      'clientId | Store/ClientId | pass:success | secretField.resolved',
      'clientSecret | Store/ClientSecret | pass:success | secretField.resolved',
    ]);
    assert.match(profile.children[1]?.tooltip ?? '', /Resolves to vault secret "client-secret"/);
    assert.match(profile.children[1]?.tooltip ?? '', /Azure Key Vault demo-kv/);
  });

  it('marks unresolved fields with an error icon and says why: unknown store, unmapped reference, malformed, invalid', () => {
    const profile = { ...PROFILE, clientId: { secretRef: 'Nope/ClientId' }, clientSecret: { secretRef: 'Store/Missing' } };
    const registration = { name: 'Reg', clientId: { secretRef: 'StoreClientId' }, clientSecret: { notARef: 'x' } };
    const model = tree({ ...scenario, 'p.authprofile.json': profile, 'r.clientregistration.json': registration });
    const fields = node(model, 'authprofile:p.authprofile.json').children;
    assert.deepEqual(fields.map(summary), [
      'clientId | Nope/ClientId (unknown store) | error:error | secretField.unresolved',
      'clientSecret | Store/Missing (not mapped) | error:error | secretField.unresolved',
    ]);
    assert.match(fields[0]?.tooltip ?? '', /no External Secret Store is named "Nope"/);
    assert.match(fields[1]?.tooltip ?? '', /the store "Store" maps no reference "Missing"/);
    const reg = node(model, 'clientregistration:r.clientregistration.json').children;
    assert.deepEqual(reg.map(summary), ['clientId | malformed reference | error:error | secretField.unresolved', 'clientSecret | invalid value | error:error | secretField.unresolved']);
    assert.match(reg[0]?.tooltip ?? '', /must be "<store>\/<reference>"/);
  });

  it('warns about plain-text secrets and never shows a literal value anywhere in the tree', () => {
    const literal = 'hunter2-s3cr3t-VALUE';
    const files = {
      ...scenario,
      'p.authprofile.json': { ...PROFILE, clientId: `${literal}-id`, clientSecret: literal },
      'ks.keystore.json': { name: 'Ks', format: 'PEM', file: `${literal}-file`, password: { secretRef: `${literal}-pasted` } },
      'db.connection.json': { name: 'Db', type: 'kafka', host: 'h', user: 'app', password: literal },
    };
    const model = tree(files);
    const fields = node(model, 'authprofile:p.authprofile.json').children;
    assert.deepEqual(fields.map(summary), [
      'clientId | literal value | symbol-string | secretField.literal',
      'clientSecret | plain text | warning:warning | secretField.plaintext',
    ]);
    assert.match(fields[1]?.tooltip ?? '', /holds a secret as plain text/);
    assert.equal(node(model, 'connection:db.connection.json/field:password').description, 'plain text');
    assert.equal(node(model, 'keystore:ks.keystore.json/field:password').description, 'malformed reference');
    const everything = JSON.stringify([...model.byId.values()].map((n) => ({ ...n, children: undefined })));
    assert.ok(!everything.includes('hunter2'), 'a literal value leaked into the tree');
    assert.ok(model.counts.warnings >= 2);
  });

  it('gives instances whose file has errors an error icon and names the problem count; files without a name show their file name', () => {
    const model = tree({ ...scenario, 'broken.federation.json': '{ "name": "Broken", ', 'nameless.secretstore.json': '[]' });
    assert.equal(summary(node(model, 'federation:broken.federation.json')), 'Broken |  | error:error | federation');
    assert.match(node(model, 'federation:broken.federation.json').tooltip ?? '', /\d+ errors?.*Problems panel/);
    assert.equal(summary(node(model, 'secretstore:nameless.secretstore.json')), 'nameless.secretstore.json | no name | error:error | secretStore');
    assert.ok(model.counts.errors >= 2);
  });

  it('leads every instance and field to its place in its file', () => {
    const text = JSON.stringify(PROFILE, null, 2);
    const model = tree({ ...scenario, 'p.authprofile.json': text });
    const profile = node(model, 'authprofile:p.authprofile.json');
    assert.deepEqual(profile.location, { file: 'p.authprofile.json', range: { start: { line: 1, character: 10 }, end: { line: 1, character: 19 } } });
    const secretLine = text.split('\n').findIndex((l) => l.includes('"clientSecret"'));
    const field = node(model, 'authprofile:p.authprofile.json/field:clientSecret');
    assert.equal(field.location?.range.start.line, secretLine + 1);
    const valueLine = text.split('\n')[secretLine + 1] ?? '';
    assert.equal(valueLine.slice(field.location?.range.start.character, field.location?.range.end.character), '"Store/ClientSecret"');
    const mapping = node(model, 'secretstore:store.secretstore.json/mapping:ClientSecret');
    assert.equal(mapping.location?.file, 'store.secretstore.json');
  });

  it('keeps ids stable across rebuilds, unique, and linked to their parents', () => {
    const a = tree(scenario);
    const b = tree({ ...scenario, 'other.federation.json': { ...FEDERATION, name: 'Other' } });
    for (const id of a.byId.keys()) assert.ok(b.byId.has(id), `${id} disappeared after an unrelated change`);
    const all: TreeNode[] = [];
    const walk = (n: TreeNode) => {
      all.push(n);
      n.children.forEach(walk);
    };
    b.roots.forEach(walk);
    assert.equal(new Set(all.map((n) => n.id)).size, all.length, 'duplicate ids');
    assert.equal(b.byId.size, all.length);
    for (const n of all) {
      if (b.roots.includes(n)) assert.equal(n.parentId, undefined);
      else assert.ok(n.parentId && b.byId.get(n.parentId)?.children.includes(n), `${n.id} has a wrong parent`);
    }
  });

  it('numbers a reference declared twice, so ids stay unique', () => {
    const store = { ...STORE, secrets: [...STORE.secrets, { reference: 'ClientId', secretName: 'again' }] };
    const model = tree({ ...scenario, 'store.secretstore.json': store });
    assert.ok(model.byId.has('secretstore:store.secretstore.json/mapping:ClientId'));
    assert.ok(model.byId.has('secretstore:store.secretstore.json/mapping:ClientId#2'));
  });

  it('sorts instances by name within a group and consumers by kind, then name', () => {
    const model = tree({
      ...scenario,
      'b.federation.json': { ...FEDERATION, name: 'alpha' },
      'z.connection.json': { name: 'Aaa', type: 'kafka', host: 'h', user: { secretRef: 'Store/ClientId' }, password: { secretRef: 'Store/ClientSecret' } },
      'y.authprofile.json': { ...PROFILE, name: 'Zed', clientId: 'literal-id' },
    });
    assert.deepEqual(node(model, GROUP_IDS.federations).children.map((n) => n.label), ['alpha', 'Fed']);
    assert.deepEqual(node(model, GROUP_IDS.consumers).children.map((n) => `${n.description ?? ''}:${n.label}`), ['Auth Profile:Profile', 'Auth Profile:Zed', 'Connection:Aaa']);
  });

  it('finds the most specific node at a position, for revealing the cursor', () => {
    const text = JSON.stringify(PROFILE, null, 2);
    const model = tree({ ...scenario, 'p.authprofile.json': text });
    const lines = text.split('\n');
    const valueLine = lines.findIndex((l) => l.includes('"clientSecret"')) + 1;
    const character = (lines[valueLine] ?? '').indexOf('Store/ClientSecret');
    assert.equal(findNodeAt(model, 'p.authprofile.json', { line: valueLine, character })?.id, 'authprofile:p.authprofile.json/field:clientSecret');
    assert.equal(findNodeAt(model, 'p.authprofile.json', { line: 0, character: 0 })?.id, 'authprofile:p.authprofile.json');
    assert.equal(findNodeAt(model, 'p.authprofile.json')?.id, 'authprofile:p.authprofile.json');
    assert.equal(findNodeAt(model, 'nope.authprofile.json'), undefined);
    const store = JSON.stringify(STORE, null, 2);
    const storeModel = tree({ ...scenario, 'store.secretstore.json': store });
    const mappingLine = store.split('\n').findIndex((l) => l.includes('"client-secret"'));
    assert.equal(findNodeAt(storeModel, 'store.secretstore.json', { line: mappingLine, character: 8 })?.id, 'secretstore:store.secretstore.json/mapping:ClientSecret');
  });

  it('describes AWS and GCP federations and other secret managers', () => {
    const aws = { name: 'Aws', cloudProvider: 'aws', issuer: { type: 'tokenFile', path: '/var/run/token' }, aws: { roleArn: 'arn:aws:iam::123456789012:role/r', region: 'eu-west-1' } };
    const store = { name: 'Sm', provider: 'awsSecretsManager', authentication: { type: 'identityFederation', federation: 'Aws' }, awsSecretsManager: { region: 'eu-west-1' } };
    const vault = { name: 'Hv', provider: 'hashicorpVault', authentication: { type: 'identityFederation', federation: 'Missing' }, hashicorpVault: { address: 'https://vault.example.com:8200', role: 'r' } };
    const model = tree({ 'a.federation.json': aws, 'sm.secretstore.json': store, 'hv.secretstore.json': vault });
    assert.equal(node(model, 'federation:a.federation.json').description, 'AWS · token file');
    assert.match(node(model, 'federation:a.federation.json').tooltip ?? '', /^Token file: \/var\/run\/token$/m);
    assert.equal(node(model, 'secretstore:sm.secretstore.json').description, 'AWS Secrets Manager · eu-west-1');
    assert.equal(node(model, 'secretstore:hv.secretstore.json').description, 'HashiCorp Vault · https://vault.example.com:8200');
    assert.match(node(model, 'secretstore:hv.secretstore.json').tooltip ?? '', /^Federation: Missing \(not found\)$/m);
    assert.equal(node(model, 'secretstore:hv.secretstore.json').icon?.id, 'error');
  });
});
