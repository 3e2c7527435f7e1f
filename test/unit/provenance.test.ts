/**
 * Where a size came from (issue 14): a held value, an awaited future and a future whose size was
 * read from another crate's sources name the package (`pathdep 0.2.0`) in the report, the CLI's
 * text and JSON, and the editor's tooltips; the reasons for a lower bound name the crate, the type
 * and the package; a dependency without sources is named once, in the CLI and in the editor.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport, FutureReport } from '../../server/src/analysis/report';
import type { DependencyGraph } from '../../server/src/analysis/deps/dependencySources';
import type { JsonReport } from '../../server/src/cli/formatJson';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const deps = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyTypes')>(
  'analysis/deps/dependencyTypes',
);
const jobs =
  loadServerModule<typeof import('../../server/src/cli/analysisJobs')>('cli/analysisJobs');
const formatText =
  loadServerModule<typeof import('../../server/src/cli/formatText')>('cli/formatText');
const inlayHints =
  loadServerModule<typeof import('../../server/src/lsp/inlayHints')>('lsp/inlayHints');
const hovers = loadServerModule<typeof import('../../server/src/lsp/hovers')>('lsp/hovers');
const hintPolicy =
  loadServerModule<typeof import('../../server/src/lsp/hintPolicy')>('lsp/hintPolicy');
const sourceText =
  loadServerModule<typeof import('../../server/src/text/sourceText')>('text/sourceText');
const crateJobs =
  loadServerModule<typeof import('../../server/src/lsp/crateJobs')>('lsp/crateJobs');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'bin', 'rust-future-size.js')),
)!;
const SIZED = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'sized');
const SIZED_LIB = path.join(SIZED, 'src', 'lib.rs');

function named(futures: readonly FutureReport[], name: string): FutureReport {
  const found = futures.find((f) => f.name === name);
  assert.ok(found, `a future named ${name}`);
  return found;
}

/** `hyper` read from memory (a generic struct, a field of tokio's), `tokio` without sources. */
const HYPER_LIB = `pub mod body {
    pub struct Body<B> { pub inner: B, pub n: u32 }
    pub struct Plain { pub a: [u8; 40] }
    pub struct Conn { pub io: tokio::net::TcpStream }
}
pub use body::{Body, Conn, Plain};
`;
const GRAPH: DependencyGraph = {
  rootExterns: new Map([
    ['hyper', 'hyper-id'],
    ['tokio', 'tokio-id'],
  ]),
  package: (id) =>
    id === 'hyper-id'
      ? {
          id,
          label: 'hyper 0.14.19',
          missing: null,
          features: [],
          externs: new Map([['tokio', 'tokio-id']]),
          files: () => [{ path: '/memory/hyper/src/lib.rs', modulePath: [] }],
          read: () => HYPER_LIB,
        }
      : id === 'tokio-id'
        ? {
            id,
            label: 'tokio 1.24.2',
            missing: 'sources not found',
            features: [],
            externs: new Map(),
            files: () => [],
            read: () => null,
          }
        : null,
};

function analyzeWithGraph(text: string): FutureReport[] {
  const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
    edition: '2021',
    dependencies: new deps.DependencyTypes(GRAPH),
  });
  return report.futures;
}

let tempRoot: string;
let sized: FileReport;

before(async () => {
  await engine.initAnalysis();
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-provenance-'));
  [sized] = await jobs.analyzeCrateJob({
    kind: 'crate',
    root: SIZED,
    requested: [{ path: SIZED_LIB, file: 'lib.rs' }],
    edition: '2021',
    parseBudgetMs: 10_000,
    cwd: SIZED,
  });
});

after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

describe('where a size came from: the report', function () {
  this.timeout(300_000);

  it('names the package each held value, awaited future and future was read from', () => {
    const clash = named(sized.futures, 'clash');
    assert.deepStrictEqual(clash.sources, ['pathdep 0.2.0']);
    assert.deepStrictEqual(clash.upvars[0].sources, ['pathdep 0.2.0']);
    const [stream, awaitee] = clash.awaits[0].held;
    assert.deepStrictEqual([stream.name, stream.sources], ['s', ['pathdep 0.2.0']]);
    // `tick()`'s future is this crate's own: nothing to name.
    assert.strictEqual(awaitee.kind, 'awaitee');
    assert.strictEqual(awaitee.sources, undefined);

    const vendored = named(sized.futures, 'vendored');
    assert.deepStrictEqual(vendored.sources, ['shapes 1.0.0', 'vend 0.1.0']);
    const byName = new Map(vendored.upvars.map((u) => [u.name, u.sources]));
    assert.deepStrictEqual(byName.get('v'), ['vend 0.1.0']);
    assert.deepStrictEqual(byName.get('r'), ['shapes 1.0.0']);

    // A hand-written future of another crate, awaited directly.
    const handWritten = named(sized.futures, 'hand_written');
    const delay = handWritten.awaits[0].held.find((h) => h.kind === 'awaitee');
    assert.deepStrictEqual(delay?.sources, ['pathdep 0.2.0']);

    // `Option<Niche>`: std's wrapper, sized from the dependency's type inside it.
    const niche = named(sized.futures, 'niche');
    assert.deepStrictEqual(niche.upvars.find((u) => u.name === 'n')?.sources, ['pathdep 0.2.0']);

    // std's and the crate's own types only: nothing.
    assert.strictEqual(named(sized.futures, 'tick').sources, undefined);
  });

  it('a future awaiting another that holds a dependency type names its package too', () => {
    const futures = analyzeWithGraph(`async fn tick() {}
async fn inner(p: hyper::Plain) { tick().await; drop(p); }
pub async fn outer() { inner(hyper::Plain { a: [0; 40] }).await; }
pub async fn by_ref(p: &hyper::Plain) { tick().await; }
`);
    const outer = named(futures, 'outer');
    assert.deepStrictEqual(outer.sources, ['hyper 0.14.19']);
    const awaitee = outer.awaits[0].held.find((h) => h.kind === 'awaitee');
    assert.deepStrictEqual(awaitee?.sources, ['hyper 0.14.19']);
    // A reference is 8 bytes whatever it points to: not read from hyper's sources.
    assert.strictEqual(named(futures, 'by_ref').sources, undefined);
  });

  it('gives reasons for a lower bound that name the crate, the type and the package', () => {
    const futures = analyzeWithGraph(`async fn tick() {}
pub async fn f<B>(b: hyper::Body<B>, s: tokio::net::TcpStream, c: hyper::Conn) {
    tick().await;
    drop(b);
    drop(s);
    drop(c);
}
`);
    const f = named(futures, 'f');
    assert.ok(!f.exact);
    assert.deepStrictEqual(f.unknown, [
      'hyper::body::Body (hyper 0.14.19): generic over B',
      'hyper::body::Conn (hyper 0.14.19): tokio::net::TcpStream (tokio 1.24.2: sources not found)',
      'tokio::net::TcpStream (tokio 1.24.2: sources not found)',
    ]);
    // The parts that were read still name their package; the missing one names none.
    const byName = new Map(f.upvars.map((u) => [u.name, u]));
    assert.deepStrictEqual(byName.get('b')?.sources, ['hyper 0.14.19']);
    assert.strictEqual(byName.get('s')?.sources, undefined);
    assert.strictEqual(byName.get('s')?.size, null);
  });

  it("names a dependency without sources once in the editor's crate index", async () => {
    const crate = path.join(tempRoot, 'needs-missing');
    fs.mkdirSync(path.join(crate, 'src'), { recursive: true });
    fs.writeFileSync(
      path.join(crate, 'Cargo.toml'),
      '[package]\nname = "needs-missing"\nversion = "0.1.0"\nedition = "2021"\n\n' +
        '[dependencies]\nnowhere = { path = "../nowhere" }\n',
    );
    const files = ['a.rs', 'lib.rs'].map((name) => ({
      file: path.join(crate, 'src', name),
      text:
        (name === 'lib.rs' ? 'mod a;\n' : '') +
        'async fn tick() {}\npub async fn f(a: nowhere::A) { tick().await; drop(a); }\n',
      modulePath: name === 'lib.rs' ? [] : ['a'],
    }));
    const index = new crateJobs.CrateJobs();
    const reports = (await index.run({
      kind: 'analyze',
      root: crate,
      files,
      edition: '2021',
    })) as FileReport[];
    const notices = reports.flatMap((r) => r.notices).filter((n) => n.includes('nowhere'));
    assert.strictEqual(notices.length, 1, notices.join('\n'));
    assert.match(notices[0], /^dependency nowhere: .*; its types are not sized$/);
    const f = named(reports[0].futures, 'a::f');
    assert.match(f.unknown[0], /^nowhere::A \(nowhere: /);
  });
});

describe('where a size came from: the CLI and the editor', function () {
  this.timeout(300_000);

  it('a missing package read as the type it names is small when the type is a handle', () => {
    assert.strictEqual(
      hintPolicy.reasonType('tokio::sync::mpsc::Sender (tokio 1.24.2: sources not found)'),
      'tokio::sync::mpsc::Sender',
    );
    const recursive = hintPolicy.reasonType('Foo<(u8, u16)> (recursive type)');
    assert.strictEqual(recursive, 'Foo<(u8, u16)>');
    assert.strictEqual(hintPolicy.reasonType('type of `x`'), 'type of `x`');
    const future = (unknown: string): FutureReport => ({
      ...named(sized.futures, 'tick'),
      size: 8,
      exact: false,
      unknown: [unknown],
    });
    const thresholds = { heldMinSize: 64, futureMinSize: 32 };
    const handle = future('tokio::sync::mpsc::Sender (tokio 1.24.2: sources not found)');
    assert.strictEqual(hintPolicy.showsFuture(handle, thresholds), false);
    const stream = future('hyper::body::Body (hyper 0.14.19): generic over B');
    assert.strictEqual(hintPolicy.showsFuture(stream, thresholds), true);
  });

  it("shows the package in the CLI's text and JSON", () => {
    const text = formatText.formatText([sized]);
    assert.match(
      text,
      /`clash`: future is 132 bytes \(align 4, other crates' types read from pathdep 0\.2\.0\)/,
    );
    assert.match(text, /await #0 at 9:12 holds: s \(64 B from pathdep 0\.2\.0, line 8\)/);
    assert.match(text, /`tick`: future is 1 byte \(align 1\)\n/);

    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const run = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin', 'rust-future-size.js'), '--format', 'json', SIZED],
      { encoding: 'utf8', env: { ...process.env, CARGO_HOME: home }, timeout: 120_000 },
    );
    assert.strictEqual(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout) as JsonReport;
    const clash = json.futures.find((f) => f.name === 'clash');
    assert.deepStrictEqual(clash?.sources, ['pathdep 0.2.0']);
    assert.deepStrictEqual(clash?.upvars[0].sources, ['pathdep 0.2.0']);
    assert.deepStrictEqual(
      clash?.awaits[0].held.map((h) => h.sources),
      [['pathdep 0.2.0'], undefined],
    );
    // Additive: a future without any keeps its old shape.
    const tick = json.futures.find((f) => f.name === 'tick');
    assert.ok(tick && !('sources' in tick));
  });

  it('shows the package in the hover table and the tooltips', () => {
    const source = new sourceText.SourceText(fs.readFileSync(SIZED_LIB, 'utf8'));
    const clash = named(sized.futures, 'clash');
    // On `.await` of `tick().await` in `clash` (line 9, 1-based).
    const hover = hovers.hoverAt(sized.futures, source, { line: 8, character: 12 });
    const table = (hover?.contents as { value: string }).value;
    assert.ok(
      table.includes(
        '| `s` (argument, also captured) | 64\u00a0B | 8 | ' +
          '`pathdep::TcpStream` · pathdep\u00a00.2.0 |',
      ),
      table,
    );
    // The awaited future is this crate's own: no suffix.
    assert.match(table, /\| awaited future \| 1\u00a0B \| 9 \| `tick\(\)` \|/);

    const tooltip = inlayHints.futureTooltip(clash).value;
    assert.match(tooltip, /read from their sources: `pathdep 0\.2\.0`\./);
    const held = inlayHints.heldTooltip(clash, [
      { value: clash.awaits[0].held[0], awaits: [clash.awaits[0]] },
    ]).value;
    assert.match(held, /64 B, read from the sources of pathdep 0\.2\.0/);
  });

  it('names the missing package in the reasons a tooltip gives', () => {
    const f = named(
      analyzeWithGraph(`async fn tick() {}
pub async fn f(s: tokio::net::TcpStream) { tick().await; drop(s); }
`),
      'f',
    );
    const tooltip = inlayHints.futureTooltip(f).value;
    assert.ok(
      tooltip.includes('`tokio::net::TcpStream (tokio 1.24.2: sources not found)`'),
      tooltip,
    );
    const value = f.awaits[0].held.find((h) => h.name === 's')!;
    const held = inlayHints.heldTooltip(f, [{ value, awaits: [f.awaits[0]] }]).value;
    assert.match(held, /unknown in this future: `tokio::net::TcpStream \(tokio 1\.24\.2: sources/);
  });
});
