import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RustcField, RustcFuture } from '../../server/src/measure/printTypeSizes';
import type { RustcRunResult } from '../support/runRustc';
import { loadServerModule, referenceCasesDir } from '../support/repoPaths';
import { rustcAvailable, runPrintTypeSizes, runPrintTypeSizesAsync } from '../support/runRustc';

const { parsePrintTypeSizes, futuresFromTypes, typeSizesFromTypes, identifyFuture } =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

/** Prefixes each line the way rustc does, so snippets stay readable. */
function rustcOutput(...lines: string[]): string {
  return lines.map((line) => `print-type-size ${line}`).join('\n') + '\n';
}

describe('parsePrintTypeSizes', () => {
  it('reads the type header, discriminant, variants and end padding', () => {
    const [type] = parsePrintTypeSizes(
      rustcOutput(
        'type: `{async fn body of large()}`: 1027 bytes, alignment: 1 bytes',
        '    discriminant: 1 bytes',
        '    variant `Unresumed`: 0 bytes',
        '    variant `Suspend0`: 1026 bytes',
        '        local `.buffer`: 1024 bytes',
        '        local `.__awaitee`: 2 bytes, type: {async fn body of pause()}',
        '    variant `Returned`: 0 bytes',
        '    variant `Panicked`: 0 bytes',
        '    end padding: 3 bytes',
      ),
    );
    assert.strictEqual(type.name, '{async fn body of large()}');
    assert.strictEqual(type.size, 1027);
    assert.strictEqual(type.align, 1);
    assert.strictEqual(type.discriminantSize, 1);
    assert.strictEqual(type.endPadding, 3);
    assert.deepStrictEqual(
      type.variants.map((v) => [v.name, v.size, v.fields.length]),
      [
        ['Unresumed', 0, 0],
        ['Suspend0', 1026, 2],
        ['Returned', 0, 0],
        ['Panicked', 0, 0],
      ],
    );
    assert.deepStrictEqual(type.variants[1].fields, [
      { kind: 'local', name: 'buffer', size: 1024, offset: 1 },
      {
        kind: 'local',
        name: '__awaitee',
        size: 2,
        offset: 1025,
        type: '{async fn body of pause()}',
      },
    ]);
  });

  it('recovers offsets from explicit `offset:` values and restarts each variant after the tag', () => {
    const [type] = parsePrintTypeSizes(
      rustcOutput(
        'type: `{async closure body@lib.rs:25:33: 28:6}`: 32 bytes, alignment: 8 bytes',
        '    discriminant: 1 bytes',
        '    variant `Unresumed`: 16 bytes',
        '        upvar `._ref__big`: 8 bytes, offset: 0 bytes, alignment: 8 bytes',
        '        upvar `.x`: 8 bytes',
        '    variant `Suspend0`: 26 bytes',
        '        upvar `._ref__big`: 8 bytes, offset: 0 bytes, alignment: 8 bytes',
        '        upvar `.x`: 8 bytes',
        '        local `.x`: 8 bytes',
        '        local `.__awaitee`: 2 bytes, type: {async fn body of pause()}',
      ),
    );
    const offsets = (fields: RustcField[]) => fields.map((f) => [f.name, f.offset]);
    assert.deepStrictEqual(offsets(type.variants[0].fields), [
      ['_ref__big', 0],
      ['x', 8],
    ]);
    assert.deepStrictEqual(offsets(type.variants[1].fields), [
      ['_ref__big', 0],
      ['x', 8],
      ['x', 16],
      ['__awaitee', 24],
    ]);
    assert.strictEqual(type.variants[1].fields[0].align, 8);
  });

  it('adds `padding:` lines to the next field offset, in structs and in variants', () => {
    const [record, future] = parsePrintTypeSizes(
      rustcOutput(
        'type: `Record`: 24 bytes, alignment: 8 bytes',
        '    field `.tag`: 1 bytes',
        '    padding: 7 bytes',
        '    field `.value`: 8 bytes, alignment: 8 bytes',
        '    field `.count`: 4 bytes',
        '    end padding: 4 bytes',
        'type: `{async fn body of f()}`: 24 bytes, alignment: 8 bytes',
        '    discriminant: 1 bytes',
        '    variant `Suspend0`: 23 bytes',
        '        local `.a`: 1 bytes',
        '        padding: 6 bytes',
        '        local `.b`: 8 bytes, alignment: 8 bytes',
        '        local `..coroutine_field2`: 1 bytes, offset: 0 bytes, alignment: 1 bytes, type: bool',
      ),
    );
    assert.deepStrictEqual(record.variants, []);
    assert.deepStrictEqual(
      record.fields.map((f) => [f.name, f.offset]),
      [
        ['tag', 0],
        ['value', 8],
        ['count', 16],
      ],
    );
    assert.strictEqual(record.discriminantSize, null);
    assert.deepStrictEqual(
      future.variants[0].fields.map((f) => [f.name, f.offset]),
      [
        ['a', 1],
        ['b', 8],
        ['.coroutine_field2', 0],
      ],
    );
  });
});

describe('parsePrintTypeSizes: odd names and odd input', () => {
  it('keeps type names with commas, quotes and `->` intact', () => {
    const [type] = parsePrintTypeSizes(
      rustcOutput(
        'type: `std::option::Option<extern "C" fn(u8, *mut u8) -> u8>`: 8 bytes, alignment: 8 bytes',
        '    variant `Some`: 8 bytes',
        '        field `.0`: 8 bytes',
        '    variant `None`: 0 bytes',
        'type: `{async fn body of f()}`: 48 bytes, alignment: 8 bytes',
        '    discriminant: 1 bytes',
        '    variant `Suspend0`: 47 bytes',
        '        local `..coroutine_field3`: 24 bytes, type: ControlFlow<Result<Infallible, std::io::Error>, Option<String>>',
      ),
    );
    assert.strictEqual(type.name, 'std::option::Option<extern "C" fn(u8, *mut u8) -> u8>');
    const [future] = futuresFromTypes(
      parsePrintTypeSizes(
        rustcOutput(
          'type: `{async fn body of f()}`: 48 bytes, alignment: 8 bytes',
          '    discriminant: 1 bytes',
          '    variant `Suspend0`: 47 bytes',
          '        local `..coroutine_field3`: 24 bytes, type: ControlFlow<Result<Infallible, std::io::Error>, Option<String>>',
        ),
      ),
    );
    assert.deepStrictEqual(future.variants[0].locals, [
      {
        kind: 'local',
        name: '<temp>',
        size: 24,
        offset: 1,
        type: 'ControlFlow<Result<Infallible, std::io::Error>, Option<String>>',
      },
    ]);
  });

  it('ignores unknown lines, stray output and never throws on odd input', () => {
    const odd = [
      '',
      'warning: unused variable',
      'print-type-size     field `.orphan`: 4 bytes',
      'print-type-size type: `Broken`: many bytes',
      'print-type-size type: `Ok`: 4 bytes, alignment: 4 bytes',
      'print-type-size     something new: 3 bytes',
      'print-type-size     field `.a`: 4 bytes, offset: x bytes',
      'print-type-size     field `.b`: 4 bytes',
      'print-type-size type: `Truncated',
      'random\r',
    ].join('\r\n');
    const types = parsePrintTypeSizes(odd);
    assert.deepStrictEqual(
      types.map((t) => t.name),
      ['Ok'],
    );
    assert.deepStrictEqual(
      types[0].fields.map((f) => f.name),
      ['b'],
    );
    for (const input of [
      '',
      '\n\n',
      'print-type-size ',
      'print-type-size type: ``: 0 bytes, alignment: 1 bytes',
    ]) {
      assert.doesNotThrow(() => futuresFromTypes(parsePrintTypeSizes(input)));
    }
  });
});

describe('futuresFromTypes', () => {
  it('names fns by their printed path, nested generics and qualified paths included', () => {
    const names = [
      '{async fn body of Conn::read()}',
      '{async fn body of <m::S<Vec<u8>> as Svc<()>>::call()}',
      '{async fn body of gen<()>()}',
      '{async fn body of outer::{closure#0}::nested()}',
    ];
    const types = parsePrintTypeSizes(
      rustcOutput(...names.map((n) => `type: \`${n}\`: 2 bytes, alignment: 1 bytes`)),
    );
    const futures = futuresFromTypes(types);
    assert.deepStrictEqual(
      futures.map((f) => [f.kind, f.name, f.line]),
      [
        ['fn', 'Conn::read', undefined],
        ['fn', '<m::S<Vec<u8>> as Svc<()>>::call', undefined],
        ['fn', 'gen<()>', undefined],
        ['fn', 'outer::{closure#0}::nested', undefined],
      ],
    );
  });

  it('reads blocks and closure bodies with their spans, including Windows paths', () => {
    const types = parsePrintTypeSizes(
      rustcOutput(
        'type: `{async block@C:\\src\\lib.rs:24:5: 27:6}`: 3 bytes, alignment: 1 bytes',
        'type: `{async closure body@src/lib.rs:25:33: 28:6}`: 32 bytes, alignment: 8 bytes',
        'type: `{closure@src/lib.rs:25:13: 25:32}`: 8 bytes, alignment: 8 bytes',
      ),
    );
    const [block, closure] = futuresFromTypes(types);
    assert.deepStrictEqual(
      [
        block.kind,
        block.name,
        block.file,
        block.line,
        block.column,
        block.endLine,
        block.endColumn,
      ],
      ['block', 'async block@24:5', 'C:\\src\\lib.rs', 24, 5, 27, 6],
    );
    assert.deepStrictEqual(
      [
        closure.kind,
        closure.name,
        closure.file,
        closure.line,
        closure.column,
        closure.endLine,
        closure.endColumn,
      ],
      ['closure', 'async closure@25:33', 'src/lib.rs', 25, 33, 28, 6],
    );
    assert.strictEqual(identifyFuture('{closure@src/lib.rs:25:13: 25:32}'), null);
  });

  it('takes upvars from Unresumed and leaves them out of every variant', () => {
    const [future] = futuresFromTypes(
      parsePrintTypeSizes(
        rustcOutput(
          'type: `{async closure body@lib.rs:25:33: 28:6}`: 32 bytes, alignment: 8 bytes',
          '    discriminant: 1 bytes',
          '    variant `Unresumed`: 16 bytes',
          '        upvar `._ref__big`: 8 bytes, offset: 0 bytes, alignment: 8 bytes',
          '        upvar `.x`: 8 bytes',
          '    variant `Suspend0`: 27 bytes',
          '        upvar `._ref__big`: 8 bytes, offset: 0 bytes, alignment: 8 bytes',
          '        upvar `.x`: 8 bytes',
          '        local `.x`: 8 bytes',
          '        local `.__awaitee`: 2 bytes, type: {async fn body of pause()}',
          '        local `..coroutine_field3`: 1 bytes, type: bool',
          '    variant `Returned`: 16 bytes',
          '        upvar `._ref__big`: 8 bytes, offset: 0 bytes, alignment: 8 bytes',
          '        upvar `.x`: 8 bytes',
        ),
      ),
    );
    assert.strictEqual(future.tagSize, 1);
    assert.deepStrictEqual(
      future.upvars.map((u) => [u.name, u.size, u.offset]),
      [
        ['_ref__big', 8, 0],
        ['x', 8, 8],
      ],
    );
    assert.deepStrictEqual(
      future.variants.map((v) => [
        v.name,
        v.locals.map((l) => `${l.name}:${l.size}${l.type ? `:${l.type}` : ''}`),
      ]),
      [
        ['Unresumed', []],
        ['Suspend0', ['x:8', '__awaitee:2:{async fn body of pause()}', '<temp>:1:bool']],
        ['Returned', []],
      ],
    );
  });

  it('keeps only the blocks and closures of the requested file', () => {
    const types = parsePrintTypeSizes(
      rustcOutput(
        'type: `{async block@src/a.rs:1:1: 2:2}`: 1 bytes, alignment: 1 bytes',
        'type: `{async block@src/b.rs:1:1: 2:2}`: 1 bytes, alignment: 1 bytes',
        'type: `{async fn body of f()}`: 1 bytes, alignment: 1 bytes',
      ),
    );
    assert.deepStrictEqual(
      futuresFromTypes(types, '/work/crate/src/a.rs').map((f) => f.typeName),
      ['{async block@src/a.rs:1:1: 2:2}', '{async fn body of f()}'],
    );
    assert.strictEqual(futuresFromTypes(types, 'a.rs').length, 2);
    assert.strictEqual(futuresFromTypes(types).length, 3);
  });
});

describe('typeSizesFromTypes', () => {
  it('maps every non-future type to its size and alignment', () => {
    const sizes = typeSizesFromTypes(
      parsePrintTypeSizes(
        rustcOutput(
          'type: `std::time::Duration`: 16 bytes, alignment: 8 bytes',
          'type: `{async fn body of f()}`: 3 bytes, alignment: 1 bytes',
          'type: `{async block@a.rs:1:1: 2:2}`: 3 bytes, alignment: 1 bytes',
          'type: `Guard`: 40 bytes, alignment: 8 bytes',
        ),
      ),
    );
    assert.deepStrictEqual(
      [...sizes],
      [
        ['std::time::Duration', { size: 16, align: 8 }],
        ['Guard', { size: 40, align: 8 }],
      ],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Live rustc against the reference cases.

const EXPECTED_RUSTC = '1.95';
const INSTALL_HINT =
  'rustc was not found, and the reference-case tests compile every case with it. ' +
  `Install Rust ${EXPECTED_RUSTC} with rustup: ` +
  "`curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain 1.95.0` " +
  '(or `rustup toolchain install 1.95.0 && rustup default 1.95.0`), then make sure `rustc` is on the PATH ' +
  '(or set $RUSTC). No nightly is needed: the tests set RUSTC_BOOTSTRAP=1 for -Zprint-type-sizes.';

interface ExpectedLocal {
  name: string;
  size: number;
  type?: string;
  upvar?: boolean;
}

interface ExpectedFuture {
  kind: string;
  name: string;
  line?: number;
  size: number;
  align: number;
  variants: { name: string; locals: ExpectedLocal[] }[];
}

interface ExpectedFile {
  rustc: string;
  edition: string;
  futures: ExpectedFuture[];
}

interface ReferenceCase {
  name: string;
  fileName: string;
  expected: ExpectedFile;
}

function locateCases(): { dir: string; cases: ReferenceCase[] } | Error {
  try {
    const dir = referenceCasesDir();
    const cases = fs
      .readdirSync(dir)
      .filter(
        (file) =>
          file.endsWith('.rs') &&
          fs.existsSync(path.join(dir, file.replace(/\.rs$/, '.expected.json'))),
      )
      .sort()
      .map((fileName) => ({
        name: fileName.replace(/\.rs$/, ''),
        fileName,
        expected: JSON.parse(
          fs.readFileSync(path.join(dir, fileName.replace(/\.rs$/, '.expected.json')), 'utf8'),
        ),
      }));
    return { dir, cases };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The expected.json shape; fns drop their line, which only the source (not rustc) can tell. */
function condenseExpected(future: ExpectedFuture): ExpectedFuture {
  const condensed: ExpectedFuture = {
    kind: future.kind,
    name: future.name,
    size: future.size,
    align: future.align,
    variants: future.variants.map((variant) => ({
      name: variant.name,
      locals: variant.locals.map(condenseLocal),
    })),
  };
  if (future.kind !== 'fn') {
    condensed.line = future.line;
  }
  return condensed;
}

function condenseLocal(local: ExpectedLocal): ExpectedLocal {
  const condensed: ExpectedLocal = { name: local.name, size: local.size };
  if (local.type !== undefined) {
    condensed.type = local.type;
  }
  if (local.upvar) {
    condensed.upvar = true;
  }
  return condensed;
}

/** The parser's future in expected.json's shape: upvars listed once, in Unresumed. */
function condenseParsed(future: RustcFuture): ExpectedFuture {
  const asLocal = (field: RustcField): ExpectedLocal =>
    condenseLocal({
      name: field.name,
      size: field.size,
      type: field.type,
      upvar: field.kind === 'upvar',
    });
  const condensed: ExpectedFuture = {
    kind: future.kind,
    name: future.name,
    size: future.size,
    align: future.align,
    variants: future.variants.map((variant) => ({
      name: variant.name,
      locals: [...(variant.name === 'Unresumed' ? future.upvars : []), ...variant.locals].map(
        asLocal,
      ),
    })),
  };
  if (future.kind !== 'fn') {
    condensed.line = future.line;
  }
  return condensed;
}

function byKindAndName(a: ExpectedFuture, b: ExpectedFuture): number {
  const key = (f: ExpectedFuture) => `${f.kind}|${f.name}|${f.line ?? ''}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** Runs `work` over `items` with at most `limit` at a time (CI machines have 2 cores). */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      await work(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

describe('rustc -Zprint-type-sizes on the reference cases', function () {
  this.timeout(600_000);
  const located = locateCases();
  const cases = located instanceof Error ? [] : located.cases;
  const outputs = new Map<string, RustcRunResult>();
  let rustcVersion = '';

  before(async function () {
    if (located instanceof Error) {
      throw located;
    }
    const version = rustcAvailable();
    if (version === null) {
      throw new Error(INSTALL_HINT);
    }
    rustcVersion = version;
    // Relative file names in the cases folder make rustc print spans as the expected files have them.
    await forEachLimited(cases, 2, async (testCase) => {
      const run = await runPrintTypeSizesAsync(testCase.fileName, testCase.expected.edition, {
        cwd: located.dir,
      });
      outputs.set(testCase.name, run);
    });
  });

  it('finds the reference cases', () => {
    assert.ok(!(located instanceof Error), String(located));
    assert.ok(cases.length > 0, 'no *.rs with *.expected.json in the reference cases folder');
  });

  for (const testCase of cases) {
    it(`${testCase.name}: parsed futures equal expected.json`, () => {
      const run = outputs.get(testCase.name);
      assert.ok(run, 'rustc did not run');
      assert.ok(run.ok, `rustc failed on ${testCase.fileName}: ${run.ok ? '' : run.error}`);
      const parsed = futuresFromTypes(parsePrintTypeSizes(run.stdout), testCase.fileName).map(
        condenseParsed,
      );
      const expected = testCase.expected.futures.map(condenseExpected);
      const versionNote = rustcVersion.includes(`rustc ${EXPECTED_RUSTC}.`)
        ? ''
        : ` (expected files come from rustc ${testCase.expected.rustc}; this is ${rustcVersion})`;
      assert.deepStrictEqual(
        parsed.sort(byKindAndName),
        expected.sort(byKindAndName),
        `${testCase.fileName}: futures differ from the expected file${versionNote}`,
      );
    });
  }
});

describe('runPrintTypeSizes', function () {
  this.timeout(120_000);

  it('runs rustc synchronously and reports compile errors without throwing', function () {
    if (rustcAvailable() === null) {
      throw new Error(INSTALL_HINT);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pts-test-'));
    try {
      const good = path.join(dir, 'good.rs');
      fs.writeFileSync(good, 'pub async fn f(x: u64) -> u64 { x }\n');
      const ok = runPrintTypeSizes(good, '2021');
      assert.ok(ok.ok, ok.ok ? '' : ok.error);
      const [future] = futuresFromTypes(parsePrintTypeSizes(ok.stdout), good);
      assert.deepStrictEqual(
        [future.name, future.size, future.upvars.map((u) => u.name)],
        ['f', 16, ['x']],
      );

      const bad = path.join(dir, 'bad.rs');
      fs.writeFileSync(bad, 'pub fn broken( {\n');
      const failed = runPrintTypeSizes(bad, '2021');
      assert.strictEqual(failed.ok, false);
      assert.match(failed.ok ? '' : failed.error, /^rustc exited with status 1: error/);

      const missing = runPrintTypeSizes(good, '2021', { rustc: path.join(dir, 'no-such-rustc') });
      assert.strictEqual(missing.ok, false);
      assert.match(missing.ok ? '' : missing.error, /not found; install Rust with rustup/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
