/**
 * Which held values count as synchronous lock guards (guard-held-across-await), from the type when
 * the engine knows it and from the initializer otherwise. Pure: no server.
 */
import * as assert from 'assert';
import * as path from 'path';
import type { HeldValue } from '../../server/src/analysis/report';
import { repoRoot } from './support/lspSession';

type FindingsModule = typeof import('../../server/src/lsp/findings');
type SourceTextModule = typeof import('../../server/src/lsp/sourceText');
const { classifyGuard } = require(path.join(repoRoot, 'server', 'out', 'lsp', 'findings.js')) as FindingsModule;
const { SourceText } = require(path.join(repoRoot, 'server', 'out', 'lsp', 'sourceText.js')) as SourceTextModule;

/** Classifies `let g = <initializer>;` whose binding has the given inferred type. */
function classify(initializer: string, type: string | null): string | null {
  const line = `    let mut g = ${initializer};`;
  const value: HeldValue = { name: 'g', kind: 'binding', line: 1, column: line.indexOf('g =') + 1, size: 16, align: 8, type, exact: true, id: 0, endLine: 1, endColumn: line.indexOf('g =') + 2, offset: 0 };
  return classifyGuard(value, new SourceText(line))?.type ?? null;
}

describe('guard classification', () => {
  it('knows std, parking_lot and spin guards by type, whatever the initializer', () => {
    assert.strictEqual(classify('lock(&m)', 'MutexGuard<Stats>'), 'MutexGuard');
    assert.strictEqual(classify('f()', 'std::sync::RwLockWriteGuard<Vec<u8>>'), 'RwLockWriteGuard');
    assert.strictEqual(classify('f()', 'parking_lot::MutexGuard<u8>'), 'MutexGuard');
    assert.strictEqual(classify('cell.borrow()', 'Ref<u32>'), 'Ref');
  });

  it('leaves async locks and non-guards alone', () => {
    assert.strictEqual(classify('f()', 'tokio::sync::MutexGuard<u8>'), null);
    assert.strictEqual(classify('m.lock().await', 'MutexGuard<u8>'), null, '`.lock().await` is an async lock');
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
    assert.strictEqual(classify('lock\n        .write()\n        .unwrap()', null), 'RwLockWriteGuard', 'a chain over several lines');
    assert.strictEqual(classify('self.state.borrow_mut()', '_'), 'RefMut');
    assert.strictEqual(classify('m.lock().unwrap().clone()', null), null);
    assert.strictEqual(classify('vec![1, 2].len()', null), null);
  });
});
