/**
 * What std's methods return, as data: one entry per method name, read by `stdMethodResult`.
 *
 * To teach the analysis a new std method, add an entry to `STD_METHODS` below. An entry is a
 * result pattern, built from the helpers in this file:
 *   - `fixed(ty)`: always that type (`len` → `usize`);
 *   - `RECEIVER` / `RECEIVER_AS_WRITTEN`: the receiver's type, without / with its references;
 *   - `typeArg(i)`, `ELEMENT`: the receiver's `i`th type argument, the element it yields;
 *   - `arg(i)`, `turbofish(i)`: the type of the `i`th argument, of the `i`th `::<..>` type;
 *   - `named('Option', p..)`, `refTo(p)`, `sliceOf(p)`: a type built from other patterns;
 *   - `choose([test, p], .., otherwise)`: the first pattern whose receiver test holds, where a
 *     test is `adtIn('Vec', ..)`, `IS_PRIM`, `IS_STR`, `IS_SLICE`, `IS_STD_PATH`,
 *     `nameMatches(re)`, `all(..)` or `any(..)`;
 *   - `computed(fn)`: a small named function, for the few results no pattern says.
 * A method absent from the table is `unknown`, never a guess. The receiver here is already peeled
 * of references and smart-pointer / guard derefs (see `ExprTyper.methodType`), and methods of
 * the file's own types are looked up before this table.
 */
import { Ty, UNIT, UNKNOWN, adt, adtName, isAdt, prim, ref, PRIMITIVES } from './types';
import { STR_REF, elementType, isStdPath, typeArg as typeArgOf } from './stdTypeShapes';
import { IterationKind, collectionIterator } from './collectionIterators';

/** What a method call gives the table: its receiver, argument and turbofish types. */
export interface MethodCall {
  /** The receiver after peeling references and derefs. */
  receiver: Ty;
  /** The receiver's type as the call site has it (for adapters such as `Take<I>`). */
  receiverAsWritten: Ty;
  /** The type of the `i`th argument, worked out only when a pattern asks for it. */
  argTy(i: number): Ty;
  turbofish: Ty[];
}

export type ReceiverTest =
  | { k: 'adt'; names: string[] }
  | { k: 'prim' }
  | { k: 'str' }
  | { k: 'slice' }
  | { k: 'array' }
  | { k: 'stdPath' }
  | { k: 'nameMatches'; pattern: RegExp }
  | { k: 'all'; tests: ReceiverTest[] }
  | { k: 'any'; tests: ReceiverTest[] };

export type ResultPattern =
  | { k: 'fixed'; ty: Ty }
  | { k: 'receiver' }
  | { k: 'receiverAsWritten' }
  | { k: 'typeArg'; index: number }
  | { k: 'element' }
  | { k: 'arg'; index: number }
  | { k: 'turbofish'; index: number }
  | { k: 'named'; name: string; args: ResultPattern[] }
  /** The named type with all the receiver's type arguments (`HashMap<K, V>` → `Entry<K, V>`). */
  | { k: 'namedWithReceiverArgs'; name: string }
  | { k: 'ref'; to: ResultPattern; mut: boolean }
  | { k: 'slice'; elem: ResultPattern }
  | { k: 'tuple'; elems: ResultPattern[] }
  | { k: 'choose'; cases: [ReceiverTest, ResultPattern][]; otherwise: ResultPattern }
  | { k: 'computed'; compute: (call: MethodCall) => Ty };

// ---- Receiver tests ----------------------------------------------------------------------

export const adtIn = (...names: string[]): ReceiverTest => ({ k: 'adt', names });
export const IS_PRIM: ReceiverTest = { k: 'prim' };
export const IS_STR: ReceiverTest = { k: 'str' };
export const IS_SLICE: ReceiverTest = { k: 'slice' };
export const IS_ARRAY: ReceiverTest = { k: 'array' };
export const IS_STD_PATH: ReceiverTest = { k: 'stdPath' };
/** A named type whose last segment matches (`Iter`, `Chars`, `Rev`, ..). */
export const nameMatches = (pattern: RegExp): ReceiverTest => ({ k: 'nameMatches', pattern });
export const all = (...tests: ReceiverTest[]): ReceiverTest => ({ k: 'all', tests });
export const any = (...tests: ReceiverTest[]): ReceiverTest => ({ k: 'any', tests });

// ---- Result patterns ---------------------------------------------------------------------

export const fixed = (ty: Ty): ResultPattern => ({ k: 'fixed', ty });
export const RECEIVER: ResultPattern = { k: 'receiver' };
export const RECEIVER_AS_WRITTEN: ResultPattern = { k: 'receiverAsWritten' };
export const ELEMENT: ResultPattern = { k: 'element' };
export const typeArg = (index: number): ResultPattern => ({ k: 'typeArg', index });
export const arg = (index: number): ResultPattern => ({ k: 'arg', index });
export const turbofish = (index: number): ResultPattern => ({ k: 'turbofish', index });
export const named = (name: string, ...args: ResultPattern[]): ResultPattern => ({
  k: 'named',
  name,
  args,
});
export const namedWithReceiverArgs = (name: string): ResultPattern => ({
  k: 'namedWithReceiverArgs',
  name,
});
export const refTo = (to: ResultPattern, mut = false): ResultPattern => ({ k: 'ref', to, mut });
export const sliceOf = (elem: ResultPattern): ResultPattern => ({ k: 'slice', elem });
export const tupleOf = (...elems: ResultPattern[]): ResultPattern => ({ k: 'tuple', elems });
export const computed = (compute: (call: MethodCall) => Ty): ResultPattern => ({
  k: 'computed',
  compute,
});
export function choose(
  ...parts: [...[ReceiverTest, ResultPattern][], ResultPattern]
): ResultPattern {
  const otherwise = parts[parts.length - 1] as ResultPattern;
  return { k: 'choose', cases: parts.slice(0, -1) as [ReceiverTest, ResultPattern][], otherwise };
}
/** The pattern when the receiver passes the test, else `unknown`. */
const only = (test: ReceiverTest, then: ResultPattern): ResultPattern =>
  choose([test, then], UNKNOWN_RESULT);

const UNKNOWN_RESULT = fixed(UNKNOWN);
const USIZE = fixed(prim('usize'));
const BOOL = fixed(prim('bool'));
const STRING = fixed(adt('String'));
const STR = fixed(STR_REF);
const NOTHING = fixed(UNIT);

// ---- The procedural cases ----------------------------------------------------------------

/** `Option<String>::as_deref()` gives `Option<&str>`; other options `Option<&T>`. */
function optionAsDeref({ receiver }: MethodCall): Ty {
  const value = typeArgOf(receiver);
  return adt('Option', ref(isAdt(value, 'String') ? { k: 'str' } : value));
}

/** `Option<&T>::cloned()` / `copied()` gives `Option<T>`. */
function optionOfPointee({ receiver }: MethodCall): Ty {
  if (isAdt(receiver, 'Option') && receiver.k === 'adt' && receiver.args[0]?.k === 'ref') {
    return adt('Option', receiver.args[0].inner);
  }
  return UNKNOWN;
}

/**
 * `x.unwrap_or(d)` on a receiver of unknown type: `d`'s type, which is the option's, unless `d`
 * is a literal's default (`i32`, `f64`), which the option's own type would have settled
 * (`r.map(|v| v.len()).unwrap_or(0)` is a `usize`).
 */
function defaultUnlessOpenNumber({ argTy }: MethodCall): Ty {
  const d = argTy(0);
  return d.k === 'prim' && (d.name === 'i32' || d.name === 'f64') ? UNKNOWN : d;
}

/** `n.to_le_bytes()`: an array of as many bytes as the number type has. */
function bytesOfNumber({ receiver }: MethodCall): Ty {
  return receiver.k === 'prim'
    ? { k: 'array', elem: prim('u8'), len: PRIMITIVES[receiver.name] ?? null }
    : UNKNOWN;
}

// ---- The table ---------------------------------------------------------------------------

const MAP = adtIn('HashMap', 'BTreeMap');
const SET = adtIn('HashSet', 'BTreeSet');
const OPTION = adtIn('Option');
/** std's `Path` and `PathBuf` (a `PathBuf` receiver derefs to `Path` for these). */
const STD_PATH_TYPES = all(adtIn('Path', 'PathBuf'), IS_STD_PATH);
const RESULT = adtIn('Result');
/** `io::Result<SocketAddr>`: what std's TCP and UDP sockets say of their addresses. */
const IO_SOCKET_ADDR = named('io::Result', fixed(adt('SocketAddr')));
const LOCK_RESULT_LIKE = adtIn('Option', 'Result', 'LockResult', 'TryLockResult');
const ONCE_CELLS = adtIn('Cell', 'OnceCell', 'OnceLock');
const TEXT = any(IS_STR, adtIn('String'));
/** Bytes of text, elements of anything else (`as_bytes`, `to_vec`). */
const BYTES_OR_ELEMENT = choose([TEXT, fixed(prim('u8'))], ELEMENT);
const ITERATOR_ADAPTABLE = nameMatches(
  /Iter|Range|Chars|Lines|Split|Bytes|Chunks|Enumerate|Rev|Skip|StepBy|Peekable/,
);
/**
 * Iterators over a collection's elements, whose type the collection says (not a `Range`, whose
 * integer type a later use may settle).
 */
const ITERATOR_MAPPABLE = nameMatches(/^(Iter|IterMut|IntoIter|Chars|Bytes|Lines|Chunks)$/);
/** Numbers and the time types share `min`, `max`, `saturating_*` and friends. */
const NUMBER_LIKE = any(IS_PRIM, adtIn('Duration', 'Instant'));
/** Iterators that are their own `IntoIterator` (`for c in s.split(',')`). */
const ITERATOR_ADAPTABLE_OR_SPLIT = nameMatches(/Iter|Range|Chars|Lines|Split/);

/** `m.iter()`, `m.keys()`, `v.drain(..)`: the collection's own iterator (`collectionIterators.ts`). */
const iteratorOf = (how: IterationKind): ResultPattern =>
  computed((call) => collectionIterator(call.receiver, how));

/** A first/last/get-style accessor: a reference into the map's values, the cell, or an element. */
function accessor(mut: boolean, cellValue: ResultPattern): ResultPattern {
  return choose(
    [MAP, named('Option', refTo(typeArg(1), mut))],
    [ONCE_CELLS, cellValue],
    named('Option', refTo(ELEMENT, mut)),
  );
}
const OPTION_REF_TO_CELL_VALUE = named('Option', refTo(typeArg(0)));

/** Methods (named in a space-separated list) that give the same result pattern. */
function each(methods: string, pattern: ResultPattern): [string, ResultPattern][] {
  return methods
    .trim()
    .split(/\s+/)
    .map((m) => [m, pattern]);
}

/** The table as a map; a method listed twice is a mistake (the later entry would win silently). */
function methodTable(entries: [string, ResultPattern][]): Map<string, ResultPattern> {
  const table = new Map<string, ResultPattern>();
  for (const [method, pattern] of entries) {
    if (table.has(method)) {
      throw new Error(`STD_METHODS lists \`${method}\` twice`);
    }
    table.set(method, pattern);
  }
  return table;
}

/** Std methods by name: what a call gives for the (peeled) receiver. Add new methods here. */
export const STD_METHODS: ReadonlyMap<string, ResultPattern> = methodTable([
  // Sizes, positions and predicates.
  ...each('len count capacity', USIZE),
  ['position', named('Option', USIZE)],
  ...each(
    `is_empty contains contains_key starts_with ends_with is_some is_none is_ok
     is_err eq ne any all is_ascii is_finished is_some_and is_ok_and is_none_or`,
    BOOL,
  ),
  // Copies and text.
  ['clone', choose([IS_STR, STRING], [IS_SLICE, named('Vec', ELEMENT)], RECEIVER)],
  // `ToOwned` of std's unsized `Path` is a `PathBuf` (`path.as_ref().to_owned()`, tokio's fs).
  [
    'to_owned',
    choose(
      [IS_STR, STRING],
      [IS_SLICE, named('Vec', ELEMENT)],
      [all(adtIn('Path'), IS_STD_PATH), named('PathBuf')],
      RECEIVER,
    ),
  ],
  ...each(
    `to_string to_uppercase to_lowercase repeat to_ascii_lowercase
     to_ascii_uppercase into_string`,
    STRING,
  ),
  ['replace', choose([OPTION, RECEIVER], STRING)],
  ...each('trim trim_start trim_end as_str', STR),
  ...each('as_bytes as_slice', refTo(sliceOf(BYTES_OR_ELEMENT))),
  ...each('to_vec into_bytes', named('Vec', BYTES_OR_ELEMENT)),
  ['chars', named('Chars')],
  ['bytes', named('str::Bytes')],
  ['lines', named('str::Lines')],
  ['split_whitespace', named('SplitWhitespace')],
  // `Split<P>` depends on the pattern type: `split(',')` (char) vs `split(", ")` (&str).
  ['split', only(TEXT, named('str::Split', arg(0)))],
  ...each('split_once rsplit_once', named('Option', tupleOf(STR, STR))),
  ['from_utf8_lossy', named('Cow<str>')],
  ['parse', named('Result', turbofish(0), UNKNOWN_RESULT)],
  // Iterators and collections.
  // Each collection has an iterator of its own size (a `BTreeMap`'s is 72 bytes, a slice's 16).
  ...(['iter', 'iter_mut', 'keys', 'values', 'drain', 'range'] as const).map(
    (how): [string, ResultPattern] => [how, iteratorOf(how)],
  ),
  [
    'into_iter',
    choose(
      [ITERATOR_ADAPTABLE_OR_SPLIT, RECEIVER],
      computed((call) => collectionIterator(call.receiverAsWritten, 'into_iter')),
    ),
  ],
  ['char_indices', only(TEXT, named('CharIndices'))],
  ['windows', only(any(IS_SLICE, IS_ARRAY, adtIn('Vec')), named('Windows', ELEMENT))],
  ['enumerate', named('Enumerate', RECEIVER_AS_WRITTEN)],
  ['rev', named('Rev', RECEIVER_AS_WRITTEN)],
  ['skip', named('Skip', RECEIVER_AS_WRITTEN)],
  ['step_by', named('StepBy', RECEIVER_AS_WRITTEN)],
  ['peekable', named('Peekable', RECEIVER_AS_WRITTEN)],
  ...each('collect sum product', turbofish(0)),
  ...each('chunks chunks_exact', named('Chunks', ELEMENT)),
  [
    'join',
    choose(
      [STD_PATH_TYPES, named('PathBuf')],
      [any(IS_SLICE, adtIn('Vec')), STRING],
      UNKNOWN_RESULT,
    ),
  ],
  ...each('to_path_buf with_extension with_file_name', only(STD_PATH_TYPES, named('PathBuf'))),
  ...each('exists is_file is_dir is_absolute is_relative', only(STD_PATH_TYPES, BOOL)),
  ['parent', only(STD_PATH_TYPES, named('Option', refTo(named('Path'))))],
  ['split_off', RECEIVER],
  ['get', accessor(false, choose([adtIn('Cell'), typeArg(0)], OPTION_REF_TO_CELL_VALUE))],
  ['get_mut', accessor(true, OPTION_REF_TO_CELL_VALUE)],
  ...each('first last front back peek', accessor(false, OPTION_REF_TO_CELL_VALUE)),
  ...each('pop pop_front pop_back', named('Option', ELEMENT)),
  [
    'next',
    choose(
      [adtIn('slice::Iter', 'Iter', 'IterMut'), named('Option', refTo(ELEMENT))],
      named('Option', ELEMENT),
    ),
  ],
  [
    'remove',
    choose([MAP, named('Option', typeArg(1))], [adtIn('Vec'), ELEMENT], named('Option', ELEMENT)),
  ],
  [
    'take',
    choose(
      [OPTION, RECEIVER],
      [adtIn('Cell'), typeArg(0)],
      [ITERATOR_ADAPTABLE, named('Take', RECEIVER_AS_WRITTEN)],
      UNKNOWN_RESULT,
    ),
  ],
  ['insert', choose([MAP, named('Option', typeArg(1))], [SET, BOOL], NOTHING)],
  ...each(
    `push push_str push_back push_front extend extend_from_slice clear truncate
     sort sort_unstable reverse set fill copy_from_slice retain reserve`,
    NOTHING,
  ),
  ['entry', only(MAP, namedWithReceiverArgs('Entry'))],
  ...each(
    'or_default or_insert or_insert_with or_insert_with_key',
    only(adtIn('Entry'), refTo(typeArg(1), true)),
  ),
  // Locks and cells.
  // tokio's / futures' `lock()` is async: its guard is theirs, not std's.
  ['lock', only(IS_STD_PATH, named('LockResult', named('MutexGuard', typeArg(0))))],
  ['try_lock', named('TryLockResult', named('MutexGuard', typeArg(0)))],
  [
    'read',
    only(
      all(adtIn('RwLock'), IS_STD_PATH),
      named('LockResult', named('RwLockReadGuard', typeArg(0))),
    ),
  ],
  [
    'write',
    only(
      all(adtIn('RwLock'), IS_STD_PATH),
      named('LockResult', named('RwLockWriteGuard', typeArg(0))),
    ),
  ],
  ['borrow', only(adtIn('RefCell'), named('Ref', typeArg(0)))],
  ['borrow_mut', only(adtIn('RefCell'), named('RefMut', typeArg(0)))],
  [
    'into_inner',
    only(adtIn('Mutex', 'RwLock', 'RefCell', 'Cell'), named('LockResult', typeArg(0))),
  ],
  // Options and results.
  ...each('unwrap expect unwrap_or_default unwrap_or_else', only(LOCK_RESULT_LIKE, typeArg(0))),
  ['unwrap_or', choose([LOCK_RESULT_LIKE, typeArg(0)], computed(defaultUnlessOpenNumber))],
  ['ok', only(RESULT, named('Option', typeArg(0)))],
  ['err', only(RESULT, named('Option', typeArg(1)))],
  ...each('ok_or ok_or_else', only(OPTION, named('Result', typeArg(0), UNKNOWN_RESULT))),
  ['as_ref', only(OPTION, named('Option', refTo(typeArg(0))))],
  ['as_mut', only(OPTION, named('Option', refTo(typeArg(0), true)))],
  ['as_deref', only(OPTION, computed(optionAsDeref))],
  // The error becomes the closure's output; the value stays (what `?` takes out).
  ['map_err', only(RESULT, named('Result', typeArg(0), UNKNOWN_RESULT))],
  // `Iterator::map` holds the iterator and the closure; `Option::map`, `Result::map` give what
  // the closure returns: not known here.
  ['map', only(ITERATOR_MAPPABLE, named('iter::Map', RECEIVER_AS_WRITTEN, arg(0)))],
  ['and_then', UNKNOWN_RESULT],
  ['filter', only(adtIn('Option', 'Result'), RECEIVER)],
  ...each('map_or map_or_else', arg(0)),
  ...each('cloned copied', computed(optionOfPointee)),
  // std's sockets (a Unix socket's address is another `SocketAddr`; tokio's sockets are theirs).
  [
    'local_addr',
    only(all(adtIn('TcpListener', 'TcpStream', 'UdpSocket'), IS_STD_PATH), IO_SOCKET_ADDR),
  ],
  ['peer_addr', only(all(adtIn('TcpStream', 'UdpSocket'), IS_STD_PATH), IO_SOCKET_ADDR)],
  // Channels.
  [
    'send',
    only(adtIn('Sender', 'SyncSender'), named('Result', NOTHING, named('SendError', typeArg(0)))),
  ],
  ['recv', only(adtIn('Receiver'), named('Result', typeArg(0), named('RecvError')))],
  ['try_recv', only(adtIn('Receiver'), named('Result', typeArg(0), named('TryRecvError')))],
  // Numbers and time.
  ...each('elapsed duration_since', named('Duration')),
  ['as_secs', fixed(prim('u64'))],
  ...each('as_millis as_micros as_nanos', fixed(prim('u128'))),
  ['as_secs_f32', fixed(prim('f32'))],
  ['as_secs_f64', fixed(prim('f64'))],
  ...each('checked_sub checked_add checked_mul checked_div', named('Option', RECEIVER)),
  ...each(
    `saturating_sub saturating_add saturating_mul wrapping_add wrapping_sub
     wrapping_mul min max pow abs clamp rotate_left rotate_right`,
    only(NUMBER_LIKE, RECEIVER),
  ),
  ...each('to_le_bytes to_be_bytes to_ne_bytes', computed(bytesOfNumber)),
]);

// ---- The interpreter ---------------------------------------------------------------------

/** What a call of the std method `method` gives, per `STD_METHODS`; unknown if it is not there. */
export function stdMethodResult(method: string, call: MethodCall): Ty {
  const pattern = STD_METHODS.get(method);
  return pattern ? resolvePattern(pattern, call) : UNKNOWN;
}

export function receiverPasses(test: ReceiverTest, receiver: Ty): boolean {
  switch (test.k) {
    case 'adt':
      return isAdt(receiver, ...test.names);
    case 'prim':
    case 'str':
    case 'slice':
    case 'array':
      return receiver.k === test.k;
    case 'stdPath':
      return isStdPath(receiver);
    case 'nameMatches':
      return receiver.k === 'adt' && test.pattern.test(adtName(receiver) ?? '');
    case 'all':
      return test.tests.every((t) => receiverPasses(t, receiver));
    case 'any':
      return test.tests.some((t) => receiverPasses(t, receiver));
  }
}

export function resolvePattern(pattern: ResultPattern, call: MethodCall): Ty {
  const resolve = (p: ResultPattern) => resolvePattern(p, call);
  const receiver = call.receiver;
  switch (pattern.k) {
    case 'fixed':
      return pattern.ty;
    case 'receiver':
      return receiver;
    case 'receiverAsWritten':
      return call.receiverAsWritten;
    case 'typeArg':
      return typeArgOf(receiver, pattern.index);
    case 'element':
      return elementType(receiver);
    case 'arg':
      return call.argTy(pattern.index);
    case 'turbofish':
      return call.turbofish[pattern.index] ?? UNKNOWN;
    case 'named':
      return adt(pattern.name, ...pattern.args.map(resolve));
    case 'namedWithReceiverArgs':
      return adt(pattern.name, ...(receiver.k === 'adt' ? receiver.args : []));
    case 'ref':
      return ref(resolve(pattern.to), pattern.mut);
    case 'slice':
      return { k: 'slice', elem: resolve(pattern.elem) };
    case 'tuple':
      return { k: 'tuple', elems: pattern.elems.map(resolve) };
    case 'choose': {
      const chosen = pattern.cases.find(([test]) => receiverPasses(test, receiver));
      return resolve(chosen ? chosen[1] : pattern.otherwise);
    }
    case 'computed':
      return pattern.compute(call);
  }
}
