/**
 * A fixture workspace's library analysed as the CLI analyses a crate: its dependencies read from
 * their sources through a CARGO_HOME of its own under `tempRoot` (no cache shared between tests).
 * `initAnalysis()` must have completed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FutureReport } from '../../server/src/analysis/report';
import { loadServerModule } from './repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const deps = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyTypes')>(
  'analysis/deps/dependencyTypes',
);
const loader = loadServerModule<typeof import('../../server/src/project/dependencyLoader')>(
  'project/dependencyLoader',
);

/** The `async fn` futures of `workspace`'s `src/lib.rs`, with every dependency on the machine. */
export function libFnFutures(workspace: string, tempRoot: string): FutureReport[] {
  const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
  const loaded = loader.loadDependencies(workspace, undefined, { env: { CARGO_HOME: home } });
  assert.ok(loaded, 'a crate graph');
  assert.deepStrictEqual(loaded.missing, []);
  const text = fs.readFileSync(path.join(workspace, 'src', 'lib.rs'), 'utf8');
  const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
    edition: '2021',
    dependencies: new deps.DependencyTypes(loaded.graph),
  });
  return report.futures.filter((f) => f.kind === 'fn');
}

const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

/**
 * Asserts that each named fn of `workspace`'s lib is exact and equal to the rustc output recorded
 * beside it (`rustc-print-type-sizes.txt`), its dependencies read from `registry` as a cargo
 * directory source. False when no crate graph loads there (the caller skips).
 */
export function matchesRecordedRustc(
  workspace: string,
  registry: string,
  names: readonly string[],
): boolean {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-recorded-'));
  try {
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      '[source.crates-io]\nreplace-with = "debian"\n' +
        `[source.debian]\ndirectory = "${registry}"\n`,
    );
    const loaded = loader.loadDependencies(workspace, undefined, { env: { CARGO_HOME: home } });
    if (!loaded) {
      return false;
    }
    const text = fs.readFileSync(path.join(workspace, 'src', 'lib.rs'), 'utf8');
    const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
      edition: '2021',
      dependencies: new deps.DependencyTypes(loaded.graph),
    });
    const printed = fs.readFileSync(path.join(workspace, 'rustc-print-type-sizes.txt'), 'utf8');
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(printed));
    for (const name of names) {
      const ours = report.futures.find((f) => f.name === name);
      const theirs = rustc.find((r) => r.kind === 'fn' && r.name === name);
      assert.ok(ours && theirs, name);
      assert.ok(ours.exact, `${name} is exact (unknown: ${ours.unknown.join(', ')})`);
      assert.strictEqual(
        ours.size,
        theirs.size,
        `${name}: engine ${ours.size}, rustc ${theirs.size}`,
      );
    }
    return true;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
