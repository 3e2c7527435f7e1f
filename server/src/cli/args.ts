/**
 * Command-line arguments → options. Every mistake becomes a one-line UsageError.
 */
import { parseArgs } from 'util';
import type { Edition } from '../analysis/engine';
import { UsageError } from '../project/errors';
import { EDITIONS } from '../project/edition';
import { FEATURE_REQUEST, FeatureOptions } from '../project/features';

/** `--format`: compiler-style text for people, JSON for tools, SARIF for code-scanning services. */
export type OutputFormat = 'text' | 'json' | 'sarif';

const FORMATS: readonly OutputFormat[] = ['text', 'json', 'sarif'];

/** A normal run: analyse `paths` and print a report. */
export interface RunOptions {
  command: 'run';
  /** Files and directories as the user typed them; `.` when none were given. */
  paths: string[];
  format: OutputFormat;
  /** Overrides the edition read from Cargo.toml; undefined means "read Cargo.toml". */
  edition: Edition | undefined;
  /** Exit with 1 when a future is larger than this many bytes. */
  maxFutureSize: number | undefined;
  /** `--jobs`: worker threads; absent means one per core. */
  jobs?: number;
  /** `--single-file`: analyse each file alone instead of with its crate's index. */
  singleFile?: boolean;
  /** `--calibration FILE`: measured sizes from `rust-future-size calibrate`. */
  calibration?: string;
  /** `--allow-outside-package`: read module files outside the package (`#[path]`, symlinks). */
  allowOutsidePackage?: boolean;
  /**
   * `--deny-skipped`: exit with 4 when a file or a future could not be analysed (on by default with
   * `--max-future-size`, so a check cannot pass because nothing was checked; `--allow-skipped` turns it off).
   */
  denySkipped?: boolean;
  /**
   * `--features`, `--all-features`, `--no-default-features`: the packages' features, as cargo takes
   * them; absent means each package's default features (plus what its dependents enable).
   */
  features?: FeatureOptions;
  /**
   * `--cache-dir DIR`: where dependencies' indexed items are kept across runs; null with
   * `--no-cache`; absent means the user's cache folder.
   */
  cacheDir?: string | null;
}

/** `rust-future-size calibrate [CRATE_DIR]`: one cargo build with -Zprint-type-sizes, stored for later runs. */
export interface CalibrateCommandOptions {
  command: 'calibrate';
  crateDir: string;
  /** Allow RUSTC_BOOTSTRAP=1 with a stable toolchain when no nightly is installed. */
  rustcBootstrap: boolean;
  targetDir: string | undefined;
}

/** `rust-future-size fix [PATH...]`: apply the preferred fixes in place (or print them as a diff). */
export interface FixCommandOptions {
  command: 'fix';
  paths: string[];
  edition: Edition | undefined;
  /** Print a unified diff instead of writing files. */
  dryRun: boolean;
  /** `--force`: also write files without write permission (read-only files are refused otherwise). */
  force?: boolean;
}

/** What the arguments ask for. */
export type CliCommand =
  | { command: 'help' }
  | { command: 'version' }
  | RunOptions
  | FixCommandOptions
  | CalibrateCommandOptions;

/** The `--help` text. */
export const USAGE = `Usage: rust-future-size [OPTIONS] [PATH...]
       rust-future-size fix [--dry-run] [--force] [--edition E] [PATH...]
       rust-future-size calibrate [--rustc-bootstrap] [--target-dir DIR] [CRATE_DIR]

Shows the size of every Rust async fn, async block and async closure future,
and which values each .await keeps alive. PATH is a .rs file or a directory,
searched recursively (target/, .git/ and node_modules/ are skipped).
Without PATH, the current directory is searched.

\`fix\` applies every preferred fix (values moved into a block that ends
before the .await, or dropped before it) in place and lists what changed;
files that do not parse are left alone. --dry-run prints a unified diff
instead of writing. A read-only file is refused unless --force; a symlink is
written through to its target, a hard link in place; the BOM and the line
endings are kept. A file that changed on disk while it was being fixed is
left alone (the change is kept) and \`fix\` exits with status 2.
(A path named \`fix\` can be given as \`./fix\`.)

Files inside a Cargo crate are analysed with the whole crate's index, so types
and async fns from its other files are sized too (--single-file turns this off).
Code behind #[cfg(feature = "...")] counts only when cargo would enable the
feature: each package's default features plus what its dependents enable,
unified over the workspace, changed by --features, --all-features and
--no-default-features as cargo's own switches change them. A file outside any
package is analysed with every feature on.

\`calibrate\` builds the crate once with rustc's -Zprint-type-sizes (a nightly
toolchain if installed; with --rustc-bootstrap, RUSTC_BOOTSTRAP=1 on stable, also
when the nightly cannot build a dependency) in the crate's target directory,
reusing the dependencies built there, or in --target-dir DIR, and stores the
exact sizes in CRATE_DIR/target/rust-future-size (or DIR); --calibration FILE
then reports rustc's measured size for every future whose source is unchanged.
It runs the crate's build (build scripts, proc macros): only for code you trust.

Options:
  --format text|json|sarif  output format (default: text): text lists each
                            future, then the lints' findings as rustc prints
                            warnings; json the futures; sarif the findings
                            as a SARIF 2.1.0 log
  --edition 2015|2018|2021|2024
                            Rust edition for every file (default: from the
                            nearest Cargo.toml, else 2021)
  --max-future-size BYTES   exit with status 1 if any future is larger
  -j, --jobs N              analyse N files at a time on worker threads
                            (default: one per core; 1 = no threads)
  --single-file             analyse each file on its own (no crate index)
  --allow-outside-package   read module files outside the package (through
                            #[path] or a symlink); by default they are not
                            read and get a notice
  --deny-skipped            exit with status 4 if a file or future could not
                            be analysed (the default with --max-future-size;
                            --allow-skipped turns that off)
  --calibration FILE        use sizes measured by \`calibrate\` (calibration.json)
  -F, --features FEATURES   features to enable, separated by commas or spaces
                            (repeatable); PACKAGE/FEATURE for one workspace
                            member's feature or a dependency's
  --all-features            enable every feature of the workspace's packages
  --no-default-features     do not enable the packages' \`default\` features
  --cache-dir DIR           keep dependencies' indexed items and the CLI's compiled
                            code in DIR across runs (default:
                            $XDG_CACHE_HOME/rust-future-size, else
                            ~/.cache/rust-future-size; safe to delete)
  --no-cache                read every dependency's sources again, keep nothing
  -h, --help                show this help
  -V, --version             show the version

Exit status: 0 ok, 1 a future exceeds --max-future-size,
2 bad arguments or unreadable paths, 3 internal error,
4 a file or future could not be analysed (with --deny-skipped).
`;

/**
 * Parses `argv` (without `node` and the script path).
 * @throws UsageError for unknown options, missing or invalid values.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  if (argv[0] === 'fix') {
    return parseFixArgs(argv.slice(1));
  }
  if (argv[0] === 'calibrate') {
    return parseCalibrateArgs(argv.slice(1));
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        edition: { type: 'string' },
        'max-future-size': { type: 'string' },
        jobs: { type: 'string', short: 'j' },
        'single-file': { type: 'boolean' },
        'allow-outside-package': { type: 'boolean' },
        'deny-skipped': { type: 'boolean' },
        'allow-skipped': { type: 'boolean' },
        calibration: { type: 'string' },
        features: { type: 'string', short: 'F', multiple: true },
        'all-features': { type: 'boolean' },
        'no-default-features': { type: 'boolean' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { command: 'help' };
  }
  if (values.version) {
    return { command: 'version' };
  }
  return {
    command: 'run',
    paths: positionals.length > 0 ? positionals : ['.'],
    format: oneOf('--format', values.format ?? 'text', FORMATS),
    edition:
      values.edition === undefined ? undefined : oneOf('--edition', values.edition, EDITIONS),
    maxFutureSize:
      values['max-future-size'] === undefined ? undefined : byteCount(values['max-future-size']),
    ...(values.jobs === undefined ? {} : { jobs: jobCount(values.jobs) }),
    ...(values['single-file'] ? { singleFile: true } : {}),
    ...(values['allow-outside-package'] ? { allowOutsidePackage: true } : {}),
    ...((values['deny-skipped'] || values['max-future-size'] !== undefined) &&
    !values['allow-skipped']
      ? { denySkipped: true }
      : {}),
    ...(values.calibration === undefined ? {} : { calibration: values.calibration }),
    ...featureOptions(values),
    ...cacheOption(values['cache-dir'], values['no-cache'] === true),
  };
}

/** `--cache-dir DIR` or `--no-cache`, when either is given (not both). */
function cacheOption(
  directory: string | undefined,
  noCache: boolean,
): { cacheDir?: string | null } {
  if (directory !== undefined && noCache) {
    throw new UsageError('--cache-dir and --no-cache cannot be used together');
  }
  if (directory === '') {
    throw new UsageError("invalid value '' for --cache-dir (expected a folder)");
  }
  return noCache ? { cacheDir: null } : directory === undefined ? {} : { cacheDir: directory };
}

/** The feature switches, when any is given. */
function featureOptions(values: {
  features?: string[];
  'all-features'?: boolean;
  'no-default-features'?: boolean;
}): { features?: FeatureOptions } {
  const requested = values.features ?? [];
  if (requested.length === 0 && !values['all-features'] && !values['no-default-features']) {
    return {};
  }
  const features = requested.flatMap((value) => value.split(/[\s,]+/).filter((f) => f !== ''));
  if (requested.length > 0 && features.length === 0) {
    const given = requested.join(' ');
    throw new UsageError(`invalid value '${given}' for --features (no feature named)`);
  }
  for (const feature of features) {
    if (!FEATURE_REQUEST.test(feature)) {
      throw new UsageError(
        `invalid value '${feature}' for --features (expected FEATURE or PACKAGE/FEATURE: ` +
          'letters, digits, `_`, `-`, `+`, `.`)',
      );
    }
  }
  return {
    features: {
      features,
      allFeatures: values['all-features'] === true,
      noDefaultFeatures: values['no-default-features'] === true,
    },
  };
}

function parseCalibrateArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        'rustc-bootstrap': { type: 'boolean' },
        'target-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { command: 'help' };
  }
  if (positionals.length > 1) {
    throw new UsageError('calibrate takes one crate directory (see --help)');
  }
  return {
    command: 'calibrate',
    crateDir: positionals[0] ?? '.',
    rustcBootstrap: values['rustc-bootstrap'] === true,
    targetDir: values['target-dir'],
  };
}

function parseFixArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        edition: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { command: 'help' };
  }
  return {
    command: 'fix',
    paths: positionals.length > 0 ? positionals : ['.'],
    edition:
      values.edition === undefined ? undefined : oneOf('--edition', values.edition, EDITIONS),
    dryRun: values['dry-run'] === true,
    ...(values.force ? { force: true } : {}),
  };
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw new UsageError(`invalid value '${value}' for ${option} (expected ${allowed.join(', ')})`);
}

function byteCount(value: string): number {
  const bytes = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(
      `invalid value '${value}' for --max-future-size (expected a number of bytes)`,
    );
  }
  return bytes;
}

function jobCount(value: string): number {
  const jobs = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new UsageError(
      `invalid value '${value}' for --jobs (expected a number of threads, at least 1)`,
    );
  }
  return jobs;
}

/** Node's parseArgs messages are long and mention internals; keep their first clause and point at --help. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown option '${option}' (see --help)`;
  }
  if (
    code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ||
    code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
  ) {
    const firstLine = message.split('\n')[0].replace(/\.$/, '');
    return `${firstLine.charAt(0).toLowerCase()}${firstLine.slice(1)} (see --help)`;
  }
  // Not a user mistake: let the caller report it as an internal error.
  throw error;
}
