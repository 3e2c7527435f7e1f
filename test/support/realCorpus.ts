/**
 * A recorded, offline ground truth of rustc's future layouts for real crates from Debian's registry
 * (`/usr/share/cargo/registry`): tokio, hyper, h2, reqwest, tokio-util, tokio-postgres, futures-util.
 *
 * `recordRealCorpus` builds a temporary copy of each crate with `-Zprint-type-sizes` (offline, against
 * the registry): the library, and the integration tests (`tests/*.rs`) and examples whose
 * dev-dependencies the registry has. The flag reaches only the crate's own targets (a
 * `RUSTC_WORKSPACE_WRAPPER` adds it and keeps each target's output apart), and only the futures
 * defined by each target are kept, in `test/fixtures/real/<crate>-<version>.json`.
 *
 * `compareRealTarget` then pairs the engine's futures for one target with the recorded ones, with no
 * cargo run; `loadRecordedCorpus` lists what was recorded and whether the sources are installed.
 *
 * CLI (after `npx tsc -b`):
 *   node test/out/support/realCorpus.js record [crate...] [--keep]   build, record, then print the figures
 *   node test/out/support/realCorpus.js compare [crate...] [--wrong-exact] [--bad-bounds] [--mismatches]   figures from the recordings
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import type {
  RustcField,
  RustcFuture,
  RustcFutureKind,
} from '../../server/src/measure/printTypeSizes';
import {
  AccuracySummary,
  FileComparison,
  aggregate,
  compareFile,
  normaliseFnPath,
  withInstances,
} from './compare';
import { findUpwards, loadServerModule } from './repoPaths';
import { recordedCfg, registryCargoHome } from './recordedCfg';

const matcher =
  loadServerModule<typeof import('../../server/src/measure/matchFutures')>('measure/matchFutures');
const instanceReports = loadServerModule<
  typeof import('../../server/src/analysis/coroutine/instanceReports')
>('analysis/coroutine/instanceReports');
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );
const crates =
  loadServerModule<typeof import('../../server/src/project/crateLayout')>('project/crateLayout');
const dependencyLoader = loadServerModule<
  typeof import('../../server/src/project/dependencyLoader')
>('project/dependencyLoader');
const dependencyTypes = loadServerModule<
  typeof import('../../server/src/analysis/deps/dependencyTypes')
>('analysis/deps/dependencyTypes');

export const DEBIAN_REGISTRY = '/usr/share/cargo/registry';

/** The crates recorded, each with the features its library is built with. */
export const REAL_CRATES: RealCrateSpec[] = [
  // Most of tokio's tests need `test-util` (time::pause, start_paused): added for tests only, so the lib is `full`'s.
  { name: 'tokio', features: ['full'], testFeatures: ['test-util'] },
  { name: 'hyper', features: ['full'] },
  { name: 'h2', features: [] },
  // Debian's reqwest has no gzip/brotli/deflate/socks/trust-dns; the optional ones are dropped if they do not resolve.
  {
    name: 'reqwest',
    features: ['default'],
    optionalFeatures: ['json', 'stream', 'blocking', 'cookies', 'multipart'],
  },
  { name: 'tokio-util', features: ['full'] },
  { name: 'tokio-postgres', features: [] },
  { name: 'futures-util', features: [] },
];

export interface RealCrateSpec {
  name: string;
  /** Features always enabled (the default features are on as well). */
  features: string[];
  /** Features enabled when they resolve offline; dropped one by one (last first) when they do not. */
  optionalFeatures?: string[];
  /** Features added for the tests and examples only (built by a second cargo run, so the lib keeps `features`). */
  testFeatures?: string[];
}

// ---------------------------------------------------------------------------------------------
// The recorded format
// ---------------------------------------------------------------------------------------------

/** A saved local or upvar: name and size in bytes. */
export type RecordedField = [name: string, size: number];

export interface RecordedVariant {
  /** `Suspend0` … (states without saved locals other than `SuspendN` are not recorded). */
  name: string;
  locals: RecordedField[];
}

export interface RecordedFuture {
  kind: RustcFutureKind;
  /** The path rustc printed, generic arguments included (fns only; blocks and closures are named from their position). */
  name?: string;
  /** Blocks and closures: the file, relative to the crate folder, and the 1-based start rustc printed. */
  file?: string;
  line?: number;
  column?: number;
  size: number;
  align: number;
  /** Captured inputs (arguments of an fn), when there are any. */
  upvars?: RecordedField[];
  variants: RecordedVariant[];
}

export type TargetKind = 'lib' | 'test' | 'example';

export interface RecordedTarget {
  kind: TargetKind;
  name: string;
  /** The target's root file, relative to the crate folder. */
  root: string;
  futures: RecordedFuture[];
  /**
   * Lib only: the lib's futures that only its tests and examples instantiate (generic async fns and the
   * blocks inside them), as printed there with the crate's name removed (`tokio::net::TcpStream::connect<&str>`
   * → `net::TcpStream::connect<&str>`; rustc names them by their public path, not their module path).
   * A non-generic fn the lib build printed under its module path is left out (see `sameFnElsewhere`);
   * so are block positions the lib build printed; one instance per block position.
   * `compareRealTarget` maps the public paths to the engine's module paths before pairing.
   */
  downstream?: RecordedFuture[];
}

export interface SkippedTarget {
  kind: TargetKind;
  name: string;
  root: string;
  reason: string;
}

export interface RecordedCrate {
  crate: string;
  version: string;
  edition: string;
  features: string[];
  /** Features added for the tests and examples (absent when none). */
  testFeatures?: string[];
  rustc: string;
  /** Dev-dependencies the registry lacks or that do not compile (dropped from the manifest before building). */
  droppedDevDependencies: string[];
  targets: RecordedTarget[];
  skipped: SkippedTarget[];
}

/** The folder of the recorded JSON files (`test/fixtures/real` of this repository). */
export function realFixturesDir(from: string = __dirname): string {
  const root = findUpwards(
    from,
    (dir) =>
      fs.existsSync(path.join(dir, 'test', 'fixtures')) &&
      fs.existsSync(path.join(dir, 'package.json')),
  );
  if (root === null) {
    throw new Error(`cannot find test/fixtures above ${from}`);
  }
  return path.join(root, 'test', 'fixtures', 'real');
}

/** Converts a recorded future back to the shape `futuresFromTypes` returns (offsets and types are not recorded). */
export function toRustcFuture(future: RecordedFuture): RustcFuture {
  const field =
    (kind: RustcField['kind']) =>
    ([name, size]: RecordedField): RustcField => ({ kind, name, size, offset: 0 });
  const label = future.kind === 'block' ? 'async block' : 'async closure';
  const name =
    future.kind === 'fn' ? (future.name ?? '') : `${label}@${future.line}:${future.column}`;
  return {
    kind: future.kind,
    name,
    typeName:
      future.kind === 'fn'
        ? `{async fn body of ${name}()}`
        : `{${future.kind === 'block' ? 'async block' : 'async closure body'}@${future.file}:${future.line}:${future.column}}`,
    file: future.file,
    line: future.line,
    column: future.column,
    size: future.size,
    align: future.align,
    tagSize: 0,
    upvars: (future.upvars ?? []).map(field('upvar')),
    variants: future.variants.map((v) => ({ name: v.name, locals: v.locals.map(field('local')) })),
  };
}

function recordFuture(future: RustcFuture, file: string | undefined): RecordedFuture {
  // Key order is the file's field order.
  const where =
    future.kind === 'fn'
      ? { name: future.name }
      : { file, line: future.line, column: future.column };
  const upvars =
    future.upvars.length > 0
      ? { upvars: future.upvars.map((u): RecordedField => [u.name, u.size]) }
      : {};
  return {
    kind: future.kind,
    ...where,
    size: future.size,
    align: future.align,
    ...upvars,
    variants: future.variants
      .filter((v) => /^Suspend\d+$/.test(v.name) || v.locals.length > 0)
      .map((v) => ({ name: v.name, locals: v.locals.map((l): RecordedField => [l.name, l.size]) })),
  };
}

/** One target per line block, one future per line: small, and readable in a diff. */
export function formatRecordedCrate(crate: RecordedCrate): string {
  const head = { ...crate, targets: undefined, skipped: undefined };
  const lines = ['{'];
  for (const [key, value] of Object.entries(head)) {
    if (value !== undefined) {
      lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
    }
  }
  lines.push('  "skipped": [');
  crate.skipped.forEach((s, i) =>
    lines.push(`    ${JSON.stringify(s)}${i < crate.skipped.length - 1 ? ',' : ''}`),
  );
  lines.push('  ],');
  lines.push('  "targets": [');
  crate.targets.forEach((t, i) => {
    lines.push(
      `    {"kind": ${JSON.stringify(t.kind)}, "name": ${JSON.stringify(t.name)}, "root": ${JSON.stringify(t.root)}, "futures": [`,
    );
    t.futures.forEach((f, j) =>
      lines.push(`      ${JSON.stringify(f)}${j < t.futures.length - 1 ? ',' : ''}`),
    );
    if (t.downstream) {
      lines.push('    ], "downstream": [');
      t.downstream.forEach((f, j) =>
        lines.push(`      ${JSON.stringify(f)}${j < t.downstream!.length - 1 ? ',' : ''}`),
      );
    }
    lines.push(`    ]}${i < crate.targets.length - 1 ? ',' : ''}`);
  });
  lines.push('  ]');
  lines.push('}');
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

export interface RecordedCrateEntry {
  /** The JSON file. */
  file: string;
  recorded: RecordedCrate;
  /** Where the crate's sources are expected (`/usr/share/cargo/registry/<crate>-<version>`). */
  sourceDir: string;
  /** The sources are installed, so the engine can be run on them. */
  sourcesPresent: boolean;
  /** Why it cannot be compared, when the sources are missing. */
  missing?: string;
}

/** Every recorded crate, with whether its sources are installed (callers skip with `missing` otherwise). */
export function loadRecordedCorpus(
  dir: string = realFixturesDir(),
  registry: string = DEBIAN_REGISTRY,
): RecordedCrateEntry[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as RecordedCrate;
      const sourceDir = path.join(registry, `${recorded.crate}-${recorded.version}`);
      const sourcesPresent = fs.existsSync(path.join(sourceDir, 'Cargo.toml'));
      return {
        file,
        recorded,
        sourceDir,
        sourcesPresent,
        ...(sourcesPresent
          ? {}
          : {
              missing: `${recorded.crate} ${recorded.version} sources not installed in ${registry} (Debian: apt-get install librust-${recorded.crate}-dev)`,
            }),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Comparing the engine with a recording
// ---------------------------------------------------------------------------------------------

/** A target named by kind and name (a `RecordedTarget` is one). */
export interface TargetRef {
  kind: TargetKind;
  name: string;
  root?: string;
}

export interface CompareOptions {
  /** Defaults to the crate's `package.edition` (then 2021). */
  edition?: string;
  /** For the lib: also pair with the futures only its tests and examples instantiated (`RecordedTarget.downstream`). */
  downstream?: boolean;
  /**
   * The features the crate graph is resolved with (dependencies' types are sized from their
   * sources in the registry); false: no dependencies (their types stay unknown). Default: the
   * recording's features (with its test features for tests and examples).
   */
  features?: string[] | false;
}

let analysisReady: Promise<unknown> | null = null;

/**
 * Runs the engine on one target of a crate as the CLI would and pairs its futures with the recorded
 * rustc futures: the library with its crate layout (`readCrateLayout`, all modules indexed together);
 * a test or example as its own crate, its root file plus the modules it declares. Blocks and closures
 * pair within their file, fns across the target, as `compareCrateOutput` does. No cargo is run.
 *
 * `recorded` is the crate's recording (the target is looked up by kind and name) or the target's own.
 */
export async function compareRealTarget(
  crateDir: string,
  target: TargetRef,
  recorded: RecordedCrate | RecordedTarget,
  options: CompareOptions = {},
): Promise<FileComparison[]> {
  const recordedTarget =
    'targets' in recorded
      ? recorded.targets.find((t) => t.kind === target.kind && t.name === target.name)
      : recorded;
  if (!recordedTarget) {
    throw new Error(`${target.kind} ${target.name} was not recorded`);
  }
  analysisReady ??= engine.initAnalysis();
  await analysisReady;
  const features =
    options.features ??
    ('targets' in recorded
      ? [...recorded.features, ...(target.kind === 'lib' ? [] : (recorded.testFeatures ?? []))]
      : []);
  const reports = analyzeTarget(
    crateDir,
    recordedTarget,
    options.edition ?? ('targets' in recorded ? recorded.edition : undefined),
    features,
  );
  let futures = recordedTarget.futures;
  if (options.downstream && recordedTarget.downstream) {
    // Downstream fns carry their public path: mapped to the engine's module path where that is unambiguous.
    const engineFns = [
      ...new Set(
        reports.flatMap((r) => r.futures.filter((f) => f.kind === 'fn').map((f) => f.name)),
      ),
    ];
    const mapped = recordedTarget.downstream.map((f) => {
      const libPath = f.kind === 'fn' ? sameFnElsewhere(f.name ?? '', engineFns) : null;
      return libPath === null ? f : { ...f, name: withModulePath(f.name ?? '', libPath) };
    });
    futures = [...futures, ...mapped];
  }
  return pairWithRecorded(crateDir, reports, futures.map(toRustcFuture));
}

/** The engine's reports for one target (see `compareRealTarget`); `engine.initAnalysis()` must have completed. */
export function analyzeTarget(
  crateDir: string,
  target: TargetRef & { root: string },
  edition?: string,
  features: string[] | false = [],
): FileReport[] {
  const files = targetFiles(crateDir, target);
  const crateEdition = edition ?? crates.readCrateLayout(crateDir).edition ?? '2021';
  const dependencies = registryDependencies(crateDir, features);
  // Each target is one analysis, as the CLI makes it: its own budget for dependencies' futures
  // (shared across targets, what a target shows depended on the targets analysed before it).
  dependencies?.dependencies.startAnalysis();
  // Each file's instances with their generic fn, as the CLI shows them.
  return analyzedWithInstances(
    files.map((f) => ({
      file: f.path,
      text: fs.readFileSync(f.path, 'utf8'),
      modulePath: f.modulePath,
    })),
    {
      edition: crateEdition as never,
      ...dependencies,
      // Gates are evaluated in the features the recording was built with, as the workspace resolves them.
      cfg: features === false ? undefined : recordedCfg(crateDir, features),
    },
  );
}

function analyzedWithInstances(...args: Parameters<typeof engine.analyzeCrate>): FileReport[] {
  return instanceReports.attachInstances(engine.analyzeCrate(...args));
}

/**
 * The crate graph of a registry crate, resolved offline against the registry it sits in, as the
 * engine's dependencies; undefined when `features` is false or no graph can be built.
 */
function registryDependencies(crateDir: string, features: string[] | false) {
  if (features === false) {
    return undefined;
  }
  const key = `${path.resolve(crateDir)}|${features.join(',')}`;
  if (registryGraphs.has(key)) {
    return registryGraphs.get(key);
  }
  const cargoHome = registryCargoHome(path.dirname(path.resolve(crateDir)));
  const loaded = dependencyLoader.loadDependencies(
    crateDir,
    { features, allFeatures: false, noDefaultFeatures: false },
    { env: { CARGO_HOME: cargoHome, HOME: cargoHome } },
  );
  const options = loaded
    ? { dependencies: new dependencyTypes.DependencyTypes(loaded.graph) }
    : undefined;
  registryGraphs.set(key, options);
  return options;
}

/** Crate graphs already resolved, by crate folder and features (a crate has many targets). */
const registryGraphs = new Map<
  string,
  { dependencies: InstanceType<typeof dependencyTypes.DependencyTypes> } | undefined
>();

/** The source files of a target with their module paths. */
export function targetFiles(
  crateDir: string,
  target: TargetRef & { root: string },
): { path: string; modulePath: string[] }[] {
  if (target.kind === 'lib') {
    return crates.readCrateLayout(crateDir).files;
  }
  return moduleTree(path.resolve(crateDir, target.root));
}

function pairWithRecorded(
  crateDir: string,
  reports: FileReport[],
  rustcFutures: RustcFuture[],
): FileComparison[] {
  const comparisons = reports.map((r) => {
    const rel = relPath(crateDir, r.file);
    return compareFile(
      r.file,
      r.futures.filter(matcher.pairsByPosition),
      rustcFutures.filter((f) => f.kind !== 'fn' && f.file === rel),
    );
  });
  comparisons.push(
    compareFile(
      crateDir,
      reports.flatMap((r) => withInstances(r).filter((f) => !matcher.pairsByPosition(f))),
      rustcFutures.filter((f) => f.kind === 'fn'),
    ),
  );
  // rustc blocks in files the engine did not read (none expected): still counted as unmatched.
  const read = new Set(reports.map((r) => relPath(crateDir, r.file)));
  const elsewhere = rustcFutures.filter((f) => f.kind !== 'fn' && !read.has(f.file ?? ''));
  if (elsewhere.length > 0) {
    comparisons.push({
      file: `${crateDir} (files the engine did not read)`,
      scores: [],
      unmatchedEngine: [],
      unmatchedRustc: elsewhere,
    });
  }
  return comparisons;
}

const MOD_DECLARATION =
  /^[ \t]*(?:#\[path\s*=\s*"([^"]+)"\][ \t]*\n?[ \t]*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;/gm;

/** A crate root and every module file it declares (`mod x;`, `#[path]` included), as rustc finds them. */
export function moduleTree(rootFile: string): { path: string; modulePath: string[] }[] {
  const files: { path: string; modulePath: string[] }[] = [];
  const seen = new Set<string>();
  const visit = (file: string, modulePath: string[], isRoot: boolean) => {
    const resolved = path.resolve(file);
    if (seen.has(resolved) || !fs.existsSync(resolved)) {
      return;
    }
    seen.add(resolved);
    files.push({ path: resolved, modulePath });
    const text = fs.readFileSync(resolved, 'utf8');
    const base = path.basename(resolved, '.rs');
    const dir =
      isRoot || base === 'mod' ? path.dirname(resolved) : path.join(path.dirname(resolved), base);
    for (const m of text.matchAll(MOD_DECLARATION)) {
      const [, explicitPath, name] = m;
      const candidates = explicitPath
        ? [path.resolve(path.dirname(resolved), explicitPath)]
        : [path.join(dir, `${name}.rs`), path.join(dir, name, 'mod.rs')];
      const found = candidates.find((c) => fs.existsSync(c));
      if (found) {
        visit(found, [...modulePath, name], false);
      }
    }
  };
  visit(rootFile, [], true);
  return files;
}

function relPath(dir: string, file: string): string {
  return path.relative(dir, path.resolve(dir, file)).split(path.sep).join('/');
}

// ---------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------

export interface RecordOptions {
  /** Crate names to record (default: all of `REAL_CRATES`). */
  crates?: string[];
  registry?: string;
  outDir?: string;
  /** Parallel rustc jobs (cargo `-j`); default: the cores available. */
  jobs?: number;
  /** Keep the temporary build folder (its path is printed), e.g. to read rustc's raw output. */
  keep?: boolean;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface RecordResult {
  crate: string;
  version: string;
  file: string | null;
  bytes: number;
  seconds: number;
  built: Record<TargetKind, number>;
  skipped: SkippedTarget[];
  futures: Record<TargetKind, number>;
  error?: string;
}

interface CargoTarget {
  kind: string[];
  name: string;
  src_path: string;
  'required-features'?: string[];
}

interface CargoPackage {
  name: string;
  version: string;
  id: string;
  edition: string;
  targets: CargoTarget[];
  features: Record<string, string[]>;
  dependencies: {
    name: string;
    kind: string | null;
    rename: string | null;
    target: string | null;
    optional: boolean;
  }[];
}

/** Builds each crate with `-Zprint-type-sizes` and writes its recording; never throws for one crate's failure. */
export async function recordRealCorpus(options: RecordOptions = {}): Promise<RecordResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const registry = options.registry ?? DEBIAN_REGISTRY;
  const outDir = options.outDir ?? realFixturesDir();
  const wanted =
    options.crates && options.crates.length > 0 ? options.crates : REAL_CRATES.map((c) => c.name);
  const rustcVersion =
    spawnSync('rustc', ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'rustc (unknown)';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-real-'));
  // One target folder for every crate: the dependencies they share (tokio, hyper…) are built once.
  const targetDir = path.join(work, 'target');
  const wrapper = writeWrapper(work);
  fs.mkdirSync(outDir, { recursive: true });
  const results: RecordResult[] = [];
  const started = Date.now();
  log(`recording ${wanted.join(', ')} with ${rustcVersion} in ${work}`);
  for (const name of wanted) {
    const spec = REAL_CRATES.find((c) => c.name === name) ?? { name, features: [] };
    const t0 = Date.now();
    let result: RecordResult;
    try {
      result = await recordCrate(spec, {
        registry,
        outDir,
        work,
        targetDir,
        wrapper,
        rustcVersion,
        jobs: options.jobs ?? Math.max(1, os.availableParallelism()),
        log,
      });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log(`${name}: failed: ${error}`);
      result = {
        crate: name,
        version: '?',
        file: null,
        bytes: 0,
        seconds: 0,
        built: { lib: 0, test: 0, example: 0 },
        skipped: [],
        futures: { lib: 0, test: 0, example: 0 },
        error,
      };
    }
    result.seconds = (Date.now() - t0) / 1000;
    log(
      `${name}: done in ${result.seconds.toFixed(0)} s (total ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
    results.push(result);
  }
  if (options.keep) {
    log(`kept ${work}`);
  } else {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}

interface CrateContext {
  registry: string;
  outDir: string;
  work: string;
  targetDir: string;
  wrapper: string;
  rustcVersion: string;
  jobs: number;
  log: (line: string) => void;
}

/** A copy of a crate's registry sources that cargo can build offline, with what it took. */
interface PreparedCrate {
  copy: string;
  env: NodeJS.ProcessEnv;
  /** Targets left out already (their sources are missing). */
  skipped: SkippedTarget[];
  /** Dev-dependencies removed from the copy's manifest. */
  dropped: string[];
}

interface PlannedTarget {
  kind: TargetKind;
  name: string;
  root: string;
  src: string;
}

type BuildOutcome = { unit: CapturedUnit } | { reason: string };

const targetKey = (p: { kind: string; src: string }) => `${p.kind} ${p.src}`;

function prepareCopy(spec: RealCrateSpec, ctx: CrateContext): PreparedCrate {
  const source = findRegistryCrate(ctx.registry, spec.name);
  if (!source) {
    throw new Error(`not in ${ctx.registry}`);
  }
  const copy = path.join(ctx.work, path.basename(source));
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(source, copy, { recursive: true });
  fs.mkdirSync(path.join(copy, '.cargo'), { recursive: true });
  fs.writeFileSync(
    path.join(copy, '.cargo', 'config.toml'),
    `[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "${ctx.registry}"\n`,
  );
  const env = {
    ...process.env,
    RUSTC_BOOTSTRAP: '1',
    CARGO_TARGET_DIR: ctx.targetDir,
    CARGO_TERM_COLOR: 'never',
  };
  // Debian ships no tests/ or examples/ for some crates although the manifest lists them: cargo refuses such a manifest.
  return { copy, env, skipped: dropMissingTargets(copy), dropped: [] };
}

/** Resolves offline by dropping the dev-dependencies (and optional features) the registry lacks; returns the features kept. */
function resolveOffline(
  spec: RealCrateSpec,
  crate: PreparedCrate,
  declared: Record<string, string[]>,
  log: (line: string) => void,
): string[] {
  const { copy, env, dropped } = crate;
  let features = [...spec.features, ...(spec.optionalFeatures ?? [])].filter(
    (f) => f === 'default' || f in declared,
  );
  for (let attempt = 0; ; attempt++) {
    const resolved = spawnSync(
      'cargo',
      ['metadata', '--offline', '--format-version', '1', ...featureArgs(features)],
      { cwd: copy, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    if (resolved.status === 0) {
      return features;
    }
    const err = resolved.stderr ?? '';
    const names = new Set(
      [...err.matchAll(/`([A-Za-z0-9_-]+)(?: v\d[^`]*| = [^`]*)?`/g)].map((m) => m[1]),
    );
    const pkg = cargoMetadata(copy, env, true) as CargoPackage;
    const devs = pkg.dependencies.filter(
      (d) => d.kind === 'dev' && (names.has(d.name) || (d.rename !== null && names.has(d.rename))),
    );
    if (devs.length > 0 && attempt < 40) {
      for (const d of devs) {
        dropDevDependency(path.join(copy, 'Cargo.toml'), d.rename ?? d.name);
        dropped.push(d.rename ?? d.name);
      }
      continue;
    }
    const optional = features.filter((f) => (spec.optionalFeatures ?? []).includes(f));
    if (optional.length > 0 && attempt < 40) {
      const drop = optional[optional.length - 1];
      log(`${spec.name}: feature ${drop} does not resolve offline: dropped (${firstLine(err)})`);
      features = features.filter((f) => f !== drop);
      continue;
    }
    throw new Error(`does not resolve offline: ${firstLine(err)}`);
  }
}

/** The lib, every integration test and example whose required features are enabled; the others are skipped. */
function planTargets(
  pkg: CargoPackage,
  copy: string,
  features: string[],
  testFeatures: string[],
  skipped: SkippedTarget[],
): PlannedTarget[] {
  const enabled = enabledFeatures(pkg.features, features);
  const enabledForTests = enabledFeatures(pkg.features, [...features, ...testFeatures]);
  const planned: PlannedTarget[] = [];
  for (const t of pkg.targets) {
    const kind: TargetKind | null =
      t.kind.includes('lib') || t.kind.includes('rlib')
        ? 'lib'
        : t.kind.includes('test')
          ? 'test'
          : t.kind.includes('example')
            ? 'example'
            : null;
    if (kind === null) {
      continue;
    }
    const root = relPath(copy, t.src_path);
    const missingFeatures = (t['required-features'] ?? []).filter(
      (f) => !(kind === 'lib' ? enabled : enabledForTests).has(f),
    );
    if (missingFeatures.length > 0) {
      skipped.push({
        kind,
        name: t.name,
        root,
        reason: `requires feature ${missingFeatures.join(', ')} (not enabled: not buildable offline)`,
      });
      continue;
    }
    planned.push({ kind, name: t.name, root, src: path.resolve(t.src_path) });
  }
  return planned;
}

/**
 * `cargo build --keep-going`: the wrapper adds -Zprint-type-sizes to this package's targets only and
 * stores each one's output apart. The lib is built with the crate's features; with `testFeatures`,
 * tests and examples are built by a second run with those added. A dev-dependency that does not
 * compile (too old for this rustc) is dropped and the targets it held back are built again.
 */
async function buildTargets(
  pkg: CargoPackage,
  crate: PreparedCrate,
  planned: PlannedTarget[],
  features: string[],
  testFeatures: string[],
  ctx: CrateContext,
): Promise<Map<string, BuildOutcome>> {
  const libPlan = planned.filter((p) => p.kind === 'lib');
  const otherPlan = planned.filter((p) => p.kind !== 'lib');
  const batches =
    testFeatures.length > 0
      ? [
          { plan: libPlan, features },
          { plan: otherPlan, features: [...features, ...testFeatures] },
        ]
      : [{ plan: planned, features }];
  const found = new Map<string, BuildOutcome>();
  let run = 0;
  for (const batch of batches) {
    let pending = batch.plan;
    for (let round = 0; pending.length > 0 && round < 4; round++) {
      const capture = path.join(ctx.work, `capture-${pkg.name}-${++run}`);
      const { units, stderr, failedDeps } = await cargoBuildCapturing(
        pkg,
        crate,
        pending,
        batch.features,
        capture,
        ctx,
      );
      const notCompiled = pending.filter(
        (p) => !units.some((u) => u.src === p.src && u.kind === p.kind),
      );
      for (const p of pending) {
        const unit = units.find((u) => u.src === p.src && u.kind === p.kind);
        found.set(
          targetKey(p),
          unit
            ? { unit }
            : {
                reason: failedDeps.length
                  ? `a dependency does not build: ${failedDeps.join(', ')}`
                  : `not compiled (${firstCargoError(stderr) ?? 'cargo stopped before it'})`,
              },
        );
      }
      const culprits = failedDeps.flatMap((dep) =>
        devDependenciesLeadingTo(crate.copy, crate.env, pkg.name, dep, batch.features),
      );
      if (notCompiled.length === 0 || culprits.length === 0) {
        break;
      }
      for (const culprit of new Set(culprits)) {
        ctx.log(`${pkg.name}: dev-dependency ${culprit} does not build with this rustc: dropped`);
        dropDevDependency(path.join(crate.copy, 'Cargo.toml'), culprit);
        crate.dropped.push(culprit);
      }
      pending = notCompiled;
    }
  }
  return found;
}

/** One `cargo build` of some targets, each target's -Zprint-type-sizes output captured apart. */
async function cargoBuildCapturing(
  pkg: CargoPackage,
  crate: PreparedCrate,
  pending: PlannedTarget[],
  features: string[],
  capture: string,
  ctx: CrateContext,
) {
  fs.rmSync(capture, { recursive: true, force: true });
  fs.mkdirSync(capture, { recursive: true });
  const args = [
    'build',
    '--offline',
    '--keep-going',
    '-j',
    String(ctx.jobs),
    ...featureArgs(features),
  ];
  for (const p of pending) {
    args.push(
      ...(p.kind === 'lib' ? ['--lib'] : [p.kind === 'test' ? '--test' : '--example', p.name]),
    );
  }
  const t0 = Date.now();
  const cargo = await runStreaming(
    'cargo',
    args,
    {
      cwd: crate.copy,
      env: { ...crate.env, RUSTC_WORKSPACE_WRAPPER: ctx.wrapper, RFS_CAPTURE_DIR: capture },
    },
    (line) => {
      if (/^\s*Compiling /.test(line) && line.includes(ctx.work)) {
        ctx.log(`  [${((Date.now() - t0) / 1000).toFixed(0)} s] ${line.trim()}`);
      }
    },
  );
  fs.writeFileSync(`${capture}.cargo.log`, cargo.stderr);
  const units = readUnits(capture, crate.copy);
  const failedDeps = [
    ...new Set(
      [...cargo.stderr.matchAll(/could not compile `([^`]+)`/g)]
        .map((m) => m[1])
        .filter((n) => n !== pkg.name),
    ),
  ];
  ctx.log(
    `${pkg.name}: cargo build of ${pending.length} targets [${features.join(', ')}] finished in ${((Date.now() - t0) / 1000).toFixed(0)} s (exit ${cargo.code}${failedDeps.length ? `; dependencies that failed: ${failedDeps.join(', ')}` : ''})`,
  );
  return { units, stderr: cargo.stderr, failedDeps };
}

/** A built target's own futures: not those of other crates, nor (for a test or example) the lib's. */
function ownFutures(
  p: PlannedTarget,
  unit: CapturedUnit,
  copy: string,
  libModules: Set<string>,
): RecordedFuture[] {
  const ownFiles = new Set(
    p.kind === 'lib' ? [] : moduleTree(p.src).map((f) => relPath(copy, f.path)),
  );
  const ownModules =
    p.kind === 'lib'
      ? libModules
      : new Set(
          moduleTree(p.src)
            .map((f) => f.modulePath[0])
            .filter((m): m is string => !!m),
        );
  const futures = rustcOut
    .futuresFromTypes(rustcOut.parsePrintTypeSizes(fs.readFileSync(unit.out, 'utf8')))
    .flatMap((f) => {
      if (f.kind === 'fn') {
        return isForeignFn(f.name, unit.externs, ownModules) ? [] : [recordFuture(f, undefined)];
      }
      const file = printedFileInCrate(f.file ?? '', copy);
      const own =
        file !== null &&
        (p.kind === 'lib' ? !/^(tests|examples|benches)\//.test(file) : ownFiles.has(file));
      return own ? [recordFuture(f, file)] : [];
    });
  return dedupe(futures);
}

/** Each built target with its own futures; the lib also gets the futures its tests and examples instantiate. */
function collectTargets(
  pkg: CargoPackage,
  copy: string,
  planned: PlannedTarget[],
  found: Map<string, BuildOutcome>,
  skipped: SkippedTarget[],
  log: (line: string) => void,
): RecordedTarget[] {
  const targets: RecordedTarget[] = [];
  const libModules = new Set(
    crates
      .readCrateLayout(copy)
      .files.map((f) => f.modulePath[0])
      .filter((m): m is string => !!m),
  );
  for (const p of planned) {
    const outcome = found.get(targetKey(p)) ?? { reason: 'not built' };
    if ('reason' in outcome) {
      skipped.push({ kind: p.kind, name: p.name, root: p.root, reason: outcome.reason });
      continue;
    }
    const unit = outcome.unit;
    if (unit.rc !== 0) {
      skipped.push({
        kind: p.kind,
        name: p.name,
        root: p.root,
        reason: `does not build: ${unit.error ?? `rustc exited with ${unit.rc}`}`,
      });
      continue;
    }
    targets.push({
      kind: p.kind,
      name: p.name,
      root: p.root,
      futures: ownFutures(p, unit, copy, libModules),
    });
  }
  const lib = targets.find((t) => t.kind === 'lib');
  const libName =
    pkg.targets.find((t) => t.kind.includes('lib') || t.kind.includes('rlib'))?.name ??
    pkg.name.replace(/-/g, '_');
  if (lib) {
    const downstream = downstreamFutures(
      lib,
      libName,
      copy,
      planned
        .filter((p) => p.kind !== 'lib')
        .flatMap((p) => {
          const outcome = found.get(targetKey(p));
          return outcome && 'unit' in outcome && outcome.unit.rc === 0 ? [outcome.unit.out] : [];
        }),
    );
    if (downstream.length > 0) {
      lib.downstream = downstream;
      log(
        `${pkg.name}: ${downstream.length} more lib futures instantiated by its tests and examples`,
      );
    }
  }
  return targets;
}

async function recordCrate(spec: RealCrateSpec, ctx: CrateContext): Promise<RecordResult> {
  const { log } = ctx;
  const crate = prepareCopy(spec, ctx);
  const { copy, env, skipped, dropped } = crate;
  const declared = (cargoMetadata(copy, env, true) as CargoPackage).features;
  const features = resolveOffline(spec, crate, declared, log);
  if (dropped.length > 0) {
    log(
      `${spec.name}: dev-dependencies not in the registry, dropped: ${[...new Set(dropped)].sort().join(', ')}`,
    );
  }
  const testFeatures = (spec.testFeatures ?? []).filter((f) => f in declared);

  const pkg = cargoMetadata(copy, env, true) as CargoPackage;
  const planned = planTargets(pkg, copy, features, testFeatures, skipped);
  const counts = (k: TargetKind) => planned.filter((p) => p.kind === k).length;
  log(
    `${pkg.name} ${pkg.version}: features [${features.join(', ')}]${testFeatures.length ? ` (tests and examples + ${testFeatures.join(', ')})` : ''}; building lib, ${counts('test')} tests, ${counts('example')} examples (${skipped.length} skipped: features or sources missing)`,
  );

  const found = await buildTargets(pkg, crate, planned, features, testFeatures, ctx);
  const targets = collectTargets(pkg, copy, planned, found, skipped, log);
  const built: Record<TargetKind, number> = { lib: 0, test: 0, example: 0 };
  const futureCounts: Record<TargetKind, number> = { lib: 0, test: 0, example: 0 };
  for (const target of targets) {
    built[target.kind]++;
    futureCounts[target.kind] += target.futures.length;
  }
  for (const s of skipped) {
    log(`  skipped ${s.kind} ${s.name}: ${s.reason}`);
  }
  const recorded: RecordedCrate = {
    crate: pkg.name,
    version: pkg.version,
    edition: pkg.edition,
    features,
    ...(testFeatures.length > 0 ? { testFeatures } : {}),
    rustc: ctx.rustcVersion,
    droppedDevDependencies: [...new Set(dropped)].sort(),
    targets,
    skipped,
  };
  const file = path.join(ctx.outDir, `${pkg.name}-${pkg.version}.json`);
  const text = formatRecordedCrate(recorded);
  fs.writeFileSync(file, text);
  log(
    `${pkg.name}: wrote ${path.relative(process.cwd(), file)} (${(text.length / 1024).toFixed(0)} KB): lib ${built.lib}, tests ${built.test}, examples ${built.example} built; ${skipped.length} skipped; futures lib ${futureCounts.lib}, tests ${futureCounts.test}, examples ${futureCounts.example}`,
  );
  return {
    crate: pkg.name,
    version: pkg.version,
    file,
    bytes: text.length,
    seconds: 0,
    built,
    skipped,
    futures: futureCounts,
  };
}

/** See `RecordedTarget.downstream`. */
function downstreamFutures(
  lib: RecordedTarget,
  libName: string,
  copy: string,
  outputs: string[],
): RecordedFuture[] {
  const prefix = new RegExp(`(?<![\\w:])${escapeRegExp(libName)}::`, 'g');
  const ownFns = new Set(lib.futures.filter((f) => f.kind === 'fn').map((f) => f.name ?? ''));
  const positions = new Set(
    lib.futures.filter((f) => f.kind !== 'fn').map((f) => `${f.file}:${f.line}:${f.column}`),
  );
  const out: RecordedFuture[] = [];
  for (const output of outputs) {
    for (const f of rustcOut.futuresFromTypes(
      rustcOut.parsePrintTypeSizes(fs.readFileSync(output, 'utf8')),
    )) {
      if (f.kind === 'fn') {
        if (!f.name.startsWith(`${libName}::`) && !f.name.startsWith(`<${libName}::`)) {
          continue;
        }
        const name = f.name.replace(prefix, '');
        const generic = normaliseFnPath(name) !== name.replace(/\s+/g, ' ').trim();
        if (!ownFns.has(name) && (generic || sameFnElsewhere(name, [...ownFns]) === null)) {
          out.push(recordFuture({ ...f, name }, undefined));
        }
        continue;
      }
      const file = printedFileInCrate(f.file ?? '', copy);
      const at = `${file}:${f.line}:${f.column}`;
      if (file !== null && /^src\//.test(file) && !positions.has(at)) {
        positions.add(at);
        out.push(recordFuture(f, file));
      }
    }
  }
  return dedupe(out);
}

/**
 * The one path of `candidates` that names the same fn as `publicPath` (rustc's name for a fn of another
 * crate: its public path, e.g. `sync::mpsc::Receiver<u8>::recv` for `sync::mpsc::bounded::Receiver::recv`):
 * same last two segments (type and method, or module and fn), and the public path's segments appear
 * in order in the candidate's. Null when none or several do (qualified `<T as Trait>::m` paths are not mapped).
 */
export function sameFnElsewhere(publicPath: string, candidates: string[]): string | null {
  const wanted = splitFnPath(normaliseFnPath(publicPath));
  if (wanted.length < 2 || wanted[0].startsWith('<')) {
    return null;
  }
  const found = new Set<string>();
  for (const candidate of candidates) {
    const have = splitFnPath(normaliseFnPath(candidate));
    if (have.length < wanted.length || have.slice(-2).join('::') !== wanted.slice(-2).join('::')) {
      continue;
    }
    let at = 0;
    for (const segment of have) {
      if (segment === wanted[at]) {
        at++;
      }
    }
    if (at === wanted.length) {
      found.add(have.join('::'));
    }
  }
  return found.size === 1 ? [...found][0] : null;
}

/** `publicPath` with its leading segments replaced by those of the module path `libPath` (generic arguments kept). */
function withModulePath(publicPath: string, libPath: string): string {
  return [...splitFnPath(libPath).slice(0, -2), ...splitFnPath(publicPath).slice(-2)].join('::');
}

/** Splits a fn path on `::` outside angle brackets (`<a::B as c::D>::m` has two segments). */
function splitFnPath(name: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < name.length; i++) {
    if (name.startsWith('->', i)) {
      current += '->';
      i++;
      continue;
    }
    depth += name[i] === '<' ? 1 : name[i] === '>' ? -1 : 0;
    if (depth === 0 && name.startsWith('::', i)) {
      segments.push(current);
      current = '';
      i++;
      continue;
    }
    current += name[i];
  }
  segments.push(current);
  return segments.filter((s) => s.length > 0);
}

/** rustc prints the same future once per place its layout is computed; identical entries are kept once. */
function dedupe(futures: RecordedFuture[]): RecordedFuture[] {
  const seen = new Set<string>();
  return futures.filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function findRegistryCrate(registry: string, name: string): string | null {
  const dirs = fs.existsSync(registry) ? fs.readdirSync(registry) : [];
  const found = dirs
    .filter((d) => d.startsWith(`${name}-`) && /^\d/.test(d.slice(name.length + 1)))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return found.length > 0 ? path.join(registry, found[found.length - 1]) : null;
}

function featureArgs(features: string[]): string[] {
  const explicit = features.filter((f) => f !== 'default');
  return explicit.length > 0 ? ['--features', explicit.join(',')] : [];
}

/** The features a selection turns on, transitively (`dep:x` and `x/y` entries are not features of the crate). */
function enabledFeatures(table: Record<string, string[]>, selected: string[]): Set<string> {
  const enabled = new Set<string>();
  const stack = [...selected, ...('default' in table ? ['default'] : [])];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (enabled.has(f) || !(f in table)) {
      continue;
    }
    enabled.add(f);
    stack.push(...table[f].filter((g) => !g.includes('/') && !g.startsWith('dep:')));
  }
  return enabled;
}

function cargoMetadata(dir: string, env: NodeJS.ProcessEnv, noDeps: boolean): CargoPackage {
  const r = spawnSync(
    'cargo',
    ['metadata', '--offline', '--format-version', '1', ...(noDeps ? ['--no-deps'] : [])],
    { cwd: dir, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.status !== 0) {
    throw new Error(`cargo metadata: ${firstLine(r.stderr ?? '')}`);
  }
  const meta = JSON.parse(r.stdout) as { packages: CargoPackage[]; workspace_members: string[] };
  return meta.packages.find((p) => meta.workspace_members.includes(p.id)) ?? meta.packages[0];
}

/** Removes a dev-dependency (`[dev-dependencies.x]`, `[target.'…'.dev-dependencies.x]` or `x = …` in a dev table). */
export function dropDevDependency(manifest: string, key: string): void {
  const quoted = `(?:${escapeRegExp(key)}|"${escapeRegExp(key)}")`;
  const ownTable = new RegExp(
    `^\\[(?:target\\.(?:"[^"]*"|'[^']*'|[^\\]]*?)\\.)?dev-dependencies\\.${quoted}\\]\\s*$`,
  );
  const devTable = /^\[(?:target\.(?:"[^"]*"|'[^']*'|[^\]]*?)\.)?dev-dependencies\]\s*$/;
  const entry = new RegExp(`^\\s*${quoted}\\s*=`);
  const out: string[] = [];
  let section: 'own' | 'dev' | 'other' = 'other';
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    if (/^\s*\[/.test(line)) {
      section = ownTable.test(line.trim()) ? 'own' : devTable.test(line.trim()) ? 'dev' : 'other';
    }
    if (section === 'own' || (section === 'dev' && entry.test(line))) {
      continue;
    }
    out.push(line);
  }
  fs.writeFileSync(manifest, out.join('\n'));
}

/**
 * Removes the `[[test]]`, `[[example]]`, `[[bench]]` and `[[bin]]` sections whose source file is not
 * there, and returns the tests and examples so removed as skipped.
 */
function dropMissingTargets(copy: string): SkippedTarget[] {
  const manifest = path.join(copy, 'Cargo.toml');
  const lines = fs.readFileSync(manifest, 'utf8').split('\n');
  const out: string[] = [];
  const skipped: SkippedTarget[] = [];
  const folders: Record<string, string> = {
    test: 'tests',
    example: 'examples',
    bench: 'benches',
    bin: 'src/bin',
  };
  for (let i = 0; i < lines.length;) {
    const header = /^\[\[(test|example|bench|bin)\]\]\s*$/.exec(lines[i]);
    let end = i + 1;
    while (end < lines.length && !/^\s*\[/.test(lines[end])) {
      end++;
    }
    if (!header) {
      out.push(...lines.slice(i, end));
      i = end;
      continue;
    }
    const body = lines.slice(i, end).join('\n');
    const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(body)?.[1] ?? '';
    const explicit = /^\s*path\s*=\s*"([^"]+)"/m.exec(body)?.[1];
    const folder = folders[header[1]];
    const candidates = explicit
      ? [explicit]
      : [`${folder}/${name}.rs`, `${folder}/${name}/main.rs`];
    if (candidates.some((c) => fs.existsSync(path.join(copy, c)))) {
      out.push(...lines.slice(i, end));
    } else if (header[1] === 'test' || header[1] === 'example') {
      skipped.push({
        kind: header[1],
        name,
        root: candidates[0],
        reason: 'source not shipped in the registry package',
      });
    }
    i = end;
  }
  fs.writeFileSync(manifest, out.join('\n'));
  return skipped;
}

/** The dev-dependencies of `pkgName` through which it depends on `dep` (`cargo tree -i`). */
function devDependenciesLeadingTo(
  copy: string,
  env: NodeJS.ProcessEnv,
  pkgName: string,
  dep: string,
  features: string[],
): string[] {
  const r = spawnSync(
    'cargo',
    [
      'tree',
      '--offline',
      '-i',
      dep,
      '-e',
      'normal,build,dev',
      '--prefix',
      'depth',
      '--charset',
      'ascii',
      ...featureArgs(features),
    ],
    { cwd: copy, env, encoding: 'utf8' },
  );
  if (r.status !== 0) {
    return [];
  }
  const stack: string[] = [];
  const direct = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+)(\S+) v\S+/.exec(line);
    if (!m) {
      continue;
    }
    const depth = Number(m[1]);
    stack[depth] = m[2];
    if (m[2] === pkgName && depth > 0) {
      direct.add(stack[depth - 1]);
    }
  }
  const pkg = cargoMetadata(copy, env, true);
  return pkg.dependencies
    .filter((d) => d.kind === 'dev' && direct.has(d.name))
    .map((d) => d.rename ?? d.name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The `RUSTC_WORKSPACE_WRAPPER`: for each compilation of the package's own targets (build scripts
 * excepted) it adds -Zprint-type-sizes, keeps only the async futures' blocks of stdout, and stores
 * the arguments, that output, stderr and the exit code in `$RFS_CAPTURE_DIR/unit.XXXXXX.*`.
 */
function writeWrapper(work: string): string {
  const file = path.join(work, 'rustc-wrapper.sh');
  fs.writeFileSync(
    file,
    `#!/usr/bin/env bash
name=""; prev=""; src=""
for a in "\${@:2}"; do
  [ "$prev" = "--crate-name" ] && name="$a"
  case "$a" in *.rs) src="$a";; esac
  prev="$a"
done
if [ -z "$RFS_CAPTURE_DIR" ] || [ -z "$name" ] || [ -z "$src" ] || [ "$name" = "build_script_build" ]; then
  exec "$@"
fi
base=$(mktemp "$RFS_CAPTURE_DIR/unit.XXXXXX")
printf '%s\\0' "$@" > "$base.args"
"$@" -Zprint-type-sizes 2>"$base.err" | awk '/^print-type-size type: /{ keep = index($0, "type: \`{async ") > 0 } keep { print }' > "$base.out"
rc=\${PIPESTATUS[0]}
echo "$rc" > "$base.rc"
cat "$base.err" >&2
exit "$rc"
`,
  );
  fs.chmodSync(file, 0o755);
  return file;
}

interface CapturedUnit {
  kind: TargetKind | 'other';
  src: string;
  out: string;
  rc: number;
  externs: Set<string>;
  error?: string;
}

/** The compilations the wrapper saw; cargo runs rustc in the package folder, so relative sources are resolved from `copy`. */
function readUnits(capture: string, copy: string): CapturedUnit[] {
  const units: CapturedUnit[] = [];
  for (const f of fs.readdirSync(capture).filter((f) => f.endsWith('.args'))) {
    const base = path.join(capture, f.slice(0, -'.args'.length));
    const args = fs.readFileSync(`${base}.args`, 'utf8').split('\0');
    const srcArg =
      args
        .slice(1)
        .reverse()
        .find((a) => a.endsWith('.rs')) ?? '';
    const types = args.flatMap((a, i) => (args[i - 1] === '--crate-type' ? [a] : []));
    const kind: CapturedUnit['kind'] = args.includes('--test')
      ? 'test'
      : types.some((t) => t === 'lib' || t === 'rlib')
        ? 'lib'
        : types.includes('bin') && /(^|\/)examples\//.test(srcArg)
          ? 'example'
          : 'other';
    const externs = new Set(
      args.flatMap((a, i) => (args[i - 1] === '--extern' ? [a.split('=')[0]] : [])),
    );
    const rcText = fs.existsSync(`${base}.rc`) ? fs.readFileSync(`${base}.rc`, 'utf8').trim() : '';
    const rc = rcText === '' ? -1 : Number(rcText);
    units.push({
      kind,
      src: path.resolve(copy, srcArg),
      out: `${base}.out`,
      rc,
      externs,
      error: rc === 0 ? undefined : firstRustcError(`${base}.err`),
    });
  }
  return units;
}

/** The first error of a rustc run whose stderr is JSON diagnostics (cargo's `--error-format=json`). */
function firstRustcError(errFile: string): string | undefined {
  if (!fs.existsSync(errFile)) {
    return undefined;
  }
  for (const line of fs.readFileSync(errFile, 'utf8').split('\n')) {
    try {
      const d = JSON.parse(line) as {
        $message_type?: string;
        level?: string;
        message?: string;
        spans?: { file_name: string; line_start: number; is_primary: boolean }[];
      };
      if (d.level === 'error' && d.message) {
        const span = d.spans?.find((s) => s.is_primary);
        return `${d.message}${span ? ` (${span.file_name}:${span.line_start})` : ''}`.slice(0, 240);
      }
    } catch {
      if (/^error/.test(line)) {
        return line.slice(0, 240);
      }
    }
  }
  return undefined;
}

function firstCargoError(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .find((l) => /^error/.test(l))
    ?.slice(0, 240);
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => /^error/.test(l)) ?? text.split('\n')[0] ?? '').slice(
    0,
    300,
  );
}

/**
 * rustc prints a block's file as cargo passed it (relative to the package for its own targets,
 * absolute for the registry's and std's): the path relative to the package, or null when outside.
 */
function printedFileInCrate(printed: string, copy: string): string | null {
  if (printed === '') {
    return null;
  }
  if (!path.isAbsolute(printed)) {
    return printed.replace(/\\/g, '/').replace(/^\.\//, '');
  }
  const rel = path.relative(copy, printed);
  return rel.startsWith('..') ? null : rel.split(path.sep).join('/');
}

const STD_CRATES = new Set(['std', 'core', 'alloc', 'proc_macro', 'test']);

/**
 * Whether an async fn printed while compiling a target is defined in another crate (an extern's
 * generic fn instantiated here): its path starts with an extern crate's name (rustc prints local
 * items without the crate's name). For `<T as Trait>::m`, both T and the trait must be foreign.
 */
export function isForeignFn(name: string, externs: Set<string>, ownModules: Set<string>): boolean {
  const foreign = (p: string): boolean => {
    const first = p
      .replace(/^&(?:'\w+ )?(?:mut )?/, '')
      .replace(/^(?:dyn |impl )/, '')
      .split(/::|<|\s/)[0];
    return (externs.has(first) || STD_CRATES.has(first)) && !ownModules.has(first);
  };
  const qualified = /^<(.*?) as (.*?)>::/.exec(name);
  if (qualified) {
    return foreign(qualified[1]) && foreign(qualified[2]);
  }
  return foreign(name);
}

async function runStreaming(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  onLine: (line: string) => void,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4 * 1024 * 1024) {
        stderr += chunk;
      }
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

export interface KindFigures {
  /** `lib+downstream`: the lib paired with its own and its tests' instantiations. */
  kind: TargetKind | 'lib+downstream';
  targets: number;
  recorded: number;
  summary: AccuracySummary;
  comparisons: FileComparison[];
}

/** Compares every recorded target of a crate with the engine, grouped by target kind. */
export async function compareRecordedCrate(entry: RecordedCrateEntry): Promise<KindFigures[]> {
  const figures: KindFigures[] = [];
  for (const kind of ['lib', 'test', 'example'] as TargetKind[]) {
    const targets = entry.recorded.targets.filter((t) => t.kind === kind);
    if (targets.length === 0) {
      continue;
    }
    const comparisons: FileComparison[] = [];
    for (const t of targets) {
      comparisons.push(...(await compareRealTarget(entry.sourceDir, t, entry.recorded)));
    }
    figures.push({
      kind,
      targets: targets.length,
      recorded: targets.reduce((n, t) => n + t.futures.length, 0),
      summary: aggregate(comparisons),
      comparisons,
    });
    const lib = targets[0];
    if (kind === 'lib' && lib.downstream && lib.downstream.length > 0) {
      const withDownstream = await compareRealTarget(entry.sourceDir, lib, entry.recorded, {
        downstream: true,
      });
      const recorded = lib.futures.length + lib.downstream.length;
      figures.push({
        kind: 'lib+downstream',
        targets: 1,
        recorded,
        summary: aggregate(withDownstream),
        comparisons: withDownstream,
      });
    }
  }
  return figures;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function formatKindFigures(f: KindFigures): string {
  const s = f.summary;
  return [
    `  ${f.kind.padEnd(14)} ${String(f.targets).padStart(4)} targets ${String(f.recorded).padStart(6)} futures recorded, ${String(s.futures).padStart(6)} matched`,
    `F1 ${s.f1.toFixed(3)}`,
    `exact ${pct(s.exactShare)}`,
    `2× ${pct(s.within2xShare)}`,
    `exact-claim precision ${pct(s.exactClaimPrecision)} (${s.exactClaims})`,
    `bound validity ${pct(s.boundValidity)} (${s.lowerBounds})`,
    `unmatched engine ${s.unmatchedEngine} / rustc ${s.unmatchedRustc}`,
  ].join(', ');
}

/** Engine sizes shown as exact that differ from rustc's, one line each. */
export function wrongExactSizes(comparisons: FileComparison[], crateDir: string): string[] {
  return comparisons.flatMap((c) =>
    c.scores
      .filter((s) => !s.size.lowerBound && s.size.engine !== null && s.size.class !== 'exact')
      .map(
        (s) =>
          `${relPath(crateDir, s.file)}:${s.line} ${s.name}: engine ${s.size.engine} vs rustc ${s.size.rustc}${s.generic ? ' (generic instance)' : ''}`,
      ),
  );
}

/** Lower bounds above rustc's size (a bound that is not one), one line each. */
export function invalidBounds(comparisons: FileComparison[], crateDir: string): string[] {
  return comparisons.flatMap((c) =>
    c.scores
      .filter((s) => s.size.lowerBound && s.size.engine !== null && s.size.engine > s.size.rustc)
      .map(
        (s) =>
          `${relPath(crateDir, s.file)}:${s.line} ${s.name}: engine ≥ ${s.size.engine} vs rustc ${s.size.rustc}${s.generic ? ' (generic instance)' : ''}`,
      ),
  );
}

/**
 * What keeps futures from being exact, most futures first: each reason of a future that is not
 * exact (`FutureReport.unknown`, with generic arguments and numbers folded so one missing type
 * counts once), with how many futures name it and how many of those are beyond 2× of rustc.
 * A future with no reason is counted as `(exact claim not made, no reason)` or `(wrong size)`.
 */
export function gapReasons(
  comparisons: FileComparison[],
): { reason: string; futures: number; beyond2x: number }[] {
  const counts = new Map<string, { futures: number; beyond2x: number }>();
  for (const score of comparisons.flatMap((c) => c.scores)) {
    if (score.size.class === 'exact') {
      continue;
    }
    const reasons =
      score.unknown.length > 0
        ? [...new Set(score.unknown.map(foldReason))]
        : [
            score.size.lowerBound
              ? '(lower bound, no reason given)'
              : '(size shown as exact is wrong)',
          ];
    for (const reason of reasons) {
      const count = counts.get(reason) ?? { futures: 0, beyond2x: 0 };
      count.futures++;
      if (score.size.class === 'off' || score.size.class === 'unknown') {
        count.beyond2x++;
      }
      counts.set(reason, count);
    }
  }
  return [...counts]
    .map(([reason, c]) => ({ reason, ...c }))
    .sort((a, b) => b.futures - a.futures || a.reason.localeCompare(b.reason));
}

/** One reason per missing thing: positions and sizes dropped, generic arguments kept (they differ in kind). */
function foldReason(reason: string): string {
  return reason
    .replace(/@\d+:\d+/g, '@L:C')
    .replace(/\b\d+ B\b/g, 'N B')
    .trim();
}

async function printFigures(names: string[], flags: Set<string>): Promise<void> {
  const gapComparisons: FileComparison[] = [];
  const entries = loadRecordedCorpus().filter(
    (e) => names.length === 0 || names.includes(e.recorded.crate),
  );
  for (const entry of entries) {
    if (!entry.sourcesPresent) {
      console.log(`${entry.recorded.crate}: ${entry.missing}`);
      continue;
    }
    const t0 = Date.now();
    const figures = await compareRecordedCrate(entry);
    const kb = (fs.statSync(entry.file).size / 1024).toFixed(0);
    console.log(
      `${entry.recorded.crate} ${entry.recorded.version} (${kb} KB recorded, features [${entry.recorded.features.join(', ')}], ${entry.recorded.skipped.length} targets skipped; engine ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    figures.forEach((f) => console.log(formatKindFigures(f)));
    if (flags.has('--wrong-exact')) {
      for (const f of figures) {
        wrongExactSizes(f.comparisons, entry.sourceDir).forEach((l) =>
          console.log(`    wrong exact [${f.kind}] ${l}`),
        );
      }
    }
    if (flags.has('--bad-bounds')) {
      for (const f of figures) {
        invalidBounds(f.comparisons, entry.sourceDir).forEach((l) =>
          console.log(`    bound above rustc [${f.kind}] ${l}`),
        );
      }
    }
    if (flags.has('--mismatches')) {
      for (const f of figures) {
        f.summary.mismatches.forEach((l) => console.log(`    [${f.kind}] ${l}`));
      }
    }
    gapComparisons.push(...figures.flatMap((f) => f.comparisons));
  }
  if (flags.has('--gaps')) {
    console.log(
      '\nwhat keeps futures from being exact (futures naming it; of those, beyond 2× of rustc):',
    );
    for (const gap of gapReasons(gapComparisons).slice(0, 80)) {
      console.log(
        `  ${String(gap.futures).padStart(4)} ${String(gap.beyond2x).padStart(4)}  ${gap.reason}`,
      );
    }
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const names = rest.filter((a) => !a.startsWith('--'));
  if (command === 'record') {
    const results = await recordRealCorpus({ crates: names, keep: flags.has('--keep') });
    console.log('\nrecorded:');
    for (const r of results) {
      console.log(
        r.error
          ? `  ${r.crate}: failed (${r.error})`
          : `  ${r.crate} ${r.version}: ${r.seconds.toFixed(0)} s, ${(r.bytes / 1024).toFixed(0)} KB; built lib ${r.built.lib}, tests ${r.built.test}, examples ${r.built.example}; skipped ${r.skipped.length}`,
      );
    }
    console.log('');
    await printFigures(
      results.filter((r) => !r.error).map((r) => r.crate),
      flags,
    );
  } else if (command === 'compare') {
    await printFigures(names, flags);
  } else {
    console.log(
      'usage: node test/out/support/realCorpus.js record|compare [crate...] [--keep] [--wrong-exact] [--bad-bounds] [--mismatches] [--gaps]',
    );
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  });
}
