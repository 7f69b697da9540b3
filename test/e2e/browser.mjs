// Headless Chromium (Debian's) driven by playwright-core, and helpers to act on the VS Code web workbench as
// a person would: keyboard shortcuts, the command palette, Quick Open, the activity bar, the Problems panel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { paths } from './setup.mjs';

export async function launchBrowser() {
  if (!fs.existsSync(paths.chromium)) throw new Error(`no Chromium at ${paths.chromium}; run node test/e2e/setup.mjs`);
  return chromium.launch({
    executablePath: paths.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the workbench of `server` in a new browser context and waits until it is ready. */
export async function openWorkbench(browser, server, { consoleLog, viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (consoleLog) {
    page.on('console', (msg) => fs.appendFileSync(consoleLog, `[${msg.type()}] ${msg.text()}\n`));
    page.on('pageerror', (err) => fs.appendFileSync(consoleLog, `[pageerror] ${err.message}\n`));
  }
  await page.goto(server.folderUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
  // The status bar fills in once the workbench has restored its parts.
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  return { context, page };
}

export async function screenshot(page, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The quick input widget (command palette, Quick Open, input boxes, quick picks). */
export function quickInput(page) {
  return page.locator('.quick-input-widget');
}

/** Opens the command palette with F1, types `label` and runs the entry whose label matches exactly. */
export async function runFromPalette(page, label) {
  await dismissQuickInput(page);
  await page.keyboard.press('F1');
  const input = quickInput(page).locator('input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${label}`);
  const row = quickInput(page).locator('.monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

/** Quick Open (Ctrl+P): types `fileName` and opens it; waits for its editor tab. */
export async function quickOpen(page, fileName) {
  await dismissQuickInput(page);
  await page.keyboard.press('Control+P');
  const input = quickInput(page).locator('input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(fileName);
  const row = quickInput(page).locator('.monaco-list-row', { hasText: fileName }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: 15_000 });
}

export async function dismissQuickInput(page) {
  if (await quickInput(page).isVisible().catch(() => false)) await page.keyboard.press('Escape');
}

/** Expands the collapsed nodes of the side bar's tree down to `maxLevel` (bounded), so their children render. */
export async function expandSidebarTree(page, maxClicks = 60, maxLevel = 99) {
  for (let i = 0; i < maxClicks; i++) {
    let target;
    const rows = page.locator('.part.sidebar .monaco-list-row[aria-expanded="false"]');
    for (let j = 0; j < (await rows.count()); j++) {
      const level = Number(await rows.nth(j).getAttribute('aria-level'));
      if (!level || level <= maxLevel) {
        target = rows.nth(j);
        break;
      }
    }
    if (!target) return;
    await target.locator('.monaco-tl-twistie').click();
    await page.waitForTimeout(150);
  }
}

/** Visible notification toasts, as { severity, text }. */
export async function notifications(page) {
  const toasts = page.locator('.notifications-toasts .notification-list-item');
  const out = [];
  for (let i = 0; i < (await toasts.count()); i++) {
    const t = toasts.nth(i);
    const severity = (await t.locator('.codicon-error').count()) ? 'error' : (await t.locator('.codicon-warning').count()) ? 'warning' : 'info';
    out.push({ severity, text: (await t.innerText()).replace(/\s+/g, ' ').trim() });
  }
  return out;
}
