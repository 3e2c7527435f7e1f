/**
 * tokio's `select!` with awaits inside its handlers: the `output` local the macro matches the
 * handlers on (a variant per branch) is held across a handler's awaits when it has drop glue, and
 * its storage, live from its `let` across the select's own await, puts it in the prefix. Compared
 * with the workspace `select_handlers` (its recorded rustc output, tokio from Debian's registry).
 */
import * as fs from 'fs';
import { loadServerModule, workspaceFixture } from '../support/repoPaths';
import { matchesRecordedRustc } from '../support/workspaceLib';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

const DEBIAN_REGISTRY = '/usr/share/cargo/registry';
const WORKSPACE = workspaceFixture('select_handlers');

describe('tokio select! handlers that await', function () {
  this.timeout(300_000);

  before(() => engine.initAnalysis());

  it('sizes the select_handlers workspace as its recorded rustc output', function () {
    if (!fs.existsSync(DEBIAN_REGISTRY)) {
      this.skip();
    }
    // s1, s2 and s4 match on a value of unknown type in the handler: lower bounds, not compared.
    const names = ['s3', 's5', 's6', 'join'];
    if (!matchesRecordedRustc(WORKSPACE, DEBIAN_REGISTRY, names)) {
      this.skip();
    }
  });
});
