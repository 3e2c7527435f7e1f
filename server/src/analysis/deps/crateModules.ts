/**
 * A dependency's modules, each with the types it defines and the names its `use`s bring in,
 * indexed from the crate's sources with the same item index as the analysed crate's
 * (`indexItems`, items inside item-level macros included) and the package's own features as cfg.
 * A module's file is parsed the first time a path leads into it; trees are freed at once (the
 * index keeps plain data only).
 */
import { traitImplMethodKey, traitImplMethods } from './traitImplMethods';
import { CfgEnv, HOST_CFG, compiledIn, precedingAttributes } from '../syntax/cfg';
import { MacroTrees } from '../syntax/macros';
import { CrateCfgMacros, macroName } from '../items/cfgMacros';
import { ParseTimeout, SyntaxNode, parseRust } from '../syntax/parser';
import { ItemIndex, indexItems } from '../items/items';
import { UserType } from '../types/layout';
import { Ty } from '../types/types';
import { FnInfo, SelfKind } from '../items/items';
import { DependencyFile, DependencyPackage } from './dependencySources';
import { OpaqueReturn, opaqueReturn } from './opaqueReturns';
import { FileConst, fileConsts } from './dependencyConsts';

export interface ModuleScope {
  /** Types defined in the module, by name. */
  types: Map<string, UserType>;
  /** Names the module defines more than once (which one a path means is not known here). */
  ambiguous: Set<string>;
  /** `use` declarations: the name brought in → the path as written. */
  uses: Map<string, string[]>;
  /** `use PATH::*` paths as written. */
  globs: string[][];
  /** Free fns defined in the module, by name. */
  fns: Map<string, DependencyFn>;
  /** Fn names the module defines more than once. */
  ambiguousFns: Set<string>;
  /** Associated fns of the module's inherent impls, by `Type::name`. */
  methods: Map<string, DependencyFn>;
  /** `Type::name`s the module's impls define more than once (per cfg, per generic argument). */
  ambiguousMethods: Set<string>;
  /** Consts and statics defined in the module, by name (null: not read, or defined twice). */
  consts: Map<string, Ty | null>;
}

/** A dependency's free fn, as much of its signature as sizing its result needs. */
export interface DependencyFn {
  name: string;
  generics: string[];
  /** Parameter types, in order. */
  params: Ty[];
  ret: Ty;
  isAsync: boolean;
  /** Takes `self` (a method): its path-call form passes the receiver first. */
  hasSelf: boolean;
  /** How it takes `self` (null: an associated fn without `self`). */
  selfKind: SelfKind;
  /** The impl's own generic parameters (an associated fn's), bound from arguments or unknown. */
  implGenerics: string[];
  /** The impl's self type's arguments (`impl<T> Chan<T>`: `[T]`), bound from a receiver's. */
  selfArgs: Ty[];
  /** The path rustc names it by (`net::tcp::TcpStream::connect`). */
  path: string;
  /** Defined in an impl block. */
  associated: boolean;
  /** For a `-> impl Trait` fn: what its body's tail says of the type (see `opaqueReturns.ts`). */
  opaque?: OpaqueReturn;
  /** `F: FnOnce() -> Fut` bounds of its generics: what calling a value of `F` gives. */
  callableOutputs?: [param: string, output: Ty][];
}

/** What one file of a dependency defines, as plain data (see `CrateModules.packageItems`). */
export interface FileItems {
  /** Its `mod x;` declarations the build keeps: the module's key and its `#[path]`. */
  declarations: [module: string, path: string | null][];
  uses: [name: string, path: string[]][];
  globs: string[][];
  /** Its inline `mod x { .. }`, relative to it. */
  inline: string[][];
  fns: [name: string, fn: DependencyFn][];
  methods: DependencyFn[];
  /** Its types, each with the module (last segment) it is in; null: defined twice. */
  types: [module: string, name: string, type: UserType | null][];
  /** Its consts and statics, each with the inline module (relative to it) it is in. */
  consts?: FileConst[];
}

/** A dependency's indexed items, as the package cache keeps them. */
export interface PackageItems {
  cfgMacros: [name: string, predicates: string[] | null][];
  dropImpls: string[];
  copyImpls: string[];
  intoFutureImpls: string[];
  /** By file path; null: the file cannot be read or parsed in time. */
  files: Record<string, FileItems | null>;
}

/** The kind the package cache keeps `PackageItems` under. */
export const PACKAGE_ITEMS = 'items';

/** Files parsed per dependency file are bounded by this budget each (a batch can afford it). */
const PARSE_BUDGET_MS = 5000;

const IMPL_OF = /\bimpl\b[^{;]*?\b(Drop|Copy|IntoFuture)\s+for\s+([A-Za-z_][A-Za-z0-9_]*)/g;

/** A dependency is built without `cfg(test)`, with its own features only. */
export function packageCfg(pkg: DependencyPackage): CfgEnv {
  return { ...HOST_CFG, unknown: new Set(), features: new Set(pkg.features) };
}

export function moduleKey(modulePath: readonly string[]): string {
  return modulePath.join('::');
}

export class CrateModules {
  /** Files by module path: several when `mod x;` is declared once per cfg with `#[path]`. */
  private readonly filesOf = new Map<string, DependencyFile[]>();
  /** The `#[path]` of the one `mod x;` the build compiles, by module path (its parent read). */
  private readonly declaredPaths = new Map<string, string | null>();
  private readonly scopes = new Map<string, ModuleScope>();
  private readonly parsed = new Set<string>();
  /** Types with an `impl Drop` / `impl Copy` anywhere in the crate, by name. */
  private readonly dropImpls = new Set<string>();
  private readonly copyImpls = new Set<string>();
  /**
   * The crate's cfg macros (and plain passthrough ones): the `cfg(..)` each puts on its items
   * (null: defined more than once, so not known).
   */
  private readonly cfgMacros = new CrateCfgMacros();
  /** Types with an `impl IntoFuture`: awaiting one awaits another type. */
  readonly intoFutureImpls = new Set<string>();
  private readonly cfg: CfgEnv;
  /** Files read and parsed, for measurements. */
  filesParsed = 0;
  /** The package's items as the package cache kept them; null: each file is indexed when read. */
  private readonly stored: PackageItems | null;

  constructor(private readonly pkg: DependencyPackage) {
    for (const f of pkg.files()) {
      const key = moduleKey(f.modulePath);
      this.filesOf.set(key, [...(this.filesOf.get(key) ?? []), f]);
    }
    this.cfg = packageCfg(pkg);
    const data = pkg.data;
    const computed = () => new CrateModules({ ...pkg, data: undefined }).packageItems();
    this.stored = !data
      ? null
      : data.fill
        ? data.get(PACKAGE_ITEMS, computed)
        : (data.peek<PackageItems>(PACKAGE_ITEMS) ?? null);
  }

  /** The module at `modulePath`; null when the crate has no such module. */
  scope(modulePath: readonly string[]): ModuleScope | null {
    const key = moduleKey(modulePath);
    const known = this.scopes.get(key);
    if (known) {
      return known;
    }
    // Its own file, else the nearest file above it (an inline `mod x { .. }` is indexed there).
    for (let n = modulePath.length; n >= 0; n--) {
      const fileKey = moduleKey(modulePath.slice(0, n));
      const file = this.fileOf(modulePath.slice(0, n));
      if (file && !this.parsed.has(fileKey)) {
        this.parsed.add(fileKey);
        this.indexFile(file);
        return this.scopes.get(key) ?? null;
      }
      if (file) {
        break;
      }
    }
    return this.scopes.get(key) ?? null;
  }

  /** Whether `modulePath` names a module of the crate (a file of it, or an inline one seen). */
  hasModule(modulePath: readonly string[]): boolean {
    return this.filesOf.has(moduleKey(modulePath)) || this.scope(modulePath) !== null;
  }

  /**
   * The file of a module. When `mod x;` is declared once per target with a `#[path]` each
   * (native-tls's `imp`), the one the parent's cfg keeps; none when that cannot be told.
   */
  private fileOf(modulePath: readonly string[]): DependencyFile | undefined {
    const files = this.filesOf.get(moduleKey(modulePath)) ?? [];
    if (files.length <= 1 || modulePath.length === 0) {
      return files[0];
    }
    this.scope(modulePath.slice(0, -1));
    const declared = this.declaredPaths.get(moduleKey(modulePath));
    if (!declared) {
      return undefined;
    }
    const matching = files.filter((f) => f.path.replace(/\\/g, '/').endsWith(`/${declared}`));
    return matching.length === 1 ? matching[0] : undefined;
  }

  /** A type as the crate defines it, with the trait impls written elsewhere in the crate. */
  withImpls(type: UserType): UserType {
    if (type.kind === 'alias') {
      return type;
    }
    const dropImpl = type.dropImpl || this.dropImpls.has(type.name);
    const copy = type.copy || this.copyImpls.has(type.name);
    return dropImpl === type.dropImpl && copy === type.copy ? type : { ...type, dropImpl, copy };
  }

  /**
   * Reads every file's text once for `impl Drop for X` (the type may be in another file) and for
   * the crate's cfg macros (`cfg_net! { .. }`: `macro_rules!` that put a `#[cfg]` on each item).
   */
  noteImpls(): void {
    if (this.stored) {
      this.stored.cfgMacros.forEach(([name, predicates]) => this.cfgMacros.set(name, predicates));
      this.stored.dropImpls.forEach((name) => this.dropImpls.add(name));
      this.stored.copyImpls.forEach((name) => this.copyImpls.add(name));
      this.stored.intoFutureImpls.forEach((name) => this.intoFutureImpls.add(name));
      return;
    }
    for (const f of [...this.filesOf.values()].flat()) {
      const text = this.pkg.read(f.path);
      if (text) {
        this.cfgMacros.noteText(text);
      }
      for (const m of text?.matchAll(IMPL_OF) ?? []) {
        const set =
          m[1] === 'Drop'
            ? this.dropImpls
            : m[1] === 'Copy'
              ? this.copyImpls
              : this.intoFutureImpls;
        set.add(m[2]);
      }
    }
  }

  private indexFile(file: DependencyFile): void {
    const stored = this.stored?.files;
    const items =
      stored && Object.prototype.hasOwnProperty.call(stored, file.path)
        ? stored[file.path]
        : this.fileItems(file);
    if (items) {
      this.applyFileItems(file, items);
    }
  }

  /** What one file defines, as plain data; null when it cannot be read or parsed in time. */
  private fileItems(file: DependencyFile): FileItems | null {
    const text = this.pkg.read(file.path);
    if (text === null) {
      return null;
    }
    let tree;
    try {
      tree = parseRust(text, PARSE_BUDGET_MS);
    } catch (e) {
      if (e instanceof ParseTimeout) {
        return null;
      }
      throw e;
    }
    this.filesParsed++;
    const macros = new MacroTrees(undefined, PARSE_BUDGET_MS);
    const expanded: SyntaxNode[] = [];
    try {
      const index = indexItems(
        tree.rootNode,
        file.modulePath,
        (m) => {
          const parsed = this.macroCompiles(m) ? macros.items(m) : null;
          // Input that does not parse as items is not what the macro makes of it.
          const items = parsed?.hasError ? null : parsed;
          if (items) {
            expanded.push(items);
          }
          return items;
        },
        undefined,
        this.cfg,
        false,
      );
      const declarations = [tree.rootNode, ...expanded].flatMap((container) =>
        this.moduleDeclarations(container, file.modulePath),
      );
      return {
        declarations,
        uses: [...index.uses],
        globs: index.globImports,
        inline: inlineModules(tree.rootNode),
        fns: [...index.fns].flatMap(([name, infos]) =>
          infos.map((info): [string, DependencyFn] => [name, dependencyFn(info, index)]),
        ),
        methods: [
          ...inherentMethods(index.methods, index),
          ...traitMethods(index),
          ...traitImplMethods(index.methods, (info) => dependencyFn(info, index)),
        ],
        types: fileTypes(index),
        consts: fileConsts(tree.rootNode, index, this.cfg),
      };
    } catch (e) {
      // A macro's input that did not parse in time: the file is unread, as when it does not parse.
      if (e instanceof ParseTimeout) {
        return null;
      }
      throw e;
    } finally {
      macros.dispose();
      tree.delete();
    }
  }

  /** Puts what a file defines into the crate's module scopes. */
  private applyFileItems(file: DependencyFile, items: FileItems): void {
    for (const [key, declared] of items.declarations) {
      // Declared twice in the build (cfg not decided here): which file is meant is not known.
      this.declaredPaths.set(key, this.declaredPaths.has(key) ? null : declared);
    }
    const uses = new Map(items.uses);
    const fileScope = this.newScope(file.modulePath, uses, items.globs);
    const inline = new Map<string, ModuleScope>();
    for (const path of items.inline) {
      const scope = this.newScope([...file.modulePath, ...path], uses, items.globs);
      inline.set(path[path.length - 1], scope);
    }
    this.noteFns(items.fns);
    this.noteMethods(items.methods);
    for (const [module, name, ty] of items.consts ?? []) {
      const scope = this.scopes.get(moduleKey([...file.modulePath, ...module]));
      // Two files of one module (declared once per cfg) may both define it: not told apart.
      scope?.consts.set(name, scope.consts.has(name) ? null : ty);
    }
    const own = file.modulePath[file.modulePath.length - 1] ?? '';
    for (const [m, name, type] of items.types) {
      const scope = m === own ? fileScope : (inline.get(m) ?? fileScope);
      if (type === null) {
        scope.ambiguous.add(name);
      } else {
        scope.types.set(name, type);
      }
    }
  }

  /**
   * The items of every file the build compiles (the root's, then each module's whose `mod`
   * declaration the cfg keeps) and the crate's impls, as plain data: what the package cache
   * keeps. A file left out (a module of another target) is indexed when a path leads into it.
   */
  packageItems(): PackageItems {
    this.noteImpls();
    const files: Record<string, FileItems | null> = {};
    const pending = [moduleKey([])];
    const seen = new Set(pending);
    for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
      for (const file of this.filesOf.get(key) ?? []) {
        if (Object.prototype.hasOwnProperty.call(files, file.path)) {
          continue;
        }
        const items = this.fileItems(file);
        files[file.path] = items;
        for (const [declared] of items?.declarations ?? []) {
          if (!seen.has(declared)) {
            seen.add(declared);
            pending.push(declared);
          }
        }
      }
    }
    return {
      cfgMacros: this.cfgMacros.entries(),
      dropImpls: [...this.dropImpls],
      copyImpls: [...this.copyImpls],
      intoFutureImpls: [...this.intoFutureImpls],
      files,
    };
  }

  /**
   * Whether an item-level macro's input is compiled as written: a cfg macro of the crate whose
   * cfg holds (or may), or a macro known to keep its items' layout (`pin_project!`). Any other
   * macro may make something else of its input (`bitflags!`), so its items are not read.
   */
  private macroCompiles(macro: SyntaxNode): boolean {
    return (
      this.cfgMacros.keeps(macro, this.cfg) ??
      LAYOUT_KEEPING_MACROS.has(macroName(macro).split('::').pop() ?? '')
    );
  }

  /** Free fns, each in the scope of the module its path names (fns in bodies have none). */
  private noteFns(fns: readonly [string, DependencyFn][]): void {
    for (const [name, fn] of fns) {
      const scope = this.scopes.get(fn.path.split('::').slice(0, -1).join('::'));
      if (!scope) {
        continue;
      }
      if (scope.fns.has(name)) {
        scope.ambiguousFns.add(name);
      }
      scope.fns.set(name, fn);
    }
  }

  /** Associated fns of inherent impls, each in the scope of the module its impl is written in. */
  private noteMethods(methods: readonly DependencyFn[]): void {
    for (const fn of methods) {
      const implOf = traitImplMethodKey(fn.path);
      const segments = implOf ? implOf.segments : fn.path.split('::');
      const scope = this.scopes.get(moduleKey(segments.slice(0, -2)));
      const key = segments.slice(-2).join('::');
      if (!scope || segments.length < 2) {
        continue;
      }
      if (scope.methods.has(key)) {
        scope.ambiguousMethods.add(key);
      }
      scope.methods.set(key, fn);
    }
  }

  /** The `#[path]`s of the `mod x;` declarations the build keeps (see `fileOf`). */
  private moduleDeclarations(
    root: SyntaxNode,
    modulePath: readonly string[],
  ): [string, string | null][] {
    const found: [string, string | null][] = [];
    for (const item of compiledIn(root.namedChildren, this.cfg)) {
      const name = item.type === 'mod_item' ? item.childForFieldName('name')?.text : undefined;
      if (!name || item.childForFieldName('body')) {
        continue;
      }
      const attr = precedingAttributes(item)
        .map((a) => /^#\s*\[\s*path\s*=\s*"([^"]+)"\s*\]$/.exec(a.trim())?.[1])
        .find((p) => p !== undefined);
      found.push([moduleKey([...modulePath, name]), attr ?? null]);
    }
    return found;
  }

  private newScope(
    modulePath: readonly string[],
    uses: Map<string, string[]>,
    globs: string[][],
  ): ModuleScope {
    const key = moduleKey(modulePath);
    const scope: ModuleScope = {
      types: new Map(),
      ambiguous: new Set(),
      uses,
      globs,
      fns: new Map(),
      ambiguousFns: new Set(),
      methods: new Map(),
      ambiguousMethods: new Set(),
      consts: new Map(),
    };
    if (!this.scopes.has(key)) {
      this.scopes.set(key, scope);
    }
    return this.scopes.get(key)!;
  }
}

/**
 * Indexes every file of a package and keeps the result in its package data, unless kept already
 * (what a background indexer does for each package of a graph); nothing without package data.
 */
export function keepPackageItems(pkg: DependencyPackage): void {
  if (pkg.data && pkg.missing === null) {
    pkg.data.get(PACKAGE_ITEMS, () => new CrateModules({ ...pkg, data: undefined }).packageItems());
  }
}

function dependencyFn(info: FnInfo, index: ItemIndex): DependencyFn {
  const own = new Set(info.generics);
  const implGenerics: string[] = [];
  // The impl's parameters are the ones its self type is written with (`impl<T> Chan<T>`).
  if (info.selfTy?.k === 'adt') {
    for (const arg of info.selfTy.args) {
      if (arg.k === 'param' && own.has(arg.name)) {
        implGenerics.push(arg.name);
      }
    }
  }
  return {
    name: info.name,
    generics: info.generics,
    params: info.params.filter((p) => !p.isSelf).map((p) => p.ty),
    ret: info.ret,
    isAsync: info.isAsync,
    hasSelf: info.params.some((p) => p.isSelf),
    selfKind: info.selfKind,
    implGenerics,
    selfArgs: info.selfTy?.k === 'adt' ? info.selfTy.args : [],
    path: info.path,
    associated: info.selfTy !== null,
    opaque: opaqueReturn(info, index),
    ...(info.callableOutputs.size > 0 ? { callableOutputs: callableOutputs(info) } : {}),
  };
}

/** The fn's `F: Fn*(..) -> T` bounds (an `AsyncFn*` bound's future is not read). */
function callableOutputs(info: FnInfo): [string, Ty][] {
  return [...info.callableOutputs].flatMap(([param, out]): [string, Ty][] =>
    out === 'async' ? [] : [[param, out]],
  );
}

/**
 * Associated fns of inherent impls (`impl TcpStream { pub async fn connect(..) }`), once each.
 * Trait impls' fns are not named by such paths.
 */
function inherentMethods(methods: Map<string, FnInfo[]>, index: ItemIndex): DependencyFn[] {
  const seen = new Set<FnInfo>();
  const found: DependencyFn[] = [];
  for (const infos of methods.values()) {
    for (const info of infos) {
      if (!seen.has(info) && !info.path.startsWith('<') && !info.inBody) {
        seen.add(info);
        found.push(dependencyFn(info, index));
      }
    }
  }
  return found;
}

/**
 * The fns a file's trait definitions declare (`AsyncReadExt::read_exact`), under the trait's
 * name in its module: an extension trait's method is looked up there (`DependencyTypes`).
 */
function traitMethods(index: ItemIndex): DependencyFn[] {
  const found: DependencyFn[] = [];
  for (const info of index.byNode.values()) {
    const declaredInTrait = info.selfTy?.k === 'param' && info.selfTy.name === 'Self';
    if (declaredInTrait && !info.inBody && !info.path.startsWith('<')) {
      found.push(dependencyFn(info, index));
    }
  }
  return found;
}

/** The file's types, each with the module (last segment) it is in; null: defined twice. */
function fileTypes(index: ItemIndex): [string, string, UserType | null][] {
  const found: [string, string, UserType | null][] = [];
  for (const [name, modules] of index.typeModules) {
    for (const m of new Set(modules)) {
      // A type alias is noted before it is indexed, so only its bare name holds it.
      const type =
        m === '' || modules.length === 1 ? index.types.get(name) : index.types.get(`${m}::${name}`);
      const twice = modules.filter((x) => x === m).length > 1 || (m === '' && modules.length > 1);
      found.push([m, name, twice || index.ambiguousTypes.has(name) || !type ? null : type]);
    }
  }
  return found;
}

/** The paths of the inline `mod x { .. }` of a file, relative to it. */
function inlineModules(root: SyntaxNode): string[][] {
  const found: string[][] = [];
  const visit = (container: SyntaxNode, prefix: string[]) => {
    for (const item of container.namedChildren) {
      if (item?.type !== 'mod_item') {
        continue;
      }
      const body = item.childForFieldName('body');
      const name = item.childForFieldName('name')?.text;
      if (body && name) {
        found.push([...prefix, name]);
        visit(body, [...prefix, name]);
      }
    }
  };
  visit(root, []);
  return found;
}

/** Item macros of other crates that give their structs' fields back unchanged. */
const LAYOUT_KEEPING_MACROS: ReadonlySet<string> = new Set(['pin_project']);
