/**
 * Calibration: build the crate once with `-Zprint-type-sizes` (`cargoBuild.ts`: in the user's own
 * target directory, reusing the dependencies built there, with a fingerprint of its own for the
 * crate), with the first toolchain that can (`toolchain.ts`), and keep rustc's exact sizes and
 * layouts for every future and the sizes of every type it printed.
 * This runs the user's build (build scripts, proc macros): callers must only do it in trusted workspaces.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeCrate, Edition, initAnalysis } from '../analysis/engine';
import type { FileReport } from '../analysis/report';
import type { CalibrationData, MeasuredFuture } from '../analysis/types/calibration';
import { buildWithTypeSizes } from './cargoBuild';
import { measuredLayoutOf } from './measuredLayout';
import {
  futuresFromTypes,
  parsePrintTypeSizes,
  RustcFuture,
  typeSizesFromTypes,
} from './printTypeSizes';
import {
  describeToolchain,
  InstalledToolchains,
  toolchainArgs,
  ToolchainKind,
  toolchainCandidates,
  worthAnotherToolchain,
} from './toolchain';
import { matchFutures } from './matchFutures';
import { readCrateLayout } from '../project/crateLayout';
import { EditionResolver } from '../project/edition';
import { readManifest } from '../project/manifest';

export interface CalibrateOptions {
  /** Use `RUSTC_BOOTSTRAP=1` with the stable toolchain when no nightly is installed or works. */
  allowBootstrap: boolean;
  /**
   * cargo's `--target-dir`, and where the measurements are stored. Without it cargo builds in the
   * crate's usual target directory and they are stored in `<crate>/target/rust-future-size`.
   */
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
  const scratchDir = options.targetDir ?? path.join(crateRoot, 'target', 'rust-future-size');
  const built = await buildWithSomeToolchain(crateRoot, layout.name, scratchDir, options);
  if (!built.ok) {
    return built;
  }
  options.onProgress?.('mapping measurements to the source');
  const types = parsePrintTypeSizes(built.printed);
  const measured = await mapToSource(crateRoot, layout, futuresFromTypes(types), options);
  const data: CalibrationData = {
    version: 1,
    rustc: built.rustc,
    toolchain: built.toolchain,
    createdAt: new Date().toISOString(),
    futures: measured.futures,
    types: Object.fromEntries(typeSizesFromTypes(types)),
  };
  const file = path.join(scratchDir, CALIBRATION_FILE);
  fs.mkdirSync(scratchDir, { recursive: true });
  // Written whole or not at all: a failed run keeps the previous measurements.
  fs.writeFileSync(file + '.tmp', JSON.stringify(data));
  fs.renameSync(file + '.tmp', file);
  return { ok: true, file, data, measured: measured.futures.length, total: measured.total };
}

type Built =
  | { ok: true; printed: string; rustc: string; toolchain: ToolchainKind }
  | { ok: false; error: string };

/**
 * Builds with each candidate toolchain in turn (`toolchain.ts`) until one builds the crate, and
 * names the one it uses in the progress, so the log says which compiler measured.
 */
async function buildWithSomeToolchain(
  crateRoot: string,
  packageName: string,
  scratchDir: string,
  options: CalibrateOptions,
): Promise<Built> {
  const progress = (message: string) => options.onProgress?.(message);
  const installed = await installedToolchains(crateRoot);
  const lastWorked = loadCalibration(path.join(scratchDir, CALIBRATION_FILE))?.toolchain;
  const candidates = toolchainCandidates(installed, options.allowBootstrap, lastWorked);
  if (!candidates.length) {
    return { ok: false, error: NO_TOOLCHAIN };
  }
  const targetArgs = hasLibrary(crateRoot) ? ['--lib'] : [];
  const failures: string[] = [];
  for (const [i, toolchain] of candidates.entries()) {
    const version = await rustcVersion(crateRoot, toolchain);
    const rustc = describeToolchain(toolchain, version ?? '');
    if (version === null) {
      failures.push(`${nextLabel(toolchain)}: rustc does not run`);
      continue;
    }
    progress(`building ${packageName} with ${rustc} and -Zprint-type-sizes`);
    const build = await buildWithTypeSizes({
      crateRoot,
      toolchain,
      targetArgs,
      targetDir: options.targetDir,
      scratchDir,
      signal: options.signal,
      onNotice: progress,
    });
    if (build.forced) {
      progress(`${packageName} was unchanged since the last measurement; built it again`);
    }
    if (build.code === 0 && build.printed) {
      return { ok: true, printed: build.printed, rustc, toolchain };
    }
    const error =
      firstCompilerError(build.stderr) ??
      (build.code === 0 ? 'rustc printed no type sizes' : `cargo exited with status ${build.code}`);
    failures.push(`${rustc}: ${error}`);
    const next = candidates[i + 1];
    if (options.signal?.aborted || !next || !worthAnotherToolchain(build.stderr, packageName)) {
      return { ok: false, error: failures.length === 1 ? error : failures.join('; then ') };
    }
    progress(`${rustc} could not build it (${error}); trying ${nextLabel(next)}`);
  }
  return { ok: false, error: failures.join('; then ') };
}

const NO_TOOLCHAIN =
  'measuring sizes needs a nightly toolchain (`rustup toolchain install nightly`) or permission to use RUSTC_BOOTSTRAP=1 with the stable one';

function nextLabel(kind: ToolchainKind): string {
  return kind === 'bootstrap'
    ? 'the default toolchain with RUSTC_BOOTSTRAP=1'
    : `the ${kind} toolchain`;
}

async function installedToolchains(crateRoot: string): Promise<InstalledToolchains> {
  const list = await run('rustup', ['toolchain', 'list'], crateRoot, process.env);
  return {
    rustupList: list.code === 0 ? list.stdout : null,
    defaultRustc: await rustcVersion(crateRoot, 'default'),
  };
}

/** `rustc --version` of the toolchain, run where cargo will run (a rust-toolchain file applies). */
async function rustcVersion(crateRoot: string, toolchain: ToolchainKind): Promise<string | null> {
  const args = [...toolchainArgs(toolchain), '--version'];
  const result = await run('rustc', args, crateRoot, process.env);
  return result.code === 0 && result.stdout.trim() ? result.stdout.trim() : null;
}

/** Pairs rustc's futures with the engine's, file by file, keeping rustc's size and layout. */
async function mapToSource(
  crateRoot: string,
  layout: ReturnType<typeof readCrateLayout>,
  rustcFutures: RustcFuture[],
  options: CalibrateOptions,
): Promise<{ futures: MeasuredFuture[]; total: number }> {
  await initAnalysis();
  const edition = calibrationEdition(crateRoot, (message) => options.onProgress?.(message));
  const reports = analyzeCrate(
    layout.files.map((f) => ({ file: f.path, text: readOr(f.path), modulePath: f.modulePath })),
    { edition },
  );
  const measured = measuredFutures(crateRoot, reports, rustcFutures);
  const total = reports.reduce((n, r) => n + r.futures.length, 0);
  return { futures: measured, total };
}

/**
 * rustc's measurements of the engine's futures: size, alignment and rustc's layout, for each future
 * rustc printed and the engine pairs with it (`matchFutures`), under the engine's name and hash.
 */
export function measuredFutures(
  crateRoot: string,
  reports: FileReport[],
  rustcFutures: RustcFuture[],
): MeasuredFuture[] {
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
          layout: measuredLayoutOf(pair.rustc),
        });
      }
    }
  }
  return measured;
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
