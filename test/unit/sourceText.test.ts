/**
 * Lines of a document as the hints and diagnostics read them: found from line starts, without
 * splitting the whole text on every keystroke, and the same as `split(/\r?\n/)` would give.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const { SourceText } =
  loadServerModule<typeof import('../../server/src/text/sourceText')>('text/sourceText');

describe('SourceText lines', () => {
  it('reads every line of LF, CRLF and mixed texts as split(/\\r?\\n/) does, lone CRs included', () => {
    const texts = [
      '',
      'a',
      'a\n',
      '\n\n',
      'a\r\nb',
      'a\r\n',
      'a\rb\n',
      'a\r',
      '\r',
      '\r\r\n',
      'x\r\n\r\ny\rz\n',
      'fn f() {}\r\n// é\r\n',
    ];
    for (const text of texts) {
      const source = new SourceText(text);
      const expected = text.split(/\r?\n/);
      assert.strictEqual(source.lineCount, expected.length, JSON.stringify(text));
      expected.forEach((line, i) =>
        assert.strictEqual(source.lineText(i), line, `${JSON.stringify(text)} line ${i}`),
      );
      assert.strictEqual(source.lineText(expected.length), '');
      assert.strictEqual(source.lineText(-1), '');
      assert.deepStrictEqual(source.lines, expected);
    }
  });

  it('finds an async fn name and a let initializer across CRLF lines', () => {
    const source = new SourceText(
      'struct S;\r\npub async fn\r\n  serve(s: S) {\r\n    let buf = [0u8;\r\n 64];\r\n}\r\n',
    );
    assert.deepStrictEqual(source.futureNameSpan({ kind: 'fn', line: 2, column: 5 }), {
      start: { line: 2, character: 2 },
      end: { line: 2, character: 7 },
    });
    assert.strictEqual(source.initializerOf(4, 9), '[0u8;\n 64]');
  });
});
