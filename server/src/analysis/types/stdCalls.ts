/**
 * What calls of std's free and associated fns give (`Some(x)`, `mem::take(..)`, `Box::new(x)`,
 * `u32::from_be_bytes(..)`, `Vec::with_capacity(..)`), for calls by path; method calls are in
 * `methodSignatures.ts`, the file's own fns are looked up by `ExprTyper`.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { ItemIndex } from '../items/items';
import { Ty, UNIT, UNKNOWN, adt, derefTy, prim } from './types';

const STRING: Ty = adt('String');
const USIZE: Ty = prim('usize');

const NUMERIC = /^(?:[ui](?:8|16|32|64|128|size)|f32|f64)$/;
/** Associated fns of the number types that return the type itself. */
const NUMBER_RETURNING = new RegExp(
  `^(?:${[
    'from(?:_(?:be|le|ne)_bytes|_be|_le)?',
    'max',
    'min',
    'pow',
    'powi',
    'powf',
    'abs',
    'signum',
    'clamp',
    '(?:wrapping|saturating)_\\w+',
    'rotate_(?:left|right)',
    'swap_bytes',
    'reverse_bits',
    'to_(?:be|le)',
    '(?:div|rem)_euclid',
    'sqrt',
    'floor',
    'ceil',
    'round',
    'trunc',
  ].join('|')})$`,
);

/** `Type::assoc(..)` calls to std constructors: the result is `Type` itself. */
const CONSTRUCTORS = new Set([
  'new',
  'with_capacity',
  'default',
  'from',
  'from_iter',
  'new_in',
  'now',
  'empty',
  'from_secs',
  'from_millis',
  'from_micros',
  'from_nanos',
  'from_secs_f32',
  'from_secs_f64',
  'from_utf8_lossy_owned',
  'from_str_radix',
]);

/** A call through a path (`f(..)`, `Type::assoc(..)`, `module::f(..)`), not a method call. */
export interface PathCall {
  segs: string[];
  /** The called name: the path's last segment. */
  last: string;
  turbo: Ty[];
  args: SyntaxNode[];
  argTy: (i: number) => Ty;
}

/** The type that owns an associated fn: `Owner` in `Owner::f(..)`, `Self` resolved. */
export interface CallOwner {
  /** As written (`Self`, `u32`, `Vec`). */
  written: string;
  /** With `Self` replaced by the impl's type name. */
  name: string;
  ty: Ty;
}

/** Calls whose result type does not depend on the items of this file (`Some(..)`, `mem::take`). */
export function builtinCallType({ segs, last, argTy }: PathCall): Ty | null {
  switch (last) {
    case 'Some':
      return adt('Option', argTy(0));
    case 'Ok':
      return adt('Result', argTy(0), UNKNOWN);
    case 'Err':
      return adt('Result', UNKNOWN, argTy(0));
    case 'drop':
      return UNIT;
    case 'ready':
      return segs.length === 1 || segs.includes('future') ? adt('Ready', argTy(0)) : null;
    case 'poll_fn':
      // `PollFn<F>` is the closure itself.
      return argTy(0);
    case 'pending':
      return adt('Pending', UNKNOWN);
    case 'size_of':
    case 'align_of':
      return USIZE;
    case 'take':
    case 'replace':
      return segs.includes('mem') ? derefTy(argTy(0)) : null;
    default:
      return null;
  }
}

const POINTERS_AND_CELLS = new Set(['Box', 'Rc', 'Arc', 'Mutex', 'RwLock', 'RefCell', 'Cell']);

/** std types whose `new(x)` wraps the value as their one type argument (`Cursor::new(bytes)`). */
const VALUE_WRAPPERS = new Set(['Cursor', 'ManuallyDrop', 'UnsafeCell']);

/** `Box::new(x)`, `Arc::clone(&a)`, `Box::pin(f)`, `Cursor::new(v)`. */
function wrapperConstructorType({ last, argTy }: PathCall, owner: CallOwner): Ty | null {
  if (VALUE_WRAPPERS.has(owner.name) && last === 'new') {
    return adt(owner.name, argTy(0));
  }
  if (!POINTERS_AND_CELLS.has(owner.name)) {
    return null;
  }
  switch (last) {
    case 'pin':
      return adt('Pin', adt(owner.name, argTy(0)));
    case 'new':
      return adt(owner.name, argTy(0));
    case 'clone':
      return derefTy(argTy(0));
    default:
      return null;
  }
}

/** `u32::from_be_bytes(..)`, `u64::max(a, b)`: the number type; `checked_*` an Option of it. */
function numberAssociatedType({ last }: PathCall, owner: CallOwner): Ty | null {
  if (!NUMERIC.test(owner.written)) {
    return null;
  }
  if (NUMBER_RETURNING.test(last)) {
    return prim(owner.written);
  }
  if (/^checked_\w+$/.test(last)) {
    return adt('Option', prim(owner.written));
  }
  if (last === 'from_str_radix' && !owner.written.startsWith('f')) {
    return adt('Result', prim(owner.written), adt('ParseIntError'));
  }
  return null;
}

const OWNED_TEXT = new Set(['String', 'PathBuf', 'OsString']);

/** Associated fns of the owned text and path types give that type, but `String::from_utf8`. */
function textAssociatedType({ last }: PathCall, owner: CallOwner): Ty | null {
  if (owner.name === 'String' && last === 'from_utf8') {
    return adt('Result', STRING, adt('FromUtf8Error'));
  }
  return OWNED_TEXT.has(owner.name) ? adt(owner.name) : null;
}

const GENERIC_COLLECTIONS = new Set(['Vec', 'VecDeque', 'HashMap', 'HashSet', 'BTreeMap']);
const TIME_TYPES = new Set(['Instant', 'Duration', 'SystemTime']);

/** `Type::new(..)` and the other `CONSTRUCTORS` of a named type: that type. */
function constructorType({ last, turbo }: PathCall, owner: CallOwner, index: ItemIndex): Ty | null {
  if (!CONSTRUCTORS.has(last) || !(index.types.has(owner.name) || /^[A-Z]/.test(owner.name))) {
    return null;
  }
  if (GENERIC_COLLECTIONS.has(owner.name)) {
    return adt(owner.name, ...(turbo.length ? turbo : [UNKNOWN]));
  }
  if (TIME_TYPES.has(owner.name) || index.types.has(owner.name) || owner.written === 'Self') {
    return owner.ty;
  }
  return adt(owner.name);
}

/** Free fns of std modules that are named through their module (`mpsc::channel()`). */
function stdModuleFnType({ segs, last }: PathCall): Ty | null {
  if (last === 'channel' && segs.includes('mpsc')) {
    return { k: 'tuple', elems: [adt('mpsc::Sender', UNKNOWN), adt('mpsc::Receiver', UNKNOWN)] };
  }
  if (last === 'spawn' && segs.includes('thread')) {
    return adt('JoinHandle', UNKNOWN);
  }
  return null;
}

/**
 * std's sockets and files: the associated fns that open one give `io::Result<Self>` (a `pair`
 * two of them). Only reached for a type that is not another crate's (tokio's `TcpListener::bind`
 * is async, and typed from tokio's sources).
 */
const IO_OPENERS: Record<string, ReadonlySet<string>> = {
  TcpListener: new Set(['bind']),
  TcpStream: new Set(['connect', 'connect_timeout']),
  UdpSocket: new Set(['bind']),
  UnixListener: new Set(['bind', 'bind_addr']),
  UnixStream: new Set(['connect', 'connect_addr']),
  UnixDatagram: new Set(['bind', 'bind_addr', 'unbound']),
  File: new Set(['open', 'create', 'create_new']),
};

const IO_PAIRS = new Set(['UnixStream', 'UnixDatagram']);

/** `std::net::UdpSocket::bind(..)`: an `io::Result` of the type (or of a pair of it). */
function ioOpenerType({ last }: PathCall, owner: CallOwner, index: ItemIndex): Ty | null {
  if (owner.written === 'Self' || index.types.has(owner.name)) {
    return null;
  }
  const self = adt(owner.name);
  if (IO_OPENERS[owner.name]?.has(last)) {
    return adt('io::Result', self);
  }
  if (last === 'pair' && IO_PAIRS.has(owner.name)) {
    return adt('io::Result', { k: 'tuple', elems: [self, self] });
  }
  return null;
}

export function stdAssociatedCallType(
  call: PathCall,
  owner: CallOwner,
  index: ItemIndex,
): Ty | null {
  return (
    wrapperConstructorType(call, owner) ??
    numberAssociatedType(call, owner) ??
    textAssociatedType(call, owner) ??
    constructorType(call, owner, index) ??
    stdModuleFnType(call) ??
    ioOpenerType(call, owner, index)
  );
}
