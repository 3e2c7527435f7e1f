/**
 * Runs the engine and rustc over a folder of standalone `.rs` files and pairs their futures:
 * the shared measurement behind the accuracy tests and `npm run accuracy`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import { FileComparison, compareFile, withInstances } from './compare';
import { loadServerModule } from './repoPaths';

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
import * as runner from './runRustc';

export const INSTALL_RUSTC_HINT =
  'rustc is needed to check the engine against the compiler: install Rust 1.95 with rustup ' +
  '(curl https://sh.rustup.rs | sh -s -- -y --default-toolchain 1.95.0) or `apt-get install rustc`; ' +
  'the tests set RUSTC_BOOTSTRAP=1 themselves';

/** Fails with an install hint when rustc is missing. */
export function requireRustc(): string {
  const version = runner.rustcAvailable();
  if (!version) {
    throw new Error(INSTALL_RUSTC_HINT);
  }
  return version;
}

/** The `.rs` files of a fixture folder (golden `*.fixed.rs` files excluded), sorted. */
export function fixtureFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.rs') && !f.endsWith('.fixed.rs'))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface CorpusResult {
  comparisons: FileComparison[];
  reports: FileReport[];
  /** Files rustc could not compile (a broken fixture), with its error. */
  rustcErrors: string[];
}

/**
 * The editions a fixture is compared in, from an `// editions: 2021 2018` line among its first lines
 * (rustc and the analysis both use each); undefined when it names none.
 */
export function editionsOf(text: string): string[] | undefined {
  const line = /^\/\/ editions?: ((?:(?:2015|2018|2021|2024)\s*)+)$/m.exec(
    text.split('\n').slice(0, 5).join('\n'),
  );
  return line?.[1].trim().split(/\s+/);
}

/** Compares every file of `dir` with rustc (in each of its editions: `editionsOf`), `parallel` compilers at a time. */
export async function compareCorpus(
  dir: string,
  edition = '2021',
  parallel = 2,
): Promise<CorpusResult> {
  await engine.initAnalysis();
  const jobs = fixtureFiles(dir).flatMap((file) => {
    const editions = editionsOf(fs.readFileSync(file, 'utf8')) ?? [edition];
    // A file compared in several editions is named with its edition after the first.
    return editions.map((fileEdition, i) => ({
      file,
      edition: fileEdition,
      label: i === 0 ? file : `${file} (edition ${fileEdition})`,
    }));
  });
  const comparisons: FileComparison[] = new Array(jobs.length);
  const reports: FileReport[] = new Array(jobs.length);
  const rustcErrors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const { file, edition: fileEdition, label } = jobs[i];
      const result = await runner.runPrintTypeSizesAsync(path.basename(file), fileEdition, {
        cwd: path.dirname(file),
      });
      const report = engine.analyzeSource(fs.readFileSync(file, 'utf8'), {
        file,
        edition: fileEdition as never,
      });
      reports[i] = report;
      if (!result.ok) {
        rustcErrors.push(`${label}: ${result.error}`);
        comparisons[i] = {
          file: label,
          scores: [],
          unmatchedEngine: report.futures,
          unmatchedRustc: [],
        };
        continue;
      }
      const rustcFutures = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(result.stdout));
      comparisons[i] = compareFile(label, withInstances(report), rustcFutures);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { comparisons, reports, rustcErrors };
}

const crates =
  loadServerModule<typeof import('../../server/src/project/crateLayout')>('project/crateLayout');

/** Analyses a crate with its whole index and pairs its futures with rustc's for the crate root. */
export async function compareCrate(dir: string, edition = '2021'): Promise<FileComparison[]> {
  const rootFile = fs.existsSync(path.join(dir, 'src', 'lib.rs')) ? 'src/lib.rs' : 'src/main.rs';
  const result = await runner.runPrintTypeSizesAsync(rootFile, edition, { cwd: dir });
  if (!result.ok) {
    throw new Error(`${dir}: ${result.error}`);
  }
  return compareCrateOutput(dir, result.stdout, edition);
}

/** Pairs a crate's futures (analysed with its index) with those of rustc's `-Zprint-type-sizes` output. */
export async function compareCrateOutput(
  dir: string,
  printed: string,
  edition = '2021',
): Promise<FileComparison[]> {
  await engine.initAnalysis();
  const layout = crates.readCrateLayout(dir);
  const rustcFutures = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(printed));
  const reports = instanceReports.attachInstances(
    engine.analyzeCrate(
      layout.files.map((f) => ({
        file: f.path,
        text: fs.readFileSync(f.path, 'utf8'),
        modulePath: f.modulePath,
      })),
      { edition: (layout.edition ?? edition) as never },
    ),
  );
  // Fns match by path across the crate; blocks and closures by position within their own file.
  const comparisons = reports.map((r) => {
    const rel = path.relative(dir, r.file);
    return compareFile(
      r.file,
      r.futures.filter(matcher.pairsByPosition),
      rustcFutures.filter((f) => f.kind !== 'fn' && (f.file ?? '').endsWith(rel)),
    );
  });
  comparisons.push(
    compareFile(
      dir,
      reports.flatMap((r) => withInstances(r).filter((f) => !matcher.pairsByPosition(f))),
      rustcFutures.filter((f) => f.kind === 'fn'),
    ),
  );
  return comparisons;
}
