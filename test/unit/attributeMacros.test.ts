/**
 * Attribute macros on async fns (`syntax/attributeMacros.ts`): rustc's own attributes leave the fn
 * as written, `#[async_trait]` is modelled, any other procedural macro makes the future unknown.
 * The sizes are compared with rustc in `test/fixtures/recorded/attribute_macros`.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const macros = loadServerModule<typeof import('../../server/src/analysis/syntax/attributeMacros')>(
  'analysis/syntax/attributeMacros',
);
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

async function futures(text: string) {
  await engine.initAnalysis();
  return engine.analyzeSource(text, { file: 'lib.rs', edition: '2021' }).futures;
}

describe('attribute macros on async fns', () => {
  it('reads attribute paths, through cfg_attr and unsafe(..)', () => {
    assert.deepStrictEqual(
      macros.attributePaths([
        '#[tracing::instrument(skip(self), fields(id = %id))]',
        '#[ ::async_trait :: async_trait ]',
        '#[cfg_attr(feature = "x", inline, tracing::instrument)]',
        '#[unsafe(no_mangle)]',
        '#[doc = "a, b"]',
      ]),
      [
        'tracing::instrument',
        'async_trait::async_trait',
        'inline',
        'tracing::instrument',
        'no_mangle',
        'doc',
      ],
    );
  });

  it('keeps a fn with only built-in and tool attributes as written', async () => {
    const [f] = await futures(
      '#[inline]\n#[allow(dead_code)]\n#[rustfmt::skip]\n#[cfg_attr(test, must_use)]\npub async fn f(x: u64) -> u64 { x }\n',
    );
    assert.strictEqual(f.exact, true);
    assert.strictEqual(f.size, 16);
  });

  it("keeps embassy's #[task] and #[main], which leave the body as written", async () => {
    const qualified = await futures(
      '#[embassy_executor::task(pool_size = 2)]\nasync fn blink(n: u64) { let _ = n; }\n',
    );
    assert.strictEqual(qualified[0].exact, true);
    const bare = await futures(
      'use embassy_executor::{main, task, Spawner};\n#[task]\nasync fn blink(n: u64) { let _ = n; }\n#[main]\nasync fn start(_s: Spawner) {}\n',
    );
    assert.deepStrictEqual(
      bare.map((f) => f.size !== null),
      [true, true],
    );
    const unknownTask = await futures('#[task]\nasync fn blink(n: u64) { let _ = n; }\n');
    assert.strictEqual(unknownTask[0].size, null, 'a bare #[task] of an unknown crate');
  });

  it('makes a future unknown, not a bound, under a macro it does not model', async () => {
    const list = await futures(
      'async fn tick() {}\n#[tracing::instrument]\npub async fn f(x: u64) -> u64 { tick().await; x }\npub async fn g() -> u64 { let a = [0u8; 32]; f(1).await + a[0] as u64 }\n',
    );
    const f = list.find((r) => r.name === 'f')!;
    assert.strictEqual(f.size, null);
    assert.strictEqual(f.exact, false);
    assert.ok(
      f.unknown.some((u) => u.includes('#[tracing::instrument]')),
      f.unknown.join('; '),
    );
    const g = list.find((r) => r.name === 'g')!;
    assert.strictEqual(g.exact, false, 'a caller of an unknown future is a lower bound');
  });

  it('awaits an #[async_trait] method as a 16-byte box, through dyn and concrete receivers', async () => {
    const list = await futures(
      [
        'use async_trait::async_trait;',
        'use std::sync::Arc;',
        'async fn tick() {}',
        '#[async_trait]',
        'pub trait Store: Send + Sync { async fn put(&self, v: Vec<u8>) -> u64; }',
        'pub struct Mem;',
        '#[async_trait]',
        'impl Store for Mem {',
        '    async fn put(&self, v: Vec<u8>) -> u64 { let big = [0u8; 64]; tick().await; v.len() as u64 + big[0] as u64 }',
        '}',
        'pub async fn concrete(m: &Mem) -> u64 { m.put(vec![1]).await }',
        'pub async fn dynamic(s: Arc<dyn Store>) -> u64 { s.put(vec![1]).await }',
      ].join('\n'),
    );
    const put = list.find((r) => r.name === '<Mem as Store>::put')!;
    assert.deepStrictEqual(put.rustcBlockAt, { line: 9, column: 44 });
    for (const name of ['concrete', 'dynamic']) {
      const r = list.find((f) => f.name === name)!;
      assert.strictEqual(r.exact, true, `${name}: ${r.unknown.join('; ')}`);
      const awaitee = r.awaits[0].held.find((h) => h.kind === 'awaitee');
      assert.strictEqual(awaitee?.size, 16, name);
    }
  });
});
