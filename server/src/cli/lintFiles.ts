/**
 * The lints' findings for the CLI's reports, with the defaults the editor has: 1024 bytes for a
 * held value, and clippy's `future-size-threshold` (else 16384) for a future.
 */
import * as path from 'path';
import type { FileReport } from '../analysis/report';
import { ClippyConfig } from '../lints/clippyConfig';
import type { Finding } from '../lints/finding';
import { lintFile } from '../lints/registry';
import { readSource } from '../project/readSource';
import { SourceText } from '../text/sourceText';

/** `rustFutureSize.largeValueThreshold`'s default. */
const LARGE_VALUE_THRESHOLD = 1024;
/** clippy's default `future-size-threshold`. */
const CLIPPY_FUTURE_SIZE_THRESHOLD = 16384;

/** One file's findings, with its text to quote. */
export interface FileFindings {
  /** As the report names it (relative to the working directory). */
  file: string;
  source: SourceText;
  findings: Finding[];
}

/**
 * The findings of every report that has any, in report order. A file that cannot be read again
 * (changed since) is left out: its report's notices already say what the run saw.
 */
export async function lintReports(
  reports: readonly FileReport[],
  cwd: string,
  warn: (message: string) => void,
): Promise<FileFindings[]> {
  const clippy = new ClippyConfig(warn);
  const results: FileFindings[] = [];
  for (const report of reports) {
    if (!report.futures.some((future) => !future.skipped)) {
      continue;
    }
    const absolute = path.resolve(cwd, report.file);
    const read = await readSource(absolute);
    if (!read.ok) {
      continue;
    }
    const source = new SourceText(read.text);
    const options = {
      largeValueThreshold: LARGE_VALUE_THRESHOLD,
      largeFutureThreshold: clippy.thresholdFor(absolute)?.value ?? CLIPPY_FUTURE_SIZE_THRESHOLD,
    };
    const findings = lintFile(report, source, options);
    if (findings.length > 0) {
      results.push({ file: report.file, source, findings });
    }
  }
  return results;
}
