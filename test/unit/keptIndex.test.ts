/**
 * A keystroke inside one fn body or one line comment keeps the file's item index from the last
 * analysis (`keptIndex.ts`): typed as the server types (its syntax trees, re-parsed
 * incrementally, and a walk cache), every analysis must equal a fresh one, whether the edits stay
 * inside bodies and comments, cross from one fn to another, or change items.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const trees =
  loadServerModule<typeof import('../../server/src/lsp/syntaxTrees')>('lsp/syntaxTrees');
const keptIndex = loadServerModule<
  typeof import('../../server/src/analysis/incremental/keptIndex')
>('analysis/incremental/keptIndex');
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const NAMED_PIPE = path.join(
  process.env.RUST_FUTURE_SIZE_REGISTRY ?? '/usr/share/cargo/registry',
  'tokio-1.24.2/src/net/windows/named_pipe.rs',
);

/** The futures a fresh analysis must also find (a cache may keep futures a parse error hides). */
function comparable(report: FileReport): string {
  return JSON.stringify(report.futures.filter((f) => !f.kept));
}

/** Item macros in impls and out, doc comments in them, nested fns and blocks. */
const MACRO_FILE = `
use std::sync::Arc;
struct Pipe { buf: Vec<u8> }
async fn tick() {}
cfg_io_util! {
    /// Reads. An async fn in a macro:
    pub async fn read_all(pipe: Arc<Pipe>) -> usize {
        let copy = [0u8; 64]; // a comment in a macro's fn
        tick().await;
        copy.len() + pipe.buf.len()
    }
}
impl Pipe {
    /// \`async\` in a doc comment.
    pub async fn ready(&self) -> usize {
        let held = [1u8; 32]; // held
        tick().await;
        held.len()
    }
    cfg_io_util! {
        /// # async fn main() {
        pub async fn fill(&mut self) {
            let block = async { let big = [0u8; 128]; tick().await; big.len() };
            let n = block.await;
            self.buf.push(n as u8);
        }
    }
    // between fns
    async fn caller(&self) -> usize {
        let keep = [2u8; 16];
        let n = self.ready().await;
        keep.len() + n
    }
}
async fn outer() {
    fn inner() -> u8 { 1 }
    let x = [0u8; 8];
    tick().await;
    let _ = (x, inner());
}
`;

type Change = { range: { start: Pos; end: Pos }; text: string };
type Pos = { line: number; character: number };

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
      const change: Change = {
        range: { start: document.positionAt(at), end: document.positionAt(at + deleted) },
        text: typed,
      };
      store.recordChanges(document, [change]);
      document = TextDocument.update(document, [change], document.version + 1);
      const cached = analyse();
      const fresh = engine.analyzeSource(document.getText(), { file: name, edition: '2021' });
      const message = `${name}: edit ${i} at ${at}`;
      assert.strictEqual(comparable(cached), comparable(fresh), message);
    }
  } finally {
    store.forget(document.uri);
    cache.dispose();
  }
}

function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
}

/** Places just inside fn bodies (after a line ending in `{`) and at the ends of comment lines. */
function typingPlaces(text: string): number[] {
  const places: number[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    if (/\{\s*$/.test(line) || /\/\/.*$/.test(line)) {
      places.push(at + line.length);
    }
    at += line.length + 1;
  }
  return places;
}

describe('kept item index', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  const inputs = (): [string, string][] => {
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
      generateRust(fns: number, seed: number): { text: string };
    };
    const all: [string, string][] = [
      ['macros.rs', MACRO_FILE],
      ['generated.rs', generate.generateRust(30, 5).text],
    ];
    if (fs.existsSync(NAMED_PIPE)) {
      all.push(['named_pipe.rs', fs.readFileSync(NAMED_PIPE, 'utf8')]);
    }
    return all;
  };

  it('equals a fresh analysis typing in bodies and comments, and keeps the index', function () {
    this.timeout(300_000);
    const before = keptIndex.keptIndexCounts.reused;
    for (const [name, text] of inputs()) {
      const next = random(name.length);
      const typed = 'let x = a.b() + 1; // async fn';
      let place = 0;
      let offset = 0;
      typeAndCompare(
        name,
        text,
        (current, i) => {
          // Runs of keys at one place, as typing goes; then another place.
          if (i % 12 === 0) {
            const places = typingPlaces(current);
            place = places[next() % places.length];
            offset = 0;
          }
          if (next() % 5 === 0 && offset > 0) {
            offset--;
            return [place + offset, 1, ''];
          }
          return [place + offset, 0, typed[offset++ % typed.length]];
        },
        name === 'named_pipe.rs' ? 36 : 72,
      );
    }
    assert.ok(keptIndex.keptIndexCounts.reused - before > 60, 'the index was never kept');
  });

  it('reads the items typed into a body or out of a comment, key by key', function () {
    this.timeout(300_000);
    const typedItems = [
      // A nested async fn is a future of its own; the struct and use change what names mean.
      'async fn nested() { let b = [1u8; 64]; tick().await; b.len(); }',
      'struct Pipe { big: [u8; 256] } use std::sync::Arc as Pipe;',
    ];
    for (const typed of typedItems) {
      const anchors = [
        'let keep = [2u8; 16];',
        // In a body with a nested fn: the index is read afresh for each key.
        'let x = [0u8; 8];',
        '// between fns',
        '/// Reads. An async fn',
      ];
      for (const anchor of anchors) {
        const place = MACRO_FILE.indexOf(anchor) + anchor.length;
        // Typed in a comment, then out of it: a newline ends the comment.
        const keys = anchor.startsWith('/') ? ['\n', ...typed] : [...typed];
        typeAndCompare(
          'macros.rs',
          MACRO_FILE,
          (_current, i) => [place + i, 0, keys[i]],
          keys.length,
        );
      }
    }
  });

  it('equals a fresh analysis after random edits that cross fns and change items', function () {
    this.timeout(300_000);
    for (const [name, text] of inputs()) {
      const next = random(7 + name.length);
      // Items typed into a body change the index: a nested async fn is a future of its own.
      const pieces = [
        'x',
        ';',
        '{',
        '}',
        '(',
        ' ',
        '\n',
        '/',
        '//',
        '"',
        'fn f() {}',
        'struct S;',
        'use a::B;',
        'async {',
        'm! {',
        '/*',
        '*/',
        "'",
        '#[cfg(x)]',
        'async fn nested() { let b = [1u8; 64]; tick().await; b.len(); }',
      ];
      typeAndCompare(
        name,
        text,
        (current) => {
          const places = typingPlaces(current);
          // Half the edits where typing usually goes, half anywhere.
          const at = next() % 2 === 0 ? places[next() % places.length] : next() % current.length;
          const deleted = next() % 4 === 0 ? Math.min(1 + (next() % 6), current.length - at) : 0;
          return [at, deleted, pieces[next() % pieces.length]];
        },
        name === 'named_pipe.rs' ? 25 : 60,
      );
    }
  });
});

/** Fns with blocks, closures and macros to type around, one a caller follows (`-> impl Future`). */
const NESTED_FILE = `
use std::future::Future;
async fn tick() {}
fn follow() -> impl Future<Output = usize> {
    async { let a = [0u8; 10]; tick().await; a.len() }
}
async fn caller() -> usize {
    let keep = [1u8; 24];
    let n = follow().await;
    keep.len() + n
}
async fn blocks() {
    let first = async move { let b = [0u8; 40]; tick().await; b.len() };
    let run = |x: usize| async move { let c = [0u8; 48]; tick().await; c.len() + x };
    let v = vec![async { tick().await }];
    first.await;
    run(1).await;
    drop(v);
}
async fn plain() {
    let p = [2u8; 32];
    tick().await;
    drop(p);
}
`;

describe('kept item index: what discovery and the walk keys keep', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('equals a fresh analysis typing blocks, closures and cfgs into fn after fn', function () {
    this.timeout(300_000);
    const before = { ...keptIndex.keptIndexCounts };
    const next = random(13);
    const pieces = [
      'async { tick().await }; ',
      'let z = |y: u8| async move { y }; ',
      '#[cfg(test)] let q = 1; ',
      'let big = [0u8; 999]; ',
      'm!(async { 1 }); ',
      '"async {"; ',
      '0',
      '}',
      '{',
      '/* ',
    ];
    // Pieces typed key by key after a statement of one fn, then often deleted at once; the
    // next piece goes into another fn (or the same one).
    const anchors = ['let keep = [1u8; 24];', 'let p = [2u8; 32];', 'first.await;', 'a.len()'];
    let keys: [number, number, string][] = [];
    typeAndCompare(
      'nested.rs',
      NESTED_FILE,
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
      160,
    );
    // A caller holds what a followed body's block returns: editing that body changes the
    // caller's walk, though the caller's text and the index's items stay the same.
    const follow = `
use std::future::Future;
async fn tick() {}
fn follow() -> impl Future<Output = impl Sized> {
    async { let a = [0u8; 10]; tick().await; a }
}
async fn caller() {
    let n = follow().await;
    tick().await;
    drop(n);
}
`;
    const size = follow.indexOf('[0u8; 10') + '[0u8; 1'.length;
    typeAndCompare('follow.rs', follow, (_c, i) => [size + i, 0, '0'], 3);
    const tail = follow.indexOf('; a }') + 2;
    typeAndCompare('follow.rs', follow, (_c, i) => [tail + i, 0, '.len()'[i]], 6);
    assert.ok(keptIndex.keptIndexCounts.reused > before.reused + 20, 'the index was never kept');
    assert.ok(
      keptIndex.keptIndexCounts.nestedKept > before.nestedKept + 20,
      'no fn had its blocks found again by place',
    );
  });
});
