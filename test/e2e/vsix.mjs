// Reads a .vsix (a zip file) without dependencies: the entry list from the central directory, and an entry's
// bytes (stored or deflated). Used by the packaging check (contents = the allow-list, size bound) and to
// learn the id and version of the extension a .vsix holds.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/** The allow-list: what the packaged extension may contain (paths inside the .vsix, as vsce names them). */
export const VSIX_ALLOWED = [
  // vsce's own files
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  // the extension (vsce renames README.md → readme.md, CHANGELOG.md → changelog.md, LICENSE → LICENSE.txt)
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/,
  /^extension\/changelog\.md$/,
  /^extension\/LICENSE\.txt$/,
  /^extension\/dist\/extension\.js$/,
  /^extension\/dist\/cli\.js$/,
  /^extension\/schemas\/[^/]+\.schema\.json$/,
  /^extension\/media\/[^/]+$/,
];

/** Entries that must be there. */
export const VSIX_REQUIRED = [
  '[Content_Types].xml',
  'extension.vsixmanifest',
  'extension/package.json',
  'extension/readme.md',
  'extension/changelog.md',
  'extension/LICENSE.txt',
  'extension/dist/extension.js',
  'extension/dist/cli.js',
];

export const VSIX_MAX_BYTES = 3 * 1024 * 1024;

/** The zip's entries: { name, compressedSize, size, method, localHeaderOffset }. */
export function vsixEntries(file) {
  const buf = fs.readFileSync(file);
  // End of central directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: corrupt central directory at entry ${n}`);
    const method = buf.readUInt16LE(offset + 10);
    const compressedSize = buf.readUInt32LE(offset + 20);
    const size = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    const localHeaderOffset = buf.readUInt32LE(offset + 42);
    const name = buf.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({ name, compressedSize, size, method, localHeaderOffset });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The bytes of one entry of the zip. */
export function vsixRead(file, name) {
  const entry = vsixEntries(file).find((e) => e.name === name);
  if (!entry) throw new Error(`${file} has no ${name}`);
  const buf = fs.readFileSync(file);
  const at = entry.localHeaderOffset;
  if (buf.readUInt32LE(at) !== 0x04034b50) throw new Error(`${file}: corrupt local header of ${name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`${file}: ${name} uses zip method ${entry.method}`);
}

/** `{ id: 'publisher.name', version }` of the extension in a .vsix. */
export function vsixIdentity(file) {
  const pkg = JSON.parse(vsixRead(file, 'extension/package.json').toString('utf8'));
  return { id: `${pkg.publisher}.${pkg.name}`, version: pkg.version, manifest: pkg };
}

/**
 * Problems with a .vsix: entries outside the allow-list, required entries missing, too large, a package.json
 * whose `main` is not packaged. Empty when it is fine.
 */
export function vsixProblems(file, { maxBytes = VSIX_MAX_BYTES } = {}) {
  const problems = [];
  const size = fs.statSync(file).size;
  if (size > maxBytes) problems.push(`the .vsix is ${(size / 1024 / 1024).toFixed(2)} MB, over the ${(maxBytes / 1024 / 1024).toFixed(2)} MB bound`);
  const names = vsixEntries(file).map((e) => e.name);
  const unexpected = names.filter((n) => !VSIX_ALLOWED.some((re) => re.test(n)));
  if (unexpected.length) problems.push(`not on the allow-list (.vscodeignore): ${unexpected.join(', ')}`);
  const missing = VSIX_REQUIRED.filter((n) => !names.includes(n));
  if (missing.length) problems.push(`missing: ${missing.join(', ')}`);
  if (!names.some((n) => /^extension\/schemas\/.+\.schema\.json$/.test(n))) problems.push('no schemas/*.schema.json packaged');
  if (names.includes('extension/package.json')) {
    const { manifest } = vsixIdentity(file);
    const main = String(manifest.main ?? '').replace(/^\.\//, '');
    if (!main || !names.includes(`extension/${main}`)) problems.push(`package.json "main" (${manifest.main}) is not in the package`);
  }
  return problems;
}
