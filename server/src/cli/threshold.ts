/**
 * `--max-future-size`: which futures are too large, and how to say so.
 */
import type { FileReport, FutureReport } from '../analysis/report';
import { formatFutureSize } from './formatText';

/**
 * Futures whose size exceeds `maxBytes`. A lower bound above the limit counts (the real size is at least
 * that); an unknown size does not, since we cannot claim it is too large.
 */
export function oversizedFutures(reports: readonly FileReport[], maxBytes: number): FutureReport[] {
  return reports.flatMap((report) =>
    report.futures.filter(
      (future) => future.skipped === undefined && future.size !== null && future.size > maxBytes,
    ),
  );
}

/** A heading and one `file:line:col: `name` is N bytes` line per future, for stderr. */
export function describeOversized(futures: readonly FutureReport[], maxBytes: number): string[] {
  const heading = `${futures.length} ${futures.length === 1 ? 'future exceeds' : 'futures exceed'} --max-future-size ${maxBytes}:`;
  return [
    heading,
    ...futures.map(
      (future) =>
        `  ${future.file}:${future.line}:${future.column}: \`${future.name}\` is ${formatFutureSize(future)}`,
    ),
  ];
}
