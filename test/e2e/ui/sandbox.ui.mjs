// UI tests against the sandbox cloud (the workspace `npm start` opens): Playwright drives the workbench as a
// person would — the sidebar view, Ctrl+Space in a secretName, Test Connection from the palette, a broken
// federated subject — and, in Restricted Mode, shows that nothing reaches the emulated cloud.
//
// Each test gets { page, shot(name), manifest, workspace, box } where `box` is the running sandbox
// (scripts/sandbox: description, requestCounts()). Screenshots named here are the README's candidates.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dismissQuickInput, expandSidebarTree, expectModal, notifications, quickInput, quickOpen, runFromPalette } from '../browser.mjs';
import { paletteLabel } from './workbench.ui.mjs';

const clean = (t) => t.replace(/\s+/g, ' ').trim();

/** 1-based line and column just after the first `needle` in a workspace file. */
function lineColAfter(workspace, file, needle) {
  const text = fs.readFileSync(path.join(workspace, file), 'utf8');
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `"${needle}" not in ${file}`);
  const before = text.slice(0, at + needle.length).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Ctrl+G, "line:column", Enter: the cursor lands there in the active editor. */
async function goTo(page, { line, column }) {
  await dismissQuickInput(page);
  await page.keyboard.press('Control+G');
  const input = quickInput(page).locator('input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await page.waitForTimeout(200);
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

async function openSidebarView(page, manifest) {
  const containers = manifest.contributes?.viewsContainers?.activitybar ?? [];
  const title = containers.find((x) => x.id === 'federatedSecrets')?.title;
  assert.ok(title, 'package.json contributes no activity bar view container "federatedSecrets"');
  const item = page.locator(`.part.activitybar .action-item .action-label[aria-label^="${title}"]`).first();
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  if ((await item.getAttribute('aria-expanded')) !== 'true' && !(await page.locator('.part.sidebar .pane-header', { hasText: 'Configuration' }).isVisible().catch(() => false))) await item.click();
  await page.locator('.part.sidebar .monaco-list-row').first().waitFor({ state: 'visible', timeout: 20_000 });
}

/** Drags the side bar's edge so it is `width` pixels wide (long labels and descriptions stay readable). */
async function widenSidebar(page, width = 520) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || Math.abs(box.width - width) < 20) return;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(300);
}

/** Expands or collapses a side bar pane by clicking its header. */
async function setPaneExpanded(page, title, expanded) {
  const header = page.locator('.part.sidebar .pane-header', { hasText: title }).first();
  await header.waitFor({ state: 'visible', timeout: 10_000 });
  if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
  await page.waitForTimeout(300);
}

/** The rows of one view pane in the side bar (by its header title). */
function paneRows(page, title) {
  const pane = page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: title }) });
  return { pane, rows: pane.locator('.monaco-list-row') };
}

/** Expands every collapsed row of a pane (bounded). */
async function expandPane(page, title, maxClicks = 40) {
  const { pane } = paneRows(page, title);
  for (let i = 0; i < maxClicks; i++) {
    const collapsed = pane.locator('.monaco-list-row[aria-expanded="false"]');
    if ((await collapsed.count()) === 0) return;
    await collapsed.first().locator('.monaco-tl-twistie').click();
    await page.waitForTimeout(150);
  }
}

/** Waits for a notification whose text matches `re`; returns { severity, text, toast }. */
async function waitForNotification(page, re, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await notifications(page);
    const hit = all.findIndex((n) => re.test(n.text));
    if (hit >= 0) return { ...all[hit], toast: page.locator('.notifications-toasts .notification-list-item').nth(hit) };
    if (Date.now() > deadline) throw new Error(`no notification matching ${re} within ${timeoutMs / 1000} s; shown: ${all.map((n) => `[${n.severity}] ${n.text}`).join(' | ') || 'none'}`);
    await page.waitForTimeout(300);
  }
}

/** Clicks a notification's button, e.g. "Show Report". */
async function clickNotificationButton(toast, label) {
  const button = toast.locator('.monaco-button', { hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout: 5_000 });
  await button.click();
}

async function clearNotifications(page) {
  await page.keyboard.press('Escape');
  for (let i = 0; i < 5 && (await page.locator('.notifications-toasts .notification-list-item').count()) > 0; i++) {
    await page.locator('.notifications-toasts .notification-list-item .codicon-notifications-clear').first().click({ timeout: 2_000 }).catch(() => page.keyboard.press('Escape'));
    await page.waitForTimeout(200);
  }
}

/** Opens the suggest widget at the cursor (Ctrl+Space) and collects its rows' labels, paging down. */
async function suggestLabels(page, expected, timeoutMs = 45_000) {
  const widget = page.locator('.editor-widget.suggest-widget');
  const seen = new Set();
  const deadline = Date.now() + timeoutMs;
  const missing = () => expected.filter((n) => ![...seen].some((l) => l === n || l.startsWith(`${n} `)));
  while (Date.now() < deadline) {
    await page.keyboard.press('Control+Space');
    await widget.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
    await page.waitForTimeout(600);
    for (let i = 0; i < 8 && missing().length; i++) {
      for (const t of await widget.locator('.monaco-list-row .label-name').allInnerTexts()) seen.add(clean(t));
      if (!missing().length) break;
      await page.keyboard.press('PageDown');
      await page.waitForTimeout(150);
    }
    if (!missing().length) return [...seen];
    // Live names may still be on their way (listed in the background): close and ask again.
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1_500);
  }
  throw new Error(`the suggest widget never listed ${missing().join(', ')}; it showed: ${[...seen].join(', ') || 'nothing'}`);
}

async function expectNoCanary(page, canary, what) {
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes(canary), `a secret value is visible in the workbench after ${what}`);
}

async function testConnectionFromPalette(page, manifest, file) {
  await quickOpen(page, file);
  await clearNotifications(page);
  await runFromPalette(page, paletteLabel(manifest, 'federatedSecrets.testConnection'));
}

export const sandboxUiTests = [
  {
    name: 'sandbox: the Federated Secrets view lists the federation, the store and its consumers',
    async run({ page, shot, manifest, box }) {
      await openSidebarView(page, manifest);
      await widenSidebar(page, 520);
      const { rows } = paneRows(page, 'Configuration');
      await rows.first().waitFor({ state: 'visible', timeout: 20_000 });
      await expandSidebarTree(page, 10, 2);
      await quickOpen(page, box.description.files.store);
      await page.waitForTimeout(500);
      const texts = (await rows.allInnerTexts()).map(clean);
      for (const name of [box.description.federation, box.description.store, box.description.authProfile]) {
        assert.ok(
          texts.some((t) => t.includes(name)),
          `${name} is not in the tree; it shows: ${texts.join(' | ')}`,
        );
      }
      await page.mouse.move(900, 500);
      await page.waitForTimeout(400);
      await shot('tree-view');
    },
  },
  {
    name: "sandbox: Ctrl+Space in a secretName lists the emulated vault's names",
    async run({ page, shot, workspace, box }) {
      const d = box.description;
      await quickOpen(page, d.files.store);
      await goTo(page, lineColAfter(workspace, d.files.store, '"secretName": "'));
      // Unmapped names exist only in the vault: seeing them proves the list came from the emulated Key Vault.
      const labels = await suggestLabels(page, [...d.secretNames.unmapped, d.secretNames.disabled, d.secretNames.expiringSoon]);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
      // The picture: the side bar hidden (Ctrl+B) so whole lines show, the list from the top with the state of
      // the focused name.
      await page.keyboard.press('Control+B');
      await page.waitForTimeout(400);
      await page.keyboard.press('Control+Space');
      const widget = page.locator('.editor-widget.suggest-widget');
      await widget.waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForTimeout(800);
      await expectNoCanary(page, box.canary, 'completion');
      await shot('completion');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+B');
      const mappedSeen = d.secretNames.mapped.filter((n) => labels.includes(n));
      assert.ok(mappedSeen.length > 0, `no mapped name among ${labels.join(', ')}`);
    },
  },
  {
    name: 'sandbox: Test Connection from the palette on the auth profile reports success, step by step',
    async run({ page, shot, manifest, box }) {
      const d = box.description;
      const before = box.requestCounts();
      await testConnectionFromPalette(page, manifest, d.files.authProfile);
      const note = await waitForNotification(page, new RegExp(`Test Connection of .*"${d.authProfile}"`));
      assert.notEqual(note.severity, 'error', `the test failed: ${note.text}`);
      assert.match(note.text, /Passed/, note.text);
      // Entra may not be asked again: the token from listing names is reused (one exchange per federation).
      const after = box.requestCounts();
      for (const k of ['issuerHost', 'keyVault', 'oauth']) assert.ok(after[k] > before[k], `the ${k} emulator saw no request (${JSON.stringify({ before, after })})`);
      await clickNotificationButton(note.toast, 'Show Report');
      await widenSidebar(page);
      await setPaneExpanded(page, 'Configuration', false);
      const { rows } = paneRows(page, 'Test Results');
      await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
      await page.waitForTimeout(500);
      const texts = (await rows.allInnerTexts()).map(clean);
      assert.ok(
        texts.some((t) => t.includes(d.authProfile) && /passed/i.test(t)),
        `no passed result for ${d.authProfile} in Test Results: ${texts.join(' | ')}`,
      );
      assert.ok(texts.length >= 8, `expected the result and its 7 steps, got: ${texts.join(' | ')}`);
      await expectNoCanary(page, box.canary, 'Test Connection');
      await page.mouse.move(900, 500);
      await shot('test-connection-report');
      await clearNotifications(page);
      await setPaneExpanded(page, 'Configuration', true);
    },
  },
  {
    name: 'sandbox: Generate Signing Key on a federation that has a key asks first (a modal dialog); Cancel keeps the key',
    async run({ page, shot, manifest, box }) {
      const d = box.description;
      await quickOpen(page, d.files.federation);
      await clearNotifications(page);
      // The key comes from the key file in the user settings: replacing it needs the user's yes.
      const modal = await expectModal(page, new RegExp(`"${d.federation}" already has a signing key`), () => runFromPalette(page, paletteLabel(manifest, 'federatedSecrets.generateSigningKey')));
      assert.match(modal.text, /key file/, modal.text);
      assert.deepEqual([...modal.buttons].sort(), ['Cancel', 'Replace', 'Rotate Key'], `the dialog's buttons: ${modal.buttons.join(', ')}`);
      await page.waitForTimeout(300);
      await shot('generate-key-confirm');
      await modal.dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Cancel' }).click();
      await modal.dialog.waitFor({ state: 'detached', timeout: 5_000 });
      await page.waitForTimeout(1_000);
      const shown = (await notifications(page)).map((n) => n.text);
      assert.ok(!shown.some((t) => /Generated a new|Rotated the signing key/.test(t)), `a key was made after Cancel: ${shown.join(' | ')}`);
      // The next test's Test Connection fails at the token exchange (AADSTS700213) only while this key still signs.
    },
  },
  {
    name: 'sandbox: a wrong federated subject fails at the token exchange with AADSTS700213 and advice',
    async run({ page, shot, manifest, workspace, box }) {
      const d = box.description;
      // Type a typo at the end of the subject, as a person would, and save.
      await quickOpen(page, d.files.federation);
      await goTo(page, lineColAfter(workspace, d.files.federation, `"subject": "${d.subject}`));
      await page.keyboard.type('-typo');
      await page.keyboard.press('Control+S');
      await page.waitForTimeout(800);
      assert.match(fs.readFileSync(path.join(workspace, d.files.federation), 'utf8'), new RegExp(`"${d.subject}-typo"`), 'the edit was not saved');
      try {
        await clearNotifications(page);
        await runFromPalette(page, paletteLabel(manifest, 'federatedSecrets.testConnection'));
        const note = await waitForNotification(page, new RegExp(`Test Connection of .*"${d.federation}"`));
        assert.equal(note.severity, 'error', `expected a failure, got: ${note.text}`);
        await clickNotificationButton(note.toast, 'Show Report');
        await widenSidebar(page, 680);
        await setPaneExpanded(page, 'Configuration', false);
        const { rows } = paneRows(page, 'Test Results');
        await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
        await expandPane(page, 'Test Results');
        await page.waitForTimeout(500);
        const texts = (await rows.allInnerTexts()).map(clean);
        assert.ok(
          texts.some((t) => /Code: AADSTS700213/.test(t)),
          `no "Code: AADSTS700213" row in Test Results: ${texts.join(' | ')}`,
        );
        assert.ok(
          texts.some((t) => /^Fix: .{20,}/.test(t)),
          `no advice ("Fix: …") row in Test Results: ${texts.join(' | ')}`,
        );
        await page.mouse.move(900, 500);
        await shot('test-connection-failure');
      } finally {
        // Put the subject back for whatever runs next.
        await setPaneExpanded(page, 'Configuration', true).catch(() => undefined);
        await quickOpen(page, d.files.federation);
        await page.keyboard.press('Control+Z');
        await page.keyboard.press('Control+S');
        await clearNotifications(page);
      }
    },
  },
];

export const sandboxRestrictedUiTests = [
  {
    name: 'sandbox, Restricted Mode: browsing, completion and Test Connection send nothing to the emulated cloud',
    async run({ page, shot, manifest, workspace, box }) {
      const d = box.description;
      box.clearRequestCounts();
      await page
        .locator('.part.statusbar', { hasText: 'Restricted Mode' })
        .or(page.locator('.part.banner', { hasText: 'Restricted Mode' }))
        .first()
        .waitFor({ state: 'visible', timeout: 20_000 });
      await openSidebarView(page, manifest);
      await expandSidebarTree(page, 10, 2);
      await quickOpen(page, d.files.store);
      await goTo(page, lineColAfter(workspace, d.files.store, '"secretName": "'));
      await page.keyboard.press('Control+Space');
      await page.waitForTimeout(2_000);
      const offered = (await page.locator('.editor-widget.suggest-widget .monaco-list-row .label-name').allInnerTexts()).map(clean);
      await page.keyboard.press('Escape');
      const leaked = d.secretNames.unmapped.filter((n) => offered.includes(n));
      assert.deepEqual(leaked, [], `names only the vault knows were offered in Restricted Mode: ${offered.join(', ')}`);
      await page.keyboard.press('Control+S');
      await testConnectionFromPalette(page, manifest, d.files.authProfile);
      const note = await waitForNotification(page, /needs a trusted workspace/, 15_000);
      assert.equal(note.severity, 'warning', note.text);
      await shot('restricted-test-connection');
      await dismissQuickInput(page);
      await page.waitForTimeout(3_000);
      const counts = box.requestCounts();
      assert.deepEqual(counts, { issuerHost: 0, entra: 0, keyVault: 0, oauth: 0 }, 'requests reached the emulated cloud in Restricted Mode');
    },
  },
];
