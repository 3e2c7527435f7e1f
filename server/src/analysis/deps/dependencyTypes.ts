/**
 * Resolves type paths across the crate graph, as rustc does for the paths that name types:
 * `tokio::net::TcpStream` through tokio's `pub use` re-exports (globs too) to the struct it
 * names, read in tokio's own scope. Each dependency's items are indexed on first use (see
 * `crateModules.ts`) and kept for the process, per package and features.
 *
 * Paths inside a dependency's items carry a scope (`Ty.scope`: the package and module they are
 * written in), so a field's `Inner` is tokio's `Inner`, never the analysed crate's nor std's.
 */
import { ForeignType, Layout, UserType, inScope } from '../types/layout';
import { PRELUDE_TYPES, STD_ROOTS, Ty, hasUnknown, showTy, substitute } from '../types/types';
import { CrateModules, DependencyFn, moduleKey } from './crateModules';
import { traitImplMethodName } from './traitImplMethods';
import { markedAsDependency } from './dependencyMarks';

/** Types and modules are looked up in one namespace, fns in the other (as rustc does). */
type Namespace = 'type' | 'value';

/** A dependency's fn a path names, with the scope its signature's paths are read in. */
export interface ForeignFn {
  fn: DependencyFn;
  scope: string;
  /**
   * For an async fn: its future, awaited as yielding `output` (its declared result, generics
   * bound), sized by the engine in its own crate (`futureLayout`); its label names crate and fn.
   * `args`: the caller's known type arguments (`instanceArgs`), for which a generic fn's future
   * is sized as that instance.
   */
  futureOf(output: Ty, args?: InstanceArgs): Ty;
  /**
   * For a `-> impl Trait` fn: the type its body returns (read in its own crate, see
   * `opaqueReturns.ts`) and the declared `Future::Output`, both in the fn's scope; null when the
   * body does not say.
   */
  opaqueType?(): { type: Ty; output: Ty | null } | null;
  /** A result type with another crate's alias of a std type written out (`crate::Result<T>`). */
  expandAlias?(ty: Ty): Ty;
}
import { DependencyGraph, DependencyPackage } from './dependencySources';
import { DependencyFutures, FutureBudget } from './dependencyFutures';
import type { CrateAnalyzer } from './packageFutures';
import { InstanceArgs, layoutArgument, readInDependency } from './instanceArguments';

/** Ids of dependencies' async fn futures start with this (no future of the analysed crate's). */
const DEPENDENCY_FUTURE = 'dependency-future:';

/** Where a path leads inside the graph. */
type Target =
  | { k: 'type'; pkg: string; module: string[]; type: UserType }
  | { k: 'fn'; pkg: string; module: string[]; fn: DependencyFn }
  /** A const or static; `ty` null when its type is not read (see `dependencyConsts.ts`). */
  | { k: 'const'; pkg: string; module: string[]; ty: Ty | null }
  | { k: 'module'; pkg: string; module: string[] }
  | { k: 'std'; segments: string[] }
  /** A package that cannot be read: `path` (its crate's name first) leads into it. */
  | { k: 'missing'; reason: string; missing?: { path: string[]; label: string; why: string } }
  | null;

/** Re-exports followed before a path is given up on (cycles of globs end here too). */
const MAX_DEPTH = 24;
/** Indexed dependencies kept per process (each a few hundred KB of plain data). */
const MAX_CACHED_CRATES = 400;

const SCOPE_SEPARATOR = '\u0001';

/** Indexed crates by package id and features, shared by every analysis of the process. */
const indexedCrates = new Map<string, CrateModules>();

function cacheKey(pkg: DependencyPackage): string {
  return `${pkg.id}|${pkg.features.join(',')}`;
}

export class DependencyTypes {
  /** Packages a path led to whose sources could not be read, with why. */
  readonly missingUsed = new Map<string, string>();
  /** What each name means in each module, once looked up (see `lookup`). */
  private readonly lookups = new Map<string, Target>();
  /** What awaiting each dependency async fn's future yields, by the future's id. */
  private readonly asyncOutputs = new Map<string, Ty>();
  /** `foreignMethod`'s answers (every method call on every type asks). */
  private readonly methods = new Map<string, ForeignFn | 'unknown' | null>();

  /** Sizes of the dependencies' async fn futures this crate's code makes. */
  private readonly futures: DependencyFutures<DependencyTypes>;

  /**
   * `depth`: how far below the analysed crate the crate whose paths these are is (0: the analysed
   * crate itself); `budget` is shared with the crates nested below it.
   */
  constructor(
    private readonly graph: DependencyGraph,
    depth = 0,
    private readonly budget: FutureBudget = new FutureBudget(),
  ) {
    // A dependency's code is read in its own crate: its extern names, the same packages.
    const nested = (pkg: DependencyPackage) =>
      new DependencyTypes(
        { rootExterns: pkg.externs, package: (id) => this.graph.package(id) },
        depth + 1,
        budget,
      );
    this.futures = new DependencyFutures(graph, depth, budget, nested);
  }

  /**
   * An analysis of the crate starts: its time budget for sizing dependencies' futures starts
   * anew (an editor analyses a crate again and again with the same dependencies).
   */
  startAnalysis(): void {
    this.budget.restart();
    this.futures.restart();
  }

  /** Whether a budget left some dependency's futures unsized (their callers are lower bounds). */
  get futuresCut(): boolean {
    return this.futures.cut;
  }

  /**
   * The layout of a dependency's async fn future (made by `futureOf`), sized by `analyze` (the
   * engine's `analyzeCrate`) in the dependency's own crate; null for any other future.
   */
  futureLayout(
    futureId: string,
    analyze: CrateAnalyzer<DependencyTypes>,
    callerLayout?: (ty: Ty) => Layout,
  ): Layout | null {
    if (futureId.startsWith(DEPENDENCY_FUTURE)) {
      return this.futures.layout(futureId, analyze, callerLayout);
    }
    return layoutArgument(futureId);
  }

  /** Whether `name` is an extern crate of the analysed crate. */
  isExternCrate(name: string): boolean {
    return this.graph.rootExterns.has(name);
  }

  /**
   * The type a path names in `scope` (undefined: the analysed crate, whose paths are already
   * resolved through its `use`s; `globs` are its `use x::*` paths). Null when the path is not
   * another crate's.
   */
  foreignType(
    segments: string[],
    scope: string | undefined,
    globs: readonly string[][] = [],
  ): ForeignType | null {
    if (scope === undefined) {
      return this.fromRoot(segments, globs);
    }
    const split = scope.indexOf(SCOPE_SEPARATOR);
    const pkg = scope.slice(0, split);
    const module = scope.slice(split + 1);
    const target = this.resolve(pkg, module === '' ? [] : module.split('::'), segments, 0);
    if (target === null) {
      // A bare name no item or `use` of the module gives: std's prelude, else not known here.
      const bare = segments.length === 1 && PRELUDE_TYPES.has(segments[0]);
      return bare ? null : { kind: 'unknown', reason: this.describe(pkg, segments, 'not found') };
    }
    return this.asForeign(target, pkg, segments);
  }

  private fromRoot(segments: string[], globs: readonly string[][]): ForeignType | null {
    const pkg = this.graph.rootExterns.get(segments[0]);
    if (pkg !== undefined) {
      const target = this.resolveInCrate(pkg, [], segments.slice(1), 0, 'type', segments[0]);
      return this.asForeign(target, pkg, segments.slice(1));
    }
    if (segments.length !== 1) {
      return null;
    }
    // A bare name a `use dependency::module::*` may bring in.
    for (const glob of globs) {
      const globPkg = this.graph.rootExterns.get(glob[0]);
      if (globPkg === undefined) {
        continue;
      }
      const module = this.resolveInCrate(globPkg, [], glob.slice(1), 0);
      if (module?.k === 'module') {
        const target = this.lookup(module.pkg, module.module, segments[0], 0);
        if (target !== null) {
          return this.asForeign(target, module.pkg, segments);
        }
      } else if (module?.k === 'missing') {
        return { kind: 'unknown', reason: module.reason };
      }
    }
    return null;
  }

  private asForeign(target: Target, pkg: string, segments: string[]): ForeignType {
    switch (target?.k) {
      case 'type':
        return {
          kind: 'type',
          type: this.crate(target.pkg)!.withImpls(target.type),
          scope: `${target.pkg}${SCOPE_SEPARATOR}${moduleKey(target.module)}`,
          package: this.graph.package(target.pkg)?.label,
          path: this.pathIn(target.pkg, [...target.module, target.type.name]),
        };
      case 'std':
        return { kind: 'std', segments: target.segments };
      case 'missing':
        return { kind: 'unknown', reason: target.reason };
      case 'module':
        return { kind: 'unknown', reason: this.describe(pkg, segments, 'a module') };
      default:
        return { kind: 'unknown', reason: this.describe(pkg, segments, 'not found') };
    }
  }

  /** `tokio::net::Foo (tokio 1.24.2: not found)`: the type, its package, and why. */
  private describe(pkg: string, segments: string[], why: string): string {
    const label = this.graph.package(pkg)?.label ?? pkg;
    return `${this.pathIn(pkg, segments)} (${label}: ${why})`;
  }

  /** A path of the package's crate as rustc prints it: `tokio::net::TcpStream`. */
  private pathIn(pkg: string, segments: readonly string[]): string {
    const label = this.graph.package(pkg)?.label ?? pkg;
    return [crateNameOf(label), ...segments].join('::');
  }

  /** The indexed crate of a package; null when its sources cannot be read. */
  private crate(id: string): CrateModules | null {
    const pkg = this.graph.package(id);
    if (!pkg || pkg.missing !== null) {
      return null;
    }
    const key = cacheKey(pkg);
    let crate = indexedCrates.get(key);
    if (!crate) {
      if (indexedCrates.size >= MAX_CACHED_CRATES) {
        indexedCrates.delete(indexedCrates.keys().next().value!);
      }
      crate = new CrateModules(pkg);
      crate.noteImpls();
      indexedCrates.set(key, crate);
    }
    return crate;
  }

  /**
   * A path from the root of package `pkg`, or why the package cannot be read (named by `crate`,
   * the name the path calls it by).
   */
  private resolveInCrate(
    pkg: string,
    module: string[],
    rest: string[],
    depth: number,
    ns: Namespace = 'type',
    crate?: string,
  ): Target {
    const node = this.graph.package(pkg);
    if (!node || node.missing !== null) {
      const label = node?.label ?? pkg;
      const why = node?.missing ?? 'not in the crate graph';
      this.missingUsed.set(label, why);
      const path = [crate ?? crateNameOf(label), ...rest];
      const reason = missingReason(path, label, why);
      return { k: 'missing', reason, missing: { path, label, why } };
    }
    return this.walk(pkg, module, rest, depth, ns);
  }

  /** A path written in module `module` of `pkg`. */
  private resolve(
    pkg: string,
    module: string[],
    segments: string[],
    depth: number,
    ns: Namespace = 'type',
  ): Target {
    if (depth > MAX_DEPTH || segments.length === 0) {
      return segments.length === 0 ? { k: 'module', pkg, module } : null;
    }
    const [first, ...rest] = segments;
    if (STD_ROOTS.has(first)) {
      return { k: 'std', segments };
    }
    if (first === 'crate' || first === '$crate') {
      // The item index folds `self::` and `super::` into `crate::`: when the path is not the
      // crate root's, it is read from the module and each module above it.
      for (let n = 0; n <= module.length; n++) {
        const from = n === 0 ? [] : module.slice(0, module.length - n + 1);
        const found = this.walk(pkg, from, rest, depth + 1, ns);
        if (found !== null) {
          return found;
        }
      }
      return null;
    }
    if (first === 'self') {
      return this.walk(pkg, module, rest, depth + 1, ns);
    }
    if (first === 'super') {
      return this.resolve(pkg, module.slice(0, -1), ['self', ...rest], depth + 1, ns);
    }
    const head = this.lookup(pkg, module, first, depth + 1, rest.length === 0 ? ns : 'type');
    if (rest.length === 0 || head === null) {
      return head;
    }
    return this.continueFrom(head, rest, depth + 1, ns);
  }

  /** The rest of a path after its first segment led to `head`. */
  private continueFrom(
    head: NonNullable<Target>,
    rest: string[],
    depth: number,
    ns: Namespace,
  ): Target {
    switch (head.k) {
      case 'module':
        return this.walk(head.pkg, head.module, rest, depth, ns);
      case 'std':
        return { k: 'std', segments: [...head.segments, ...rest] };
      case 'missing':
        return head.missing ? withRest(head.missing, rest) : head;
      case 'fn':
      case 'const':
        return null;
      case 'type': {
        const method =
          ns === 'value' && rest.length === 1 ? this.associatedFn(head, rest[0]) : null;
        if (method !== null) {
          return method;
        }
        // An associated item (`Enum::Variant`, `<T>::Assoc`): not a type this index sizes.
        return {
          k: 'missing',
          reason: `${head.type.name}::${rest.join('::')} (an associated item)`,
        };
      }
    }
  }

  /** `Type::name` of an inherent impl written beside the type, when it takes no `self`. */
  private associatedFn(head: Target & { k: 'type' }, name: string): Target {
    const scope = this.crate(head.pkg)?.scope(head.module);
    const key = `${head.type.name}::${name}`;
    const fn = scope?.ambiguousMethods.has(key) ? undefined : scope?.methods.get(key);
    return fn && !fn.hasSelf && head.type.kind !== 'alias'
      ? { k: 'fn', pkg: head.pkg, module: head.module, fn }
      : null;
  }

  /**
   * A method of another crate's type (its path as `foreignType` reads it), from the inherent
   * impls written beside the type; `unknown` when it has none of that name (a trait's, or one not
   * read here); null when the path is not another crate's type.
   */
  foreignMethod(
    segments: string[],
    scope: string | undefined,
    globs: readonly string[][],
    name: string,
  ): ForeignFn | 'unknown' | null {
    const bare = segments.length === 1;
    if (
      scope === undefined &&
      (STD_ROOTS.has(segments[0]) || (bare && PRELUDE_TYPES.has(segments[0])))
    ) {
      return null;
    }
    // A bare name of the analysed crate's file is read through that file's glob imports.
    const from = scope ?? (bare ? globs.map((g) => g.join('::')).join(',') : '');
    const key = `${from}${SCOPE_SEPARATOR}${segments.join('::')}${SCOPE_SEPARATOR}${name}`;
    if (!this.methods.has(key)) {
      this.methods.set(key, this.foreignMethodUncached(segments, scope, globs, name));
    }
    return this.methods.get(key)!;
  }

  private foreignMethodUncached(
    segments: string[],
    scope: string | undefined,
    globs: readonly string[][],
    name: string,
  ): ForeignFn | 'unknown' | null {
    const found = this.foreignType(segments, scope, globs);
    if (found?.kind !== 'type') {
      return null;
    }
    const split = found.scope.indexOf(SCOPE_SEPARATOR);
    const pkg = found.scope.slice(0, split);
    const module = found.scope.slice(split + 1);
    const moduleScope = this.crate(pkg)?.scope(module === '' ? [] : module.split('::'));
    const key = `${found.type.name}::${name}`;
    const fn = moduleScope?.ambiguousMethods.has(key) ? undefined : moduleScope?.methods.get(key);
    // No inherent method of that name: the one a trait impl beside the type gives, if only one.
    const implKey = traitImplMethodName(found.type.name, name);
    const traitAmbiguous = moduleScope?.ambiguousMethods.has(implKey);
    const viaTrait = fn || traitAmbiguous ? undefined : moduleScope?.methods.get(implKey);
    const method = fn ?? viaTrait;
    return method ? this.foreignFnOf(pkg, found.scope, method) : 'unknown';
  }

  /** What awaiting a future `foreignFn` made yields; null for any other future. */
  asyncOutput(futureId: string): Ty | null {
    return futureId.startsWith(DEPENDENCY_FUTURE)
      ? (this.asyncOutputs.get(futureId) ?? null)
      : null;
  }

  /** Segments looked up one module after another, from `module`. */
  private walk(
    pkg: string,
    module: string[],
    segments: string[],
    depth: number,
    ns: Namespace = 'type',
  ): Target {
    if (segments.length === 0) {
      return { k: 'module', pkg, module };
    }
    const last = segments.length === 1;
    const head = this.lookup(pkg, module, segments[0], depth + 1, last ? ns : 'type');
    if (last || head === null) {
      return head;
    }
    return this.continueFrom(head, segments.slice(1), depth + 1, ns);
  }

  /** What `name` means in a module: its item, a child module, a `use`, an extern crate, a glob. */
  private lookup(
    pkg: string,
    module: string[],
    name: string,
    depth: number,
    ns: Namespace = 'type',
  ): Target {
    // Once per name and module: glob imports can reach one module along many paths, and cycles
    // of them (`pub use super::*` both ways) end here, as not found.
    const key = `${ns}${SCOPE_SEPARATOR}${pkg}${SCOPE_SEPARATOR}${moduleKey(module)}::${name}`;
    if (this.lookups.has(key)) {
      return this.lookups.get(key)!;
    }
    this.lookups.set(key, null);
    const found = this.lookupUncached(pkg, module, name, depth, ns);
    this.lookups.set(key, found);
    return found;
  }

  private lookupUncached(
    pkg: string,
    module: string[],
    name: string,
    depth: number,
    ns: Namespace,
  ): Target {
    const crate = this.crate(pkg);
    if (depth > MAX_DEPTH || !crate) {
      return null;
    }
    const scope = crate.scope(module);
    const own = ns === 'type' ? this.ownType(pkg, module, name) : this.ownFn(pkg, module, name);
    if (own !== null) {
      return own;
    }
    const used = scope?.uses.get(name);
    if (used) {
      const found = this.resolve(pkg, module, used, depth + 1, ns);
      if (found !== null) {
        return found;
      }
    }
    const extern = ns === 'type' ? this.graph.package(pkg)?.externs.get(name) : undefined;
    if (extern !== undefined) {
      return this.resolveInCrate(extern, [], [], depth + 1, 'type', name);
    }
    let fromStd: string[] | null = null;
    for (const glob of scope?.globs ?? []) {
      const from = this.resolve(pkg, module, glob, depth + 1);
      if (from?.k === 'module') {
        const found = this.lookup(from.pkg, from.module, name, depth + 1, ns);
        if (found !== null) {
          return found;
        }
      } else if (from?.k === 'std') {
        fromStd = [...from.segments, name];
      }
    }
    // Not the crate's: what `use std::..::*` brings, if std has it.
    return fromStd === null ? null : { k: 'std', segments: fromStd };
  }

  /** A type or module the module itself defines. */
  private ownType(pkg: string, module: string[], name: string): Target {
    const crate = this.crate(pkg)!;
    const scope = crate.scope(module);
    if (scope?.ambiguous.has(name)) {
      return { k: 'missing', reason: this.describe(pkg, [...module, name], 'defined twice') };
    }
    const type = scope?.types.get(name);
    if (type) {
      return { k: 'type', pkg, module, type };
    }
    return crate.hasModule([...module, name])
      ? { k: 'module', pkg, module: [...module, name] }
      : null;
  }

  /** A fn the module itself defines. */
  private ownFn(pkg: string, module: string[], name: string): Target {
    const scope = this.crate(pkg)!.scope(module);
    if (scope?.ambiguousFns.has(name)) {
      return { k: 'missing', reason: this.describe(pkg, [...module, name], 'defined twice') };
    }
    const fn = scope?.fns.get(name);
    if (fn) {
      return { k: 'fn', pkg, module, fn };
    }
    // Consts share the value namespace with fns: a name is one or the other in a module.
    return scope?.consts.has(name)
      ? { k: 'const', pkg, module, ty: scope.consts.get(name) ?? null }
      : null;
  }

  /**
   * The declared type of the dependency's const or static a value's path names (resolved through
   * the analysed crate's `use`s, so starting with an extern crate's name), read in its crate;
   * null when the path is not one, or its type is not read.
   */
  foreignConst(segments: string[]): Ty | null {
    const pkg = this.graph.rootExterns.get(segments[0]);
    if (pkg === undefined || segments.length < 2) {
      return null;
    }
    const found = this.resolveInCrate(pkg, [], segments.slice(1), 0, 'value');
    if (found?.k !== 'const' || found.ty === null) {
      return null;
    }
    return markedAsDependency(
      inScope(found.ty, `${found.pkg}${SCOPE_SEPARATOR}${moduleKey(found.module)}`),
    );
  }

  /**
   * The dependency's fn a call's path names (resolved through the analysed crate's `use`s, so
   * starting with an extern crate's name); null when it is not one.
   */
  foreignFn(segments: string[]): ForeignFn | null {
    const pkg = this.graph.rootExterns.get(segments[0]);
    if (pkg === undefined || segments.length < 2) {
      return null;
    }
    const found = this.resolveInCrate(pkg, [], segments.slice(1), 0, 'value');
    // `tokio::io::AsyncReadExt::read_exact`: a method a trait declares (see `traitMethod`).
    const target = found?.k === 'fn' ? found : this.traitMethod(pkg, segments.slice(1));
    if (target?.k !== 'fn') {
      return null;
    }
    const ret = target.fn.ret;
    const name = ret.k === 'adt' ? ret.segments[ret.segments.length - 1] : '';
    if (this.crate(target.pkg)!.intoFutureImpls.has(name)) {
      // Awaiting it awaits what `into_future` makes, not the value itself.
      return null;
    }
    return this.foreignFnOf(
      target.pkg,
      `${target.pkg}${SCOPE_SEPARATOR}${moduleKey(target.module)}`,
      target.fn,
    );
  }

  /**
   * The caller's type arguments as package `pkg` reads them, by name, each with the caller's
   * own form (for labels); the ones it cannot read are left out.
   */
  private instanceArguments(
    pkg: string,
    args: InstanceArgs | undefined,
  ): [name: string, read: Ty, written: Ty][] {
    const root = `${pkg}${SCOPE_SEPARATOR}`;
    const resolve = (segments: string[]) => this.foreignType(segments, undefined, args?.globs);
    const read: [string, Ty, Ty][] = [];
    for (const [name, written] of [...(args?.named ?? [])]) {
      const ty = readInDependency(written, root, resolve);
      if (ty !== null) {
        read.push([name, ty, written]);
      }
    }
    return read;
  }

  /**
   * The method `[...module, Trait, method]` names when `Trait` is a trait of the package (followed
   * through `use` re-exports and globs to the module that declares it); null when it is not.
   */
  private traitMethod(pkg: string, path: string[]): Target {
    if (path.length < 2) {
      return null;
    }
    const module = this.resolveInCrate(pkg, [], path.slice(0, -2), 0);
    return module?.k === 'module'
      ? this.declaredMethod(module.pkg, module.module, path[path.length - 2], path.at(-1)!, 0)
      : null;
  }

  /** Once per trait name, method and module: globs may reach one module along many paths. */
  private declaredMethod(
    pkg: string,
    module: string[],
    trait: string,
    method: string,
    depth: number,
  ): Target {
    const key = [pkg, moduleKey(module), trait, method].join(SCOPE_SEPARATOR);
    if (!this.traitMethods.has(key)) {
      this.traitMethods.set(key, null);
      this.traitMethods.set(key, this.declaredMethodUncached(pkg, module, trait, method, depth));
    }
    return this.traitMethods.get(key)!;
  }

  private readonly traitMethods = new Map<string, Target>();

  private declaredMethodUncached(
    pkg: string,
    module: string[],
    trait: string,
    method: string,
    depth: number,
  ): Target {
    const scope = depth > MAX_DEPTH ? null : this.crate(pkg)?.scope(module);
    if (!scope) {
      return null;
    }
    const key = `${trait}::${method}`;
    const fn = scope.ambiguousMethods.has(key) ? undefined : scope.methods.get(key);
    if (fn) {
      return fn.hasSelf && fn.selfKind ? { k: 'fn', pkg, module, fn } : null;
    }
    const used = scope.uses.get(trait);
    if (used) {
      const parent = used.slice(0, -1);
      const via: Target =
        parent.length > 0
          ? this.resolve(pkg, module, parent, depth + 1)
          : { k: 'module', pkg, module };
      return via?.k === 'module'
        ? this.declaredMethod(via.pkg, via.module, used.at(-1)!, method, depth + 1)
        : null;
    }
    for (const glob of scope.globs) {
      const from = this.resolve(pkg, module, glob, depth + 1);
      const found =
        from?.k === 'module'
          ? this.declaredMethod(from.pkg, from.module, trait, method, depth + 1)
          : null;
      if (found) {
        return found;
      }
    }
    return null;
  }

  private foreignFnOf(pkg: string, scope: string, fn: DependencyFn): ForeignFn {
    const label = `${this.graph.package(pkg)?.label ?? pkg} ${fn.path}`;
    return {
      fn,
      scope,
      futureOf: (output, args) => {
        const named = this.instanceArguments(pkg, args);
        const byLayout = [...(args?.byLayout ?? [])].sort(([a], [b]) => a.localeCompare(b));
        const written = [...named, ...byLayout.map(([name, t]): [string, Ty, Ty] => [name, t, t])];
        written.sort(([a], [b]) => a.localeCompare(b));
        const shown =
          written.length > 0 ? `<${written.map(([, , t]) => showTy(t)).join(', ')}>` : '';
        const subst = named.map(([name, t]): [string, Ty] => [name, t]);
        const instance = written.length > 0 ? JSON.stringify([subst, byLayout]) : '';
        const id = `${DEPENDENCY_FUTURE}${pkg}::${fn.path}${instance}->${JSON.stringify(output)}`;
        const futureLabel = `{async fn body of ${label}${shown}()}`;
        this.asyncOutputs.set(id, output);
        this.futures.note(id, { pkg, path: fn.path, label: futureLabel, subst, byLayout });
        return { k: 'future', id, label: futureLabel };
      },
      opaqueType: () => this.opaqueType(pkg, scope, fn),
      expandAlias: (ty) => this.expandAlias(ty),
    };
  }

  /**
   * The type behind `fn`'s `impl Trait` result: the first of its tail's makers that resolves, in
   * the fn's module, to a non-async fn with a fully known result or to a struct without generic
   * parameters (rustc makes every returned value one type, so one branch is enough).
   */
  private opaqueType(pkg: string, scope: string, fn: DependencyFn): OpaqueFound | null {
    if (!fn.opaque) {
      return null;
    }
    const module = scope.slice(scope.indexOf(SCOPE_SEPARATOR) + 1);
    const modulePath = module === '' ? [] : module.split('::');
    const output = fn.opaque.output && inScope(fn.opaque.output, scope);
    for (const maker of fn.opaque.makers) {
      const target = this.resolve(pkg, modulePath, maker.path, 0, maker.call ? 'value' : 'type');
      const made = madeType(target, maker.call, maker.path, scope);
      if (made) {
        return { type: made, output };
      }
    }
    return null;
  }

  /** `crate::Result<T>` (a dependency's alias of a std type) as the std type it names. */
  private expandAlias(ty: Ty): Ty {
    if (ty.k !== 'adt' || ty.scope === undefined) {
      return ty;
    }
    const found = this.foreignType(ty.segments, ty.scope);
    if (found?.kind !== 'type' || found.type.kind !== 'alias') {
      return ty;
    }
    const alias = found.type;
    const aliased = inScope(alias.ty, found.scope);
    const std =
      aliased.k === 'adt' &&
      (STD_ROOTS.has(aliased.segments[0]) ||
        (aliased.segments.length === 1 && PRELUDE_TYPES.has(aliased.segments[0])));
    if (!std || alias.params.length !== ty.args.length) {
      return ty;
    }
    const map = new Map(alias.params.map((p, i): [string, Ty] => [p, ty.args[i]]));
    return substitute(aliased, map);
  }
}

interface OpaqueFound {
  type: Ty;
  output: Ty | null;
}

/** The type a maker of an opaque result gives, when it is fully known. */
function madeType(target: Target, call: boolean, path: string[], scope: string): Ty | null {
  if (call && target?.k === 'fn' && !target.fn.isAsync && !target.fn.opaque) {
    const fnScope = `${target.pkg}${SCOPE_SEPARATOR}${moduleKey(target.module)}`;
    const ret = inScope(target.fn.ret, fnScope);
    return ret.k === 'adt' && !hasUnknown(ret) ? ret : null;
  }
  if (!call && target?.k === 'type' && target.type.kind !== 'alias' && !target.type.params.length) {
    return inScope({ k: 'adt', segments: path, args: [] }, scope);
  }
  return null;
}

/** `tokio` from the label `tokio 1.24.2`: a package's library is named after it, `-` as `_`. */
function crateNameOf(label: string): string {
  return label.split(' ')[0].replace(/-/g, '_');
}

/** `tokio::net::TcpStream (tokio 1.24.2: sources not found)`. */
function missingReason(path: readonly string[], label: string, why: string): string {
  return `${path.join('::')} (${label}: ${why})`;
}

/** A path into a missing package, with the segments that follow. */
function withRest(missing: { path: string[]; label: string; why: string }, rest: string[]): Target {
  const path = [...missing.path, ...rest];
  return {
    k: 'missing',
    reason: missingReason(path, missing.label, missing.why),
    missing: { ...missing, path },
  };
}
