/**
 * The packaging check of the end-to-end run (test/e2e/vsix.mjs): a .vsix must hold exactly the allow-list and
 * stay under the size bound. Checked here on small zip files built in the test, so that each rule is seen to
 * fail; the real package is checked by `npm run test:e2e` right after `npm run package`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { vsixEntries, vsixIdentity, vsixProblems, vsixRead } from '../e2e/vsix.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'fs-vsix-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A minimal zip writer (CRC left 0: the reader does not check it). `deflate` compresses the entries. */
function zip(name: string, files: Record<string, string | Buffer>, deflate = false): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [entry, content] of Object.entries(files)) {
    const raw = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const data = deflate ? deflateRawSync(raw) : raw;
    const nameBuf = Buffer.from(entry);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat([...locals, cd, end]));
  return file;
}

const manifest = JSON.stringify({ name: 'federated-secrets', publisher: 'federated-secrets', version: '1.2.3', main: './dist/extension.js' });
const good: Record<string, string> = {
  '[Content_Types].xml': '<Types/>',
  'extension.vsixmanifest': '<PackageManifest/>',
  'extension/package.json': manifest,
  'extension/readme.md': '# readme',
  'extension/changelog.md': '# changelog',
  'extension/LICENSE.txt': 'MIT',
  'extension/dist/extension.js': '// extension',
  'extension/dist/cli.js': '// cli',
  'extension/schemas/federation.schema.json': '{}',
  'extension/media/federated-secrets.svg': '<svg/>',
};

describe('the .vsix packaging check', () => {
  test('a package holding exactly the allow-list passes; entries, identity and contents are read (stored and deflated)', () => {
    for (const deflate of [false, true]) {
      const file = zip(`good-${deflate}.vsix`, good, deflate);
      assert.deepEqual(vsixProblems(file), []);
      assert.deepEqual(vsixEntries(file).map((e) => e.name).sort(), Object.keys(good).sort());
      assert.deepEqual(vsixIdentity(file).id, 'federated-secrets.federated-secrets');
      assert.equal(vsixIdentity(file).version, '1.2.3');
      assert.equal(vsixRead(file, 'extension/dist/cli.js').toString(), '// cli');
    }
  });

  test('sources, tests, maps, node_modules or the samples in the package are flagged by name', () => {
    const file = zip('extra.vsix', { ...good, 'extension/src/extension/extension.ts': 'x', 'extension/dist/extension.js.map': '{}', 'extension/node_modules/jose/index.js': 'x', 'extension/samples/a.federation.json': '{}' });
    const problems = vsixProblems(file);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /not on the allow-list.*src\/extension\/extension\.ts.*extension\.js\.map.*node_modules\/jose\/index\.js.*samples\/a\.federation\.json/);
  });

  test('a missing required file, no schemas, or a "main" that is not packaged are flagged', () => {
    const { 'extension/dist/cli.js': _cli, 'extension/schemas/federation.schema.json': _schema, ...rest } = good;
    const problems = vsixProblems(zip('missing.vsix', { ...rest, 'extension/package.json': manifest.replace('./dist/extension.js', './dist/main.js') }));
    assert.ok(problems.some((p) => /missing: extension\/dist\/cli\.js/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /no schemas/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /"main" \(\.\/dist\/main\.js\) is not in the package/.test(p)), problems.join('\n'));
  });

  test('a package over the size bound is flagged with its size', () => {
    const file = zip('big.vsix', { ...good, 'extension/dist/cli.js': Buffer.alloc(64 * 1024, 1) });
    assert.deepEqual(vsixProblems(file, { maxBytes: 1024 * 1024 }), []);
    const problems = vsixProblems(file, { maxBytes: 32 * 1024 });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^the \.vsix is 0\.06 MB, over the 0\.03 MB bound$/);
  });

  test('a file that is not a zip is refused with a clear error', () => {
    const file = path.join(dir, 'not-a-zip.vsix');
    writeFileSync(file, 'hello');
    assert.throws(() => vsixEntries(file), /not a zip file/);
  });
});
