/**
 * Sizes and alignments of types, following rustc's layout rules on 64-bit targets:
 * field reordering, niches, tagged and niche-filled enums, and the std types measured
 * by tools/measure-std-types.
 */
import {
  PRIMITIVES,
  Projection,
  Ty,
  TypeOrigin,
  adt,
  adtName,
  isUnsized,
  showTy,
  substitute,
  prim,
  UNIT,
  UNKNOWN,
} from './types';
import stdTable from './stdTypes.generated.json';

export interface Niche {
  /** Bytes of the scalar that holds the niche. */
  size: number;
  /** How many invalid values it offers (capped, so arithmetic stays finite). */
  available: number;
}

export interface Layout {
  size: number;
  align: number;
  /** False when part of the type is unknown: size is then a lower bound. */
  exact: boolean;
  unknown: string[];
  /** Has drop glue (or might: unknown types are assumed to). */
  drop: boolean;
  copy: boolean;
  niche: Niche | null;
  /** Packages whose sources part of the size was read from (`tokio 1.24.2`); unset when none. */
  sources?: string[];
}

export interface UserStruct {
  kind: 'struct';
  name: string;
  params: string[];
  /** The parameters' defaults (`T = Box<ByteStr>`; null: none), when one has one. */
  defaults?: (Ty | null)[];
  fields: { name: string; ty: Ty }[];
  reprC: boolean;
  copy: boolean;
  dropImpl: boolean;
  /** A `union`: its fields overlap. */
  union?: boolean;
  /** `#[repr(align(N))]`. */
  reprAlign?: number;
  /** A `#[repr]` the layout rules here do not model (`packed`): the type is not sized. */
  reprUnsupported?: string;
}

export interface UserEnum {
  kind: 'enum';
  name: string;
  params: string[];
  defaults?: (Ty | null)[];
  /** `fieldNames` is set for struct-like variants (`V { a: u32 }`). */
  variants: { name: string; fields: Ty[]; fieldNames?: string[] }[];
  copy: boolean;
  dropImpl: boolean;
  /** `#[repr(u8)]` and friends: the tag's size. */
  reprTag: number | null;
  reprAlign?: number;
  reprUnsupported?: string;
}

export interface UserAlias {
  kind: 'alias';
  name: string;
  params: string[];
  ty: Ty;
}

export type UserType = UserStruct | UserEnum | UserAlias;

/** What layout computation needs from the rest of the analysis. */
export interface TypeEnv {
  /**
   * The crate's type these segments name; null when it is not the crate's (std's, another crate's);
   * `ambiguous` when the crate defines several types of that name and the path does not say which.
   */
  userType(segments: string[], origin?: TypeOrigin): UserType | null | 'ambiguous';
  /** The layout of a future of this file, or null while it is being computed (recursion). */
  futureLayout(id: string): Layout | null;
  /** A size rustc printed for this type in a calibration run (other crates' types, mostly). */
  learnedType?(segments: string[], args: string[]): { size: number; align: number } | null;
  /**
   * What a path leads to when it may be another crate's: read in `scope` (a dependency's crate
   * and module, from {@link Ty}'s `scope`), or in the analysed crate when `scope` is undefined.
   * Null when the path is not another crate's (std's, the analysed crate's own).
   */
  foreignType?(segments: string[], scope: string | undefined): ForeignType | null;
  /**
   * What a path into one of the crate's modules that defines no such type leads to when a `use`
   * there brings it in from another crate (`crate::types::Oid` after `pub use postgres_types::*`).
   */
  reexportedType?(segments: string[]): ForeignType | null;
  /**
   * The type an associated type stands for, through the trait impls the analysis knows
   * (`projections.ts`); null when that is not known.
   */
  projection?(proj: Projection): Ty | null;
}

/** A path resolved into the crate graph (see `analysis/deps`). */
export type ForeignType =
  /**
   * A dependency's type; its fields' paths are read in `scope`. `package` is where it was read
   * (`tokio 1.24.2`), `path` its name there (`tokio::net::tcp::stream::TcpStream`).
   */
  | { kind: 'type'; type: UserType; scope: string; package?: string; path?: string }
  /** A re-export of std's type (`tokio::io::Error`): the std path it names. */
  | { kind: 'std'; segments: string[] }
  /** Another crate's type that cannot be read here, and why, naming the crate and the type. */
  | { kind: 'unknown'; reason: string };

/** Marks the paths of a dependency's item with the scope they are read in. */
export function inScope(ty: Ty, scope: string): Ty {
  switch (ty.k) {
    case 'adt':
      return {
        ...ty,
        args: ty.args.map((a) => inScope(a, scope)),
        ...(ty.scope === undefined ? { scope } : {}),
      };
    case 'tuple':
      return { ...ty, elems: ty.elems.map((e) => inScope(e, scope)) };
    case 'array':
    case 'slice':
      return { ...ty, elem: inScope(ty.elem, scope) };
    case 'ref':
    case 'ptr':
      return { ...ty, inner: inScope(ty.inner, scope) };
    default:
      return ty;
  }
}

interface StdEntry {
  size: number;
  align: number;
  drop: boolean;
  copy: boolean;
  niche: boolean;
}

const STD = (stdTable as unknown as { types: Record<string, StdEntry> }).types;
const INSTANTIATIONS = (stdTable as unknown as { instantiations: Record<string, StdEntry> })
  .instantiations;
const BIG = 1 << 30;
const MAX_DEPTH = 40;
/** A type written out with more parts than this is not sized (no real type comes near it). */
const MAX_TYPE_NODES = 512;

/** Whether a type has more than `limit` parts, counted without walking all of a huge one. */
function typeNodesOver(ty: Ty, limit: number): boolean {
  let count = 0;
  const stack: Ty[] = [ty];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (++count > limit) {
      return true;
    }
    switch (t.k) {
      case 'adt':
        stack.push(...t.args);
        break;
      case 'tuple':
        stack.push(...t.elems);
        break;
      case 'array':
      case 'slice':
        stack.push(t.elem);
        break;
      case 'ref':
      case 'ptr':
        stack.push(t.inner);
        break;
      default:
        break;
    }
  }
  return false;
}

/** A type's name without its arguments, for messages about types too large to print. */
function shortTypeName(ty: Ty): string {
  return ty.k === 'adt' ? `${ty.segments[ty.segments.length - 1]}<..>` : ty.k;
}

function roundUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

function known(size: number, align: number, extra: Partial<Layout> = {}): Layout {
  return { size, align, exact: true, unknown: [], drop: false, copy: true, niche: null, ...extra };
}

/**
 * rustc rejects a type larger than `isize::MAX` bytes; sizes above 2^53 cannot be counted exactly
 * here either, so such a type has no size (its future is a lower bound naming it).
 */
const LARGEST_SIZE = Number.MAX_SAFE_INTEGER;

function checkedSize(layout: Layout, ty: Ty): Layout {
  return layout.size <= LARGEST_SIZE
    ? layout
    : unknownLayout(
        `${showTy(ty)} (too big: over 2^53 bytes; rustc rejects types over isize::MAX)`,
      );
}

function unknownLayout(text: string): Layout {
  // Unknown types count as empty (a lower bound) and as having drop glue, so liveness over-approximates.
  return { size: 0, align: 1, exact: false, unknown: [text], drop: true, copy: false, niche: null };
}

const POINTER_NICHE: Niche = { size: 8, available: 1 };

/** Effective alignment rustc groups fields by: trailing zeros of max(size, align). */
function alignmentGroup(l: Layout): number {
  const x = Math.max(l.size, l.align);
  return x === 0 ? 0 : Math.log2(x & -x);
}

function mergeFlags(
  parts: Layout[],
): Pick<Layout, 'exact' | 'unknown' | 'drop' | 'copy' | 'sources'> {
  const sources = [...new Set(parts.flatMap((p) => p.sources ?? []))];
  return {
    exact: parts.every((p) => p.exact),
    unknown: [...new Set(parts.flatMap((p) => p.unknown))],
    drop: parts.some((p) => p.drop),
    copy: parts.every((p) => p.copy),
    ...(sources.length > 0 ? { sources } : {}),
  };
}

/**
 * A dependency's type: its size names the package it was read from, and what is unknown in it is
 * said of it (`hyper::body::Body (hyper 0.14.19): generic over B`), not only of its parts.
 */
function readFrom(layout: Layout, foreign: ForeignType & { kind: 'type' }): Layout {
  if (foreign.package === undefined) {
    return layout;
  }
  const sources = [...new Set([foreign.package, ...(layout.sources ?? [])])];
  if (layout.exact) {
    return { ...layout, sources };
  }
  const params = new Set(foreign.type.params);
  const parts = layout.unknown.map((u) => (params.has(u) ? `generic over ${u}` : u));
  const name = foreign.path ?? foreign.type.name;
  return { ...layout, sources, unknown: [`${name} (${foreign.package}): ${parts.join(', ')}`] };
}

function largestNiche(parts: Layout[]): Niche | null {
  let best: Niche | null = null;
  for (const p of parts) {
    if (p.niche && (!best || p.niche.available > best.available)) {
      best = p.niche;
    }
  }
  return best;
}

/** A struct or tuple with rustc's default representation (fields reordered, no inner padding). */
export function structLayout(fields: Layout[], reprC = false): Layout {
  const align = Math.max(1, ...fields.map((f) => f.align));
  let size: number;
  if (reprC) {
    size = 0;
    for (const f of fields) {
      size = roundUp(size, f.align) + f.size;
    }
  } else {
    const sorted = [...fields].sort((a, b) => alignmentGroup(b) - alignmentGroup(a));
    size = 0;
    for (const f of sorted) {
      size = roundUp(size, f.align) + f.size;
    }
  }
  return { size: roundUp(size, align), align, ...mergeFlags(fields), niche: largestNiche(fields) };
}

/** An enum: the smaller of the tagged layout and the niche-filled one, as rustc chooses. */
export function enumLayout(variants: Layout[][], reprTag: number | null = null): Layout {
  const all = variants.flat();
  const flags = mergeFlags(all);
  if (variants.length === 0) {
    return known(0, 1, { ...flags, copy: true });
  }
  const structs = variants.map((fields) => structLayout(fields));
  const align = Math.max(1, ...structs.map((s) => s.align));
  if (variants.length === 1 && reprTag === null) {
    return { ...structs[0], ...flags };
  }
  const onlyUnit = variants.every((v) => v.length === 0 || v.every((f) => f.size === 0));
  if (onlyUnit && reprTag === null) {
    return { size: 1, align: 1, ...flags, niche: { size: 1, available: 256 - variants.length } };
  }

  const tagSize = reprTag ?? (variants.length <= 256 ? 1 : 2);
  let tagged = tagSize;
  for (const fields of variants) {
    // Variant fields go after the tag in ascending alignment so small ones fill the gap.
    const sorted = [...fields].sort((a, b) => alignmentGroup(a) - alignmentGroup(b));
    let off = tagSize;
    for (const f of sorted) {
      off = roundUp(off, f.align) + f.size;
    }
    tagged = Math.max(tagged, off);
  }
  const taggedAlign = Math.max(align, tagSize);
  const taggedLayout: Layout = {
    size: roundUp(tagged, taggedAlign),
    align: taggedAlign,
    ...flags,
    niche: { size: tagSize, available: (tagSize === 1 ? 256 : 65536) - variants.length },
  };
  if (reprTag !== null) {
    return taggedLayout;
  }

  let largest = 0;
  for (let i = 1; i < structs.length; i++) {
    if (structs[i].size > structs[largest].size) {
      largest = i;
    }
  }
  const niche = structs[largest].niche;
  if (niche && niche.available >= variants.length - 1) {
    const room = structs[largest].size - niche.size;
    const othersFit = structs.every((s, i) => i === largest || s.size <= room);
    if (othersFit) {
      const size = roundUp(structs[largest].size, align);
      if (size <= taggedLayout.size) {
        return {
          size,
          align,
          ...flags,
          niche: { size: niche.size, available: niche.available - (variants.length - 1) },
        };
      }
    }
  }
  return taggedLayout;
}

/** A union: its fields share the same bytes; no niche (any bit pattern may be valid). */
function unionLayout(fields: Layout[]): Layout {
  const align = Math.max(1, ...fields.map((f) => f.align));
  const size = roundUp(Math.max(0, ...fields.map((f) => f.size)), align);
  return { size, align, ...mergeFlags(fields), niche: null };
}

/** `#[repr(align(N))]` raises the alignment, and the size to a multiple of it. */
function withAlign(layout: Layout, reprAlign: number | undefined): Layout {
  if (reprAlign === undefined || reprAlign <= layout.align) {
    return layout;
  }
  return { ...layout, align: reprAlign, size: roundUp(layout.size, reprAlign) };
}

function optionOf(inner: Layout): Layout {
  return enumLayout([[], [inner]]);
}

function resultOf(ok: Layout, err: Layout): Layout {
  return enumLayout([[ok], [err]]);
}

function stdLookup(segments: string[]): { entry: StdEntry; key: string } | undefined {
  const last = segments[segments.length - 1];
  if (segments.length >= 2) {
    const key = `${segments[segments.length - 2]}::${last}`;
    if (STD[key]) {
      return { entry: STD[key], key };
    }
  }
  return STD[last] ? { entry: STD[last], key: last } : undefined;
}

/** A measured concrete instantiation (`str::Split<char>`), for std types whose size depends on their arguments. */
function instantiationLookup(ty: Ty & { k: 'adt' }): StdEntry | undefined {
  const args = ty.args.map(showTy).join(', ');
  const last = ty.segments[ty.segments.length - 1];
  const candidates = [ty.segments.slice(-2).join('::'), last].map((n) =>
    args ? `${n}<${args}>` : n,
  );
  return candidates.map((c) => INSTANTIATIONS[c]).find((e) => e !== undefined);
}

/** std types whose niche is a non-null pointer: exactly one spare value. */
const POINTER_NICHE_TYPES = new Set([
  'io::Error',
  'NonNull',
  'Waker',
  'Thread',
  'Box',
  'Rc',
  'Arc',
  'mpsc::Sender',
  'mpsc::Receiver',
  'mpsc::SyncSender',
]);

function fromStd(entry: StdEntry, key: string): Layout {
  const niche = entry.niche
    ? { size: Math.min(entry.align, 8), available: POINTER_NICHE_TYPES.has(key) ? 1 : BIG }
    : null;
  return {
    size: entry.size,
    align: entry.align,
    exact: true,
    unknown: [],
    drop: entry.drop,
    copy: entry.copy,
    niche,
  };
}

/** What a std generic type's layout is computed from. */
interface StdGenericArgs {
  ty: Ty & { k: 'adt' };
  /** The path segment before the name (`io` in `io::Result`), or ''. */
  qualifier: string;
  /** The `i`th type argument, unknown when not written. */
  arg(i: number): Ty;
  /** The layout of a part, one level deeper. */
  sub(t: Ty): Layout;
  /** The file imports `std::io::Result` as `Result`. */
  resultIsIo: boolean;
  isUnsizedAdt(t: Ty & { k: 'adt' }): boolean;
}

type StdGenericLayout = (g: StdGenericArgs) => Layout;

/** A std wrapper: fixed header fields plus the wrapped value, reordered like any struct. */
function wrapperLayout(header: Layout[], inner: Layout): Layout {
  const l = structLayout([...header, inner]);
  return { ...l, copy: false, drop: inner.drop };
}

function resultLayout({ ty, qualifier, arg, sub, resultIsIo }: StdGenericArgs): Layout {
  if (qualifier === 'io' || (qualifier === '' && ty.args.length === 1 && resultIsIo)) {
    return resultOf(sub(arg(0)), sub(adt('io::Error')));
  }
  if (qualifier === 'fmt') {
    return resultOf(sub(UNIT), known(0, 1));
  }
  return resultOf(sub(arg(0)), sub(arg(1)));
}

/** `Box`, `Rc`, `Arc`, `Weak`: one pointer, two for an unsized pointee. */
function pointerLayout({ ty, arg, isUnsizedAdt }: StdGenericArgs): Layout {
  const inner = arg(0);
  const unsizedPointee = inner.k === 'dyn' || inner.k === 'slice' || inner.k === 'str';
  const fat = unsizedPointee || (inner.k === 'adt' && isUnsizedAdt(inner));
  const niche = adtName(ty) === 'Weak' ? null : POINTER_NICHE;
  return known(fat ? 16 : 8, 8, { drop: true, copy: false, niche });
}

/** Layouts of std's generic types, by name: what each holds of its type arguments. */
const STD_GENERIC_LAYOUTS: ReadonlyMap<string, StdGenericLayout> = new Map([
  ['Option', ({ arg, sub }) => optionOf(sub(arg(0)))],
  ['Result', resultLayout],
  ...sameLayout(['LockResult', 'TryLockResult'], ({ arg, sub }) =>
    resultOf(sub(arg(0)), sub(arg(0))),
  ),
  ['Poll', ({ arg, sub }) => enumLayout([[sub(arg(0))], []])],
  ['ControlFlow', ({ ty, arg, sub }) => enumLayout([[sub(ty.args[1] ?? UNIT)], [sub(arg(0))]])],
  ...sameLayout(['Box', 'Rc', 'Arc', 'Weak'], pointerLayout),
  // Two pointers for an unsized pointee too (tokio's `NonNull<dyn Future>`), but no drop glue.
  ['NonNull', (g) => ({ ...pointerLayout(g), drop: false, copy: true })],
  ['Pin', ({ arg, sub }) => sub(arg(0))],
  ['Mutex', ({ arg, sub }) => wrapperLayout([known(4, 4), known(1, 1)], sub(arg(0)))],
  ['RwLock', ({ arg, sub }) => wrapperLayout([known(4, 4), known(4, 4), known(1, 1)], sub(arg(0)))],
  ['RefCell', ({ arg, sub }) => wrapperLayout([known(8, 8)], sub(arg(0)))],
  ['OnceLock', ({ arg, sub }) => wrapperLayout([known(4, 4)], { ...sub(arg(0)), niche: null })],
  ['OnceCell', ({ arg, sub }) => ({ ...optionOf(sub(arg(0))), copy: false })],
  ['Cell', ({ arg, sub }) => ({ ...sub(arg(0)), copy: sub(arg(0)).copy, niche: null })],
  ['UnsafeCell', ({ arg, sub }) => ({ ...sub(arg(0)), copy: false, niche: null })],
  ['ManuallyDrop', ({ arg, sub }) => ({ ...sub(arg(0)), drop: false, copy: false })],
  ['MaybeUninit', ({ arg, sub }) => ({ ...sub(arg(0)), drop: false, niche: null })],
  ...sameLayout(['Wrapping', 'Saturating', 'Reverse', 'AssertUnwindSafe'], ({ arg, sub }) =>
    sub(arg(0)),
  ),
  ...sameLayout(['PhantomData', 'PhantomPinned', 'Pending'], () => known(0, 1)),
  ['Ready', ({ arg, sub }) => ({ ...optionOf(sub(arg(0))), copy: false })],
  ['Range', ({ arg, sub }) => ({ ...structLayout([sub(arg(0)), sub(arg(0))]), copy: false })],
  ['RangeFrom', ({ arg, sub }) => ({ ...structLayout([sub(arg(0))]), copy: false })],
  ['RangeTo', ({ arg, sub }) => structLayout([sub(arg(0))])],
  [
    'RangeInclusive',
    ({ arg, sub }) => ({
      ...structLayout([sub(arg(0)), sub(arg(0)), known(1, 1)]),
      copy: false,
    }),
  ],
  ...sameLayout(['Enumerate', 'Skip', 'Take'], ({ arg, sub }) => ({
    ...structLayout([sub(arg(0)), known(8, 8)]),
    copy: false,
  })),
  ['Rev', ({ arg, sub }) => sub(arg(0))],
  // `io::Cursor<T>`: the value and a `u64` position, reordered like any struct.
  [
    'Cursor',
    ({ ty, qualifier, arg, sub }) =>
      qualifier === 'io' || qualifier === ''
        ? { ...structLayout([sub(arg(0)), known(8, 8)]), copy: false }
        : unknownLayout(showTy(ty)),
  ],
  // `iter::Map<I, F>`: the iterator and the closure, reordered like any struct.
  [
    'Map',
    ({ ty, qualifier, arg, sub }) =>
      qualifier === 'iter'
        ? { ...structLayout([sub(arg(0)), sub(arg(1))]), copy: false }
        : unknownLayout(showTy(ty)),
  ],
  ...sameLayout(['RangeFrom', 'RangeTo', 'Repeat'], ({ arg, sub }) => ({
    ...sub(arg(0)),
    copy: false,
    niche: null,
  })),
  ['Bound', ({ arg, sub }) => enumLayout([[sub(arg(0))], [sub(arg(0))], []])],
  ['TrySendError', ({ arg, sub }) => enumLayout([[sub(arg(0))], [sub(arg(0))]])],
  ['TryLockError', ({ arg, sub }) => enumLayout([[sub(arg(0))], []])],
  [
    'Once',
    ({ ty, qualifier, arg, sub }) =>
      qualifier === 'iter' ? { ...optionOf(sub(arg(0))), copy: false } : unknownLayout(showTy(ty)),
  ],
  ['PoisonError', ({ arg, sub }) => sub(arg(0))],
  // tokio's `join!`: the future, then its output, then nothing (`Gone`).
  ['MaybeDone', ({ arg, sub }) => enumLayout([[sub(arg(0))], [sub(arg(1))], []])],
  // tokio's `select!` output (`macros/select.rs`): a variant per branch's output, then `Disabled`.
  [
    'Out',
    ({ ty, qualifier, sub }) =>
      qualifier === '__tokio_select_util'
        ? enumLayout([...ty.args.map((a) => [sub(a)]), []])
        : unknownLayout(showTy(ty)),
  ],
  ['SendError', ({ arg, sub }) => sub(arg(0))],
]);

function sameLayout(names: string[], layout: StdGenericLayout): [string, StdGenericLayout][] {
  return names.map((name) => [name, layout]);
}

export class LayoutComputer {
  private readonly cache = new Map<string, Layout>();

  constructor(private readonly env: TypeEnv) {}

  layout(ty: Ty): Layout {
    return this.compute(ty, 0);
  }

  /**
   * The primitive a type alias names, through aliases of aliases and other crates' aliases
   * (`Oid`, postgres-protocol's `type Oid = u32;`): compared, it is compared as that primitive,
   * with no `PartialEq` call. Null when the type is no alias of a primitive.
   */
  aliasedPrimitive(ty: Ty): (Ty & { k: 'prim' }) | null {
    let at: Ty = ty;
    for (let hops = 0; at.k === 'adt' && at.args.length === 0 && hops < 8; hops++) {
      const foreign = this.foreign(at) ?? this.reexported(at);
      if (foreign?.kind === 'type' && foreign.type.kind === 'alias') {
        at = foreign.type.params.length ? UNKNOWN : inScope(foreign.type.ty, foreign.scope);
        continue;
      }
      const user =
        foreign || at.scope !== undefined ? null : this.env.userType(at.segments, at.origin);
      if (user === null || user === 'ambiguous' || user.kind !== 'alias' || user.params.length) {
        return null;
      }
      at = user.ty;
    }
    return at.k === 'prim' && at !== ty ? at : null;
  }

  private compute(ty: Ty, depth: number): Layout {
    if (depth > MAX_DEPTH || (ty.k === 'adt' && typeNodesOver(ty, MAX_TYPE_NODES))) {
      // Polymorphic recursion (`struct S<T>(T, Option<S<(T, T)>>)`) grows a type at every level.
      return unknownLayout(`${shortTypeName(ty)} (recursive type)`);
    }
    switch (ty.k) {
      case 'prim': {
        const size = PRIMITIVES[ty.name];
        if (ty.name === '{integer}') {
          // An integer whose width its use settles (an argument of a fn not known here): one byte at least.
          return { ...known(1, 1, { copy: true }), drop: false, exact: false, unknown: [ty.name] };
        }
        if (size === undefined) {
          return unknownLayout(ty.name);
        }
        const niche =
          ty.name === 'bool'
            ? { size: 1, available: 254 }
            : ty.name === 'char'
              ? { size: 4, available: BIG }
              : null;
        return known(size, size, { niche });
      }
      case 'tuple':
        return checkedSize(structLayout(ty.elems.map((e) => this.compute(e, depth + 1))), ty);
      case 'array': {
        const elem = this.compute(ty.elem, depth + 1);
        if (ty.len === null) {
          return {
            ...elem,
            size: 0,
            exact: false,
            unknown: [...elem.unknown, showTy(ty)],
            niche: null,
          };
        }
        if (!Number.isSafeInteger(ty.len) || ty.len < 0) {
          // rustc rejects it: a length is a usize.
          return unknownLayout(`${showTy(ty)} (an array length must be a usize)`);
        }
        return checkedSize(
          { ...elem, size: elem.size * ty.len, niche: ty.len > 0 ? elem.niche : null },
          ty,
        );
      }
      case 'ref':
      case 'ptr': {
        const fat = isUnsized(ty.inner) || (ty.inner.k === 'adt' && this.isUnsizedAdt(ty.inner));
        const copy = ty.k === 'ptr' || !ty.mut;
        const pointer = known(fat ? 16 : 8, 8, {
          copy,
          niche: ty.k === 'ref' ? POINTER_NICHE : null,
        });
        if (ty.inner.k === 'param' && ty.inner.maybeUnsized) {
          // 8 bytes for a sized argument, 16 for `str`, a slice or `dyn`: at least 8.
          const reason = `${showTy(ty)} (\`${ty.inner.name}: ?Sized\`: a thin or a fat pointer)`;
          return { ...pointer, exact: false, unknown: [reason] };
        }
        return pointer;
      }
      case 'fnptr':
        return known(8, 8, { niche: POINTER_NICHE });
      case 'never':
        return known(0, 1);
      case 'str':
      case 'slice':
      case 'dyn':
        return unknownLayout(showTy(ty));
      case 'future': {
        const l = this.env.futureLayout(ty.id);
        // Futures never offer a niche: rustc suppresses them in coroutines.
        return l ? { ...l, niche: null, copy: false } : unknownLayout(ty.label);
      }
      case 'unknown': {
        const resolved = ty.proj && this.env.projection?.(ty.proj);
        return resolved ? this.compute(resolved, depth + 1) : unknownLayout(showTy(ty));
      }
      case 'param':
      case 'asyncClosure':
        return unknownLayout(showTy(ty));
      case 'adt':
        return this.adtLayout(ty, depth);
    }
  }

  private isUnsizedAdt(ty: Ty & { k: 'adt' }): boolean {
    if (ty.scope !== undefined) {
      return !ty.origin && isUnsized(ty);
    }
    return this.env.userType(ty.segments, ty.origin) === null && !ty.origin && isUnsized(ty);
  }

  /**
   * Another crate's type, resolved in the crate graph: a dependency's path
   * (`tokio::net::TcpStream`) and every path inside a dependency's item. Null when it is not
   * another crate's.
   */
  private foreign(ty: Ty & { k: 'adt' }): ForeignType | null {
    if (ty.scope === undefined && ty.origin !== 'dependency') {
      return null;
    }
    const found = this.env.foreignType?.(ty.segments, ty.scope) ?? null;
    if (found === null && ty.scope !== undefined && ty.origin) {
      // A dependency's path the index cannot follow: never std's type of the same name.
      return { kind: 'unknown', reason: showTy(ty) };
    }
    return found;
  }

  /** Another crate's type that a module of this crate re-exports (see `TypeEnv.reexportedType`). */
  private reexported(ty: Ty & { k: 'adt' }): ForeignType | null {
    if (ty.scope !== undefined || !ty.origin || !this.env.reexportedType) {
      return null;
    }
    return this.env.userType(ty.segments, ty.origin) === null
      ? this.env.reexportedType(ty.segments)
      : null;
  }

  private adtLayout(ty: Ty & { k: 'adt' }, depth: number): Layout {
    // The full structure, not the short display form: `Result<(), io::Error>` ≠ `Result<(), fmt::Error>`.
    const key = JSON.stringify(ty);
    // Types holding futures are asked afresh: a future's size is the caller's to track (see engine.ts).
    if (key.includes('"k":"future"')) {
      return this.adtLayoutUncached(ty, depth);
    }
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    // A placeholder breaks recursive types (`struct Node { next: Option<Box<Node>> }` goes through Box anyway).
    this.cache.set(key, unknownLayout(showTy(ty)));
    const result = this.adtLayoutUncached(ty, depth);
    this.cache.set(key, result);
    return result;
  }

  private adtLayoutUncached(ty: Ty & { k: 'adt' }, depth: number): Layout {
    const foreign = this.foreign(ty) ?? this.reexported(ty);
    if (foreign?.kind === 'type') {
      const layout = this.userLayout(foreign.type, ty.args, depth, foreign.scope);
      return checkedSize(readFrom(layout, foreign), ty);
    }
    if (foreign?.kind === 'unknown') {
      return unknownLayout(foreign.reason);
    }
    if (foreign?.kind === 'std') {
      return this.stdLayout({ k: 'adt', segments: foreign.segments, args: ty.args }, depth);
    }
    if (ty.scope !== undefined) {
      // A dependency's path to no type of its own: std's (`Option`, `Arc` by its `use`).
      return this.stdLayout(ty, depth);
    }
    const user = this.env.userType(ty.segments, ty.origin);
    if (user === 'ambiguous' || (user === null && ty.origin)) {
      // Not std's either: a lower bound that names the type, rather than a wrong size.
      return unknownLayout(showTy(ty));
    }
    if (user) {
      return checkedSize(this.userLayout(user, ty.args, depth), ty);
    }
    return this.stdLayout(ty, depth);
  }

  /** A std type, generic (by what it holds of its arguments) or measured. */
  private stdLayout(ty: Ty & { k: 'adt' }, depth: number): Layout {
    const sub = (t: Ty) => this.compute(t, depth + 1);
    if (adtName(ty) === 'IntoIter' && ty.segments[ty.segments.length - 2] === 'option') {
      // Holds the `Option<T>` it yields from (tokio's `ToSocketAddrs` iterators).
      return { ...optionOf(sub(ty.args[0] ?? { k: 'unknown', text: '_' })), copy: false };
    }
    if (adtName(ty) === 'IntoIter' && ty.segments[ty.segments.length - 2] === 'array') {
      // `array::IntoIter<T, N>`: the `[MaybeUninit<T>; N]` and the live range's two `usize`s,
      // reordered like any struct (`collectionIterators.ts` passes the array as a second argument).
      const array = ty.args[1];
      const data = array ? sub(array) : unknownLayout(showTy(ty));
      const words = [known(8, 8), known(8, 8)];
      return { ...structLayout([{ ...data, niche: null }, ...words]), drop: true, copy: false };
    }
    // A measured type of that module comes first: `btree_map::Range` is not `ops::Range`, nor
    // `io::Repeat` `iter::Repeat`. Not `rc::Weak`: measured for a sized pointee, and a
    // `Weak<dyn Trait>` is two words, as the pointer rule says.
    const qualified = ty.segments.length >= 2 ? stdLookup(ty.segments) : undefined;
    if (qualified && qualified.key.includes('::') && adtName(ty) !== 'Weak') {
      return fromStd(qualified.entry, qualified.key);
    }
    const generic = STD_GENERIC_LAYOUTS.get(adtName(ty)!);
    if (generic) {
      const args: StdGenericArgs = {
        ty,
        qualifier: ty.segments.length >= 2 ? ty.segments[ty.segments.length - 2] : '',
        arg: (i: number): Ty => ty.args[i] ?? { k: 'unknown', text: '_' },
        sub,
        resultIsIo: this.resultIsIo,
        isUnsizedAdt: (t) => this.isUnsizedAdt(t),
      };
      return generic(args);
    }
    return this.nonGenericStdLayout(ty, depth);
  }

  /** A std type the measured tables know, a primitive by a path, or one calibration learned. */
  private nonGenericStdLayout(ty: Ty & { k: 'adt' }, depth: number): Layout {
    const name = adtName(ty)!;
    const std = stdLookup(ty.segments);
    if (std) {
      return fromStd(std.entry, std.key);
    }
    const measured = instantiationLookup(ty);
    if (measured) {
      return fromStd(measured, name);
    }
    if (ty.segments.length === 1 && PRIMITIVES[name] !== undefined) {
      return this.compute(prim(name), depth);
    }
    const learned = this.env.learnedType?.(ty.segments, ty.args.map(showTy));
    if (learned) {
      // Measured by rustc (calibration): exact, but its niche and drop glue are not recorded.
      return {
        size: learned.size,
        align: learned.align,
        exact: true,
        unknown: [],
        drop: true,
        copy: false,
        niche: null,
      };
    }
    return unknownLayout(showTy(ty));
  }

  /** Set by the engine when the file imports `std::io::Result` as `Result`. */
  resultIsIo = false;

  /** A type of the analysed crate, or (with `scope`) a dependency's, with its arguments. */
  private userLayout(user: UserType, args: Ty[], depth: number, scope?: string): Layout {
    const map = new Map<string, Ty>();
    user.params.forEach((p, i) => {
      // A parameter left out takes its default, read where the type is defined.
      const fallback = user.kind !== 'alias' ? user.defaults?.[i] : null;
      const written = fallback && (scope === undefined ? fallback : inScope(fallback, scope));
      map.set(p, args[i] ?? (written ? substitute(written, map) : { k: 'unknown', text: p }));
    });
    const sub = (t: Ty) =>
      this.compute(substitute(scope === undefined ? t : inScope(t, scope), map), depth + 1);
    if (user.kind !== 'alias' && user.reprUnsupported !== undefined) {
      return unknownLayout(`${user.name} (${user.reprUnsupported.replace(/\s+/g, ' ')})`);
    }
    switch (user.kind) {
      case 'alias':
        return sub(user.ty);
      // A Copy type cannot have drop glue, whatever its (possibly unknown) fields.
      case 'struct': {
        const fields = user.fields.map((f) => sub(f.ty));
        const l = user.union ? unionLayout(fields) : structLayout(fields, user.reprC);
        return {
          ...withAlign(l, user.reprAlign),
          copy: user.copy,
          drop: !user.copy && ((l.drop && !user.union) || user.dropImpl),
        };
      }
      case 'enum': {
        const l = enumLayout(
          user.variants.map((v) => v.fields.map(sub)),
          user.reprTag,
        );
        return {
          ...withAlign(l, user.reprAlign),
          copy: user.copy,
          drop: !user.copy && (l.drop || user.dropImpl),
        };
      }
    }
  }
}

export { roundUp };
