/**
 * Best-effort types of expressions, from syntax: literals, constructors, functions and methods
 * of this file, and a table of common std methods. Anything else is `unknown`, never a guess.
 */
import type { SyntaxNode } from '../syntax/parser';
import { CRATE_BOOL_MACROS } from '../syntax/macros';
import { SMART_POINTER_TYPES, STD_TRAITS } from './knownTypes';
import {
  FnInfo,
  ItemIndex,
  SelfKind,
  callLeavesCrateAndStd,
  evalConst,
  resolveWrittenPath,
  typeFromNode,
  TypeScope,
} from '../items/items';
import {
  Ty,
  UNIT,
  UNKNOWN,
  adt,
  adtName,
  derefTy,
  hasUnknown,
  isAdt,
  peelRefs,
  prim,
  ref,
  showTy,
  substitute,
  typeParts,
  PRIMITIVES,
  STD_ROOTS,
} from './types';
import { STR_REF, elementType, isStdPath, typeArg } from './stdTypeShapes';
import { stdMethodResult } from './methodSignatures';
import { PathCall, builtinCallType, stdAssociatedCallType } from './stdCalls';
import { hasProjection, projectedThrough } from './projections';
import { mapTypeParts as mapParts } from './types';
import type { BoundMethod } from './boundTraitMethods';
import { dependencyStructField, isOtherCratesType } from '../deps/dependencyFields';
import {
  dependencyCallType,
  dependencyMethodType,
  extensionMethodType,
  opaqueFutureOutput,
} from '../deps/dependencyCalls';
import type { ForeignFn } from '../deps/dependencyTypes';
import { crateReexportsOf } from '../items/crateReexports';
import { capturelessClosure, opaqueTailType } from './opaqueTail';
import { ownTypesByName, pinnedOwn, streamCombinatorOutput } from './streamItems';
import { settleCollection } from './collectTargets';
import type { ForeignType } from './layout';

export { elementType, isStdPath };

export interface InferEnv {
  index: ItemIndex;
  scope: TypeScope;
  /** The type of a local binding visible at this point, if any. */
  localType(name: string): Ty | null;
  /** A type already worked out for this node (a block's value, computed while its scope was open). */
  knownType?(node: SyntaxNode): Ty | undefined;
  /** The future type of an `async` block or closure node. */
  futureOfNode(node: SyntaxNode): Ty | null;
  /** The future type of a call to an async fn. */
  /** `subst` maps the fn's generic parameters (and its impl's) to the types of this call. */
  futureOfFn(fn: FnInfo, subst?: Map<string, Ty>): Ty;
  /** What awaiting a future of this file yields. */
  futureOutput(id: string): Ty | null;
  /** The enclosing fn's `F: FnMut(..) -> R` bounds: what calling a value of type F gives. */
  callableOutput?(param: string): Ty | 'async' | undefined;
  /** The enclosing fn's `Fut: Future<Output = T>` bounds. */
  paramFutureOutput?(param: string): Ty | undefined;
  /** The value a closure argument returns when called (its body's type). */
  closureOutput?(node: SyntaxNode): Ty | undefined;
  /** What calling the local `name`, bound to a plain closure, returns (its body's type). */
  localCallOutput?(name: string): Ty | undefined;
  /** A dependency's fn that a call's resolved path names (see `analysis/deps`). */
  dependencyFn?(path: string[]): ForeignFn | null;
  /** The module the code's paths are read in (see `FnInfo.module`); unknown when absent. */
  module?: readonly string[];
  /**
   * A method of another crate's type (see `DependencyTypes.foreignMethod`): `unknown` when the
   * type is another crate's but that method was not read, null when the type is not.
   */
  dependencyMethod?(recv: Ty, method: string): ForeignFn | 'unknown' | null;
  /** The type a path (resolved through the file's `use`s) names in another crate, if any. */
  dependencyType?(path: string[], scope?: string): ForeignType | null;
  /** The declared type of another crate's const or static a resolved path names, if any. */
  dependencyConst?(path: string[]): Ty | null;
  /** The enclosing fn's parameter's method through its bounds (see `boundTraitMethods.ts`). */
  paramTraitMethod?(param: string, method: string): BoundMethod | null;
  /**
   * What awaiting the call's value must yield, where its place says (awaited as the fn's tail
   * or a `return`'s value: the fn's declared result); undefined when it does not.
   */
  expectedAwaitOutput?(call: SyntaxNode): Ty | undefined;
}

const STRING: Ty = adt('String');
const BOOL: Ty = prim('bool');
const NEVER: Ty = { k: 'never' };

/**
 * Which of the crate's same-named free fns a called path names, read as rustc (2018 and later)
 * reads it in the calling module: `crate::`, `self::`, `super::`, a `use` of its first segment,
 * the module's own items, then its glob imports. Null when none matches (never a guess).
 */
function calledFn(fns: FnInfo[], segs: string[], env: InferEnv): FnInfo | null {
  const imported = env.index.uses.get(segs[0]);
  const written = imported ? [...imported, ...segs.slice(1)] : segs;
  const module = env.module;
  const wanted: (string[] | null)[] = [];
  if (written[0] === 'crate' || written[0] === 'self' || written[0] === 'super') {
    wanted.push(fromModule(written, module));
  } else if (module) {
    wanted.push([...module, ...written]);
    // `use x::*` brings the names of x (the file's globs, read in the calling module).
    for (const glob of env.index.globImports) {
      const base = fromModule(glob, module);
      wanted.push(base && [...base, ...written]);
    }
  } else {
    // Where the call is written is unknown: only a path from the crate root can be read.
    wanted.push(written);
  }
  for (const path of wanted) {
    const joined = path?.join('::');
    const found = joined === undefined ? undefined : fns.find((f) => f.path === joined);
    if (found) {
      return found;
    }
  }
  return reexportedFn(fns, written, env);
}

/**
 * The fn a path names through the `use`s of the crate's modules (`crate::task::yield_now` after
 * `pub use yield_now::yield_now;` in `task`), when the crate's re-exports are known.
 */
function reexportedFn(fns: FnInfo[], written: string[], env: InferEnv): FnInfo | null {
  const reexports = crateReexportsOf(env.index);
  const from = written[0] === 'crate' ? [] : env.module;
  const path =
    from &&
    reexports?.definingPath(written, from, (own, name, module) =>
      (own.fns.get(name) ?? []).some((f) => f.path === [...module, name].join('::')),
    );
  const joined = path?.join('::');
  return joined ? (fns.find((f) => f.path === joined) ?? null) : null;
}

/** A path as written in `module`, from the crate root; null when it needs a module not known. */
function fromModule(written: string[], module: readonly string[] | undefined): string[] | null {
  if (written[0] === 'crate') {
    return written.slice(1);
  }
  if (!module) {
    return null;
  }
  const at = [...module];
  let i = 0;
  for (; written[i] === 'self' || written[i] === 'super'; i++) {
    if (written[i] === 'super') {
      at.pop();
    }
  }
  return [...at, ...written.slice(i)];
}

/**
 * Methods of std's prelude traits (`Iterator`, `Clone`, `ToString`, ..): a type of another crate
 * may implement one, and then the same name in an imported extension trait is not the one called.
 */
const PRELUDE_TRAIT_METHODS: ReadonlySet<string> = new Set([
  ...['next', 'size_hint', 'count', 'last', 'nth', 'step_by', 'chain', 'zip', 'map', 'for_each'],
  ...['filter', 'filter_map', 'enumerate', 'peekable', 'skip_while', 'take_while', 'map_while'],
  ...['skip', 'take', 'scan', 'flat_map', 'flatten', 'fuse', 'inspect', 'by_ref', 'collect'],
  ...['partition', 'fold', 'reduce', 'all', 'any', 'find', 'find_map', 'position', 'max', 'min'],
  ...['max_by_key', 'max_by', 'min_by_key', 'min_by', 'rev', 'unzip', 'copied', 'cloned'],
  ...['cycle', 'sum', 'product', 'cmp', 'partial_cmp', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'],
  ...['try_fold', 'try_for_each', 'next_back', 'rfold', 'rfind', 'len', 'into_iter', 'extend'],
  ...['clone', 'clone_from', 'to_owned', 'to_string', 'into', 'try_into', 'from', 'try_from'],
  ...['as_ref', 'as_mut', 'default', 'drop', 'hash', 'fmt', 'borrow', 'borrow_mut'],
]);

/**
 * A call with a part not known that passes a bare name (`Some(body)` in a match arm, typed
 * before the arm binds `body`): typed again later, when the binding may be in scope.
 */
function awaitsBinding(node: SyntaxNode, result: Ty): boolean {
  const args = node.type === 'call_expression' ? node.childForFieldName('arguments') : null;
  const passesName = args?.namedChildren.some((a) => a?.type === 'identifier') ?? false;
  return passesName && partlyUnknown(result);
}

/** Whether a part of the type is not known (a generic parameter counts as known). */
function partlyUnknown(ty: Ty): boolean {
  return ty.k === 'unknown' || typeParts(ty).some(partlyUnknown);
}

/** std traits a file may import whose methods share names with other crates' extension traits. */
const STD_METHOD_TRAITS: ReadonlySet<string> = new Set(['Read', 'Write', 'BufRead', 'Seek']);

/** Types whose `*x`, fields and methods are those of their first type argument. */
const DEREFS_TO_TYPE_ARG = SMART_POINTER_TYPES;

/** Methods that take `self` by value; everything else is assumed to borrow its receiver. */
const BY_VALUE_METHODS = new Set([
  'into_iter',
  'into',
  'unwrap',
  'expect',
  'unwrap_or',
  'unwrap_or_else',
  'unwrap_or_default',
  'unwrap_err',
  'expect_err',
  'ok',
  'err',
  'map',
  'map_err',
  'and_then',
  'or_else',
  'ok_or',
  'ok_or_else',
  'or',
  'and',
  'into_bytes',
  'into_boxed_slice',
  'into_inner',
  'into_string',
  'into_vec',
  'into_keys',
  'into_values',
  'filter',
  'filter_map',
  'zip',
  'chain',
  'enumerate',
  'rev',
  'skip',
  'step_by',
  'collect',
  'sum',
  'product',
  'fold',
  'count',
  'for_each',
  'flatten',
  'flat_map',
  'cloned',
  'copied',
  'peekable',
  'fuse',
  'inspect',
  'unzip',
  'min_by_key',
  'max_by_key',
  'join',
  'into_future',
  'await',
  'is_some_and',
  'is_ok_and',
  'map_or',
  'map_or_else',
  'unwrap_unchecked',
  'flatten',
  'transpose',
  'xor',
  'zip_with',
  'boxed',
  'then',
  'then_some',
  // Every trait's (futures' `TryStreamExt`, itertools'): `self` by value.
  'try_collect',
]);

/** Receiver-borrowing methods of Copy primitives (most of their methods take `self`). */
const PRIMITIVE_BY_REF = new Set([
  'to_string',
  'cmp',
  'partial_cmp',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'clone',
  'hash',
  'fmt',
  'to_owned',
  'as_ref',
  'borrow',
]);

/** How a method uses its receiver: by value, `&self` or `&mut self`. */
export function receiverMode(recvTy: Ty, method: string, env: InferEnv): SelfKind {
  const foreign = env.dependencyMethod?.(peelRefs(recvTy), method);
  if (foreign && foreign !== 'unknown' && foreign.fn.selfKind) {
    return foreign.fn.selfKind;
  }
  const user = findMethod(recvTy, method, env.index) ?? boundMethod(recvTy, method, env);
  if (user) {
    return user.selfKind ?? 'value';
  }
  const t = peelRefs(recvTy);
  if (t.k === 'prim') {
    return PRIMITIVE_BY_REF.has(method) ? 'ref' : 'value';
  }
  if (
    method === 'take' ||
    method === 'replace' ||
    method === 'get_or_insert' ||
    method === 'insert'
  ) {
    return isAdt(t, 'Option', 'Cell') || !isAdt(t, 'Iter', 'IntoIter', 'Chars', 'Range')
      ? 'mut'
      : 'value';
  }
  if (t.k === 'array' && (method === 'map' || method === 'into_iter')) {
    return 'value';
  }
  if (t.k === 'array') {
    return 'ref';
  }
  if (BY_VALUE_METHODS.has(method) || CONSUMING_CONVERSION.test(method)) {
    // `Option<&T>::map` and friends still move the (Copy) option; only the receiver mode matters.
    return 'value';
  }
  return 'ref';
}

/**
 * `into_*` conversions take `self` by value (Rust's API naming guidelines, C-CONV): a value of a
 * type not known here (`tcp_stream.into_std()`, `stream.into_split()`) is moved by them.
 */
const CONSUMING_CONVERSION = /^into_[a-z0-9_]+$/;

/** A method defined in this file for the receiver's type (or, if the type is unknown, any with that name). */
export function findMethod(recvTy: Ty, method: string, index: ItemIndex): FnInfo | null {
  let t = peelRefs(recvTy);
  // `self: Pin<&mut Self>` methods are the pinned type's (`self.write_raw(..)` on a `Pin<&mut Writer>`).
  if (isAdt(t, 'Pin') && t.k === 'adt' && t.args[0] && !index.methods.has(`Pin::${method}`)) {
    const pointee = peelRefs(t.args[0]);
    const pinned = peelRefs(isAdt(pointee, 'Box') ? typeArg(pointee) : t.args[0]);
    if (adtName(pinned) && index.methods.has(`${adtName(pinned)}::${method}`)) {
      t = pinned;
    }
  }
  const dynTrait = dynTraitOf(t);
  if (dynTrait) {
    return asyncTraitMethod(dynTrait, method, index);
  }
  const name = adtName(t);
  if (name && isOtherCratesType(t) && index.types.has(name)) {
    return null;
  }
  if (name) {
    // `ll::Semaphore` (a module alias) names one of two same-named types: its module decides.
    const qualifier =
      t.k === 'adt' && t.segments.length > 1 ? t.segments[t.segments.length - 2] : null;
    const qualified = qualifier ? index.methods.get(`${qualifier}::${name}::${method}`) : undefined;
    if (qualified?.length) {
      return methodOfType(qualified, t, method, index);
    }
    const list = index.methods.get(`${name}::${method}`);
    if (list?.length) {
      return methodOfType(list, t, method, index);
    }
    // A known std type: do not borrow a same-named method of an unrelated user type.
    if (!index.types.has(name)) {
      return null;
    }
  }
  if (t.k === 'param') {
    return traitMethodForParam(method, index);
  }
  if (t.k === 'unknown') {
    const list = index.methodsByName.get(method);
    if (list && list.length >= 1 && list.every((f) => f.selfKind === list[0].selfKind)) {
      return list[0];
    }
  }
  return null;
}

/**
 * The method of a type that its crate path names (`crate::async_impl::ClientBuilder`, beside
 * `blocking::client::ClientBuilder`): the one written in the module defining it. Without one
 * there (an impl in another module), and for any other type, the first of its name's.
 */
function methodOfType(list: FnInfo[], t: Ty, method: string, index: ItemIndex): FnInfo {
  if (t.k !== 'adt' || t.origin !== 'crate' || t.segments[0] !== 'crate' || list.length === 1) {
    return inherentFirst(list);
  }
  // Where the type is defined, through the modules' `use`s (`crate::async_impl::ClientBuilder`).
  const defined = crateReexportsOf(index)?.definingPath(t.segments, [], definesType);
  const own = defined ? list.filter((f) => f.path === [...defined, method].join('::')) : [];
  return inherentFirst(own.length > 0 ? own : list);
}

/**
 * The associated fn an `Owner::f` path names among the crate's fns of that owner's name: the
 * only owner's, else the one of the type the path leads to through the modules' `use`s
 * (`slow::ClientBuilder::new` beside `fast::ClientBuilder::new`); null when that is not known.
 */
function associatedFnOf(
  list: FnInfo[],
  owner: string[],
  name: string,
  env: InferEnv,
): FnInfo | null {
  const owners = new Set(
    list
      .filter((f) => !f.path.startsWith('<'))
      .map((f) => f.path.split('::').slice(0, -1).join('::')),
  );
  if (owners.size <= 1) {
    return list[0];
  }
  const imported = env.index.uses.get(owner[0]);
  const written = imported ? [...imported, ...owner.slice(1)] : owner;
  const path = written.length === 1 && env.module ? ['crate', ...env.module, written[0]] : written;
  const defined = crateReexportsOf(env.index)?.definingPath(path, env.module ?? [], definesType);
  const own = defined ? list.filter((f) => f.path === [...defined, name].join('::')) : [];
  return own.length > 0 ? inherentFirst(own) : null;
}

/** Whether a file module defines a type of that name at its top level. */
function definesType(own: ItemIndex, name: string, module: readonly string[]): boolean {
  return (own.typeModules.get(name) ?? []).includes(module[module.length - 1] ?? '');
}

/**
 * A method call takes an inherent method before a trait's of the same name: tokio-postgres's
 * `impl GenericClient for Client { async fn prepare(&self, ..) { self.prepare(query).await } }`
 * awaits the inherent `Client::prepare`, not itself.
 */
function inherentFirst(list: FnInfo[]): FnInfo {
  return list.find((f) => !f.path.startsWith('<')) ?? list[0];
}

/** The trait of a `dyn Trait`, seen through the pointers that hold one (`Arc<dyn Store + Send>`). */
function dynTraitOf(t: Ty): string | null {
  const pointee = isAdt(t, 'Box', 'Arc', 'Rc') && t.k === 'adt' ? peelRefs(t.args[0] ?? t) : t;
  if (pointee.k !== 'dyn') {
    return null;
  }
  const first = /^dyn\s+(?:::)?([\w:]+)/.exec(pointee.text)?.[1];
  return first ? (first.split('::').pop() ?? null) : null;
}

/**
 * A method called on a `dyn Trait` whose impls are all `#[async_trait]` fns saying the same
 * output: every impl returns the same boxed `dyn Future`, so any of them gives the call's type.
 * Other trait methods on `dyn` stay unknown (an impl's signature may name its own types).
 */
function asyncTraitMethod(trait: string, method: string, index: ItemIndex): FnInfo | null {
  const impls = (index.methodsByName.get(method) ?? []).filter(
    (f) => /^<.* as ([^<>]+?)(?:<.*)?>::/s.exec(f.path)?.[1]?.split('::').pop() === trait,
  );
  const output = impls.length > 0 ? showTy(impls[0].ret) : '';
  return impls.length > 0 &&
    impls.every((f) => f.boxedFuture && showTy(f.ret) === output) &&
    !/\bSelf\b/.test(output) &&
    impls[0].generics.length === 0
    ? impls[0]
    : null;
}

/**
 * `bindGenerics` in a generic body, where a value's type may hold projections (`T::Stream`):
 * each is bound as a whole, as a parameter would be.
 */
function bindWithProjections(declared: Ty, actual: Ty, map: Map<string, Ty>): void {
  const projections: Ty[] = [];
  const hide = (t: Ty): Ty => {
    if (t.k === 'unknown' && t.proj) {
      projections.push(t);
      return { k: 'param', name: `\u0000${projections.length - 1}` };
    }
    return mapParts(t, hide) ?? t;
  };
  const hidden = new Map<string, Ty>();
  bindGenerics(declared, hide(actual), hidden, true);
  const shown = new Map(projections.map((p, i): [string, Ty] => [`\u0000${i}`, p]));
  hidden.forEach((ty, name) => !map.has(name) && map.set(name, substitute(ty, shown)));
}

/** How deep a `map(path)` is still typed (its receiver typed in turn). */
const MAX_MAP_DEPTH = 64;

/** The type with the parameters and projections of a generic body taken for known types. */
function withoutParamsOrProjections(ty: Ty): Ty {
  if (ty.k === 'param' || (ty.k === 'unknown' && ty.proj)) {
    return { k: 'never' };
  }
  return mapParts(ty, withoutParamsOrProjections) ?? ty;
}

/** A type parameter's method, through the enclosing fn's bounds on it. */
function boundMethod(recvTy: Ty, method: string, env: InferEnv): BoundMethod | null {
  const t = peelRefs(recvTy);
  return t.k === 'param' ? (env.paramTraitMethod?.(t.name, method) ?? null) : null;
}

/**
 * A type parameter's method comes from its bounds' traits. When every method of that name in
 * this crate implements one trait of the crate's own (`impl Describe for str`), and all say the
 * same, that is what it does. A std trait's (`OwnedReadHalf::as_ref() -> &TcpStream` for
 * `AsRef`) says nothing of it: std has impls of its own.
 */
function traitMethodForParam(method: string, index: ItemIndex): FnInfo | null {
  const list = index.methodsByName.get(method) ?? [];
  const traits = new Set(list.map((f) => /^<.* as ([^<>]+?)(?:<.*)?>::/s.exec(f.path)?.[1]));
  const [trait] = traits;
  const name = trait?.split('::').pop();
  const same = list.every(
    (f) => f.selfKind === list[0].selfKind && showTy(f.ret) === showTy(list[0].ret),
  );
  return list.length > 0 &&
    traits.size === 1 &&
    name &&
    !STD_TRAITS.has(name) &&
    same &&
    !list.some(resultNamesImplSelf)
    ? list[0]
    : null;
}

/**
 * Whether an impl's method returns a type written with the impl's self type (`Self`,
 * `Self::Iter` in `impl Loose for u8`): for a type parameter that is the parameter's, which the
 * impl does not say (a generic body must not read `u8::Iter`'s drop glue for `L::Iter`).
 */
function resultNamesImplSelf(fn: FnInfo): boolean {
  const self = fn.selfTy && JSON.stringify(fn.selfTy);
  const names = (ty: Ty): boolean =>
    JSON.stringify(ty) === self ||
    (ty.k === 'unknown' && ty.proj !== undefined && names(ty.proj.self)) ||
    typeParts(ty).some(names);
  return self !== null && names(fn.ret);
}

/**
 * The type of a value one of several branches gives: the first branch's that is known. A branch
 * that is an unsuffixed number (`0 => 1`, `{ 1 }`) does not settle it: `1` is as wide as the other
 * branches; if only such branches are known the type stays open (it may come from a later use).
 */
export function branchesType(branches: (SyntaxNode | null)[], sub: SubTyper): Ty {
  let open = false;
  for (const b of branches) {
    if (!b) {
      continue;
    }
    if (isOpenNumber(b)) {
      open = true;
      continue;
    }
    const t = sub(b);
    if (t.k !== 'unknown' && t.k !== 'never') {
      const rest = branches.slice(branches.indexOf(b) + 1);
      return t.k === 'tuple' ? tupleFromBranches(t, rest, sub) : t;
    }
  }
  return open ? { k: 'unknown', text: "an integer literal's type" } : UNKNOWN;
}

/**
 * A tuple one branch gives with parts not known (`(channel_binding, PLUS)`), its parts taken from
 * the other branches where they say (`(ChannelBinding::unsupported(), SCRAM)`): every branch has
 * the same type. Only a path type is taken, never a number's (its literal may be unsettled).
 */
function tupleFromBranches(
  tuple: Ty & { k: 'tuple' },
  others: (SyntaxNode | null)[],
  sub: SubTyper,
): Ty {
  if (!tuple.elems.some((e) => e.k === 'unknown')) {
    return tuple;
  }
  const elems = [...tuple.elems];
  for (const b of others) {
    const t = b && !isOpenNumber(b) ? sub(b) : null;
    if (t?.k !== 'tuple' || t.elems.length !== elems.length) {
      continue;
    }
    t.elems.forEach((e, i) => {
      if (elems[i].k === 'unknown' && e.k === 'adt' && !hasUnknown(e)) {
        elems[i] = e;
      }
    });
  }
  return { k: 'tuple', elems };
}

/** A branch value that is an unsuffixed number: its type is the other branches'. */
export function isOpenNumber(node: SyntaxNode): boolean {
  return isUnsuffixedNumber(valueTail(node));
}

/** The expression a block ends with (its value), or the node itself. */
function valueTail(node: SyntaxNode): SyntaxNode {
  if (node.type !== 'block') {
    return node;
  }
  const last = node.namedChildren[node.namedChildren.length - 1];
  return last && /_literal$|^unary_expression$|^block$/.test(last.type) ? valueTail(last) : node;
}

function isUnsuffixedNumber(node: SyntaxNode): boolean {
  if (node.type === 'unary_expression' && node.namedChildren[0]) {
    return isUnsuffixedNumber(node.namedChildren[0]);
  }
  return (
    (node.type === 'integer_literal' && !/[iu](8|16|32|64|128|size)$/.test(node.text)) ||
    (node.type === 'float_literal' && !/f(32|64)$/.test(node.text))
  );
}

function literalType(node: SyntaxNode): Ty {
  const text = node.text;
  switch (node.type) {
    case 'integer_literal': {
      const m = /(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize)$/.exec(text);
      return prim(m ? m[1] : 'i32');
    }
    case 'float_literal':
      return prim(/f32$/.test(text) ? 'f32' : 'f64');
    case 'boolean_literal':
      return BOOL;
    case 'char_literal':
      return text.startsWith('b') ? prim('u8') : prim('char');
    case 'string_literal':
    case 'raw_string_literal':
      if (text.startsWith('b')) {
        return ref({ k: 'array', elem: prim('u8'), len: null });
      }
      return text.startsWith('c') ? ref(adt('CStr')) : STR_REF;
    default:
      return UNKNOWN;
  }
}

function pathSegments(node: SyntaxNode): string[] {
  return node.text
    .replace(/\s+/g, '')
    .replace(/::<[^>]*>/g, '')
    .split('::');
}

function turbofish(node: SyntaxNode, env: InferEnv): Ty[] {
  const args =
    node.childForFieldName('type_arguments') ??
    node.namedChildren.find((c) => c?.type === 'type_arguments') ??
    null;
  return (args?.namedChildren ?? [])
    .filter((c): c is SyntaxNode => !!c)
    .map((c) => typeFromNode(c, env.index, env.scope));
}

/**
 * Binds generic parameters in `declared` to the matching parts of `actual` (first binding wins).
 * `params`: the caller's own parameters bind too (an async callee's instance is then known once
 * its caller's is: see the engine's `instantiated`).
 */
export function bindGenerics(declared: Ty, actual: Ty, map: Map<string, Ty>, params = false): void {
  if (actual.k === 'unknown' || (actual.k === 'param' && !params)) {
    return;
  }
  if (declared.k === 'param') {
    if (!map.has(declared.name)) {
      map.set(declared.name, actual);
    }
    return;
  }
  if (
    declared.k === 'adt' &&
    actual.k === 'adt' &&
    declared.segments[declared.segments.length - 1] === actual.segments[actual.segments.length - 1]
  ) {
    declared.args.forEach((d, i) => actual.args[i] && bindGenerics(d, actual.args[i], map, params));
  } else if (
    (declared.k === 'ref' || declared.k === 'ptr') &&
    (actual.k === 'ref' || actual.k === 'ptr')
  ) {
    bindGenerics(declared.inner, actual.inner, map, params);
  } else if (declared.k === 'ref' && actual.k !== 'ref') {
    bindGenerics(declared.inner, actual, map, params);
  } else if (declared.k === 'tuple' && actual.k === 'tuple') {
    declared.elems.forEach(
      (d, i) => actual.elems[i] && bindGenerics(d, actual.elems[i], map, params),
    );
  } else if (
    (declared.k === 'array' || declared.k === 'slice') &&
    (actual.k === 'array' || actual.k === 'slice')
  ) {
    bindGenerics(declared.elem, actual.elem, map, params);
  }
}

/** std's owned types and what `*` on them gives (their `Deref::Target`). */
const OWNED_DEREF_TARGETS: ReadonlyMap<string, Ty> = new Map([
  ['String', { k: 'str' }],
  ['PathBuf', adt('Path')],
  ['OsString', adt('OsStr')],
  ['CString', adt('CStr')],
]);

/**
 * `*x`: a reference's or pointer's pointee; for std's owned types their `Deref::Target`
 * (`&*format!(..)` is a `&str`, `&*vec` a `&[T]`); any other struct's `Deref` impl is not read:
 * unknown.
 */
function derefTarget(ty: Ty): Ty {
  if (ty.k !== 'adt') {
    return derefTy(ty);
  }
  const name = ty.segments[ty.segments.length - 1];
  if (ty.origin === 'dependency' || ty.segments.length !== 1) {
    return UNKNOWN;
  }
  if (name === 'Vec') {
    return { k: 'slice', elem: typeArg(ty) };
  }
  if (name === 'Cow' || name === 'ManuallyDrop') {
    return typeArg(ty);
  }
  return OWNED_DEREF_TARGETS.get(name) ?? UNKNOWN;
}

/**
 * The future of an async fn called with a `T: ?Sized` generic the call does not bind: its generic
 * walk lays `&T` out as a thin pointer, which an unsized argument (`&str`, `&dyn Trait`) is not
 * (rustc: 112 B for a `query(&*wrapped)` that a thin `&T` would make 96 B). Null when all are
 * bound.
 */
function unsizedLeftGeneric(fn: FnInfo, map: Map<string, Ty>): Ty | null {
  const left = fn.maybeUnsized?.find((g) => {
    const bound = map.get(g);
    return !bound || bound.k === 'unknown';
  });
  return left ? { k: 'unknown', text: `${fn.name}'s ${left}: ?Sized` } : null;
}

/** Node types whose type does not depend on the bindings in scope at the time it is asked. */
const MEMOIZED = new Set([
  'call_expression',
  'macro_invocation',
  'struct_expression',
  'scoped_identifier',
]);

const LITERALS = [
  'integer_literal',
  'float_literal',
  'boolean_literal',
  'char_literal',
  'string_literal',
  'raw_string_literal',
];
const COMPARISONS = ['==', '!=', '<', '>', '<=', '>=', '&&', '||'];

/** Types an expression's sub-expression (one level deeper). */
export type SubTyper = (node: SyntaxNode | null) => Ty;
/** Types one kind of expression node. */
type KindTyper = (node: SyntaxNode, sub: SubTyper, depth: number) => Ty;

/** `[a, b]`, `[x; N]`, `(a, b)`: the written children, without attributes. */
function valueChildren(node: SyntaxNode, skip?: SyntaxNode | null): SyntaxNode[] {
  return node.namedChildren.filter(
    (c): c is SyntaxNode => !!c && c.id !== skip?.id && c.type !== 'attribute_item',
  );
}

export class ExprTyper {
  constructor(private readonly env: InferEnv) {}

  typeOf(node: SyntaxNode | null, depth = 0): Ty {
    if (!node || depth > 30) {
      return UNKNOWN;
    }
    const env = this.env;
    const known = env.knownType?.(node);
    if (known) {
      return known;
    }
    // Calls are typed many times over (receiver, operands, the let that binds them); their type
    // depends on signatures, not on the bindings in scope, so it is worked out once.
    // Not when an argument is a closure or async block: its type is known only once it is walked.
    const memoizable =
      MEMOIZED.has(node.type) &&
      !(
        node.type === 'call_expression' &&
        /\|[^|]*\||\basync\b/.test(node.childForFieldName('arguments')?.text ?? '')
      );
    if (memoizable) {
      const hit = this.memo.get(node.id);
      if (hit) {
        return hit;
      }
    }
    const result = this.typeOfUncached(node, depth);
    if (memoizable && result.k !== 'unknown' && !awaitsBinding(node, result)) {
      this.memo.set(node.id, result);
    }
    return result;
  }

  private readonly memo = new Map<number, Ty>();

  private typeOfUncached(node: SyntaxNode, depth: number): Ty {
    const typer = this.byKind.get(node.type);
    return typer ? typer(node, (n) => this.typeOf(n, depth + 1), depth) : UNKNOWN;
  }

  /** How each kind of expression node is typed; a kind not listed is `unknown`. */
  private readonly byKind: ReadonlyMap<string, KindTyper> = new Map<string, KindTyper>([
    ...LITERALS.map((kind): [string, KindTyper] => [kind, literalType]),
    ['identifier', (node) => this.env.localType(node.text) ?? this.constType(node.text)],
    ['self', () => this.env.localType('self') ?? UNKNOWN],
    ['parenthesized_expression', (node, sub) => sub(node.namedChildren[0])],
    ['else_clause', (node, sub) => sub(node.namedChildren[0])],
    [
      'reference_expression',
      (node, sub) => {
        const mut = node.children.some((c) => c?.type === 'mutable_specifier');
        return ref(sub(node.childForFieldName('value')), mut);
      },
    ],
    ['unary_expression', (node, sub) => this.unaryType(node, sub)],
    [
      'type_cast_expression',
      (node) => {
        const t = node.childForFieldName('type');
        return t ? typeFromNode(t, this.env.index, this.env.scope) : UNKNOWN;
      },
    ],
    ['binary_expression', (node, sub) => this.binaryType(node, sub)],
    ['array_expression', (node, sub) => this.arrayType(node, sub)],
    [
      'tuple_expression',
      (node, sub) => ({
        k: 'tuple',
        elems: valueChildren(node).map((c) => sub(c)),
      }),
    ],
    ['unit_expression', () => UNIT],
    [
      'struct_expression',
      (node, sub) => {
        const name = node.childForFieldName('name');
        const ty = name ? this.structNameType(name) : UNKNOWN;
        return this.withLiteralArguments(ty, node, sub);
      },
    ],
    ['await_expression', (node, sub) => this.awaitOutput(sub(node.namedChildren[0]))],
    [
      'try_expression',
      (node, sub) => {
        const t = sub(node.namedChildren[0]);
        if (isAdt(t, 'Result', 'Option', 'LockResult', 'Poll')) {
          return typeArg(t);
        }
        return (t.k === 'unknown' && this.projectedOutput(t, 'Try')) || UNKNOWN;
      },
    ],
    [
      'field_expression',
      (node, sub) => {
        const field = node.childForFieldName('field')?.text ?? '';
        return this.fieldType(sub(node.childForFieldName('value')), field);
      },
    ],
    ['index_expression', (node, sub) => this.indexType(node, sub)],
    ['range_expression', (node, sub) => this.rangeType(node, sub)],
    ['block', (node, sub) => this.blockType(node, sub)],
    ['unsafe_block', (node, sub) => this.blockType(node, sub)],
    ['if_expression', (node, sub) => this.ifType(node, sub)],
    ['match_expression', (node, sub) => this.matchType(node, sub)],
    ['async_block', (node) => this.futureValueType(node)],
    ['closure_expression', (node) => this.futureValueType(node)],
    ['macro_invocation', (node) => this.macroType(node)],
    ['call_expression', (node, _sub, depth) => this.callType(node, depth)],
    ['return_expression', () => NEVER],
    ['break_expression', () => NEVER],
    ['continue_expression', () => NEVER],
    ['loop_expression', () => UNKNOWN],
    ['scoped_identifier', (node) => this.scopedIdentifierType(node)],
  ]);

  private unaryType(node: SyntaxNode, sub: SubTyper): Ty {
    const op = node.children[0]?.type;
    const operand = sub(node.namedChildren[0]);
    if (op === '*') {
      return isAdt(operand, ...DEREFS_TO_TYPE_ARG) ? typeArg(operand) : derefTarget(operand);
    }
    return operand;
  }

  private binaryType(node: SyntaxNode, sub: SubTyper): Ty {
    const op = node.childForFieldName('operator')?.text ?? node.children[1]?.type;
    if (COMPARISONS.includes(op ?? '')) {
      return BOOL;
    }
    const left = sub(node.childForFieldName('left'));
    if (op === '<<' || op === '>>') {
      return peelRefs(left);
    }
    // `0xb0 | page as u8`, `HEIGHT / 8`: an unsuffixed literal takes the other operand's type.
    const right = sub(node.childForFieldName('right'));
    if (left.k === 'unknown') {
      return right;
    }
    if (right.k === 'prim' && peelRefs(left).k === 'prim') {
      return this.numericOf([peelRefs(left), peelRefs(right)]);
    }
    return peelRefs(left);
  }

  private arrayType(node: SyntaxNode, sub: SubTyper): Ty {
    const lenNode = node.childForFieldName('length');
    const children = valueChildren(node, lenNode);
    if (lenNode) {
      const len = evalConst(lenNode, this.env.index.consts);
      return { k: 'array', elem: sub(children[0] ?? null), len };
    }
    const elems = children.map((c) => sub(c));
    // `[0xb0 | page as u8, 0x00, 0x10]`: literals take the type of the one element that has one.
    const allNumbers = elems.length && elems.every((e) => e.k === 'prim');
    const elem = allNumbers ? this.numericOf(elems) : (elems[0] ?? UNKNOWN);
    return { k: 'array', elem, len: children.length };
  }

  private indexType(node: SyntaxNode, sub: SubTyper): Ty {
    const base = sub(node.namedChildren[0]);
    const idx = node.namedChildren[1];
    if (idx?.type === 'range_expression') {
      return { k: 'slice', elem: elementType(base) };
    }
    const container = peelRefs(base);
    return isAdt(container, 'HashMap', 'BTreeMap') ? typeArg(container, 1) : elementType(base);
  }

  private rangeType(node: SyntaxNode, sub: SubTyper): Ty {
    const parts = node.namedChildren.filter((c): c is SyntaxNode => !!c);
    const name = rangeTypeName(node);
    if (name === 'RangeFull') {
      return adt(name);
    }
    // `..3`, `1..`: an unsuffixed end's width is settled by the range's use (an index makes it
    // usize), which is not followed here: left open rather than read as i32 (a `for` loop's
    // range is settled with its binding, see `controlFlow.ts`).
    const open = name !== 'Range' && name !== 'RangeInclusive' && parts.every(isOpenNumber);
    const elem = parts.length && !open ? this.numericOf(parts.map((p) => sub(p))) : UNKNOWN;
    return adt(name, elem);
  }

  private blockType(node: SyntaxNode, sub: SubTyper): Ty {
    const last = node.namedChildren[node.namedChildren.length - 1];
    if (!last || last.type === 'expression_statement' || last.type === 'let_declaration') {
      const unterminated =
        last?.type === 'expression_statement' && !node.text.trimEnd().endsWith(';');
      return unterminated ? sub(last.namedChildren[0]) : UNIT;
    }
    return sub(last);
  }

  private ifType(node: SyntaxNode, sub: SubTyper): Ty {
    const alt = node.childForFieldName('alternative');
    return branchesType(
      [node.childForFieldName('consequence'), alt?.namedChildren[0] ?? null],
      sub,
    );
  }

  private matchType(node: SyntaxNode, sub: SubTyper): Ty {
    const arms = node.childForFieldName('body')?.namedChildren ?? [];
    return branchesType(
      arms.map((arm) => arm?.childForFieldName('value') ?? null),
      sub,
    );
  }

  /** An async block's or closure's value. */
  private futureValueType(node: SyntaxNode): Ty {
    if (node.type === 'closure_expression' && /^(static\s+)?async\b/.test(node.text)) {
      // An async closure's value holds its captures, not its future's state.
      return { k: 'asyncClosure', future: this.env.futureOfNode(node) ?? UNKNOWN };
    }
    return this.env.futureOfNode(node) ?? { k: 'unknown', text: 'closure' };
  }

  private scopedIdentifierType(node: SyntaxNode): Ty {
    const segs = pathSegments(node);
    if (segs.length >= 2 && this.env.index.types.get(segs[segs.length - 2])?.kind === 'enum') {
      return adt(segs[segs.length - 2]);
    }
    if (segs[segs.length - 1] === 'None') {
      return adt('Option', UNKNOWN);
    }
    // Associated consts such as `Duration::ZERO` or `u64::MAX` have their owner's type.
    if (segs.length >= 2 && /^[A-Z][A-Z0-9_]*$/.test(segs[segs.length - 1])) {
      const owner = segs[segs.length - 2];
      if (PRIMITIVES[owner] !== undefined) {
        return prim(owner);
      }
      if (/^[A-Z]/.test(owner) && owner !== 'Self') {
        return adt(owner);
      }
    }
    return this.dependencyConstType(segs) ?? this.constType(segs[segs.length - 1]);
  }

  private constType(name: string): Ty {
    if (name === 'None') {
      return adt('Option', UNKNOWN);
    }
    const t = this.env.index.types.get(name);
    if (t && t.kind === 'struct' && t.fields.length === 0) {
      return adt(name);
    }
    return (
      this.env.index.constTypes.get(name) ??
      this.dependencyConstType([name]) ??
      this.dependencyUnitStruct(name)
    );
  }

  /**
   * Another crate's const a path names through the file's `use`s (`sasl::SCRAM_SHA_256`), as its
   * crate declares it: before any const of the crate's own of that name, which it is not.
   */
  private dependencyConstType(segs: string[]): Ty | null {
    const head = this.env.index.uses.get(segs[0]);
    if (!this.env.dependencyConst || (segs.length === 1 && !head)) {
      return null;
    }
    return this.env.dependencyConst(resolveWrittenPath(segs, this.env.index));
  }

  /**
   * A name a `use` brings from another crate, written as a value: a unit struct of that crate
   * (`NoTls` after `use tokio_postgres::tls::NoTls`) is a value of its type; anything else (a
   * const, a fn, a tuple struct's constructor) is not known here.
   */
  private dependencyUnitStruct(name: string): Ty {
    const path = this.env.index.uses.get(name);
    if (!path || STD_ROOTS.has(path[0]) || this.env.index.types.has(name)) {
      return UNKNOWN;
    }
    const found = this.env.dependencyType?.(path);
    if (found?.kind !== 'type') {
      return UNKNOWN;
    }
    const unit = found.type;
    if (unit.kind !== 'struct' || unit.fields.length > 0 || unit.params.length > 0) {
      return UNKNOWN;
    }
    return { k: 'adt', segments: [unit.name], args: [], origin: 'dependency', scope: found.scope };
  }

  private numericOf(parts: Ty[]): Ty {
    const explicit = parts.find((p) => p.k === 'prim' && p.name !== 'i32');
    return explicit ?? parts[0];
  }

  /**
   * A generic struct of the crate written as a literal without its arguments
   * (`StartupStream { inner: Framed::new(stream, codec), .. }`): its parameters bound from its
   * fields' values, as rustc infers them; left as it was unless every one is.
   */
  private withLiteralArguments(ty: Ty, literal: SyntaxNode, sub: (n: SyntaxNode) => Ty): Ty {
    if (ty.k !== 'adt' || ty.args.length > 0) {
      return ty;
    }
    const user = this.env.index.types.get(ty.segments[ty.segments.length - 1]);
    if (user?.kind !== 'struct' || user.params.length === 0) {
      return ty;
    }
    const map = new Map<string, Ty>();
    for (const init of literal.childForFieldName('body')?.namedChildren ?? []) {
      const fieldName = init?.type === 'field_initializer' ? init.childForFieldName('field') : init;
      const value =
        init?.type === 'field_initializer'
          ? init.childForFieldName('value')
          : (init?.namedChildren[0] ?? init);
      const field = user.fields.find((f) => f.name === fieldName?.text);
      if (field && value && init?.type !== 'base_field_initializer') {
        const declared = substitute(
          field.ty,
          new Map(user.params.map((p): [string, Ty] => [p, { k: 'param', name: p }])),
        );
        bindWithProjections(declared, sub(value), map);
      }
    }
    const args = user.params.map((p) => map.get(p));
    return args.every((a) => a !== undefined && !hasUnknown(withoutParamsOrProjections(a)))
      ? { ...ty, args: args as Ty[] }
      : ty;
  }

  private structNameType(name: SyntaxNode): Ty {
    const segs = pathSegments(name);
    const last = segs[segs.length - 1];
    if (last === 'Self') {
      return this.env.scope.selfTy ?? UNKNOWN;
    }
    const user = this.env.index.types.get(last);
    if (user) {
      return adt(last);
    }
    // `Enum::Variant { .. }`
    if (segs.length >= 2 && this.env.index.types.get(segs[segs.length - 2])) {
      return adt(segs[segs.length - 2]);
    }
    return typeFromNode(name, this.env.index, this.env.scope);
  }

  fieldType(base: Ty, field: string): Ty {
    let t = peelRefs(base);
    if (isAdt(t, ...DEREFS_TO_TYPE_ARG)) {
      t = peelRefs(typeArg(t));
    }
    if (t.k === 'tuple') {
      return t.elems[Number(field)] ?? UNKNOWN;
    }
    if (t.k !== 'adt') {
      return UNKNOWN;
    }
    // `crate::tls::ChannelBinding` where `config` has one too: its module's key says which.
    const qualified =
      t.segments.length >= 2 && t.origin !== 'dependency'
        ? this.env.index.types.get(t.segments.slice(-2).join('::'))
        : undefined;
    const user = isOtherCratesType(t)
      ? undefined
      : (qualified ?? this.env.index.types.get(t.segments[t.segments.length - 1]));
    if (user?.kind === 'struct') {
      const f = user.fields.find((x) => x.name === field);
      if (!f) {
        return UNKNOWN;
      }
      const map = new Map<string, Ty>();
      user.params.forEach((p, i) => {
        const fallback = user.defaults?.[i];
        const written = t.k === 'adt' ? t.args[i] : undefined;
        map.set(p, written ?? (fallback ? substitute(fallback, map) : UNKNOWN));
      });
      return substitute(f.ty, map);
    }
    return dependencyStructField(t, field, this.env.dependencyType) ?? UNKNOWN;
  }

  awaitOutput(fut: Ty): Ty {
    if (fut.k === 'future') {
      return this.env.futureOutput(fut.id) ?? UNKNOWN;
    }
    if (fut.k === 'param') {
      return this.env.paramFutureOutput?.(fut.name) ?? UNKNOWN;
    }
    const t = peelRefs(fut);
    if (isAdt(t, 'Pin', 'Box')) {
      return this.awaitOutput(typeArg(t));
    }
    if (t.k === 'dyn' && t.output) {
      return t.output;
    }
    if (isAdt(t, 'Ready')) {
      return typeArg(t);
    }
    return (
      opaqueFutureOutput(t) ??
      this.projectedOutput(fut, 'Future') ??
      streamCombinatorOutput(t, this.env.index) ??
      UNKNOWN
    );
  }

  /** A projection's or the crate's own type's `Output` through a std trait (`projections.ts`). */
  private projectedOutput(ty: Ty, trait: 'Future' | 'Try'): Ty | null {
    return projectedThrough(ty, trait, 'Output', (name) => this.env.index.types.has(name));
  }

  /** Whether `name!` is the crate's macro `CRATE_BOOL_MACROS` models (see there). */
  private isCrateBoolMacro(node: SyntaxNode, name: string): boolean {
    const path =
      node
        .childForFieldName('macro')
        ?.text.split('::')
        .map((s) => s.trim()) ?? [];
    const head = path.length > 1 ? path[0] : this.env.index.uses.get(name)?.[0];
    return head !== undefined && CRATE_BOOL_MACROS.get(name) === head;
  }

  private macroType(node: SyntaxNode): Ty {
    const name = node.childForFieldName('macro')?.text.split('::').pop() ?? '';
    switch (name) {
      case 'format':
        return STRING;
      case 'vec': {
        return adt('Vec', UNKNOWN);
      }
      case 'matches':
        return BOOL;
      case 'log_enabled':
        return this.isCrateBoolMacro(node, name) ? BOOL : UNKNOWN;
      case 'concat':
      case 'stringify':
      case 'file':
      case 'env':
      case 'include_str':
        return STR_REF;
      case 'line':
      case 'column':
        return prim('u32');
      case 'format_args':
        return adt('fmt::Arguments');
      case 'pin':
        return adt('Pin', ref(UNKNOWN, true));
      case 'panic':
      case 'unreachable':
      case 'todo':
      case 'unimplemented':
        return { k: 'never' };
      default:
        return UNKNOWN;
    }
  }

  private callType(node: SyntaxNode, depth: number): Ty {
    const fnNode = node.childForFieldName('function');
    if (!fnNode) {
      return UNKNOWN;
    }
    const argList = node.childForFieldName('arguments');
    const args = argList ? valueChildren(argList) : [];
    const argTy = (i: number) => this.typeOf(args[i] ?? null, depth + 1);
    const generic = fnNode.type === 'generic_function';
    const callee = generic ? fnNode.childForFieldName('function') : fnNode;
    if (callee?.type === 'field_expression') {
      const recv = this.typeOf(callee.childForFieldName('value'), depth + 1);
      const method = callee.childForFieldName('field')?.text ?? '';
      const turbo = generic ? turbofish(fnNode, this.env) : [];
      const expected = this.env.expectedAwaitOutput?.(node);
      const result = this.methodType(recv, method, argTy, turbo, expected, args);
      if (method === 'map') {
        return this.valueMappedBy(result, recv, args[0], depth);
      }
      return method === 'map_err' ? this.errorMappedBy(result, args[0]) : result;
    }
    const turbo = generic ? turbofish(fnNode, this.env) : [];
    const segs = pathSegments(callee ?? fnNode);
    return this.pathCallType({ segs, last: segs[segs.length - 1], turbo, args, argTy });
  }

  private pathCallType(call: PathCall): Ty {
    const builtin = builtinCallType(call);
    if (builtin) {
      return builtin;
    }
    // A local of that name (a closure, a fn pointer) shadows any fn an import or glob brings.
    const shadowed = call.segs.length === 1 && this.env.localType(call.last) !== null;
    const dependency = shadowed
      ? null
      : dependencyCallType(
          {
            ...call,
            ...this.callableArguments(call.args, call.argTy),
            outputOf: (t) => this.awaitOutput(t),
          },
          this.env.index,
          this.env.dependencyFn,
        );
    if (dependency) {
      return dependency;
    }
    if (call.segs.length >= 2) {
      // Another crate's function: a std one of the same name says nothing of its type.
      if (callLeavesCrateAndStd(call.segs, this.env.index)) {
        return UNKNOWN;
      }
      const associated = this.associatedCallType(call);
      if (associated) {
        return associated;
      }
    }
    const local = call.segs.length === 1 ? this.unqualifiedCallType(call.last) : null;
    return local ?? this.freeFnCallType(call);
  }

  /** `Owner::f(..)`: a variant of this file's enum, a fn of its impls, or std's associated fn. */
  private associatedCallType(call: PathCall): Ty | null {
    const written = call.segs[call.segs.length - 2];
    const ty: Ty = written === 'Self' ? (this.env.scope.selfTy ?? UNKNOWN) : adt(written);
    const name = written === 'Self' ? (adtName(ty) ?? written) : written;
    const userEnum = this.env.index.types.get(name);
    if (userEnum?.kind === 'enum' && userEnum.variants.some((v) => v.name === call.last)) {
      return adt(name);
    }
    const list = this.env.index.methods.get(`${name}::${call.last}`) ?? [];
    if (list.length > 0) {
      const method =
        written === 'Self'
          ? methodOfType(list, ty, call.last, this.env.index)
          : associatedFnOf(list, call.segs.slice(0, -1), call.last, this.env);
      return method ? this.fnResult(method, ty) : UNKNOWN;
    }
    return stdAssociatedCallType(call, { written, name, ty }, this.env.index);
  }

  /** `Tuple(..)` of this file's struct, or `op(..)` of a local callable; null for anything else. */
  private unqualifiedCallType(name: string): Ty | null {
    if (this.env.index.types.get(name)?.kind === 'struct') {
      return adt(name);
    }
    const local = this.env.localType(name);
    if (!local) {
      return null;
    }
    // `op(x)` with `op: F` and `F: FnMut(u32) -> Fut`: the call yields a `Fut`.
    const callee = peelRefs(local);
    if (callee.k === 'asyncClosure') {
      return callee.future;
    }
    const closureOutput = this.env.localCallOutput?.(name);
    if (closureOutput) {
      return closureOutput;
    }
    if (callee.k !== 'param') {
      return UNKNOWN;
    }
    const output = this.env.callableOutput?.(callee.name);
    if (output === 'async') {
      return { k: 'param', name: `${callee.name}::Output` };
    }
    return output ?? UNKNOWN;
  }

  /**
   * The types a closure passed as an argument is called with, from the callee's `F: Fn(A) -> R`
   * bound (`server::http(move |req| ..)` with `F: Fn(Request<Body>) -> Fut`), as rustc infers an
   * unannotated closure parameter; undefined where that is not known (a generic one).
   */
  closureParamTypes(closure: SyntaxNode): (Ty | undefined)[] {
    const args = closure.parent;
    const call = args?.parent;
    if (args?.type !== 'arguments' || call?.type !== 'call_expression') {
      return [];
    }
    const position = valueChildren(args).findIndex((c) => c.id === closure.id);
    const fn = this.calleeOf(call);
    const declared = fn?.params.filter((p) => !p.isSelf)[position]?.ty;
    if (!fn || declared?.k !== 'param') {
      return [];
    }
    const inputs = fn.callableParams?.get(declared.name) ?? [];
    return inputs.map((t) => (hasUnknown(t) ? undefined : t));
  }

  /**
   * The declared type of the crate's fn's parameter that `arg`, an argument of a call, is passed
   * for (in the callee's own terms: its generics are left as parameters); null when the callee
   * is not the crate's fn or the node is no argument. Another crate's method's parameter is
   * given only when it names no path (`&[&(dyn ToSql + Sync)]`): a path there is read in that
   * crate, a generic is that method's.
   */
  parameterTypeOf(arg: SyntaxNode): Ty | null {
    const args = arg.parent;
    const call = args?.parent;
    if (args?.type !== 'arguments' || call?.type !== 'call_expression') {
      return null;
    }
    const position = valueChildren(args).findIndex((c) => c.id === arg.id);
    const fn = this.calleeOf(call);
    const callee = call.childForFieldName('function');
    const method = callee?.type === 'field_expression';
    if (!fn && method) {
      const recv = this.typeOf(callee.childForFieldName('value'));
      const name = callee.childForFieldName('field')?.text ?? '';
      const foreign = this.dependencyMethodParams(recv, name)?.[position];
      return foreign && namesNoPath(foreign) ? foreign : null;
    }
    const params = method ? fn?.params.filter((p) => !p.isSelf) : fn?.params;
    return params?.[position]?.ty ?? null;
  }

  /** The crate's fn or method a call names, read as `callType` reads it; null if none. */
  private calleeOf(call: SyntaxNode): FnInfo | null {
    const fnNode = call.childForFieldName('function');
    const callee =
      fnNode?.type === 'generic_function' ? fnNode.childForFieldName('function') : fnNode;
    if (!callee) {
      return null;
    }
    const index = this.env.index;
    if (callee.type === 'field_expression') {
      // Only on a receiver whose type is known: a bare method name could be anyone's.
      const recv = this.typeOf(callee.childForFieldName('value'));
      const method = callee.childForFieldName('field')?.text ?? '';
      return peelRefs(recv).k === 'adt' ? findMethod(recv, method, index) : null;
    }
    const segs = pathSegments(callee);
    const last = segs[segs.length - 1];
    if (segs.length >= 2) {
      if (callLeavesCrateAndStd(segs, index)) {
        return null;
      }
      const owner = segs[segs.length - 2];
      const name = owner === 'Self' ? adtName(this.env.scope.selfTy ?? UNKNOWN) : owner;
      const method = index.methods.get(`${name}::${last}`)?.[0];
      if (method) {
        return method;
      }
    } else if (this.env.localType(last)) {
      return null;
    }
    const fns = index.fns.get(last);
    if (!fns?.length) {
      return null;
    }
    // `use tokio::spawn;` then `spawn(..)`: only a crate fn the import leads to is the callee.
    const imported = segs.length === 1 && index.uses.has(last);
    return fns.length === 1 && !imported ? fns[0] : calledFn(fns, segs, this.env);
  }

  /**
   * The method of another crate's extension trait the file imports (`use tokio::io::AsyncReadExt`
   * for `s.read_exact(..)` on a type with no inherent method of that name). Only where rustc
   * could pick no other: one imported trait declares it, no std prelude trait has a method of
   * that name, the file imports no std trait that might (`std::io::Read`) and no other crate's
   * module by glob, and the crate declares no trait method of that name.
   */
  private extensionMethod(method: string): ForeignFn | null {
    if (!this.extensionMethods.has(method)) {
      this.extensionMethods.set(method, this.extensionMethodUncached(method));
    }
    return this.extensionMethods.get(method)!;
  }

  /** `extensionMethod`'s answers: the file's imports do not change while it is typed. */
  private readonly extensionMethods = new Map<string, ForeignFn | null>();

  private extensionMethodUncached(method: string): ForeignFn | null {
    const index = this.env.index;
    const lookup = this.env.dependencyFn;
    if (!lookup || PRELUDE_TRAIT_METHODS.has(method) || this.ownTraitMethods().has(method)) {
      return null;
    }
    const outsideGlob = index.globImports.some((g) => !['self', 'super', 'crate'].includes(g[0]));
    const uses = [...index.uses.values()];
    if (outsideGlob || uses.some((p) => STD_ROOTS.has(p[0]) && STD_METHOD_TRAITS.has(p.at(-1)!))) {
      return null;
    }
    const found = new Map<string, ForeignFn>();
    for (const path of uses) {
      const fn = path.length >= 2 && !STD_ROOTS.has(path[0]) ? lookup([...path, method]) : null;
      if (fn?.fn.hasSelf) {
        found.set(fn.fn.path, fn);
      }
    }
    return found.size === 1 ? [...found.values()][0] : null;
  }

  /** The names of the methods the crate's own traits declare. */
  private ownTraitMethods(): Set<string> {
    if (!this.traitMethodNames) {
      this.traitMethodNames = new Set(
        [...this.env.index.byNode.values()]
          .filter((f) => f.selfTy?.k === 'param' && f.selfTy.name === 'Self')
          .map((f) => f.name),
      );
    }
    return this.traitMethodNames;
  }

  private traitMethodNames: Set<string> | undefined;

  /** A fn of this file, its generics bound by the turbofish, then by the arguments. */
  private freeFnCallType({ segs, last, turbo, args, argTy }: PathCall): Ty {
    const fns = this.env.index.fns.get(last);
    if (!fns?.length) {
      return UNKNOWN;
    }
    const fn = fns.length === 1 ? fns[0] : calledFn(fns, segs, this.env);
    if (!fn) {
      // Several fns of the crate have this name and the path does not say which: any size
      // taken from one of them could be another's.
      return { k: 'unknown', text: `${segs.join('::')}() (${fns.length} fns named \`${last}\`)` };
    }
    const map = new Map<string, Ty>();
    fn.generics.forEach((g, i) => {
      if (turbo[i]) {
        map.set(g, turbo[i]);
      }
    });
    // A projection of the caller's parameter (`A::Future`) is known in the caller's instances.
    const params = fn.isAsync || hasProjection(fn.ret);
    fn.params.forEach((p, i) => bindGenerics(p.ty, argTy(i), map, params));
    this.bindClosureOutputs(fn, args, map);
    if (fn.isAsync) {
      return unsizedLeftGeneric(fn, map) ?? this.env.futureOfFn(fn, map);
    }
    return this.resultOf(fn, map);
  }

  /** A non-async fn's result for this call: what its body returns where the signature hides it. */
  private resultOf(fn: FnInfo, map: Map<string, Ty>): Ty {
    return (
      this.returnedFuture(fn) ??
      this.wrappedFuture(fn, map) ??
      this.opaqueTail(fn, map) ??
      substitute(fn.ret, map)
    );
  }

  /** A fn's `-> impl Iterator` result as its body's value (see `opaqueTail.ts`). */
  private opaqueTail(fn: FnInfo, map: Map<string, Ty>): Ty | null {
    const env = this.env;
    return opaqueTailType(fn, map, (tail, tailFn, locals) => {
      const inner: InferEnv = {
        index: env.index,
        scope: { generics: new Set(tailFn.generics), selfTy: tailFn.selfTy },
        module: tailFn.module,
        localType: (name) => locals.get(name) ?? null,
        futureOfNode: (node) => capturelessClosure(node),
        futureOfFn: env.futureOfFn,
        futureOutput: env.futureOutput,
        dependencyFn: env.dependencyFn,
        dependencyMethod: env.dependencyMethod,
      };
      return new ExprTyper(inner).typeOf(tail);
    });
  }

  /**
   * Closures passed for `F: FnMut(..) -> Fut` parameters settle `Fut` (and `F::Output` for `AsyncFn`
   * bounds), so a generic retry helper awaiting `op(n)` is sized per call site.
   */
  private bindClosureOutputs(fn: FnInfo, args: SyntaxNode[], map: Map<string, Ty>): void {
    const params = fn.params.filter((p) => !p.isSelf);
    params.forEach((p, i) => {
      const declared = peelRefs(p.ty);
      const arg = args[i];
      if (declared.k !== 'param' || !arg) {
        return;
      }
      const item = p.ty.k === 'param' ? this.fnItemOf(arg) : null;
      if (item && !map.has(declared.name)) {
        // A fn item's type is zero-sized, with no drop glue, like `()` (rustc's
        // `fn() -> impl Future<Output = u32> {func1}`: 0 B).
        map.set(declared.name, UNIT);
      }
      const bound = fn.callableOutputs.get(declared.name);
      if (bound === 'async') {
        // Called through `AsyncFn`/`AsyncFnMut`, an async closure gives its by-reference body, whose
        // layout differs from the closure's own future (fixture 50: 168 B against 144 B): unknown.
        if (this.env.futureOfNode(arg)) {
          map.set(`${declared.name}::Output`, {
            k: 'unknown',
            text: 'the future of an async closure called through `AsyncFn*`',
          });
        }
      } else if (bound && bound.k === 'param' && !map.has(bound.name)) {
        const out = item ? this.fnItemOutput(item) : this.env.closureOutput?.(arg);
        if (out && out.k !== 'unknown') {
          map.set(bound.name, out);
        }
      } else if (bound) {
        // `impl FnMut() -> io::Result<R>` passed `|| Ok(buf.len())`: R = usize.
        const out = item ? this.fnItemOutput(item) : this.env.closureOutput?.(arg);
        if (out && out.k !== 'unknown') {
          bindGenerics(bound, out, map);
        }
      }
    });
  }

  /**
   * The crate's non-generic free fn an argument names (`get_or_init(func1)`), passed as a value
   * of a generic parameter; null for a local, another crate's path, or a generic fn.
   */
  private fnItemOf(arg: SyntaxNode): FnInfo | null {
    if (arg.type !== 'identifier' && arg.type !== 'scoped_identifier') {
      return null;
    }
    const segs = pathSegments(arg);
    const last = segs[segs.length - 1];
    if (segs.length === 1 && this.env.localType(last) !== null) {
      return null;
    }
    const head = this.env.index.uses.get(segs[0])?.[0] ?? (segs.length > 1 ? segs[0] : 'self');
    if (!['crate', 'self', 'super'].includes(head)) {
      return null;
    }
    const fns = this.env.index.fns.get(last) ?? [];
    const fn = fns.length === 1 ? fns[0] : fns.length > 1 ? calledFn(fns, segs, this.env) : null;
    return fn && !fn.selfTy && fn.generics.length === 0 && !fn.inBody ? fn : null;
  }

  /**
   * Another crate's fn's arguments as its generics read them: a fn item of the crate is a
   * zero-sized value (see `bindClosureOutputs`), and a closure or fn item gives what calling it
   * returns.
   */
  private callableArguments(
    args: SyntaxNode[],
    argTy: (i: number) => Ty,
  ): { argTy: (i: number) => Ty; argOutput: (i: number) => Ty | undefined } {
    const items = args.map((a) => this.fnItemOf(a));
    return {
      argTy: (i) => (items[i] ? UNIT : argTy(i)),
      argOutput: (i) => {
        const item = items[i];
        return item ? this.fnItemOutput(item) : args[i] && this.env.closureOutput?.(args[i]);
      },
    };
  }

  /** What calling a fn item gives: an async fn's future, else its (non-generic) result. */
  private fnItemOutput(fn: FnInfo): Ty {
    return fn.isAsync ? this.env.futureOfFn(fn, new Map()) : this.resultOf(fn, new Map());
  }

  private fnResult(fn: FnInfo, selfTy: Ty, argTy?: (i: number) => Ty, args?: SyntaxNode[]): Ty {
    const map = new Map<string, Ty>();
    // A projection of the caller's parameter (`A::Future`) is known in the caller's instances.
    const params = fn.isAsync || hasProjection(fn.ret);
    // `impl<T> Rx<T>` called on an `Rx<Job>`: T = Job.
    if (fn.selfTy) {
      bindGenerics(fn.selfTy, selfTy, map, params);
    }
    if (argTy) {
      fn.params
        .filter((p) => !p.isSelf)
        .forEach((p, i) => bindGenerics(p.ty, argTy(i), map, params));
    }
    if (args) {
      this.bindClosureOutputs(fn, args, map);
    }
    if (fn.isAsync) {
      return unsizedLeftGeneric(fn, map) ?? this.env.futureOfFn(fn, map);
    }
    map.set('Self', selfTy);
    return this.resultOf(fn, map);
  }

  /**
   * `fn f() -> Result<impl Future<..>, E> { ..; Ok(async move { .. }) }` (hyper's `connect`): the
   * `impl` is that block's future, the rest of the result as declared.
   */
  private wrappedFuture(fn: FnInfo, map: Map<string, Ty>): Ty | null {
    const ret = fn.ret;
    if (ret.k !== 'adt' || !isAdt(ret, 'Result', 'Option') || !isOpaqueFuture(ret.args[0])) {
      return null;
    }
    const tail = bodyTail(fn.body);
    const wrapper = isAdt(ret, 'Result') ? 'Ok' : 'Some';
    const args = tail?.type === 'call_expression' ? tail.childForFieldName('arguments') : null;
    const wrapped = args?.namedChildren.filter((c) => c && !isComment(c)) ?? [];
    if (tail?.childForFieldName('function')?.text !== wrapper || wrapped.length !== 1) {
      return null;
    }
    const block = wrapped[0]?.type === 'async_block' ? this.env.futureOfNode(wrapped[0]) : null;
    if (!block) {
      return null;
    }
    const rest = ret.args.slice(1).map((a) => substitute(a, map));
    return { ...ret, args: [block, ...rest] };
  }

  /** `fn f() -> impl Future<..> { ..; async move { .. } }`: the future is that block's. */
  private returnedFuture(fn: FnInfo): Ty | null {
    if (!isOpaqueFuture(fn.ret)) {
      return null;
    }
    const tail = fn.body?.namedChildren
      .filter((c) => c && c.type !== 'line_comment' && c.type !== 'block_comment')
      .pop();
    const block =
      tail?.type === 'async_block'
        ? tail
        : tail?.type === 'expression_statement' && tail.namedChildren[0]?.type === 'async_block'
          ? tail.namedChildren[0]
          : null;
    return block ? this.env.futureOfNode(block) : null;
  }

  /**
   * A method call's type: the file's own method for the receiver (also through `Box`, `Arc`, guard
   * derefs), else what the std method table (`methodSignatures.ts`) says.
   */
  methodType(
    recvTy: Ty,
    method: string,
    argTy: (i: number) => Ty,
    turbo: Ty[] = [],
    expected?: Ty,
    args?: SyntaxNode[],
  ): Ty {
    const recv = peelRefs(recvTy);
    const foreign = this.env.dependencyMethod?.(recv, method);
    if (recv.k === 'adt' && foreign && foreign !== 'unknown' && foreign.fn.selfKind) {
      const callable = this.callableArguments(args ?? [], argTy);
      return dependencyMethodType(
        recv,
        foreign,
        callable.argTy,
        turbo,
        this.env.index,
        callable.argOutput,
      );
    }
    const user = findMethod(recvTy, method, this.env.index);
    if (user) {
      return this.fnResult(user, peelRefs(recvTy), argTy, args);
    }
    const bound = boundMethod(recvTy, method, this.env);
    if (bound) {
      return bound.ret;
    }
    let t = peelRefs(recvTy);
    // `guard.clone()` clones the value: std's guards are not `Clone` (`Ref::clone` is an associated
    // fn), so the call derefs as any other method does; a `Box`, `Rc` or `Arc` clones itself.
    while (
      isAdt(t, ...DEREFS_TO_TYPE_ARG) &&
      !(method === 'clone' && isAdt(t, 'Box', 'Rc', 'Arc'))
    ) {
      const deref = peelRefs(typeArg(t));
      // `sem.acquire()` on an `Arc<Semaphore>`: another crate's method, through the pointer.
      const foreignViaDeref = this.env.dependencyMethod?.(deref, method);
      if (deref.k === 'adt' && foreignViaDeref && foreignViaDeref !== 'unknown') {
        if (foreignViaDeref.fn.selfKind) {
          return dependencyMethodType(deref, foreignViaDeref, argTy, turbo);
        }
      }
      const viaDeref = findMethod(deref, method, this.env.index);
      if (viaDeref) {
        return this.fnResult(viaDeref, deref);
      }
      t = deref;
    }
    if (t.k === 'adt' && t.origin === 'dependency') {
      // Another crate's type: std's method of that name says nothing of it (`Sender::send`).
      const extension = foreign === 'unknown' ? this.extensionMethod(method) : null;
      if (extension && recv.k === 'adt') {
        return dependencyMethodType(recv, extension, argTy, turbo);
      }
      if (method === 'to_string' && foreign === 'unknown') {
        // No inherent method by that name beside the type: `ToString`'s, a `String` in every impl.
        return adt('String');
      }
      return method === 'clone' ? t : UNKNOWN;
    }
    const call = { receiver: t, receiverAsWritten: recvTy, argTy, turbofish: turbo };
    const std = stdMethodResult(method, call);
    if (std.k !== 'unknown') {
      return std;
    }
    return this.ownExtensionCall(t, method, { argTy, turbo, expected }) ?? std;
  }

  /**
   * `option.map(ChannelBinding::tls_server_end_point)` with a fn named by its path: std's
   * `Option<U>` (`Result<U, E>`) of what calling it with the value gives, read as a call of
   * that path is (the crate's fn, another crate's); left as it was when that is not known.
   */
  private valueMappedBy(result: Ty, recvTy: Ty, mapper: SyntaxNode | undefined, depth: number): Ty {
    const recv = peelRefs(recvTy);
    const option = isAdt(recv, 'Option') && isStdPath(recv);
    if (!(option || (isAdt(recv, 'Result') && isStdPath(recv))) || recv.k !== 'adt') {
      return result;
    }
    if (result.k !== 'unknown' || !recv.args[0] || recv.args[0].k === 'unknown') {
      return result;
    }
    if (mapper?.type !== 'identifier' && mapper?.type !== 'scoped_identifier') {
      return result;
    }
    if (mapper.type === 'identifier' && this.env.localType(mapper.text)) {
      return result;
    }
    const segs = pathSegments(mapper);
    const value = recv.args[0];
    const call: PathCall = {
      segs,
      last: segs[segs.length - 1],
      turbo: [],
      args: [],
      argTy: (i) => (i === 0 ? value : UNKNOWN),
    };
    // A path through another crate's module (`sasl::ChannelBinding::..`) is that crate's fn,
    // even where the crate has a type of the same name: only the dependency answers.
    const head = this.env.index.uses.get(segs[0]);
    const external = segs.length >= 2 && head && head[0] !== 'crate' && !STD_ROOTS.has(head[0]);
    const mapped = external
      ? (dependencyCallType(
          { ...call, outputOf: (t) => this.awaitOutput(t) },
          this.env.index,
          this.env.dependencyFn,
        ) ?? UNKNOWN)
      : this.pathCallType(call);
    if (mapped.k === 'unknown' || mapped.k === 'future' || depth > MAX_MAP_DEPTH) {
      return result;
    }
    return option ? { ...recv, args: [mapped] } : { ...recv, args: [mapped, recv.args[1]] };
  }

  /**
   * `result.map_err(Error::io)` with a fn of the crate named: std's `Result<T, _>` takes that
   * fn's declared result as its error (a generic or async one says nothing here).
   */
  private errorMappedBy(result: Ty, mapper: SyntaxNode | undefined): Ty {
    if (!isAdt(result, 'Result') || result.k !== 'adt' || result.args[1]?.k !== 'unknown') {
      return result;
    }
    if (mapper?.type !== 'identifier' && mapper?.type !== 'scoped_identifier') {
      return result;
    }
    const segs = pathSegments(mapper);
    const index = this.env.index;
    const candidates =
      segs.length === 1
        ? index.fns.get(segs[0])
        : segs.length === 2
          ? index.methods.get(segs.join('::'))
          : undefined;
    const fn = candidates?.length === 1 ? candidates[0] : null;
    if (!fn || fn.isAsync || fn.generics.length > 0 || fn.selfKind || hasUnknown(fn.ret)) {
      return result;
    }
    return { ...result, args: [result.args[0], fn.ret] };
  }

  /**
   * The parameter types (after `self`) of another crate's method a call resolves to, as its
   * crate writes them (`AsyncReadExt::read_exact`'s `&mut [u8]`), the same method `methodType`
   * reads; null when the call is not to one.
   */
  dependencyMethodParams(recvTy: Ty, method: string): Ty[] | null {
    const recv = peelRefs(recvTy);
    const foreign = this.env.dependencyMethod?.(recv, method);
    if (recv.k === 'adt' && foreign && foreign !== 'unknown') {
      return foreign.fn.selfKind ? foreign.fn.params : null;
    }
    if (findMethod(recvTy, method, this.env.index) || boundMethod(recvTy, method, this.env)) {
      return null;
    }
    const dependencyType = recv.k === 'adt' && recv.origin === 'dependency';
    const own = recv.k === 'adt' && !recv.origin && this.env.index.types.has(recv.segments[0]);
    if (!(dependencyType ? foreign === 'unknown' : own || recv.k === 'param')) {
      return null;
    }
    const extension = this.extensionMethod(method);
    const trait = extension && traitImportOf(extension, this.env.index);
    const named = trait && this.env.dependencyType?.(trait);
    if (!dependencyType && (!trait || named?.kind === 'type' || named?.kind === 'std')) {
      return null;
    }
    return extension?.fn.hasSelf ? extension.fn.params : null;
  }

  /**
   * A method of an extension trait another crate implements for every type of a bound
   * (`stream.send(msg)` on the crate's own `Sink` after `use futures_util::SinkExt`,
   * `s.write_all(&buf)` on an `S: AsyncWrite`): its combinator, with `Self` the receiver. Only
   * a trait the file imports by name (not a type's inherent method), the one import that has it;
   * null otherwise.
   */
  private ownExtensionCall(
    written: Ty,
    method: string,
    call: { argTy: (i: number) => Ty; turbo: Ty[]; expected?: Ty },
  ): Ty | null {
    const recv = ownTypesByName(written, this.env.index);
    const own = recv.k === 'adt' && !recv.origin && this.env.index.types.has(recv.segments[0]);
    // `rows.try_next()` on a `Pin<&mut RowStream>`: the extension trait's `Self` is the pointer.
    const pinned = pinnedOwn(recv, (n) => this.env.index.types.has(n));
    if (!(own || pinned || recv.k === 'param')) {
      return null;
    }
    const extension = this.extensionMethod(method);
    const trait = extension && traitImportOf(extension, this.env.index);
    // A path to a type (`use bytes::BytesMut`) gives that type's inherent methods, not a trait's.
    const named = trait && this.env.dependencyType?.(trait);
    if (!extension || !trait || named?.kind === 'type' || named?.kind === 'std') {
      return null;
    }
    // A collecting combinator's collection left to inference (`try_collect::<Vec<_>>()`).
    const settle = (ty: Ty) => settleCollection(ty, this.env.index, call.expected);
    return extensionMethodType(recv, extension, call.argTy, call.turbo, settle);
  }
}

/** `impl Future<..>` (also `impl IntoFuture`), as an item's signature writes it. */
function isOpaqueFuture(ty: Ty | undefined): boolean {
  return (
    ty?.k === 'unknown' && /^impl\s+(std::future::|core::future::)?(Into)?Future\b/.test(ty.text)
  );
}

function isComment(node: SyntaxNode): boolean {
  return node.type === 'line_comment' || node.type === 'block_comment';
}

/** The expression a fn body ends in (the last statement's, for `expr;`-less bodies), if any. */
function bodyTail(body: SyntaxNode | null | undefined): SyntaxNode | null {
  const last = body?.namedChildren.filter((c) => c && !isComment(c)).pop() ?? null;
  return last?.type === 'expression_statement' ? null : last;
}

/** The file's import of the trait a dependency's method is declared in (its path's owner). */
function traitImportOf(found: ForeignFn, index: ItemIndex): string[] | null {
  const owner = found.fn.path.split('::').at(-2);
  const imported = owner === undefined ? undefined : index.uses.get(owner);
  return imported && imported.at(-1) === owner ? imported : null;
}

/** A type made of std's shapes only (references, slices, `dyn`, primitives): read alike anywhere. */
function namesNoPath(ty: Ty): boolean {
  switch (ty.k) {
    case 'prim':
    case 'str':
    case 'dyn':
      return true;
    case 'ref':
    case 'ptr':
      return namesNoPath(ty.inner);
    case 'slice':
    case 'array':
      return namesNoPath(ty.elem);
    case 'tuple':
      return ty.elems.every(namesNoPath);
    default:
      return false;
  }
}

/**
 * The std range type a range expression builds, by which ends it writes: `a..b` `Range`, `a..`
 * `RangeFrom` (one `usize` for `0..`, not two), `..b` `RangeTo`, `..` `RangeFull`, `a..=b`
 * `RangeInclusive`, `..=b` `RangeToInclusive`.
 */
export function rangeTypeName(node: SyntaxNode): string {
  const op = node.children.findIndex((c) => c?.type === '..' || c?.type === '..=');
  const inclusive = node.children[op]?.type === '..=';
  const start = op > 0;
  const end = op >= 0 && op < node.children.length - 1;
  if (inclusive) {
    return start ? 'RangeInclusive' : 'RangeToInclusive';
  }
  return start
    ? end || endReadAsOperand(node)
      ? 'Range'
      : 'RangeFrom'
    : end
      ? 'RangeTo'
      : 'RangeFull';
}

/**
 * `0..*i` (or `0..-n`, `0..&x`) read by the grammar as `(0..) * i`: a `RangeFrom` has no such
 * operator, so the range's end is that operand.
 */
function endReadAsOperand(range: SyntaxNode): boolean {
  const parent = range.parent;
  const op = parent?.type === 'binary_expression' ? parent.childForFieldName('operator')?.text : '';
  return parent?.childForFieldName('left')?.id === range.id && ['*', '-', '&'].includes(op ?? '');
}
