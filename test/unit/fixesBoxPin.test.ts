/**
 * `Box::pin` wherever the `large-future` message recommends it: `select!` and `join!` branches,
 * awaits inside a `select!` handler, and futures handed to `spawn(..)` (async blocks, also inside a
 * `select!`, and calls). Each fix is compiled with rustc: it must build, make no future larger,
 * and shrink what it says it shrinks.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Fix } from '../../server/src/analysis/fixes/fixTypes';
import { Compiler, compareTexts, repositoryRoot } from '../support/fixAccuracy';
import { loadServerModule } from '../support/repoPaths';
import * as runner from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const fixes =
  loadServerModule<typeof import('../../server/src/analysis/fixes/fixes')>('analysis/fixes/fixes');
const apply = loadServerModule<typeof import('../../server/src/analysis/fixes/applyEdits')>(
  'analysis/fixes/applyEdits',
);

const FIXTURE = path.join(
  repositoryRoot(),
  'test',
  'fixtures',
  'fixes',
  '36_box_pin_select_join_spawn.rs',
);

function boxPins(text: string): Fix[] {
  const report = engine.analyzeSource(text, { file: 'lib.rs', edition: '2021' });
  return fixes
    .computeFixes(text, report, { file: 'lib.rs', edition: '2021' })
    .filter((f) => f.kind === 'box-pin-future');
}

function appliedLine(text: string, fix: Fix): string {
  const result = apply.applyFix(text, fix);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  const row = fix.edits[0].start.row;
  return result.text.split('\n')[row].trim();
}

describe('Box::pin where the message recommends it', () => {
  let text = '';
  before(async () => {
    await engine.initAnalysis();
    text = fs.readFileSync(FIXTURE, 'utf8');
  });

  it('boxes select!/join! branches, an await in a select! handler, futures passed to spawn', () => {
    const found = boxPins(text).map((f) => [f.futureName, f.title, appliedLine(text, f)]);
    assert.deepStrictEqual(found, [
      [
        'serve',
        'Box the `select!` branch `echo_connection(..)` with `Box::pin`',
        'n = Box::pin(echo_connection(id)) => n,',
      ],
      [
        'handle_after_select',
        'Box the future of `echo_connection(..)` with `Box::pin`',
        'Box::pin(echo_connection(id)).await',
      ],
      [
        'both',
        'Box the `join!` branch `echo_connection(..)` with `Box::pin`',
        'let (a, _) = tokio::join!(Box::pin(echo_connection(id)), pause());',
      ],
      [
        'race_block',
        'Box the async block of a `select!` branch with `Box::pin`',
        '_ = Box::pin(async move {',
      ],
      [
        'echo_connection',
        'Box `echo_connection(..)` with `Box::pin` where it is passed to `tokio::spawn`',
        'tokio::spawn(Box::pin(echo_connection(id)))',
      ],
      [
        'async block@241:31',
        'Box the async block with `Box::pin` where it is passed to `tokio::spawn`',
        'let queued = tokio::spawn(Box::pin(async move {',
      ],
      [
        'async block@253:37',
        'Box the async block with `Box::pin` where it is passed to `tokio::spawn`',
        '_ = pause() => tokio::spawn(Box::pin(async move {',
      ],
    ]);
  });

  it('names the boxed future, is never preferred, claims a saving only where one shrinks', () => {
    for (const fix of boxPins(text)) {
      assert.strictEqual(fix.preferred, false, fix.id);
      assert.match(fix.detail, /`Box::pin` allocates on every call/);
      const pinned = fix.pinned?.name ?? '';
      assert.ok(pinned === 'echo_connection' || pinned.startsWith('async block@'), fix.id);
      const handedOver = fix.futureName === pinned;
      assert.strictEqual(fix.expectedSaving === null, handedOver, fix.id);
    }
  });

  it('offers nothing where the future is boxed already or small', () => {
    const boxed = text
      .replace('n = echo_connection(id)', 'n = Box::pin(echo_connection(id))')
      .replace('tokio::spawn(echo_connection(id))', 'tokio::spawn(Box::pin(echo_connection(id)))');
    const names = boxPins(boxed).map((f) => f.futureName);
    assert.ok(!names.includes('serve') && !names.includes('echo_connection'), names.join(', '));
    const small = text.replace(/\[0u8; 4096\]/g, '[0u8; 64]');
    assert.deepStrictEqual(boxPins(small), []);
    // A `select!`/`join!` that is not tokio's or futures' may do anything with its arguments.
    const unknown = text
      .replace(/tokio::(select|join)! /g, '$1! ')
      .replace(/tokio::join!/g, 'join!');
    const branches = boxPins(unknown).filter((f) => f.title.includes('branch'));
    assert.deepStrictEqual(branches, []);
    const imported = `use tokio::{join, select};\n${unknown}`;
    assert.strictEqual(boxPins(imported).filter((f) => f.title.includes('branch')).length, 3);
  });
});

describe('Box::pin fixes proven by rustc', function () {
  this.timeout(600_000);
  before(async function () {
    if (runner.rustcAvailable() === null) {
      this.skip();
    }
    await engine.initAnalysis();
  });

  it('compile, grow no future, and shrink the caller or the value handed to spawn', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const compiler = new Compiler(2);
    const problems: string[] = [];
    const taskBytes = (types: { name: string; size: number }[]) =>
      types.filter((t) => t.name.startsWith('tokio::Task<')).reduce((s, t) => s + t.size, 0);
    try {
      const base = await compiler.futures(text, 'lib.rs');
      assert.ok(base.ok, base.ok ? '' : base.error);
      for (const fix of boxPins(text)) {
        const fixed = apply.applyFix(text, fix);
        assert.ok(fixed.ok);
        const result = await compareTexts(compiler, text, fixed.text, 'lib.rs');
        if (result.error !== undefined) {
          problems.push(`${fix.id}: ${result.error}`);
          continue;
        }
        for (const c of result.changes.filter((x) => x.after > x.before)) {
          problems.push(`${fix.id}: ${c.name} grew from ${c.before} to ${c.after}`);
        }
        if (fix.expectedSaving !== null) {
          const target = result.changes.find((c) => c.name === fix.futureName);
          if (!target || target.before - target.after < fix.valueSize! / 2) {
            problems.push(`${fix.id}: ${JSON.stringify(target)} did not shrink`);
          }
        } else {
          const after = await compiler.futures(fixed.text, 'lib.rs');
          const saved = after.ok ? taskBytes(base.types) - taskBytes(after.types) : 0;
          if (saved < fix.valueSize! - 8) {
            problems.push(`${fix.id}: the spawned tasks shrank by ${saved} bytes only`);
          }
        }
      }
    } finally {
      compiler.dispose();
    }
    assert.deepStrictEqual(problems, []);
  });
});
