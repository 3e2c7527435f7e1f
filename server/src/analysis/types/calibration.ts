/**
 * Measurements from one compiler run (`-Zprint-type-sizes` over the whole crate), in the form the
 * estimator consults: a future's exact size while its source is unchanged, and the sizes of types
 * the syntax cannot know (other crates' types). Pure data: running the compiler lives elsewhere.
 */

export interface MeasuredFuture {
  kind: 'fn' | 'block' | 'closure';
  /** rustc's path for fns; for blocks and closures the engine's `async block@L:C` name at measurement time. */
  name: string;
  /** Hash of the future's source text when it was measured. */
  hash: string;
  size: number;
  align: number;
}

export interface CalibrationData {
  version: 1;
  /** `rustc --version` of the run. */
  rustc: string;
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
