/**
 * What a person sees: the packaged .vsix installed in a real VS Code (code-server), a Rust file
 * opened in headless Chromium, the size hints rendered in the editor, the warning squiggle and its
 * hover, and the preferred quick fix applied from the keyboard and saved to disk.
 * Saves a screenshot of the quick-fix menu over the hinted code to test/out/e2e/editor.png (and to
 * docs/screenshot.png, which the README shows, when UPDATE_SCREENSHOT=1). Run with `node --test test/out/e2e/ui.test.js` after `npm run package`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { after, before, test } from 'node:test';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { CodeServer, repoRoot, sleep, vsixPath } from './support/codeServer';

const artifacts = path.join(repoRoot, 'test', 'out', 'e2e');
let server: CodeServer;
let browser: Browser;
let page: Page;
let file: string;

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  assert.ok(fs.existsSync(vsixPath()), `${vsixPath()} exists (run \`npm run package\` first)`);
  server = await CodeServer.start({
    workspaceTemplate: path.join(repoRoot, 'test', 'fixtures', 'lsp', 'workspace'),
    vsix: vsixPath(),
  });
  file = path.join(server.workspace, 'src', 'main.rs');
  ({ browser } = await server.launchBrowser().then(async (b) => {
    page = await b.context.newPage();
    return b;
  }));
});

after(async () => {
  if (page) {
    await page.screenshot({ path: path.join(artifacts, 'ui-final.png') }).catch(() => undefined);
  }
  await browser?.close().catch(() => undefined);
  await server?.stop({ keep: !!process.env.E2E_KEEP });
});

/** The editor line that contains `text` (inlay hints count: they are injected text in the line). */
function line(text: string | RegExp) {
  return page.locator('.monaco-editor .view-lines .view-line', { hasText: text });
}

test('the workbench opens the Rust file', async () => {
  await page.goto(server.url());
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page
    .locator('.explorer-folders-view .monaco-list-row', { hasText: 'src' })
    .waitFor({ timeout: 60_000 });
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill('main.rs');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'main.rs' })
    .first()
    .waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await line('pub async fn copy').waitFor({ timeout: 30_000 });
  // More room for the editor (and the screenshot): hide the side bar.
  await page.keyboard.press('Control+B');
});

/** A line's text as shown, hints included (the editor renders their spaces as U+00A0). */
async function shown(text: string): Promise<string> {
  return ((await line(text).first().textContent()) ?? '').replace(/\u00a0/g, ' ');
}

test('the future size and held-value hints are rendered in the editor', async () => {
  // Hints are injected text: part of the line in the DOM, not of the document.
  await line('future 16456 B').waitFor({ timeout: 60_000 });
  assert.match(
    await shown('pub async fn copy'),
    /pub async fn copy\(conn: &mut Conn\) -> usize\s*future 16456 B\s*\{$/,
  );
  assert.match(
    await shown('let mut buf'),
    /let mut buf\s*held 16384 B across 2 awaits\s*= \[0u8; 16384\];$/,
  );
  await line('held 16 B across 1 await').waitFor();
  assert.match(
    await shown('let mut guard'),
    /let mut guard\s*held 16 B across 1 await\s*= stats\.lock\(\)\.unwrap\(\);$/,
  );
  const hint = line('pub async fn copy')
    .locator('span[class*="dyn-rule-"]', { hasText: 'future' })
    .first();
  assert.strictEqual((await hint.textContent())?.replace(/\u00a0/g, ' ').trim(), 'future 16456 B');
  assert.ok(
    !fs.readFileSync(file, 'utf8').includes('future 16456 B'),
    'hints are not written into the file',
  );
});

test('pointing at a size hint shows its state-by-state tooltip (resolved on demand)', async () => {
  const hint = line('pub async fn copy')
    .locator('span[class*="dyn-rule-"]', { hasText: 'future' })
    .first();
  const tooltip = page.locator('.monaco-hover', { hasText: /Suspend1, line\s27/ });
  // The hints are drawn again when the crate index finishes (a refresh from the server); a hover that
  // began on the old ones shows nothing, as it would for a user, who would point again.
  for (let attempt = 1; ; attempt++) {
    await hint.hover();
    try {
      await tooltip.waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
      await page.mouse.move(5, 400);
    }
  }
  assert.match(await tooltip.innerText(), /async fn copy/);
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 400);
  await tooltip.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
});

test('the guard is underlined as a warning and its hover explains why', async () => {
  await page
    .locator('.monaco-editor .view-overlays .squiggly-warning')
    .first()
    .waitFor({ timeout: 30_000 });
  await page
    .locator('[id="status.problems"][aria-label*="Warnings: 3"]')
    .waitFor({ timeout: 30_000 });
  await line('let mut guard')
    .locator('span span', { hasText: /^guard$/ })
    .hover();
  const hover = page.locator('.monaco-hover', {
    hasText: 'this `MutexGuard` is held across an await point',
  });
  await hover.waitFor({ timeout: 15_000 });
  // The code's parentheses are CSS, not text.
  assert.match(await hover.innerText(), /rust-future-size\(?guard-held-across-await/);
  assert.match(await hover.innerText(), /await point where `guard` is still held/);
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 400);
  await hover.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
});

test('the preferred quick fix applies from the keyboard and is saved to disk', async () => {
  await line('let mut guard')
    .locator('span span', { hasText: /^guard$/ })
    .click();
  await page.keyboard.press('Control+.');
  const item = page.locator('.action-widget .monaco-list-row.action', {
    hasText: 'Move `guard` into its own block',
  });
  await item.waitFor({ timeout: 15_000 });
  // The menu covers the page with a pointer blocker until the mouse moves: choose with the keyboard.
  for (let i = 0; i < 5 && !(await item.evaluate((e) => e.classList.contains('focused'))); i++) {
    await page.keyboard.press('ArrowDown');
  }
  await sleep(300);
  await page.screenshot({ path: path.join(artifacts, 'editor.png') });
  if (process.env.UPDATE_SCREENSHOT) {
    fs.copyFileSync(
      path.join(artifacts, 'editor.png'),
      path.join(repoRoot, 'docs', 'screenshot.png'),
    );
  }
  await page.keyboard.press('Enter');
  await line('guard.hits += 1;').waitFor({ timeout: 15_000 });
  await page.keyboard.press('Control+S');
  const expected =
    /\n {4}\{\n {8}let mut guard = stats\.lock\(\)\.unwrap\(\);\n {8}guard\.hits \+= 1;\n {4}\}\n {4}conn\.write\(b"hit"\)\.await;\n/;
  const deadline = Date.now() + 15_000;
  while (!expected.test(fs.readFileSync(file, 'utf8')) && Date.now() < deadline) {
    await sleep(100);
  }
  assert.match(fs.readFileSync(file, 'utf8'), expected);
  await page
    .locator('[id="status.problems"][aria-label*="Warnings: 2"]')
    .waitFor({ timeout: 15_000 });
  // The guard no longer crosses the await: its hint is gone, the buffer's stays.
  const deadlineHint = Date.now() + 15_000;
  while ((await shown('let mut guard')).includes('held') && Date.now() < deadlineHint) {
    await sleep(100);
  }
  assert.match(await shown('let mut guard'), /unwrap\(\);$/);
  assert.match(await shown('let mut buf'), /let mut buf\s*held 16384 B across 2 awaits\s*=/);
});

test("Ctrl+click on a future's hint opens that future's layout", async () => {
  const hint = line('pub async fn copy')
    .locator('span[class*="dyn-rule-"]', { hasText: 'future' })
    .first();
  await hint.click({ modifiers: ['Control'] });
  await line('Future layout of async fn `copy`').first().waitFor({ timeout: 15_000 });
});

test("Ctrl+click on a held value's hint jumps to the await it is held across", async () => {
  const hint = line('let mut buf').locator('span[class*="dyn-rule-"]', { hasText: 'held' }).first();
  await hint.click({ modifiers: ['Control'] });
  // The `await` of `conn.read(&mut buf).await`, on line 23 of the workspace's main.rs, is selected.
  await page
    .locator('.statusbar-item', { hasText: /^Ln 23, Col \d+ \(5 selected\)/ })
    .first()
    .waitFor({ timeout: 15_000 });
});
