/**
 * Calibration: build the crate once with `-Zprint-type-sizes`, in a target directory of our own so the
 * user's build cache is untouched, and keep rustc's exact sizes for every future and type it printed.
 * This runs the user's build (build scripts, proc macros): callers must only do it in trusted workspaces.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeCrate, Edition, initAnalysis } from '../analysis/engine';
import type { CalibrationData, MeasuredFuture } from '../analysis/types/calibration';
import { futuresFromTypes, parsePrintTypeSizes, typeSizesFromTypes } from './printTypeSizes';
import { matchFutures } from './matchFutures';
import { readCrateLayout } from '../project/crateLayout';
import { EditionResolver } from '../project/edition';
import { readManifest } from '../project/manifest';

export interface CalibrateOptions {
  /** Use `RUSTC_BOOTSTRAP=1` with the stable toolchain when no nightly is installed. */
  allowBootstrap: boolean;
  /** Defaults to `<crate>/target/rust-future-size`. */
  targetDir?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export type CalibrateResult =
  | { ok: true; file: string; data: CalibrationData; measured: number; total: number }
  | { ok: false; error: string };

export const CALIBRATION_FILE = 'calibration.json';

export function defaultCalibrationPath(crateRoot: string): string {
  return path.join(crateRoot, 'target', 'rust-future-size', CALIBRATION_FILE);
}

/** Reads a stored calibration; null (never an exception) when missing or unreadable. */
export function loadCalibration(file: string): CalibrationData | null {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as CalibrationData;
    return data && data.version === 1 && Array.isArray(data.futures) ? data : null;
  } catch {
    return null;
  }
}

export async function calibrateCrate(
  crateRoot: string,
  options: CalibrateOptions,
): Promise<CalibrateResult> {
  const layout = readCrateLayout(crateRoot);
  const targetDir = options.targetDir ?? path.join(crateRoot, 'target', 'rust-future-size');
  const toolchain = await chooseToolchain(options.allowBootstrap);
  if (!toolchain) {
    return {
      ok: false,
      error:
        'measuring sizes needs a nightly toolchain (`rustup toolchain install nightly`) or permission to use RUSTC_BOOTSTRAP=1 with the stable one',
    };
  }
  const env = {
    ...process.env,
    CARGO_TARGET_DIR: targetDir,
    ...(toolchain === 'bootstrap' ? { RUSTC_BOOTSTRAP: '1' } : {}),
  };
  const cargo = (args: string[]) => (toolchain === 'nightly' ? ['+nightly', ...args] : args);
  options.onProgress?.(
    `cleaning ${layout.name} in ${path.relative(crateRoot, targetDir) || targetDir}`,
  );
  // Only this crate's own artifacts go, so rustc runs again and prints its layouts; dependencies stay built.
  await run(
    'cargo',
    cargo(['clean', '-p', layout.name, '--target-dir', targetDir]),
    crateRoot,
    env,
    options.signal,
  );
  options.onProgress?.(`building ${layout.name} with -Zprint-type-sizes`);
  const target = hasLibrary(crateRoot) ? ['--lib'] : [];
  const build = await run(
    'cargo',
    cargo(['rustc', ...target, '--target-dir', targetDir, '--', '-Zprint-type-sizes']),
    crateRoot,
    env,
    options.signal,
  );
  if (build.code !== 0) {
    return {
      ok: false,
      error: firstCompilerError(build.stderr) ?? `cargo exited with status ${build.code}`,
    };
  }
  options.onProgress?.('mapping measurements to the source');
  const types = parsePrintTypeSizes(build.stdout);
  const rustcFutures = futuresFromTypes(types);
  await initAnalysis();
  const edition = calibrationEdition(crateRoot, (message) => options.onProgress?.(message));
  const reports = analyzeCrate(
    layout.files.map((f) => ({ file: f.path, text: readOr(f.path), modulePath: f.modulePath })),
    { edition },
  );
  const measured: MeasuredFuture[] = [];
  for (const report of reports) {
    // rustc names blocks and closures by file (relative to the crate root); fns by path.
    const relative = path.relative(crateRoot, report.file).replace(/\\/g, '/');
    const candidates = rustcFutures.filter(
      (f) => f.kind === 'fn' || !f.file || f.file.replace(/\\/g, '/').endsWith(relative),
    );
    for (const pair of matchFutures(report.futures, candidates).pairs) {
      if (!measured.some((m) => m.hash === pair.engine.hash && m.name === pair.engine.name)) {
        measured.push({
          kind: pair.engine.kind,
          name: pair.engine.name,
          hash: pair.engine.hash,
          size: pair.rustc.size,
          align: pair.rustc.align,
        });
      }
    }
  }
  const data: CalibrationData = {
    version: 1,
    rustc: (
      await run(
        'rustc',
        toolchain === 'nightly' ? ['+nightly', '--version'] : ['--version'],
        crateRoot,
        env,
      )
    ).stdout.trim(),
    createdAt: new Date().toISOString(),
    futures: measured,
    types: Object.fromEntries(typeSizesFromTypes(types)),
  };
  const file = path.join(targetDir, CALIBRATION_FILE);
  fs.mkdirSync(targetDir, { recursive: true });
  // Written whole or not at all: a failed run keeps the previous measurements.
  fs.writeFileSync(file + '.tmp', JSON.stringify(data));
  fs.renameSync(file + '.tmp', file);
  const total = reports.reduce((n, r) => n + r.futures.length, 0);
  return { ok: true, file, data, measured: measured.length, total };
}

async function chooseToolchain(allowBootstrap: boolean): Promise<'nightly' | 'bootstrap' | null> {
  const list = await run('rustup', ['toolchain', 'list'], process.cwd(), process.env);
  if (list.code === 0 && /^nightly/m.test(list.stdout)) {
    return 'nightly';
  }
  return allowBootstrap ? 'bootstrap' : null;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, signal });
    } catch (e) {
      resolve({ code: -1, stdout: '', stderr: String(e) });
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => resolve({ code: -1, stdout, stderr: stderr + String(e) }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The compiler's first error, with its location line, as the user would want to read it. */
export function firstCompilerError(stderr: string): string | null {
  const lines = stderr.split('\n');
  const i = lines.findIndex((l) => /^error(\[E\d+\])?:/.test(l));
  if (i < 0) {
    return null;
  }
  const location = lines.slice(i + 1, i + 3).find((l) => /-->/.test(l));
  return location ? `${lines[i]} (${location.trim().replace(/^-->\s*/, '')})` : lines[i];
}

/**
 * The edition rustc compiled the crate with, so the engine reads it the same way:
 * `edition.workspace = true` is followed to the workspace root, a missing edition is Cargo's 2015.
 */
export function calibrationEdition(crateRoot: string, warn: (message: string) => void): Edition {
  return new EditionResolver(warn, crateRoot).editionOfPackage(crateRoot);
}

/** Whether the package builds a library: `src/lib.rs`, or a `[lib]` target in its manifest. */
function hasLibrary(crateRoot: string): boolean {
  if (fs.existsSync(path.join(crateRoot, 'src', 'lib.rs'))) {
    return true;
  }
  const read = readManifest(crateRoot);
  return read.kind === 'parsed' && read.manifest.targets.some((t) => t.kind === 'lib');
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
