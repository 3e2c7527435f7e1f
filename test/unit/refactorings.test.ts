/**
 * Refactorings on a held binding (computeRefactorings): Move, Drop and Box for the bindings
 * declared on the requested lines, kept when they free the value at its await even if the
 * future's size is set elsewhere; each compiled with rustc like the quick fixes.
 */
import * as assert from 'assert';
import type { Fix } from '../../server/src/analysis/fixes/fixTypes';
import { Compiler, compareTexts } from '../support/fixAccuracy';
import { loadServerModule } from '../support/repoPaths';
import * as runner from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const fixes =
  loadServerModule<typeof import('../../server/src/analysis/fixes/fixes')>('analysis/fixes/fixes');
const refactorings = loadServerModule<
  typeof import('../../server/src/analysis/fixes/refactorings')
>('analysis/fixes/refactorings');
const apply = loadServerModule<typeof import('../../server/src/analysis/fixes/applyEdits')>(
  'analysis/fixes/applyEdits',
);

const TEXT = `#![allow(unused)]
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
pub struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 { Poll::Ready(()) } else { self.0 = true; Poll::Pending }
    }
}
pub async fn pause() { Yield(false).await }
pub fn use_ref<T>(_: &T) {}
pub async fn big() -> usize {
    let b = [0u8; 2048];
    use_ref(&b);
    pause().await;
    b.len()
}
pub async fn staged(id: u64) -> usize {
    let first = {
        let label = String::from("first");
        let unused = String::new();
        use_ref(&label);
        pause().await;
        label.len()
    };
    let name = format!("conn {id}");
    first + big().await + name.len()
}
`;

const lineOf = (needle: string) => TEXT.slice(0, TEXT.indexOf(needle)).split('\n').length;

function at(needle: string): Fix[] {
  const report = engine.analyzeSource(TEXT, { file: 'lib.rs', edition: '2021' });
  const line = lineOf(needle);
  return refactorings.computeRefactorings(TEXT, report, line, line, { file: 'lib.rs' });
}

describe('refactorings on a held binding', () => {
  before(() => engine.initAnalysis());

  it('are not quick fixes where the future keeps its size', () => {
    const report = engine.analyzeSource(TEXT, { file: 'lib.rs', edition: '2021' });
    const quick = fixes.computeFixes(TEXT, report, { file: 'lib.rs' });
    assert.deepStrictEqual(
      quick.filter((f) => f.futureName === 'staged').map((f) => f.kind),
      ['box-pin-future'],
    );
  });

  it('box a value held only at a smaller await, saying the future keeps its size', () => {
    const [box] = at('label = String');
    assert.strictEqual(box.kind, 'box-value');
    assert.strictEqual(box.title, 'Put `label` in a `Box`');
    assert.strictEqual(box.expectedSaving, 0);
    assert.strictEqual(box.preferred, false);
    assert.match(box.detail, /`staged` keeps its size: another `\.await` sets it/);
  });

  it('drop a value never used, and box one used after every await', () => {
    assert.deepStrictEqual(
      at('unused = String').map((f) => [f.kind, f.title]),
      [['drop-before-await', 'Drop `unused` before the `.await` on line 25']],
    );
    assert.deepStrictEqual(
      at('name = format!').map((f) => [f.kind, f.title, f.expectedSaving]),
      [['box-value', 'Put `name` in a `Box`', 16]],
    );
  });

  it('plan nothing for lines that declare no held binding', () => {
    assert.deepStrictEqual(at('first + big()'), []);
    assert.deepStrictEqual(at('let first = {'), []);
  });
});

describe('refactorings proven by rustc', function () {
  this.timeout(600_000);
  before(async function () {
    if (runner.rustcAvailable() === null) {
      this.skip();
    }
    await engine.initAnalysis();
  });

  it('compile and make no future larger', async () => {
    const compiler = new Compiler(2);
    const problems: string[] = [];
    try {
      for (const fix of ['label = String', 'unused = String', 'name = format!'].flatMap(at)) {
        const fixed = apply.applyFix(TEXT, fix);
        assert.ok(fixed.ok);
        const result = await compareTexts(compiler, TEXT, fixed.text, 'lib.rs');
        if (result.error !== undefined) {
          problems.push(`${fix.id}: ${result.error}`);
        }
        for (const c of result.changes.filter((x) => x.after > x.before)) {
          problems.push(`${fix.id}: ${c.name} grew from ${c.before} to ${c.after}`);
        }
        const target = result.changes.find((c) => c.name === fix.futureName);
        if (fix.expectedSaving && target && target.before - target.after < fix.expectedSaving) {
          problems.push(`${fix.id}: saved ${target.before - target.after} bytes`);
        }
      }
    } finally {
      compiler.dispose();
    }
    assert.deepStrictEqual(problems, []);
  });
});
