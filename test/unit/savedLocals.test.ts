/**
 * The saved-local rules one by one, on walk results built by hand (program points, regions and
 * uses), so that each rule is seen deciding on its own; the fixtures check them against rustc.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';
import type { AwaitSite, BodyResult, Local, Use } from '../../server/src/analysis/liveness/held';
import type { SavedInfo } from '../../server/src/analysis/liveness/savedLocals';
import type { Ty } from '../../server/src/analysis/types/types';
import type { Layout } from '../../server/src/analysis/types/layout';

const { computeSaved } = loadServerModule<
  typeof import('../../server/src/analysis/liveness/savedLocals')
>('analysis/liveness/savedLocals');
const { adt, prim } =
  loadServerModule<typeof import('../../server/src/analysis/types/types')>('analysis/types/types');

const BYTE: Ty = prim('u8');
const VEC: Ty = adt('Vec', prim('u8'));

/** Vec has drop glue; everything else here is a Copy byte. */
function layoutOf(ty: Ty): Layout {
  const drop = ty.k === 'adt';
  return {
    size: drop ? 24 : 1,
    align: drop ? 8 : 1,
    exact: true,
    unknown: [],
    drop,
    copy: !drop,
    niche: null,
  };
}

function local(id: number, ty: Ty, uses: Use[], extra: Partial<Local> = {}): Local {
  const node = null as unknown as Local['node'];
  return {
    id,
    name: `v${id}`,
    kind: 'binding',
    ty,
    node,
    order: id,
    init: 1,
    end: 100,
    region: [],
    uses,
    ...extra,
  };
}

function use(
  point: number,
  kind: Use['kind'],
  region: number[] = [],
  extra: Partial<Use> = {},
): Use {
  return { point, kind, region, ...extra };
}

function awaitAt(index: number, point: number, region: number[] = []): AwaitSite {
  return {
    index,
    point,
    region,
    loops: [],
    node: null as unknown as AwaitSite['node'],
    line: 1,
    column: 1,
  };
}

function body(locals: Local[], awaits: AwaitSite[], extra: Partial<BodyResult> = {}): BodyResult {
  return {
    regionGroups: new Map(),
    divergingRegions: new Set(),
    returningRegions: new Set(),
    breakingRegions: new Map(),
    approximations: [],
    unwindPoints: [],
    locals,
    awaits,
    loops: [],
    nested: [],
    ...extra,
  };
}

/** The awaits each local (by name, `flag` for a drop flag) is saved at. */
function savedAt(b: BodyResult): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const s of computeSaved(b, layoutOf)) {
    out[s.local.kind === 'drop-flag' ? 'flag' : String(s.local.name)] = [...s.variants].sort();
  }
  return out;
}

function entryOf(b: BodyResult, name: string): SavedInfo {
  const found = computeSaved(b, layoutOf).find((s) => s.local.name === name);
  assert.ok(found, `${name} is saved`);
  return found;
}

describe('saved-local rules', () => {
  it('keeps a Copy value only where it is read after the await', () => {
    const read = local(0, BYTE, [use(40, 'read')]);
    const unread = local(1, BYTE, [use(20, 'read')]);
    assert.deepStrictEqual(savedAt(body([read, unread], [awaitAt(0, 30), awaitAt(1, 50)])), {
      v0: [0],
    });
  });

  it('keeps a value with drop glue until its scope ends, and nothing outside its scope', () => {
    const v = local(0, VEC, [use(20, 'read')], { end: 60 });
    assert.deepStrictEqual(savedAt(body([v], [awaitAt(0, 30), awaitAt(1, 70)])), { v0: [0] });
  });

  it('frees a value moved away before the await unless it was borrowed first', () => {
    const moved = local(0, VEC, [use(20, 'move')]);
    assert.deepStrictEqual(savedAt(body([moved], [awaitAt(0, 30)])), {});
    const borrowedFirst = local(0, VEC, [use(10, 'borrow'), use(20, 'move')]);
    const saved = entryOf(body([borrowedFirst], [awaitAt(0, 30)]), 'v0');
    assert.deepStrictEqual([...saved.variants], [0]);
    assert.deepStrictEqual(
      saved.movedOutAt && [...saved.movedOutAt],
      [0],
      'kept as storage without a value',
    );
  });

  it('counts a borrow only on a path that reaches the await', () => {
    // Regions 1 and 2 are the branches of one `if`: the borrow is in `then`, the await in `else`.
    const borrowed = local(0, BYTE, [use(10, 'borrow', [1])]);
    const exclusive = new Map([
      [1, 1],
      [2, 1],
    ]);
    assert.deepStrictEqual(
      savedAt(body([borrowed], [awaitAt(0, 30, [2])], { regionGroups: exclusive })),
      {},
    );
    const sequential = new Map([
      [1, 1],
      [2, 2],
    ]);
    assert.deepStrictEqual(
      savedAt(body([borrowed], [awaitAt(0, 30, [2])], { regionGroups: sequential })),
      { v0: [0] },
    );
  });

  it('does not count a read that the await’s branch returns before', () => {
    const v = local(0, BYTE, [use(40, 'read')]);
    const awaits = [awaitAt(0, 30, [1])];
    assert.deepStrictEqual(savedAt(body([v], awaits, { regionGroups: new Map([[1, 1]]) })), {
      v0: [0],
    });
    const returning = { regionGroups: new Map([[1, 1]]), returningRegions: new Set([1]) };
    assert.deepStrictEqual(savedAt(body([v], awaits, returning)), {});
  });

  it('drops a Copy value overwritten after the await before anything reads it', () => {
    const overwritten = local(0, BYTE, [use(40, 'write'), use(50, 'read')]);
    assert.deepStrictEqual(savedAt(body([overwritten], [awaitAt(0, 30)])), {});
    const readFirst = local(0, BYTE, [use(35, 'read'), use(40, 'write'), use(50, 'read')]);
    assert.deepStrictEqual(savedAt(body([readFirst], [awaitAt(0, 30)])), { v0: [0] });
  });

  it('saves an awaited future at its own await only', () => {
    const awaitee = local(0, VEC, [], {
      kind: 'awaitee',
      name: null,
      fixedAwait: 1,
      init: 45,
      end: 50.5,
    });
    const saved = computeSaved(body([awaitee], [awaitAt(0, 30), awaitAt(1, 50)]), layoutOf);
    assert.deepStrictEqual(
      saved.map((s) => [...s.variants]),
      [[1]],
    );
  });

  it('never saves upvars or what a nested body declares', () => {
    const upvar = local(0, VEC, [use(40, 'read')], { kind: 'upvar' });
    const inPlace = local(1, VEC, [use(40, 'read')], { inPlace: true });
    assert.deepStrictEqual(savedAt(body([upvar, inPlace], [awaitAt(0, 30)])), {});
  });

  it('adds a drop flag for a move on a branch, unless it leaves with nothing to unwind', () => {
    const awaits = [awaitAt(0, 30), awaitAt(1, 60)];
    const comesBack = local(0, VEC, [use(20, 'move', [1])]);
    assert.deepStrictEqual(savedAt(body([comesBack], awaits)), { v0: [0, 1], flag: [0, 1] });
    // On a branch that leaves (`return`), the flag is needed if something can unwind after it.
    const diverging = { divergingRegions: new Set([1]) };
    const leaves = local(0, VEC, [use(20, 'move', [1])]);
    assert.deepStrictEqual(
      savedAt(body([leaves], awaits, diverging)),
      { v0: [0, 1], flag: [0, 1] },
      'an await follows',
    );
    assert.deepStrictEqual(
      savedAt(body([leaves], [awaitAt(0, 10)], diverging)),
      { v0: [0] },
      'nothing follows',
    );
    const intoCall = local(0, VEC, [use(20, 'move', [1], { inCall: true })]);
    assert.deepStrictEqual(
      savedAt(body([intoCall], [awaitAt(0, 10)], diverging)),
      { v0: [0], flag: [0] },
      'the call can unwind',
    );
  });

  it('starts the storage of a value moved and assigned again at the assignment', () => {
    const v = local(0, VEC, [use(10, 'move'), use(20, 'write'), use(40, 'read')]);
    const saved = entryOf(body([v], [awaitAt(0, 30)]), 'v0');
    assert.deepStrictEqual([saved.start, saved.end, [...saved.variants]], [20, 100, [0]]);
  });
});

describe('saved-local rules: the branches an await leads into', () => {
  it('drops a Copy value every branch right after the await overwrites or returns from', () => {
    // `match f().await { Ok(t) => return .., Err(e) => err = Some(e) }` then `match err`: the
    // await is in the scrutinee of the match of group 5 (branchesInto), its arms regions 6 and 7.
    const arms = new Map([
      [6, 5],
      [7, 5],
    ]);
    const site = { ...awaitAt(0, 30), branchesInto: 5 };
    const paths = { regionGroups: arms, returningRegions: new Set([6]) };
    const written = local(0, BYTE, [use(40, 'write', [7]), use(50, 'read')]);
    assert.deepStrictEqual(savedAt(body([written], [site], paths)), {});
    // The arm reads the old value first, or an arm neither writes nor returns (it continues).
    const readInArm = local(0, BYTE, [
      use(38, 'read', [7]),
      use(40, 'write', [7]),
      use(50, 'read'),
    ]);
    assert.deepStrictEqual(savedAt(body([readInArm], [site], paths)), { v0: [0] });
    const leaves = { regionGroups: arms, returningRegions: new Set<number>() };
    assert.deepStrictEqual(savedAt(body([written], [site], leaves)), { v0: [0] });
    // A write nested deeper in the arm (under an `if`) may not run.
    const nested = local(0, BYTE, [use(40, 'write', [7, 8]), use(50, 'read')]);
    assert.deepStrictEqual(savedAt(body([nested], [site], paths)), { v0: [0] });
    // The branches are not the ones the await leads into, or the value has drop glue.
    const later = { ...awaitAt(0, 30), branchesInto: 3 };
    assert.deepStrictEqual(savedAt(body([written], [later], paths)), { v0: [0] });
    const vec = local(0, VEC, [use(40, 'write', [7]), use(50, 'read')]);
    assert.deepStrictEqual(savedAt(body([vec], [site], paths)), { v0: [0] });
  });
});
