import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Diagnostic, Range } from 'vscode-languageserver-protocol/node';
import { delay, fixture, LspSession, until } from './support/lspSession';
import { labelOf } from './support/crates';

/**
 * Incremental equals fresh, on a real crate: a server that saw many typing edits (one change per
 * keystroke, analyses and crate indexes running in between) answers, once idle, exactly what a
 * fresh server answers for the same final texts. tokio from the Debian registry, copied to a temp
 * folder; a fixed seed, so a failure replays. `RUST_FUTURE_SIZE_INCREMENTAL_FUZZ_SECONDS` makes a
 * longer run (default 25 s of typing), `RUST_FUTURE_SIZE_INCREMENTAL_FUZZ_SEED` another one.
 */
const REGISTRY = process.env.RUST_FUTURE_SIZE_REGISTRY ?? '/usr/share/cargo/registry';
const TOKIO = path.join(REGISTRY, 'tokio-1.24.2');
const SECONDS = Number(process.env.RUST_FUTURE_SIZE_INCREMENTAL_FUZZ_SECONDS) || 25;
const SEED = Number(process.env.RUST_FUTURE_SIZE_INCREMENTAL_FUZZ_SEED) || 20261207;
/** Files typed into: the reproducer's, and others whose futures await fns of other files. */
const FILES = [
  'src/sync/rwlock.rs',
  'src/sync/mutex.rs',
  'src/sync/semaphore.rs',
  'src/io/util/async_read_ext.rs',
  'src/fs/file.rs',
  'src/net/tcp/stream.rs',
];

/** mulberry32: small, seedable, good enough to pick edits. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sends one change, as a client that is not quite right would now and then: a version that does
 * not increase (2 %), or a position past the end of its line where the edit is at a line end
 * (the protocol says the line's end is meant). The local copy of the text follows the protocol.
 */
async function send(
  lsp: LspSession,
  uri: string,
  start: number,
  end: number,
  newText: string,
  next: () => number,
): Promise<void> {
  const text = lsp.text(uri);
  const range = rangeOf(text, start, end);
  for (const p of [range.start, range.end]) {
    if ((text[p === range.start ? start : end] ?? '\n') === '\n' && next() < 0.2) {
      p.character += 1 + Math.floor(next() * 5);
    }
  }
  const stale = next() < 0.02;
  const version = lsp.version(uri);
  const sent = await lsp.change(uri, [{ range, text: newText }], {
    text: text.slice(0, start) + newText + text.slice(end),
    version: stale ? version : undefined,
  });
  // The server takes a version that does not increase as the next one.
  const before = serverVersions.get(uri) ?? 1;
  serverVersions.set(uri, sent > before ? sent : before + 1);
}

/** The version the server gives each document. */
const serverVersions = new Map<string, number>();

interface Typed {
  uri: string;
  /** Where the typing started (an offset in the text before it) and what was typed so far. */
  at: number;
  typed: string;
}

/** Line and character of an offset. */
function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

function rangeOf(text: string, start: number, end: number): Range {
  return { start: positionAt(text, start), end: positionAt(text, end) };
}

/**
 * A place to type, just after a newline so typed words end up between tokens: half the time the
 * first line of an async fn's body (where a statement still parses), else anywhere.
 */
function pickOffset(text: string, next: () => number): { at: number; inBody: boolean } {
  const bodies = [...text.matchAll(/^[ \t]*(?:pub(?:\([^)]*\))? )?async fn [^{;]*\{\n/gm)].map(
    (m) => m.index + m[0].length,
  );
  if (bodies.length && next() < 0.5) {
    return { at: bodies[Math.floor(next() * bodies.length)], inBody: true };
  }
  const at = text.indexOf('\n', Math.floor(next() * text.length));
  return { at: at < 0 ? text.length : at + 1, inBody: false };
}

/** Snippets that parse wherever a line starts. */
const ANYWHERE = new Set(['// note\n', '\n', '    ']);
const SNIPPETS = [
  'let buf = [0u8; 64];\n',
  'let x = 1;\n',
  '// note\n',
  '\n',
  'drop(self);\n',
  'if true { return; }\n',
  'let s = String::new();\n',
  '    ',
  'let (a, b) = (1u64, [0u16; 3]);\n',
];

/**
 * Types into the documents: a snippet typed keystroke by keystroke, then (mostly) backspaced or
 * removed by one undo; a few snippets that parse stay. Pauses now and then let the single-file
 * analysis and the crate index run while typing continues.
 */
async function type(
  lsp: LspSession,
  uris: string[],
  next: () => number,
  deadline: number,
): Promise<number> {
  let edits = 0;
  while (Date.now() < deadline) {
    const uri = uris[Math.floor(next() * uris.length)];
    if (next() < 0.05) {
      edits += await multiCursor(lsp, uri, next);
      continue;
    }
    const place = pickOffset(lsp.text(uri), next);
    const typing: Typed = { uri, at: place.at, typed: '' };
    const snippet = SNIPPETS[Math.floor(next() * SNIPPETS.length)];
    // Sometimes only part of it: the file does not parse until it is removed again.
    const length = next() < 0.3 ? Math.ceil(next() * snippet.length) : snippet.length;
    for (const char of snippet.slice(0, length)) {
      const at = typing.at + typing.typed.length;
      await send(lsp, uri, at, at, char, next);
      typing.typed += char;
      edits++;
      await pause(lsp, uri, next);
    }
    const keep =
      length === snippet.length && (place.inBody || ANYWHERE.has(snippet)) && next() < 0.3;
    if (keep) {
      continue;
    }
    if (next() < 0.5) {
      // Undo: the whole snippet goes in one change.
      const end = typing.at + typing.typed.length;
      await send(lsp, uri, typing.at, end, '', next);
      edits++;
      await pause(lsp, uri, next);
    } else {
      while (typing.typed.length) {
        const end = typing.at + typing.typed.length;
        await send(lsp, uri, end - 1, end, '', next);
        typing.typed = typing.typed.slice(0, -1);
        edits++;
        await pause(lsp, uri, next);
      }
    }
  }
  return edits;
}

/**
 * Enter at two cursors at once: one notification with two changes, the second's position in the
 * text the first one made (as the protocol orders them).
 */
async function multiCursor(lsp: LspSession, uri: string, next: () => number): Promise<number> {
  let text = lsp.text(uri);
  const changes: { range: Range; text: string }[] = [];
  for (let i = 0; i < 2; i++) {
    const { at } = pickOffset(text, next);
    changes.push({ range: rangeOf(text, at, at), text: '\n' });
    text = text.slice(0, at) + '\n' + text.slice(at);
  }
  await lsp.change(uri, changes);
  const before = serverVersions.get(uri) ?? 1;
  serverVersions.set(uri, before + 1);
  await pause(lsp, uri, next);
  return 1;
}

/** Keystrokes come fast; now and then a pause as long as the analysis or the index debounce. */
async function pause(lsp: LspSession, uri: string, next: () => number): Promise<void> {
  const roll = next();
  if (roll < 0.6) {
    return;
  }
  if (roll < 0.8) {
    // The editor asks for hints while typing.
    await lsp.inlayHints(uri);
  } else if (roll < 0.97) {
    await delay(Math.floor(next() * 60));
  } else {
    await delay(150 + Math.floor(next() * 800));
    await lsp.inlayHints(uri);
  }
}

const NO_DIAGNOSTICS = '(none for the current version)';

type Answers = Record<string, { hints: string[]; diagnostics: string[] }>;

async function answersOf(lsp: LspSession, uris: string[]): Promise<Answers> {
  const out: Answers = {};
  for (const uri of uris) {
    const hints = ((await lsp.inlayHints(uri)) ?? []).map(
      (h) => `${h.position.line}:${h.position.character} ${labelOf(h)}`,
    );
    const published = lsp.diagnostics.get(uri);
    const diagnostics =
      published && published.version === (serverVersions.get(uri) ?? lsp.version(uri))
        ? published.diagnostics.map(describeDiagnostic)
        : [NO_DIAGNOSTICS];
    out[path.basename(uri)] = { hints, diagnostics };
  }
  return out;
}

function describeDiagnostic(d: Diagnostic): string {
  const { start, end } = d.range;
  return `${start.line}:${start.character}-${end.line}:${end.character} ${d.message}`;
}

/**
 * The answers once the server is idle: after the crate index logged an analysis that started after
 * the last edit (or, when the last texts are ones it analysed before, once it had time to say so),
 * the same in two looks 1.5 s apart, with diagnostics published for every current version.
 */
async function settled(lsp: LspSession, uris: string[], logsBefore: number): Promise<Answers> {
  const indexed = () =>
    lsp.logs.slice(logsBefore).some((l) => /\[crate\] (re-)?indexed /.test(l)) || undefined;
  await until('the crate index', indexed, 30_000).catch(() => undefined);
  let last = '';
  const deadline = Date.now() + 60_000;
  for (;;) {
    await delay(1500);
    const now = await answersOf(lsp, uris);
    const json = JSON.stringify(now);
    if ((json === last && !json.includes(NO_DIAGNOSTICS)) || Date.now() > deadline) {
      return now;
    }
    last = json;
  }
}

describe('incremental edits on a real crate', function () {
  this.timeout((SECONDS + 240) * 1000);
  let base: string;
  let root: string;

  before(function () {
    if (!fs.existsSync(TOKIO)) {
      this.skip();
    }
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-incremental-'));
    root = path.join(base, 'tokio');
    // Debian's packaging folder is left out; the registry's own path may contain `debian` (CI's does).
    fs.cpSync(TOKIO, root, {
      recursive: true,
      filter: (p) => !path.relative(TOKIO, p).split(path.sep).includes('debian'),
    });
  });
  after(() => base && fs.rmSync(base, { recursive: true, force: true }));

  it('answers, once idle after random typing, what a fresh server answers for the final texts', async () => {
    const uris = FILES.map((f) => pathToFileURL(path.join(root, f)).toString());
    const typed = new LspSession();
    let finals: string[];
    let incremental: Answers;
    let edits: number;
    try {
      await typed.initialize(undefined, undefined, root);
      for (const [i, uri] of uris.entries()) {
        await typed.open(uri, fs.readFileSync(path.join(root, FILES[i]), 'utf8'));
        await typed.inlayHints(uri);
      }
      edits = await type(typed, uris, random(SEED), Date.now() + SECONDS * 1000);
      finals = uris.map((uri) => typed.text(uri));
      incremental = await settled(typed, uris, typed.logs.length);
      if (process.env.RUST_FUTURE_SIZE_INCREMENTAL_FUZZ_DEBUG) {
        console.log(typed.logs.slice(-25).join('\n'));
      }
    } finally {
      await typed.dispose();
    }
    // The fresh server is sent its documents' versions as they are.
    serverVersions.clear();
    const fresh = new LspSession();
    let expected: Answers;
    try {
      await fresh.initialize(undefined, undefined, root);
      for (const [i, uri] of uris.entries()) {
        await fresh.open(uri, finals[i]);
      }
      expected = await settled(fresh, uris, 0);
      if (process.env.RUST_FUTURE_SIZE_INCREMENTAL_FUZZ_DEBUG) {
        console.log(fresh.logs.filter((l) => /crate|FAILED/.test(l)).join('\n'));
        const saved = path.join(os.tmpdir(), 'rfs-incremental-finals.json');
        fs.writeFileSync(saved, JSON.stringify(finals));
      }
    } finally {
      await fresh.dispose();
    }
    console.log(`    ${edits} edits typed (seed ${SEED})`);
    assert.ok(edits > 100, `only ${edits} edits`);
    assert.ok(
      Object.values(expected).some((a) => a.hints.some((h) => / future \d+ B$/.test(h))),
      'the fresh server shows exact futures',
    );
    for (const name of Object.keys(expected)) {
      assert.deepStrictEqual(
        incremental[name],
        expected[name],
        `${name} after ${edits} edits (seed ${SEED})`,
      );
    }
  });
});

describe('changes with a version that does not increase', () => {
  it('are analysed as the next version, not answered with the analysis of the text before', async () => {
    const lsp = new LspSession();
    try {
      // Every hint, so that a value added to a small future shows.
      lsp.settings = { inlayHints: { showAll: true } };
      await lsp.initialize();
      const f = fixture('buffers.rs');
      await lsp.open(f.uri, f.text);
      const hints = async () =>
        ((await lsp.inlayHints(f.uri)) ?? []).map((h) => `${h.position.line} ${labelOf(h)}`);
      const original = await hints();
      const line = f.text.split('\n').findIndex((l) => l.includes('[1u8; 8]'));
      const grown = { start: { line, character: 0 }, end: { line, character: 0 } };
      await lsp.change(f.uri, [{ range: grown, text: '    let big = [0u8; 4096];\n' }]);
      const withBig = await hints();
      assert.notDeepStrictEqual(withBig, original);
      // Undone, with the version of the change before (a client that repeats versions).
      const undo = { start: { line, character: 0 }, end: { line: line + 1, character: 0 } };
      await lsp.change(f.uri, [{ range: undo, text: '' }], { version: lsp.version(f.uri) });
      assert.deepStrictEqual(await hints(), original);
      const published = await until('diagnostics of the next version', () => {
        const p = lsp.diagnostics.get(f.uri);
        return p?.version === 3 ? p : undefined;
      });
      assert.ok(published.diagnostics.every((d) => !/4096|4 ?KiB/.test(d.message)));
    } finally {
      await lsp.dispose();
    }
  });
});
