import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import { findUpwards, loadServerModule } from '../support/repoPaths';

type AnalyzeFilesModule = typeof import('../../server/src/cli/analyzeFiles');
type ArgsModule = typeof import('../../server/src/cli/args');
type FilesModule = typeof import('../../server/src/project/sourceFiles');
type MainModule = typeof import('../../server/src/cli/main');

const analyzeFilesModule = loadServerModule<AnalyzeFilesModule>('cli/analyzeFiles');
const args = loadServerModule<ArgsModule>('cli/args');
const files = loadServerModule<FilesModule>('project/sourceFiles');
const mainModule = loadServerModule<MainModule>('cli/main');
const { analyzeFiles } = analyzeFilesModule;

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'server', 'out', 'cli', 'worker.js')),
);
if (repoRoot === null) {
  throw new Error(
    `cannot find server/out/cli/worker.js above ${__dirname}; run \`npx tsc -b\` first`,
  );
}
const realWorker = path.join(repoRoot, 'server', 'out', 'cli', 'worker.js');

let tempRoot: string;
/** Every .rs file of the repository's fixtures and examples: varied, some with parse errors. */
let corpus: string[];

before(async () => {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-parallel-'));
  corpus = await files.expandPaths([
    path.join(repoRoot!, 'test', 'fixtures'),
    path.join(repoRoot!, 'examples'),
  ]);
  assert.ok(corpus.length >= 20, `expected a corpus of Rust files, found ${corpus.length}`);
});

after(() => {
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

/** Writes `tree` (relative path → text) under a fresh directory; returns the absolute paths in the given order. */
function writeFiles(name: string, tree: Record<string, string>): string[] {
  const root = path.join(tempRoot, name);
  return Object.entries(tree).map(([relative, text]) => {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  });
}

/** A worker entry point that misbehaves on files named `crash.rs`, `exit.rs` and `hang.rs`, and is the real worker otherwise. */
function misbehavingWorker(): string {
  const script = path.join(tempRoot, 'misbehavingWorker.js');
  fs.writeFileSync(
    script,
    `const { parentPort } = require('worker_threads');
// Registered before the real worker's listener, so it runs first and can stop the job.
parentPort.on('message', (request) => {
  const name = request.job.file.split(/[\\\\/]/).pop();
  if (name === 'crash.rs') throw new Error('boom on purpose');
  if (name === 'exit.rs') process.exit(7);
  if (name === 'hang.rs') for (;;) {}
});
require(${JSON.stringify(realWorker)});
`,
  );
  return script;
}

function brokenWorker(): string {
  const script = path.join(tempRoot, 'brokenWorker.js');
  fs.writeFileSync(script, `throw new Error('cannot start');\n`);
  return script;
}

const ASYNC_FN = (name: string, bytes: number) => `async fn ${name}() {
    let buffer = [0u8; ${bytes}];
    pause().await;
    drop(buffer);
}
`;
/** A file of `ASYNC_FN`s and the fn they await. */
const RUST_FILE = (...fns: string[]) => `${fns.join('')}async fn pause() {}
`;

function fileNames(reports: readonly FileReport[]): string[] {
  return reports.map((report) => report.file);
}

describe('cli: parallel analysis', () => {
  it('gives exactly the sequential reports, in input order, for any number of workers', async () => {
    const sequential = await analyzeFiles(corpus, { jobs: 1, cwd: repoRoot! });
    assert.strictEqual(sequential.length, corpus.length);
    assert.ok(
      sequential.some((report) => report.futures.length > 0),
      'the corpus should have futures',
    );
    for (const jobs of [2, 3, 8]) {
      const parallel = await analyzeFiles(corpus, { jobs, cwd: repoRoot! });
      assert.deepStrictEqual(parallel, sequential, `--jobs ${jobs} differs from --jobs 1`);
    }
  });

  it('keeps the input order when later files finish first', async () => {
    // The first file is much larger than the others, so with 2 workers every other file is done before it.
    const big = RUST_FILE(...Array.from({ length: 300 }, (_, i) => ASYNC_FN(`big_${i}`, 64 + i)));
    const paths = writeFiles('order', {
      'z_big.rs': big,
      ...Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [
          `a_small_${i}.rs`,
          RUST_FILE(ASYNC_FN(`small_${i}`, i + 1)),
        ]),
      ),
    });
    const expected = paths.map((file) => path.relative(tempRoot, file));
    for (let run = 0; run < 3; run++) {
      const reports = await analyzeFiles(paths, { jobs: 2, cwd: tempRoot });
      assert.deepStrictEqual(fileNames(reports), expected);
      assert.strictEqual(reports[0].futures.length, 301);
      assert.deepStrictEqual(
        reports.slice(1).map((report) => report.futures[0]?.name),
        Array.from({ length: 12 }, (_, i) => `small_${i}`),
      );
    }
  });

  it('prints the same text and JSON with --jobs 1 and --jobs 2', async () => {
    const run = async (argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const io = {
        stdout: { write: (text: string) => (stdout += text), isTTY: false },
        stderr: { write: (text: string) => (stderr += text) },
        cwd: repoRoot!,
        env: { NO_COLOR: '1' },
      };
      const status = await mainModule.main(argv, io);
      return { status, stdout, stderr };
    };
    for (const format of ['text', 'json']) {
      const one = await run(['--format', format, '--jobs', '1', 'test/fixtures', 'examples']);
      const two = await run(['--format', format, '-j', '2', 'test/fixtures', 'examples']);
      assert.strictEqual(one.status, 0, one.stderr);
      assert.ok(one.stdout.length > 1000);
      assert.deepStrictEqual(two, one);
    }
  });
});

describe('cli: parallel analysis when workers fail', () => {
  it('turns a crashing, exiting or hanging worker into a notice for that file only, and finishes', async () => {
    const paths = writeFiles('failures', {
      'a.rs': RUST_FILE(ASYNC_FN('a', 10)),
      'crash.rs': RUST_FILE(ASYNC_FN('crash', 11)),
      'b.rs': RUST_FILE(ASYNC_FN('b', 12)),
      'exit.rs': RUST_FILE(ASYNC_FN('exit', 13)),
      'c.rs': RUST_FILE(ASYNC_FN('c', 14)),
      'hang.rs': RUST_FILE(ASYNC_FN('hang', 15)),
      'd.rs': RUST_FILE(ASYNC_FN('d', 16)),
    });
    const sequential = await analyzeFiles(paths, { jobs: 1, cwd: tempRoot });
    const started = Date.now();
    const reports = await analyzeFiles(paths, {
      jobs: 2,
      cwd: tempRoot,
      workerScript: misbehavingWorker(),
      fileTimeoutMs: 3000,
    });
    assert.ok(Date.now() - started < 30_000, 'the run should not wait long for the hanging worker');
    assert.deepStrictEqual(fileNames(reports), fileNames(sequential));
    const byName = new Map(reports.map((report) => [path.basename(report.file), report]));
    const failed = (name: string, reason: RegExp) => {
      const report = byName.get(name)!;
      assert.deepStrictEqual(report.futures, []);
      assert.strictEqual(report.notices.length, 1);
      assert.match(
        report.notices[0],
        new RegExp(
          `^failures[\\\\/]${name.replace('.', '\\.')}: analysis failed: ${reason.source}`,
        ),
      );
    };
    failed('crash.rs', /worker crashed \(boom on purpose\)$/);
    failed('exit.rs', /worker exited with code 7$/);
    failed('hang.rs', /took longer than 3 s$/);
    for (const name of ['a.rs', 'b.rs', 'c.rs', 'd.rs']) {
      const index = reports.findIndex((report) => path.basename(report.file) === name);
      assert.deepStrictEqual(
        reports[index],
        sequential[index],
        `${name} should be analysed as usual`,
      );
    }
  });

  it('reports every file when no worker can even start', async () => {
    const paths = writeFiles('broken', {
      'a.rs': RUST_FILE(ASYNC_FN('a', 1)),
      'b.rs': RUST_FILE(ASYNC_FN('b', 2)),
      'c.rs': RUST_FILE(ASYNC_FN('c', 3)),
    });
    const reports = await analyzeFiles(paths, {
      jobs: 2,
      cwd: tempRoot,
      workerScript: brokenWorker(),
    });
    assert.deepStrictEqual(
      fileNames(reports),
      ['a.rs', 'b.rs', 'c.rs'].map((name) => path.join('broken', name)),
    );
    for (const report of reports) {
      assert.deepStrictEqual(report.futures, []);
      assert.match(
        report.notices.join('\n'),
        /: analysis failed: worker crashed \(cannot start\)$/,
      );
    }
  });

  it('runs a single file and --jobs 1 in this thread (no worker is started)', async () => {
    // The broken worker would fail every file it got; these runs must not use it.
    const paths = writeFiles('inline', {
      'a.rs': RUST_FILE(ASYNC_FN('a', 1)),
      'b.rs': RUST_FILE(ASYNC_FN('b', 2)),
    });
    const single = await analyzeFiles(paths.slice(0, 1), {
      jobs: 4,
      cwd: tempRoot,
      workerScript: brokenWorker(),
    });
    assert.deepStrictEqual(single[0].notices, []);
    assert.strictEqual(single[0].futures[0].name, 'a');
    const sequential = await analyzeFiles(paths, {
      jobs: 1,
      cwd: tempRoot,
      workerScript: brokenWorker(),
    });
    assert.deepStrictEqual(
      sequential.map((report) => report.futures[0].name),
      ['a', 'b'],
    );
  });

  it('defaults to one worker per core', () => {
    assert.strictEqual(analyzeFilesModule.defaultJobs(), os.availableParallelism());
  });
});

describe('cli: parallel analysis when workers fail together', () => {
  it('carries on when every worker crashes at once', async () => {
    const paths = writeFiles('all-crash', {
      'x/crash.rs': RUST_FILE(ASYNC_FN('x', 1)),
      'y/crash.rs': RUST_FILE(ASYNC_FN('y', 2)),
      'a.rs': RUST_FILE(ASYNC_FN('a', 3)),
      'b.rs': RUST_FILE(ASYNC_FN('b', 4)),
    });
    const workerScript = misbehavingWorker();
    const reports = await analyzeFiles(paths, {
      jobs: 2,
      cwd: tempRoot,
      workerScript,
      fileTimeoutMs: 10_000,
    });
    const crashed = /worker crashed \(boom on purpose\)$/;
    assert.deepStrictEqual(
      reports.map((report) => report.notices.length === 1 && crashed.test(report.notices[0])),
      [true, true, false, false],
    );
    assert.deepStrictEqual(
      reports.slice(2).map((report) => report.futures[0]?.name),
      ['a', 'b'],
    );
  });
});

describe('cli: --jobs', () => {
  it('reads --jobs N and -j N, and leaves the default to the pool when absent', () => {
    assert.strictEqual((args.parseCliArgs(['--jobs', '3']) as { jobs?: number }).jobs, 3);
    assert.strictEqual((args.parseCliArgs(['-j', '1', 'src']) as { jobs?: number }).jobs, 1);
    assert.strictEqual('jobs' in args.parseCliArgs(['src']), false);
  });

  it('rejects anything but a positive whole number', () => {
    for (const value of ['0', '-1', 'two', '1.5', '']) {
      assert.throws(
        () => args.parseCliArgs(['--jobs', value]),
        { name: 'UsageError' },
        `--jobs ${JSON.stringify(value)}`,
      );
    }
  });

  it('is documented in --help', () => {
    assert.match(args.USAGE, /^ {2}-j, --jobs N /m);
  });
});
