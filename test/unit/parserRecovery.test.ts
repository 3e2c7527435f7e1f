/**
 * After the parser's WebAssembly runtime fails (an `Aborted()` or a trap), it may be unusable: the
 * next file must still be analysed, on a new runtime, in the CLI (in this thread and on its
 * workers) and in the server's syntax trees. The failure is real (tree-sitter reads past the end of
 * its memory, `failRuntimeForTests`); it is made to happen while the deep file is analysed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const cli =
  loadServerModule<typeof import('../../server/src/cli/analyzeFiles')>('cli/analyzeFiles');
const trees =
  loadServerModule<typeof import('../../server/src/lsp/syntaxTrees')>('lsp/syntaxTrees');

const repoRoot = findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'package.json')))!;
const serverOut = path.join(repoRoot, 'server', 'out');

const DEEP = `async fn tick() {}\npub async fn f() { let v = ${'vec!['.repeat(10_000)}1${']'.repeat(10_000)}; tick().await; drop(v); }\n`;
const NORMAL =
  'async fn tick() {}\npub async fn g(b: [u8; 64]) { tick().await; drop(b); }\n' +
  'pub async fn h() { let s = [0u16; 9]; tick().await; drop(s); }\n';

/**
 * Code that makes the runtime fail while a file with nested `vec![` is analysed, as the runtime
 * aborted there before macro inputs were read only 16 levels in.
 */
const FAIL_ON_DEEP = (out: string) => `
const engine = require(${JSON.stringify(path.join(out, 'analysis', 'engine.js'))});
const parser = require(${JSON.stringify(path.join(out, 'analysis', 'syntax', 'parser.js'))});
const analyzeSource = engine.analyzeSource;
engine.analyzeSource = (text, options) => {
  const report = analyzeSource(text, options);
  if (text.includes('vec![vec![')) {
    parser.failRuntimeForTests();
    throw new Error('Aborted(OOM)');
  }
  return report;
};
`;

describe('the parser after its runtime failed', () => {
  let root: string;
  before(async () => {
    await engine.initAnalysis();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-parser-recovery-'));
    fs.writeFileSync(path.join(root, 'b.rs'), DEEP);
    fs.writeFileSync(path.join(root, 'c.rs'), NORMAL);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('refuses to parse on the failed runtime, and parses again on a new one', async () => {
    const before = parser.parserGeneration();
    parser.failRuntimeForTests();
    assert.throws(() => parser.parseRust('async fn a() {}'), parser.ParserAborted);
    await parser.initParser();
    assert.strictEqual(parser.parserGeneration(), before + 1);
    const tree = parser.parseRust('async fn a() {}');
    assert.strictEqual(tree.rootNode.namedChildren[0]?.type, 'function_item');
    tree.delete();
  });

  const names = (reports: { futures: { name: string }[] }[]) =>
    reports.map((r) => r.futures.map((f) => f.name));

  it('analyses the next file in the CLI, in this thread', async () => {
    const expected = await cli.analyzeFiles([path.join(root, 'c.rs')], { jobs: 1, cwd: root });
    const real = engine.analyzeSource;
    const script = path.join(root, 'failInThisThread.js');
    fs.writeFileSync(script, FAIL_ON_DEEP(serverOut));
    require(script);
    try {
      const reports = await cli.analyzeFiles([path.join(root, 'b.rs'), path.join(root, 'c.rs')], {
        jobs: 1,
        cwd: root,
        singleFile: true,
      });
      assert.match(reports[0].notices.join('\n'), /b\.rs: analysis failed: Aborted/);
      assert.deepStrictEqual(names(reports.slice(1)), names(expected));
      assert.deepStrictEqual(reports[1].notices, []);
      assert.deepStrictEqual(names(expected), [['tick', 'g', 'h']]);
    } finally {
      (engine as { analyzeSource: typeof real }).analyzeSource = real;
    }
  });

  it('analyses the next file in the CLI, on worker threads', async () => {
    const worker = path.join(root, 'failingWorker.js');
    // Each worker's runtime fails once it is loaded, before its first job, and again on b.rs.
    fs.writeFileSync(
      worker,
      `${FAIL_ON_DEEP(serverOut)}\n` +
        'engine.initAnalysis().then(() => parser.failRuntimeForTests());\n' +
        `require(${JSON.stringify(path.join(serverOut, 'cli', 'worker.js'))});\n`,
    );
    const paths = ['b.rs', 'c.rs', 'b.rs', 'c.rs'].map((name) => path.join(root, name));
    const reports = await cli.analyzeFiles(paths, {
      jobs: 2,
      cwd: root,
      singleFile: true,
      workerScript: worker,
    });
    for (const report of reports.filter((r) => r.file.endsWith('b.rs'))) {
      assert.match(report.notices.join('\n'), /b\.rs: analysis failed: Aborted/);
    }
    const normal = reports.filter((r) => r.file.endsWith('c.rs'));
    assert.deepStrictEqual(names(normal), [
      ['tick', 'g', 'h'],
      ['tick', 'g', 'h'],
    ]);
  });

  it('drops the server trees of the failed runtime and parses the next change afresh', async () => {
    await parser.initParser();
    const store = new trees.SyntaxTrees();
    let document = TextDocument.create('file:///t.rs', 'rust', 1, NORMAL);
    store.treeFor(document, 2000);
    parser.failRuntimeForTests();
    await parser.initParser();
    const change = {
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      text: '// moved\n',
    };
    store.recordChanges(document, [change]);
    document = TextDocument.update(document, [change], 2);
    const tree = store.treeFor(document, 2000);
    const fresh = parser.parseRust(document.getText());
    assert.strictEqual(tree.rootNode.toString(), fresh.rootNode.toString());
    assert.strictEqual(tree.rootNode.child(1)?.startPosition.row, 1);
    fresh.delete();
    store.forget(document.uri);
  });
});
