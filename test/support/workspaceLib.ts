/**
 * A fixture workspace's library analysed as the CLI analyses a crate: its dependencies read from
 * their sources through a CARGO_HOME of its own under `tempRoot` (no cache shared between tests).
 * `initAnalysis()` must have completed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
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
