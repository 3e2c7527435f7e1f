/**
 * The human-readable report, shaped like compiler output so editors and terminals can jump to
 * `file:line:col`.
 */
import type { FileReport, FutureReport, HeldValue } from '../analysis/report';
import { instanceRangeLabel, instancesOf } from '../analysis/coroutine/instanceReports';
import { plural } from '../analysis/words';
import type { Finding, ReportedLevel } from '../lints/finding';
import type { Span } from '../text/sourceText';
import type { FileFindings } from './lintFiles';

/** How the text report is decorated; the words are the same either way. */
export interface TextStyle {
  /** Wraps the `file:line:col:` of each future (e.g. bold); identity when colour is off. */
  location(text: string): string;
  /** A diagnostic's `warning`/`error` (and its code). */
  level(text: string, level: ReportedLevel | 'note'): string;
  /** A diagnostic's gutter, arrows and carets. */
  gutter(text: string): string;
}

/** No escape codes: for pipes, files, NO_COLOR. */
export const PLAIN_STYLE: TextStyle = {
  location: (text) => text,
  level: (text) => text,
  gutter: (text) => text,
};

const ANSI_LEVEL = { warn: '1;33', deny: '1;31', note: '1;32' } as const;

/** Bold locations, coloured levels and blue gutters, like rustc's own terminal output. */
export const ANSI_STYLE: TextStyle = {
  location: (text) => `\u001b[1m${text}\u001b[0m`,
  level: (text, level) => `\u001b[${ANSI_LEVEL[level]}m${text}\u001b[0m`,
  gutter: (text) => `\u001b[1;34m${text}\u001b[0m`,
};

/**
 * Every future of every report, then the findings in rustc's diagnostic style, then a summary
 * line. Ends with a newline.
 */
export function formatText(
  reports: readonly FileReport[],
  style: TextStyle = PLAIN_STYLE,
  findings: readonly FileFindings[] = [],
): string {
  const lines: string[] = [];
  for (const report of reports) {
    for (const future of report.futures) {
      lines.push(...futureLines(future, style), ...instanceLines(instancesOf(report, future)));
    }
  }
  for (const file of findings) {
    for (const finding of file.findings) {
      lines.push('', ...diagnosticLines(finding, file, style));
    }
  }
  if (findings.length > 0) {
    lines.push('');
  }
  lines.push(summaryLine(reports));
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * A finding as rustc prints a diagnostic: `warning[code]: message`, its span quoted under
 * `--> file:line:col` with carets, each related location as a `note:` quoted the same way, and the
 * message's `help:`/`note:` lines as `= help: ...`.
 */
export function diagnosticLines(
  finding: Finding,
  file: Pick<FileFindings, 'file' | 'source'>,
  style: TextStyle,
): string[] {
  const [headline, ...extra] = finding.message.split('\n');
  const spans = [finding.span, ...finding.related.map((r) => r.span)];
  const lastLine = Math.max(...spans.map((span) => span.start.line)) + 1;
  const width = String(lastLine).length;
  const pad = ' '.repeat(width);
  const levelWord = finding.level === 'deny' ? 'error' : 'warning';
  const lines = [`${style.level(`${levelWord}[${finding.code}]`, finding.level)}: ${headline}`];
  lines.push(...quote(file, finding.span, width, style));
  for (const related of finding.related) {
    lines.push(`${style.level('note', 'note')}: ${related.message}`);
    lines.push(...quote(file, related.span, width, style));
  }
  for (const line of extra) {
    lines.push(`${style.gutter(`${pad} =`)} ${line}`);
  }
  if (finding.clippy) {
    const name = `clippy::${finding.clippy.name}`;
    const note = `note: mirrors \`${name}\`; \`#[allow(${name})]\` silences it`;
    lines.push(`${style.gutter(`${pad} =`)} ${note}`);
  }
  return lines;
}

/** `  --> file:line:col`, then the line with carets under the span (to its line's end at most). */
function quote(
  file: Pick<FileFindings, 'file' | 'source'>,
  span: Span,
  width: number,
  style: TextStyle,
): string[] {
  const pad = ' '.repeat(width);
  const text = file.source.lineText(span.start.line);
  const end = span.end.line === span.start.line ? span.end.character : text.length;
  // Tabs stay tabs under the code, so the carets line up however wide a terminal draws them.
  const indent = text.slice(0, span.start.character).replace(/[^\t]/g, ' ');
  const carets = '^'.repeat(Math.max(1, end - span.start.character));
  return [
    `${pad}${style.gutter('-->')} ${file.file}:${span.start.line + 1}:${span.start.character + 1}`,
    style.gutter(`${pad} |`),
    `${style.gutter(`${String(span.start.line + 1).padStart(width)} |`)} ${text}`,
    `${style.gutter(`${pad} |`)} ${indent}${style.gutter(carets)}`,
  ];
}

function futureLines(future: FutureReport, style: TextStyle): string[] {
  const heading = `${style.location(`${future.file}:${future.line}:${future.column}:`)} ${describeFuture(future)}`;
  if (future.skipped !== undefined) {
    return [`${heading}: skipped: ${future.skipped}`];
  }
  const unknown =
    !future.exact && future.unknown.length > 0 ? `; unknown: ${future.unknown.join(', ')}` : '';
  const measured = future.measured
    ? ', measured by rustc'
    : future.sources
      ? `, other crates' types read from ${future.sources.join(', ')}`
      : '';
  const lines = [
    `${heading}: future is ${formatFutureSize(future)} (align ${future.align}${measured})${unknown}`,
  ];
  if (future.upvars.length > 0) {
    // Captures sit in every state and were introduced by the signature, so a line number adds nothing.
    lines.push(
      `  captured: ${future.upvars.map((value) => describeHeld(value, false)).join(', ')}`,
    );
  }
  for (const point of future.awaits) {
    const held =
      point.held.length > 0
        ? point.held.map((value) => describeHeld(value, true)).join(', ')
        : 'nothing';
    lines.push(`  await #${point.index} at ${point.line}:${point.column} holds: ${held}`);
  }
  return lines;
}

/** Instances listed on a generic fn's line, the most expensive first. */
const LISTED_INSTANCES = 5;

/**
 * `  instances: 4–72 B in 6 instances: m::hold<[u64; 4]> (72 B), … and 1 more`: what the crate's
 * calls make of a generic fn, whose own size is a lower bound with its type parameters unknown.
 */
function instanceLines(instances: readonly FutureReport[]): string[] {
  if (instances.length === 0) {
    return [];
  }
  const listed = instances
    .slice(0, LISTED_INSTANCES)
    .map((i) => `${i.name} (${i.size === null ? '?' : `${i.exact ? '' : '≥ '}${i.size} B`})`);
  const more =
    instances.length > LISTED_INSTANCES ? ` and ${instances.length - LISTED_INSTANCES} more` : '';
  return [`  instances: ${instanceRangeLabel(instances)}: ${listed.join(', ')}${more}`];
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

/** `s (64 B from tokio 1.24.2, line 8)`: a size read from another crate's sources says which. */
function describeHeld(value: HeldValue, withLine: boolean): string {
  const bytes = value.size === null ? '?' : `${value.exact ? '' : '≥ '}${value.size} B`;
  const size = value.sources ? `${bytes} from ${value.sources.join(', ')}` : bytes;
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
    if (
      future.skipped === undefined &&
      future.size !== null &&
      (!largest || future.size > (largest.size ?? -1))
    ) {
      largest = future;
    }
  }
  return largest;
}
