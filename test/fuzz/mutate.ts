/**
 * Mutations of real Rust files, the kinds of damage an editor sees while someone types and the
 * kinds of hostile input a workspace can hold: deleted and duplicated spans, stray tokens, deep
 * nesting, huge array lengths. Deterministic for a seed, so every failure can be replayed.
 */

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same mutations everywhere. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
const between = (random: Random, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

/** Tokens that change what the analysis sees: awaits, scopes, bindings, macros, literals that never end. */
const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '.await',
  'async ',
  'async move ',
  'move ',
  'let x = ',
  'let mut ',
  '&',
  '&mut ',
  '*',
  '?',
  '=>',
  '::',
  '<',
  '>',
  "'a ",
  '"',
  'r#"',
  '/*',
  '*/',
  '//',
  '#[cfg(test)]',
  '#[path = "x.rs"] mod x;',
  'vec![',
  'select! {',
  'join!(',
  'drop(x);',
  'Box::pin(',
  'loop {',
  'match x {',
  'if let Some(v) = x {',
  '[u8; 1 << 40]',
  '[u8; 1 - 2]',
  '[[u8; 1 << 40]; 1 << 40]',
  'u128',
  'std::sync::Mutex<u8>',
  '.lock().unwrap()',
  'tokio::time::sleep(d).await;',
  'struct S<T>(T, Option<S<(T, T)>>);',
  '\u0000',
  '\u00e9',
  '\r',
];

/** Wraps the text between two offsets in `depth` levels of the same opener and closer. */
function nest(text: string, random: Random, depth: number): string {
  const [open, close] = pick(random, [
    ['async { ', ' }'],
    ['vec![', ']'],
    ['(', ')'],
    ['{ ', ' }'],
    ['Vec<', '>'],
    ['Box::pin(async move { ', '.await })'],
  ] as const);
  const at = between(random, 0, text.length);
  const end = Math.min(text.length, at + between(random, 0, 40));
  return (
    text.slice(0, at) +
    open.repeat(depth) +
    text.slice(at, end) +
    close.repeat(depth) +
    text.slice(end)
  );
}

type Mutation = (text: string, random: Random) => string;

const MUTATIONS: readonly Mutation[] = [
  (text, random) => {
    const at = between(random, 0, text.length);
    return text.slice(0, at) + text.slice(at + between(random, 1, 60));
  },
  (text, random) => {
    const at = between(random, 0, text.length);
    const span = text.slice(at, at + between(random, 1, 400));
    return text.slice(0, at) + span + span + text.slice(at + span.length);
  },
  (text, random) => {
    const at = between(random, 0, text.length);
    return text.slice(0, at) + pick(random, TOKENS) + text.slice(at);
  },
  (text, random) => {
    const lines = text.split('\n');
    const a = between(random, 0, lines.length - 1);
    const b = between(random, 0, lines.length - 1);
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    return lines.join('\n');
  },
  (text, random) => text.slice(0, between(random, 0, text.length)),
  (text, random) => nest(text, random, between(random, 2, random() < 0.1 ? 400 : 40)),
  (text, random) => {
    // Bytes of a binary file where a source file was expected.
    const at = between(random, 0, text.length);
    let noise = '';
    for (let i = between(random, 1, 200); i > 0; i--)
      noise += String.fromCharCode(between(random, 0, 255));
    return text.slice(0, at) + noise + text.slice(at);
  },
];

/** One to four mutations of `text`, chosen by `random`. */
export function mutate(text: string, random: Random): string {
  let out = text;
  for (let i = between(random, 1, 4); i > 0; i--) {
    out = pick(random, MUTATIONS)(out, random);
  }
  return out;
}
