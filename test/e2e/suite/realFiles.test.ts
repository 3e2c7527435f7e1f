/**
 * Inlay hints and `.await` hovers on real code, as VS Code gets them from the extension: hyper's
 * `client/connect/http.rs` and a small tokio app (multi-line patterns, `for` loops, `select!`,
 * `pin_mut!`, one-line and multi-line signatures). Every hint's position is compared with the
 * places the syntax tree allows (support/hintAnchors.ts), each line's hints must fit VS Code's
 * 43-character limit, and each hover table row must be one value on one line.
 * The runner copies the files into the workspace (support/codeServer.ts, REAL_FILES).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { REAL_FILES } from '../support/codeServer';
import { hintAnchors } from '../support/hintAnchors';
import { labelOf, until, workspaceFile } from './editorProbes';

/** VS Code's `editor.inlayHints.maximumLength` default: a line's hints beyond it end in `…`. */
const HINT_LINE_LIMIT = 43;

function hintsOf(document: vscode.TextDocument): Thenable<vscode.InlayHint[]> {
  return vscode.commands.executeCommand<vscode.InlayHint[]>(
    'vscode.executeInlayHintProvider',
    document.uri,
    new vscode.Range(0, 0, document.lineCount, 0),
  );
}

/** What is wrong with the hints of a document: places, kinds, line lengths. */
async function hintProblems(
  document: vscode.TextDocument,
  hints: vscode.InlayHint[],
): Promise<string[]> {
  const anchors = await hintAnchors(document.getText());
  const problems: string[] = [];
  const perLine = new Map<number, string[]>();
  for (const hint of hints) {
    const label = labelOf(hint);
    const { line, character } = hint.position;
    const file = document.uri.path.split('/').slice(-2).join('/');
    const where = `${file}:${line + 1}:${character + 1}`;
    const text = document.lineAt(line).text;
    const shown = `${text.slice(0, character)}‹${label}›${text.slice(character)}`.trim();
    const kind = /^future /.test(label) ? 'future' : /^held /.test(label) ? 'held' : undefined;
    if (!kind) {
      problems.push(`${where}: neither a future's nor a held value's hint: ${shown}`);
    } else if (!anchors[kind].has(document.offsetAt(hint.position))) {
      problems.push(`${where}: ${kind} hint out of place: ${shown}`);
    }
    perLine.set(line, [...(perLine.get(line) ?? []), label]);
  }
  for (const [line, labels] of perLine) {
    const length = labels.reduce((sum, label) => sum + label.length, 0);
    if (length > HINT_LINE_LIMIT) {
      problems.push(`line ${line + 1}: ${length} characters of hints: ${labels.join(' | ')}`);
    }
  }
  return problems;
}

suite('rust-future-size in VS Code: hints and hovers on real files', () => {
  const config = () => vscode.workspace.getConfiguration('rustFutureSize');

  suiteTeardown(async () => {
    await config().update('inlayHints.showAll', undefined, vscode.ConfigurationTarget.Global);
  });

  test('the check tells a hint after a pattern from one inside an expression', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile(REAL_FILES.hyper));
    const anchors = await hintAnchors(document.getText());
    const at = (line: number, needle: string) => {
      const column = document.lineAt(line - 1).text.indexOf(needle);
      assert.ok(column >= 0, needle);
      return document.offsetAt(new vscode.Position(line - 1, column));
    };
    // Where hints were before (issue 16): `for addr in & held ? B … mut self.addrs {`,
    // `pin_mut!(fallback_fut held …)`, `let (result held …, future) =`.
    assert.ok(!anchors.held.has(at(536, 'mut self.addrs')));
    assert.ok(!anchors.held.has(at(684, ');')));
    assert.ok(!anchors.held.has(at(689, ', future)')));
    assert.ok(!anchors.future.has(at(723, '(') + 1));
    assert.ok(!anchors.future.has(at(326, '{') + 1));
    // Where they go now: after the `for` pattern and iterator, after the macro, after the pattern;
    // a future's after its signature's return type.
    assert.ok(anchors.held.has(at(536, ' in &mut')));
    assert.ok(anchors.held.has(at(536, ' {')));
    assert.ok(anchors.held.has(at(684, ';')));
    assert.ok(anchors.held.has(at(689, ' =')));
    assert.ok(anchors.future.has(at(326, ' {')));
    assert.ok(!anchors.future.has(at(536, ' in &mut')));
  });

  for (const file of [REAL_FILES.hyper, REAL_FILES.tokioApp]) {
    test(`${file}: hints after whole patterns and signatures, within the limit`, async () => {
      const document = await vscode.workspace.openTextDocument(workspaceFile(file));
      await vscode.window.showTextDocument(document);
      const defaults = await until(
        'hints',
        async () => {
          const found = await hintsOf(document);
          return found.length ? found : undefined;
        },
        30_000,
      );
      await config().update('inlayHints.showAll', true, vscode.ConfigurationTarget.Global);
      // More hints once the setting reaches the server (each file here has values below the
      // default thresholds).
      const all = await until(
        'every hint (showAll)',
        async () => {
          const found = await hintsOf(document);
          return found.length > defaults.length ? found : undefined;
        },
        30_000,
      );
      await config().update('inlayHints.showAll', undefined, vscode.ConfigurationTarget.Global);
      console.log(`      ${file}: ${defaults.length} hints by default, ${all.length} with showAll`);
      assert.ok(all.some((h) => labelOf(h).startsWith('future ')));
      assert.ok(all.some((h) => labelOf(h).startsWith('held ')));
      assert.deepStrictEqual(
        [...(await hintProblems(document, defaults)), ...(await hintProblems(document, all))],
        [],
      );
    });
  }

  test("every `.await` hover's table: one row per value, each size kept on one line", async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile(REAL_FILES.hyper));
    const text = document.getText();
    const problems: string[] = [];
    let tables = 0;
    for (let at = text.indexOf('.await'); at >= 0; at = text.indexOf('.await', at + 1)) {
      const position = document.positionAt(at + 1);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        document.uri,
        position,
      );
      const markdown = hovers
        .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
        .join('\n');
      const lines = markdown.split('\n');
      const head = lines.indexOf('| value | bytes | line | type |');
      if (head < 0) {
        continue;
      }
      tables++;
      const rows = lines.slice(head + 2).filter((l) => l.startsWith('|'));
      const where = `line ${position.line + 1}`;
      const seen = new Set<string>();
      for (const row of rows) {
        // `|` inside a type is escaped; a row is four cells.
        const cells = row
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((c) => c.trim());
        if (cells.length !== 4) {
          problems.push(`${where}: ${cells.length} cells in ${row}`);
          continue;
        }
        const [name, bytes, line, type] = cells;
        // A size never wraps: its number and unit are joined by a no-break space.
        if (!/^(?:[≥~]\u00a0?)?(?:\d+|\?)\u00a0B$/.test(bytes)) {
          problems.push(`${where}: size cell \`${bytes}\` in ${row}`);
        }
        // `pin_mut!(x)` makes two values named `x` on one line: the moved future and its `Pin`.
        const value = `${name} (line ${line}, ${type})`;
        if (seen.has(value)) {
          problems.push(`${where}: ${value} listed twice`);
        }
        seen.add(value);
      }
    }
    console.log(`      ${tables} hover tables checked`);
    assert.ok(tables >= 5, `only ${tables} hover tables`);
    assert.deepStrictEqual(problems, []);
  });
});
