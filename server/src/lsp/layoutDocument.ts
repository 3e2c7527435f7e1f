/**
 * "Show Future Layout": the state machine of the future at the cursor as a plain-text document
 * (variants, fields, offsets, sizes), highlighted by syntaxes/future-layout.tmLanguage.json.
 *
 * Every offset is the engine's (`FutureReport.layout`, `HeldValue.offset`), so the fields add up
 * to the size the hints show; for a future rustc measured, the states and fields are the ones
 * rustc printed (`measuredLayoutDocument.ts`), which add up to rustc's size. (An earlier copy of the layout rules here promoted only values saved
 * at two awaits or more, missed the promotions that overlapping storage forces, and so gave another
 * total for some futures.)
 */
import { Connection } from 'vscode-languageserver/node';
import type { FutureReport, HeldValue } from '../analysis/report';
import { renderMeasuredLayout } from './measuredLayoutDocument';
import { FUTURE_LAYOUT_REQUEST, FutureLayoutParams, FutureLayoutResult } from '../protocol';
import { DocumentStore } from './documents';
import { formatBytes, valueLabel } from '../text/format';
import { Pos } from '../text/sourceText';

export class LayoutDocumentFeature {
  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
  ) {}

  register(): void {
    this.connection.onRequest(FUTURE_LAYOUT_REQUEST, (params: FutureLayoutParams) =>
      this.provide(params),
    );
  }

  async provide(params: FutureLayoutParams): Promise<FutureLayoutResult> {
    const analysis = await this.documents.analysis(params.textDocument.uri);
    if (!analysis) {
      return null;
    }
    const future = futureAt(analysis.report.futures, params.position);
    return future ? { name: future.name, text: renderLayout(future, analysis.report.file) } : null;
  }
}

/** The innermost future whose lines contain the position. */
export function futureAt(futures: readonly FutureReport[], position: Pos): FutureReport | null {
  const line = position.line + 1;
  let best: FutureReport | null = null;
  for (const future of futures) {
    if (future.line <= line && line <= future.endLine) {
      if (!best || future.endLine - future.line <= best.endLine - best.line) {
        best = future;
      }
    }
  }
  return best;
}

interface Field {
  role: 'upvar' | 'tag' | 'arg' | 'local' | 'awaitee' | 'temp' | 'flag';
  label: string;
  type: string;
  size: number;
  known: boolean;
  line: number | null;
  /** The awaits whose state stores the value (none for upvars and the tag, in every state). */
  variants: number[];
  offset: number;
}

/** The engine's layout of a future (`FutureReport.layout`, `HeldValue.offset`), for display. */
export interface FutureLayout {
  prefix: Field[];
  prefixSize: number;
  variants: { index: number; fields: Field[]; end: number }[];
}

function roleOf(value: HeldValue): Field['role'] {
  switch (value.kind) {
    case 'awaitee':
      return 'awaitee';
    case 'temporary':
      return 'temp';
    case 'drop-flag':
      return 'flag';
    case 'upvar':
      return 'upvar';
    case 'argument':
      return 'arg';
    default:
      return 'local';
  }
}

function field(value: HeldValue, role: Field['role']): Field {
  return {
    role,
    label: valueLabel(value),
    type: value.kind === 'drop-flag' ? 'bool' : (value.type ?? '_'),
    size: value.size ?? 0,
    known: value.size !== null && value.exact,
    line: value.line,
    variants: [],
    offset: value.offset,
  };
}

const byOffset = (a: Field, b: Field) => a.offset - b.offset;

/**
 * Groups the engine's offsets into the shared prefix and the states. A value saved at several
 * awaits is one field (one `id`); a value the engine placed below the end of the prefix lives there
 * even when only one await saves it (its storage overlaps another's, so rustc promotes it).
 */
export function futureLayout(future: FutureReport): FutureLayout | null {
  const summary = future.layout;
  if (!summary) {
    return null;
  }
  const saved = new Map<number, Field>();
  for (const point of future.awaits) {
    for (const value of point.held) {
      let f = saved.get(value.id);
      if (!f) {
        f = field(value, roleOf(value));
        saved.set(value.id, f);
      }
      f.variants.push(point.index);
    }
  }
  const inPrefix = (f: Field) => f.variants.length >= 2 || f.offset < summary.prefixSize;
  const tag: Field = {
    role: 'tag',
    label: '<state tag>',
    type: summary.tagSize === 1 ? 'u8' : 'u16',
    size: summary.tagSize,
    known: true,
    line: null,
    variants: [],
    offset: summary.tagOffset,
  };
  const upvars = future.upvars.map((v) => field(v, 'upvar'));
  const locals = [...saved.values()];
  const prefix = [...upvars, tag, ...locals.filter(inPrefix)].sort(byOffset);
  const variants = future.awaits.map((point) => ({
    index: point.index,
    fields: locals.filter((f) => !inPrefix(f) && f.variants.includes(point.index)).sort(byOffset),
    end: summary.variantEnds[point.index] ?? summary.prefixSize,
  }));
  return { prefix, prefixSize: summary.prefixSize, variants };
}

const kindWord: Record<FutureReport['kind'], string> = {
  fn: 'async fn',
  block: 'async block',
  closure: 'async closure',
};

export function renderLayout(future: FutureReport, file: string): string {
  const out: string[] = [];
  out.push(`// Future layout of ${kindWord[future.kind]} \`${future.name}\``);
  out.push(`// ${file}:${future.line}:${future.column}`);
  if (future.skipped) {
    out.push('', `// not analysed: ${future.skipped}`);
    return out.join('\n') + '\n';
  }
  if (future.measured && future.measuredLayout) {
    return out.concat(renderMeasuredLayout(future, future.measuredLayout)).join('\n') + '\n';
  }
  const layout = futureLayout(future);
  out.push(`// Offsets are the analysis's, by rustc's coroutine layout rules; rustc may order`);
  out.push(`// fields inside a region differently. The size is the hints'.`);
  if (future.measured) {
    out.push(`// The size was measured by rustc; the offsets are the analysis's estimate.`);
    out.push(`// (Measure Exact Sizes again to see rustc's own states and fields here.)`);
  }
  out.push('');
  out.push(
    `future ${future.name}  size ${formatBytes(future.size, future.exact)}  align ${future.align}`,
  );
  if (future.unknown.length) {
    out.push(`unknown ${future.unknown.join(', ')}`);
  }
  if (!layout) {
    out.push('', '// no layout: this report was made without one');
    return out.join('\n') + '\n';
  }
  out.push('');
  out.push(`prefix  size ${layout.prefixSize}  (stored in every state)`);
  for (const f of layout.prefix) {
    const states = f.variants.map((v) => `Suspend${v}`).join(', ');
    out.push(fieldLine(f, states ? ` at ${states}` : ''));
  }
  out.push('');
  out.push(`variant Unresumed  (the captured inputs only)`);
  for (const v of layout.variants) {
    const point = future.awaits[v.index];
    out.push(
      `variant Suspend${v.index}  await #${v.index} at line ${point.line}  ends at ${v.end}`,
    );
    if (!v.fields.length) {
      out.push('  (nothing of its own)');
    }
    for (const f of v.fields) {
      out.push(fieldLine(f, ''));
    }
  }
  out.push(`variant Returned  (nothing of its own)`);
  out.push(`variant Panicked  (nothing of its own)`);
  return out.join('\n') + '\n';
}

function fieldLine(f: Field, suffix: string): string {
  const size = f.known ? String(f.size) : f.size ? `≥${f.size}` : '?';
  const line = f.line !== null ? `  line ${f.line}` : '';
  return `  offset ${String(f.offset).padStart(5)}  size ${size.padStart(6)}  ${f.role.padEnd(7)} ${f.label.padEnd(24)} ${f.type}${line}${suffix}`;
}
