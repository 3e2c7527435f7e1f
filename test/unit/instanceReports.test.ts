/**
 * The instances of generic async fns, each reported as a future of its own next to the generic
 * fn (`FileReport.instances`): named as rustc names them, exact only when every type argument is
 * known, moved to the generic fn's file across a crate, the same after edits as fresh, paired with
 * rustc's instance of the same arguments, and shown by the text, JSON, hover and `large-future`.
 * Their sizes against rustc are checked by engine fixtures 127–133.
 */
import * as assert from 'assert';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileReport, FutureReport } from '../../server/src/analysis/report';
import type { RustcFuture } from '../../server/src/measure/printTypeSizes';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const instanceReports = loadServerModule<
  typeof import('../../server/src/analysis/coroutine/instanceReports')
>('analysis/coroutine/instanceReports');
const matcher =
  loadServerModule<typeof import('../../server/src/measure/matchFutures')>('measure/matchFutures');
const trees =
  loadServerModule<typeof import('../../server/src/lsp/syntaxTrees')>('lsp/syntaxTrees');
const formatText =
  loadServerModule<typeof import('../../server/src/cli/formatText')>('cli/formatText');
const formatJson =
  loadServerModule<typeof import('../../server/src/cli/formatJson')>('cli/formatJson');
const hovers = loadServerModule<typeof import('../../server/src/lsp/hovers')>('lsp/hovers');
const largeFuture =
  loadServerModule<typeof import('../../server/src/lints/largeFuture')>('lints/largeFuture');
const sourceText =
  loadServerModule<typeof import('../../server/src/text/sourceText')>('text/sourceText');

const HOLD = `
pub mod m {
    pub async fn pause() {}

    pub async fn hold<T>(value: T) -> usize {
        pause().await;
        std::mem::size_of_val(&value)
    }

    pub async fn pair<A, B>(a: A, b: B) -> usize {
        pause().await;
        std::mem::size_of_val(&a) + std::mem::size_of_val(&b)
    }
}

pub async fn plain() -> usize {
    let a = m::hold(7u8).await;
    let b = m::hold([0u64; 4]).await;
    let c = m::pair(1u8, unknown_value()).await;
    a + b + c
}
`;

function analyse(text: string, file = 'lib.rs'): FileReport {
  return engine.analyzeSource(text, { file, edition: '2021' });
}

function names(instances: readonly FutureReport[] | undefined): string[] {
  return (instances ?? []).map((i) => i.name);
}

describe('instances of generic async fns', function () {
  this.timeout(120_000);

  before(() => engine.initAnalysis());

  it('reports each instance the file makes, named as rustc names it, next to its generic fn', () => {
    const report = analyse(HOLD);
    // The most expensive first: `pair<u8, _>` is a lower bound of 3 bytes.
    assert.deepStrictEqual(names(report.instances), [
      'm::hold<[u64; 4]>',
      'm::hold<u8>',
      'm::pair<u8, _>',
    ]);
    const hold = report.futures.find((f) => f.name === 'm::hold')!;
    const ofHold = instanceReports.instancesOf(report, hold);
    assert.deepStrictEqual(names(ofHold), ['m::hold<[u64; 4]>', 'm::hold<u8>']);
    const [large, small] = ofHold;
    // rustc 1.95: `hold<[u64; 4]>` is 72 bytes, `hold<u8>` 4.
    assert.deepStrictEqual([large.size, large.exact, small.size, small.exact], [72, true, 4, true]);
    assert.deepStrictEqual(large.instanceOf, {
      name: 'm::hold',
      file: 'lib.rs',
      line: hold.line,
      column: hold.column,
    });
    assert.deepStrictEqual(large.typeArguments, ['[u64; 4]']);
    // Its values are typed with its arguments, not the generic walk's parameters.
    assert.deepStrictEqual(
      large.upvars.map((u) => [u.name, u.type, u.size]),
      [['value', '[u64; 4]', 32]],
    );
    assert.deepStrictEqual(large.calledFrom, [{ name: 'plain', file: 'lib.rs', line: 16 }]);
  });

  it('gives a lower bound, not an exact size, for an instance with an argument it cannot resolve', () => {
    const report = analyse(HOLD);
    const pair = report.instances!.find((i) => i.name === 'm::pair<u8, _>')!;
    assert.deepStrictEqual(pair.typeArguments, ['u8', '_']);
    assert.strictEqual(pair.exact, false);
    assert.deepStrictEqual(pair.unknown, ['B']);
  });

  it('moves the instances another file made to the file of their generic fn', () => {
    const callee =
      'pub async fn pause() {}\npub async fn hold<T>(v: T) -> usize { pause().await; std::mem::size_of_val(&v) }\n';
    const caller =
      'use crate::store::hold;\npub async fn calls() -> usize { hold(1u32).await + hold(String::new()).await }\n';
    const made = engine.analyzeCrate(
      [
        { file: 'src/lib.rs', text: 'pub mod store;\npub mod user;\n', modulePath: [] },
        { file: 'src/store.rs', text: callee, modulePath: ['store'] },
        { file: 'src/user.rs', text: caller, modulePath: ['user'] },
      ],
      { edition: '2021' },
    );
    // As the analysis gives them: with the file whose code made them.
    assert.deepStrictEqual(names(made.find((r) => r.file === 'src/user.rs')!.instances), [
      'store::hold<String>',
      'store::hold<u32>',
    ]);
    const reports = instanceReports.attachInstances(made);
    const store = reports.find((r) => r.file === 'src/store.rs')!;
    const user = reports.find((r) => r.file === 'src/user.rs')!;
    assert.deepStrictEqual(names(store.instances), ['store::hold<String>', 'store::hold<u32>']);
    assert.strictEqual(user.instances, undefined);
    assert.deepStrictEqual(store.instances![0].calledFrom, [
      { name: 'user::calls', file: 'src/user.rs', line: 2 },
    ]);
    // Joining reports already attached changes nothing.
    assert.deepStrictEqual(instanceReports.attachInstances(reports), reports);
  });

  it('lists the same instances after edits as a fresh analysis', () => {
    const store = new trees.SyntaxTrees();
    const cache = new engine.WalkCache();
    let document = TextDocument.create('file:///lib.rs', 'rust', 1, HOLD);
    const edits: [string, string][] = [
      ['let a = m::hold(7u8).await;', 'let a = m::hold(7u16).await;'],
      ['std::mem::size_of_val(&value)', 'std::mem::size_of_val(&value) + 1'],
      ['let b = m::hold([0u64; 4]).await;', 'let b = m::hold([0u64; 4]).await; let z = 1u8;'],
      ['let z = 1u8;', ''],
    ];
    try {
      const analyseCached = () => {
        const report = engine.analyzeSource(document.getText(), {
          file: 'lib.rs',
          edition: '2021',
          walkCache: cache,
          tree: store.treeFor(document, 5000),
        });
        cache.sweep();
        return report;
      };
      analyseCached();
      for (const [from, to] of edits) {
        const at = document.getText().indexOf(from);
        const change = {
          range: { start: document.positionAt(at), end: document.positionAt(at + from.length) },
          text: to,
        };
        store.recordChanges(document, [change]);
        document = TextDocument.update(document, [change], document.version + 1);
        const cached = analyseCached();
        const fresh = analyse(document.getText());
        assert.deepStrictEqual(cached.instances, fresh.instances, `after ${to}`);
      }
    } finally {
      store.forget(document.uri);
    }
  });
});

describe('instances of generic async fns against rustc and in the outputs', function () {
  this.timeout(120_000);

  before(() => engine.initAnalysis());

  it('pairs an instance with rustc’s of the same arguments, and the generic fn with the others', () => {
    const report = analyse(HOLD);
    const rustc = (name: string, size: number): RustcFuture =>
      ({ kind: 'fn', name, size, align: 8, variants: [] }) as unknown as RustcFuture;
    const printed = [
      rustc('m::hold<u16>', 4),
      rustc('m::hold<[u64; 4]>', 72),
      rustc('m::hold<u8>', 4),
      rustc('m::pair<u8, std::vec::Vec<u32>>', 40),
    ];
    const match = matcher.matchFutures([...report.futures, ...report.instances!], printed);
    const pairs = match.pairs.map((p) => [p.engine.name, p.rustc.name]).sort();
    assert.deepStrictEqual(
      pairs.filter(([, r]) => r.startsWith('m::')),
      [
        ['m::hold', 'm::hold<u16>'],
        ['m::hold<[u64; 4]>', 'm::hold<[u64; 4]>'],
        ['m::hold<u8>', 'm::hold<u8>'],
        ['m::pair<u8, _>', 'm::pair<u8, std::vec::Vec<u32>>'],
      ],
    );
  });

  it('compares type arguments as rustc prints them and as the engine does', () => {
    const norm = (name: string) => matcher.typeArgumentsOf(name).map(matcher.normaliseTypeArgument);
    assert.deepStrictEqual(norm('m::f<std::vec::Vec<u8>, &std::string::String>'), [
      'Vec<u8>',
      '&String',
    ]);
    assert.deepStrictEqual(norm('fs::asyncify<{closure@src/fs/file.rs:491:18: 491:25}, ()>'), [
      '{closure@491:18}',
      '()',
    ]);
    assert.deepStrictEqual(norm('Slot<u64>::fill'), ['u64']);
    assert.deepStrictEqual(norm('m::f<fn(u8) -> u8, (A, B)>'), ['fn(u8) -> u8', '(A, B)']);
  });

  it('shows the instances in the text and JSON output, the hover and `large-future`', () => {
    const text = `${HOLD}\npub async fn big() -> usize { m::hold([0u8; 20000]).await }\n`;
    const report = analyse(text);
    const out = formatText.formatText([report]);
    assert.match(
      out,
      /\n {2}instances: 4–40002 B in 3 instances: m::hold<\[u8; 20000\]> \(40002 B\), m::hold<\[u64; 4\]> \(72 B\), m::hold<u8> \(4 B\)\n/,
    );
    const json = formatJson.toJsonReport([report]);
    const hold = json.futures.find((f) => f.name === 'm::hold')!;
    assert.deepStrictEqual(
      hold.instances!.map((i) => [i.name, i.size, i.exact, i.typeArguments]),
      [
        ['m::hold<[u8; 20000]>', 40002, true, ['[u8; 20000]']],
        ['m::hold<[u64; 4]>', 72, true, ['[u64; 4]']],
        ['m::hold<u8>', 4, true, ['u8']],
      ],
    );
    assert.strictEqual(json.futures.find((f) => f.name === 'plain')!.instances, undefined);

    const source = new sourceText.SourceText(text);
    const future = report.futures.find((f) => f.name === 'm::hold')!;
    const span = source.futureNameSpan(future);
    const hover = hovers.hoverAt(report.futures, source, span.start, null, report);
    const value = (hover!.contents as { value: string }).value;
    assert.match(value, /\*\*Instances in the crate\*\*: 4–40002 B in 3 instances/);
    assert.match(value, /`m::hold<\[u8; 20000\]>` \| 40002\u00a0B \| `big`/);

    const findings = largeFuture.largeFuture.check(report, source, {
      largeFutureThreshold: 16384,
    } as never);
    const onHold = findings.find((f) => f.future.name === 'm::hold');
    assert.ok(onHold, 'the generic fn is judged by its largest instance');
    assert.match(onHold.message, /40002 bytes \(its instance `m::hold<\[u8; 20000\]>`\)/);
  });
});
