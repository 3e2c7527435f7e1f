/**
 * "Show Future Layout" shows the engine's layout: its offsets, and a total that is the hints' size.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const documents =
  loadServerModule<typeof import('../../server/src/lsp/layoutDocument')>('lsp/layoutDocument');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'test', 'fixtures', 'engine')),
)!;
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'engine');

const roundUp = (n: number, align: number) => Math.ceil(n / align) * align;

/** The prefix size, each state's end and each field's end as the document prints them. */
function readDocument(text: string) {
  const prefix = Number(/^prefix {2}size (\d+)/m.exec(text)?.[1]);
  const ends = [...text.matchAll(/^variant Suspend\d+ .* ends at (\d+)$/gm)].map((m) =>
    Number(m[1]),
  );
  const fields = [...text.matchAll(/^ {2}offset +(\d+) {2}size +≥?(\d+|\?)/gm)].map(
    (m) => Number(m[1]) + (m[2] === '?' ? 0 : Number(m[2])),
  );
  return { prefix, ends, fields };
}

describe('layout document', () => {
  before(() => engine.initAnalysis());

  it("adds up to the hints' size for every future of the engine fixtures", () => {
    let futures = 0;
    for (const name of fs.readdirSync(fixtures).filter((f) => f.endsWith('.rs'))) {
      const report = engine.analyzeSource(fs.readFileSync(path.join(fixtures, name), 'utf8'), {
        file: name,
        edition: '2021',
      });
      for (const future of report.futures.filter((f) => !f.skipped && f.size !== null)) {
        futures++;
        const { prefix, ends, fields } = readDocument(documents.renderLayout(future, name));
        const total = roundUp(Math.max(prefix, ...ends), future.align);
        assert.strictEqual(total, future.size, `${name}: \`${future.name}\``);
        assert.ok(
          Math.max(0, ...fields) <= total,
          `${name}: \`${future.name}\`: a field ends past the total`,
        );
      }
    }
    assert.ok(futures > 100, `only ${futures} futures`);
  });

  it('puts a value saved at one await in the prefix when the engine promoted it (overlapping storage)', () => {
    const report = engine.analyzeSource(
      fs.readFileSync(path.join(fixtures, '06_match_result_arms.rs'), 'utf8'),
      {
        file: '06_match_result_arms.rs',
        edition: '2021',
      },
    );
    const future = report.futures.find((f) => f.name === 'checksum_of')!;
    const result = future.awaits.flatMap((a) => a.held).find((h) => h.name === 'result')!;
    const layout = documents.futureLayout(future)!;
    const shown = layout.prefix.find((f) => f.label === 'result');
    assert.ok(shown, 'result is in the prefix');
    assert.strictEqual(shown.offset, result.offset);
    assert.deepStrictEqual(shown.variants, [1]);
    assert.ok(!layout.variants.some((v) => v.fields.some((f) => f.label === 'result')));
  });
});
