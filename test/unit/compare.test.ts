import * as assert from 'assert';
import type {
  AwaitPoint,
  FutureReport,
  HeldKind,
  HeldValue,
} from '../../server/src/analysis/report';
import type { RustcField, RustcFuture } from '../../server/src/measure/printTypeSizes';
import {
  aggregate,
  compareFile,
  describeMismatch,
  matchFutures,
  normaliseFnPath,
  scoreFuture,
} from '../support/compare';

function held(name: string | null, kind: HeldKind = 'binding'): HeldValue {
  return {
    name,
    kind,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
    size: 8,
    align: 8,
    type: null,
    exact: true,
    id: 0,
    offset: 0,
  };
}

function awaitPoint(index: number, values: HeldValue[]): AwaitPoint {
  return { index, line: 10 + index, column: 5, held: values };
}

function engineFuture(name: string, overrides: Partial<FutureReport> = {}): FutureReport {
  return {
    file: 'src/a.rs',
    kind: 'fn',
    hash: '0',
    name,
    line: 12,
    column: 1,
    endLine: 20,
    size: 16,
    align: 8,
    exact: true,
    unknown: [],
    upvars: [],
    awaits: [],
    ...overrides,
  };
}

function local(name: string, size = 8, type?: string): RustcField {
  return type === undefined
    ? { kind: 'local', name, size, offset: 0 }
    : { kind: 'local', name, size, offset: 0, type };
}

/** A rustc future whose `SuspendN` variants hold the given local names. */
function rustcFuture(
  name: string,
  suspends: RustcField[][] = [],
  overrides: Partial<RustcFuture> = {},
): RustcFuture {
  return {
    kind: 'fn',
    name,
    typeName: `{async fn body of ${name}()}`,
    size: 16,
    align: 8,
    tagSize: 1,
    upvars: [],
    variants: [
      { name: 'Unresumed', locals: [] },
      ...suspends.map((locals, index) => ({ name: `Suspend${index}`, locals })),
      { name: 'Returned', locals: [] },
      { name: 'Panicked', locals: [] },
    ],
    ...overrides,
  };
}

function spanned(kind: 'block' | 'closure', line: number, column: number): RustcFuture {
  const label = kind === 'block' ? 'async block' : 'async closure';
  return rustcFuture(`${label}@${line}:${column}`, [], { kind, line, column, file: 'a.rs' });
}

function pairedNames(engine: FutureReport[], rustc: RustcFuture[]): [string, string][] {
  return matchFutures(engine, rustc).pairs.map((pair) => [pair.engine.name, pair.rustc.name]);
}

describe('normaliseFnPath', () => {
  const cases: [string, string][] = [
    ['Conn::read', 'Conn::read'],
    ['m::S<u8>::get', 'm::S::get'],
    ['<Conn as Svc>::call', '<Conn as Svc>::call'],
    ['<m::S<Vec<u8>> as Svc<()>>::call', '<m::S as Svc>::call'],
    ['gen<std::string::String>', 'gen'],
    ['gen::<u8>', 'gen'],
    ['apply<fn() -> u8>', 'apply'],
    ['outer::{closure#0}::nested', 'outer::nested'],
  ];
  for (const [input, output] of cases) {
    it(`${input} → ${output}`, () => assert.strictEqual(normaliseFnPath(input), output));
  }
});

describe('matchFutures', () => {
  it('matches blocks and closures by kind, line and column', () => {
    const engine = [
      engineFuture('async block@24:5', { kind: 'block', line: 24, column: 5 }),
      engineFuture('async closure@25:33', { kind: 'closure', line: 25, column: 33 }),
      engineFuture('async block@30:9', { kind: 'block', line: 30, column: 9 }),
    ];
    const rustc = [
      spanned('block', 24, 9),
      spanned('closure', 25, 33),
      spanned('block', 24, 5),
      spanned('closure', 30, 9),
    ];
    const match = matchFutures(engine, rustc);
    assert.deepStrictEqual(
      match.pairs.map((pair) => [pair.engine.name, pair.rustc.name]),
      [
        ['async block@24:5', 'async block@24:5'],
        ['async closure@25:33', 'async closure@25:33'],
      ],
    );
    assert.deepStrictEqual(
      match.unmatchedEngine.map((f) => f.name),
      ['async block@30:9'],
    );
    assert.deepStrictEqual(
      match.unmatchedRustc.map((f) => f.name),
      ['async block@24:9', 'async closure@30:9'],
    );
  });

  it('matches fns on normalised paths: generic args and closure segments removed', () => {
    const engine = [
      engineFuture('m::S::get'),
      engineFuture('outer::nested'),
      engineFuture('<Conn as Svc>::call'),
    ];
    const rustc = [
      rustcFuture('<Conn as Svc>::call'),
      rustcFuture('outer::{closure#0}::nested'),
      rustcFuture('m::S<u8>::get'),
    ];
    assert.deepStrictEqual(pairedNames(engine, rustc), [
      ['m::S::get', 'm::S<u8>::get'],
      ['outer::nested', 'outer::{closure#0}::nested'],
      ['<Conn as Svc>::call', '<Conn as Svc>::call'],
    ]);
  });

  it('falls back to the method name plus its type or trait', () => {
    const engine = [engineFuture('Svc::call'), engineFuture('A::run')];
    const rustc = [
      rustcFuture('<B as Job>::run'),
      rustcFuture('<A as Job>::run'),
      rustcFuture('<Conn as Svc>::call'),
    ];
    assert.deepStrictEqual(pairedNames(engine, rustc), [
      ['Svc::call', '<Conn as Svc>::call'],
      ['A::run', '<A as Job>::run'],
    ]);
  });

  it('prefers an exact path over a looser candidate listed first', () => {
    const engine = [engineFuture('A::run'), engineFuture('run')];
    const rustc = [rustcFuture('<A as Job>::run'), rustcFuture('A::run')];
    assert.deepStrictEqual(pairedNames(engine, rustc), [
      ['A::run', 'A::run'],
      ['run', '<A as Job>::run'],
    ]);
  });

  it('scores every instantiation of a generic async fn against its one engine future', () => {
    const match = matchFutures(
      [engineFuture('gen')],
      [rustcFuture('gen<std::string::String>'), rustcFuture('gen<u32>')],
    );
    assert.deepStrictEqual(
      match.pairs.map((pair) => pair.rustc.name),
      ['gen<std::string::String>', 'gen<u32>'],
    );
    assert.deepStrictEqual(match.unmatchedRustc, []);
  });

  it('does not pair methods of different types', () => {
    const match = matchFutures([engineFuture('Other::new')], [rustcFuture('Conn::new')]);
    assert.deepStrictEqual(match.pairs, []);
    assert.strictEqual(match.unmatchedEngine.length, 1);
    assert.strictEqual(match.unmatchedRustc.length, 1);
  });

  it('counts skipped engine futures as unmatched', () => {
    const skipped = engineFuture('large', { skipped: 'parse error', awaits: [], size: null });
    const match = matchFutures([skipped], [rustcFuture('large')]);
    assert.deepStrictEqual(match.pairs, []);
    assert.deepStrictEqual(match.unmatchedEngine, [skipped]);
    assert.deepStrictEqual(
      match.unmatchedRustc.map((f) => f.name),
      ['large'],
    );
  });
});

describe('scoreFuture', () => {
  it('compares multisets of named held locals per await index', () => {
    const engine = engineFuture('read', {
      awaits: [
        awaitPoint(0, [
          held('buffer'),
          held('s'),
          held('n'),
          held(null, 'temporary'),
          held(null, 'awaitee'),
          held('self', 'upvar'),
        ]),
        awaitPoint(2, [held('conn', 'argument'), held('flag', 'drop-flag')]),
      ],
    });
    const rustc = rustcFuture('read', [
      [
        local('buffer', 1024),
        local('__awaitee', 2, '{async fn body of pause()}'),
        local('<temp>', 1, 'bool'),
        local('s'),
        local('s'),
      ],
      [local('n'), local('__awaitee', 2)],
    ]);
    const score = scoreFuture(engine, rustc);
    assert.deepStrictEqual(
      score.awaits.map((a) => [a.index, a.truePositives, a.falsePositives, a.falseNegatives]),
      [
        [0, ['buffer', 's'], ['n'], ['s']],
        [1, [], [], ['n']],
        [2, [], ['conn'], []],
      ],
    );
    assert.deepStrictEqual(
      [score.truePositives, score.falsePositives, score.falseNegatives],
      [2, 2, 2],
    );
  });

  it('classifies sizes, keeping lower bounds as numbers', () => {
    const classOf = (engineSize: number | null, rustcSize: number, exact = true) =>
      scoreFuture(
        engineFuture('f', { size: engineSize, exact }),
        rustcFuture('f', [], { size: rustcSize }),
      ).size;
    assert.strictEqual(classOf(1030, 1030).class, 'exact');
    assert.strictEqual(classOf(1027, 1030).class, 'within10');
    assert.strictEqual(classOf(110, 100).class, 'within10');
    assert.strictEqual(classOf(111, 100).class, 'within2x');
    assert.strictEqual(classOf(50, 100).class, 'within2x');
    assert.strictEqual(classOf(49, 100).class, 'off');
    assert.strictEqual(classOf(201, 100).class, 'off');
    assert.strictEqual(classOf(null, 100).class, 'unknown');
    assert.deepStrictEqual(classOf(64, 96, false), {
      engine: 64,
      rustc: 96,
      lowerBound: true,
      class: 'within2x',
    });
  });
});

describe('describeMismatch', () => {
  it('names the size gap and the missing and extra names of each await', () => {
    const engine = engineFuture('read', { size: 1027, awaits: [awaitPoint(0, [held('n')])] });
    const rustc = rustcFuture('read', [[local('buffer', 1024), local('__awaitee', 2)]], {
      size: 1030,
    });
    assert.strictEqual(
      describeMismatch(scoreFuture(engine, rustc)),
      'src/a.rs:12 read: size engine 1027 vs rustc 1030; await 0: missing [buffer], extra [n]',
    );
  });

  it('marks lower bounds and unknown sizes, and is null when everything agrees', () => {
    const lowerBound = scoreFuture(engineFuture('f', { size: 8, exact: false }), rustcFuture('f'));
    assert.strictEqual(
      describeMismatch(lowerBound),
      'src/a.rs:12 f: size engine 8 (lower bound) vs rustc 16',
    );
    const unknown = scoreFuture(engineFuture('f', { size: null, exact: false }), rustcFuture('f'));
    assert.strictEqual(describeMismatch(unknown), 'src/a.rs:12 f: size engine unknown vs rustc 16');
    const engine = engineFuture('f', { awaits: [awaitPoint(0, [held('x')])] });
    assert.strictEqual(
      describeMismatch(scoreFuture(engine, rustcFuture('f', [[local('x')]]))),
      null,
    );
  });
});

describe('aggregate', () => {
  it('sums held-name counts and size classes over files and lists every mismatch', () => {
    const first = compareFile(
      'src/a.rs',
      [
        engineFuture('exact', { awaits: [awaitPoint(0, [held('a'), held('b')])] }),
        engineFuture('close', { size: 17, awaits: [awaitPoint(0, [held('a'), held('extra')])] }),
        engineFuture('skipped', { skipped: 'too large' }),
      ],
      [
        rustcFuture('exact', [[local('a'), local('b')]]),
        rustcFuture('close', [[local('a'), local('gone')]]),
        rustcFuture('only_rustc'),
      ],
    );
    const second = compareFile(
      'src/b.rs',
      [
        engineFuture('far', { file: 'src/b.rs', line: 3, size: 100 }),
        engineFuture('nothing', { file: 'src/b.rs', size: null }),
      ],
      [rustcFuture('far', [], { size: 40 }), rustcFuture('nothing')],
    );
    const summary = aggregate([first, second]);
    assert.strictEqual(summary.futures, 4);
    assert.deepStrictEqual(
      [summary.truePositives, summary.falsePositives, summary.falseNegatives],
      [3, 1, 1],
    );
    assert.strictEqual(summary.precision, 0.75);
    assert.strictEqual(summary.recall, 0.75);
    assert.strictEqual(summary.f1, 0.75);
    assert.strictEqual(summary.exactShare, 0.25);
    assert.strictEqual(summary.within10Share, 0.5);
    assert.strictEqual(summary.within2xShare, 0.5);
    assert.strictEqual(summary.unmatchedEngine, 1);
    assert.strictEqual(summary.unmatchedRustc, 1);
    assert.deepStrictEqual(summary.mismatches, [
      'src/a.rs:12 close: size engine 17 vs rustc 16; await 0: missing [gone], extra [extra]',
      'src/a.rs:12 skipped: skipped (too large)',
      'src/a.rs:? only_rustc: not reported by the engine (rustc size 16)',
      'src/b.rs:3 far: size engine 100 vs rustc 40',
      'src/b.rs:12 nothing: size engine unknown vs rustc 16',
    ]);
  });

  it('treats empty input as perfect precision and recall with no size shares', () => {
    const summary = aggregate([]);
    assert.deepStrictEqual(
      [
        summary.futures,
        summary.precision,
        summary.recall,
        summary.f1,
        summary.exactShare,
        summary.mismatches,
      ],
      [0, 1, 1, 1, 0, []],
    );
  });
});
