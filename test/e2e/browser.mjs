// Headless Chromium (Debian's) driven by playwright-core, and helpers to act on the VS Code web workbench as
// a person would: keyboard shortcuts, the command palette, Quick Open, the activity bar, the Problems panel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { paths, repoRoot } from './setup.mjs';

export async function launchBrowser() {
  if (!fs.existsSync(paths.chromium)) throw new Error(`no Chromium at ${paths.chromium}; run node test/e2e/setup.mjs`);
  return chromium.launch({
    executablePath: paths.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Opens the workbench of `server` in a new browser context and waits until it is ready. The context may use
 * the clipboard (the workbench's `vscode.env.clipboard` works). With `session`, a modal watcher runs from the
 * first paint on (see watchModals): `modals.result()` tells whether an undeclared modal dialog appeared.
 */
export async function openWorkbench(browser, server, { consoleLog, viewport = { width: 1400, height: 900 }, session, screenshotsDir } = {}) {
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  if (consoleLog) {
    page.on('console', (msg) => fs.appendFileSync(consoleLog, `[${msg.type()}] ${msg.text()}\n`));
    page.on('pageerror', (err) => fs.appendFileSync(consoleLog, `[pageerror] ${err.message}\n`));
  }
  const modals = session ? await watchModals(page, { session, screenshotsDir }) : undefined;
  await page.goto(server.folderUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
  // The status bar fills in once the workbench has restored its parts.
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  return { context, page, modals };
}

// ---------------------------------------------------------------------------------------------------------------
// Modal dialogs. The workbench renders one as .monaco-dialog-modal-block > .dialog-shadow > .monaco-dialog-box
// (role=dialog; .dialog-message-text, .dialog-message-detail, .dialog-buttons .monaco-button) inside
// .monaco-workbench — checked in code-server 4.139.1 with showWarningMessage('…', { modal: true }). A modal blocks
// the whole workbench, and in an in-host session the extension-host call waits for it forever.

const MODAL_BOX = '.monaco-dialog-modal-block .monaco-dialog-box';
const MODAL_BINDING = '__federatedSecretsE2eModal';
/** page → its watcher (for expectModal). */
const watchers = new WeakMap();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fileSafe(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/**
 * Watches `page` for modal dialogs: a MutationObserver in the page reports each new dialog box through a
 * binding. A dialog a test declared with expectModal goes to that test. Any other is unexpected: it is logged,
 * a screenshot `FAILED-modal-<session>-<n>.png` is saved, and it is dismissed (Escape, else its close button)
 * so the session can go on. `result()` → { ok, error } once every report is handled.
 */
export async function watchModals(page, { session, screenshotsDir }) {
  const w = { session, ready: false, expected: [], unexpected: [], count: 0, queue: Promise.resolve() };
  watchers.set(page, w);
  await page.exposeBinding(MODAL_BINDING, (_source, event) => {
    if (event?.kind === 'ready') w.ready = true;
    else if (event?.kind === 'modal') w.queue = w.queue.then(() => onModal(page, w, event, screenshotsDir)).catch(() => undefined);
  });
  // Runs in the page (before the workbench's own scripts, on every load), not in Node.
  /* global window, document, MutationObserver */
  await page.addInitScript(
    ({ selector, binding }) => {
      if (window.top !== window) return; // webviews and workers' iframes: dialogs live in the workbench only
      const seen = new WeakSet();
      let id = 0;
      let scheduled = false;
      const report = (event) => Promise.resolve(window[binding]?.(event)).catch(() => undefined);
      const scan = () => {
        scheduled = false;
        for (const box of document.querySelectorAll(selector)) {
          if (seen.has(box)) continue;
          seen.add(box);
          box.setAttribute('data-e2e-modal', String(++id));
          const text = (sel) => (box.querySelector(sel)?.textContent ?? '').replace(/\s+/g, ' ').trim();
          const buttons = [...box.querySelectorAll('.dialog-buttons .monaco-button')].map((b) => (b.textContent ?? '').trim());
          void report({ kind: 'modal', id, message: text('.dialog-message-text'), detail: text('.dialog-message-detail'), buttons });
        }
      };
      const start = () => {
        // Scans at most every 100 ms: the dialog's text and buttons are filled in by then.
        new MutationObserver(() => {
          if (!scheduled) {
            scheduled = true;
            setTimeout(scan, 100);
          }
        }).observe(document.documentElement, { childList: true, subtree: true });
        scan();
        void report({ kind: 'ready' });
      };
      if (document.documentElement) start();
      else document.addEventListener('readystatechange', start, { once: true });
    },
    { selector: MODAL_BOX, binding: MODAL_BINDING },
  );
  return {
    unexpected: w.unexpected,
    /** { ok, error? } after the reports so far are handled: not ok when the watcher never ran or a modal was unexpected. */
    async result() {
      await w.queue;
      if (!w.ready) return { ok: false, error: 'the modal watcher never started in the page (its init script did not run)' };
      if (!w.unexpected.length) return { ok: true };
      const lines = w.unexpected.map((m, i) => `${i + 1}. "${m.text}" [buttons: ${m.buttons.join(', ') || 'none'}] — ${m.dismissed ? 'dismissed' : 'NOT dismissed'}${m.shot ? `; screenshot ${m.shot}` : ''}`);
      return { ok: false, error: `${w.unexpected.length} unexpected modal dialog(s) in session "${session}" (no test declared them with expectModal):\n${lines.join('\n')}` };
    },
  };
}

async function onModal(page, w, event, screenshotsDir) {
  const text = [event.message, event.detail].filter(Boolean).join(' — ');
  const dialog = page.locator(`[data-e2e-modal="${event.id}"]`);
  const claimed = w.expected.find((e) => !e.modal && e.pattern.test(text));
  if (claimed) {
    claimed.modal = { text, buttons: event.buttons, dialog };
    claimed.appeared();
    return;
  }
  const entry = { text, buttons: event.buttons, dismissed: false, shot: undefined };
  w.unexpected.push(entry);
  console.log(`[e2e] ${w.session}: unexpected modal dialog "${text}" — dismissing it (Escape)`);
  await sleep(300); // its opening animation, for the picture
  if (screenshotsDir) {
    const name = `FAILED-modal-${fileSafe(w.session)}-${++w.count}`;
    entry.shot = await screenshot(page, screenshotsDir, name).then((f) => path.relative(repoRoot, f)).catch(() => undefined);
  }
  for (const dismiss of [() => page.keyboard.press('Escape'), () => dialog.locator('.codicon-dialog-close').click({ timeout: 2_000 })]) {
    await dismiss().catch(() => undefined);
    if (await dialog.waitFor({ state: 'detached', timeout: 3_000 }).then(() => true, () => false)) {
      entry.dismissed = true;
      return;
    }
  }
}

/**
 * Runs `action` (e.g. a palette command) that is meant to open a modal dialog whose message or detail matches
 * `pattern`, and waits for it; it is then not reported as unexpected. Returns { text, buttons, dialog } with
 * `dialog` a locator of the box, left open — or, with `answer`, clicks that button ('Escape' presses Escape) and
 * waits until it is gone.
 */
export async function expectModal(page, pattern, action, { timeoutMs = 15_000, answer } = {}) {
  const w = watchers.get(page);
  if (!w) throw new Error('expectModal: this page has no modal watcher (open it with openWorkbench({ session }))');
  const expectation = { pattern, modal: undefined, appeared: () => undefined };
  const appeared = new Promise((resolve) => (expectation.appeared = resolve));
  w.expected.push(expectation);
  try {
    await action();
    await Promise.race([appeared, sleep(timeoutMs)]);
    if (!expectation.modal) {
      const others = w.unexpected.map((m) => `"${m.text}"`).join(', ');
      throw new Error(`no modal dialog matching ${pattern} appeared within ${timeoutMs / 1000} s${others ? `; unexpected ones: ${others}` : ''}`);
    }
  } finally {
    w.expected.splice(w.expected.indexOf(expectation), 1);
  }
  const { dialog } = expectation.modal;
  if (answer === 'Escape') await page.keyboard.press('Escape');
  else if (answer) await dialog.locator('.dialog-buttons .monaco-button', { hasText: answer }).first().click();
  if (answer) await dialog.waitFor({ state: 'detached', timeout: 5_000 });
  return expectation.modal;
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
