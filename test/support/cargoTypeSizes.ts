/**
 * rustc's future layouts for a small cargo workspace of the fixtures: `cargo rustc --lib
 * -Zprint-type-sizes` on a copy of it, offline, with a fresh `CARGO_HOME` (path and vendored
 * dependencies only).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RustcFuture } from '../../server/src/measure/printTypeSizes';
import { loadServerModule } from './repoPaths';

const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

/** The futures rustc prints for the workspace's library; null when cargo is not installed. */
export function cargoLibFutures(workspace: string, scratch: string): RustcFuture[] | null {
  const copy = fs.mkdtempSync(path.join(scratch, `${path.basename(workspace)}-`));
  fs.cpSync(workspace, copy, { recursive: true });
  const home = fs.mkdtempSync(path.join(scratch, 'cargo-home-'));
  const run = spawnSync(
    'cargo',
    ['rustc', '--offline', '--lib', '-q', '--', '-Zprint-type-sizes'],
    {
      cwd: copy,
      env: {
        ...process.env,
        CARGO_HOME: home,
        CARGO_TARGET_DIR: path.join(copy, 'target'),
        RUSTC_BOOTSTRAP: '1',
      },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (run.error) {
    return null;
  }
  if (run.status !== 0) {
    throw new Error(`cargo failed: ${run.stderr}`);
  }
  return rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout));
}

/**
 * Each of `futures` (the engine's fn futures) beside rustc's of the same name, from a cargo build
 * of the workspace; fails when rustc printed none of that name. Null, with a line saying so, when
 * cargo is not installed.
 */
export function pairWithCargo<F extends { name: string }>(
  workspace: string,
  scratch: string,
  futures: F[],
): [F, RustcFuture][] | null {
  const rustc = cargoLibFutures(workspace, scratch);
  if (rustc === null) {
    console.log('      (cargo not installed: sizes not compared with rustc)');
    return null;
  }
  return futures.map((f) => {
    const theirs = rustc.find((r) => r.kind === 'fn' && r.name === f.name);
    assert.ok(theirs, `rustc printed ${f.name}`);
    return [f, theirs];
  });
}
