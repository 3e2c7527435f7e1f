import * as assert from 'assert';
import { fixture, LspSession, positionOf } from './support/lspSession';

describe('server', () => {
  let lsp: LspSession;
  before(() => {
    lsp = new LspSession();
    // Every hint: the broken file's one future is 1 B.
    lsp.settings = { inlayHints: { showAll: true } };
  });
  after(() => lsp.dispose());

  it('announces incremental sync, hints, hovers and code actions', async () => {
    const result = await lsp.initialize();
    assert.deepStrictEqual(result.capabilities, {
      textDocumentSync: { openClose: true, change: 2, save: { includeText: false } },
      inlayHintProvider: { resolveProvider: true },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite'] },
      executeCommandProvider: { commands: ['rustFutureSize.measureExactSizes'] },
    });
    assert.strictEqual(result.serverInfo?.name, 'rust-future-size');
  });

  it('survives broken Rust, binary data, a huge file and an empty file', async () => {
    const base = fixture('guard.rs').uri;
    const broken = fixture('broken.rs');
    await lsp.open(broken.uri, broken.text);
    assert.deepStrictEqual(await lsp.waitForDiagnostics(broken.uri), []);
    const brokenHints = ((await lsp.inlayHints(broken.uri)) ?? []).map((h) =>
      typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''),
    );
    assert.deepStrictEqual(
      brokenHints,
      ['future 1 B'],
      'the function with syntax errors is skipped, the other one shown',
    );

    const binary = base.replace('guard.rs', 'binary.rs');
    await lsp.open(binary, 'async fn a() {}\u0000\u0001\u0002\uFFFD');
    assert.deepStrictEqual(await lsp.waitForDiagnostics(binary), []);
    assert.deepStrictEqual(await lsp.inlayHints(binary), []);

    const huge = base.replace('guard.rs', 'huge.rs');
    const line = 'pub async fn f() { let buf = [0u8; 4096]; g().await; buf.len(); }\n';
    await lsp.open(huge, line.repeat(Math.ceil((6 * 1024 * 1024) / line.length)));
    assert.deepStrictEqual(await lsp.waitForDiagnostics(huge, undefined, 20_000), []);
    assert.deepStrictEqual(await lsp.inlayHints(huge), []);

    const empty = base.replace('guard.rs', 'empty.rs');
    await lsp.open(empty, '');
    assert.deepStrictEqual(await lsp.waitForDiagnostics(empty), []);
    assert.deepStrictEqual(await lsp.hover(empty, 0, 0), null);

    // Still serving.
    const f = fixture('guard.rs');
    await lsp.open(f.uri, f.text);
    assert.strictEqual((await lsp.waitForDiagnostics(f.uri)).length, 1);
    assert.ok(
      lsp.logs.some((l) => l.includes('skipped: binary file')),
      lsp.logs.join('\n'),
    );
    assert.ok(
      lsp.logs.some((l) => l.includes('larger than 5 MB')),
      lsp.logs.join('\n'),
    );
    assert.strictEqual(lsp.process.exitCode, null);
  });
});

describe('server: requests about documents', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('answers for documents it does not have with nothing', async () => {
    const uri = fixture('guard.rs').uri.replace('guard.rs', 'never-opened.rs');
    assert.deepStrictEqual(await lsp.inlayHints(uri), []);
    assert.strictEqual(await lsp.hover(uri, 0, 0), null);
    assert.deepStrictEqual(
      await lsp.codeActions(uri, {
        start: { line: 0, character: 0 },
        end: { line: 0, character: 0 },
      }),
      [],
    );
  });

  it('serves the layout of the future at a position (Show Future Layout)', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    const inside = positionOf(f.text, 'total += n');
    const result = await lsp.connection.sendRequest<{ name: string; text: string } | null>(
      'rustFutureSize/futureLayout',
      {
        textDocument: { uri: f.uri },
        position: inside,
      },
    );
    assert.ok(result);
    assert.strictEqual(result.name, 'copy');
    const lines = result.text.split('\n');
    assert.strictEqual(lines[0], '// Future layout of async fn `copy`');
    assert.ok(lines.includes('future copy  size 16456 B  align 8'), result.text);
    assert.ok(lines.includes('prefix  size 16424  (stored in every state)'), result.text);
    assert.ok(
      lines.some((l) =>
        /^ {2}offset {5}8 {2}size {6}8 {2}arg {5}conn +&mut Conn {2}line 13 at Suspend0, Suspend1$/.test(
          l,
        ),
      ),
      result.text,
    );
    assert.ok(
      lines.some((l) =>
        /^ {2}offset {5}0 {2}size {6}8 {2}upvar {3}conn +&mut Conn {2}line 13$/.test(l),
      ),
      result.text,
    );
    assert.ok(
      lines.some((l) =>
        /^ {2}offset +\d+ {2}size +16384 {2}local {3}buf +\[u8; 16384\] {2}line 14 at Suspend0, Suspend1$/.test(
          l,
        ),
      ),
      result.text,
    );
    assert.ok(
      lines.some((l) => /^variant Suspend1 {2}await #1 at line 21 {2}ends at 16456$/.test(l)),
      result.text,
    );
    assert.ok(!result.text.includes('note:'), "the offsets are the analysis's own: no other total");
    const outside = positionOf(f.text, 'pub struct Conn');
    assert.strictEqual(
      await lsp.connection.sendRequest('rustFutureSize/futureLayout', {
        textDocument: { uri: f.uri },
        position: outside,
      }),
      null,
    );
  });
});
