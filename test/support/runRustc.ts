/**
 * Runs rustc with `-Zprint-type-sizes` on one file, for exact future sizes.
 *
 * `-Z` flags need a nightly compiler; `RUSTC_BOOTSTRAP=1` unlocks them on stable. The file is
 * compiled as a library so that it needs no `main`, into a temporary directory that is removed
 * afterwards. This spawns a compiler on workspace files: call it for trusted workspaces only.
 */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface RunRustcOptions {
  /** The rustc executable; defaults to `$RUSTC`, then `rustc` on the PATH. */
  rustc?: string;
  /**
   * Working directory for rustc. rustc prints block and closure spans with the file path as
   * given, so running in the file's folder with a bare file name gives relative paths.
   */
  cwd?: string;
  /** Kill rustc after this many milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Extra arguments placed before the file name (e.g. `--cfg feature="x"`). */
  extraArgs?: string[];
}

/** rustc's stdout on success; otherwise a one-paragraph error (exit status and first errors). */
export type RustcRunResult =
  { ok: true; stdout: string; stderr: string } | { ok: false; error: string; stderr?: string };

const DEFAULT_TIMEOUT_MS = 120_000;
// Real crates print tens of megabytes of type sizes; the default 1 MB would truncate them.
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const MAX_ERROR_CHARS = 2_000;

/** Runs `rustc -Zprint-type-sizes` synchronously. Never throws. */
export function runPrintTypeSizes(
  file: string,
  edition: string,
  opts: RunRustcOptions = {},
): RustcRunResult {
  const outDir = makeOutDir();
  if (typeof outDir !== 'string') {
    return outDir;
  }
  try {
    const result = spawnSync(rustcPath(opts), printTypeSizesArgs(file, edition, outDir, opts), {
      cwd: opts.cwd,
      env: rustcEnv(),
      encoding: 'utf8',
      maxBuffer: MAX_OUTPUT_BYTES,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    if (result.error) {
      return {
        ok: false,
        error: describeSpawnError(result.error, rustcPath(opts)),
        stderr: result.stderr ?? '',
      };
    }
    return toRunResult(result.status, result.signal, result.stdout, result.stderr);
  } finally {
    removeOutDir(outDir);
  }
}

/** Runs `rustc -Zprint-type-sizes` without blocking, so several files can compile in parallel. Never rejects. */
export async function runPrintTypeSizesAsync(
  file: string,
  edition: string,
  opts: RunRustcOptions = {},
): Promise<RustcRunResult> {
  const outDir = makeOutDir();
  if (typeof outDir !== 'string') {
    return outDir;
  }
  try {
    return await new Promise<RustcRunResult>((resolve) => {
      execFile(
        rustcPath(opts),
        printTypeSizesArgs(file, edition, outDir, opts),
        {
          cwd: opts.cwd,
          env: rustcEnv(),
          encoding: 'utf8',
          maxBuffer: MAX_OUTPUT_BYTES,
          timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        },
        (error, stdout, stderr) => resolve(execFileResult(error, stdout, stderr, rustcPath(opts))),
      );
    });
  } finally {
    removeOutDir(outDir);
  }
}

/** The `rustc --version` line (e.g. `rustc 1.95.0 (59807616e 2026-04-14)`), or null when rustc cannot run. */
export function rustcAvailable(rustc?: string): string | null {
  const result = spawnSync(rustc ?? rustcPath({}), ['--version'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error || result.status !== 0) {
    return null;
  }
  return result.stdout.trim() || null;
}

function rustcPath(opts: RunRustcOptions): string {
  return opts.rustc ?? process.env.RUSTC ?? 'rustc';
}

function printTypeSizesArgs(
  file: string,
  edition: string,
  outDir: string,
  opts: RunRustcOptions,
): string[] {
  return [
    '--edition',
    edition,
    '--crate-type',
    'lib',
    '-Zprint-type-sizes',
    '--cap-lints',
    'allow',
    // The output name also fixes the crate name, so files like `01_case.rs` compile.
    '-o',
    path.join(outDir, 'out.rlib'),
    ...(opts.extraArgs ?? []),
    file,
  ];
}

function rustcEnv(): NodeJS.ProcessEnv {
  return { ...process.env, RUSTC_BOOTSTRAP: '1' };
}

function makeOutDir(): string | { ok: false; error: string } {
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-'));
  } catch (err) {
    return { ok: false, error: `cannot create a temporary directory: ${String(err)}` };
  }
}

function removeOutDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // A leftover temp dir is harmless; the result matters more than the cleanup.
  }
}

function toRunResult(
  status: number | null,
  signal: NodeJS.Signals | null,
  stdout: string,
  stderr: string,
): RustcRunResult {
  if (status === 0) {
    return { ok: true, stdout, stderr };
  }
  const how = signal ? `was killed by ${signal}` : `exited with status ${status}`;
  return { ok: false, error: `rustc ${how}: ${firstErrors(stderr)}`, stderr };
}

function execFileResult(
  error: (Error & { code?: unknown; signal?: unknown; killed?: boolean }) | null,
  stdout: string,
  stderr: string,
  rustc: string,
): RustcRunResult {
  if (!error) {
    return { ok: true, stdout, stderr };
  }
  if (typeof error.code === 'string') {
    // Node's own failures: ENOENT, output over maxBuffer.
    return { ok: false, error: describeSpawnError(error, rustc), stderr };
  }
  if (error.killed) {
    return { ok: false, error: `${rustc} timed out`, stderr };
  }
  const status = typeof error.code === 'number' ? error.code : null;
  return toRunResult(status, (error.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr);
}

function describeSpawnError(error: Error & { code?: unknown }, rustc: string): string {
  if (error.code === 'ENOENT') {
    return `${rustc} was not found; install Rust with rustup (https://rustup.rs)`;
  }
  if (error.code === 'ETIMEDOUT') {
    return `${rustc} timed out`;
  }
  return `cannot run ${rustc}: ${error.message}`;
}

/** The `error` lines of rustc's diagnostics, which say more than the full stderr in a report. */
function firstErrors(stderr: string): string {
  const errors = stderr.split(/\r?\n/).filter((line) => line.startsWith('error'));
  const text = (errors.length > 0 ? errors.join('\n') : stderr).trim();
  return text.length > MAX_ERROR_CHARS
    ? `${text.slice(0, MAX_ERROR_CHARS)}…`
    : text || '(no output)';
}
