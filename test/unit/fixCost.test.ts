/**
 * What keeps `fix` a small multiple of the analysis (issue 15): candidates re-parsed from the
 * tree they edit, only candidates that can be preferred checked, and a time budget that ends in
 * a notice. Each shortcut must give the answers of the long way.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { defaultFixtureSets } from '../support/fixAccuracy';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const fixes =
  loadServerModule<typeof import('../../server/src/analysis/fixes/fixes')>('analysis/fixes/fixes');
const apply = loadServerModule<typeof import('../../server/src/analysis/fixes/applyEdits')>(
  'analysis/fixes/applyEdits',
);
const edited = loadServerModule<typeof import('../../server/src/analysis/fixes/editedTree')>(
  'analysis/fixes/editedTree',
);
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );

const options = { file: 'lib.rs', edition: '2021' as const };

function fixtureTexts(): { name: string; text: string }[] {
  return defaultFixtureSets().flatMap((set) =>
    set.files.map((file) => ({
      name: `${set.name}/${path.basename(file)}`,
      text: fs.readFileSync(file, 'utf8'),
    })),
  );
}

/** Two fns, each with a value `fix` drops before the await (two rounds of one fix each). */
const TWO_FIXABLE = `use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
pub struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 { Poll::Ready(()) } else { self.0 = true; Poll::Pending }
    }
}
pub async fn pause() { Yield(false).await }
pub async fn first() -> usize {
    let a = String::from("a");
    pause().await;
    1
}
pub async fn second() -> usize {
    let b = String::from("b");
    pause().await;
    2
}
`;

describe('fix cost: incremental re-parse of a candidate', () => {
  before(() => engine.initAnalysis());

  it('gives the text and tree of a fresh parse for every candidate fix of every fixture', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { name, text } of fixtureTexts()) {
      const report = engine.analyzeSource(text, options);
      const base = parser.parseRust(text);
      try {
        for (const fix of fixes.computeFixes(text, report, { ...options, verify: false })) {
          const expected = apply.applyEdits(text, fix.edits);
          const got = edited.editAndReparse(base, text, fix.edits);
          if (!expected.ok || !got) {
            problems.push(`${name} ${fix.id}: applies ${expected.ok} / ${got !== null}`);
            got?.tree.delete();
            continue;
          }
          const fresh = parser.parseRust(expected.text);
          try {
            if (got.text !== expected.text) {
              problems.push(`${name} ${fix.id}: another text`);
            } else if (got.tree.rootNode.toString() !== fresh.rootNode.toString()) {
              problems.push(`${name} ${fix.id}: another tree`);
            }
            checked++;
          } finally {
            fresh.delete();
            got.tree.delete();
          }
        }
        // The base tree is left as it was: later candidates are parsed from it too.
        assert.strictEqual(base.rootNode.text, text, name);
      } finally {
        base.delete();
      }
    }
    assert.deepStrictEqual(problems, []);
    assert.ok(checked > 50, `only ${checked} candidates checked`);
  });

  it('refuses edits that do not apply, without touching the tree', () => {
    const text = 'fn f() {}\n';
    const base = parser.parseRust(text);
    try {
      const outside = { start: { row: 5, column: 0 }, end: { row: 5, column: 0 }, newText: 'x' };
      assert.strictEqual(edited.editAndReparse(base, text, [outside]), null);
      assert.strictEqual(base.rootNode.text, text);
    } finally {
      base.delete();
    }
  });
});

describe('fix cost: only candidates that can be preferred', () => {
  before(() => engine.initAnalysis());

  it('gives the preferred fixes that verifying every candidate gives, on every fixture', () => {
    const problems: string[] = [];
    let preferred = 0;
    for (const { name, text } of fixtureTexts()) {
      const report = engine.analyzeSource(text, options);
      const all = fixes.computeFixes(text, report, options).filter((f) => f.preferred);
      const only = fixes.computeFixes(text, report, { ...options, preferredOnly: true });
      preferred += all.length;
      if (JSON.stringify(only.filter((f) => f.preferred)) !== JSON.stringify(all)) {
        problems.push(name);
      }
    }
    assert.deepStrictEqual(problems, []);
    assert.ok(preferred > 20, `only ${preferred} preferred fixes`);
  });
});

describe('fix cost: time budget', () => {
  before(() => engine.initAnalysis());

  it('applies every fix within its default budget, with no notice', () => {
    const result = fixes.fixAll(TWO_FIXABLE, options);
    assert.ok(result.ok);
    assert.deepStrictEqual(
      result.applied.map((a) => a.fix.target.name),
      ['a', 'b'],
    );
    assert.deepStrictEqual(result.notices, []);
  });

  it('stops with a notice when the budget is spent, applying nothing unverified', () => {
    const result = fixes.fixAll(TWO_FIXABLE, { ...options, budgetMs: 0 });
    assert.ok(result.ok);
    assert.strictEqual(result.text, TWO_FIXABLE);
    assert.deepStrictEqual(result.applied, []);
    assert.strictEqual(result.notices.length, 1);
    assert.match(
      result.notices[0],
      /^fix stopped after \d+ ms, its time budget, with 2 candidate fixes left unchecked/,
    );
  });

  it('drops the candidates a past deadline leaves unchecked, never offers them unverified', () => {
    const report = engine.analyzeSource(TWO_FIXABLE, options);
    assert.strictEqual(fixes.computeFixes(TWO_FIXABLE, report, options).length, 2);
    const late = fixes.computeFixes(TWO_FIXABLE, report, { ...options, deadline: 0 });
    assert.deepStrictEqual(late, []);
  });
});
