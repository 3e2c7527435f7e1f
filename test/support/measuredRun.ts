/**
 * A crate whose future only rustc can size: `run` (`lib.rs`) holds `net::Listener` and
 * `net::Socket` from another crate (`net.rs`) across its awaits. `printed.txt` is what rustc
 * prints for it (`-Zprint-type-sizes`, the std types left out), the measurement the measure tests
 * feed the calibration; `printedByRustc` recompiles it, so a test can check the recording is rustc's.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { repositoryRoot } from './fixAccuracy';

const DIR = path.join(repositoryRoot(), 'test', 'fixtures', 'measure', 'net-run');

/** The measured crate's `src/lib.rs`. */
export const MEASURED_SOURCE = fs.readFileSync(path.join(DIR, 'lib.rs'), 'utf8');

/** What rustc printed for it, as recorded. */
export const MEASURED_PRINTED = fs.readFileSync(path.join(DIR, 'printed.txt'), 'utf8');

/** The blocks of a `-Zprint-type-sizes` output that describe the program's own types, not std's. */
export function ownTypeBlocks(printed: string): string {
  let keep = false;
  const kept: string[] = [];
  for (const line of printed.split('\n')) {
    if (line.startsWith('print-type-size type: ')) {
      keep = !/type: `(std|core|alloc|unwind)::/.test(line);
    }
    if (keep && line.trim() !== '') {
      kept.push(line);
    }
  }
  return kept.join('\n') + '\n';
}

/** rustc's output for the crate today (its own types), or why it could not be compiled. */
export function printedByRustc(): { ok: true; printed: string } | { ok: false; error: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-net-run-'));
  const rustc = process.env.RUSTC ?? 'rustc';
  const env = { ...process.env, RUSTC_BOOTSTRAP: '1' };
  try {
    const net = spawnSync(
      rustc,
      ['--edition', '2021', '--crate-type', 'lib', '--crate-name', 'net', 'net.rs'].concat([
        '--out-dir',
        out,
      ]),
      { cwd: DIR, env, encoding: 'utf8' },
    );
    if (net.status !== 0) {
      return { ok: false, error: net.stderr || String(net.error) };
    }
    const app = spawnSync(
      rustc,
      [
        '--edition',
        '2021',
        '--crate-type',
        'lib',
        '--crate-name',
        'app',
        '-Zprint-type-sizes',
      ].concat(['--extern', `net=${path.join(out, 'libnet.rlib')}`, '--out-dir', out, 'lib.rs']),
      { cwd: DIR, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (app.status !== 0) {
      return { ok: false, error: app.stderr || String(app.error) };
    }
    return { ok: true, printed: ownTypeBlocks(app.stdout) };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
