/**
 * Hovers on `.await` (what is stored while it is pending) and on an async fn's name (the future's
 * state-by-state breakdown).
 */
import { Connection, Hover, HoverParams, MarkupKind } from 'vscode-languageserver/node';
import type { AwaitPoint, FileReport, FutureReport, HeldValue } from '../analysis/report';
import { instanceRangeLabel, instancesOf } from '../analysis/coroutine/instanceReports';
import { DocumentStore } from './documents';
import { awaiteeName, code, escapeMarkdownCell, formatBytes, valueLabel } from '../text/format';
import { futureTooltip, MeasuredBy } from './inlayHints';
import { sourcesLabel } from './hintPolicy';
import { Pos, SourceText, Span } from '../text/sourceText';

export class HoversFeature {
  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
  ) {}

  register(): void {
    this.connection.onHover((params) => this.provide(params));
  }

  async provide(params: HoverParams): Promise<Hover | null> {
    const analysis = await this.documents.analysis(params.textDocument.uri);
    return analysis
      ? hoverAt(
          analysis.report.futures,
          analysis.source,
          params.position,
          analysis.calibration,
          analysis.report,
        )
      : null;
  }
}

export function hoverAt(
  futures: readonly FutureReport[],
  source: SourceText,
  position: Pos,
  measuredBy: MeasuredBy | null = null,
  /** The report the futures are from: its generic fns' instances are listed on their names. */
  report: FileReport | null = null,
): Hover | null {
  for (const future of futures) {
    if (future.skipped) {
      continue;
    }
    for (const point of future.awaits) {
      const span = source.awaitSpan(point);
      // `.await`: the dot too.
      const withDot = {
        start: { line: span.start.line, character: span.start.character - 1 },
        end: span.end,
      };
      if (contains(withDot, position)) {
        return {
          range: span,
          contents: { kind: MarkupKind.Markdown, value: awaitMarkdown(future, point) },
        };
      }
    }
  }
  for (const future of futures) {
    if (future.kind === 'fn') {
      const span = source.futureNameSpan(future);
      if (contains(span, position)) {
        const tooltip = future.skipped
          ? {
              kind: MarkupKind.Markdown,
              value: `${code(future.name)}: not analysed: ${future.skipped}`,
            }
          : futureTooltip(future, measuredBy);
        const instances = report ? instancesOf(report, future) : [];
        const contents =
          instances.length > 0
            ? {
                ...tooltip,
                value: `${tooltip.value}\n\n${instancesMarkdown(instances, future.file)}`,
              }
            : tooltip;
        return { range: span, contents };
      }
    }
  }
  return null;
}

/** Instances listed in a hover, the most expensive first. */
const HOVER_INSTANCES = 8;

/**
 * A generic fn's instances in the crate: rustc compiles one future per instantiation, each sized
 * with its type arguments (the fn's own size above is a lower bound with them unknown).
 */
function instancesMarkdown(instances: readonly FutureReport[], file: string): string {
  const rows = ['| instance | bytes | called from |', '| --- | --: | --- |'];
  for (const instance of instances.slice(0, HOVER_INSTANCES)) {
    const from = (instance.calledFrom ?? [])
      .slice(0, 2)
      .map((c) => {
        const where = c.file === file ? `line\u00a0${c.line}` : `${c.file}:${c.line}`;
        return `${code(escapeMarkdownCell(c.name))}\u00a0(${escapeMarkdownCell(where)})`;
      })
      .join(', ');
    const more = (instance.calledFrom?.length ?? 0) > 2 ? ', …' : '';
    rows.push(
      `| ${code(escapeMarkdownCell(instance.name))} | ${nowrap(formatBytes(instance.size, instance.exact))} | ${from}${more} |`,
    );
  }
  const rest =
    instances.length > HOVER_INSTANCES
      ? ['', `… and ${instances.length - HOVER_INSTANCES} more.`]
      : [];
  return [
    `**Instances in the crate**: ${instanceRangeLabel(instances)}`,
    '',
    ...rows,
    ...rest,
  ].join('\n');
}

/**
 * What an await stores, as a table that reads in a hover's width: one row per value (an argument
 * the body keeps is one row, not one per copy), the awaited future named once, and cells that do
 * not wrap (`16384 B` stays on one line).
 */
function awaitMarkdown(future: FutureReport, point: AwaitPoint): string {
  const rows = ['| value | bytes | line | type |', '| --- | --: | --: | --- |'];
  const heldNames = new Set(point.held.filter((v) => v.kind === 'argument').map((v) => v.name));
  for (const value of point.held) {
    const captured =
      value.kind === 'argument' && future.upvars.some((u) => u.name === value.name)
        ? ' (argument, also captured)'
        : value.kind === 'argument'
          ? ' (argument)'
          : '';
    rows.push(row(value, captured));
  }
  for (const value of future.upvars) {
    if (!heldNames.has(value.name)) {
      rows.push(row(value, ' (captured, every state)'));
    }
  }
  const known = point.held.reduce((sum, v) => sum + (v.size ?? 0), 0);
  const lowerBound = point.held.some((v) => v.size === null || !v.exact);
  const measured = future.measured ? ', measured by rustc' : '';
  return [
    `**await #${point.index}** of ${code(future.name)} (state \`Suspend${point.index}\`): ${formatBytes(known, !lowerBound)} stored while it is pending`,
    '',
    ...(point.held.length || future.upvars.length ? rows : ['Nothing besides the state tag.']),
    '',
    `The whole future is ${formatBytes(future.size, future.exact)} ` +
      `(align ${future.align}${measured}).`,
    ...unknownLines(future, point),
  ].join('\n');
}

/**
 * Why this await's values are lower bounds: the future's unknown types (another crate's name its
 * package and why), when a value here is one.
 */
function unknownLines(future: FutureReport, point: AwaitPoint): string[] {
  const inexact = [...point.held, ...future.upvars].some((v) => v.size === null || !v.exact);
  if (!inexact || future.unknown.length === 0) {
    return [];
  }
  return ['', `Unknown: ${future.unknown.map((u) => code(escapeMarkdownCell(u))).join(', ')}`];
}

/**
 * One value's row; the awaited future is named by its type alone, so it is not said twice. A size
 * read from another crate's sources says which after its type (`TcpStream` · tokio 1.24.2): a
 * suffix, not a column, so the table stays within a hover's width.
 */
function row(value: HeldValue, note: string): string {
  const name =
    value.kind === 'awaitee'
      ? 'awaited future'
      : `${code(escapeMarkdownCell(valueLabel(value)))}${note}`;
  const from = value.sources ? ` · ${nowrap(sourcesLabel(value.sources))}` : '';
  const type = value.type
    ? code(escapeMarkdownCell(value.kind === 'awaitee' ? awaiteeName(value.type) : value.type)) +
      from
    : `?${from}`;
  return `| ${name} | ${nowrap(formatBytes(value.size, value.exact))} | ${value.line} | ${type} |`;
}

/** Keeps `16384 B` and `≥ 40 B` on one line in a table cell. */
function nowrap(text: string): string {
  return text.replace(/ /g, '\u00a0');
}

function contains(span: Span, position: Pos): boolean {
  return (
    position.line === span.start.line &&
    position.line === span.end.line &&
    position.character >= span.start.character &&
    position.character <= span.end.character
  );
}
