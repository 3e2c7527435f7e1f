/**
 * What a person sees: the packaged .vsix installed in a real VS Code (code-server), a Rust file
 * opened in headless Chromium, the size hints rendered in the editor, the warning squiggle and its
 * hover, and the preferred quick fix applied from the keyboard and saved to disk. Then real code
 * (hyper's `client/connect/http.rs` and a tokio app): every line's hints drawn whole, a held
 * hint's Ctrl+click, an `.await` hover's table; and a reload, a closed window and Restart Server
 * that leave no error in the extension's logs.
 * Saves a screenshot of the quick-fix menu over the hinted code to test/out/e2e/editor.png (and to
 * docs/screenshot.png, which the README shows, when UPDATE_SCREENSHOT=1), and of the real files
 * and the hover. Run with `node --test test/out/e2e/ui.test.js` after `npm run package`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { after, before, test } from 'node:test';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { CodeServer, REAL_FILES, repoRoot, sleep, vsixPath } from './support/codeServer';

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
    realFiles: true,
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
function line(text: string | RegExp, on: Page = page) {
  return on.locator('.monaco-editor .view-lines .view-line', { hasText: text });
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

/** Opens a workspace file with Quick Open, by a query that only it matches. */
async function quickOpen(query: string, row: string | RegExp, on: Page = page): Promise<void> {
  await on.keyboard.press('Control+P');
  const input = on.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(query);
  // Enter opens the focused row: recently opened files are listed until the search answers.
  await on
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: row })
    .waitFor({ timeout: 30_000 });
  await on.keyboard.press('Enter');
  await on.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
  await on.locator('.tab.active', { hasText: row }).first().waitFor({ timeout: 15_000 });
}

/** Runs a command from the command palette, by its title. */
async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: title })
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The 1-based number of the first line of a workspace file that contains `needle`. */
function lineNumberOf(file: string, needle: string): number {
  const text = fs.readFileSync(path.join(server.workspace, file), 'utf8');
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

async function goToLine(number: number, on: Page = page): Promise<void> {
  const input = on.locator('.quick-input-widget .quick-input-box input');
  const ready = on.locator('.quick-input-widget', { hasText: `Go to line ${number}.` });
  // An editor that takes the focus as it opens closes the widget; Enter would then reach the
  // editor (a new line in the file), so it waits until the widget has read the number.
  for (let attempt = 1; ; attempt++) {
    await on.locator('.monaco-editor.focused').first().waitFor({ timeout: 15_000 });
    await on.keyboard.press('Control+G');
    await input.waitFor();
    await input.fill(`:${number}`);
    try {
      await ready.waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
    }
  }
  await on.keyboard.press('Enter');
  await on.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The size hints on the editor's rendered lines: each line's text and its hints' labels. */
async function renderedHints(): Promise<Map<string, string[]>> {
  const lines = await page
    .locator('.monaco-editor .view-lines .view-line')
    .evaluateAll((elements) =>
      elements.map((line) => ({
        text: line.textContent ?? '',
        hints: [...line.querySelectorAll('span[class*="dyn-rule-"]')].map(
          (span) => span.textContent ?? '',
        ),
      })),
    );
  const found = new Map<string, string[]>();
  for (const { text, hints } of lines) {
    const labels = hints.map((h) => h.replace(/\u00a0/g, ' ').trim());
    if (labels.some((label) => /^(future|held) /.test(label))) {
      found.set(text.replace(/\u00a0/g, ' '), labels);
    }
  }
  return found;
}

/** The hints of the rendered lines once VS Code has drawn those of the visible range. */
async function settledHints(): Promise<Map<string, string[]>> {
  // VS Code asks for the hints of the visible range after a scroll, with a short delay.
  let last = '';
  for (let polls = 0; polls < 20; polls++) {
    await sleep(250);
    const hints = await renderedHints();
    const now = JSON.stringify([...hints]);
    if (polls >= 2 && now === last) {
      return hints;
    }
    last = now;
  }
  return renderedHints();
}

/** How many lines the editor shows at once. */
async function visibleLineCount(): Promise<number> {
  return page.locator('.monaco-editor .margin-view-overlays .line-numbers').count();
}

/**
 * Every hinted line of the open editor, visited a screen at a time with Go to Line (which puts a
 * line out of view in the middle of the screen).
 */
async function hintedLines(lineCount: number): Promise<Map<string, string[]>> {
  const all = new Map<string, string[]>();
  const step = Math.max(10, (await visibleLineCount()) - 12);
  for (let target = 1; target < lineCount + step; target += step) {
    await goToLine(Math.min(target, lineCount));
    for (const [text, labels] of await settledHints()) {
      all.set(text, labels);
    }
  }
  return all;
}

test('the real files get the whole window', async () => {
  // The layout opened by the Ctrl+click above sits in a second editor group.
  await runCommand('View: Close Editors in Other Groups');
  await page.locator('.editor-group-container').first().waitFor();
  assert.strictEqual(await page.locator('.editor-group-container').count(), 1);
});

for (const [file, query, firstHinted] of [
  [REAL_FILES.tokioApp, 'proxy.rs', 'async fn main()'],
  [REAL_FILES.hyper, 'connect/http.rs', 'async fn connect(mut self)'],
]) {
  test(`${file}: every hint is drawn whole (no \`…\`), within VS Code's line limit`, async () => {
    await quickOpen(query, path.basename(file));
    const text = fs.readFileSync(path.join(server.workspace, file), 'utf8');
    await goToLine(lineNumberOf(file, firstHinted));
    await line(firstHinted).filter({ hasText: 'future' }).first().waitFor({ timeout: 60_000 });
    await sleep(500);
    await page.screenshot({ path: path.join(artifacts, `real-${path.basename(file)}.png`) });
    const hinted = await hintedLines(text.split('\n').length);
    const problems: string[] = [];
    for (const [shownLine, labels] of hinted) {
      const length = labels.reduce((sum, label) => sum + label.length, 0);
      if (labels.some((label) => label.includes('…')) || length > 43) {
        problems.push(`${shownLine.trim()}: ${labels.join(' | ')}`);
      }
    }
    assert.ok(hinted.size >= 4, `${hinted.size} hinted lines`);
    assert.deepStrictEqual(problems, []);
  });
}

test("Ctrl+click on a real file's held-value hint selects the await", async () => {
  // The hyper file is open from the test above.
  await goToLine(684);
  const hint = page
    .locator('.monaco-editor .view-lines span[class*="dyn-rule-"]', { hasText: /^\s*held/ })
    .first();
  await hint.waitFor({ timeout: 15_000 });
  await hint.click({ modifiers: ['Control'] });
  const status = page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+ \(5 selected\)/ });
  await status.first().waitFor({ timeout: 15_000 });
  const at = Number(/^Ln (\d+)/.exec((await status.first().textContent()) ?? '')?.[1]);
  const text = fs.readFileSync(path.join(server.workspace, REAL_FILES.hyper), 'utf8');
  assert.match(text.split('\n')[at - 1], /\.await/);
});

test("an `.await` hover's table shows each value on one line", async () => {
  await quickOpen('proxy.rs', 'proxy.rs');
  await goToLine(lineNumberOf(REAL_FILES.tokioApp, 'socket.read(buf).await'));
  await line('socket.read(buf).await')
    .locator('span span', { hasText: /^await$/ })
    .hover();
  const table = page.locator('.monaco-hover table', { hasText: 'bytes' });
  await table.waitFor({ timeout: 15_000 });
  const rows = await table.locator('tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      height: tr.getBoundingClientRect().height,
      cells: [...tr.querySelectorAll('td, th')].map(
        (c) => (c as unknown as { innerText: string }).innerText,
      ),
    })),
  );
  await page.screenshot({ path: path.join(artifacts, 'await-hover.png') });
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 400);
  assert.ok(rows.length >= 4, JSON.stringify(rows));
  const header = rows[0].height;
  for (const row of rows) {
    assert.ok(row.height < header * 1.5, `a row wraps: ${JSON.stringify(row)}`);
    assert.ok(!row.cells.some((c) => c.includes('\n')), JSON.stringify(row));
  }
});

/** The files under code-server's log folder whose names end with `suffix`, read. */
function logsEndingWith(suffix: string): string[] {
  const dir = path.join(server.root, 'user-data', 'logs');
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(suffix))
    .map((file) => fs.readFileSync(path.join(dir, file), 'utf8'));
}

/**
 * What the extension logged as an error: the `[Error …]` lines of its output channel (one log per
 * extension host), and the extension host's own `[error]` lines that name it, such as a provider
 * that failed (`Channel has been closed` when a request meets a window closing).
 */
function loggedErrors(): { logs: number; errors: string[] } {
  const outputs = logsEndingWith('Rust Future Size.log');
  const errors = [
    ...outputs.flatMap((text) => text.split('\n').filter((l) => /\[Error\b/.test(l))),
    ...logsEndingWith('remoteexthost.log').flatMap((text) =>
      text.split('\n').filter((l) => /\[error\] \[rust-future-size\./.test(l)),
    ),
  ];
  return { logs: outputs.length, errors };
}

/** A window on the tokio app, its hints drawn: the extension runs in its extension host. */
async function showTokioApp(on: Page): Promise<void> {
  await on.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await quickOpen('proxy.rs', 'proxy.rs', on);
  await goToLine(lineNumberOf(REAL_FILES.tokioApp, 'async fn main()'), on);
  await line('async fn main()', on).filter({ hasText: 'future' }).waitFor({ timeout: 60_000 });
}

test('reloading the window during a code action request logs no error', async () => {
  await showTokioApp(page);
  await line('async fn main()').first().click();
  await page.keyboard.press('Control+.');
  await page.reload();
  await showTokioApp(page);
  const { logs, errors } = loggedErrors();
  assert.strictEqual(logs, 2, 'one output log per extension host: before and after the reload');
  assert.deepStrictEqual(errors, []);
});

test('closing a window during a code action request logs no error', async () => {
  const second = await page.context().newPage();
  await second.goto(server.url());
  await showTokioApp(second);
  await line('async fn main()', second).first().click();
  await second.keyboard.press('Control+.');
  await second.close({ runBeforeUnload: true });
  // The closed window's extension host stops its language client.
  await sleep(2_000);
  const { logs, errors } = loggedErrors();
  assert.strictEqual(logs, 3, 'one output log per extension host');
  assert.deepStrictEqual(errors, []);
});

test('Restart Server from the command palette logs no error', async () => {
  await page.bringToFront();
  await runCommand('Rust Future Size: Restart Server');
  // The old server's exit is logged once the new one runs.
  await sleep(3_000);
  await line('async fn main()').filter({ hasText: 'future' }).waitFor({ timeout: 60_000 });
  const restarted = logsEndingWith('Rust Future Size.log').some((text) =>
    /Server process exited with code 0/.test(text),
  );
  assert.ok(restarted, 'the old server stopped');
  assert.deepStrictEqual(loggedErrors().errors, []);
});

test('no key meant for a widget reached a file: no editor has unsaved changes', async () => {
  assert.strictEqual(await page.locator('.tab.dirty').count(), 0);
});
