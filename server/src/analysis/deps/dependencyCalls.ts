/**
 * The type of a call to a dependency's fn (`tokio::time::sleep(d)`, `timeout(d, fut)` after
 * `use tokio::time::timeout`): its declared result, read in the dependency's scope, with its
 * generic parameters bound by the turbofish or by the arguments passed for them. A hand-written
 * future awaited directly (`Sleep`, `Timeout<F>`) is then sized as its struct.
 */
import { ItemIndex, resolveWrittenPath } from '../items/items';
import { inScope } from '../types/layout';
import {
  PRELUDE_TYPES,
  STD_ROOTS,
  Ty,
  UNKNOWN,
  hasUnknown,
  mapTypeParts,
  substitute,
} from '../types/types';
import type { DependencyFn } from './crateModules';
import type { ForeignFn } from './dependencyTypes';
import { markedAsDependency as marked } from './dependencyMarks';
import { instanceArgs } from './instanceArguments';
import { withoutProjections } from '../types/projections';

export interface DependencyCall {
  /** The path as written (`tokio::time::sleep`, or `sleep` after a `use`). */
  segs: string[];
  turbo: Ty[];
  argTy: (i: number) => Ty;
  /** What the argument gives when called (a closure's body, a fn item's result), if known. */
  argOutput?: (i: number) => Ty | undefined;
  /** What awaiting a value of a type yields (`T::Output` of a `T: Future` bound to a future). */
  outputOf?: (ty: Ty) => Ty;
}

/**
 * The result type of the call, or null when the path is not a dependency's (non-async) fn. A
 * bare name the file also defines a fn or type of is not taken as the dependency's.
 */
export function dependencyCallType(
  call: DependencyCall,
  index: ItemIndex,
  lookup: ((path: string[]) => ForeignFn | null) | undefined,
): Ty | null {
  const last = call.segs[call.segs.length - 1];
  if (!lookup || (call.segs.length === 1 && (index.fns.has(last) || index.types.has(last)))) {
    return null;
  }
  const found =
    lookup(resolveWrittenPath(call.segs, index)) ?? throughGlob(call.segs, index, lookup);
  // A trait's method written as a path (`AsyncReadExt::read_exact(&mut s, ..)`) is not read here.
  if (!found || found.fn.hasSelf) {
    return null;
  }
  const { fn, scope } = found;
  const bound = boundGenerics(fn, call);
  if (bound === null) {
    return null;
  }
  bindCallableOutputs(found, call, bound);
  const ret = marked(inScope(fn.ret, scope));
  // A result not marked as the other crate's (std's path of a name the crate also has) would be
  // read as the crate's own type of that name; one marked is never taken for it.
  if (ret.k === 'adt' && !ret.origin && index.types.has(ret.segments[ret.segments.length - 1])) {
    return fn.isAsync ? found.futureOf(UNKNOWN) : null;
  }
  const projected = projectOutputs(ret, bound, call.outputOf);
  const result = settled(fn, substitute(projected, bound));
  if (!fn.isAsync) {
    return plainResult(found, bound, result);
  }
  return found.futureOf(result, instanceArgs(bound, fn.generics, index));
}

/** Path roots that lead into the crate itself. */
const LOCAL_ROOTS: ReadonlySet<string> = new Set(['crate', 'self', 'super']);

/**
 * A path whose first segment no `use` and no item of the crate names, read through the file's
 * glob imports of other crates (`sleep_until(when)`, `Instant::now()` after
 * `use tokio::time::*`): the one glob that has it, as rustc allows no two globs to give a name
 * that is used. Null when none or several do, or when the name may be std's prelude.
 */
function throughGlob(
  segs: string[],
  index: ItemIndex,
  lookup: (path: string[]) => ForeignFn | null,
): ForeignFn | null {
  const head = segs[0];
  if (
    index.uses.has(head) ||
    index.types.has(head) ||
    (segs.length === 1 && index.fns.has(head)) ||
    STD_ROOTS.has(head) ||
    PRELUDE_TYPES.has(head) ||
    LOCAL_ROOTS.has(head) ||
    head === 'Self'
  ) {
    return null;
  }
  const found = new Map<string, ForeignFn>();
  for (const glob of index.globImports) {
    if (glob.length === 0 || STD_ROOTS.has(glob[0]) || LOCAL_ROOTS.has(glob[0])) {
      continue;
    }
    const fn = lookup([...glob, ...segs]);
    if (fn) {
      found.set(fn.fn.path, fn);
    }
  }
  return found.size === 1 ? [...found.values()][0] : null;
}

/**
 * `T::Output` in a result (`tokio::spawn`'s `JoinHandle<T::Output>`), with `T` bound to a
 * future: what awaiting that future yields, unknown when that is not known.
 */
function projectOutputs(ty: Ty, bound: Map<string, Ty>, outputOf?: (ty: Ty) => Ty): Ty {
  switch (ty.k) {
    case 'adt': {
      const [owner, assoc] = ty.segments;
      if (ty.segments.length === 2 && assoc === 'Output' && bound.has(owner)) {
        return outputOf?.(bound.get(owner)!) ?? UNKNOWN;
      }
      return { ...ty, args: ty.args.map((a) => projectOutputs(a, bound, outputOf)) };
    }
    case 'unknown': {
      // `T::Output` as a projection (see `projections.ts`).
      const self = ty.proj?.self;
      if (ty.proj?.name === 'Output' && self?.k === 'param' && bound.has(self.name)) {
        return outputOf?.(bound.get(self.name)!) ?? UNKNOWN;
      }
      return ty;
    }
    case 'tuple':
      return { ...ty, elems: ty.elems.map((e) => projectOutputs(e, bound, outputOf)) };
    case 'ref':
    case 'ptr':
      return { ...ty, inner: projectOutputs(ty.inner, bound, outputOf) };
    default:
      return ty;
  }
}

/**
 * An associated fn's or method's result with a part not known (`JoinSet::new()`'s `T`) is not
 * known at all: a partly sized value would count where the liveness analysis keeps it longer
 * than rustc does (a temporary of a macro's match), and a lower bound must never exceed rustc's.
 */
function settled(fn: DependencyFn, result: Ty): Ty {
  const known = withoutCallerParams(withoutProjections(result));
  return fn.associated && hasUnknown(known) ? UNKNOWN : result;
}

/**
 * The caller's own type parameters (`Framed::new(stream, codec)` in a generic body, with
 * `stream: MaybeTlsStream<S, T>`) taken for known types: each instance knows them. The fn's own
 * generics are bound or unknown by then; `Self` is not the caller's.
 */
function withoutCallerParams(ty: Ty): Ty {
  return ty.k === 'param' && ty.name !== 'Self'
    ? { k: 'never' }
    : (mapTypeParts(ty, withoutCallerParams) ?? ty);
}

/**
 * The fn's generics bound by the turbofish (its own generics, after an impl's) and by the
 * arguments passed for them; null when the turbofish cannot be matched to them. An associated
 * fn's unbound generics are unknown: its impl's `T` is no parameter of the caller's.
 */
function boundGenerics(fn: DependencyFn, call: DependencyCall): Map<string, Ty> | null {
  const own = fn.generics.filter((g) => !fn.implGenerics.includes(g));
  const associated = fn.associated;
  if (associated && call.turbo.length > 0 && call.turbo.length !== own.length) {
    return null;
  }
  const bound = new Map<string, Ty>();
  own.forEach((g, i) => {
    if (call.turbo[i]) {
      bound.set(g, call.turbo[i]);
    }
  });
  fn.params.forEach((p, i) => {
    if (p.k === 'param') {
      if (fn.generics.includes(p.name) && !bound.has(p.name)) {
        bound.set(p.name, call.argTy(i));
      }
    } else {
      bindWithin(p, call.argTy(i), fn.generics, bound);
    }
  });
  if (associated) {
    for (const g of fn.generics) {
      if (!bound.has(g)) {
        bound.set(g, UNKNOWN);
      }
    }
  }
  return bound;
}

/**
 * A closure or fn item passed for `F: FnOnce() -> Fut` (`impl FnMut() -> io::Result<R>`): what
 * it returns binds the generics of that bound (`spawn_blocking(move || v.len())`: R = usize).
 */
function bindCallableOutputs(found: ForeignFn, call: DependencyCall, bound: Map<string, Ty>): void {
  const outputs = new Map(found.fn.callableOutputs ?? []);
  if (!call.argOutput || outputs.size === 0) {
    return;
  }
  // An associated fn's generics no argument bound are unknown by now: a closure may bind them.
  const open = new Set([...bound].filter(([, t]) => t.k === 'unknown').map(([g]) => g));
  open.forEach((g) => bound.delete(g));
  found.fn.params.forEach((p, i) => {
    const declared = p.k === 'param' ? outputs.get(p.name) : undefined;
    const out = declared && call.argOutput!(i);
    if (declared && out && out.k !== 'unknown') {
      bindOutput(marked(inScope(declared, found.scope)), out, found.fn.generics, bound);
    }
  });
  open.forEach((g) => bound.has(g) || bound.set(g, UNKNOWN));
}

/** `bindWithin`, also through a type's arguments (`io::Result<R>` and `Result<usize, Error>`). */
function bindOutput(declared: Ty, actual: Ty, generics: string[], bound: Map<string, Ty>): void {
  const name = (t: Ty & { k: 'adt' }) => t.segments[t.segments.length - 1];
  if (declared.k === 'adt' && actual.k === 'adt' && name(declared) === name(actual)) {
    declared.args.forEach(
      (d, i) => actual.args[i] && bindOutput(d, actual.args[i], generics, bound),
    );
    return;
  }
  bindWithin(declared, actual, generics, bound);
}

/**
 * Generics that sit inside a parameter's declared type, bound to the matching part of the
 * argument's type: `statement: &T` passed a `&str` makes `T = str` (a generic parameter takes
 * the argument's type as it is, with no deref coercion), `&[T]` passed a `&[u8; 4]` makes
 * `T = u8` (the one unsizing coercion). Nothing is bound where the argument's type is not known
 * or has another shape.
 */
function bindWithin(declared: Ty, actual: Ty, generics: string[], bound: Map<string, Ty>): void {
  if (actual.k === 'unknown') {
    return;
  }
  switch (declared.k) {
    case 'param':
      if (generics.includes(declared.name) && !bound.has(declared.name)) {
        bound.set(declared.name, actual);
      }
      return;
    case 'ref':
      // `&mut x` passed for a `&T` is reborrowed shared: the pointee is the same.
      if (actual.k === 'ref' && (actual.mut || !declared.mut)) {
        bindWithin(declared.inner, actual.inner, generics, bound);
      }
      return;
    case 'ptr':
      if (actual.k === 'ptr') {
        bindWithin(declared.inner, actual.inner, generics, bound);
      }
      return;
    case 'slice':
      if (actual.k === 'slice' || actual.k === 'array') {
        bindWithin(declared.elem, actual.elem, generics, bound);
      }
      return;
    case 'array':
      if (actual.k === 'array' && actual.len === declared.len) {
        bindWithin(declared.elem, actual.elem, generics, bound);
      }
      return;
    case 'tuple':
      if (actual.k === 'tuple' && actual.elems.length === declared.elems.length) {
        declared.elems.forEach((d, i) => bindWithin(d, actual.elems[i], generics, bound));
      }
      return;
    default:
      return;
  }
}

/**
 * The result type of `recv.method(..)` for another crate's method: the impl's generics bound by
 * the receiver's type arguments, the method's own by the turbofish and arguments. `index`: the
 * caller's items, which an async method's future is sized per instance with.
 */
export function dependencyMethodType(
  recv: Ty & { k: 'adt' },
  found: ForeignFn,
  argTy: (i: number) => Ty,
  turbo: Ty[],
  index?: ItemIndex,
  argOutput?: (i: number) => Ty | undefined,
): Ty {
  const { fn, scope } = found;
  const bound = boundGenerics(fn, { segs: [], turbo, argTy });
  if (bound === null) {
    return UNKNOWN;
  }
  bindCallableOutputs(found, { segs: [], turbo, argTy, argOutput }, bound);
  fn.selfArgs.forEach((arg, i) => {
    if (arg.k === 'param') {
      bound.set(arg.name, recv.args[i] ?? UNKNOWN);
    }
  });
  // A trait's method (`ReadExact<'a, Self>`): `Self` is the receiver's type.
  bound.set('Self', recv);
  const result = settled(fn, substitute(marked(inScope(fn.ret, scope)), bound));
  if (!fn.isAsync) {
    return plainResult(found, bound, result);
  }
  // Without the caller's items, its own types cannot be told from std's: sized generically.
  return found.futureOf(result, index ? instanceArgs(bound, fn.generics, index) : undefined);
}

/**
 * The result of an extension trait's method of another crate (`SinkExt::send`,
 * `AsyncWriteExt::write_all`) called on the caller's own type or type parameter: its declared
 * combinator (`Send<'_, Self, Item>`) with `Self` the receiver and the trait's own parameters
 * (`Item`, read as a bare name) the types of the arguments passed for them. The caller's type
 * parameters stay, for its instances to substitute; anything else not known makes it unknown.
 */
export function extensionMethodType(
  recv: Ty,
  found: ForeignFn,
  argTy: (i: number) => Ty,
  turbo: Ty[],
  settle?: (result: Ty) => Ty,
): Ty {
  const { fn, scope } = found;
  if (fn.isAsync || fn.ret.k === 'unknown' || fn.selfArgs.length > 0) {
    return UNKNOWN;
  }
  const bound = methodGenerics(fn, turbo, argTy);
  if (bound === null) {
    return UNKNOWN;
  }
  bound.set('Self', recv);
  const traitParams = new Map<string, Ty>();
  fn.params.forEach((p, i) => {
    if (p.k === 'adt' && p.segments.length === 1 && p.args.length === 0 && mentions(fn.ret, p)) {
      traitParams.set(p.segments[0], argTy(i));
    }
  });
  // The caller's types are read in its own scope, not the trait's crate's.
  const declared = substituteNames(marked(inScope(fn.ret, scope)), traitParams);
  const substituted = substitute(declared, bound);
  const result = settle ? settle(substituted) : substituted;
  return hasUnknown(withoutParams(withoutProjections(result))) ? UNKNOWN : expanded(found, result);
}

/**
 * A trait method's own generics bound by the turbofish (`try_collect::<Vec<_>>()`, holes kept
 * for the caller to settle) and by the arguments; those neither binds are holes too, never the
 * caller's parameters of the same name. Null when the turbofish does not fit them.
 */
function methodGenerics(
  fn: DependencyFn,
  turbo: Ty[],
  argTy: (i: number) => Ty,
): Map<string, Ty> | null {
  const own = fn.generics.filter((g) => !fn.implGenerics.includes(g));
  if (turbo.length > 0 && turbo.length !== own.length) {
    return null;
  }
  const bound = boundGenerics(fn, { segs: [], turbo, argTy });
  for (const g of own) {
    if (bound && !bound.has(g)) {
      bound.set(g, UNKNOWN);
    }
  }
  return bound;
}

/** Whether a bare type name (a trait's parameter, `Item`) is an argument of the type. */
function mentions(ty: Ty, name: Ty & { k: 'adt' }): boolean {
  return ty.k === 'adt' && ty.args.some((a) => JSON.stringify(a) === JSON.stringify(name));
}

/** The type's bare names replaced by the given types (a trait's parameters, by name). */
function substituteNames(ty: Ty, names: ReadonlyMap<string, Ty>): Ty {
  if (ty.k === 'adt' && ty.segments.length === 1 && names.has(ty.segments[0])) {
    return names.get(ty.segments[0])!;
  }
  return mapTypeParts(ty, (t) => substituteNames(t, names)) ?? ty;
}

/** The type with the caller's parameters taken as known (its instances bind them). */
function withoutParams(ty: Ty): Ty {
  return ty.k === 'param' ? { k: 'never' } : (mapTypeParts(ty, withoutParams) ?? ty);
}

/** A non-async fn's result: the type behind an `impl Future`, else the declared one. */
function plainResult(found: ForeignFn, bound: Map<string, Ty>, result: Ty): Ty {
  return opaqueResult(found, bound) ?? expanded(found, result);
}

/** A result of another crate's alias of a std type, as that std type (std's methods apply). */
function expanded(found: ForeignFn, result: Ty): Ty {
  return found.expandAlias ? marked(found.expandAlias(result)) : result;
}

/**
 * What awaiting each opaque result type yields (its `Future::Output`, by the type's JSON): a
 * type's `Output` is the same wherever it is met, so the first call that names it says.
 */
const opaqueOutputs = new Map<string, Ty>();
const MAX_OPAQUE_OUTPUTS = 4096;

/**
 * A `-> impl Future<..>` fn's result as the type its body returns (`RequestBuilder::send`'s
 * `Pending`), sized as that struct when awaited; null when its body does not say.
 */
function opaqueResult(found: ForeignFn, bound: Map<string, Ty>): Ty | null {
  if (found.fn.ret.k !== 'unknown') {
    return null;
  }
  const opaque = found.opaqueType?.();
  if (!opaque) {
    return null;
  }
  const type = marked(opaque.type);
  const output = opaque.output && expanded(found, substitute(marked(opaque.output), bound));
  if (output && !hasUnknown(output)) {
    if (opaqueOutputs.size >= MAX_OPAQUE_OUTPUTS) {
      opaqueOutputs.clear();
    }
    opaqueOutputs.set(JSON.stringify(type), output);
  }
  return type;
}

/** What awaiting another crate's opaque result type yields, when a call named it (see above). */
export function opaqueFutureOutput(ty: Ty): Ty | null {
  return ty.k === 'adt' && ty.origin === 'dependency'
    ? (opaqueOutputs.get(JSON.stringify(ty)) ?? null)
    : null;
}
