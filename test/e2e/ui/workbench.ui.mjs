// UI tests: Playwright drives the VS Code web workbench (code-server) as a person would. Each test gets
// { page, shot(name), manifest, workspace } and throws on failure; run.mjs runs them in order and takes a
// screenshot of any failure. Screenshots land in test-results/screenshots/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dismissQuickInput, expandSidebarTree, notifications, quickInput, quickOpen, runFromPalette } from '../browser.mjs';

/** The broken file the harness adds to each UI workspace: a store whose federation does not exist. */
export const BROKEN_FILE = 'broken-reference.secretstore.json';
export const BROKEN_CODE = 'FS202';

/** Parses a config file; samples may carry whole-line `//` comments (JSONC). */
export function readJsonc(file) {
  const text = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
  return JSON.parse(text);
}

/** Reads `{ kind, name }` of every sample instance in the workspace (kind from the file name suffix). */
export function sampleInstances(workspace) {
  return fs
    .readdirSync(workspace)
    .filter((f) => /^[^.]+\.[a-z]+\.json$/.test(f) && f !== BROKEN_FILE)
    .map((f) => ({ file: f, kind: f.split('.')[1], name: readJsonc(path.join(workspace, f)).name }));
}

/** "Category: Title" of a contributed command, as the command palette shows it. */
export function paletteLabel(manifest, command) {
  const c = manifest.contributes?.commands?.find((x) => x.command === command);
  assert.ok(c, `package.json contributes no command ${command}`);
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

function viewContainerTitle(manifest) {
  const containers = manifest.contributes?.viewsContainers?.activitybar ?? [];
  const c = containers.find((x) => x.id === 'federatedSecrets');
  assert.ok(c, 'package.json contributes no activity bar view container "federatedSecrets"');
  return c.title;
}

async function sidebarRowTexts(page) {
  return (await page.locator('.part.sidebar .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

async function openProblemsAndFind(page, code, fileName) {
  await dismissQuickInput(page);
  await page.keyboard.press('Control+Shift+M');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
  const row = panel.locator('.monaco-list-row', { hasText: code }).first();
  await row.waitFor({ state: 'visible', timeout: 20_000 }).catch(async () => {
    const rows = await panel.locator('.monaco-list-row').allInnerTexts();
    throw new Error(`no ${code} entry in the Problems panel; it shows: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ') || 'nothing'}`);
  });
  // The file's own row (the group header) is listed too.
  await panel.locator('.monaco-list-row', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: 5_000 });
  return (await row.innerText()).replace(/\s+/g, ' ');
}

async function expectErrorSquiggle(page) {
  await page
    .locator('.monaco-editor .squiggly-error')
    .first()
    .waitFor({ state: 'attached', timeout: 20_000 })
    .catch(() => {
      throw new Error('no error squiggle in the editor');
    });
}

async function expectNoErrorToast(page, what) {
  await page.waitForTimeout(1_500);
  const errors = (await notifications(page)).filter((n) => n.severity === 'error');
  assert.deepEqual(errors, [], `${what} raised an error notification`);
}

export const trustedUiTests = [
  {
    name: 'the workbench opens the sample folder',
    async run({ page, shot }) {
      await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: 10_000 });
      await shot('workbench');
    },
  },
  {
    name: 'the Federated Secrets view in the activity bar lists federations, stores and consumers',
    async run({ page, shot, manifest, workspace }) {
      const title = viewContainerTitle(manifest);
      const item = page.locator(`.part.activitybar .action-item .action-label[aria-label^="${title}"]`).first();
      await item.waitFor({ state: 'visible', timeout: 15_000 });
      await item.click();
      await page.locator('.part.sidebar .monaco-list-row').first().waitFor({ state: 'visible', timeout: 20_000 });
      const expected = sampleInstances(workspace);
      const seen = new Set();
      const missing = () => expected.filter((e) => ![...seen].some((t) => t.includes(e.name)));
      for (let level = 1; level <= 3 && missing().length; level++) {
        for (const t of await sidebarRowTexts(page)) seen.add(t);
        if (!missing().length) break;
        await expandSidebarTree(page, 40, level);
        await page.waitForTimeout(300);
        for (const t of await sidebarRowTexts(page)) seen.add(t);
      }
      await page.mouse.move(700, 450); // no hover tooltip in the picture
      await page.waitForTimeout(500);
      await shot('tree-view');
      const kinds = new Set(expected.map((e) => e.kind));
      for (const k of ['federation', 'secretstore', 'authprofile']) assert.ok(kinds.has(k), `the sample workspace has no ${k}`);
      assert.deepEqual(
        missing().map((m) => `${m.name} (${m.file})`),
        [],
        `not listed in the tree; it shows: ${[...seen].join(' | ')}`,
      );
    },
  },
  {
    name: `Quick Open of a broken file shows an error squiggle and a ${BROKEN_CODE} entry in the Problems panel`,
    async run({ page, shot }) {
      await quickOpen(page, BROKEN_FILE);
      await expectErrorSquiggle(page);
      const entry = await openProblemsAndFind(page, BROKEN_CODE, BROKEN_FILE);
      assert.match(entry, /NoSuchFederation/, `the problem entry does not name the missing federation: ${entry}`);
      await shot('problems-panel');
    },
  },
  {
    name: 'the command palette (F1) runs Federated Secrets: refresh without an error',
    async run({ page, shot, manifest }) {
      await runFromPalette(page, paletteLabel(manifest, 'federatedSecrets.refresh'));
      await expectNoErrorToast(page, 'refresh');
      await shot('palette-refresh');
    },
  },
  {
    name: 'the command palette (F1) runs Federated Secrets: new federation, which asks for input',
    async run({ page, shot, manifest }) {
      await runFromPalette(page, paletteLabel(manifest, 'federatedSecrets.newFederation'));
      // The palette itself is a quick input too: wait for one that is not the palette (its value starts with '>').
      const deadline = Date.now() + 10_000;
      for (;;) {
        const widget = quickInput(page);
        const visible = await widget.isVisible().catch(() => false);
        const value = visible ? await widget.locator('input').first().inputValue().catch(() => '>') : '>';
        if (visible && !value.startsWith('>')) break;
        if (Date.now() > deadline) throw new Error('no prompt (input box or quick pick) appeared after the command ran');
        await page.waitForTimeout(200);
      }
      await page.waitForTimeout(400); // let the widget finish its opening animation
      await shot('palette-new-federation');
      await page.keyboard.press('Escape');
      await expectNoErrorToast(page, 'cancelling the new-federation prompt');
    },
  },
];

export const restrictedUiTests = [
  {
    name: 'Restricted Mode: the untrusted folder is shown as restricted',
    async run({ page, shot }) {
      const indicator = page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).or(page.locator('.part.banner', { hasText: 'Restricted Mode' }));
      await indicator.first().waitFor({ state: 'visible', timeout: 20_000 });
      await shot('restricted-mode');
    },
  },
  {
    name: `Restricted Mode: the broken file still gets its offline diagnostic ${BROKEN_CODE}`,
    async run({ page, shot }) {
      await quickOpen(page, BROKEN_FILE);
      await expectErrorSquiggle(page);
      await openProblemsAndFind(page, BROKEN_CODE, BROKEN_FILE);
      await shot('restricted-problems-panel');
    },
  },
];
