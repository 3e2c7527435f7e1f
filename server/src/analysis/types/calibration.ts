/**
 * Measurements from one compiler run (`-Zprint-type-sizes` over the whole crate), in the form the
 * estimator consults: a future's exact size while its source is unchanged, and the sizes of types
 * the syntax cannot know (other crates' types). Pure data: running the compiler lives elsewhere.
 */

import type { AwaitPoint, HeldValue, MeasuredField, MeasuredLayout } from '../report';

export type { MeasuredField, MeasuredLayout };

export interface MeasuredFuture {
  kind: 'fn' | 'block' | 'closure';
  /** rustc's path for fns; for blocks and closures the engine's `async block@L:C` name at measurement time. */
  name: string;
  /** Hash of the future's source text when it was measured. */
  hash: string;
  size: number;
  align: number;
  /** rustc's own layout (absent in files written before it was stored). */
  layout?: MeasuredLayout;
}

export interface CalibrationData {
  version: 1;
  /** `rustc --version` of the run, and how it took the nightly-only flag (`… with RUSTC_BOOTSTRAP=1`). */
  rustc: string;
  /** The toolchain that worked (`measure/toolchain.ts`), tried first next time. */
  toolchain?: 'nightly' | 'default' | 'bootstrap';
  createdAt: string;
  futures: MeasuredFuture[];
  /** Every non-future type rustc printed, by its printed name (`tokio::net::TcpStream`, `Vec<u8>`). */
  types: Record<string, { size: number; align: number }>;
}

/** Fast lookups over one CalibrationData. */
export class Calibration {
  private readonly byHash = new Map<string, MeasuredFuture[]>();
  private readonly byLastSegment = new Map<string, { size: number; align: number } | null>();
  private readonly byFullName = new Map<string, { size: number; align: number }>();

  constructor(readonly data: CalibrationData) {
    for (const f of data.futures) {
      const list = this.byHash.get(f.hash) ?? [];
      list.push(f);
      this.byHash.set(f.hash, list);
    }
    for (const [name, size] of Object.entries(data.types)) {
      const bare = stripGenerics(name);
      this.byFullName.set(name, size);
      const last = bare.split('::').pop() ?? bare;
      const prev = this.byLastSegment.get(last);
      // A name printed with two different sizes (generic instances, same-named types) is ambiguous.
      if (prev === undefined) {
        this.byLastSegment.set(last, size);
      } else if (prev !== null && (prev.size !== size.size || prev.align !== size.align)) {
        this.byLastSegment.set(last, null);
      }
    }
  }

  /** The measurement of a future whose source is still exactly what was compiled. */
  future(kind: MeasuredFuture['kind'], name: string, hash: string): MeasuredFuture | undefined {
    const candidates = this.byHash.get(hash)?.filter((f) => f.kind === kind) ?? [];
    if (kind === 'fn') {
      return (
        candidates.find((f) => f.name === name) ??
        (candidates.length === 1 ? candidates[0] : undefined)
      );
    }
    return candidates.length === 1 ? candidates[0] : candidates.find((f) => f.name === name);
  }

  /** A type's measured size, by its full printed name or, when unambiguous, its last path segment. */
  type(segments: string[], args: string[]): { size: number; align: number } | null {
    const path = segments.join('::');
    const withArgs = args.length ? `${path}<${args.join(', ')}>` : path;
    const exact = this.byFullName.get(withArgs) ?? this.byFullName.get(path);
    if (exact) {
      return exact;
    }
    for (const [name, size] of this.byFullName) {
      if (name.endsWith(`::${withArgs}`)) {
        return size;
      }
    }
    return this.byLastSegment.get(segments[segments.length - 1]) ?? null;
  }
}

/**
 * Gives a measured future's values rustc's sizes and offsets, where rustc's layout names them the
 * same way: upvars by name (`_ref__x` for a captured reference to `x`), bindings and arguments by
 * name within the same state (`SuspendN` for await N), and the awaited future by `__awaitee`.
 * A name rustc printed twice in one state with different sizes (shadowed bindings) is left alone.
 * So the rows the hovers and held hints show are rustc's, not a lower bound or `?`.
 */
export function explainWithMeasurement(
  layout: MeasuredLayout,
  upvars: HeldValue[],
  awaits: AwaitPoint[],
): void {
  const unresumed = layout.variants.find((v) => v.name === 'Unresumed');
  const captured = (unresumed?.fields ?? []).filter((f) => f.kind === 'upvar');
  for (const value of upvars) {
    const name = value.name;
    if (name !== null) {
      applyField(
        value,
        uniqueField(captured, (f) => f.name === name || f.name === `_ref__${name}`),
      );
    }
  }
  for (const point of awaits) {
    const variant = layout.variants.find((v) => v.name === `Suspend${point.index}`);
    const locals = (variant?.fields ?? []).filter((f) => f.kind === 'local');
    if (!locals.length) {
      continue;
    }
    const awaitees = point.held.filter((v) => v.kind === 'awaitee');
    for (const value of point.held) {
      const name = value.name;
      if ((value.kind === 'binding' || value.kind === 'argument') && name !== null) {
        applyField(
          value,
          uniqueField(locals, (f) => f.name === name),
        );
      } else if (value.kind === 'awaitee' && awaitees.length === 1) {
        applyField(
          value,
          uniqueField(locals, (f) => f.name === '__awaitee'),
        );
      }
    }
  }
}

/** The one field that matches (or several printed alike), else null. */
function uniqueField(
  fields: MeasuredField[],
  matches: (f: MeasuredField) => boolean,
): MeasuredField | null {
  const found = fields.filter(matches);
  if (!found.length || found.some((f) => f.size !== found[0].size)) {
    return null;
  }
  return found.length === 1 || found.every((f) => f.offset === found[0].offset) ? found[0] : null;
}

function applyField(value: HeldValue, field: MeasuredField | null): void {
  if (field) {
    value.size = field.size;
    value.exact = true;
    value.offset = field.offset;
  }
}

function stripGenerics(name: string): string {
  let depth = 0;
  let out = '';
  for (const ch of name) {
    if (ch === '<') {
      depth++;
    } else if (ch === '>') {
      depth--;
    } else if (depth === 0) {
      out += ch;
    }
  }
  return out;
}

/** FNV-1a over the text: cheap, stable across runs, enough to notice an edit. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0') + text.length.toString(16);
}
