/**
 * The walk units the analysis asks the walk cache for: a key from a fn's text and what its walk
 * reads, a stored walk given back moved to where the fn is now, and nothing from a failed walk.
 */
import * as assert from 'assert';
import type { BodyResult, Capture, Local } from '../../server/src/analysis/liveness/held';
import type { UnitSettings } from '../../server/src/analysis/incremental/walkUnits';
import { loadServerModule } from '../support/repoPaths';

const walkUnits = loadServerModule<
  typeof import('../../server/src/analysis/incremental/walkUnits')
>('analysis/incremental/walkUnits');
const walkCache = loadServerModule<
  typeof import('../../server/src/analysis/incremental/walkCache')
>('analysis/incremental/walkCache');

function local(id: number, row: number, column: number): Local {
  return {
    id,
    name: `x${id}`,
    kind: 'binding',
    ty: { k: 'unknown', text: '_' },
    span: { start: { row, column }, end: { row, column: column + 1 } },
    order: id,
    init: 0,
    end: 1,
    region: [],
    uses: [],
  } as Local;
}

function body(locals: Local[], awaitAt?: { line: number; column: number }): BodyResult {
  return {
    regionGroups: new Map(),
    divergingRegions: new Set(),
    returningRegions: new Set(),
    breakingRegions: new Map(),
    approximations: [],
    unwindPoints: [],
    locals,
    awaits: awaitAt ? [{ index: 0, point: 1, region: [], loops: [], ...awaitAt }] : [],
    loops: [],
    nested: [],
  };
}

function settings(edition = '2021', resultIsIo = false, cfg = '*'): UnitSettings {
  const environments = new Map<string, string>();
  return { edition, resultIsIo, cfg, environments: () => environments };
}

const FN = { text: 'async fn f() { g().await }', path: 'f', owner: 'f.rs:f', source: null };

describe('walk units', () => {
  it('keys a fn by its text, environment, owner, the edition, the cfg and what `Result` is', () => {
    const cache = new walkCache.WalkCache();
    const key = (s: UnitSettings, text = FN.text, env = 'e', owner = FN.owner) =>
      new walkUnits.WalkUnits(cache, s).keyOf({ ...FN, text, owner }, () => env);
    const base = key(settings());
    assert.strictEqual(key(settings()), base);
    assert.notStrictEqual(key(settings('2018')), base);
    assert.notStrictEqual(key(settings('2021', true)), base);
    assert.notStrictEqual(key(settings('2021', false, '["net"]')), base);
    assert.notStrictEqual(key(settings(), FN.text + ' '), base);
    assert.notStrictEqual(key(settings(), FN.text, 'other'), base);
    // A same-named fn of the same text names its nested futures after its own key.
    assert.notStrictEqual(key(settings(), FN.text, 'e', 'f.rs:f#1'), base);
  });

  it('fingerprints a fn environment once per text and path, and keeps its source', () => {
    const units = new walkUnits.WalkUnits(new walkCache.WalkCache(), settings());
    let asked = 0;
    const environmentOf = (identifiers: Set<string>) => {
      asked++;
      assert.ok(identifiers.has('g'));
      return 'e';
    };
    const source = { start: 7, anchor: { row: 1, column: 0 } };
    const key = units.keyOf({ ...FN, source }, environmentOf);
    assert.strictEqual(units.keyOf(FN, environmentOf), key);
    assert.strictEqual(asked, 1);
    units.keyOf({ ...FN, path: 'm::f' }, environmentOf);
    assert.strictEqual(asked, 2);
    assert.deepStrictEqual(units.sourceOf(key), { text: FN.text, ...source });
  });

  it('gives a stored walk back moved with its fn, captures pointing at the moved locals', () => {
    const cache = new walkCache.WalkCache();
    const units = new walkUnits.WalkUnits(cache, settings());
    const key = units.keyOf(FN, () => 'e');
    const outer = local(0, 3, 8);
    const nestedBody = body([local(1, 4, 4)]);
    const capture: Capture = { local: outer, paths: new Set(['']), byValue: true };
    const detached: BodyResult[] = [];
    units.startRecording();
    units.recordNested({ id: 'block', body: nestedBody, captures: [capture] });
    units.recordNested({ id: 'skipped', body: body([]), report: {} as never });
    units.recordInstance(['f<u8>', 'f', []]);
    const fnBody = body([outer], { line: 4, column: 9 });
    const stored = units.store(key, { row: 3, column: 0 }, { body: fnBody, isFuture: true }, (b) =>
      detached.push(b),
    );
    assert.deepStrictEqual(stored, ['block']);
    assert.deepStrictEqual(detached, [fnBody, nestedBody]);
    assert.deepStrictEqual(cache.counts, { walked: 1, reused: 0 });

    const entry: { body?: BodyResult } = {};
    const block: { body?: BodyResult; captures?: Capture[] } = {};
    const restored = units.restore(key, { row: 5, column: 2 }, entry, (id) =>
      id === 'block' ? block : undefined,
    );
    assert.deepStrictEqual(restored, { nestedIds: ['block'], instances: [['f<u8>', 'f', []]] });
    assert.deepStrictEqual(entry.body!.locals[0].span, {
      start: { row: 5, column: 10 },
      end: { row: 5, column: 11 },
    });
    assert.deepStrictEqual(entry.body!.awaits[0], { ...fnBody.awaits[0], line: 6, column: 11 });
    assert.strictEqual(block.captures![0].local, entry.body!.locals[0]);
    // Below the fn's first row only rows move.
    assert.deepStrictEqual(block.body!.locals[0].span!.start, { row: 6, column: 4 });
    assert.strictEqual(cache.counts.reused, 1);

    const inPlace: { body?: BodyResult } = {};
    units.restore(key, { row: 3, column: 0 }, inPlace, () => undefined);
    assert.strictEqual(inPlace.body, fnBody);
  });

  it('caches nothing of a walk that failed, and nothing under a key never stored', () => {
    const units = new walkUnits.WalkUnits(new walkCache.WalkCache(), settings());
    const key = units.keyOf(FN, () => 'e');
    assert.strictEqual(
      units.restore(key, { row: 0, column: 0 }, {}, () => undefined),
      undefined,
    );
    units.startRecording();
    units.recordNested({ id: 'lost', body: body([]) });
    units.abandonRecording();
    const stored = units.store(
      key,
      { row: 0, column: 0 },
      { body: body([]), isFuture: false },
      () => {},
    );
    assert.deepStrictEqual(stored, []);
    const entry: { body?: BodyResult } = {};
    assert.ok(units.restore(key, { row: 0, column: 0 }, entry, () => undefined));
    assert.strictEqual(entry.body, undefined, 'a fn that is not a future has no body to restore');
  });
});
