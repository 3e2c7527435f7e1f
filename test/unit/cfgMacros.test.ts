/**
 * A crate's cfg macros (`analysis/items/cfgMacros.ts`): which `macro_rules!` put a `#[cfg]` on
 * each item they are given, and whether an invocation's items are compiled in a cfg. The crate
 * `test/fixtures/crates/cfg_macro_items` compares the index that leaves such items out with rustc.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const cfg =
  loadServerModule<typeof import('../../server/src/analysis/syntax/cfg')>('analysis/syntax/cfg');
const cfgMacros = loadServerModule<typeof import('../../server/src/analysis/items/cfgMacros')>(
  'analysis/items/cfgMacros',
);

const MACROS = `
macro_rules! cfg_net {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "net")]
            #[cfg_attr(docsrs, doc(cfg(feature = "net")))]
            $item
        )*
    }
}
macro_rules! cfg_not_net {
    ($($item:item)*) => { $( #[cfg(not(feature = "net"))] $item )* }
}
macro_rules! cfg_feature {
    (#![$meta:meta] $($item:item)*) => { $( #[cfg($meta)] $item )* }
}
macro_rules! two_rules {
    () => {};
    ($($item:item)*) => { $( #[cfg(unix)] $item )* }
}
`;

describe('cfg macros of a crate', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  /** Whether each invocation of `text` keeps its items with `features` on. */
  function keeps(
    macros: InstanceType<typeof cfgMacros.CrateCfgMacros>,
    text: string,
    features: string[],
  ) {
    const tree = parser.parseRust(text);
    try {
      const env = cfg.cfgWithFeatures(features);
      return tree.rootNode.namedChildren
        .filter((n) => n?.type === 'macro_invocation')
        .map((n) => macros.keeps(n!, env));
    } finally {
      tree.delete();
    }
  }

  it('reads the predicates each single-rule cfg macro puts on its items', () => {
    const macros = cfgMacros.CrateCfgMacros.of([MACROS, 'fn no_macros() {}']);
    assert.deepStrictEqual(macros.get('cfg_net'), ['feature = "net"']);
    assert.deepStrictEqual(macros.get('cfg_not_net'), ['not(feature = "net")']);
    assert.deepStrictEqual(macros.get('cfg_feature'), ['$meta']);
    // A macro of two rules may make anything of its input.
    assert.strictEqual(macros.get('two_rules'), undefined);
    // Defined in two files: which definition a file sees is not known.
    const twice = cfgMacros.CrateCfgMacros.of([MACROS, MACROS]);
    assert.strictEqual(twice.get('cfg_net'), null);
  });

  it("tells whether an invocation's items are built; other macros are not its to say", () => {
    const macros = cfgMacros.CrateCfgMacros.of([MACROS]);
    const uses = `
cfg_net! { struct A; }
cfg_not_net! { struct A; }
cfg_feature! { #![feature = "client"] struct B; }
println! { "x" }
`;
    assert.deepStrictEqual(keeps(macros, uses, ['net']), [true, false, false, null]);
    assert.deepStrictEqual(keeps(macros, uses, ['client']), [false, true, true, null]);
    const twice = cfgMacros.CrateCfgMacros.of([MACROS, MACROS]);
    assert.deepStrictEqual(keeps(twice, uses, ['net']), [null, null, null, null]);
  });
});
