import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const { EnclosingFunctions } = loadServerModule<
  typeof import('../../server/src/analysis/syntax/enclosingFunctions')
>('analysis/syntax/enclosingFunctions');

/** The name of the fn `innermost` gives for each async block, in source order, compared with climbing `parent`. */
function ownersOf(text: string): { byRange: (string | null)[]; byParent: (string | null)[] } {
  const tree = parser.parseRust(text);
  try {
    const fns = new EnclosingFunctions(tree.rootNode);
    const blocks = tree.rootNode.descendantsOfType('async_block').filter((n) => n !== null);
    const name = (fn: { childForFieldName(f: string): { text: string } | null } | null) =>
      fn?.childForFieldName('name')?.text ?? null;
    const climb = (node: (typeof blocks)[number]) => {
      for (let p = node.parent; p; p = p.parent) if (p.type === 'function_item') return p;
      return null;
    };
    return {
      byRange: blocks.map((b) => name(fns.innermost(b))),
      byParent: blocks.map((b) => name(climb(b))),
    };
  } finally {
    tree.delete();
  }
}

describe('EnclosingFunctions', () => {
  before(() => parser.initParser());

  it('finds the innermost fn around a node as climbing parents does: nested fns, impls, consts, deep nesting', () => {
    const text = [
      'const C: () = { let _ = async {}; };',
      'fn outer() {',
      '    let _a = async {};',
      '    fn inner() { let _b = async { async {} }; }',
      '    let _c = async {};',
      '}',
      'impl S { fn method(&self) { let _d = async {}; } }',
      'fn last() { let _e = ' + 'async { '.repeat(50) + '1' + ' }'.repeat(50) + '; }',
      'static T: () = { let _ = async {}; };',
    ].join('\n');
    const { byRange, byParent } = ownersOf(text);
    assert.deepStrictEqual(byRange, byParent);
    assert.deepStrictEqual(byRange.slice(0, 6), [
      null,
      'outer',
      'inner',
      'inner',
      'outer',
      'method',
    ]);
    assert.strictEqual(byRange.filter((n) => n === 'last').length, 50);
    assert.strictEqual(byRange[byRange.length - 1], null);
  });

  it('knows no fn in a file without one', () => {
    assert.deepStrictEqual(ownersOf('const C: () = { let _ = async {}; };').byRange, [null]);
  });
});
