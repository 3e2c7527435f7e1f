/**
 * Runs the analysis engine over many files.
 *
 * The work is split into a main-thread step (edition lookup, which shares caches) and a per-file job
 * (`analyzeFile`) that takes only plain data, so a worker pool can later run the jobs in parallel
 * without changing callers.
 */
import { analyzeSource, Edition, initAnalysis } from '../analysis/engine';
import type { FileReport } from '../analysis/report';
import { EditionResolver } from './edition';
import { displayPath } from './files';
import { readSource } from './readSource';

/** How `analyzeFiles` picks editions and reports problems. */
export interface AnalyzeFilesOptions {
  /** Forces one edition for every file; otherwise each file's Cargo.toml decides. */
  edition?: Edition;
  /** Report paths are relative to it. */
  cwd?: string;
  /** Receives one-line warnings about the environment (e.g. an unparsable Cargo.toml). */
  warn?: (message: string) => void;
  /** Parse budget per file; a batch run can afford more than an editor keystroke. */
  parseBudgetMs?: number;
}

/** Everything one file's analysis needs, as plain (worker-transferable) data. */
export interface FileJob {
  /** Path to read, as found on disk. */
  path: string;
  /** Path shown in reports. */
  file: string;
  edition: Edition;
  parseBudgetMs: number;
}

const CLI_PARSE_BUDGET_MS = 10_000;

/** Analyses `paths` in order; one FileReport per path, skipped files included (with a notice). */
export async function analyzeFiles(paths: readonly string[], options: AnalyzeFilesOptions = {}): Promise<FileReport[]> {
  const cwd = options.cwd ?? process.cwd();
  const editions = new EditionResolver(options.warn ?? (() => undefined), cwd);
  const jobs: FileJob[] = [];
  for (const filePath of paths) {
    jobs.push({
      path: filePath,
      file: displayPath(filePath, cwd),
      edition: options.edition ?? (await editions.editionOf(filePath)),
      parseBudgetMs: options.parseBudgetMs ?? CLI_PARSE_BUDGET_MS,
    });
  }
  if (jobs.length > 0) {
    await initAnalysis();
  }
  const reports: FileReport[] = [];
  for (const job of jobs) {
    reports.push(await analyzeFile(job));
  }
  return reports;
}

/**
 * Reads and analyses one file. Never throws: an unreadable file or an engine failure becomes a notice,
 * so one bad file cannot hide the results for all the others.
 * `initAnalysis()` must have completed in this thread.
 */
export async function analyzeFile(job: FileJob): Promise<FileReport> {
  const source = await readSource(job.path);
  if (!source.ok) {
    return { file: job.file, futures: [], notices: [`${job.file}: skipped: ${source.reason}`] };
  }
  try {
    const report = analyzeSource(source.text, { file: job.file, edition: job.edition, parseBudgetMs: job.parseBudgetMs });
    return { ...report, notices: report.notices.map((notice) => withFile(job.file, notice)) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { file: job.file, futures: [], notices: [`${job.file}: analysis failed: ${reason}`] };
  }
}

/** Notices are printed apart from their file, so each must say which file it is about. */
function withFile(file: string, notice: string): string {
  return notice.startsWith(file) ? notice : `${file}: ${notice}`;
}
