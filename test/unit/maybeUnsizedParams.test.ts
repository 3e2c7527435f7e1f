/**
 * A generic `async fn`'s own report when a parameter is `T: ?Sized`: `&T` is 8 bytes for a sized
 * argument and 16 for `str`, a slice or `dyn`, so the fn's size is a lower bound (rustc: `q<u8>`
 * 24 bytes, `q<str>` 40), while each call's instance is exact.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

const SOURCE = `
async fn tick() {}
pub async fn q<T: ?Sized + std::fmt::Debug>(s: &T) -> usize { tick().await; format!("{:?}", s).len() }
pub async fn sized<T: std::fmt::Debug>(s: &T) -> usize { tick().await; format!("{:?}", s).len() }
pub async fn caller() -> usize { q("abc").await + q(&5u8).await }
`;

describe('references to `?Sized` type parameters', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('make the generic fn a lower bound, and leave its instances exact', () => {
    const futures = engine.analyzeSource(SOURCE, { file: 'u.rs', edition: '2021' }).futures;
    const byName = new Map(futures.map((f) => [f.name, f]));
    const q = byName.get('q')!;
    assert.deepStrictEqual([q.size, q.exact], [24, false]);
    assert.ok(
      q.unknown.some((u) => u.includes('?Sized')),
      q.unknown.join('; '),
    );
    const sized = byName.get('sized')!;
    assert.deepStrictEqual([sized.size, sized.exact], [24, true]);
    // rustc: 56 bytes, the larger awaitee being `q<str>`'s 40-byte future.
    const caller = byName.get('caller')!;
    assert.deepStrictEqual([caller.size, caller.exact], [56, true]);
  });
});
