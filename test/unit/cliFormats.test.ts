/**
 * `--format text` prints the lints' findings as rustc prints warnings; `--format sarif` writes a
 * SARIF 2.1.0 log that the official schema accepts. Both run the CLI on the examples crate.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv-draft-04';
import type * as Sarif from 'sarif';
import { findUpwards, loadServerModule } from '../support/repoPaths';

type MainModule = typeof import('../../server/src/cli/main');
type ArgsModule = typeof import('../../server/src/cli/args');
const mainModule = loadServerModule<MainModule>('cli/main');
const args = loadServerModule<ArgsModule>('cli/args');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'examples', 'Cargo.toml')),
)!;
const SCHEMA = path.join(
  repoRoot,
  'node_modules',
  '@microsoft',
  'jest-sarif',
  'lib',
  'schemas',
  'sarif-2.1.0-rtm.5.json',
);

async function run(
  argv: string[],
  cwd = repoRoot,
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
    env: { NO_COLOR: '1' },
  };
  const status = await mainModule.main(argv, io);
  return { status, stdout, stderr };
}

/** The official SARIF 2.1.0 schema (draft-04), with the string formats it uses. */
function sarifValidator() {
  // rtm.5's `language` pattern has a stray `]`, which Unicode mode rejects.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', (text: string) => URL.canParse(text));
  ajv.addFormat('uri-reference', (text: string) => URL.canParse(text, 'file:///'));
  ajv.addFormat('date-time', (text: string) => !Number.isNaN(Date.parse(text)));
  return ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as object);
}

describe('cli: findings as text', () => {
  it('accepts --format sarif and names it in the usage error', () => {
    assert.strictEqual(
      (args.parseCliArgs(['--format', 'sarif', 'src']) as { format: string }).format,
      'sarif',
    );
    assert.throws(() => args.parseCliArgs(['--format', 'xml']), /expected text, json, sarif/);
  });

  it("prints each finding after the futures in rustc's diagnostic style", async () => {
    const result = await run(['examples/src/scoped.rs']);
    assert.strictEqual(result.status, 0, result.stderr);
    const expected = [
      'warning[large-value-held-across-await]: `scratch` (`[u8; 4096]`) is held across an await point, which stores its 4096 bytes in the future',
      '  --> examples/src/scoped.rs:9:13',
      '   |',
      ' 9 |     let mut scratch = [0u8; 4096];',
      '   |             ^^^^^^^',
      'note: await point where `scratch` is still held',
      '  --> examples/src/scoped.rs:13:40',
      '   |',
      '13 |     conn.write_all(&sum.to_le_bytes()).await',
      '   |                                        ^^^^^',
      '   = help: move it into a block that ends before the `.await`, drop it earlier, or box it',
      '',
    ].join('\n');
    assert.ok(result.stdout.includes(`\n\n${expected}\n`), result.stdout);
    assert.match(
      result.stdout,
      /^examples\/src\/scoped\.rs:\d+:\d+: async fn/,
      'the futures come first',
    );
    assert.match(
      result.stdout,
      /\n\d+ futures? in 1 file; largest: [^\n]*\n$/,
      'the summary stays last',
    );
  });

  it('names the clippy lint a finding mirrors, and keeps the exit status', async () => {
    const result = await run(['--max-future-size', '100', 'examples/src/copy.rs']);
    assert.strictEqual(result.status, 1, result.stderr);
    assert.match(
      result.stdout,
      /\nwarning\[large-future\]: large future with a size of \d+ bytes\n {2}--> examples\/src\/copy\.rs:10:14\n/,
    );
    assert.match(
      result.stdout,
      /\n {3}= note: mirrors `clippy::large_futures`; `#\[allow\(clippy::large_futures\)\]` silences it\n/,
    );
    assert.strictEqual(
      (await run(['--format', 'sarif', '--max-future-size', '100', 'examples'])).status,
      1,
    );
  });

  it('applies #![allow] of the crate root and #[warn] on `mod x;` to module files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-lints-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'Cargo.toml'),
        '[package]\nname = "big"\nversion = "0.1.0"\nedition = "2021"\n',
      );
      fs.mkdirSync(path.join(dir, 'src'));
      const big =
        'async fn tick() {}\npub async fn big() {\n    let b = [0u8; 20000];\n    tick().await;\n    drop(b);\n}\n';
      fs.writeFileSync(path.join(dir, 'src', 'big.rs'), big);
      fs.writeFileSync(path.join(dir, 'src', 'loud.rs'), big);
      const root =
        '#![allow(clippy::large_futures)]\nmod big;\n#[warn(clippy::large_futures)]\nmod loud;\n';
      fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), root);
      const result = await run(['src'], dir);
      assert.strictEqual(result.status, 0, result.stderr);
      const flagged = [
        ...result.stdout.matchAll(/^warning\[large-future\]: .*\n +--> (\S+)$/gm),
      ].map((m) => m[1]);
      assert.deepStrictEqual(flagged, ['src/loud.rs:2:14']);
      assert.strictEqual(
        [...result.stdout.matchAll(/^warning\[large-value-held-across-await\]/gm)].length,
        2,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cli: findings as SARIF', () => {
  it('writes a SARIF 2.1.0 log of the examples that the official schema accepts', async () => {
    const result = await run(['--format', 'sarif', 'examples']);
    assert.strictEqual(result.status, 0, result.stderr);
    const log = JSON.parse(result.stdout) as Sarif.Log;
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));

    const [sarifRun] = log.runs;
    const rules = sarifRun.tool.driver.rules!.map((rule) => rule.id);
    assert.deepStrictEqual(rules, [
      'guard-held-across-await',
      'large-value-held-across-await',
      'large-future',
    ]);
    const results = sarifRun.results!;
    assert.ok(
      results.some((r) => r.ruleId === 'large-future') &&
        results.some((r) => r.ruleId === 'large-value-held-across-await'),
    );
    for (const r of results) {
      assert.strictEqual(rules[r.ruleIndex!], r.ruleId);
      assert.strictEqual(r.level, 'warning');
    }
    const scratch = results.find((r) => r.message.text!.startsWith('`scratch`'))!;
    assert.deepStrictEqual(scratch.locations![0].physicalLocation, {
      artifactLocation: { uri: 'examples/src/scoped.rs', uriBaseId: 'SRCROOT' },
      region: { startLine: 9, startColumn: 13, endLine: 9, endColumn: 20 },
    });
    assert.deepStrictEqual(
      scratch.relatedLocations!.map((l) => [
        l.physicalLocation!.region!.startLine,
        l.physicalLocation!.region!.startColumn,
        l.message!.text,
      ]),
      [[13, 40, 'await point where `scratch` is still held']],
    );
  });

  it('checks against a schema that rejects what SARIF does not allow', () => {
    const validate = sarifValidator();
    const bad: unknown = {
      version: '2.1.0',
      runs: [
        { tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'warn' }] },
      ],
    };
    assert.strictEqual(validate(bad), false, 'level "warn" is not a SARIF level');
  });
});
