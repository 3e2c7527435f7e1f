/**
 * Lint levels: every clippy lint we mirror honours `#[allow]`/`#[expect]` of its name, its group
 * and `clippy::all`, with rustc's nearest-wins rule, `forbid` that nothing inside can lower, and
 * `deny` that makes the finding an error; the allow comment; the files above a module.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

type EngineModule = typeof import('../../server/src/analysis/engine');
type RegistryModule = typeof import('../../server/src/lints/registry');
type SourceTextModule = typeof import('../../server/src/text/sourceText');

const engine = loadServerModule<EngineModule>('analysis/engine');
const { lintFile, checkFile, LINTS } = loadServerModule<RegistryModule>('lints/registry');
const { SourceText } = loadServerModule<SourceTextModule>('text/sourceText');

const OPTIONS = { largeValueThreshold: 1024, largeFutureThreshold: 4096 };

/** A Mutex guard, a RefCell borrow and a large value in a large future: each mirrored lint, and one without. */
function body(attributes: { lock?: string; refcell?: string; large?: string } = {}): string {
  return `use std::cell::RefCell;
use std::sync::Mutex;
async fn tick() {}
${attributes.lock ?? ''}
pub async fn lock(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}
${attributes.refcell ?? ''}
pub async fn refcell(c: &RefCell<u32>) {
    let r = c.borrow_mut();
    tick().await;
    drop(r);
}
${attributes.large ?? ''}
pub async fn large() {
    let buffer = [0u8; 8192];
    tick().await;
    drop(buffer);
}
`;
}

/** `code@fn:level` of every finding reported in `text`. */
function reported(text: string, ancestors?: { text: string; child: string }[]): string[] {
  const report = engine.analyzeSource(text, { file: 'lib.rs', edition: '2021' });
  return lintFile(
    report,
    new SourceText(text),
    OPTIONS,
    ancestors ? () => ancestors : undefined,
  ).map(
    (finding) => `${finding.code}@${finding.future.name.replace(/^inner::/, '')}:${finding.level}`,
  );
}

const ALL = [
  'guard-held-across-await@lock:warn',
  'guard-held-across-await@refcell:warn',
  'large-value-held-across-await@large:warn',
  'large-future@large:warn',
];

describe('lints: levels', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('reports every lint at its default level when nothing says otherwise', () => {
    assert.deepStrictEqual(reported(body()), ALL);
    assert.deepStrictEqual(
      LINTS.map((lint) => [lint.code, lint.clippy.map((c) => `${c.group}::${c.name}`)]),
      [
        [
          'guard-held-across-await',
          ['suspicious::await_holding_lock', 'suspicious::await_holding_refcell_ref'],
        ],
        ['large-value-held-across-await', []],
        ['large-future', ['pedantic::large_futures']],
      ],
    );
  });

  it('honours #[allow] of each mirrored clippy lint, on its own finding only', () => {
    const without = (...gone: string[]) => ALL.filter((f) => !gone.includes(f));
    assert.deepStrictEqual(
      reported(body({ lock: '#[allow(clippy::await_holding_lock)]' })),
      without(ALL[0]),
    );
    assert.deepStrictEqual(
      reported(body({ refcell: '#[allow(clippy::await_holding_refcell_ref)]' })),
      without(ALL[1]),
    );
    assert.deepStrictEqual(
      reported(body({ large: '#[allow(clippy::large_futures)]' })),
      without(ALL[3]),
    );
    // The lock lint's name does not silence the RefCell one, nor the reverse.
    assert.deepStrictEqual(
      reported(
        body({
          refcell: '#[allow(clippy::await_holding_lock)]',
          lock: '#[allow(clippy::await_holding_refcell_ref)]',
        }),
      ),
      ALL,
    );
  });

  it('honours #[expect], the group and clippy::all (which leaves pedantic lints alone)', () => {
    assert.deepStrictEqual(
      reported(body({ lock: '#[expect(clippy::await_holding_lock, reason = "short")]' })),
      ALL.slice(1),
    );
    assert.deepStrictEqual(reported(`#![allow(clippy::suspicious)]\n${body()}`), ALL.slice(2));
    assert.deepStrictEqual(reported(`#![allow(clippy::pedantic)]\n${body()}`), ALL.slice(0, 3));
    assert.deepStrictEqual(reported(`#![allow(clippy::all)]\n${body()}`), ALL.slice(2));
    assert.deepStrictEqual(
      reported(`#![allow(clippy::await_holding_lock)]\n${body()}`),
      ALL.slice(1),
      'a crate-level allow',
    );
  });

  it('lets the nearest attribute win, except inside a forbid; deny makes an error', () => {
    const nested = `#![allow(clippy::await_holding_lock)]\nmod inner {\n#![warn(clippy::await_holding_lock)]\n${body()}\n}\n`;
    assert.deepStrictEqual(reported(nested), ALL);
    assert.deepStrictEqual(
      reported(nested.replace('#![warn(clippy::await_holding_lock)]', '')),
      ALL.slice(1),
      'the outer allow reaches in',
    );
    const forbidden = `#![forbid(clippy::await_holding_lock)]\n${body({ lock: '#[allow(clippy::await_holding_lock)]' })}`;
    assert.deepStrictEqual(reported(forbidden), [
      'guard-held-across-await@lock:deny',
      ...ALL.slice(1),
    ]);
    const denied = body({ large: '#[deny(clippy::large_futures)]' });
    assert.deepStrictEqual(reported(denied), [...ALL.slice(0, 3), 'large-future@large:deny']);
  });

  it('honours the allow comment, and attributes on the module declarations of the files above', () => {
    const commented = body().replace(
      '    let g = m.lock()',
      '    // rust-future-size: allow(guard-held-across-await)\n    let g = m.lock()',
    );
    assert.deepStrictEqual(reported(commented), ALL.slice(1));
    const root = { text: '#[allow(clippy::await_holding_lock)]\nmod net;\n', child: 'net' };
    assert.deepStrictEqual(reported(body(), [root]), ALL.slice(1));
    const other = {
      text: '#[allow(clippy::await_holding_lock)]\nmod other;\nmod net;\n',
      child: 'net',
    };
    assert.deepStrictEqual(reported(body(), [other]), ALL);
  });

  it("finds the same before levels as checkFile, future by future in the lints' order", () => {
    const text = body();
    const report = engine.analyzeSource(text, { file: 'lib.rs', edition: '2021' });
    const checked = checkFile(report, new SourceText(text), OPTIONS).map(
      (f) => `${f.code}@${f.future.name}:${f.level}`,
    );
    assert.deepStrictEqual(checked, ALL);
  });
});
