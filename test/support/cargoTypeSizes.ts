/**
 * rustc's future layouts for a small cargo workspace of the fixtures: `cargo rustc --lib
 * -Zprint-type-sizes` on a copy of it, offline, with a fresh `CARGO_HOME` (path and vendored
 * dependencies only).
 */
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
