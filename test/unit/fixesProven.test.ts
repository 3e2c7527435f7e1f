/**
 * Fixes proven by rustc: every offered fix of every fixture is applied on its own and compiled
 * with `-Zprint-type-sizes`; rustc's future sizes before and after are compared. The golden
 * `*.fixed.rs` files (the result of `fix`) are compiled too. Nothing is cached between runs.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  Compiler,
  FixAccuracy,
  FixOutcome,
  compareTexts,
  defaultFixtureSets,
  describeOutcome,
  fixAccuracy,
  formatFixStats,
  goldenPath,
} from '../support/fixAccuracy';

import * as runner from '../support/runRustc';

const INSTALL_HINT =
  'rustc was not found: this suite compiles every fix with rustc. Install Rust with rustup ' +
  '(curl https://sh.rustup.rs | sh -s -- -y --default-toolchain 1.95.0, then add ~/.cargo/bin to PATH) ' +
  'or `apt-get install rustc`, or point $RUSTC at a rustc binary; RUSTC_BOOTSTRAP=1 is set by the tests';

/** `Box::pin` where a future is handed to `spawn`: the spawned future itself keeps its size. */
function spawnSite(o: FixOutcome): boolean {
  return o.fix.kind === 'box-pin-future' && o.fix.pinned?.name === o.fix.futureName;
}

describe('fixes proven by rustc', function () {
  this.timeout(600_000);
  let stats: FixAccuracy;
  const preferred = () => stats.outcomes.filter((o) => o.fix.preferred);
  const list = (outcomes: FixOutcome[]) =>
    outcomes.map((o) => `\n  ${describeOutcome(o)}`).join('');

  before(async function () {
    if (runner.rustcAvailable() === null) {
      throw new Error(INSTALL_HINT);
    }
    stats = await fixAccuracy({ concurrency: 2 });
    console.log(`\n${formatFixStats(stats)}\n`);
  });

  it('compiles every fixture before any fix', () => {
    assert.deepStrictEqual(stats.brokenFixtures, []);
  });

  it('offers fixes on every fixture set, and prefers some in each', () => {
    for (const [set, counts] of Object.entries(stats.perSet)) {
      assert.ok(counts.offered > 0 && counts.preferred > 0, `${set}: ${JSON.stringify(counts)}`);
    }
    assert.ok(stats.perSet.fixes.preferred >= 25, JSON.stringify(stats.perSet.fixes));
  });

  it('every offered fix, preferred or not, applies to the text it was computed for and compiles', () => {
    // A fix picked from the light bulb must build whether or not Auto Fix would pick it.
    const failed = stats.outcomes.filter((o) => !o.compiled);
    assert.strictEqual(failed.length, 0, `offered fixes that do not compile:${list(failed)}`);
    assert.ok(
      stats.outcomes.some((o) => !o.fix.preferred),
      'no fix that is not preferred',
    );
  });

  it('every preferred fix shrinks its future by at least what the engine said the value costs at that await, or says why not', () => {
    const notSmaller = preferred().filter((o) => o.shrink === null || o.shrink <= 0);
    assert.strictEqual(
      notSmaller.length,
      0,
      `preferred fixes that do not shrink their future:${list(notSmaller)}`,
    );
    const short = preferred().filter(
      (o) =>
        o.fix.valueSize !== null &&
        o.fix.valueSize !== undefined &&
        o.shrink! < o.fix.valueSize &&
        !o.explanation,
    );
    assert.strictEqual(
      short.length,
      0,
      `preferred fixes that save less than the value without an explanation:${list(short)}`,
    );
    const explained = preferred().filter((o) => o.explanation);
    if (explained.length > 0) {
      console.log(
        `preferred fixes saving less than the value's size, with rustc's reason:${list(explained)}`,
      );
    }
    const belowEstimate = preferred().filter(
      (o) => o.fix.expectedSaving !== null && o.shrink! < o.fix.expectedSaving,
    );
    if (belowEstimate.length > 0) {
      console.log(
        `preferred fixes saving less than the engine estimated (engine inaccuracy):${list(belowEstimate)}`,
      );
    }
  });

  it('no offered fix makes any future of the file larger', () => {
    const grew = stats.outcomes.filter((o) => o.grew.length > 0);
    assert.strictEqual(grew.length, 0, `offered fixes that grow a future:${list(grew)}`);
  });

  it('every offered fix but a spawn-site Box::pin shrinks its future', () => {
    // Boxing the future handed to `spawn` moves it to the heap: the spawned future keeps its size.
    const notSmaller = stats.outcomes.filter(
      (o) => !o.fix.preferred && !spawnSite(o) && (o.shrink === null || o.shrink <= 0),
    );
    assert.strictEqual(
      notSmaller.length,
      0,
      `offered fixes that shrink nothing:${list(notSmaller)}`,
    );
  });
});

describe('golden fixes (the result of `fix`) proven by rustc', function () {
  this.timeout(600_000);

  it('compiles every golden *.fixed.rs, and none of its futures is larger than before', async () => {
    const compiler = new Compiler(2);
    const problems: string[] = [];
    try {
      await Promise.all(
        defaultFixtureSets().flatMap((set) =>
          set.files.map(async (file) => {
            const golden = goldenPath(set.name, file);
            const original = fs.readFileSync(file, 'utf8');
            const fixed = fs.readFileSync(golden, 'utf8');
            if (fixed === original) {
              return;
            }
            const result = await compareTexts(compiler, original, fixed, path.basename(file));
            if (result.error !== undefined) {
              problems.push(`${golden}: ${result.error}`);
              return;
            }
            for (const c of result.changes.filter((x) => x.after > x.before)) {
              problems.push(`${golden}: ${c.name} grew from ${c.before} to ${c.after} bytes`);
            }
            if (!result.changes.some((x) => x.after < x.before)) {
              problems.push(`${golden}: no future got smaller`);
            }
          }),
        ),
      );
    } finally {
      compiler.dispose();
    }
    assert.deepStrictEqual(problems, []);
  });
});
