/**
 * A whole crate analysed in rounds (`analyzeInRounds`): each round keeps only its own files' trees
 * and knows the others by summaries or items, and every file's report must be the one the crate
 * analysed at once gives. Small crates are cut into rounds here by lowering `roundChars`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CrateFile, CrateRoundResult } from '../../server/src/analysis/engine';
import { loadServerModule } from '../support/repoPaths';
import { DEBIAN_REGISTRY } from '../support/realCorpus';

type EngineModule = typeof import('../../server/src/analysis/engine');
type LayoutModule = typeof import('../../server/src/project/crateLayout');
type SessionModule = typeof import('../../server/src/analysis/incremental/crateSession');
type SummaryModule = typeof import('../../server/src/analysis/incremental/crateSummary');

const engine = loadServerModule<EngineModule>('analysis/engine');
const layouts = loadServerModule<LayoutModule>('project/crateLayout');
const { CrateSession } = loadServerModule<SessionModule>('analysis/incremental/crateSession');
const { NeedsFile, sealBodies } = loadServerModule<SummaryModule>(
  'analysis/incremental/crateSummary',
);

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const registry = process.env.RUST_FUTURE_SIZE_REGISTRY ?? DEBIAN_REGISTRY;
const tokio = path.join(registry, 'tokio-1.24.2');
const AT_ONCE = Number.MAX_SAFE_INTEGER;

function crateFiles(root: string): CrateFile[] {
  return layouts.readCrateLayout(root).files.map((f) => ({
    file: path.relative(root, f.path),
    text: fs.readFileSync(f.path, 'utf8'),
    modulePath: f.modulePath,
  }));
}

function analyse(files: CrateFile[], roundChars: number, edition: '2018' | '2021' = '2021') {
  return engine.analyzeCrateRound({ files }, { edition, parseBudgetMs: 60_000, roundChars });
}

const reportsOf = (result: CrateRoundResult) => result.outcomes.map((o) => o?.report);

/** The crate in rounds of at most `roundChars` gives the reports of the crate at once. */
function assertSameInRounds(files: CrateFile[], roundChars: number, edition?: '2018' | '2021') {
  const atOnce = analyse(files, AT_ONCE, edition);
  assert.strictEqual(atOnce.rounds, undefined);
  const inRounds = analyse(files, roundChars, edition);
  // In rounds indeed: not analysed at once after all (a cycle of awaits, a failure).
  assert.ok(inRounds.rounds && inRounds.rounds.planned > 1, JSON.stringify(inRounds.rounds));
  assert.strictEqual(inRounds.rounds.atOnce, undefined, JSON.stringify(inRounds.rounds));
  assert.deepStrictEqual(reportsOf(inRounds), reportsOf(atOnce));
  assert.deepStrictEqual(inRounds.gatedOut, atOnce.gatedOut);
  return inRounds.rounds;
}

/** A crate whose first file awaits the futures of the next, each file `fns` async fns long. */
function chainCrate(files: number, fns: number): CrateFile[] {
  const modules: CrateFile[] = [];
  for (let m = 0; m < files; m++) {
    const lines: string[] = [];
    for (let f = 0; f < fns; f++) {
      const callee =
        m + 1 < files ? `crate::m${m + 1}::step${f}(n).await` : `std::future::ready(n).await`;
      lines.push(
        `pub async fn step${f}(n: u64) -> u64 {`,
        `    let buffer = [0u8; ${64 * (m + 1)}];`,
        `    let out = ${callee};`,
        `    out + buffer[${f % 8}] as u64`,
        `}`,
      );
    }
    modules.push({ file: `src/m${m}.rs`, text: lines.join('\n') + '\n', modulePath: [`m${m}`] });
  }
  const lib = modules.map((_, m) => `pub mod m${m};\n`).join('');
  return [{ file: 'src/lib.rs', text: lib, modulePath: [] }, ...modules];
}

describe('crate rounds: a whole crate analysed a few files at a time', () => {
  before(() => engine.initAnalysis());

  it('walks an await chain across files in rounds, callers before callees, as at once', () => {
    const files = chainCrate(6, 4);
    const trace = assertSameInRounds(files, 300);
    // Each caller needs its callee's future: rounds are done again with the files they need.
    assert.ok(trace && trace.redone > 0, JSON.stringify(trace));
    const top = reportsOf(analyse(files, 300))[1]!.futures[0];
    assert.ok(top.size !== null && top.size > 64 * 6, `m0::step0 holds the chain: ${top.size}`);
  });

  for (const crate of [
    'examples',
    'test/fixtures/lsp/crate',
    'test/fixtures/crates/same_names',
    'test/fixtures/crates/same_module_names',
  ]) {
    it(`gives ${crate} in rounds of one file the reports of the crate at once`, () => {
      assertSameInRounds(crateFiles(path.join(repoRoot, crate)), 1);
    });
  }

  for (const crate of ['http_service', 'job_queue', 'sensor_firmware']) {
    it(`gives the ${crate} fixture crate in rounds the reports of the crate at once`, () => {
      assertSameInRounds(crateFiles(path.join(repoRoot, 'test', 'fixtures', 'crates', crate)), 1);
    });
  }

  it("gives tokio's files in rounds of 300,000 characters the reports at once", function () {
    if (!fs.existsSync(tokio)) {
      this.skip();
    }
    assertSameInRounds(crateFiles(tokio), 300_000, '2018');
  });

  it('leaves a crate session in rounds that its edits update as a fresh analysis does', () => {
    const files = chainCrate(5, 3);
    const options = { edition: '2021' as const, parseBudgetMs: 60_000, roundChars: 300 };
    const session = new CrateSession(options);
    assert.deepStrictEqual(session.update(files), reportsOf(analyse(files, AT_ONCE)));
    const edited = files.map((f) =>
      f.file === 'src/m3.rs' ? { ...f, text: f.text.replace('[0u8; 256]', '[0u8; 4096]') } : f,
    );
    const updated = session.update(edited);
    assert.strictEqual(session.last.whole, false);
    assert.deepStrictEqual(updated, reportsOf(analyse(edited, AT_ONCE)));
  });

  it("tells the session's caller as each round of a whole analysis ends", () => {
    const files = chainCrate(5, 3);
    let ended = 0;
    const options = { edition: '2021' as const, parseBudgetMs: 60_000, roundChars: 300 };
    const session = new CrateSession(options, () => ended++);
    assert.deepStrictEqual(session.update(files), reportsOf(analyse(files, AT_ONCE)));
    // Once per walked file's report: the caller's bound collects once per round.
    assert.strictEqual(ended, files.length);
  });

  it("keeps a walked file's fns sealed: one shape, a body read asks for the file", () => {
    const files = chainCrate(3, 2);
    const result = analyse(files, AT_ONCE);
    const outcome = result.outcomes[1]!;
    const before = [...outcome.summary.index!.byNode.values()];
    const paths = before.map((fn) => fn.path);
    sealBodies(outcome.summary, 'src/m0.rs');
    const sealed = [...outcome.summary.index!.byNode.values()];
    assert.deepStrictEqual(
      sealed.map((fn) => fn.path),
      paths,
    );
    const fn = sealed[0];
    const asksForFile = (e: unknown) => e instanceof NeedsFile && e.file === 'src/m0.rs';
    assert.throws(() => fn.body, asksForFile);
    // No syntax node of the deleted tree is kept (it would keep the tree's parser runtime).
    assert.throws(() => fn.node, asksForFile);
    assert.deepStrictEqual(
      fn.params.map((p) => p.patternText),
      ['n'],
    );
    assert.throws(() => fn.params[0].pattern, asksForFile);
    // The index's lists, the futures and the fn keys name the sealed fns, not the old ones.
    assert.ok(outcome.summary.index!.fns.get(fn.name)!.includes(fn));
    assert.ok([...outcome.summary.fnKeys.keys()].every((f) => sealed.includes(f)));
    for (const future of outcome.summary.futures.values()) {
      assert.ok(!future.fn || sealed.includes(future.fn));
    }
    // Empty bounds are shared between sealed fns, and refuse to be filled.
    assert.throws(() => fn.futureOutputs.set('F', { k: 'unknown', text: 'F' } as never));
    sealBodies(outcome.summary, 'src/m0.rs');
    assert.deepStrictEqual([...outcome.summary.index!.byNode.values()], sealed);
  });
});
