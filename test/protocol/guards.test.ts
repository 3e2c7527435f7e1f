/**
 * Which held values count as synchronous lock guards (guard-held-across-await): the engine's
 * `HeldValue.guard`, from the type when it knows it and from the initializer otherwise. Pure: no
 * server.
 */
import * as assert from 'assert';
import { createRequire } from 'module';
import * as path from 'path';
import { repoRoot } from './support/lspSession';

/** A compiled server module (`server/out/<modulePath>.js`), typed by its source. */
function loadServerModule<T>(modulePath: string): T {
  return createRequire(__filename)(path.join(repoRoot, 'server', 'out', `${modulePath}.js`)) as T;
}

type EngineModule = typeof import('../../server/src/analysis/engine');
type KnownTypesModule = typeof import('../../server/src/analysis/types/knownTypes');
type RegistryModule = typeof import('../../server/src/lints/registry');
type SourceTextModule = typeof import('../../server/src/text/sourceText');
const engine = loadServerModule<EngineModule>('analysis/engine');
const { GUARD_TYPE_NAMES } = loadServerModule<KnownTypesModule>('analysis/types/knownTypes');
const { checkFile } = loadServerModule<RegistryModule>('lints/registry');
const { SourceText } = loadServerModule<SourceTextModule>('text/sourceText');

/** The findings before levels, as the diagnostics compute them. */
function computeFindings(
  report: ReturnType<typeof engine.analyzeSource>,
  source: InstanceType<typeof SourceText>,
  options: { largeValueThreshold: number; largeFutureThreshold: number },
) {
  return checkFile(report, source, options);
}

/**
 * The guard the engine finds in `let mut g[: type] = <initializer>;`, held across an await; the
 * items declare what the initializers call; `m`, `cell` and `lock` are of unknown types.
 */
function classify(initializer: string, type: string | null, items = ''): string | null {
  const annotation = type === null || type === '_' ? '' : `: ${type}`;
  const text = `${items}
async fn tick() {}
async fn probe() {
    let mut g${annotation} = ${initializer};
    tick().await;
    drop(g);
}
`;
  const report = engine.analyzeSource(text, { file: 'guards.rs', edition: '2021' });
  const probe = report.futures.find((f) => f.name === 'probe')!;
  const held = probe.awaits.flatMap((a) => a.held).find((h) => h.name === 'g');
  assert.ok(held, `g is held across the await in:\n${text}`);
  return held.guard ? GUARD_TYPE_NAMES[held.guard] : null;
}

describe('guard classification', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('knows std, parking_lot and spin guards by type, whatever the initializer', () => {
    assert.strictEqual(
      classify('lock(&m)', 'MutexGuard<Stats>', 'struct Stats; use std::sync::MutexGuard;'),
      'MutexGuard',
    );
    assert.strictEqual(classify('f()', 'std::sync::RwLockWriteGuard<Vec<u8>>'), 'RwLockWriteGuard');
    assert.strictEqual(classify('f()', 'parking_lot::MutexGuard<u8>'), 'MutexGuard');
    assert.strictEqual(classify('f()', 'spin::MutexGuard<u8>'), 'MutexGuard');
    assert.strictEqual(classify('cell.borrow()', 'Ref<u32>', 'use std::cell::Ref;'), 'Ref');
  });

  it('leaves async locks and non-guards alone', () => {
    assert.strictEqual(classify('f()', 'tokio::sync::MutexGuard<u8>'), null);
    assert.strictEqual(
      classify('m.lock().await', 'MutexGuard<u8>'),
      null,
      '`.lock().await` is an async lock',
    );
    assert.strictEqual(classify('m.lock().await', null), null);
    assert.strictEqual(classify('m.lock().unwrap().len()', 'usize'), null);
    assert.strictEqual(classify('&guard', '&MutexGuard<u8>'), null);
    assert.strictEqual(classify('dashmap.get(k)', 'dashmap::mapref::one::Ref<K, V>'), null);
  });

  it('falls back to the initializer when the type is unknown', () => {
    assert.strictEqual(classify('m.lock().unwrap()', '_'), 'MutexGuard');
    assert.strictEqual(classify('m.lock()?', null), 'MutexGuard');
    assert.strictEqual(classify('m.try_lock().expect("poisoned (really)")', null), 'MutexGuard');
    assert.strictEqual(classify('self.config.read().unwrap()', null), 'RwLockReadGuard');
    assert.strictEqual(
      classify('lock\n        .write()\n        .unwrap()', null),
      'RwLockWriteGuard',
      'a chain over several lines',
    );
    assert.strictEqual(classify('self.state.borrow_mut()', '_'), 'RefMut');
    assert.strictEqual(
      classify('m.lock().unwrap().take()', null),
      null,
      'what follows the guard is no guard',
    );
    assert.strictEqual(classify('vec![1, 2].len()', null), null);
  });
});

describe('guards held across an await, from the analysis (sizes checked against rustc 1.95)', () => {
  const text = `use std::sync::Mutex;
async fn tick() {}
async fn take(x: u32) {}
pub async fn scrutinee(m: &Mutex<Option<u32>>) {
    match *m.lock().unwrap() {
        Some(_) => tick().await,
        None => {}
    }
}
pub async fn argument(m: &Mutex<u32>) {
    take(*m.lock().unwrap()).await;
}
pub async fn dropped(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    let v = *g;
    drop(g);
    tick().await;
    let _ = v;
}
`;
  let report: ReturnType<typeof engine.analyzeSource>;

  before(async () => {
    await engine.initAnalysis();
    report = engine.analyzeSource(text, { file: 'guards.rs', edition: '2021' });
  });

  it('keeps a guard temporary of a match scrutinee or of a call argument across the await in that statement', () => {
    // rustc: scrutinee 32 B, argument 40 B (the 16-byte guard is saved); the guard dies with its statement.
    const sizes = Object.fromEntries(report.futures.map((f) => [f.name, [f.size, f.exact]]));
    assert.deepStrictEqual(sizes.scrutinee, [32, true]);
    assert.deepStrictEqual(sizes.argument, [40, true]);
    assert.deepStrictEqual(
      sizes.dropped,
      [32, true],
      'rustc keeps the bytes of a guard borrowed before its drop',
    );
  });

  it('reports those temporaries as guards held across an await, and not a guard dropped before it', () => {
    const findings = computeFindings(report, new SourceText(text), {
      largeValueThreshold: 1 << 20,
      largeFutureThreshold: 1 << 20,
    });
    const guards = findings
      .filter((f) => f.code === 'guard-held-across-await')
      .map((f) => f.future.name);
    assert.deepStrictEqual(guards.sort(), ['argument', 'scrutinee']);
    const dropped = report.futures.find((f) => f.name === 'dropped')!;
    assert.ok(
      dropped.awaits[0].held.some((h) => h.name === 'g' && h.movedOut),
      'its bytes are kept, marked as moved out',
    );
  });

  it("finds a parking_lot guard by its initializer when its type is another crate's, and never takes tokio's for std's", () => {
    const source = `async fn tick() {}
pub async fn parking(m: &parking_lot::Mutex<u32>) { let g = m.lock(); tick().await; drop(g); }
pub async fn typed(m: &tokio::sync::Mutex<u32>) { let g: tokio::sync::MutexGuard<u32> = m.lock().await; tick().await; drop(g); }
pub async fn imported(m: &Mutex<u32>) { let g: MutexGuard<u32> = lock_it(m); tick().await; drop(g); }
use tokio::sync::{Mutex, MutexGuard};
`;
    const analysed = engine.analyzeSource(source, { file: 'guards.rs', edition: '2021' });
    const findings = computeFindings(analysed, new SourceText(source), {
      largeValueThreshold: 1 << 20,
      largeFutureThreshold: 1 << 20,
    });
    assert.deepStrictEqual(
      findings.filter((f) => f.code === 'guard-held-across-await').map((f) => f.future.name),
      ['parking'],
    );
  });
});
