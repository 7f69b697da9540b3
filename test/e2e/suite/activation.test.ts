import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, extension, waitFor } from './helpers';

describe('activation', () => {
  it('the workspace holds config files of each main kind', async () => {
    for (const pattern of ['**/*.federation.json', '**/*.secretstore.json', '**/*.authprofile.json']) {
      const found = await vscode.workspace.findFiles(pattern, '**/node_modules/**', 1);
      assert.equal(found.length, 1, `the test workspace has no ${pattern}`);
    }
  });

  it('Federated Secrets is installed from its package', () => {
    const ext = extension();
    const pkg = ext.packageJSON as { name?: string; publisher?: string; main?: string };
    assert.equal(`${pkg.publisher}.${pkg.name}`, EXTENSION_ID);
    assert.ok(pkg.main, 'package.json has no "main"');
    const main = path.join(ext.extensionPath, pkg.main);
    assert.ok(fs.existsSync(main) || fs.existsSync(`${main}.js`), `the packaged extension lacks its entry point ${pkg.main}`);
    // The tests exercise the packaged build, not sources: nothing from src/ may have been packaged.
    assert.ok(!fs.existsSync(path.join(ext.extensionPath, 'src')), 'the package contains src/ (check .vscodeignore)');
  });

  it('activates by itself because the workspace has config files', async () => {
    // Never call ext.activate() here: the point is that VS Code activates it for this workspace.
    const ext = extension();
    await waitFor(`${EXTENSION_ID} to be activated by VS Code`, () => ext.isActive, 30_000);
  });

  it('the workspace is trusted in this run', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });
});
