import * as assert from 'assert';
import { fixture, LspSession } from './support/lspSession';

/**
 * Inputs that must never stall or crash the server: each is answered within its budget, and the
 * server goes on serving a normal document afterwards.
 */
describe('bad input', function () {
  this.timeout(120_000);
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  const uriFor = (name: string) => fixture('guard.rs').uri.replace('guard.rs', name);

  async function answersQuickly(name: string, text: string, budgetMs: number): Promise<void> {
    const uri = uriFor(name);
    const started = Date.now();
    await lsp.open(uri, text);
    const hints = await lsp.inlayHints(uri);
    const elapsed = Date.now() - started;
    assert.ok(Array.isArray(hints) || hints === null, `${name}: no answer`);
    assert.ok(elapsed < budgetMs, `${name}: answered after ${elapsed} ms`);
    await lsp.close(uri);
  }

  it('a 50 MB file', async () => {
    const line = 'pub async fn f() { let buf = [0u8; 4096]; g().await; buf.len(); }\n';
    await answersQuickly(
      'fifty.rs',
      line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)),
      60_000,
    );
  });

  it('a file of one 1 MB line', async () => {
    await answersQuickly(
      'oneline.rs',
      'async fn f() { let a = 1; ' + 'g(a).await; '.repeat(85_000) + '}',
      30_000,
    );
  });

  it('10,000 levels of nested blocks', async () => {
    await answersQuickly(
      'deep.rs',
      'async fn f() {' + '{'.repeat(10_000) + 'g().await;' + '}'.repeat(10_000) + '}',
      30_000,
    );
  });

  it('random bytes', async () => {
    let seed = 3;
    const bytes = Array.from({ length: 200_000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return String.fromCharCode(1 + (seed % 0x2fff));
    }).join('');
    await answersQuickly('random.rs', bytes, 30_000);
  });

  it('still serves a normal document', async () => {
    const f = fixture('guard.rs');
    await lsp.open(f.uri, f.text);
    assert.strictEqual((await lsp.waitForDiagnostics(f.uri)).length, 1);
    assert.strictEqual(lsp.process.exitCode, null);
  });
});
