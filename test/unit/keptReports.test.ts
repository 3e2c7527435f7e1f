/**
 * A keystroke inside one fn's body sizes that fn alone and keeps the other fns' reports from the
 * last analysis (`keptReports.ts`). Typed as the server types (its syntax trees and a walk
 * cache), every report must equal a fresh analysis, notices included: when the edited fn's size
 * changes under its callers (which are sized again with it), when lines are added above other
 * fns, when a fn stops parsing, and when the edits go from fn to fn. The lints' findings, kept
 * per report object, must equal a fresh lint's.
 */
import * as assert from 'assert';
import * as path from 'path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const trees =
  loadServerModule<typeof import('../../server/src/lsp/syntaxTrees')>('lsp/syntaxTrees');
const keptReports = loadServerModule<
  typeof import('../../server/src/analysis/incremental/keptReports')
>('analysis/incremental/keptReports');
const lints = loadServerModule<typeof import('../../server/src/lints/registry')>('lints/registry');
const sourceText =
  loadServerModule<typeof import('../../server/src/text/sourceText')>('text/sourceText');
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Low thresholds: most futures of the test files have findings. */
const LINT_OPTIONS = { largeValueThreshold: 8, largeFutureThreshold: 24 };

/**
 * The diagnostics' findings of a report: those of the fns a keystroke kept come from the last
 * analysis' lint (`registry.ts` keeps them per report object), and must equal a fresh lint's.
 */
function findings(report: FileReport, text: string): string {
  const found = lints.lintFile(report, new sourceText.SourceText(text), LINT_OPTIONS);
  return JSON.stringify(found.map(({ future, ...finding }) => [future.name, finding]));
}

/**
 * The whole report; when the cache kept futures a parse error hides (which a fresh analysis
 * lacks), the futures the fresh analysis finds.
 */
function comparable(report: FileReport, cached: FileReport): string {
  return cached.futures.some((f) => f.kept)
    ? JSON.stringify(report.futures.filter((f) => !f.kept))
    : JSON.stringify(report);
}

/**
 * Callers holding their callees' futures, two fns on one row, a generic fn (a report that reads
 * an instance of it is not kept), blocks and closures.
 */
const CHAIN_FILE = `
async fn tick() {}
async fn leaf() -> usize {
    let a = [0u8; 16];
    tick().await;
    a.len()
}
async fn middle() -> usize {
    let n = leaf().await;
    tick().await;
    n
}
async fn top() { let m = middle().await; tick().await; drop(m); } async fn same_row() { tick().await; }
async fn generic<T: Send>(t: T) -> T {
    tick().await;
    t
}
async fn uses_generic() {
    let v = [0u8; 12];
    tick().await;
    drop(v);
}
async fn blocks() {
    let b = async { let big = [0u8; 40]; tick().await; big.len() };
    let c = |x: usize| async move { let d = [0u8; 8]; tick().await; x + d.len() };
    b.await;
    c(1).await;
}
fn plain() -> usize {
    let q = 1;
    q
}
`;

/**
 * Each fn holds its callee's future across an await: a bigger `leaf` makes every caller up
 * the chain bigger, while the `aside` fns (which read none of them) keep their reports.
 */
const CALLERS_FILE = `${[
  'async fn tick() {}',
  'async fn leaf() -> usize {\n    let a = [0u8; 16];\n    tick().await;\n    a.len()\n}',
  ...['leaf', 'one', 'two', 'three'].map(
    (callee, i) =>
      `async fn ${['one', 'two', 'three', 'four'][i]}() -> usize {\n` +
      `    let n = ${callee}().await;\n    tick().await;\n    n\n}`,
  ),
  ...Array.from(
    { length: 16 },
    (_, i) => `async fn aside_${i}() {\n    let v = [0u8; ${i + 1}];\n    tick().await;\n}`,
  ),
].join('\n')}\n`;

/** Types `edits` (offset, deleted length, text) as the server does, comparing every analysis. */
function typeAndCompare(
  name: string,
  text: string,
  edits: (current: string, i: number) => [number, number, string],
  count: number,
): void {
  const store = new trees.SyntaxTrees();
  const cache = new engine.WalkCache();
  let document = TextDocument.create(`file:///${name}`, 'rust', 1, text);
  const analyse = () => {
    const report = engine.analyzeSource(document.getText(), {
      file: name,
      edition: '2021',
      walkCache: cache,
      tree: store.treeFor(document, 5000),
    });
    cache.sweep();
    return report;
  };
  try {
    analyse();
    for (let i = 0; i < count; i++) {
      const [at, deleted, typed] = edits(document.getText(), i);
      const change = {
        range: { start: document.positionAt(at), end: document.positionAt(at + deleted) },
        text: typed,
      };
      store.recordChanges(document, [change]);
      document = TextDocument.update(document, [change], document.version + 1);
      const cached = analyse();
      const fresh = engine.analyzeSource(document.getText(), { file: name, edition: '2021' });
      assert.strictEqual(
        comparable(cached, cached),
        comparable(fresh, cached),
        `${name}: edit ${i} at ${at}`,
      );
      if (!cached.futures.some((f) => f.kept)) {
        assert.strictEqual(
          findings(cached, document.getText()),
          findings(fresh, document.getText()),
          `${name}: findings after edit ${i} at ${at}`,
        );
      }
    }
  } finally {
    store.forget(document.uri);
    cache.dispose();
  }
}

function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
}

describe('reports kept per fn', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('equals a fresh analysis typing statements, lines and errors into fn after fn', function () {
    this.timeout(300_000);
    const before = keptReports.keptReportsCounts.used;
    const resizedBefore = keptReports.keptReportsCounts.resized;
    const next = random(29);
    // A bigger value held across an await changes the fn's size, which its callers read; a
    // newline moves every fn below; a fn does not parse until its `(` is closed. Each piece is
    // typed whole, as a fn left not parsing keeps its notices and then nothing is kept.
    const pieces = [
      'let big = [0u8; 999]; tick().await; drop(big); ',
      'let s = 1;\n',
      '\n\n',
      'let w = (1, 2); ',
      'let z = async { 1 }; ',
      'let y = generic(7u64).await; ',
      '// async fn note\n',
    ];
    const anchors = [
      'let a = [0u8; 16];',
      'let n = leaf().await;',
      'let m = middle().await;',
      'async fn same_row() {',
      'let v = [0u8; 12];',
      'let b = async {',
      'let q = 1;',
    ];
    let keys: [number, number, string][] = [];
    typeAndCompare(
      'chain.rs',
      CHAIN_FILE,
      (current) => {
        if (keys.length === 0) {
          const anchor = anchors[next() % anchors.length];
          const piece = pieces[next() % pieces.length];
          const at = current.indexOf(anchor) + anchor.length;
          keys = [...piece].map((ch, k): [number, number, string] => [at + k, 0, ch]);
          if (next() % 2 === 0) {
            keys.push([at, piece.length, '']);
          }
        }
        return keys.shift()!;
      },
      240,
    );
    assert.ok(
      keptReports.keptReportsCounts.used - before > 60,
      'no keystroke kept the other fns’ reports',
    );
    assert.ok(
      keptReports.keptReportsCounts.resized - resizedBefore > 0,
      'no keystroke sized the callers again with the edited fn',
    );
  });

  it('sizes the callers of callers again when a key changes the edited fn’s size', function () {
    this.timeout(300_000);
    const before = keptReports.keptReportsCounts.resized;
    const anchor = 'let a = [0u8; 16];';
    const piece = ' let big = [0u8; 999]; tick().await; drop(big);';
    // The piece typed key by key, then taken away key by key: the size changes at its `;`s.
    typeAndCompare(
      'callers.rs',
      CALLERS_FILE,
      (current, i) => {
        const at = current.indexOf(anchor) + anchor.length;
        return i < piece.length ? [at + i, 0, piece[i]] : [at + 2 * piece.length - i - 1, 1, ''];
      },
      piece.length * 2,
    );
    assert.ok(
      keptReports.keptReportsCounts.resized - before >= 2,
      'the callers were not sized again with the edited fn',
    );
  });

  it('equals a fresh analysis typing into the generated file, and keeps the reports', function () {
    this.timeout(300_000);
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
      generateRust(fns: number, seed: number): { text: string };
    };
    const text = generate.generateRust(40, 11).text;
    const before = keptReports.keptReportsCounts.used;
    const next = random(3);
    const typed = 'let buffered_len = data.len(); ';
    let place = 0;
    let offset = 0;
    typeAndCompare(
      'generated.rs',
      text,
      (current, i) => {
        if (i % typed.length === 0) {
          const bodies = [...current.matchAll(/async fn [^\n]*\{\n/g)];
          const body = bodies[next() % bodies.length];
          place = body.index + body[0].length;
          offset = 0;
        }
        return [place + offset, 0, typed[offset++]];
      },
      typed.length * 4,
    );
    assert.ok(keptReports.keptReportsCounts.used - before > 80, 'the reports were never kept');
  });
});
