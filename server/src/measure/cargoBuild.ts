/**
 * One `cargo rustc … -- -Zprint-type-sizes` build of a package, in the user's own target
 * directory, so the dependencies the user (or an earlier measurement) already built are reused.
 *
 * What cargo does there (cargo 1.95, checked by hand and by `npm run bench`):
 * - `cargo rustc` passes the extra arguments to the package's own rustc run only, and they go into
 *   that unit's metadata hash: the measured build has a fingerprint and artifacts of its own
 *   (`deps/libname-<hash>`), and the user's `cargo build` of the package stays fresh.
 * - Dependencies keep the user's fingerprints, unless an environment variable they watch changes:
 *   build scripts such as proc-macro2's say `rerun-if-env-changed=RUSTC_BOOTSTRAP`, so setting it
 *   for the whole build reruns them and rebuilds everything above them (and again at the user's
 *   next build). RUSTC_BOOTSTRAP is therefore set by a `RUSTC_WORKSPACE_WRAPPER`, for the
 *   workspace's own rustc runs only.
 * - A unit whose sources did not change since the last measurement is fresh, and a fresh unit
 *   prints nothing: its fingerprint (ours, not the user's) is removed and the build run again.
 * - An incremental rebuild prints nothing either (the layouts come from its cache), so the build
 *   runs with CARGO_INCREMENTAL=0.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ToolchainKind, toolchainArgs } from './toolchain';

export interface CargoBuildOptions {
  crateRoot: string;
  toolchain: ToolchainKind;
  /** `--lib`, or nothing for a binary-only package. */
  targetArgs: string[];
  /** `--target-dir`, when the user asked for one; else cargo's own choice (the user's target/). */
  targetDir?: string;
  /** Where the RUSTC_BOOTSTRAP wrapper script is written. */
  scratchDir: string;
  signal?: AbortSignal;
  /** Something worth telling the user while cargo runs (waiting for another cargo's lock). */
  onNotice?: (message: string) => void;
}

export interface CargoBuildResult {
  code: number;
  /** rustc's `print-type-size` lines. */
  printed: string;
  stderr: string;
  /** The package's measured unit was already fresh and its fingerprint was removed to rebuild it. */
  forced: boolean;
}

const PRINTED_LINE = 'print-type-size ';

export async function buildWithTypeSizes(options: CargoBuildOptions): Promise<CargoBuildResult> {
  const first = await runBuild(options);
  if (first.code !== 0 || first.printed || !first.freshUnit) {
    return { code: first.code, printed: first.printed, stderr: first.stderr, forced: false };
  }
  const fingerprint = fingerprintDirOf(first.freshUnit);
  if (!fingerprint) {
    return {
      ...first,
      code: 1,
      stderr: `${first.stderr}\ncargo found the package up to date and its fingerprint was not found, so rustc printed nothing`,
      forced: false,
    };
  }
  fs.rmSync(fingerprint, { recursive: true, force: true });
  const again = await runBuild(options);
  return { code: again.code, printed: again.printed, stderr: again.stderr, forced: true };
}

/** The package's own unit as cargo reported it: `compiler-artifact` with `fresh: true`. */
interface FreshUnit {
  filenames: string[];
}

interface RawBuild {
  code: number;
  printed: string;
  stderr: string;
  freshUnit: FreshUnit | null;
}

function runBuild(options: CargoBuildOptions): Promise<RawBuild> {
  const args = [
    ...toolchainArgs(options.toolchain),
    'rustc',
    ...options.targetArgs,
    '--message-format=json-render-diagnostics',
    ...(options.targetDir ? ['--target-dir', options.targetDir] : []),
    '--',
    '-Zprint-type-sizes',
  ];
  // rustc prints a layout only when it computes it: an incremental rebuild that finds it in its
  // cache prints nothing. Registry dependencies are never built incrementally, so this changes
  // only the fingerprints of the crate and of its path dependencies (a build of their own, once).
  const env: NodeJS.ProcessEnv = { ...process.env, CARGO_INCREMENTAL: '0' };
  if (options.toolchain === 'bootstrap') {
    const own = process.env.RUSTC_WORKSPACE_WRAPPER;
    if (own) {
      env[INNER_WRAPPER_VARIABLE] = own;
    }
    env.RUSTC_WORKSPACE_WRAPPER = writeBootstrapWrapper(options.scratchDir);
  }
  const manifest = path.resolve(options.crateRoot, 'Cargo.toml');
  return new Promise((resolve) => {
    const printed: string[] = [];
    let freshUnit: FreshUnit | null = null;
    let stderr = '';
    let child;
    try {
      child = spawn('cargo', args, { cwd: options.crateRoot, env, signal: options.signal });
    } catch (e) {
      resolve({ code: -1, printed: '', stderr: String(e), freshUnit: null });
      return;
    }
    const onStdoutLine = (line: string) => {
      if (line.startsWith(PRINTED_LINE)) {
        printed.push(line);
      } else if (line.startsWith('{')) {
        freshUnit = freshUnitOf(line, manifest) ?? freshUnit;
      }
    };
    const onStderrLine = (line: string) => {
      stderr += line + '\n';
      if (/^\s*Blocking waiting for file lock/.test(line)) {
        options.onNotice?.('waiting for another cargo to release the build directory');
      }
    };
    readLines(child.stdout, onStdoutLine);
    readLines(child.stderr, onStderrLine);
    child.on('error', (e) =>
      resolve({ code: -1, printed: printed.join('\n'), stderr: stderr + String(e), freshUnit }),
    );
    child.on('close', (code) =>
      resolve({ code: code ?? -1, printed: printed.join('\n'), stderr, freshUnit }),
    );
  });
}

function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach((line) => onLine(line.replace(/\r$/, '')));
  });
  stream.on('end', () => {
    if (pending) {
      onLine(pending);
    }
  });
}

interface ArtifactMessage {
  reason?: string;
  manifest_path?: string;
  fresh?: boolean;
  filenames?: string[];
  target?: { kind?: string[]; name?: string };
}

/** The measured package's artifact message, when cargo found it fresh. */
export function freshUnitOf(line: string, manifest: string): FreshUnit | null {
  let message: ArtifactMessage;
  try {
    message = JSON.parse(line) as ArtifactMessage;
  } catch {
    return null;
  }
  const isOurs =
    message.reason === 'compiler-artifact' &&
    typeof message.manifest_path === 'string' &&
    path.resolve(message.manifest_path) === manifest &&
    !message.target?.kind?.includes('custom-build');
  if (!isOurs || message.fresh !== true || !Array.isArray(message.filenames)) {
    return null;
  }
  return { filenames: message.filenames };
}

/**
 * `<profile>/deps/libname-<hash>.rmeta` → `<profile>/.fingerprint/<package>-<hash>`, when it
 * exists: the fingerprint of exactly the unit cargo reported (the user's own build has another
 * hash, since its rustc arguments differ).
 */
export function fingerprintDirOf(unit: FreshUnit): string | null {
  for (const file of unit.filenames) {
    const match = /^(.*)[\\/]deps[\\/][^\\/]*-([0-9a-f]{16})(?:\.[^\\/]*)?$/.exec(file);
    if (!match) {
      continue;
    }
    const fingerprints = path.join(match[1], '.fingerprint');
    const hash = match[2];
    const entry = readDirOr(fingerprints).find((name) => name.endsWith(`-${hash}`));
    if (entry) {
      return path.join(fingerprints, entry);
    }
  }
  return null;
}

/** A wrapper the user had set is run by ours, as cargo would have run it. */
export const INNER_WRAPPER_VARIABLE = 'RUST_FUTURE_SIZE_INNER_WRAPPER';

const UNIX_WRAPPER = `#!/bin/sh
# Written by rust-future-size: rustc with RUSTC_BOOTSTRAP=1, for -Zprint-type-sizes.
export RUSTC_BOOTSTRAP=1
if [ -n "$${INNER_WRAPPER_VARIABLE}" ]; then exec "$${INNER_WRAPPER_VARIABLE}" "$@"; fi
exec "$@"
`;

const WINDOWS_WRAPPER = [
  '@echo off',
  'rem Written by rust-future-size: rustc with RUSTC_BOOTSTRAP=1, for -Zprint-type-sizes.',
  'set RUSTC_BOOTSTRAP=1',
  `if defined ${INNER_WRAPPER_VARIABLE} goto inner`,
  '%*',
  'exit /b %errorlevel%',
  ':inner',
  `"%${INNER_WRAPPER_VARIABLE}%" %*`,
  'exit /b %errorlevel%',
  '',
].join('\r\n');

/**
 * A `RUSTC_WORKSPACE_WRAPPER` that runs rustc with RUSTC_BOOTSTRAP=1: cargo calls it as
 * `wrapper rustc args…` for the workspace's own crates only, so no dependency sees the variable.
 */
export function writeBootstrapWrapper(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const windows = process.platform === 'win32';
  const file = path.join(dir, windows ? 'rustc-bootstrap.cmd' : 'rustc-bootstrap.sh');
  const text = windows ? WINDOWS_WRAPPER : UNIX_WRAPPER;
  let current: string | null;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = null;
  }
  // Rewritten only when it differs: cargo may fingerprint the wrapper's modification time.
  if (current !== text) {
    fs.writeFileSync(file, text, { mode: 0o755 });
  }
  fs.chmodSync(file, 0o755);
  return file;
}

function readDirOr(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
