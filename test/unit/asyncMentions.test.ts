/**
 * Discovery asks where `async` is written from one scan of the file's text (`AsyncMentions`)
 * instead of reading each body's and item's text, and lists an item list's items that mention it
 * without reading every child (`compiledItemsMentioningAsync`). Both must answer what the reads
 * they replace answered, on real code and on random files and edits, and an analysis kept across
 * edits must equal a fresh one.
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
const cfg =
  loadServerModule<typeof import('../../server/src/analysis/syntax/cfg')>('analysis/syntax/cfg');
const candidates = loadServerModule<
  typeof import('../../server/src/analysis/syntax/asyncCandidates')
>('analysis/syntax/asyncCandidates');
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const REGISTRY = process.env.RUST_FUTURE_SIZE_REGISTRY ?? '/usr/share/cargo/registry';
/** A build where `unix` is off: the gates of the files below then leave items out. */
const WINDOWS = {
  ...cfg.HOST_CFG,
  names: new Set(['windows', 'debug_assertions']),
  values: new Map([...cfg.HOST_CFG.values, ['target_family', new Set(['windows'])]]),
};

const places = (nodes: SyntaxNode[]) =>
  nodes.map((n) => `${n.type}@${n.startIndex}-${n.endIndex}`).join(' ');

/** What discovery's item loop keeps of a list: items other than fns and attributes, with async. */
const searched = (nodes: SyntaxNode[]) =>
  nodes.filter(
    (n) => n.type !== 'function_item' && n.type !== 'attribute_item' && n.text.includes('async'),
  );

function everyMention(text: string, offset: number): number[] {
  const found: number[] = [];
  for (let i = text.indexOf('async'); i >= 0; i = text.indexOf('async', i + 1)) {
    found.push(offset + i);
  }
  return found;
}

/** Checks both helpers on every node of one parse of `text`; returns the item lists compared. */
function checkFile(text: string, label: string): number {
  const tree = parser.parseRust(text, 10_000);
  let lists = 0;
  try {
    const mentions = new candidates.AsyncMentions(tree.rootNode);
    const nodes = [
      tree.rootNode,
      ...tree.rootNode.descendantsOfType([
        'block',
        'declaration_list',
        'function_item',
        'impl_item',
        'mod_item',
        'const_item',
        'static_item',
        'macro_invocation',
        'line_comment',
        'attribute_item',
      ]),
    ].filter((n): n is SyntaxNode => n !== null);
    for (const node of nodes) {
      const where = `${label} ${node.type}@${node.startIndex}`;
      assert.strictEqual(mentions.in(node), node.text.includes('async'), where);
      assert.deepStrictEqual(
        mentions.within(node),
        everyMention(node.text, node.startIndex),
        where,
      );
      if (node.type !== 'source_file' && node.type !== 'declaration_list') {
        continue;
      }
      for (const env of [cfg.HOST_CFG, WINDOWS]) {
        cfg.withCfg(env, () => {
          const listed = candidates.compiledItemsMentioningAsync(node, mentions);
          if (listed) {
            assert.strictEqual(
              places(searched(listed)),
              places(searched(cfg.compiledIn(node.namedChildren))),
              where,
            );
            lists++;
          }
        });
      }
    }
  } finally {
    tree.delete();
  }
  return lists;
}

/** A comment may sit between `#` and `!`. */
const INNER_ATTRIBUTES = [
  '',
  '#![cfg(windows)]\n',
  '#![allow(dead_code)]\n',
  '# /* c */ ![cfg(windows)]\n',
];

/** Random Rust-like files: fns, impls, mods, gated items, inner attributes, `async` in comments. */
function randomFile(next: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[next() % xs.length];
  const gates = ['', '#[cfg(unix)]\n', '#[cfg(windows)]\n', '#[cfg(any())]\n', '// async note\n'];
  const items = [
    () => `async fn f${next() % 50}() { let b = async { 1 }; b.await; }\n`,
    () => `fn g${next() % 50}() -> impl Fn() { || {} }\n`,
    () => `const C${next() % 50}: () = { let _ = async {}; };\n`,
    () => `static S${next() % 50}: u8 = 0; // async in a comment\n`,
    () => `/// An async example:\n/// async fn doc() {}\nstruct T${next() % 50};\n`,
    () => `impl T { ${pick(gates)}async fn m${next() % 50}(&self) {} fn n() {} }\n`,
    () =>
      `mod m${next() % 50} { ${pick(INNER_ATTRIBUTES)}` +
      `${pick(gates)}const K: () = { let _ = async move {}; }; }\n`,
    () => `cfg_io! { ${pick(gates)}async fn q${next() % 50}() {} }\n`,
  ];
  let text = '';
  const count = 3 + (next() % 8);
  for (let i = 0; i < count; i++) {
    text += pick(gates) + pick(items)();
  }
  return text;
}

/** The futures a fresh analysis must also find (a cache may keep futures a parse error hides). */
const comparable = (report: FileReport) => JSON.stringify(report.futures.filter((f) => !f.kept));

describe('async mentions', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('answers what reading each node text answered, on the fixtures and tokio', function () {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'engine');
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.rs'))
      .map((f) => path.join(dir, f));
    const tokio = path.join(REGISTRY, 'tokio-1.24.2', 'src');
    if (fs.existsSync(tokio)) {
      for (const f of fs.readdirSync(tokio, { recursive: true }) as string[]) {
        if (f.endsWith('.rs') && /^(net|io|sync|fs)\b/.test(f)) {
          files.push(path.join(tokio, f));
        }
      }
    }
    let lists = 0;
    for (const file of files) {
      lists += checkFile(fs.readFileSync(file, 'utf8'), path.basename(file));
    }
    assert.ok(lists > 100, `only ${lists} item lists compared`);
  });

  it('answers the same on random files with gates, inner attributes and comments', () => {
    let seed = 17;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let lists = 0;
    for (let i = 0; i < 150; i++) {
      lists += checkFile(randomFile(next), `random file ${i}`);
    }
    assert.ok(lists > 150, `only ${lists} item lists compared`);
  });

  it('keeps analyses equal to fresh ones through edits inside and across fns', () => {
    let seed = 29;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const typed = ['x', ';', '{', '}', ' ', '\n', 'async ', '#', '!', '[', 'async {', '//'];
    for (let file = 0; file < 12; file++) {
      let text = randomFile(next);
      const cache = new engine.WalkCache();
      for (const env of [undefined, WINDOWS]) {
        for (let edit = 0; edit < 25; edit++) {
          const at = next() % (text.length + 1);
          text =
            next() % 3 === 0
              ? text.slice(0, at) + text.slice(at + 1 + (next() % 6))
              : text.slice(0, at) + typed[next() % typed.length] + text.slice(at);
          const options = { file: 'random.rs', edition: '2021' as const, cfg: env };
          const cached = engine.analyzeSource(text, { ...options, walkCache: cache });
          cache.sweep();
          const fresh = engine.analyzeSource(text, options);
          assert.strictEqual(comparable(cached), comparable(fresh), `file ${file} edit ${edit}`);
          assert.deepStrictEqual(
            cached.notices.filter((n) => !/kept from the last analysis/.test(n)),
            fresh.notices,
          );
        }
      }
      cache.dispose();
    }
  });
});
