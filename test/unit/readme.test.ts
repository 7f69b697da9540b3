import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { generatedSections, readSection } from '../../scripts/docs';
import { DIAGNOSTIC_CODES } from '../../src/core/diagnostics';
import { ERROR_CODES } from '../../src/core/errors';

const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

describe('README', () => {
  for (const [name, body] of Object.entries(generatedSections())) {
    it(`${name} section is up to date (run npm run docs)`, () => {
      assert.equal(readSection(readme, name), body);
    });
  }

  it('documents every diagnostic code with its severity', () => {
    for (const info of Object.values(DIAGNOSTIC_CODES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${info.id} |`));
      assert.ok(row, `${info.id} is missing from the README`);
      assert.ok(row.includes(`| ${info.severity} |`), `${info.id} severity in README differs: ${row}`);
    }
  });

  it('documents every error code, and no other', () => {
    const documented = [...readme.matchAll(/^\| (FSE\d{3}) \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.values(ERROR_CODES).sort());
  });

  it('documents no code that does not exist', () => {
    const known = new Set<string>(Object.values(DIAGNOSTIC_CODES).map((c) => c.id));
    for (const match of readme.matchAll(/^\| (FS\d{3}) \|/gm)) assert.ok(known.has(match[1] ?? ''), `${match[1]} is not a code`);
  });
});
