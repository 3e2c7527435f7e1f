import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport, FutureReport, HeldValue } from '../../server/src/analysis/report';
import { findUpwards, loadServerModule } from '../support/repoPaths';

type ArgsModule = typeof import('../../server/src/cli/args');
type EditionModule = typeof import('../../server/src/project/edition');
type FilesModule = typeof import('../../server/src/project/sourceFiles');
type ReadSourceModule = typeof import('../../server/src/project/readSource');
type FormatTextModule = typeof import('../../server/src/cli/formatText');
type FormatJsonModule = typeof import('../../server/src/cli/formatJson');
type ThresholdModule = typeof import('../../server/src/cli/threshold');
type MainModule = typeof import('../../server/src/cli/main');

const args = loadServerModule<ArgsModule>('cli/args');
const edition = loadServerModule<EditionModule>('project/edition');
const files = loadServerModule<FilesModule>('project/sourceFiles');
const readSourceModule = loadServerModule<ReadSourceModule>('project/readSource');
const formatText = loadServerModule<FormatTextModule>('cli/formatText');
const formatJson = loadServerModule<FormatJsonModule>('cli/formatJson');
const threshold = loadServerModule<ThresholdModule>('cli/threshold');
const mainModule = loadServerModule<MainModule>('cli/main');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'bin', 'rust-future-size.js')),
);
if (repoRoot === null) {
  throw new Error(`cannot find bin/rust-future-size.js above ${__dirname}`);
}
const binPath = path.join(repoRoot, 'bin', 'rust-future-size.js');

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(cliArgs: string[], cwd: string = repoRoot!): CliResult {
  const env = { ...process.env, NO_COLOR: '1' };
  const result = spawnSync(process.execPath, [binPath, ...cliArgs], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

function assertNoStackTrace(output: string): void {
  assert.doesNotMatch(output, /^\s+at .*\(.*:\d+:\d+\)$/m, `unexpected stack trace:\n${output}`);
}

let tempRoot: string;

/** File content: text, or raw bytes (as numbers, which every `writeFileSync` overload accepts via Uint8Array). */
type Content = string | readonly number[];

/** Writes `tree` (path → content) under a fresh directory and returns it. */
function makeTree(name: string, tree: Record<string, Content>): string {
  const root = path.join(tempRoot, name);
  for (const [relative, content] of Object.entries(tree)) {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? content : new Uint8Array(content));
  }
  return root;
}

const BINARY = [0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02];
const LATIN1 = [...Buffer.from('// caf\xe9\nasync fn f() {}\n', 'latin1')];

before(() => {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-cli-'));
});

after(() => {
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

describe('cli: the rust-future-size command', () => {
  it('--help prints the usage and exits 0', () => {
    const result = runCli(['--help']);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: rust-future-size /);
    assert.match(result.stdout, /--max-future-size BYTES/);
  });

  it('--version prints the package.json version and exits 0', () => {
    const { version } = JSON.parse(
      fs.readFileSync(path.join(repoRoot!, 'package.json'), 'utf8'),
    ) as { version: string };
    const result = runCli(['--version']);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.strictEqual(result.stdout, `rust-future-size ${version}\n`);
  });

  for (const bad of [
    ['--frobnicate'],
    ['--format', 'xml'],
    ['--edition', '2019'],
    ['--max-future-size', 'big'],
    ['--format'],
  ]) {
    it(`rejects ${bad.join(' ')} with exit 2 and one error line`, () => {
      const result = runCli(bad);
      assert.strictEqual(result.status, 2);
      assert.strictEqual(result.stdout, '');
      const lines = nonEmptyLines(result.stderr);
      assert.strictEqual(lines.length, 1, result.stderr);
      assert.match(lines[0], /^rust-future-size: error: \S/);
      assertNoStackTrace(result.stderr);
    });
  }

  it('exits 2 for a path that does not exist, naming it', () => {
    const result = runCli(['no/such/dir']);
    assert.strictEqual(result.status, 2);
    assert.strictEqual(
      result.stderr,
      "rust-future-size: error: cannot read 'no/such/dir': no such file or directory\n",
    );
  });

  it('skips a binary file and a non-UTF-8 file with a notice and exits 0', () => {
    const root = makeTree('skipped', { 'bin.rs': BINARY, 'latin1.rs': LATIN1 });
    const result = runCli(['.'], root);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.deepStrictEqual(nonEmptyLines(result.stderr), [
      'rust-future-size: notice: bin.rs: skipped: binary file (contains NUL bytes)',
      'rust-future-size: notice: latin1.rs: skipped: not valid UTF-8',
    ]);
    assert.match(result.stdout, /^0 futures in 2 files\n$/);
  });

  it('walks a directory recursively in sorted order, skipping target/, .git/ and node_modules/', () => {
    // Binary files give one notice each whatever the engine finds, which makes the visiting order observable.
    const root = makeTree('walk', {
      'b.rs': BINARY,
      'a/z.rs': BINARY,
      'a/b/c.rs': BINARY,
      'A.rs': BINARY,
      'notes.txt': 'not rust',
      'target/debug/build.rs': BINARY,
      '.git/hooks/x.rs': BINARY,
      'node_modules/pkg/y.rs': BINARY,
    });
    const result = runCli(['--format', 'json'], root);
    assert.strictEqual(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { notices: string[] };
    assert.deepStrictEqual(
      report.notices.map((notice) => notice.split(':')[0]),
      ['A.rs', 'a/b/c.rs', 'a/z.rs', 'b.rs'],
    );
  });
});

describe('cli: paths, JSON and exit status', () => {
  it('shows paths relative to the current directory with / separators', () => {
    const root = makeTree('relative', { 'crate/src/bin.rs': BINARY });
    const result = runCli(['--format', 'json', 'crate'], root);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.deepStrictEqual((JSON.parse(result.stdout) as { notices: string[] }).notices, [
      'crate/src/bin.rs: skipped: binary file (contains NUL bytes)',
    ]);
  });

  it('prints valid JSON with version 1', () => {
    const root = makeTree('json', { 'src/lib.rs': 'pub async fn f() {}\n' });
    const result = runCli(['--format', 'json', 'src'], root);
    assert.strictEqual(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      version: unknown;
      futures: unknown;
      notices: unknown;
    };
    assert.strictEqual(report.version, 1);
    assert.ok(Array.isArray(report.futures));
    assert.ok(Array.isArray(report.notices));
  });

  it('warns about an unparsable Cargo.toml and still analyses the crate', () => {
    const root = makeTree('broken-manifest', {
      'Cargo.toml': '[package\nname = "x"\n',
      'src/lib.rs': 'pub fn f() {}\n',
    });
    const result = runCli([], root);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.match(
      result.stderr,
      /^rust-future-size: warning: Cargo\.toml: cannot parse \(.*\); assuming edition 2021\n$/,
    );
    assert.match(result.stdout, /^0 futures in 1 file\n$/);
  });

  it('exits 0 when every future is within --max-future-size', () => {
    const root = makeTree('threshold-ok', { 'lib.rs': 'pub async fn tiny() {}\n' });
    const result = runCli(['--max-future-size', '1000000', 'lib.rs'], root);
    assert.strictEqual(result.status, 0, result.stderr);
  });

  it('exits 1 and lists the future when one exceeds --max-future-size', () => {
    const root = makeTree('threshold-exceeded', {
      'lib.rs': 'async fn f() { let b = [0u8; 4096]; g().await; b.len(); }\nasync fn g() {}\n',
    });
    const result = runCli(['--max-future-size', '100', 'lib.rs'], root);
    // ENGINE-DEPENDENT: fails while server/src/analysis/engine.ts is a stub that reports no futures.
    assert.strictEqual(
      result.status,
      1,
      `expected exit 1 once the engine reports futures; stdout:\n${result.stdout}`,
    );
    assert.match(
      result.stderr,
      /^rust-future-size: 1 future exceeds --max-future-size 100:\n {2}lib\.rs:1:1: `f` is /,
    );
  });
});

describe('cli: arguments', () => {
  it('defaults to text, the current directory, and no overrides', () => {
    assert.deepStrictEqual(args.parseCliArgs([]), {
      command: 'run',
      paths: ['.'],
      format: 'text',
      edition: undefined,
      maxFutureSize: undefined,
    });
  });

  it('reads every option', () => {
    assert.deepStrictEqual(
      args.parseCliArgs([
        '--format=json',
        '--edition',
        '2018',
        '--max-future-size',
        '16384',
        'a',
        'b.rs',
      ]),
      {
        command: 'run',
        paths: ['a', 'b.rs'],
        format: 'json',
        edition: '2018',
        maxFutureSize: 16384,
        denySkipped: true,
      },
    );
  });

  it('lets --help win over everything else', () => {
    assert.deepStrictEqual(args.parseCliArgs(['src', '-h', '--format', 'json']), {
      command: 'help',
    });
  });

  it('names the offending option in a short message', () => {
    assert.throws(() => args.parseCliArgs(['--colour']), {
      name: 'UsageError',
      message: "unknown option '--colour' (see --help)",
    });
    assert.throws(() => args.parseCliArgs(['--max-future-size', '-5']), { name: 'UsageError' });
  });
});

describe('cli: edition detection', () => {
  function resolver(): {
    resolver: InstanceType<EditionModule['EditionResolver']>;
    warnings: string[];
  } {
    const warnings: string[] = [];
    return {
      resolver: new edition.EditionResolver((message) => warnings.push(message), tempRoot),
      warnings,
    };
  }

  it('reads [package] edition from the nearest Cargo.toml', async () => {
    const root = makeTree('edition-package', {
      'Cargo.toml': '[package]\nname = "outer"\nedition = "2018"\n',
      'src/lib.rs': '',
      'inner/Cargo.toml': '[package]\nname = "inner"\nedition = "2024"\n',
      'inner/src/deep/mod.rs': '',
    });
    const { resolver: editions, warnings } = resolver();
    assert.strictEqual(await editions.editionOf(path.join(root, 'src/lib.rs')), '2018');
    assert.strictEqual(await editions.editionOf(path.join(root, 'inner/src/deep/mod.rs')), '2024');
    assert.deepStrictEqual(warnings, []);
  });

  it('follows edition.workspace = true to [workspace.package] edition', async () => {
    const root = makeTree('edition-workspace', {
      'Cargo.toml':
        '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nedition = "2024"\n',
      'crates/a/Cargo.toml': '[package]\nname = "a"\nedition.workspace = true\n',
      'crates/a/src/lib.rs': '',
      'crates/b/Cargo.toml': '[package]\nname = "b"\nedition = { workspace = true }\n',
      'crates/b/src/lib.rs': '',
    });
    const { resolver: editions, warnings } = resolver();
    assert.strictEqual(await editions.editionOf(path.join(root, 'crates/a/src/lib.rs')), '2024');
    assert.strictEqual(await editions.editionOf(path.join(root, 'crates/b/src/lib.rs')), '2024');
    assert.deepStrictEqual(warnings, []);
  });

  it('honours an explicit package.workspace path', async () => {
    const root = makeTree('edition-explicit-root', {
      'ws/Cargo.toml': '[workspace]\n[workspace.package]\nedition = "2018"\n',
      'elsewhere/c/Cargo.toml':
        '[package]\nname = "c"\nworkspace = "../../ws"\nedition.workspace = true\n',
      'elsewhere/c/src/lib.rs': '',
    });
    assert.strictEqual(
      await resolver().resolver.editionOf(path.join(root, 'elsewhere/c/src/lib.rs')),
      '2018',
    );
  });

  it("uses Cargo's 2015 for a [package] without an edition", async () => {
    const root = makeTree('edition-missing', {
      'Cargo.toml': '[package]\nname = "old"\n',
      'src/lib.rs': '',
    });
    assert.strictEqual(await resolver().resolver.editionOf(path.join(root, 'src/lib.rs')), '2015');
  });

  it('passes over a virtual workspace manifest, which owns no files', async () => {
    const root = makeTree('edition-virtual', {
      'Cargo.toml': '[package]\nname = "top"\nedition = "2018"\n',
      'ws/Cargo.toml': '[workspace]\nmembers = []\n',
      'ws/scripts/tool.rs': '',
    });
    assert.strictEqual(
      await resolver().resolver.editionOf(path.join(root, 'ws/scripts/tool.rs')),
      '2018',
    );
  });

  it('falls back to 2021 with one warning for a Cargo.toml that does not parse', async () => {
    const root = makeTree('edition-broken', {
      'Cargo.toml': '[package]\nedition = "2018"\nname = \n',
      'src/a.rs': '',
      'src/nested/b.rs': '',
    });
    const { resolver: editions, warnings } = resolver();
    assert.strictEqual(await editions.editionOf(path.join(root, 'src/a.rs')), '2021');
    assert.strictEqual(await editions.editionOf(path.join(root, 'src/nested/b.rs')), '2021');
    assert.strictEqual(warnings.length, 1, warnings.join('\n'));
    assert.match(
      warnings[0],
      /^edition-broken\/Cargo\.toml: cannot parse \(.+\); assuming edition 2021$/,
    );
  });

  it('warns about an edition it does not know and uses 2021', async () => {
    const root = makeTree('edition-future', {
      'Cargo.toml': '[package]\nname = "x"\nedition = "2027"\n',
      'lib.rs': '',
    });
    const { resolver: editions, warnings } = resolver();
    assert.strictEqual(await editions.editionOf(path.join(root, 'lib.rs')), '2021');
    assert.deepStrictEqual(warnings, [
      'edition-future/Cargo.toml: unsupported edition "2027"; assuming edition 2021',
    ]);
  });

  it('caches answers per directory for the whole run', async () => {
    const root = makeTree('edition-cache', {
      'Cargo.toml': '[package]\nname = "x"\nedition = "2024"\n',
      'src/a.rs': '',
    });
    const editions = resolver().resolver;
    assert.strictEqual(await editions.editionOf(path.join(root, 'src/a.rs')), '2024');
    // A cached answer survives the manifest changing on disk during one run.
    fs.writeFileSync(path.join(root, 'Cargo.toml'), '[package]\nname = "x"\nedition = "2015"\n');
    assert.strictEqual(await editions.editionOf(path.join(root, 'src/b.rs')), '2024');
  });
});

describe('cli: finding files', () => {
  it('expands directories sorted by path and keeps argument order', async () => {
    const root = makeTree('expand', {
      'z/b.rs': '',
      'z/a.rs': '',
      'z/a/x.rs': '',
      'first.rs': '',
      'z/target/t.rs': '',
    });
    const found = await files.expandPaths(['z', 'first.rs', 'z/a.rs'], root);
    assert.deepStrictEqual(
      found.map((file) => files.displayPath(file, root)),
      ['z/a.rs', 'z/a/x.rs', 'z/b.rs', 'first.rs'],
    );
  });

  it('names the path as given when it cannot be read', async () => {
    await assert.rejects(files.expandPaths(['missing.rs'], tempRoot), {
      name: 'UsageError',
      message: "cannot read 'missing.rs': no such file or directory",
    });
  });
});

describe('cli: reading sources', () => {
  it('reads UTF-8 text and drops a byte-order mark', async () => {
    const root = makeTree('read-ok', {
      'bom.rs': [...Buffer.from('\ufeffasync fn é() {}\n', 'utf8')],
    });
    assert.deepStrictEqual(await readSourceModule.readSource(path.join(root, 'bom.rs')), {
      ok: true,
      text: 'async fn é() {}\n',
    });
  });

  it('skips binary, non-UTF-8 and oversized files with a reason', async () => {
    const root = makeTree('read-skipped', {
      'bin.rs': BINARY,
      'latin1.rs': LATIN1,
      'big.rs': 'x'.repeat(2048),
    });
    assert.deepStrictEqual(await readSourceModule.readSource(path.join(root, 'bin.rs')), {
      ok: false,
      reason: 'binary file (contains NUL bytes)',
    });
    assert.deepStrictEqual(await readSourceModule.readSource(path.join(root, 'latin1.rs')), {
      ok: false,
      reason: 'not valid UTF-8',
    });
    const big = await readSourceModule.readSource(path.join(root, 'big.rs'), 1024);
    assert.strictEqual(big.ok, false);
    assert.match(!big.ok ? big.reason : '', /^larger than /);
  });

  it('has a 5 MB limit by default', () => {
    assert.strictEqual(readSourceModule.MAX_SOURCE_BYTES, 5 * 1024 * 1024);
  });
});

function heldValue(overrides: Partial<HeldValue>): HeldValue {
  return {
    name: null,
    kind: 'binding',
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
    ...overrides,
  };
}

function future(overrides: Partial<FutureReport>): FutureReport {
  return {
    file: 'src/lib.rs',
    kind: 'fn',
    hash: '0',
    name: 'f',
    line: 1,
    column: 1,
    endLine: 10,
    size: 1,
    align: 1,
    exact: true,
    unknown: [],
    upvars: [],
    awaits: [],
    ...overrides,
  };
}

/** The reference case `01::large` as the engine should report it, plus a few harder shapes. */
function sampleReports(): FileReport[] {
  const large = future({
    name: 'large',
    line: 21,
    column: 5,
    size: 1027,
    awaits: [
      {
        index: 0,
        line: 23,
        column: 15,
        held: [
          heldValue({
            name: 'buffer',
            line: 22,
            column: 9,
            size: 1024,
            align: 1,
            type: '[u8; 1024]',
          }),
          heldValue({
            kind: 'awaitee',
            line: 23,
            column: 5,
            size: 2,
            align: 1,
            type: '{async fn body of pause()}',
          }),
        ],
      },
    ],
  });
  const method = future({
    name: 'Conn::fill',
    line: 30,
    column: 5,
    size: 96,
    align: 8,
    exact: false,
    unknown: ['Foo', 'Bar'],
    upvars: [
      heldValue({ name: 'self', kind: 'upvar', line: 30, size: 8, type: '&mut Conn' }),
      heldValue({ name: 'buf', kind: 'upvar', line: 30, size: 8192, align: 1, type: '[u8; 8192]' }),
    ],
    awaits: [
      {
        index: 0,
        line: 32,
        column: 20,
        held: [
          heldValue({ kind: 'temporary', line: 32, size: 24, type: 'Vec<u8>' }),
          heldValue({ name: 'foo', line: 31, size: null, align: null, type: 'Foo', exact: false }),
          heldValue({ kind: 'drop-flag', line: 31, size: 1, align: 1, type: 'bool' }),
        ],
      },
      { index: 1, line: 33, column: 9, held: [] },
    ],
  });
  const block = future({
    kind: 'block',
    name: 'async block@40:13',
    line: 40,
    column: 13,
    size: null,
    exact: false,
    unknown: ['T'],
  });
  const skipped = future({
    name: 'broken',
    line: 50,
    column: 1,
    size: null,
    skipped: 'parse errors in the body',
  });
  return [
    {
      file: 'src/lib.rs',
      futures: [large, method, block, skipped],
      notices: ['src/lib.rs: something to note'],
    },
    { file: 'src/empty.rs', futures: [], notices: [] },
  ];
}

describe('cli: text format', () => {
  it('reads like compiler output, one line per await, with a summary', () => {
    assert.strictEqual(
      formatText.formatText(sampleReports()),
      [
        'src/lib.rs:21:5: async fn `large`: future is 1027 bytes (align 1)',
        '  await #0 at 23:15 holds: buffer (1024 B, line 22), <awaitee pause()> (2 B)',
        'src/lib.rs:30:5: async fn `Conn::fill`: future is ≥ 96 bytes (align 8); unknown: Foo, Bar',
        '  captured: self (8 B), buf (8192 B)',
        '  await #0 at 32:20 holds: <temp: Vec<u8>> (24 B), foo (?, line 31), <drop flag> (1 B)',
        '  await #1 at 33:9 holds: nothing',
        'src/lib.rs:40:13: async block: future is ? bytes (align 1); unknown: T',
        'src/lib.rs:50:1: async fn `broken`: skipped: parse errors in the body',
        '4 futures in 2 files; largest: `large` (1027 bytes) at src/lib.rs:21',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to report', () => {
    assert.strictEqual(formatText.formatText([]), '0 futures in 0 files\n');
    assert.strictEqual(
      formatText.formatText([{ file: 'a.rs', futures: [], notices: [] }]),
      '0 futures in 1 file\n',
    );
  });

  it('marks a lower bound in the summary', () => {
    const reports = [
      {
        file: 'a.rs',
        futures: [future({ file: 'a.rs', name: 'g', size: 5000, exact: false })],
        notices: [],
      },
    ];
    assert.match(
      formatText.formatText(reports),
      /\n1 future in 1 file; largest: `g` \(≥ 5000 bytes\) at a\.rs:1\n$/,
    );
  });

  it('uses colour only for a terminal without NO_COLOR', () => {
    const tty = { write: () => true, isTTY: true };
    assert.strictEqual(mainModule.useColour({ stdout: tty, env: {} }), true);
    assert.strictEqual(mainModule.useColour({ stdout: tty, env: { NO_COLOR: '1' } }), false);
    assert.strictEqual(mainModule.useColour({ stdout: { write: () => true }, env: {} }), false);
    assert.match(
      formatText.formatText(sampleReports(), formatText.ANSI_STYLE),
      // eslint-disable-next-line no-control-regex -- the escape sequences are what is tested
      /^\u001b\[1msrc\/lib\.rs:21:5:\u001b\[0m async fn/,
    );
  });
});

describe('cli: JSON format', () => {
  it('has the documented shape and field order', () => {
    const text = formatJson.formatJson(
      sampleReports()
        .slice(0, 1)
        .map((report) => ({ ...report, futures: report.futures.slice(0, 1) })),
    );
    assert.strictEqual(
      text,
      '{"version":1,"futures":[{"file":"src/lib.rs","kind":"fn","name":"large","line":21,"column":5,"size":1027,' +
        '"exact":true,"align":1,"unknown":[],"upvars":[],"awaits":[{"line":23,"column":15,"held":[' +
        '{"name":"buffer","kind":"binding","line":22,"size":1024,"type":"[u8; 1024]"},' +
        '{"name":null,"kind":"awaitee","line":23,"size":2,"type":"{async fn body of pause()}"}]}]}],' +
        '"notices":["src/lib.rs: something to note"]}\n',
    );
  });

  it('keeps lower bounds, unknown sizes and skipped futures', () => {
    const report = JSON.parse(formatJson.formatJson(sampleReports())) as {
      futures: Record<string, unknown>[];
    };
    assert.deepStrictEqual(
      report.futures.map((entry) => [entry.name, entry.size, entry.exact, entry.skipped]),
      [
        ['large', 1027, true, undefined],
        ['Conn::fill', 96, false, undefined],
        ['async block@40:13', null, false, undefined],
        ['broken', null, true, 'parse errors in the body'],
      ],
    );
    assert.deepStrictEqual((report.futures[1].upvars as unknown[])[1], {
      name: 'buf',
      kind: 'upvar',
      line: 30,
      size: 8192,
      type: '[u8; 8192]',
    });
  });
});

describe('cli: --max-future-size', () => {
  it('counts lower bounds above the limit but not unknown sizes or skipped futures', () => {
    const oversized = threshold.oversizedFutures(sampleReports(), 96 - 1);
    assert.deepStrictEqual(
      oversized.map((entry) => entry.name),
      ['large', 'Conn::fill'],
    );
    assert.deepStrictEqual(threshold.describeOversized(oversized, 95), [
      '2 futures exceed --max-future-size 95:',
      '  src/lib.rs:21:5: `large` is 1027 bytes',
      '  src/lib.rs:30:5: `Conn::fill` is ≥ 96 bytes',
    ]);
  });

  it('allows a future exactly at the limit', () => {
    assert.deepStrictEqual(threshold.oversizedFutures(sampleReports(), 1027), []);
  });
});

describe('cli: hostile crates', () => {
  it('reads no FIFO, device or file outside the package that a `mod` reaches, and names each in a notice', function () {
    const crate = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-hostile-'));
    try {
      fs.mkdirSync(path.join(crate, 'src'));
      fs.writeFileSync(
        path.join(crate, 'Cargo.toml'),
        '[package]\nname = "hostile"\nversion = "0.1.0"\nedition = "2021"\n',
      );
      fs.writeFileSync(
        path.join(crate, 'src', 'lib.rs'),
        '#[path = "/dev/zero"]\nmod zero;\n#[path = "/etc/hostname"]\nmod outside;\nmod fifo;\nasync fn tick() {}\npub async fn g() { tick().await; }\n',
      );
      if (spawnSync('mkfifo', [path.join(crate, 'src', 'fifo.rs')]).status !== 0) {
        this.skip();
      }
      // Before, /dev/zero took the CLI to 2.9 GB and a FIFO blocked it forever.
      const result = runCli(['--format', 'json', crate]);
      assert.strictEqual(result.status, 0, result.stderr);
      const output = JSON.parse(result.stdout) as { futures: FutureReport[]; notices: string[] };
      assert.deepStrictEqual(
        output.futures.map((f) => f.name),
        ['tick', 'g'],
      );
      const notices = output.notices.join('\n');
      assert.match(notices, /module `zero` is not a regular file \(\/dev\/zero\): not read/);
      assert.match(
        notices,
        /module `outside` is outside the package \(\/etc\/hostname\): not read/,
      );
      assert.match(notices, /module `fifo` is not a regular file/);
      // A size check cannot pass because nothing was checked: what was not read fails it (status 4).
      const checked = runCli(['--max-future-size', '100000', crate]);
      assert.strictEqual(checked.status, 4, checked.stderr);
      assert.match(checked.stderr, /3 files or futures could not be analysed \(--deny-skipped\)/);
      assert.strictEqual(
        runCli(['--max-future-size', '100000', '--allow-skipped', crate]).status,
        0,
      );
      assert.strictEqual(runCli(['--deny-skipped', crate]).status, 4);
    } finally {
      fs.rmSync(crate, { recursive: true, force: true });
    }
  });
  it('reads a module outside the package with --allow-outside-package, and only then', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-outside-'));
    try {
      const crate = path.join(base, 'crate');
      fs.mkdirSync(path.join(crate, 'src'), { recursive: true });
      fs.mkdirSync(path.join(base, 'shared'));
      fs.writeFileSync(
        path.join(crate, 'Cargo.toml'),
        '[package]\nname = "outside"\nversion = "0.1.0"\nedition = "2021"\n',
      );
      // The awaited fn lives outside the package: its future's size needs that file.
      fs.writeFileSync(
        path.join(base, 'shared', 'big.rs'),
        'pub async fn big() { let b = [0u8; 4000]; crate::tick().await; drop(b); }\n',
      );
      fs.writeFileSync(
        path.join(crate, 'src', 'lib.rs'),
        '#[path = "../../shared/big.rs"]\nmod big;\npub async fn tick() {}\n' +
          'pub async fn g() { big::big().await; }\n',
      );
      const lib = path.join(crate, 'src', 'lib.rs');
      const run = (...flags: string[]) => {
        const result = runCli(['--format', 'json', ...flags, lib]);
        assert.strictEqual(result.status, 0, result.stderr);
        return JSON.parse(result.stdout) as { futures: FutureReport[]; notices: string[] };
      };
      const refused = run();
      assert.match(refused.notices.join('\n'), /module `big` is outside the package .*: not read/);
      const g = (report: { futures: FutureReport[] }) =>
        report.futures.find((f) => f.name === 'g')!;
      assert.strictEqual(g(refused).exact, false);
      const allowed = run('--allow-outside-package');
      assert.deepStrictEqual(allowed.notices, []);
      assert.strictEqual(g(allowed).exact, true);
      assert.ok(g(allowed).size! > 4000, JSON.stringify(g(allowed)));
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
