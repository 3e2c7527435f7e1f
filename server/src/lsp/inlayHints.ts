/**
 * Inlay hints: the size of each future at the end of its signature, and the size of the bindings
 * held across an `.await` after the pattern that binds them, with the number of awaits they cross.
 * Where they go is `hintPlacement.ts`; which are shown and how their labels fit one line is
 * `hintPolicy.ts`. Tooltips give the state-by-state breakdown. A future's hint opens its layout
 * (`rustFutureSize.showFutureLayout`), a held value's hint selects the first await it is held
 * across (`rustFutureSize.revealAwait`, a client command). Only hints inside the requested range
 * are returned.
 *
 * Clients that can resolve hints (VS Code can) get tooltips on `inlayHint/resolve`, when the user
 * points at a hint: building hundreds of Markdown tables on every keystroke, to send them all and
 * have nearly none read, was most of the cost of answering.
 */
import {
  Command,
  Connection,
  InlayHint,
  InlayHintLabelPart,
  InlayHintParams,
  MarkupContent,
  MarkupKind,
  Range,
} from 'vscode-languageserver/node';
import type { FutureReport } from '../analysis/report';
import { parseRust, Tree } from '../analysis/syntax/parser';
import type { ClientSession } from './client';
import { Analysis, DocumentStore } from './documents';
import { heldAcrossAwaits, HeldAcross } from '../lints/heldAcross';
import { Commands, FutureLayoutParams, RevealAwaitArgs } from '../protocol';
import { code, escapeMarkdownCell, formatBytes, plural, valueLabel } from '../text/format';
import { Settings, SettingsStore } from './settings';
import { Pos, SourceText } from '../text/sourceText';
import { HintAnchors } from './hintPlacement';
import {
  fitLine,
  futureLabels,
  HeldGroup,
  heldLabels,
  HintThresholds,
  showsFuture,
  showsHeldValue,
  sourcesLabel,
} from './hintPolicy';

const BINDINGS = new Set(['binding'] as const);

/**
 * What a hint sent without its tooltip carries to find it again on resolve: the document (a number
 * the server gave its URI), where the future starts, and the ids of the held values a held-value
 * hint stands for. Kept small: a large file has hundreds of hints.
 */
type HintData = [document: number, line: number, column: number, ...values: number[]];

/** How tooltips travel: in the hints, or on resolve with the hint's document number. */
type TooltipMode = 'eager' | { document: number };

/** A hint before its label is chosen: the labels it may show, most detailed first. */
interface PlannedHint {
  hint: InlayHint;
  labels: string[];
  /** Bytes it stands for: a line too full for all its hints keeps the heaviest. */
  weight: number;
  /** What Ctrl+click on the label runs: the future's layout, or going to the await. */
  link: Pick<InlayHintLabelPart, 'command'>;
}

/** The hints of one future, reusable while the engine hands out the same report object (the future did not change or move). */
interface MemoEntry {
  key: string;
  /** The lines the hints were placed by, and their text then. */
  lines: [number, string][];
  hints: PlannedHint[];
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
    const pending = this.documents.analysis(uri);
    if (!pending) {
      return [];
    }
    const [result, settings] = await Promise.all([pending, this.settings.get(uri)]);
    // Editors ask for the visible lines: only futures that overlap them can have hints there.
    const { start, end } = params.range;
    const visible = result.report.futures.filter(
      (f) => !f.skipped && f.line - 1 <= end.line && f.endLine - 1 >= start.line,
    );
    // Clients that resolve hints (`inlayHint.resolveSupport`) get tooltips on resolve.
    const tooltips: TooltipMode = this.client.supports.lazyTooltips
      ? { document: this.documentNumber(uri) }
      : 'eager';
    const key = JSON.stringify([uri, settings.inlayHints, result.calibration, tooltips]);
    const planned: PlannedHint[] = [];
    const anchors = new LazyAnchors(this.documents, result);
    try {
      for (const future of visible) {
        let memo = this.memo.get(future);
        if (
          !memo ||
          memo.key !== key ||
          memo.lines.some(([line, text]) => result.source.lineText(line) !== text)
        ) {
          const context = { uri, source: result.source, settings, tooltips, anchors };
          const made = futureHints(future, context, result.calibration);
          memo = {
            key,
            lines: made.lines.map((line) => [line, result.source.lineText(line)]),
            hints: made.hints,
          };
          this.memo.set(future, memo);
        }
        planned.push(...memo.hints.filter((p) => inRange(p.hint.position, params.range)));
      }
    } finally {
      anchors.dispose();
    }
    return fitLabels(planned).sort(
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
    const [, line, column, ...values] = data;
    const future = analysis?.report.futures.find(
      (f) => f.line === line && f.column === column && !f.skipped,
    );
    if (!analysis || !future) {
      return hint;
    }
    if (values.length === 0) {
      return { ...hint, tooltip: futureTooltip(future, analysis.calibration) };
    }
    const held = heldAcrossAwaits(future, BINDINGS);
    const entries = values.map((id) => held.find((e) => e.value.id === id));
    return entries.every((e) => e !== undefined)
      ? { ...hint, tooltip: heldTooltip(future, entries as HeldAcross[]) }
      : hint;
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

/**
 * The placement of one analysis' hints, made on first use from the document's syntax tree (the
 * store's, re-parsed incrementally) or, for a document the store has no tree of, from a parse of
 * its own, deleted with it.
 */
class LazyAnchors {
  private anchors: HintAnchors | null | undefined;
  private ownTree: Tree | null = null;

  constructor(
    private readonly documents: DocumentStore,
    private readonly analysis: Analysis,
  ) {}

  /** null when the text cannot be parsed (in time): hints then go after the values' own spans. */
  get(): HintAnchors | null {
    if (this.anchors === undefined) {
      let tree: Tree | null = null;
      try {
        tree = this.documents.currentTree(this.analysis.uri, this.analysis.version) ?? null;
        tree ??= this.ownTree = parseRust(this.analysis.source.text, 1000);
      } catch {
        // A parse that ran out of time: no tree, the hints go after the values' own spans.
      }
      this.anchors = tree ? new HintAnchors(tree.rootNode) : null;
    }
    return this.anchors;
  }

  dispose(): void {
    this.anchors?.dispose();
    this.ownTree?.delete();
    this.anchors = undefined;
    this.ownTree = null;
  }
}

/** The calibration run a measured future's size comes from. */
export interface MeasuredBy {
  rustc: string;
  /** ISO date. */
  createdAt: string;
}

interface HintContext {
  uri: string;
  source: SourceText;
  settings: Settings;
  tooltips: TooltipMode;
  anchors: LazyAnchors;
}

/** The size thresholds in force: none when the user asks to see everything. */
function thresholdsOf(settings: Settings): HintThresholds {
  const hints = settings.inlayHints;
  return hints.showAll
    ? { heldMinSize: 0, futureMinSize: 0 }
    : { heldMinSize: hints.heldValues.minSize, futureMinSize: hints.futureSize.minSize };
}

/** The hints of one future, and the (0-based) lines whose text placed them. */
function futureHints(
  future: FutureReport,
  context: HintContext,
  measuredBy: MeasuredBy | null,
): { hints: PlannedHint[]; lines: number[] } {
  const { settings, tooltips, uri } = context;
  const thresholds = thresholdsOf(settings);
  const hints: PlannedHint[] = [];
  const lines = [future.line - 1];
  const describe = (hint: InlayHint, entries?: HeldAcross[]): InlayHint => {
    if (tooltips === 'eager') {
      hint.tooltip = entries ? heldTooltip(future, entries) : futureTooltip(future, measuredBy);
    } else {
      const data: HintData = [
        tooltips.document,
        future.line,
        future.column,
        ...(entries ?? []).map((e) => e.value.id),
      ];
      hint.data = data;
    }
    return hint;
  };
  const anchors = context.anchors.get();
  if (settings.inlayHints.futureSize.enable && showsFuture(future, thresholds)) {
    // A future kept through a parse error is not in the tree: its place is found in the text.
    const position =
      (anchors && anchors.futureAnchor(future)) ??
      (anchors && !future.kept ? null : signatureEndInText(context.source, future));
    if (position) {
      const at: FutureLayoutParams = {
        textDocument: { uri },
        position: { line: future.line - 1, character: future.column - 1 },
      };
      hints.push({
        hint: describe({ position, label: '', paddingLeft: true }),
        labels: futureLabels(future),
        weight: Number.MAX_SAFE_INTEGER,
        link: {
          command: {
            title: 'Show Future Layout',
            command: Commands.showFutureLayout,
            arguments: [at],
          },
        },
      });
      lines.push(position.line);
    }
  }
  if (settings.inlayHints.heldValues.enable) {
    for (const group of heldGroups(future, context.source, anchors, thresholds)) {
      lines.push(group.position.line, ...group.entries.map((e) => e.value.line - 1));
      hints.push({
        hint: describe({ position: group.position, label: '', paddingLeft: true }, group.entries),
        labels: heldLabels(group),
        weight: group.entries.reduce((sum, e) => sum + (e.value.size ?? 0), 0),
        link: { command: revealAwait(uri, context.source.awaitSpan(firstAwait(group.entries))) },
      });
    }
  }
  return { hints, lines };
}

/**
 * Where a future's signature ends, from the text alone: before the first `{` outside brackets
 * (for a future the tree does not have, while the code above it does not parse).
 */
function signatureEndInText(source: SourceText, future: FutureReport): Pos {
  let depth = 0;
  let last: Pos = { line: future.line - 1, character: future.column - 1 };
  for (let line = future.line - 1; line < Math.min(source.lineCount, future.line + 20); line++) {
    const text = source.lineText(line);
    for (let i = line === future.line - 1 ? future.column - 1 : 0; i < text.length; i++) {
      const c = text[i];
      if (c === '{' && depth === 0) {
        return last;
      }
      if ('([<'.includes(c) && !(c === '<' && text[i - 1] === '-')) {
        depth++;
      } else if (')]>'.includes(c) && !(c === '>' && text[i - 1] === '-')) {
        depth = Math.max(0, depth - 1);
      }
      if (c !== ' ' && c !== '\t') {
        last = { line, character: i + 1 };
      }
    }
  }
  return source.endOfLine(future.line - 1);
}

/** The held values shown, gathered by where their hint goes: one hint per pattern or macro. */
function heldGroups(
  future: FutureReport,
  source: SourceText,
  anchors: HintAnchors | null,
  thresholds: HintThresholds,
): (HeldGroup & { position: Pos; entries: HeldAcross[] })[] {
  const byPosition = new Map<string, HeldGroup & { position: Pos; entries: HeldAcross[] }>();
  for (const entry of heldAcrossAwaits(future, BINDINGS)) {
    if (!showsHeldValue(entry.value, thresholds)) {
      continue;
    }
    const anchor = anchors
      ? anchors.heldAnchor(entry.value)
      : { position: source.valueSpan(entry.value).end, named: false };
    const key = `${anchor.position.line}:${anchor.position.character}`;
    let group = byPosition.get(key);
    if (!group) {
      group = { position: anchor.position, entries: [], values: [], named: anchor.named };
      byPosition.set(key, group);
    }
    group.entries.push(entry);
    const owner = 'declaredBy' in anchor ? anchor.declaredBy : undefined;
    group.values.push({
      value: entry.value,
      awaits: entry.awaits.length,
      ...(owner && { label: `${owner} ${entry.value.name ?? '_'}` }),
    });
    group.named ||= anchor.named || group.entries.length > 1;
  }
  return [...byPosition.values()];
}

/** What a held value's hint runs on Ctrl+click: selects the await (a client command). */
function revealAwait(uri: string, range: Range): Command {
  const at: RevealAwaitArgs = { uri, range };
  return { title: 'Go to the await', command: Commands.revealAwait, arguments: [at] };
}

/** The await a group of held values is first held across. */
function firstAwait(entries: readonly HeldAcross[]): HeldAcross['awaits'][number] {
  return entries
    .flatMap((e) => e.awaits)
    .reduce((first, a) =>
      a.line < first.line || (a.line === first.line && a.column < first.column) ? a : first,
    );
}

/** Gives each hint the most detailed label its line has room for; leaves out what does not fit. */
function fitLabels(planned: readonly PlannedHint[]): InlayHint[] {
  const byLine = new Map<number, PlannedHint[]>();
  for (const p of planned) {
    const line = byLine.get(p.hint.position.line) ?? [];
    line.push(p);
    byLine.set(p.hint.position.line, line);
  }
  const hints: InlayHint[] = [];
  for (const line of byLine.values()) {
    const labels = fitLine(line);
    line.forEach((p, i) => {
      const label = labels[i];
      if (label !== null) {
        hints.push({ ...p.hint, label: [{ value: label, ...p.link }] });
      }
    });
  }
  return hints;
}

/** What held values are, where they are stored, and across which awaits, as Markdown. */
export function heldTooltip(future: FutureReport, entries: readonly HeldAcross[]): MarkupContent {
  const paragraphs = entries.map(({ value, awaits }) => {
    const lines = awaits.map((a) => `line ${a.line}`).join(', ');
    const from = value.sources ? `, read from the sources of ${sourcesLabel(value.sources)}` : '';
    return [
      `**${code(value.name ?? '_')}**${value.type ? `: ${code(value.type)}` : ''}, ` +
        `${formatBytes(value.size, value.exact)}${from}`,
      '',
      `Stored in the future of ${code(future.name)} (${formatBytes(future.size, future.exact)}) while ${plural(awaits.length, 'await')} ${awaits.length === 1 ? 'is' : 'are'} pending: ${lines}.`,
      value.size === null || !value.exact ? `\n${lowerBoundNote(future, value)}` : '',
    ].join('\n');
  });
  return markdown(paragraphs.join('\n\n---\n\n'));
}

/**
 * Why a held value's size is a lower bound: its future's unknown types (another crate's name the
 * package and why), else that its type could not be sized.
 */
function lowerBoundNote(future: FutureReport, value: FutureReport['upvars'][number]): string {
  const type = code(value.type ?? '_');
  const unknown = future.unknown.map(code).join(', ');
  return future.unknown.length > 0
    ? `The size of ${type} is a lower bound; unknown in this future: ${unknown}.`
    : `The type ${type} could not be sized from this file; the size is a lower bound.`;
}

/** Where the sizes of a future were read: rustc's measurement, or other crates' sources. */
function provenanceLines(future: FutureReport): string[] {
  if (future.measured || !future.sources) {
    return [];
  }
  return [
    '',
    `Sizes of other crates' types read from their sources: ${future.sources.map(code).join(', ')}.`,
  ];
}

/** The state-by-state breakdown of a future, as Markdown. */
export function futureTooltip(
  future: FutureReport,
  measuredBy: MeasuredBy | null = null,
): MarkupContent {
  const rows: string[] = ['| state | stores | bytes |', '| --- | --- | --: |'];
  const cell = (values: FutureReport['upvars']) =>
    values.length
      ? values
          .map(
            (v) =>
              `${code(escapeMarkdownCell(valueLabel(v)))}\u00a0${nowrap(formatBytes(v.size, v.exact))}`,
          )
          .join(', ')
      : '—';
  const total = (values: FutureReport['upvars']) => {
    const known = values.reduce((sum, v) => sum + (v.size ?? 0), 0);
    return values.some((v) => v.size === null || !v.exact) ? `≥\u00a0${known}` : `${known}`;
  };
  rows.push(`| every state (captured) | ${cell(future.upvars)} | ${total(future.upvars)} |`);
  for (const point of future.awaits) {
    rows.push(
      `| \`Suspend${point.index}\`, line\u00a0${point.line} | ${cell(point.held)} | ${total(point.held)} |`,
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
  lines.push(...provenanceLines(future));
  if (future.unknown.length) {
    lines.push(
      '',
      `${future.size === null ? 'Not known, so no size is shown' : 'Unknown sizes (the total is a lower bound)'}: ${future.unknown.map((u) => `${code(u)}`).join(', ')}`,
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

/** Keeps `16384 B` and `≥ 40 B` on one line in a table cell. */
function nowrap(text: string): string {
  return text.replace(/ /g, '\u00a0');
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
