/**
 * `#[cfg(..)]` predicates: parsed and evaluated as a `cargo build` on Linux x86_64 with all
 * features (the fixture 61_cfg.rs checks the gates against rustc, which sets no features).
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const cfg =
  loadServerModule<typeof import('../../server/src/analysis/syntax/cfg')>('analysis/syntax/cfg');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const items =
  loadServerModule<typeof import('../../server/src/analysis/items/items')>('analysis/items/items');

function evaluate(text: string): boolean | null {
  const pred = cfg.parseCfgPredicate(text);
  assert.ok(pred, `${text} should parse`);
  return cfg.evalCfg(pred);
}

describe('cfg predicates', () => {
  it('parses all / any / not, names and key = "value" pairs', () => {
    assert.deepStrictEqual(cfg.parseCfgPredicate('unix'), { k: 'name', name: 'unix' });
    assert.deepStrictEqual(cfg.parseCfgPredicate('target_os = "linux"'), {
      k: 'kv',
      key: 'target_os',
      value: 'linux',
    });
    assert.deepStrictEqual(cfg.parseCfgPredicate('not(all(loom, test))'), {
      k: 'not',
      arg: {
        k: 'all',
        args: [
          { k: 'name', name: 'loom' },
          { k: 'name', name: 'test' },
        ],
      },
    });
    assert.deepStrictEqual(cfg.parseCfgPredicate('any(windows, feature = "net",)'), {
      k: 'any',
      args: [
        { k: 'name', name: 'windows' },
        { k: 'kv', key: 'feature', value: 'net' },
      ],
    });
    assert.deepStrictEqual(cfg.parseCfgPredicate('all()'), { k: 'all', args: [] });
  });

  it('is true for what a Linux x86_64 dev build sets, and for features', () => {
    for (const t of [
      'unix',
      'debug_assertions',
      'target_family = "unix"',
      'target_os = "linux"',
      'target_arch = "x86_64"',
      'target_pointer_width = "64"',
      'target_endian = "little"',
      'target_env = "gnu"',
      'panic = "unwind"',
      'target_has_atomic = "8"',
      'target_has_atomic = "64"',
      'target_has_atomic = "ptr"',
      'feature = "rt-multi-thread"',
      'not(all(loom, test))',
      'all(unix, not(windows), any(miri, target_os = "linux"))',
      'all()',
    ]) {
      assert.strictEqual(evaluate(t), true, t);
    }
  });

  it('is false for other targets, doc/miri/loom and custom cfgs', () => {
    for (const t of [
      'windows',
      'target_family = "wasm"',
      'target_family = "windows"',
      'target_os = "macos"',
      'target_arch = "aarch64"',
      'target_pointer_width = "32"',
      'target_has_atomic = "128"',
      'panic = "abort"',
      'doc',
      'doctest',
      'miri',
      'loom',
      'tokio_unstable',
      'tokio_taskdump',
      'all(loom, test)',
      'any(windows, target_os = "wasi")',
      'not(unix)',
      'any()',
    ]) {
      assert.strictEqual(evaluate(t), false, t);
    }
  });

  it('keeps code behind `test` and behind `not(test)`: test code is edited too, and `cargo build` compiles the other', () => {
    assert.strictEqual(evaluate('test'), null);
    assert.strictEqual(evaluate('not(test)'), null);
    assert.strictEqual(evaluate('all(unix, test)'), null);
    assert.strictEqual(evaluate('any(unix, test)'), true);
    assert.strictEqual(evaluate('any(windows, test)'), null);
    assert.strictEqual(evaluate('not(all(loom, test))'), true);
    assert.strictEqual(cfg.attributeKeeps('#[cfg(test)]'), true);
    assert.strictEqual(cfg.attributeKeeps('#[cfg(not(test))]'), true);
    assert.strictEqual(cfg.attributeKeeps('#[cfg(all(test, loom))]'), false);
  });

  it('evaluates features against an explicit set', () => {
    const env = { ...cfg.HOST_CFG, features: new Set(['net']) };
    assert.strictEqual(cfg.evalCfg(cfg.parseCfgPredicate('feature = "net"')!, env), true);
    assert.strictEqual(cfg.evalCfg(cfg.parseCfgPredicate('feature = "fs"')!, env), false);
    assert.strictEqual(cfg.attributeKeeps('#[cfg(feature = "fs")]', env), false);
    assert.strictEqual(cfg.attributeKeeps('#[cfg(feature = "fs")]'), true);
  });

  it('keeps code whose predicate does not parse, and ignores other attributes', () => {
    for (const t of [
      '',
      'not(unix, windows)',
      'foo(bar)',
      'target_os = linux',
      'unix windows',
      'all(unix',
      '"unix"',
    ]) {
      assert.strictEqual(cfg.parseCfgPredicate(t), null, t);
      assert.strictEqual(cfg.attributeKeeps(`#[cfg(${t})]`), true, t);
    }
    assert.strictEqual(cfg.attributeKeeps('#[cfg_attr(windows, allow(unused))]'), true);
    assert.strictEqual(cfg.attributeKeeps('#[cfg_attr(not(unix), path = "x.rs")]'), true);
    assert.strictEqual(cfg.attributeKeeps('#[inline]'), true);
    assert.strictEqual(cfg.attributeKeeps('#[cfg(windows)]'), false);
    assert.strictEqual(cfg.attributeKeeps('#[cfg( all( unix ,\n target_os = "linux" ) )]'), true);
  });
});

describe('cfg in the item index', () => {
  it('leaves gated-out items, fields and variants out of the index', async () => {
    await parser.initParser();
    const tree = parser.parseRust(`
      #[cfg(unix)] pub struct P { a: u8 }
      #[cfg(windows)] pub struct P { a: [u8; 64] }
      pub struct C { id: u64, #[cfg(windows)] ov: [u8; 8], #[cfg(unix)] fd: i32 }
      pub enum E { A, #[cfg(loom)] B(u8) }
      #[cfg(test)] fn only_in_tests() {}
      #[cfg(all(test, loom))] fn only_in_loom_tests() {}
      #[cfg(windows)] mod win { pub fn f() {} }
      impl C { #[cfg(windows)] fn g(&self) {} #[cfg(not(windows))] fn h(&self) {} }
    `);
    try {
      const index = items.indexItems(tree.rootNode);
      const p = index.types.get('P');
      assert.ok(p && p.kind === 'struct');
      assert.strictEqual(p.fields[0].ty.k, 'prim');
      const c = index.types.get('C');
      assert.ok(c && c.kind === 'struct');
      assert.deepStrictEqual(
        c.fields.map((f) => f.name),
        ['id', 'fd'],
      );
      const e = index.types.get('E');
      assert.ok(e && e.kind === 'enum');
      assert.deepStrictEqual(
        e.variants.map((v) => v.name),
        ['A'],
      );
      // Test code keeps its hints; loom tests are never built.
      assert.strictEqual(index.fns.has('only_in_tests'), true);
      assert.strictEqual(index.fns.has('only_in_loom_tests'), false);
      assert.strictEqual(index.fns.has('f'), false);
      assert.strictEqual(index.methods.has('C::g'), false);
      assert.strictEqual(index.methods.has('C::h'), true);
    } finally {
      tree.delete();
    }
  });

  it('binds a name to the built import, not to a #[cfg(test)] one, in either order', async () => {
    await parser.initParser();
    for (const source of [
      `#[cfg(not(test))] use crate::blocking::spawn_blocking;
       #[cfg(test)] use mocks::{spawn_blocking, JoinHandle};`,
      `#[cfg(test)] use mocks::{spawn_blocking, JoinHandle};
       #[cfg(not(test))] use crate::blocking::spawn_blocking;`,
    ]) {
      const tree = parser.parseRust(source);
      try {
        const index = items.indexItems(tree.rootNode);
        assert.deepStrictEqual(index.uses.get('spawn_blocking'), [
          'crate',
          'blocking',
          'spawn_blocking',
        ]);
        // A name only the test import brings stays bound: test code keeps its hints.
        assert.deepStrictEqual(index.uses.get('JoinHandle'), ['mocks', 'JoinHandle']);
      } finally {
        tree.delete();
      }
    }
  });

  it('leaves out a whole file or module gated by an inner #![cfg(..)], with a notice for the file', async () => {
    const engine =
      loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
    await engine.initAnalysis();
    const windows = engine.analyzeSource(
      '//! Windows named pipes.\n#![cfg(any(windows, docsrs))]\npub async fn f() {}\n',
      { file: 'w.rs', edition: '2021' },
    );
    assert.deepStrictEqual(windows.futures, []);
    assert.ok(
      windows.notices.some((n) => n.includes('#![cfg(any(windows, docsrs))]')),
      JSON.stringify(windows.notices),
    );
    const kept = engine.analyzeSource(
      '#![cfg(not(loom))]\n#![allow(dead_code)]\npub async fn f() {}\n',
      { file: 'k.rs', edition: '2021' },
    );
    assert.deepStrictEqual(
      kept.futures.map((f) => f.name),
      ['f'],
    );
    const inner = engine.analyzeSource(
      'mod w {\n    #![cfg(windows)]\n    pub async fn g() {}\n}\npub async fn h() {}\n',
      { file: 'm.rs', edition: '2021' },
    );
    assert.deepStrictEqual(
      inner.futures.map((f) => f.name),
      ['h'],
    );
  });
});

describe('cfg in future discovery', () => {
  const engine =
    loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
  before(() => engine.initAnalysis());

  it('leaves out async blocks a #[cfg] gates out, in a fn body, a match arm and a macro input', () => {
    const text = [
      'async fn tick() {}',
      'pub fn f(x: u8) {',
      '    #[cfg(windows)]',
      '    let _a = async { tick().await };',
      '    let _b = async { tick().await };',
      '    match x {',
      '        #[cfg(target_os = "macos")]',
      '        0 => drop(async { tick().await }),',
      '        _ => drop(async { tick().await }),',
      '    }',
      '    let _c = vec![async {',
      '        #[cfg(windows)]',
      '        let _d = async { tick().await };',
      '        tick().await',
      '    }];',
      '}',
      '#[cfg(windows)]',
      'const G: () = { let _ = async {}; };',
    ].join('\n');
    const report = engine.analyzeSource(text, { file: 'gated.rs', edition: '2021' });
    assert.deepStrictEqual(
      report.futures.map((f) => f.name),
      ['tick', 'async block@5:14', 'async block@9:19', 'async block@11:19'],
    );
  });
});

describe('cfg predicates: code only `cargo test` compiles', () => {
  it('tells attributes that keep code only for `cargo test` (onlyUnderTest)', () => {
    assert.strictEqual(cfg.onlyUnderTest(['#[cfg(test)]']), true);
    assert.strictEqual(cfg.onlyUnderTest(['#[cfg(all(unix, test))]']), true);
    assert.strictEqual(cfg.onlyUnderTest(['#[allow(unused)]', '#[cfg(test)]']), true);
    assert.strictEqual(cfg.onlyUnderTest(['#[cfg(not(test))]']), false);
    assert.strictEqual(cfg.onlyUnderTest(['#[cfg(any(unix, test))]']), false);
    assert.strictEqual(cfg.onlyUnderTest(['#[cfg(unix)]', '#[inline]']), false);
    assert.strictEqual(cfg.onlyUnderTest([]), false);
    // Where `test` is known (not one of the unknown names), nothing is test-only by this rule.
    const built = { ...cfg.HOST_CFG, unknown: new Set<string>() };
    assert.strictEqual(cfg.onlyUnderTest(['#[cfg(test)]'], built), false);
  });
});
