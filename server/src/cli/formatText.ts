/**
 * The human-readable report, shaped like compiler output so editors and terminals can jump to
 * `file:line:col`.
 */
import type { FileReport, FutureReport, HeldValue } from '../analysis/report';
import { plural } from '../analysis/words';

/** How the text report is decorated; the words are the same either way. */
export interface TextStyle {
  /** Wraps the `file:line:col:` of each future (e.g. bold); identity when colour is off. */
  location(text: string): string;
}

/** No escape codes: for pipes, files, NO_COLOR. */
export const PLAIN_STYLE: TextStyle = { location: (text) => text };

/** Bold locations, like rustc's own terminal output. */
export const ANSI_STYLE: TextStyle = { location: (text) => `\u001b[1m${text}\u001b[0m` };

/** Every future of every report, then a summary line. Ends with a newline. */
export function formatText(reports: readonly FileReport[], style: TextStyle = PLAIN_STYLE): string {
  const lines: string[] = [];
  for (const report of reports) {
    for (const future of report.futures) {
      lines.push(...futureLines(future, style));
    }
  }
  lines.push(summaryLine(reports));
  return lines.map((line) => `${line}\n`).join('');
}

function futureLines(future: FutureReport, style: TextStyle): string[] {
  const heading = `${style.location(`${future.file}:${future.line}:${future.column}:`)} ${describeFuture(future)}`;
  if (future.skipped !== undefined) {
    return [`${heading}: skipped: ${future.skipped}`];
  }
  const unknown = !future.exact && future.unknown.length > 0 ? `; unknown: ${future.unknown.join(', ')}` : '';
  const measured = future.measured ? ', measured by rustc' : '';
  const lines = [`${heading}: future is ${formatFutureSize(future)} (align ${future.align}${measured})${unknown}`];
  if (future.upvars.length > 0) {
    // Captures sit in every state and were introduced by the signature, so a line number adds nothing.
    lines.push(`  captured: ${future.upvars.map((value) => describeHeld(value, false)).join(', ')}`);
  }
  for (const point of future.awaits) {
    const held = point.held.length > 0 ? point.held.map((value) => describeHeld(value, true)).join(', ') : 'nothing';
    lines.push(`  await #${point.index} at ${point.line}:${point.column} holds: ${held}`);
  }
  return lines;
}

/** `async fn `name``; blocks and closures are already named by their position, which the line starts with. */
function describeFuture(future: FutureReport): string {
  if (future.kind === 'fn') {
    return `async fn \`${future.name}\``;
  }
  const generic = `async ${future.kind}`;
  return future.name.startsWith(`${generic}@`) ? generic : `${generic} \`${future.name}\``;
}

/** `1027 bytes`, `≥ 96 bytes` (a lower bound), or `? bytes` (nothing known). */
export function formatFutureSize(future: Pick<FutureReport, 'size' | 'exact'>): string {
  if (future.size === null) {
    return '? bytes';
  }
  return `${future.exact ? '' : '≥ '}${future.size} ${future.size === 1 ? 'byte' : 'bytes'}`;
}

function describeHeld(value: HeldValue, withLine: boolean): string {
  const size = value.size === null ? '?' : `${value.exact ? '' : '≥ '}${value.size} B`;
  switch (value.kind) {
    case 'temporary':
      return `<temp${value.type ? `: ${value.type}` : ''}> (${size})`;
    case 'awaitee':
      return `<awaitee${value.type ? ` ${shortAwaiteeType(value.type)}` : ''}> (${size})`;
    case 'drop-flag':
      return `<drop flag> (${size})`;
    default:
      return `${value.name ?? '_'} (${size}${withLine ? `, line ${value.line}` : ''})`;
  }
}

/** rustc names an async fn's future `{async fn body of pause()}`; the call alone says the same. */
function shortAwaiteeType(type: string): string {
  return /^\{async fn body of (.*)\}$/.exec(type)?.[1] ?? type;
}

/** `N futures in M files; largest: `name` (SIZE) at file:line`. */
function summaryLine(reports: readonly FileReport[]): string {
  const futures = reports.flatMap((report) => report.futures);
  const counts = `${plural(futures.length, 'future')} in ${plural(reports.length, 'file')}`;
  const largest = largestFuture(futures);
  return largest
    ? `${counts}; largest: \`${largest.name}\` (${formatFutureSize(largest)}) at ${largest.file}:${largest.line}`
    : counts;
}

/** The analysed future with the largest known size; the first one wins a tie. */
export function largestFuture(futures: readonly FutureReport[]): FutureReport | undefined {
  let largest: FutureReport | undefined;
  for (const future of futures) {
    if (future.skipped === undefined && future.size !== null && (!largest || future.size > (largest.size ?? -1))) {
      largest = future;
    }
  }
  return largest;
}

