/**
 * Random well-typed async fns (test/fuzz/asyncProgram.ts), compiled by rustc and compared with
 * the engine future by future: every size shown as exact must be rustc's, and no lower bound may
 * be above it. The seeds are fixed so a failure replays (`npm run fuzz:rustc -- --seed N
 * --files 1`); `npm run fuzz:rustc` explores new ones.
 */
import * as assert from 'assert';
import { runDifferential } from '../fuzz/againstRustc';
import { generateProgram } from '../fuzz/asyncProgram';
import { requireRustc } from '../support/rustcCorpus';

describe('generated async fns against rustc', function () {
  this.timeout(600_000);

  before(() => {
    requireRustc();
  });

  it('writes the same program for the same seed, and a different one for another', () => {
    const a = generateProgram(7, 5).source;
    assert.strictEqual(generateProgram(7, 5).source, a);
    assert.notStrictEqual(generateProgram(8, 5).source, a);
  });

  const runs = [
    { edition: '2021', seed: 1, extended: false },
    { edition: '2018', seed: 700, extended: false },
    // Async blocks, closures, partial moves, destructuring and more (`--extended`).
    { edition: '2021', seed: 2000, extended: true },
    // And values made before a later operand's await: receivers, callees, `vec!`/`format!`
    // arguments, indexed bases (`--operands`).
    { edition: '2021', seed: 3008, extended: true, operands: true },
  ];
  for (const { edition, seed, extended, operands } of runs) {
    const held = operands ? ' and held operands' : '';
    const shapes = extended ? `, with the extended shapes${held}` : '';
    it(`shows only rustc's sizes as exact (edition ${edition}${shapes})`, async () => {
      const result = await runDifferential({
        seed,
        files: 4,
        fnsPerFile: 40,
        edition,
        jobs: 2,
        extended,
        operands,
      });
      assert.deepStrictEqual(result.rustcErrors, [], 'the generator wrote code rustc rejects');
      assert.ok(result.futures >= 150, `only ${result.futures} futures paired with rustc's`);
      const broken = result.broken.map((b) => `${b.rule}: ${b.mismatch}\n${b.source}`);
      assert.deepStrictEqual(broken, []);
    });
  }
});
