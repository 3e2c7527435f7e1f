/**
 * Real code against rustc, future by future: the engine on the sources of real crates (tokio, hyper,
 * h2, reqwest, tokio-util, tokio-postgres, futures-util from Debian's registry: libraries,
 * integration tests and examples), compared with what rustc printed for them
 * (`test/fixtures/real/*.json`, recorded by `node test/out/support/realCorpus.js record`).
 *
 * The ratchet (`test/fixtures/real-ratchet.json`): the futures that match rustc stay matched, held
 * values that differ are listed and may only shrink, and a size shown as exact that is not rustc's,
 * or a lower bound above it, fails unless listed (the list is empty and meant to stay so).
 * `RFS_SHRINK_GAPS=1 npm test` takes closed gaps off and adds the newly exact futures.
 *
 * Where the sources are not installed, each crate is skipped with a message saying how to get them
 * (`bash scripts/real-sources.sh` fetches them without installing, and prints the folder to set as
 * `RUST_FUTURE_SIZE_REGISTRY`).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FileComparison, aggregate } from '../support/compare';
import {
  RealRatchet,
  Verdicts,
  checkRealRatchet,
  futureVerdicts,
  realRatchetOf,
} from '../support/ratchet';
import { DEBIAN_REGISTRY, compareRealTarget, loadRecordedCorpus } from '../support/realCorpus';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const ratchetFile = path.join(repoRoot, 'test', 'fixtures', 'real-ratchet.json');
const registry = process.env.RUST_FUTURE_SIZE_REGISTRY ?? DEBIAN_REGISTRY;
/** The issue's targets on real code, per crate. */
const EXACT_CLAIM_PRECISION = 0.995;

function readRatchets(): Record<string, RealRatchet> {
  return fs.existsSync(ratchetFile)
    ? (JSON.parse(fs.readFileSync(ratchetFile, 'utf8')) as Record<string, RealRatchet>)
    : {};
}

describe('real crates vs rustc, future by future', function () {
  this.timeout(300_000);
  const ratchets = readRatchets();

  for (const entry of loadRecordedCorpus(undefined, registry)) {
    const { crate, version } = entry.recorded;
    describe(`${crate} ${version}`, () => {
      const comparisons: FileComparison[] = [];
      const verdicts: Verdicts = new Map();

      before(async function () {
        if (!entry.sourcesPresent) {
          console.log(
            `      skipped: ${entry.missing}; or: export RUST_FUTURE_SIZE_REGISTRY=$(bash scripts/real-sources.sh)`,
          );
          this.skip();
        }
        for (const target of entry.recorded.targets) {
          const compared = await compareRealTarget(entry.sourceDir, target, entry.recorded, {
            downstream: target.kind === 'lib',
          });
          comparisons.push(...compared);
          for (const [key, verdict] of futureVerdicts(compared, entry.sourceDir)) {
            verdicts.set(`${target.kind}:${target.name} ${key}`, verdict);
          }
        }
        if (process.env.RFS_SHRINK_GAPS === '1') {
          const all = readRatchets();
          all[crate] = realRatchetOf(verdicts, all[crate]);
          fs.writeFileSync(ratchetFile, JSON.stringify(all, null, 2) + '\n');
        }
      });

      it('keeps every future that matched rustc, and lists every held-value gap and wrong size', () => {
        const ratchet = ratchets[crate] ?? { exact: [], heldGaps: [], wrong: {} };
        const { regressions, closed, newlyExact } = checkRealRatchet(verdicts, ratchet);
        assert.deepStrictEqual(regressions, [], 'futures that got worse against rustc');
        assert.deepStrictEqual(
          closed,
          [],
          `gaps that closed: take them off ${path.relative(repoRoot, ratchetFile)} (RFS_SHRINK_GAPS=1 npm test)`,
        );
        if (newlyExact.length > 0) {
          console.log(
            `      ${newlyExact.length} futures newly as rustc (RFS_SHRINK_GAPS=1 npm test adds them to the ratchet)`,
          );
        }
      });

      it(`shows ≥ ${EXACT_CLAIM_PRECISION * 100}% of its exact sizes as rustc's, and no lower bound above rustc's`, () => {
        const summary = aggregate(comparisons);
        const figures = `${summary.futures} futures: ${summary.exactClaims} shown as exact, ${(summary.exactClaimPrecision * 100).toFixed(1)}% right; ${summary.lowerBounds} lower bounds, ${(summary.boundValidity * 100).toFixed(1)}% valid`;
        assert.ok(
          summary.futures > 0 || entry.recorded.targets.every((t) => t.futures.length === 0),
          'no future compared',
        );
        assert.ok(summary.exactClaimPrecision >= EXACT_CLAIM_PRECISION, figures);
        assert.strictEqual(summary.boundValidity, 1, figures);
      });
    });
  }
});
