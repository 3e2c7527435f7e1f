/**
 * Where inlay hints go (`lsp/hintPlacement.ts`) and which ones are shown with what label
 * (`lsp/hintPolicy.ts`): the pure rules, on small pieces of Rust.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const { HintAnchors } =
  loadServerModule<typeof import('../../server/src/lsp/hintPlacement')>('lsp/hintPlacement');
const policy = loadServerModule<typeof import('../../server/src/lsp/hintPolicy')>('lsp/hintPolicy');

type HeldValue = import('../../server/src/analysis/report').HeldValue;

/** The text before the anchor of the binding `name` (its `occurrence`th appearance). */
function heldAnchorText(text: string, name: string, occurrence = 1): string {
  const lines = text.split('\n');
  let found = -1;
  let line = 0;
  for (let seen = 0; seen < occurrence;) {
    found = lines[line].indexOf(name, found + 1);
    if (found < 0) {
      line++;
      found = -1;
      continue;
    }
    seen++;
  }
  const tree = parser.parseRust(text);
  const anchors = new HintAnchors(tree.rootNode);
  try {
    const at = anchors.heldAnchor({
      line: line + 1,
      column: found + 1,
      endLine: line + 1,
      endColumn: found + 1 + name.length,
    });
    const prefix = lines[at.position.line].slice(0, at.position.character).trim();
    return `${prefix}${at.named ? ' (named)' : ''}`;
  } finally {
    anchors.dispose();
    tree.delete();
  }
}

function futureAnchorText(text: string, kind: 'fn' | 'block' | 'closure', needle: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  const tree = parser.parseRust(text);
  const anchors = new HintAnchors(tree.rootNode);
  try {
    const at = anchors.futureAnchor({
      kind,
      line: line + 1,
      column: lines[line].indexOf(needle) + 1,
    });
    return at ? lines[at.line].slice(0, at.character).trim() : 'none';
  } finally {
    anchors.dispose();
    tree.delete();
  }
}

describe('hint placement', () => {
  before(() => parser.initParser());

  const body = (statements: string) => `async fn f(xs: Vec<u8>) {\n${statements}\n}\n`;

  it('a binding: after the whole pattern and its type, never inside the value', () => {
    assert.strictEqual(heldAnchorText(body('let mut buf = [0u8; 9];'), 'buf'), 'let mut buf');
    assert.strictEqual(
      heldAnchorText(body('let count: u64 = match a { _ => 1 };'), 'count'),
      'let count: u64',
    );
    assert.strictEqual(
      heldAnchorText(body('let (mut ri, mut wi) = s.split();'), 'wi'),
      'let (mut ri, mut wi) (named)',
    );
    assert.strictEqual(
      heldAnchorText(body('if let Some(v) = o { }'), 'v'),
      'if let Some(v) (named)',
    );
    assert.strictEqual(
      heldAnchorText(body('match o { Some(mut v) if v > 1 => {} _ => {} }'), 'v', 2),
      'match o { Some(mut v) if v > 1 (named)',
    );
  });

  it('a `for` loop: the pattern, and the iterator after its expression', () => {
    const text = body('for addr in &mut self.addrs { }');
    assert.strictEqual(heldAnchorText(text, 'addr'), 'for addr');
    assert.strictEqual(heldAnchorText(text, '&mut'), 'for addr in &mut self.addrs');
  });

  it('inside an expression macro: after the outermost macro', () => {
    assert.strictEqual(
      heldAnchorText(body('futures::pin_mut!(fut);'), 'fut', 2),
      'futures::pin_mut!(fut) (named)',
    );
    assert.strictEqual(
      heldAnchorText(body('let x = tokio::select! { v = a => format!("{}", v), };'), 'v', 2),
      'let x = tokio::select! { v = a => format!("{}", v), } (named)',
    );
  });

  it('a value a macro declares (join!’s futures): after the macro, saying whose it is', () => {
    const text = body('tokio::join!(a(), b());');
    const tree = parser.parseRust(text);
    const anchors = new HintAnchors(tree.rootNode);
    try {
      // The engine reports such a value at the macro's own start.
      const at = anchors.heldAnchor({ line: 2, column: 1, endLine: 2, endColumn: 23 });
      assert.deepStrictEqual(
        [at.position.character, at.named, at.declaredBy],
        ['tokio::join!(a(), b())'.length, true, 'join!'],
      );
      // A binding inside the macro's arguments is the code's own: no owner.
      const inner = anchors.heldAnchor({ line: 2, column: 14, endLine: 2, endColumn: 15 });
      assert.strictEqual(inner.declaredBy, undefined);
    } finally {
      anchors.dispose();
      tree.delete();
    }
  });

  it('inside an item macro: as if the macro were not there', () => {
    const text = 'cfg_net! {\n    async fn g() {\n        let big = [0u8; 64];\n    }\n}\n';
    assert.strictEqual(heldAnchorText(text, 'big'), 'let big');
    assert.strictEqual(futureAnchorText(text, 'fn', 'async fn g'), 'async fn g()');
  });

  it('a future: after the signature, over several lines too; blocks after `async move`', () => {
    assert.strictEqual(
      futureAnchorText(
        'pub async fn f(\n    a: u8,\n) -> u8 where u8: Copy {\n    a\n}\n',
        'fn',
        'async',
      ),
      ') -> u8',
    );
    assert.strictEqual(
      futureAnchorText('fn g() { let f = async move { 1 }; }', 'block', 'async'),
      'fn g() { let f = async move',
    );
    assert.strictEqual(
      futureAnchorText('fn g() { let f = async |x: u8| -> u8 { x }; }', 'closure', '{ x }'),
      'fn g() { let f = async |x: u8| -> u8',
    );
    // A position where the tree has no such future: no hint rather than a misplaced one.
    assert.strictEqual(futureAnchorText('#![allow(clippy::all)]\n', 'block', 'clippy'), 'none');
    // Inside an expression macro's arguments: no place for it.
    assert.strictEqual(
      futureAnchorText('fn g() { tokio::join!(async { 1 }); }', 'block', 'async'),
      'none',
    );
  });
});

describe('hint policy', () => {
  const value = (type: string | null, size: number | null, exact = size !== null): HeldValue => ({
    name: 'v',
    kind: 'binding',
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
    size,
    align: null,
    type,
    exact,
    id: 0,
    offset: 0,
  });
  const defaults = { heldMinSize: 64, futureMinSize: 32 };

  it('shows held values from the threshold, `? B` only where the type could be large', () => {
    assert.ok(policy.showsHeldValue(value('[u8; 64]', 64), defaults));
    assert.ok(!policy.showsHeldValue(value('u64', 8), defaults));
    assert.ok(policy.showsHeldValue(value('T', null), defaults));
    assert.ok(policy.showsHeldValue(value('tokio::time::Sleep', null), defaults));
    assert.ok(policy.showsHeldValue(value('Option<Frame<T>>', 8, false), defaults));
    assert.ok(policy.showsHeldValue(value('{async fn body of f()}', 40, false), defaults));
    for (const small of ['type of `x`', '&T', 'Arc<Big>', 'Vec<T>', 'Pin<&mut F>', 'Option<_>']) {
      assert.ok(!policy.showsHeldValue(value(small, null), defaults), small);
    }
    assert.ok(policy.showsHeldValue({ ...value('MutexGuard<u8>', 16), guard: 'mutex' }, defaults));
    // 0 shows everything, unknown sizes included.
    assert.ok(policy.showsHeldValue(value('type of `x`', null), { ...defaults, heldMinSize: 0 }));
  });

  it('names a value a macro declares by the macro (join! futures)', () => {
    const labels = policy.heldLabels({
      named: true,
      values: [
        { value: { ...value('(A, B)', 2), name: 'futures' }, awaits: 1, label: 'join! futures' },
      ],
    });
    assert.strictEqual(labels[0], 'held join! futures 2 B across 1 await');
  });

  it('fits the hints of one line into 43 characters, shortening the longest first', () => {
    assert.strictEqual(policy.VSCODE_HINT_LINE_LIMIT, 43);
    const held = policy.heldLabels({
      named: true,
      values: [
        { value: { ...value('T', null), name: 'reader' }, awaits: 1 },
        { value: { ...value('T', null), name: 'writer' }, awaits: 1 },
      ],
    });
    assert.deepStrictEqual(held, [
      'held reader ? B, writer ? B across 1 await',
      'held ? B in 2 values across 1 await',
      'held ? B',
    ]);
    const fitted = policy.fitLine([
      { labels: held, weight: 0 },
      { labels: ['future 17408 B (measured)', 'future 17408 B'], weight: 1e9 },
    ]);
    assert.deepStrictEqual(fitted, ['held ? B', 'future 17408 B (measured)']);
    // When even the shortest labels do not fit, the lightest hint is left out.
    assert.deepStrictEqual(
      policy.fitLine([
        { labels: ['x'.repeat(30)], weight: 5 },
        { labels: ['y'.repeat(20)], weight: 1 },
      ]),
      ['x'.repeat(30), null],
    );
  });
});
