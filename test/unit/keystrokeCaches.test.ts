/**
 * What a keystroke skips must not change an answer: discovery's search from each `async` written
 * finds what a search of every node finds, and the macro trees a document keeps between analyses
 * give the reports a fresh analysis gives.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import type { SyntaxNode } from '../../server/src/analysis/syntax/parser';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const candidates = loadServerModule<
  typeof import('../../server/src/analysis/syntax/asyncCandidates')
>('analysis/syntax/asyncCandidates');
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const KINDS = ['async_block', 'closure_expression', 'macro_invocation'];

/** Kind and place of each node, to compare two lists of nodes of one tree. */
const places = (nodes: SyntaxNode[]) =>
  nodes.map((n) => `${n.type}@${n.startIndex}-${n.endIndex}`).join(' ');

/** The futures a fresh analysis must also find (a cache may keep futures a parse error hides). */
function comparable(report: FileReport): string {
  return JSON.stringify(report.futures.filter((f) => !f.kept));
}

/** A tokio-like file: async fns, blocks and closures inside item-level macros, in impls and out. */
const MACRO_FILE = `
use std::sync::Arc;
struct Pipe { buf: Vec<u8> }
async fn tick() {}
cfg_io_util! {
    /// Reads. An async fn in a macro:
    pub async fn read_all(pipe: Arc<Pipe>) -> usize {
        let copy = [0u8; 64];
        tick().await;
        copy.len() + pipe.buf.len()
    }
}
impl Pipe {
    /// \`async\` in a doc comment.
    pub async fn ready(&self) -> usize {
        let held = [1u8; 32];
        tick().await;
        held.len()
    }
    cfg_io_util! {
        /// # async fn main() {
        pub async fn fill(&mut self) {
            let block = async { let big = [0u8; 128]; tick().await; big.len() };
            let n = block.await;
            let closure = async move || { tick().await; };
            self.buf.push(n as u8);
        }
    }
}
`;

describe('keystroke caches', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('finds the blocks, closures and macros a search of every node finds, in order', () => {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'engine');
    const texts = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.rs'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    // Real code too, where the registry has it: tokio's sync module nests blocks in macros.
    const tokioSync = path.join(
      process.env.RUST_FUTURE_SIZE_REGISTRY ?? '/usr/share/cargo/registry',
      'tokio-1.24.2',
      'src',
      'sync',
    );
    if (fs.existsSync(tokioSync)) {
      for (const f of fs.readdirSync(tokioSync, { recursive: true }) as string[]) {
        if (f.endsWith('.rs')) {
          texts.push(fs.readFileSync(path.join(tokioSync, f), 'utf8'));
        }
      }
    }
    let compared = 0;
    for (const text of [...texts, MACRO_FILE]) {
      const tree = parser.parseRust(text, 10_000);
      try {
        const containers = tree.rootNode.descendantsOfType([
          'block',
          'const_item',
          'static_item',
          'macro_invocation',
        ]);
        for (const container of containers) {
          if (!container || !container.text.includes('async')) {
            continue;
          }
          const everyNode = container
            .descendantsOfType(KINDS)
            .filter((n): n is SyntaxNode => !!n && n.text.includes('async'));
          assert.strictEqual(
            places(candidates.nodesMentioningAsync(container, KINDS)),
            places(everyNode),
            container.text.slice(0, 80),
          );
          compared++;
        }
      } finally {
        tree.delete();
      }
    }
    assert.ok(compared > 25, `only ${compared} containers compared`);
  });

  it('equals a fresh analysis while typing around item-level macros, frees their trees', () => {
    let text = MACRO_FILE;
    const cache = new engine.WalkCache();
    const analyse = () =>
      engine.analyzeSource(text, { file: 'pipe.rs', edition: '2021', walkCache: cache });
    assert.ok(analyse().futures.length >= 4, 'the fixture has futures');
    cache.sweep();
    assert.ok(cache.macroItemTrees.size >= 2, 'the macro trees are kept');
    let seed = 5;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const typed = 'x;{}( \n';
    for (let i = 0; i < 60; i++) {
      const at = next() % text.length;
      text =
        next() % 3 === 0
          ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + typed[next() % typed.length] + text.slice(at);
      const cached = analyse();
      cache.sweep();
      const fresh = engine.analyzeSource(text, { file: 'pipe.rs', edition: '2021' });
      assert.strictEqual(comparable(cached), comparable(fresh), `edit ${i} at ${at}`);
    }
    // Each version's macro input is kept a few analyses at most.
    assert.ok(cache.macroItemTrees.size <= 2 * (engine.WalkCache.keepFor + 1));
    cache.dispose();
    assert.strictEqual(cache.macroItemTrees.size, 0);
  });
});
