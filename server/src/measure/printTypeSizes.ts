/**
 * Parses the output of `rustc -Zprint-type-sizes` and extracts the async futures from it.
 *
 * The format is rustc's (`rustc_session::code_stats`), not a stable interface, so the parser is
 * lenient: a line it does not recognise is skipped, and it never throws.
 * See `shared/reference/coroutine-layout.md`, section 6.
 */

/** What a printed field is: a coroutine upvar, a coroutine saved local, or an ordinary field. */
export type RustcFieldKind = 'upvar' | 'local' | 'field';

export interface RustcField {
  kind: RustcFieldKind;
  /**
   * The name without the dot rustc prefixes: `buffer`, `_ref__data`, `0`, `.coroutine_field3`.
   * In a {@link RustcFuture}, unnamed coroutine fields are `<temp>` instead.
   */
  name: string;
  size: number;
  /** Byte offset inside the whole type, recovered from printed offsets and padding lines. */
  offset: number;
  /** Printed by rustc only when the field caused padding or sits before the previous one. */
  align?: number;
  /** Printed for unnamed coroutine fields and awaitees, e.g. `{async fn body of pause()}`. */
  type?: string;
}

export interface RustcVariant {
  name: string;
  /** The printed variant size: its fields' extent minus the discriminant size. */
  size: number;
  fields: RustcField[];
}

export interface RustcType {
  /** The type as rustc prints it, e.g. `{async fn body of Conn::read()}`, `std::time::Duration`. */
  name: string;
  size: number;
  align: number;
  /** Null when no `discriminant:` line was printed (structs, niche-encoded enums). */
  discriminantSize: number | null;
  /** Enum-like types (coroutines included); empty for structs. */
  variants: RustcVariant[];
  /** Fields of a struct-like type (printed without variants). */
  fields: RustcField[];
  endPadding: number;
}

export type RustcFutureKind = 'fn' | 'block' | 'closure';

export interface RustcFutureVariant {
  /** `Unresumed`, `Suspend0` … `SuspendN`, `Returned`, `Panicked`. */
  name: string;
  /** The printed variant size: its fields' extent minus the tag's size (absent in older data). */
  size?: number;
  /** Saved locals of this state, upvars excluded, in rustc's (offset) order. */
  locals: RustcField[];
}

export interface RustcFuture {
  kind: RustcFutureKind;
  /** Path for fns (`Conn::read`, `<Conn as Svc>::call`), `async block@L:C` / `async closure@L:C` otherwise. */
  name: string;
  /** The full type name as printed. */
  typeName: string;
  /** Source file of a block or closure, as rustc printed it (relative to its working directory). */
  file?: string;
  /** 1-based start of the `async` keyword (blocks) or of the closure body (closures); unknown for fns. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  size: number;
  align: number;
  tagSize: number;
  /** Captured inputs, present in every state (taken from `Unresumed`). */
  upvars: RustcField[];
  variants: RustcFutureVariant[];
}

const LINE_PREFIX = 'print-type-size ';
const TYPE_HEADER = /^type: `(.*)`: (\d+) bytes, alignment: (\d+) bytes$/;
const DISCRIMINANT = /^discriminant: (\d+) bytes$/;
const VARIANT = /^variant `(.*)`: (\d+) bytes/;
const END_PADDING = /^end padding: (\d+) bytes$/;
const PADDING = /^padding: (\d+) bytes$/;
const FIELD =
  /^(upvar|local|field) `(.*?)`: (\d+) bytes(?:, offset: (\d+) bytes)?(?:, alignment: (\d+) bytes)?(?:, type: (.*))?$/;

/** Mutable state while reading one type block: where the next field starts. */
interface BlockCursor {
  type: RustcType;
  fields: RustcField[];
  nextOffset: number;
}

/**
 * Parses every type block of `-Zprint-type-sizes` output.
 * Lines that do not start with `print-type-size` (warnings, other stdout) are ignored.
 */
export function parsePrintTypeSizes(output: string): RustcType[] {
  const types: RustcType[] = [];
  let cursor: BlockCursor | null = null;
  for (const rawLine of output.split(/\r?\n/)) {
    const body = stripLinePrefix(rawLine);
    if (body === null) {
      continue;
    }
    const header = TYPE_HEADER.exec(body);
    if (header) {
      cursor = startType(header);
      types.push(cursor.type);
    } else if (cursor) {
      readTypeLine(cursor, body);
    }
  }
  return types;
}

function stripLinePrefix(line: string): string | null {
  const start = line.indexOf(LINE_PREFIX);
  return start < 0 ? null : line.slice(start + LINE_PREFIX.length).trim();
}

function startType(header: RegExpExecArray): BlockCursor {
  const type: RustcType = {
    name: header[1],
    size: Number(header[2]),
    align: Number(header[3]),
    discriminantSize: null,
    variants: [],
    fields: [],
    endPadding: 0,
  };
  return { type, fields: type.fields, nextOffset: 0 };
}

function readTypeLine(cursor: BlockCursor, body: string): void {
  let match: RegExpExecArray | null;
  if ((match = DISCRIMINANT.exec(body))) {
    cursor.type.discriminantSize = Number(match[1]);
    cursor.nextOffset = cursor.type.discriminantSize;
  } else if ((match = VARIANT.exec(body))) {
    startVariant(cursor, match[1], Number(match[2]));
  } else if ((match = END_PADDING.exec(body))) {
    cursor.type.endPadding = Number(match[1]);
  } else if ((match = PADDING.exec(body))) {
    cursor.nextOffset += Number(match[1]);
  } else if ((match = FIELD.exec(body))) {
    cursor.fields.push(readField(cursor, match));
  }
}

function startVariant(cursor: BlockCursor, name: string, size: number): void {
  const variant: RustcVariant = { name, size, fields: [] };
  cursor.type.variants.push(variant);
  cursor.fields = variant.fields;
  // rustc restarts every variant just after the discriminant, which it assumes is at offset 0.
  cursor.nextOffset = cursor.type.discriminantSize ?? 0;
}

/**
 * A field's offset is printed only when it lies before the end of the previous field; otherwise
 * it is the previous end plus the `padding:` lines in between (rustc's own bookkeeping).
 */
function readField(cursor: BlockCursor, match: RegExpExecArray): RustcField {
  const size = Number(match[3]);
  const offset = match[4] !== undefined ? Number(match[4]) : cursor.nextOffset;
  cursor.nextOffset = offset + size;
  const field: RustcField = {
    kind: match[1] as RustcFieldKind,
    name: stripPrinterDot(match[2]),
    size,
    offset,
  };
  if (match[5] !== undefined) {
    field.align = Number(match[5]);
  }
  if (match[6] !== undefined) {
    field.type = match[6];
  }
  return field;
}

/** rustc prints every field name as `.name`; unnamed coroutine fields become `..coroutine_fieldN`. */
function stripPrinterDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

const ASYNC_FN = /^\{async fn body of (.*)\(\)\}$/;
const ASYNC_BLOCK = /^\{async block@(.*):(\d+):(\d+): (\d+):(\d+)\}$/;
const ASYNC_CLOSURE = /^\{async closure body@(.*):(\d+):(\d+): (\d+):(\d+)\}$/;
const UNNAMED_COROUTINE_FIELD = /^\.coroutine_field\d+$/;

/** What a future's type name says about it, before its layout is read. */
interface FutureIdentity {
  kind: RustcFutureKind;
  name: string;
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/**
 * Identifies an async fn, async block or async closure body from its printed type name;
 * null for every other type.
 */
export function identifyFuture(typeName: string): FutureIdentity | null {
  const fn = ASYNC_FN.exec(typeName);
  if (fn) {
    return { kind: 'fn', name: fn[1] };
  }
  const block = ASYNC_BLOCK.exec(typeName);
  if (block) {
    return spannedIdentity('block', 'async block', block);
  }
  const closure = ASYNC_CLOSURE.exec(typeName);
  if (closure) {
    return spannedIdentity('closure', 'async closure', closure);
  }
  return null;
}

function spannedIdentity(
  kind: RustcFutureKind,
  label: string,
  match: RegExpExecArray,
): FutureIdentity {
  const [line, column, endLine, endColumn] = match.slice(2, 6).map(Number);
  return {
    kind,
    name: `${label}@${line}:${column}`,
    file: match[1],
    line,
    column,
    endLine,
    endColumn,
  };
}

/**
 * Extracts the futures from parsed types.
 * With `sourceFileName`, blocks and closures from other files are dropped (fns carry no file and
 * are always kept); a file matches when the paths are equal or one ends with the other.
 */
export function futuresFromTypes(types: RustcType[], sourceFileName?: string): RustcFuture[] {
  const futures: RustcFuture[] = [];
  for (const type of types) {
    const identity = identifyFuture(type.name);
    if (!identity || !isFromFile(identity, sourceFileName)) {
      continue;
    }
    futures.push(futureFromType(type, identity));
  }
  return futures;
}

function isFromFile(identity: FutureIdentity, sourceFileName: string | undefined): boolean {
  if (sourceFileName === undefined || identity.file === undefined) {
    return true;
  }
  return sameFile(identity.file, sourceFileName);
}

function sameFile(a: string, b: string): boolean {
  const left = a.replace(/\\/g, '/').replace(/^\.\//, '');
  const right = b.replace(/\\/g, '/').replace(/^\.\//, '');
  return left === right || left.endsWith(`/${right}`) || right.endsWith(`/${left}`);
}

function futureFromType(type: RustcType, identity: FutureIdentity): RustcFuture {
  return {
    ...identity,
    typeName: type.name,
    size: type.size,
    align: type.align,
    tagSize: type.discriminantSize ?? 0,
    upvars: upvarsOf(type),
    variants: type.variants.map((variant) => ({
      name: variant.name,
      size: variant.size,
      locals: variant.fields.filter((field) => field.kind !== 'upvar').map(nameUnnamedLocal),
    })),
  };
}

/** Upvars are repeated in every state; `Unresumed` is the canonical place to read them. */
function upvarsOf(type: RustcType): RustcField[] {
  const unresumed =
    type.variants.find((variant) => variant.name === 'Unresumed') ?? type.variants[0];
  return unresumed ? unresumed.fields.filter((field) => field.kind === 'upvar') : [];
}

function nameUnnamedLocal(field: RustcField): RustcField {
  return UNNAMED_COROUTINE_FIELD.test(field.name) ? { ...field, name: '<temp>' } : field;
}

/** Size and alignment of a type, in bytes. */
export interface TypeSize {
  size: number;
  align: number;
}

/** Sizes of every printed type that is not an async future, by printed type name. */
export function typeSizesFromTypes(types: RustcType[]): Map<string, TypeSize> {
  const sizes = new Map<string, TypeSize>();
  for (const type of types) {
    if (!identifyFuture(type.name)) {
      sizes.set(type.name, { size: type.size, align: type.align });
    }
  }
  return sizes;
}
