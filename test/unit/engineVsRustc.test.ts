/**
 * The engine against the compiler, future by future: rustc's `-Zprint-type-sizes` is the answer for
 * every future of every fixture set. A future that differs from rustc fails its file's test by name,
 * unless `test/fixtures/known-gaps.json` lists it with that very mismatch; a listed gap that closes
 * fails too, until it is taken off the list (`RFS_SHRINK_GAPS=1 npm test` does that), so the list
 * only shrinks. On top, the set-wide figures: every size shown as exact is rustc's, and no lower
 * bound is above rustc's size.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FileComparison, aggregate } from '../support/compare';
import {
  checkRatchet,
  futureVerdicts,
  isInvalidBound,
  isWrongExactClaim,
  readGaps,
  shrinkGaps,
  Verdicts,
} from '../support/ratchet';
import { referenceCasesDir } from '../support/repoPaths';
import {
  compareCorpus,
  compareCrate,
  compareCrateOutput,
  fixtureFiles,
  requireRustc,
} from '../support/rustcCorpus';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const gapsFile = path.join(repoRoot, 'test', 'fixtures', 'known-gaps.json');
const F1_TARGET = 0.98;
/** Exact shares to hold per corpus (the fixture crates count each instantiation of a generic async fn). */
const EXACT_TARGET: Record<string, number> = {
  'reference cases': 0.95,
  'engine fixtures': 0.95,
  'fixes fixtures': 0.95,
  'fixture crates': 0.85,
  'recorded crates': 0.85,
};

interface Corpus {
  name: string;
  root: () => string;
  /** The units each test covers: a fixture file, or a crate folder. */
  units: () => string[];
  compare: (root: string) => Promise<FileComparison[]>;
}

function recordedCrates(): string[] {
  const dir = path.join(repoRoot, 'test', 'fixtures', 'recorded');
  return fs
    .readdirSync(dir)
    .sort()
    .map((d) => path.join(dir, d))
    .filter((d) => fs.existsSync(path.join(d, 'rustc-print-type-sizes.txt')));
}

function crateDirs(): string[] {
  const dir = path.join(repoRoot, 'test', 'fixtures', 'crates');
  const fixtures = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .sort()
        .map((d) => path.join(dir, d))
    : [];
  return [path.join(repoRoot, 'examples'), ...fixtures].filter((d) =>
    fs.existsSync(path.join(d, 'Cargo.toml')),
  );
}

async function compareFolder(dir: string): Promise<FileComparison[]> {
  const { comparisons, rustcErrors } = await compareCorpus(dir);
  assert.deepStrictEqual(rustcErrors, [], 'every fixture must compile');
  return comparisons;
}

const corpora: Corpus[] = [
  {
    name: 'reference cases',
    root: () => referenceCasesDir(),
    units: () => fixtureFiles(referenceCasesDir()),
    compare: compareFolder,
  },
  ...['engine', 'fixes'].map((set) => {
    const dir = path.join(repoRoot, 'test', 'fixtures', set);
    return {
      name: `${set} fixtures`,
      root: () => dir,
      units: () => fixtureFiles(dir),
      compare: compareFolder,
    };
  }),
  {
    // Crates with a dependency (tokio's macros), whose rustc answer is recorded beside them.
    name: 'recorded crates',
    root: () => path.join(repoRoot, 'test', 'fixtures', 'recorded'),
    units: () => recordedCrates(),
    compare: async () =>
      (
        await Promise.all(
          recordedCrates().map((dir) =>
            compareCrateOutput(
              dir,
              fs.readFileSync(path.join(dir, 'rustc-print-type-sizes.txt'), 'utf8'),
            ),
          ),
        )
      ).flat(),
  },
  {
    name: 'fixture crates',
    root: () => repoRoot,
    units: crateDirs,
    compare: async () => (await Promise.all(crateDirs().map((dir) => compareCrate(dir)))).flat(),
  },
];

describe('engine vs rustc, future by future', function () {
  this.timeout(300_000);
  const gaps = readGaps(gapsFile);

  before(() => {
    requireRustc();
  });

  for (const corpus of corpora) {
    describe(corpus.name, () => {
      let comparisons: FileComparison[] = [];
      let verdicts: Verdicts = new Map();
      const listed = gaps[corpus.name] ?? {};

      before(async () => {
        comparisons = await corpus.compare(corpus.root());
        verdicts = futureVerdicts(comparisons, corpus.root());
        if (process.env.RFS_SHRINK_GAPS === '1') {
          shrinkGaps(gapsFile, corpus.name, verdicts);
        }
      });

      for (const unit of corpus.units()) {
        const prefix = path.relative(corpus.root(), unit).split(path.sep).join('/');
        it(`${prefix}: every future as rustc, or a listed gap`, () => {
          const mine = new Map(
            [...verdicts].filter(
              ([key]) => key.startsWith(`${prefix} `) || key.startsWith(`${prefix}/`),
            ),
          );
          assert.ok(
            mine.size > 0 ||
              !fs
                .readFileSync(
                  fs.statSync(unit).isDirectory() ? path.join(unit, 'Cargo.toml') : unit,
                  'utf8',
                )
                .includes('async'),
            'no future compared',
          );
          const { regressions, closed } = checkRatchet(
            mine,
            Object.fromEntries(
              Object.entries(listed).filter(
                ([key]) => key.startsWith(`${prefix} `) || key.startsWith(`${prefix}/`),
              ),
            ),
          );
          assert.deepStrictEqual(
            regressions,
            [],
            `futures that differ from rustc (fix the rule; a new gap is not listed by hand)`,
          );
          assert.deepStrictEqual(
            closed,
            [],
            `known gaps that now match rustc: take them off ${path.relative(repoRoot, gapsFile)} (RFS_SHRINK_GAPS=1 npm test)`,
          );
        });
      }

      it('lists no gap that claims a wrong exact size or a lower bound above the truth', () => {
        const worst = Object.entries(listed).filter(
          ([, gap]) => isWrongExactClaim(gap.mismatch) || isInvalidBound(gap.mismatch),
        );
        assert.deepStrictEqual(
          worst.map(([key, gap]) => `${key}: ${gap.mismatch}`),
          [],
        );
      });

      it(`exact-claim precision 100%, bound validity 100%, held-value F1 ≥ ${F1_TARGET}, ≥ ${EXACT_TARGET[corpus.name] * 100}% exact`, () => {
        const summary = aggregate(comparisons);
        const report = `${corpus.name}: ${summary.futures} futures, F1 ${summary.f1.toFixed(3)}, exact ${(summary.exactShare * 100).toFixed(1)}%`;
        assert.ok(summary.futures > 0, 'no futures compared');
        assert.strictEqual(summary.exactClaimPrecision, 1, report);
        assert.strictEqual(summary.boundValidity, 1, report);
        assert.ok(summary.f1 >= F1_TARGET, report);
        assert.ok(summary.exactShare >= EXACT_TARGET[corpus.name], report);
      });
    });
  }
});
