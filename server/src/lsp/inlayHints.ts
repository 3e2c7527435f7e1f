/**
 * Inlay hints: the size of each future next to its `async fn` / async block / async closure, and the
 * size of each binding held across an `.await` with the number of awaits it crosses. Tooltips give
 * the state-by-state breakdown. Only hints inside the requested range are returned.
 *
 * Clients that can resolve hints (VS Code can) get tooltips on `inlayHint/resolve`, when the user
 * points at a hint: building hundreds of Markdown tables on every keystroke, to send them all and
 * have nearly none read, was most of the cost of answering.
 */
import {
  Connection,
  InlayHint,
  InlayHintParams,
  MarkupContent,
  MarkupKind,
  Range,
} from 'vscode-languageserver/node';
import type { FutureReport } from '../analysis/report';
import type { ClientSession } from './client';
import { DocumentStore } from './documents';
import { heldAcrossAwaits, HeldAcross } from '../lints/heldAcross';
import { code, escapeMarkdownCell, formatBytes, plural, valueLabel } from '../text/format';
import { Settings, SettingsStore } from './settings';
import { Pos, SourceText } from '../text/sourceText';

const BINDINGS = new Set(['binding'] as const);

/**
 * What a hint sent without its tooltip carries to find it again on resolve: the document (a number
 * the server gave its URI), where the future starts, and the held value's id for held-value hints.
 * Kept small: a large file has hundreds of hints.
 */
type HintData = [document: number, line: number, column: number, value?: number];

/** How tooltips travel: in the hints, or on resolve with the hint's document number. */
type TooltipMode = 'eager' | { document: number };

/** The hints of one future, reusable while the engine hands out the same report object (the future did not change or move). */
interface MemoEntry {
  key: string;
  /** The lines the hints were placed by, and their text then. */
  lines: [number, string][];
  hints: InlayHint[];
}

export class InlayHintsFeature {
  private readonly documentNumbers = new Map<string, number>();
  private readonly documentUris: string[] = [];
  private readonly memo = new WeakMap<FutureReport, MemoEntry>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
    private readonly settings: SettingsStore,
    private readonly client: ClientSession,
  ) {
    // Hints change when every document is analysed again (settings, Cargo.toml, clippy.toml) and
    // when crate-aware reports arrive; the client asks again only when told.
    documents.onDidInvalidateAll(() => this.refresh());
  }

  /** Asks the client to ask for hints again, when it can be asked. */
  refresh(): void {
    if (this.client.supports.inlayHintRefresh) {
      this.connection.languages.inlayHint.refresh().catch(() => undefined);
    }
  }

  register(): void {
    this.connection.languages.inlayHint.on((params) => this.provide(params));
    this.connection.languages.inlayHint.resolve((hint) => this.resolve(hint));
  }

  async provide(params: InlayHintParams): Promise<InlayHint[]> {
    const { uri } = params.textDocument;
    const analysis = this.documents.analysis(uri);
    if (!analysis) {
      return [];
    }
    const [result, settings] = await Promise.all([analysis, this.settings.get(uri)]);
    // Editors ask for the visible lines: only futures that overlap them can have hints there.
    const { start, end } = params.range;
    const visible = result.report.futures.filter(
      (f) => !f.skipped && f.line - 1 <= end.line && f.endLine - 1 >= start.line,
    );
    // Clients that resolve hints (`inlayHint.resolveSupport`) get tooltips on resolve.
    const tooltips: TooltipMode = this.client.supports.lazyTooltips
      ? { document: this.documentNumber(uri) }
      : 'eager';
    const key = JSON.stringify([settings.inlayHints, result.calibration, tooltips]);
    const hints: InlayHint[] = [];
    for (const future of visible) {
      let memo = this.memo.get(future);
      if (
        !memo ||
        memo.key !== key ||
        memo.lines.some(([line, text]) => result.source.lineText(line) !== text)
      ) {
        const made = futureHints(future, result.source, settings, result.calibration, tooltips);
        memo = {
          key,
          lines: made.lines.map((line) => [line, result.source.lineText(line)]),
          hints: made.hints,
        };
        this.memo.set(future, memo);
      }
      hints.push(...memo.hints.filter((hint) => inRange(hint.position, params.range)));
    }
    return hints.sort(
      (a, b) => a.position.line - b.position.line || a.position.character - b.position.character,
    );
  }

  /** Adds the tooltip to a hint sent without one, from the current analysis; a hint whose future is gone or moved stays as it is. */
  async resolve(hint: InlayHint): Promise<InlayHint> {
    const data = hint.data as HintData | undefined;
    const uri =
      Array.isArray(data) && typeof data[0] === 'number' ? this.documentUris[data[0]] : undefined;
    if (!data || uri === undefined || hint.tooltip !== undefined) {
      return hint;
    }
    const analysis = await this.documents.analysis(uri);
    const [, line, column, value] = data;
    const future = analysis?.report.futures.find(
      (f) => f.line === line && f.column === column && !f.skipped,
    );
    if (!analysis || !future) {
      return hint;
    }
    if (value === undefined || value === null) {
      return { ...hint, tooltip: futureTooltip(future, analysis.calibration) };
    }
    const entry = heldAcrossAwaits(future, BINDINGS).find((e) => e.value.id === value);
    return entry ? { ...hint, tooltip: heldTooltip(future, entry) } : hint;
  }

  private documentNumber(uri: string): number {
    let n = this.documentNumbers.get(uri);
    if (n === undefined) {
      n = this.documentUris.push(uri) - 1;
      this.documentNumbers.set(uri, n);
    }
    return n;
  }
}

/** The calibration run a measured future's size comes from. */
export interface MeasuredBy {
  rustc: string;
  /** ISO date. */
  createdAt: string;
}

/** The hints of one future, and the (0-based) lines whose text placed them. */
function futureHints(
  future: FutureReport,
  source: SourceText,
  settings: Settings,
  measuredBy: MeasuredBy | null,
  tooltips: TooltipMode,
): { hints: InlayHint[]; lines: number[] } {
  const hints: InlayHint[] = [];
  const lines = [future.line - 1];
  const describe = (hint: InlayHint, entry?: HeldAcross): InlayHint => {
    if (tooltips === 'eager') {
      hint.tooltip = entry ? heldTooltip(future, entry) : futureTooltip(future, measuredBy);
    } else {
      const data: HintData = entry
        ? [tooltips.document, future.line, future.column, entry.value.id]
        : [tooltips.document, future.line, future.column];
      hint.data = data;
    }
    return hint;
  };
  if (settings.inlayHints.futureSize.enable) {
    hints.push(describe(futureHint(future, source)));
  }
  if (settings.inlayHints.heldValues.enable) {
    const held = heldAcrossAwaits(future, BINDINGS).filter(
      (entry) => (entry.value.size ?? 0) >= settings.inlayHints.heldValues.minSize,
    );
    const perLine = new Map<number, number>();
    for (const entry of held) {
      perLine.set(entry.value.line, (perLine.get(entry.value.line) ?? 0) + 1);
      lines.push(entry.value.line - 1);
    }
    for (const entry of held) {
      hints.push(
        describe(heldHint(future, entry, source, perLine.get(entry.value.line) === 1), entry),
      );
    }
  }
  return { hints, lines };
}

function futureHint(future: FutureReport, source: SourceText): InlayHint {
  const label = `future ${formatBytes(future.size, future.exact)}${future.measured ? ' (measured)' : ''}`;
  if (future.kind === 'fn') {
    // After the signature line, out of the way of the code.
    return { position: source.endOfLine(future.line - 1), label, paddingLeft: true };
  }
  // Blocks and closures can share a line with other code: right before the body.
  const line0 = future.line - 1;
  const text = source.lineText(line0);
  let character = future.column - 1;
  if (future.kind === 'block') {
    const brace = text.indexOf('{', character);
    character = brace >= 0 ? brace : character;
  }
  return { position: { line: line0, character }, label, paddingRight: true };
}

function heldHint(
  future: FutureReport,
  entry: HeldAcross,
  source: SourceText,
  aloneOnLine: boolean,
): InlayHint {
  const { value, awaits } = entry;
  const label = `held ${formatBytes(value.size, value.exact)} across ${plural(awaits.length, 'await')}`;
  const position: Pos =
    aloneOnLine &&
    ownsLine(source.lineText(value.line - 1)) &&
    !sharesLineWithSignature(future, value.line)
      ? source.endOfLine(value.line - 1)
      : source.valueSpan(value).end;
  return { position, label, paddingLeft: true };
}

/** What a held value is, where it is stored, and across which awaits, as Markdown. */
export function heldTooltip(future: FutureReport, entry: HeldAcross): MarkupContent {
  const { value, awaits } = entry;
  const lines = awaits.map((a) => `line ${a.line}`).join(', ');
  return markdown(
    [
      `**${code(value.name ?? '_')}**${value.type ? `: ${code(value.type)}` : ''}, ${formatBytes(value.size, value.exact)}`,
      '',
      `Stored in the future of ${code(future.name)} (${formatBytes(future.size, future.exact)}) while ${plural(awaits.length, 'await')} ${awaits.length === 1 ? 'is' : 'are'} pending: ${lines}.`,
      value.size === null || !value.exact
        ? `\nThe type ${code(value.type ?? '_')} could not be sized from this file; the size is a lower bound.`
        : '',
    ].join('\n'),
  );
}

/** A line that is one `let` statement: a hint at its end is clearly about that binding. */
function ownsLine(line: string): boolean {
  return (
    /^\s*let\b/.test(line) &&
    (line.match(/\blet\b/g) ?? []).length === 1 &&
    /;\s*(\/\/.*)?$/.test(line)
  );
}

function sharesLineWithSignature(future: FutureReport, line: number): boolean {
  return future.kind === 'fn' && future.line === line;
}

/** The state-by-state breakdown of a future, as Markdown. */
export function futureTooltip(
  future: FutureReport,
  measuredBy: MeasuredBy | null = null,
): MarkupContent {
  const rows: string[] = ['| state | stores | bytes |', '| --- | --- | --- |'];
  const cell = (values: FutureReport['upvars']) =>
    values.length
      ? values
          .map((v) => `${code(escapeMarkdownCell(valueLabel(v)))} ${formatBytes(v.size, v.exact)}`)
          .join(', ')
      : '—';
  const total = (values: FutureReport['upvars']) => {
    const known = values.reduce((sum, v) => sum + (v.size ?? 0), 0);
    return values.some((v) => v.size === null || !v.exact) ? `≥ ${known}` : `${known}`;
  };
  rows.push(`| every state (captured) | ${cell(future.upvars)} | ${total(future.upvars)} |`);
  for (const point of future.awaits) {
    rows.push(
      `| Suspend${point.index}, await on line ${point.line} | ${cell(point.held)} | ${total(point.held)} |`,
    );
  }
  const lines = [
    `**${future.kind === 'fn' ? 'async fn' : future.kind === 'block' ? 'async block' : 'async closure'} ${code(future.name)}**: future of ${formatBytes(future.size, future.exact)}, align ${future.align}`,
    '',
  ];
  if (future.kept) {
    lines.push(
      'The code above does not parse right now, which hides this one from the parser: this is its last analysis, and its text has not changed since.',
      '',
    );
  }
  if (future.measured) {
    const by = measuredBy
      ? ` (\`${measuredBy.rustc}\`) on ${formatDate(measuredBy.createdAt)}`
      : '';
    lines.push(
      `Measured by rustc${by}: this source is unchanged since **Measure Exact Sizes with rustc** ran. The rows below are the estimator's explanation of that size.`,
      '',
    );
  }
  lines.push(...rows);
  if (future.awaits.length === 0) {
    lines.push('', 'No `.await`: only the captured inputs and the state tag are stored.');
  }
  if (future.unknown.length) {
    lines.push(
      '',
      `Unknown sizes (the total is a lower bound): ${future.unknown.map((u) => `${code(u)}`).join(', ')}`,
    );
  }
  lines.push(
    '',
    'Values alive at different awaits share bytes, so the future is smaller than the sum of the rows.',
  );
  return markdown(lines.join('\n'));
}

/** `2026-11-27 14:03 UTC`. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;
}

function markdown(value: string): MarkupContent {
  return { kind: MarkupKind.Markdown, value };
}

function inRange(position: Pos, range: Range): boolean {
  const after =
    position.line > range.start.line ||
    (position.line === range.start.line && position.character >= range.start.character);
  const before =
    position.line < range.end.line ||
    (position.line === range.end.line && position.character <= range.end.character);
  return after && before;
}
