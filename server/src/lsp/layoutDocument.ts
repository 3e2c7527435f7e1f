/**
 * "Show Future Layout": the state machine of the future at the cursor as a plain-text document
 * (variants, fields, offsets, sizes), highlighted by syntaxes/future-layout.tmLanguage.json.
 *
 * The engine reports which values each await stores, not where they go, so the offsets are
 * re-derived here with rustc's coroutine layout rules (shared/reference/coroutine-layout.md §3),
 * without the storage-conflict promotions that need the engine's liveness intervals. When that
 * changes the total, the document says so.
 */
import { Connection } from 'vscode-languageserver/node';
import type { FutureReport, HeldValue } from '../analysis/report';
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
    this.connection.onRequest(FUTURE_LAYOUT_REQUEST, (params: FutureLayoutParams) => this.provide(params));
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
  align: number;
  known: boolean;
  line: number | null;
  variants: Set<number>;
  offset: number;
}

export interface DerivedLayout {
  size: number;
  align: number;
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
    align: value.align ?? 1,
    known: value.size !== null && value.exact,
    line: value.line,
    variants: new Set(),
    offset: 0,
  };
}

const roundUp = (n: number, align: number) => Math.ceil(n / align) * align;

function trailingZeros(x: number): number {
  let n = 0;
  while (x > 0 && x % 2 === 0) {
    x /= 2;
    n++;
  }
  return n;
}

export function deriveLayout(future: FutureReport): DerivedLayout {
  const locals = new Map<string, Field>();
  for (const point of future.awaits) {
    for (const value of point.held) {
      const key = `${value.kind}:${value.name ?? ''}:${value.line}:${value.column}:${value.type ?? ''}`;
      let f = locals.get(key);
      if (!f) {
        f = field(value, roleOf(value));
        locals.set(key, f);
      }
      f.variants.add(point.index);
    }
  }
  const all = [...locals.values()];
  const promoted = new Set(all.filter((f) => f.variants.size >= 2 || f.role === 'flag'));
  const eligibleVariants = new Set(all.filter((f) => !promoted.has(f)).map((f) => [...f.variants][0]));
  if (eligibleVariants.size < 2) {
    all.forEach((f) => promoted.add(f));
  }
  const tagSize = future.awaits.length + 3 <= 256 ? 1 : 2;
  const tag: Field = { role: 'tag', label: '<state tag>', type: tagSize === 1 ? 'u8' : 'u16', size: tagSize, align: tagSize, known: true, line: null, variants: new Set(), offset: 0 };
  const upvars = future.upvars.map((v) => field(v, 'upvar'));
  // The prefix is laid out like a struct: decreasing alignment, so there is no inner padding.
  const prefix = [...upvars, tag, ...all.filter((f) => promoted.has(f))]
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.align - a.f.align || a.i - b.i)
    .map(({ f }) => f);
  let offset = 0;
  for (const f of prefix) {
    f.offset = roundUp(offset, f.align);
    offset = f.offset + f.size;
  }
  let align = Math.max(1, ...prefix.map((f) => f.align));
  const prefixSize = roundUp(offset, align);
  const variants: DerivedLayout['variants'] = [];
  for (const point of future.awaits) {
    const fields = all
      .filter((f) => !promoted.has(f) && f.variants.has(point.index))
      .sort((a, b) => trailingZeros(Math.max(a.size, a.align)) - trailingZeros(Math.max(b.size, b.align)));
    let end = prefixSize;
    for (const f of fields) {
      f.offset = roundUp(end, f.align);
      end = f.offset + f.size;
      align = Math.max(align, f.align);
    }
    variants.push({ index: point.index, fields, end });
  }
  const size = roundUp(Math.max(prefixSize, ...variants.map((v) => v.end)), align);
  return { size, align, prefix, prefixSize, variants };
}

const kindWord: Record<FutureReport['kind'], string> = { fn: 'async fn', block: 'async block', closure: 'async closure' };

export function renderLayout(future: FutureReport, file: string): string {
  const out: string[] = [];
  out.push(`// Future layout of ${kindWord[future.kind]} \`${future.name}\``);
  out.push(`// ${file}:${future.line}:${future.column}`);
  if (future.skipped) {
    out.push('', `// not analysed: ${future.skipped}`);
    return out.join('\n') + '\n';
  }
  const derived = deriveLayout(future);
  // Measured: about three in four fields get rustc's own offset; the order inside the shared prefix
  // is where rustc's field reordering and this estimate most often differ.
  out.push(`// Offsets are estimated with rustc's coroutine layout rules (which values share the prefix,`);
  out.push(`// which states overlap); rustc may order fields inside a region differently. Sizes are the hints'.`);
  out.push('');
  out.push(`future ${future.name}  size ${formatBytes(future.size, future.exact)}  align ${future.align}`);
  if (future.unknown.length) {
    out.push(`unknown ${future.unknown.join(', ')}`);
  }
  if (future.size !== null && derived.size !== future.size) {
    out.push(`// note: the offsets below add up to ${derived.size} bytes; the analysis, which also knows where`);
    out.push(`// storage lifetimes overlap, gives ${future.size}. Treat offsets as approximate.`);
  }
  out.push('');
  out.push(`prefix  size ${derived.prefixSize}  (stored in every state)`);
  for (const f of derived.prefix) {
    out.push(fieldLine(f, f.role === 'upvar' || f.role === 'tag' ? '' : ` at ${[...f.variants].map((v) => `Suspend${v}`).join(', ')}`));
  }
  out.push('');
  out.push(`variant Unresumed  (the captured inputs only)`);
  for (const v of derived.variants) {
    const point = future.awaits[v.index];
    out.push(`variant Suspend${v.index}  await #${v.index} at line ${point.line}  ends at ${v.end}`);
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
