/**
 * The report memo: a kept report serves, moved with its fn, only while every future layout its
 * build read is still the same; reads are noted on the build they belong to.
 */
import * as assert from 'assert';
import type { FutureReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

const reportMemo = loadServerModule<
  typeof import('../../server/src/analysis/incremental/reportMemo')
>('analysis/incremental/reportMemo');
const walkCache = loadServerModule<
  typeof import('../../server/src/analysis/incremental/walkCache')
>('analysis/incremental/walkCache');

const REPORT: FutureReport = {
  file: 'a.rs',
  kind: 'block',
  name: 'async block@3:5',
  line: 3,
  column: 5,
  endLine: 4,
  size: 16,
  align: 8,
  exact: true,
  unknown: [],
  upvars: [],
  awaits: [],
  hash: 'h',
};

describe('report memo', () => {
  it('keys a report by its future, its walk unit and the calibration, only with a cache', () => {
    const cache = new walkCache.WalkCache();
    const memo = new reportMemo.ReportMemo(cache, 'c1');
    assert.strictEqual(new reportMemo.ReportMemo(undefined, 'c1').keyOf('f', 'unit'), null);
    assert.strictEqual(memo.keyOf('f', undefined), null);
    assert.notStrictEqual(memo.keyOf('f', 'unit'), memo.keyOf('g', 'unit'));
    assert.notStrictEqual(memo.keyOf('f', 'unit'), memo.keyOf('f', 'other'));
    assert.notStrictEqual(
      memo.keyOf('f', 'unit'),
      new reportMemo.ReportMemo(cache, 'c2').keyOf('f', 'unit'),
    );
  });

  it('notes each layout read on the build reading it, nested builds apart', () => {
    const memo = new reportMemo.ReportMemo(undefined, '');
    memo.noteRead(['outside', '1']);
    const outer = memo.tracking(() => {
      memo.noteRead(['a', '8/8']);
      const inner = memo.tracking(() => {
        memo.noteRead(['b', 'cycle']);
        return 'inner';
      });
      assert.deepStrictEqual(inner, { value: 'inner', deps: [['b', 'cycle']] });
      memo.noteRead(['c', null]);
      return 'outer';
    });
    assert.deepStrictEqual(outer, {
      value: 'outer',
      deps: [
        ['a', '8/8'],
        ['c', null],
      ],
    });
    const around = memo.tracking(() => {
      assert.throws(() =>
        memo.tracking(() => {
          throw new Error('build failed');
        }),
      );
      memo.noteRead(['d', '1']);
    });
    assert.deepStrictEqual(around.deps, [['d', '1']], 'a failed build stops collecting reads');
  });

  it('serves a kept report moved with its fn while the layouts it read are unchanged', () => {
    const memo = new reportMemo.ReportMemo(new walkCache.WalkCache(), '');
    const key = memo.keyOf('f', 'unit')!;
    assert.strictEqual(
      memo.lookup(key, { row: 2, column: 4 }, 'a.rs', () => null),
      undefined,
    );
    memo.store(key, REPORT, [['callee', '8/8']], { row: 2, column: 4 });
    const signatures = new Map([['callee', '8/8']]);
    const signatureOf = (id: string) => signatures.get(id) ?? null;
    assert.strictEqual(memo.lookup(key, { row: 2, column: 4 }, 'a.rs', signatureOf), REPORT);
    const moved = memo.lookup(key, { row: 5, column: 4 }, 'a.rs', signatureOf);
    assert.deepStrictEqual(
      [moved?.line, moved?.name],
      [6, 'async block@6:5'],
      'moved three rows down with its fn',
    );
    assert.strictEqual(memo.lookup(key, undefined, 'a.rs', signatureOf), undefined);
    signatures.set('callee', '16/8');
    assert.strictEqual(memo.lookup(key, { row: 2, column: 4 }, 'a.rs', signatureOf), undefined);
  });
});
