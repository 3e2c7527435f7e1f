/**
 * `rust-future-size [PATH...]`: the command-line entry point.
 * This is the only CLI module that writes to stdout/stderr, always through `CliIo`.
 */
import { analyzeFiles } from './analyzeFiles';
import type { CliIo } from './cliIo';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { CalibrateCommandOptions, parseCliArgs, RunOptions, USAGE } from './args';
import { BuildConfigurations, WorkspaceConfiguration } from '../project/buildConfiguration';
import { defaultCacheDirectory } from '../project/packageCache';
import { findCrateRoot } from '../project/crateLayout';
import { UsageError } from '../project/errors';
import { expandPaths } from '../project/sourceFiles';
import { writeJson } from './formatJson';
import { attachInstances } from '../analysis/coroutine/instanceReports';
import { makeSpoolFolder, removeSpoolFolder, unspooled } from './reportSpool';
import { packageVersion } from './packageInfo';
import { describeOversized, oversizedFutures } from './threshold';
import type { FileReport } from '../analysis/report';

const PROGRAM = 'rust-future-size';

/** Process exit statuses, as documented in the README. */
export const ExitCode = {
  ok: 0,
  futureTooLarge: 1,
  usage: 2,
  /** A bug in this tool, not in the user's input. */
  internal: 3,
  /** With `--deny-skipped`: a file or a future could not be analysed. */
  notAnalysed: 4,
} as const;

export type { CliIo } from './cliIo';

/**
 * Runs the CLI with `argv` (the arguments after the script name) and resolves to the exit code.
 * Never rejects: user mistakes become one `error:` line, bugs an `internal error:` with a stack.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${PROGRAM}: error: ${error.message}\n`);
      return ExitCode.usage;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`${PROGRAM}: internal error: ${detail}\n`);
    return ExitCode.internal;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const command = parseCliArgs(argv);
  switch (command.command) {
    case 'help':
      io.stdout.write(USAGE);
      return ExitCode.ok;
    case 'version':
      io.stdout.write(`${PROGRAM} ${packageVersion()}\n`);
      return ExitCode.ok;
    case 'run':
      return analyzeAndReport(command, io);
    case 'fix':
      // Loaded only for the commands that use them: each module a run loads costs its startup
      // time (`fix` brings the fixes and a diff library, `calibrate` the cargo builds).
      return (await import('./fix')).runFix(command, io);
    case 'calibrate':
      return runCalibrate(command, io);
  }
}

async function runCalibrate(options: CalibrateCommandOptions, io: CliIo): Promise<number> {
  const dir = path.resolve(io.cwd, options.crateDir);
  if (!fs.existsSync(dir)) {
    throw new UsageError(`${options.crateDir}: no such directory`);
  }
  const root = findCrateRoot(dir);
  if (!root) {
    throw new UsageError(
      `${options.crateDir}: not inside a Cargo package (no Cargo.toml with [package])`,
    );
  }
  const { calibrateCrate } = await import('../measure/calibrate');
  const result = await calibrateCrate(root, {
    allowBootstrap: options.rustcBootstrap,
    targetDir: options.targetDir ? path.resolve(io.cwd, options.targetDir) : undefined,
    onProgress: (message) => io.stderr.write(`${PROGRAM}: ${message}\n`),
  });
  if (!result.ok) {
    io.stderr.write(`${PROGRAM}: error: calibration failed: ${result.error}\n`);
    return ExitCode.usage;
  }
  io.stdout.write(
    `measured ${result.measured} of ${result.total} futures with ${result.data.rustc}; wrote ${path.relative(io.cwd, result.file) || result.file}\n`,
  );
  return ExitCode.ok;
}

async function analyzeAndReport(options: RunOptions, io: CliIo): Promise<number> {
  // JSON is written one file at a time: a large crate's futures wait on disk, not in memory.
  const spoolFolder = options.format === 'json' ? makeSpoolFolder() : undefined;
  try {
    return await analyzeAndReportWith(options, io, spoolFolder);
  } finally {
    if (spoolFolder) {
      removeSpoolFolder(spoolFolder);
    }
  }
}

async function analyzeAndReportWith(
  options: RunOptions,
  io: CliIo,
  spoolFolder: string | undefined,
): Promise<number> {
  const files = await expandPaths(options.paths, io.cwd);
  const analysed = await analyzeFiles(files, {
    edition: options.edition,
    jobs: options.jobs,
    singleFile: options.singleFile,
    allowOutsidePackage: options.allowOutsidePackage,
    calibrationFile: options.calibration ? path.resolve(io.cwd, options.calibration) : undefined,
    cwd: io.cwd,
    warn: (message) => io.stderr.write(`${PROGRAM}: warning: ${message}\n`),
    configurations: buildConfigurations(options, io),
    cacheDir: cacheDirectoryOf(options, io),
    spoolFolder,
  });
  // The instances each file made go to the files of their generic fns (crates analysed apart).
  const reports = attachInstances(analysed);

  await writeReport(options, reports, io);

  if (options.maxFutureSize !== undefined) {
    const max = options.maxFutureSize;
    const oversized = reports.flatMap((r) => oversizedFutures([unspooled(r)], max));
    if (oversized.length > 0) {
      const [heading, ...details] = describeOversized(oversized, options.maxFutureSize);
      io.stderr.write([`${PROGRAM}: ${heading}`, ...details].map((line) => `${line}\n`).join(''));
      return ExitCode.futureTooLarge;
    }
  }
  if (options.denySkipped) {
    const missed = reports.flatMap((r) => notAnalysed([unspooled(r)]));
    if (missed.length > 0) {
      const what = missed.length === 1 ? '1 file or future' : `${missed.length} files or futures`;
      io.stderr.write(
        `${PROGRAM}: ${what} could not be analysed (--deny-skipped):\n${missed.map((m) => `  ${m}\n`).join('')}`,
      );
      return ExitCode.notAnalysed;
    }
  }
  return ExitCode.ok;
}

/**
 * `--cache-dir` (relative to the working folder), else the user's cache folder; null with
 * `--no-cache`, or when the environment names no home to find it in.
 */
function cacheDirectoryOf(options: RunOptions, io: CliIo): string | null {
  if (options.cacheDir !== undefined) {
    return options.cacheDir === null ? null : path.resolve(io.cwd, options.cacheDir);
  }
  const env = io.env;
  return env.XDG_CACHE_HOME || env.HOME || env.LOCALAPPDATA ? defaultCacheDirectory(env) : null;
}

/**
 * Each package's cfg, its features resolved as cargo would. A `--features` entry no package of a
 * workspace has is refused, as cargo refuses it; what the crate graph could not follow is a notice.
 */
function buildConfigurations(options: RunOptions, io: CliIo): BuildConfigurations {
  return new BuildConfigurations(options.features, io.env, (loaded: WorkspaceConfiguration) => {
    if (loaded.unknownFeatures.length > 0) {
      const names = loaded.unknownFeatures.map((f) => `\`${f}\``).join(', ');
      const features = loaded.unknownFeatures.length > 1 ? 'features' : 'feature';
      throw new UsageError(
        `no package in the workspace at ${loaded.workspaceRoot} has the ${features} ${names}`,
      );
    }
    for (const notice of loaded.notices) {
      io.stderr.write(`${PROGRAM}: notice: ${notice}\n`);
    }
  });
}

async function writeReport(options: RunOptions, reports: FileReport[], io: CliIo): Promise<void> {
  if (options.format === 'json') {
    writeJson(reports, (chunk) => io.stdout.write(chunk));
    return;
  }
  const warn = (message: string) => io.stderr.write(`${PROGRAM}: warning: ${message}\n`);
  // The lints and the other formats are loaded only when a run writes them (see `run`).
  const { lintReports } = await import('./lintFiles');
  const findings = await lintReports(reports, io.cwd, warn);
  if (options.format === 'sarif') {
    const root = io.cwd.endsWith(path.sep) ? io.cwd : io.cwd + path.sep;
    const rootUri = pathToFileURL(root).toString();
    const { formatSarif } = await import('./formatSarif');
    io.stdout.write(formatSarif(findings, { version: packageVersion(), rootUri }));
  } else {
    const { ANSI_STYLE, formatText, PLAIN_STYLE } = await import('./formatText');
    io.stdout.write(formatText(reports, useColour(io) ? ANSI_STYLE : PLAIN_STYLE, findings));
  }
  for (const notice of reports.flatMap((report) => report.notices)) {
    io.stderr.write(`${PROGRAM}: notice: ${notice}\n`);
  }
}

/** Colour only for a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function useColour(io: Pick<CliIo, 'stdout' | 'env'>): boolean {
  const noColor = io.env.NO_COLOR;
  return (
    io.stdout.isTTY === true && (noColor === undefined || noColor === '') && io.env.TERM !== 'dumb'
  );
}

let pipeGuardInstalled = false;

function processIo(): CliIo {
  if (!pipeGuardInstalled) {
    pipeGuardInstalled = true;
    // `rust-future-size | head` closes the pipe early; that is the reader's choice, not a crash.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') {
        process.exit(ExitCode.ok);
      }
      throw error;
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/**
 * What a run could not analyse: futures skipped (too large, a parse error) and files skipped or
 * failed (binary, too big, not a regular file, outside the package). Notices that only inform (a
 * file a `cfg` leaves out) do not count.
 */
export function notAnalysed(reports: readonly FileReport[]): string[] {
  const missed: string[] = [];
  for (const report of reports) {
    for (const future of report.futures) {
      if (future.skipped !== undefined) {
        missed.push(`${report.file}:${future.line} ${future.name}: ${future.skipped}`);
      }
    }
    for (const notice of report.notices) {
      // A skipped future has a notice too (`f at line 3: skipped: ..`), counted above.
      if (
        /\b(skipped|analysis failed|not read)\b/.test(notice) &&
        !/ at line \d+: skipped: /.test(notice)
      ) {
        missed.push(notice);
      }
    }
  }
  return missed;
}
