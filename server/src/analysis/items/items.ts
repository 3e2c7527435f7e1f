/**
 * The items of one file that the analysis resolves names against: types, consts, functions
 * and `use` aliases, with their module paths (so futures get rustc's names).
 */
import type { SyntaxNode } from '../syntax/parser';
import {
  CfgEnv,
  CompiledChild,
  compiledItems,
  currentCfg,
  evalCfg,
  onlyUnderTest,
  parseCfgPredicate,
} from '../syntax/cfg';
import { AsyncFnRewrite, asyncFnRewrite } from '../syntax/attributeMacros';
import {
  PRELUDE_TYPES,
  STD_ROOTS,
  Ty,
  TypeOrigin,
  UNIT,
  UNKNOWN,
  isPrimitiveName,
  mapTypeParts,
  prim,
} from '../types/types';
import { carryCompanion } from './indexCompanions';
import type { UserType } from '../types/layout';
import { AssocTypeImpl, projectionFromNode } from '../types/projections';
import { declaredMethods } from '../types/boundTraitMethods';
import {
  AssocBound,
  TRAIT_DECLARATIONS,
  TraitDeclaration,
  lastName,
} from '../types/boundProjections';

export type SelfKind = 'value' | 'ref' | 'mut' | null;

export interface ParamInfo {
  /** The pattern node (identifier, `_`, destructuring) or the `self` node. */
  readonly pattern: SyntaxNode;
  /** The pattern's text (reading it needs no node). */
  patternText: string;
  ty: Ty;
  isSelf: boolean;
}

export interface FnInfo {
  name: string;
  /** rustc's path: `m::f`, `Conn::read`, `<Conn as Service>::call`. */
  path: string;
  node: SyntaxNode;
  isAsync: boolean;
  /** The impl's self type for methods and associated fns. */
  selfTy: Ty | null;
  selfKind: SelfKind;
  params: ParamInfo[];
  ret: Ty;
  generics: string[];
  /** Generic parameters bounded by a closure trait: `F: FnMut(u32) -> Fut` gives F → Fut; `AsyncFn` bounds give `async`. */
  callableOutputs: Map<string, Ty | 'async'>;
  /** The parameter types of the same bounds (`F: Fn(Request) -> Fut` gives F → [Request]). */
  callableParams?: Map<string, Ty[]>;
  /** `Fut: Future<Output = T>` bounds: what awaiting a value of type Fut gives. */
  futureOutputs: Map<string, Ty>;
  /** Generic parameters bounded by `FnOnce`/`AsyncFnOnce`: calling one moves it. */
  onceCallables: Set<string>;
  /** Generic parameters bounded `?Sized` (a `&T` of one may be a fat pointer). */
  maybeUnsized?: string[];
  body: SyntaxNode | null;
  /**
   * An `async fn` of an `#[async_trait]` impl or trait: a call gives a boxed `dyn Future` (16 B)
   * whose output is `ret`, and rustc names the body's future an async block.
   */
  boxedFuture?: boolean;
  /** An `async fn` that a procedural macro nobody models rewrites (its future is not known). */
  rewrittenBy?: string;
  /** Declared inside another fn's body. */
  inBody?: boolean;
  /** The module its body's paths are read in (`["net", "tcp"]`; for a fn in a body, that fn's path). */
  module?: readonly string[];
}

export interface ItemIndex {
  types: Map<string, UserType>;
  consts: Map<string, number>;
  /** The declared types of consts and statics (`const HEIGHT: usize = 64;`). */
  constTypes: Map<string, Ty>;
  /** Free functions by name (the last one wins on clashes across modules). */
  fns: Map<string, FnInfo[]>;
  /** Methods and associated functions, keyed by `Type::name`, plus by bare name in `methodsByName`. */
  methods: Map<string, FnInfo[]>;
  methodsByName: Map<string, FnInfo[]>;
  /** `use` aliases: local name → full path segments. */
  uses: Map<string, string[]>;
  /** Paths of the file's glob imports (`use tokio::prelude::*` gives `['tokio', 'prelude']`). */
  globImports: string[][];
  /**
   * Type names defined more than once where a bare name cannot tell which is meant (a type declared
   * in a fn body and another of the same name elsewhere in the file): neither is assumed.
   */
  ambiguousTypes: Set<string>;
  /** Function item node id → info, so the engine can name the future of an `async fn`. */
  byNode: Map<number, FnInfo>;
  /** Type name → the modules (last path segment, `""` for the crate root) that define a type of that name. */
  typeModules: Map<string, string[]>;
  /** The trait impls' associated types (`type Future = ..;`), by name (see `projections.ts`). */
  assocTypes: Map<string, AssocTypeImpl[]>;
  /**
   * The `use`s each inline `mod x { .. }` of the file writes, by the module's path in the crate
   * (`loom::std::sync`): `uses` has them too, but not which module brings which name.
   */
  inlineUses?: Map<string, Map<string, string[]>>;
}

export interface TypeScope {
  generics: Set<string>;
  selfTy: Ty | null;
}

const EMPTY_SCOPE: TypeScope = { generics: new Set(), selfTy: null };

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

function hasDerive(attrs: readonly string[], trait: string): boolean {
  return attrs.some((a) => /derive\s*\(/.test(a) && new RegExp(`\\b${trait}\\b`).test(a));
}

interface Repr {
  c: boolean;
  tag: number | null;
  /** `repr(align(N))`: the smallest alignment. */
  align: number | null;
  /** A representation not modelled (`packed`, or a `cfg_attr` whose condition is not known). */
  unsupported: string | null;
}

function reprOf(attrs: readonly string[], cfg: CfgEnv = currentCfg()): Repr {
  const repr: Repr = { c: false, tag: null, align: null, unsupported: null };
  for (const attr of attrs) {
    const parts = reprParts(attr, cfg);
    if (parts === 'unknown') {
      repr.unsupported = attr;
      continue;
    }
    for (const part of parts) {
      if (part === 'C') {
        repr.c = true;
      }
      const int = /^[ui](8|16|32|64|128|size)$/.exec(part);
      if (int) {
        repr.tag = int[1] === 'size' ? 8 : Number(int[1]) / 8;
      }
      const align = /^align\s*\(\s*(\d+)\s*\)$/.exec(part);
      if (align) {
        repr.align = Math.max(repr.align ?? 1, Number(align[1]));
      }
      if (/^packed\b/.test(part) || part === 'simd') {
        repr.unsupported = attr;
      }
    }
  }
  return repr;
}

/**
 * The parts of a `#[repr(..)]` (also through `#[cfg_attr(PRED, repr(..))]` when PRED holds);
 * `unknown` when a `cfg_attr`'s condition cannot be decided.
 */
function reprParts(attr: string, cfg: CfgEnv): string[] | 'unknown' {
  const cfgAttr = /^#\s*\[\s*cfg_attr\s*\(([\s\S]*)\)\s*\]$/.exec(attr.trim());
  let text = attr;
  if (cfgAttr) {
    if (!/\brepr\s*\(/.test(cfgAttr[1])) {
      return [];
    }
    const split = topLevelComma(cfgAttr[1]);
    const pred = split < 0 ? null : parseCfgPredicate(cfgAttr[1].slice(0, split));
    const holds = pred ? evalCfg(pred, cfg) : null;
    if (holds === null) {
      return 'unknown';
    }
    if (!holds) {
      return [];
    }
    text = cfgAttr[1].slice(split + 1);
  }
  const m = /\brepr\s*\(([\s\S]*)\)/.exec(text);
  if (!m) {
    return [];
  }
  const inner = m[1].slice(0, closingParen(m[1]));
  const parts: string[] = [];
  for (let rest = inner; rest.trim() !== '';) {
    const comma = topLevelComma(rest);
    parts.push((comma < 0 ? rest : rest.slice(0, comma)).trim());
    rest = comma < 0 ? '' : rest.slice(comma + 1);
  }
  return parts;
}

/** Index of the first comma outside parentheses, or -1. */
function topLevelComma(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (ch === ',' && depth === 0) {
      return i;
    }
  }
  return -1;
}

/** Index of the parenthesis that closes an already opened one, or the text's length. */
function closingParen(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    if (depth < 0) {
      return i;
    }
  }
  return text.length;
}

/** What a type's `repr` adds to its entry beyond `repr(C)` and the tag size. */
function reprExtras(repr: Repr): { reprAlign?: number; reprUnsupported?: string } {
  return {
    ...(repr.align !== null ? { reprAlign: repr.align } : {}),
    ...(repr.unsupported !== null ? { reprUnsupported: repr.unsupported } : {}),
  };
}

function typeParams(node: SyntaxNode | null): string[] {
  if (!node) {
    return [];
  }
  const names: string[] = [];
  for (const c of node.namedChildren) {
    const type = c?.type;
    if (c && (type === 'type_parameter' || type === 'const_parameter')) {
      const name = c.childForFieldName('name')?.text ?? c.namedChildren[0]?.text ?? '';
      if (name.length > 0) {
        names.push(name);
      }
    }
  }
  return names;
}

/**
 * The defaults of a type's generic parameters (`enum Scheme2<T = Box<ByteStr>>`), one per
 * parameter (null: none); undefined when none has one. `Scheme2` written without arguments is
 * `Scheme2<Box<ByteStr>>`.
 */
function typeParamDefaults(
  node: SyntaxNode | null,
  index: ItemIndex,
  scope: TypeScope,
): { defaults: (Ty | null)[] } | Record<string, never> {
  const params = (node?.namedChildren ?? []).filter(
    (c): c is SyntaxNode => !!c && (c.type === 'type_parameter' || c.type === 'const_parameter'),
  );
  const defaults = params.map((p) => {
    const written = p.type === 'type_parameter' ? p.childForFieldName('default_type') : null;
    return written ? typeFromNode(written, index, scope) : null;
  });
  return defaults.some((d) => d !== null) ? { defaults } : {};
}

/** A body whose text can declare the items the index takes from bodies (fns, structs, enums, `use`s). */
export const DECLARES_ITEMS = /\b(fn|struct|enum|use)\b/;

/** Expands an item-level macro to the root of its items (or null); the caller owns the trees. */
export type ItemMacroExpander = (macro: SyntaxNode) => SyntaxNode | null;

/**
 * What the index makes of a fn's signature, kept across analyses of one document by the text it
 * was made from: typing in a body leaves every signature as it was, and reading them again from
 * the tree (every parameter and type a WebAssembly call) was a quarter of each keystroke.
 */
export interface SignatureMemo {
  get(place: string): SignatureReadings | undefined;
  set(place: string, readings: SignatureReadings): void;
}

/** The readings of one signature text in one place (module, impl), by what the `use`s seen before it make of its names. */
export interface SignatureReadings {
  names: string[];
  byUses: Map<string, FnSignature>;
}

/** A fn's signature without its nodes: what `SignatureMemo` keeps. */
export interface FnSignature {
  name: string;
  path: string;
  isAsync: boolean;
  selfKind: SelfKind;
  params: { ty: Ty; isSelf: boolean; patternText: string }[];
  ret: Ty;
  generics: string[];
  callableOutputs: Map<string, Ty | 'async'>;
  callableParams?: Map<string, Ty[]>;
  futureOutputs: Map<string, Ty>;
  onceCallables: Set<string>;
  maybeUnsized?: string[];
}

/** Builds the index with one walk over the file's items. */
export function indexItems(
  root: SyntaxNode,
  modulePath: string[] = [],
  expand?: ItemMacroExpander,
  signatures?: SignatureMemo,
  cfg: CfgEnv = currentCfg(),
  /**
   * Whether bare type names are read in the module that writes them (`scopeModuleNames`); a
   * dependency's module scopes resolve them themselves (`crateModules.ts`).
   */
  scopeNames = true,
): ItemIndex {
  const index = emptyIndex();
  const walk = new ItemWalk(index, expand, signatures, cfg, modulePath.length);
  walk.visitItems(root, modulePath);
  if (walk.moduleItems.uses.size > 0) {
    index.inlineUses = walk.moduleItems.uses;
  }
  if (scopeNames) {
    scopeModuleNames(index, walk.moduleItems, modulePath);
  }
  evaluateConsts(index, walk.pendingConsts);
  for (const name of walk.dropImpls) {
    const t = index.types.get(name);
    if (t && t.kind !== 'alias') {
      t.dropImpl = true;
    }
  }
  // Array lengths written with consts were parsed before the consts were known: re-resolve.
  resolveLengths(index);
  return index;
}

/** Where a fn of a relocated index is now: its item node and body node in the new tree. */
export interface FnNodes {
  node: SyntaxNode;
  body: SyntaxNode | null;
}

/**
 * The index `indexItems` would give for a new tree of a file whose items did not change since
 * `previous` was built (an edit inside one fn body that declares no items): the same entries, in
 * the same order, each fn read at its nodes in the new tree (`nodesOf`). Null when a fn cannot be
 * found (`nodesOf` gives null). Reading every item again cost most of a keystroke in files of many
 * impls; this reads one node per fn.
 */
export function relocatedIndex(
  previous: ItemIndex,
  nodesOf: (fn: FnInfo) => FnNodes | null,
): ItemIndex | null {
  const moved = new Map<FnInfo, FnInfo>();
  const byNode = new Map<number, FnInfo>();
  for (const fn of previous.byNode.values()) {
    const now = nodesOf(fn);
    if (!now) {
      return null;
    }
    // The signature was read from the header, which the edit left alone; the patterns are read
    // again from the new node when asked.
    const relocated: FnInfo = {
      ...fn,
      node: now.node,
      body: now.body,
      params: withLazyPatterns(now.node, fn.params),
    };
    moved.set(fn, relocated);
    byNode.set(now.node.id, relocated);
  }
  const relisted = (map: Map<string, FnInfo[]>): Map<string, FnInfo[]> | null => {
    const copy = new Map<string, FnInfo[]>();
    for (const [key, fns] of map) {
      const now = fns.map((fn) => moved.get(fn));
      if (now.some((fn) => fn === undefined)) {
        return null;
      }
      copy.set(key, now as FnInfo[]);
    }
    return copy;
  };
  const fns = relisted(previous.fns);
  const methods = relisted(previous.methods);
  const methodsByName = relisted(previous.methodsByName);
  if (!fns || !methods || !methodsByName) {
    return null;
  }
  return {
    types: new Map(previous.types),
    consts: new Map(previous.consts),
    constTypes: new Map(previous.constTypes),
    fns,
    methods,
    methodsByName,
    uses: new Map(previous.uses),
    globImports: [...previous.globImports],
    ambiguousTypes: new Set(previous.ambiguousTypes),
    byNode,
    typeModules: new Map(previous.typeModules),
    assocTypes: new Map(previous.assocTypes),
    ...(previous.inlineUses ? { inlineUses: previous.inlineUses } : {}),
  };
}

function emptyIndex(): ItemIndex {
  return {
    types: new Map(),
    consts: new Map(),
    constTypes: new Map(),
    fns: new Map(),
    methods: new Map(),
    methodsByName: new Map(),
    uses: new Map(),
    globImports: [],
    ambiguousTypes: new Set(),
    byNode: new Map(),
    typeModules: new Map(),
    assocTypes: new Map(),
  };
}

/** Consts may refer to each other in any order: evaluate until nothing new resolves. */
function evaluateConsts(index: ItemIndex, pending: { name: string; value: SyntaxNode }[]): void {
  for (let round = 0; round < 4; round++) {
    for (const { name, value } of pending) {
      if (!index.consts.has(name)) {
        const v = evalConst(value, index.consts);
        if (v !== null) {
          index.consts.set(name, v);
        }
      }
    }
  }
}

/** The walk over a file's items (and those of its inline modules and item macros) into an index. */
class ItemWalk {
  /** Consts' value expressions, evaluated once every const is known. */
  readonly pendingConsts: { name: string; value: SyntaxNode }[] = [];
  /** Types with an `impl Drop`, marked once every type is known. */
  readonly dropImpls = new Set<string>();
  /** What the file's items wrote, each with its module (see `ModuleItems`). */
  readonly moduleItems: ModuleItems = { written: [], uses: new Map() };

  constructor(
    private readonly index: ItemIndex,
    private readonly expand: ItemMacroExpander | undefined,
    private readonly signatures: SignatureMemo | undefined,
    /** What is set in the build (a dependency's own features, for one). */
    private readonly cfg: CfgEnv,
    /** The length of the file's own module path: a longer one is an inline `mod x { .. }`. */
    private readonly fileDepth = 0,
  ) {}

  visitItems(container: SyntaxNode, modPath: string[]): void {
    for (const item of compiledItems(container.namedChildren, this.cfg)) {
      if (item.type === 'mod_item' || item.type === 'macro_invocation') {
        this.visitItem(item, modPath);
      } else {
        this.visitNoting(item, modPath);
      }
    }
  }

  /**
   * Visits an item, noting what it wrote and in which module (bare type names are read in the
   * module that writes them, see `scopeModuleNames`) and the names its `use`s bring there.
   */
  private visitNoting(item: CompiledChild, modPath: string[]): void {
    const index = this.index;
    const written: WrittenItems = {
      modPath,
      inline: modPath.length > this.fileDepth,
      types: [],
      fns: [index.byNode.size, index.byNode.size],
      assocTypes: [],
    };
    // The file's module's associated types are rewritten all at once, when names clash.
    const assocNames = !written.inline
      ? []
      : item.type === 'impl_item'
        ? implAssocNames(item.node)
        : item.type === 'trait_item'
          ? [TRAIT_DECLARATIONS]
          : [];
    const assocBefore = assocNames.map((n) => index.assocTypes.get(n)?.length ?? 0);
    // A module's own `use`s matter only inside inline modules: the file's module reads the
    // file's (copying them per `use` would be quadratic in a file of many).
    const usesBefore =
      written.inline && item.type === 'use_declaration' ? new Map(index.uses) : null;
    this.visitItem(item, modPath);
    written.fns[1] = index.byNode.size;
    assocNames.forEach((n, i) =>
      written.assocTypes.push(...(index.assocTypes.get(n) ?? []).slice(assocBefore[i])),
    );
    const name = TYPE_ITEMS.has(item.type) ? item.node.childForFieldName('name')?.text : null;
    const type = name ? index.types.get(name) : undefined;
    if (name && type) {
      written.types.push(type);
      if (written.inline) {
        // An alias is noted before it is read (`noteModule`): its qualified key is set here.
        index.types.set(`${modPath[modPath.length - 1]}::${name}`, type);
      }
    }
    if (usesBefore) {
      const own = this.moduleItems.uses.get(moduleKeyOf(modPath)) ?? new Map<string, string[]>();
      index.uses.forEach((path, alias) => usesBefore.get(alias) !== path && own.set(alias, path));
      this.moduleItems.uses.set(moduleKeyOf(modPath), own);
    }
    this.moduleItems.written.push(written);
  }

  private visitItem({ node: item, type, attributes }: CompiledChild, modPath: string[]): void {
    const index = this.index;
    switch (type) {
      case 'mod_item': {
        const body = item.childForFieldName('body');
        if (body) {
          this.visitItems(body, [...modPath, item.childForFieldName('name')?.text ?? '_']);
        }
        break;
      }
      case 'struct_item':
      case 'union_item':
        noteTypeClash(item, index, false);
        indexStruct(item, type, attributes, index, this.cfg);
        noteModule(index, item, modPath);
        break;
      case 'enum_item':
        noteTypeClash(item, index, false);
        indexEnum(item, attributes, index, this.cfg);
        noteModule(index, item, modPath);
        break;
      case 'type_item':
        noteModule(index, item, modPath);
        this.indexTypeAlias(item);
        break;
      case 'const_item':
      case 'static_item':
        this.indexConst(item);
        break;
      case 'use_declaration':
        // `#[cfg(not(test))] use crate::blocking::spawn_blocking;` beside `#[cfg(test)] use
        // mocks::spawn_blocking;`: the name is the built one (rustc's sizes are the build's).
        indexUse(
          item.childForFieldName('argument'),
          [],
          index,
          onlyUnderTest(attributes, this.cfg) ? bindUnbound(index.uses) : undefined,
        );
        break;
      case 'extern_crate_declaration': {
        // `extern crate tokio as tk;`: `tk::net::TcpStream` is tokio's.
        const crate = item.childForFieldName('name')?.text;
        const alias = item.childForFieldName('alias')?.text;
        if (crate && alias && crate !== 'self') {
          index.uses.set(alias, [crate]);
        }
        break;
      }
      case 'function_item':
        indexFn(item, modPath, null, null, index, this.signatures);
        break;
      case 'impl_item':
        this.indexAssociatedConsts(
          item,
          indexImpl(item, modPath, index, this.dropImpls, this.expand, this.signatures, (nested) =>
            this.visitItem(nested, modPath),
          ),
        );
        break;
      case 'trait_item':
        this.indexTraitFns(item, modPath);
        break;
      case 'foreign_mod_item': {
        // `extern "C" { .. }` declares no bodies, but error recovery can wrap real items in one.
        const body = item.childForFieldName('body');
        if (body && body.text.includes('{', 1)) {
          this.visitItems(body, modPath);
        }
        break;
      }
      case 'macro_invocation': {
        // `cfg_rt! { pub async fn f() {} }`: the items count as this module's.
        const expanded = this.expand?.(item);
        if (expanded) {
          this.visitItems(expanded, modPath);
        }
        break;
      }
      default:
        break;
    }
  }

  private indexTypeAlias(item: SyntaxNode): void {
    const name = item.childForFieldName('name')?.text;
    const tyNode = item.childForFieldName('type');
    if (name && tyNode) {
      const params = typeParams(item.childForFieldName('type_parameters'));
      const ty = typeFromNode(tyNode, this.index, { generics: new Set(params), selfTy: null });
      this.index.types.set(name, { kind: 'alias', name, params, ty });
    }
  }

  private indexConst(item: SyntaxNode): void {
    const name = item.childForFieldName('name')?.text;
    const value = item.childForFieldName('value');
    const declared = item.childForFieldName('type');
    if (name && declared) {
      this.index.constTypes.set(name, typeFromNode(declared, this.index));
    }
    if (name && value) {
      this.pendingConsts.push({ name, value });
    }
  }

  /**
   * `impl Ext { const MAX: usize = 15; }` as `Ext::MAX`, for array lengths written with it
   * (`[u8; Ext::MAX]`, http's `Method`). Only inherent impls of a plain type name: a trait's
   * or a generic impl's const may differ per type.
   */
  private indexAssociatedConsts(item: SyntaxNode, members: readonly CompiledChild[]): void {
    if (!members.some((m) => m.type === 'const_item')) {
      return;
    }
    const owner = item.childForFieldName('type');
    if (item.childForFieldName('trait') || owner?.type !== 'type_identifier') {
      return;
    }
    for (const { node: member, type } of members) {
      const name = type === 'const_item' ? member.childForFieldName('name')?.text : null;
      const value = type === 'const_item' ? member.childForFieldName('value') : null;
      if (name && value) {
        this.pendingConsts.push({ name: `${owner.text}::${name}`, value });
      }
    }
  }

  /** A trait's fns, provided or not, as `Trait::f` with a `Self` parameter. */
  private indexTraitFns(item: SyntaxNode, modPath: string[]): void {
    const body = item.childForFieldName('body');
    const traitName = item.childForFieldName('name')?.text ?? '_';
    const members = compiledItems(body?.namedChildren ?? []);
    for (const f of members) {
      if (f.type === 'function_item') {
        const selfTy: Ty = { k: 'param', name: 'Self' };
        indexFn(f.node, [...modPath, traitName], selfTy, null, this.index, this.signatures);
      }
    }
    const declaration = traitDeclaration(item, traitName, members, this.index);
    push(this.index.assocTypes, TRAIT_DECLARATIONS, {
      generics: [],
      selfTy: { k: 'param', name: 'Self' },
      trait: traitName,
      ty: UNIT,
      declaration,
    });
  }
}

/** A trait's supertraits and the bounds it declares on its associated types. */
function traitDeclaration(
  item: SyntaxNode,
  name: string,
  members: readonly CompiledChild[],
  index: ItemIndex,
): TraitDeclaration {
  const scope: TypeScope = {
    generics: new Set(typeParams(item.childForFieldName('type_parameters'))),
    selfTy: null,
  };
  const traitsOf = (bounds: SyntaxNode | null): AssocBound[] =>
    (bounds?.namedChildren ?? []).flatMap((b): AssocBound[] => {
      const path = b?.type === 'generic_type' ? b.childForFieldName('type') : b;
      if (!b || (path?.type !== 'type_identifier' && path?.type !== 'scoped_type_identifier')) {
        return [];
      }
      const bindings = (b.childForFieldName('type_arguments')?.namedChildren ?? []).flatMap(
        (arg): [string, Ty][] => {
          const bound = arg?.type === 'type_binding' ? arg.childForFieldName('type') : null;
          const named = arg?.childForFieldName('name')?.text;
          return bound && named ? [[named, typeFromNode(bound, index, scope)]] : [];
        },
      );
      return [{ trait: lastName(path.text.split('::').pop() ?? ''), bindings }];
    });
  const assoc = members.flatMap(({ node, type }): [string, AssocBound[]][] => {
    const assocName = type === 'associated_type' ? node.childForFieldName('name')?.text : null;
    return assocName ? [[assocName, traitsOf(node.childForFieldName('bounds'))]] : [];
  });
  const supertraits = traitsOf(item.childForFieldName('bounds')).map((b) => b.trait);
  const methods = declaredMethods(members, [...scope.generics], (n, generics) =>
    typeFromNode(n, index, { generics, selfTy: { k: 'param', name: 'Self' } }),
  );
  return { name, supertraits, assoc, methods };
}

/** The items that define a type (and so may take its bare name over). */
const TYPE_ITEMS: ReadonlySet<string> = new Set([
  'struct_item',
  'union_item',
  'enum_item',
  'type_item',
]);

/** What one item wrote: its types, fns and associated types, and the module it is in. */
interface WrittenItems {
  modPath: readonly string[];
  /** In an inline `mod x { .. }` of the file. */
  inline: boolean;
  types: UserType[];
  /** The range of the index's `byNode` entries (in their order) its fns took. */
  fns: [from: number, to: number];
  assocTypes: AssocTypeImpl[];
}

/** The items of a file by the module they are written in, and each module's `use`s. */
interface ModuleItems {
  written: WrittenItems[];
  uses: Map<string, Map<string, string[]>>;
}

function moduleKeyOf(modPath: readonly string[]): string {
  return modPath.join('::');
}

/** The names of an impl's associated types (`type Future = ..;`). */
function implAssocNames(impl: SyntaxNode): string[] {
  const body = impl.childForFieldName('body');
  if (!body || !/\btype\b/.test(body.text)) {
    return [];
  }
  return body.namedChildren.flatMap((m) =>
    m?.type === 'type_item' ? [m.childForFieldName('name')?.text ?? ''] : [],
  );
}

/**
 * A bare type name is read in the module that writes it, as rustc does: in `mod sealed { pub
 * struct MaybeReady(State); enum State { .. } }` it is `sealed::State` (a key the index holds),
 * not the file's last `State` nor another module's. A name several modules of the file define
 * (`mod a { struct State }`, `mod b { struct State }`) is read through the writing module's own
 * definition or `use`, else the file's module's (`use super::*`), else it is not known; its bare
 * key, which bodies read, stands for no type.
 */
function scopeModuleNames(index: ItemIndex, items: ModuleItems, fileModulePath: string[]): void {
  const clashing = new Set<string>();
  index.typeModules.forEach((modules, name) => new Set(modules).size > 1 && clashing.add(name));
  if (!items.written.some((w) => w.inline) && clashing.size === 0) {
    return;
  }
  const fileModule = fileModulePath[fileModulePath.length - 1] ?? '';
  for (const name of clashing) {
    const text = `${name} (defined in several modules of this file)`;
    index.types.set(name, { kind: 'alias', name, params: [], ty: { k: 'unknown', text } });
  }
  const fns = [...index.byNode.values()];
  const readerOf = (written: Pick<WrittenItems, 'modPath' | 'inline'>) => {
    const module = written.inline ? written.modPath[written.modPath.length - 1] : fileModule;
    const uses = items.uses.get(moduleKeyOf(written.modPath));
    const at: WritingModule = { module, fileModule, inline: written.inline, uses };
    return (ty: Ty): Ty => renameBareTypes(ty, (name) => nameInModule(name, at, index, clashing));
  };
  for (const written of items.written) {
    if (!written.inline && clashing.size === 0) {
      continue;
    }
    const qualify = readerOf(written);
    written.types.forEach((type) => rewriteUserType(type, qualify));
    fns.slice(...written.fns).forEach((fn) => rewriteFnTypes(fn, qualify));
    written.assocTypes.forEach((impl) => rewriteAssocType(impl, qualify));
  }
  if (clashing.size > 0) {
    const inline = new Set(items.written.flatMap((w) => w.assocTypes));
    const qualify = readerOf({ modPath: fileModulePath, inline: false });
    for (const impl of [...index.assocTypes.values()].flat()) {
      if (!inline.has(impl)) {
        rewriteAssocType(impl, qualify);
      }
    }
  }
}

/** The module a name is written in (`module`: its last segment; `""` for the crate root). */
interface WritingModule {
  module: string;
  /** The file's own module's last segment. */
  fileModule: string;
  inline: boolean;
  /** An inline module's own `use`s (the file's module's are not told apart from the file's). */
  uses: ReadonlyMap<string, string[]> | undefined;
}

/** What a bare type name written in a module names (null: the bare name, as before). */
function nameInModule(
  name: string,
  at: WritingModule,
  index: ItemIndex,
  clashing: ReadonlySet<string>,
): string[] | Ty | null {
  const modules = index.typeModules.get(name) ?? [];
  const definedHere = modules.includes(at.module);
  if (!clashing.has(name)) {
    return at.inline && definedHere ? [at.module, name] : null;
  }
  const unknown: Ty = { k: 'unknown', text: `${name} (defined in several modules of this file)` };
  if (definedHere) {
    // The crate root has no qualified key: its own type stays unknown there.
    return at.module === '' ? unknown : [at.module, name];
  }
  const used = at.uses?.get(name);
  if (used) {
    const from = used.length >= 2 ? used[used.length - 2] : undefined;
    return from !== undefined && from !== at.module && modules.includes(from)
      ? [from, name]
      : unknown;
  }
  if (at.inline && modules.includes(at.fileModule) && at.fileModule !== '') {
    return [at.fileModule, name];
  }
  return unknown;
}

/** The type with each bare name of the crate's replaced as `read` says (null: kept). */
function renameBareTypes(ty: Ty, read: (name: string) => string[] | Ty | null): Ty {
  if (ty.k === 'adt' && ty.segments.length === 1 && ty.scope === undefined) {
    const args = ty.args.map((a) => renameBareTypes(a, read));
    const named = read(ty.segments[0]);
    if (named === null) {
      return { ...ty, args };
    }
    if (!Array.isArray(named)) {
      return named;
    }
    // The module defines it: the crate's own type, whatever a glob import might have brought.
    const qualified: Ty = { ...ty, segments: named, args };
    delete qualified.origin;
    return qualified;
  }
  if (ty.k === 'unknown' && ty.proj) {
    return { ...ty, proj: { ...ty.proj, self: renameBareTypes(ty.proj.self, read) } };
  }
  return mapTypeParts(ty, (t) => renameBareTypes(t, read)) ?? ty;
}

/** Rewrites the types a fn's signature names, in place (a param's pattern is found lazily). */
function rewriteFnTypes(fn: FnInfo, rewrite: (ty: Ty) => Ty): void {
  for (const p of fn.params) {
    p.ty = rewrite(p.ty);
  }
  fn.ret = rewrite(fn.ret);
  fn.selfTy = fn.selfTy && rewrite(fn.selfTy);
  for (const [param, out] of fn.callableOutputs) {
    fn.callableOutputs.set(param, out === 'async' ? out : rewrite(out));
  }
  for (const [param, inputs] of fn.callableParams ?? []) {
    fn.callableParams!.set(param, inputs.map(rewrite));
  }
  for (const [param, out] of fn.futureOutputs) {
    fn.futureOutputs.set(param, rewrite(out));
  }
}

/** Rewrites the types an impl's associated type (or a trait's declared bounds) names, in place. */
function rewriteAssocType(impl: AssocTypeImpl, rewrite: (ty: Ty) => Ty): void {
  impl.selfTy = rewrite(impl.selfTy);
  impl.ty = rewrite(impl.ty);
  for (const [, bounds] of impl.declaration?.assoc ?? []) {
    for (const bound of bounds) {
      bound.bindings = bound.bindings.map(([name, ty]) => [name, rewrite(ty)]);
    }
  }
}

/** Rewrites the types a type's fields, variants, defaults or alias name, in place. */
function rewriteUserType(type: UserType, rewrite: (ty: Ty) => Ty): void {
  if (type.kind !== 'alias' && type.defaults) {
    type.defaults = type.defaults.map((d) => d && rewrite(d));
  }
  if (type.kind === 'struct') {
    type.fields = type.fields.map((f) => ({ ...f, ty: rewrite(f.ty) }));
  } else if (type.kind === 'enum') {
    type.variants = type.variants.map((v) => ({ ...v, fields: v.fields.map(rewrite) }));
  } else {
    type.ty = rewrite(type.ty);
  }
}

function noteModule(index: ItemIndex, item: SyntaxNode, modPath: string[]): void {
  const name = item.childForFieldName('name')?.text;
  if (name) {
    const module = modPath[modPath.length - 1] ?? '';
    const list = index.typeModules.get(name) ?? [];
    list.push(module);
    index.typeModules.set(name, list);
    // Also under `module::Name`, for paths that say which of two same-named types they mean.
    const type = index.types.get(name);
    if (type && module) {
      index.types.set(`${module}::${name}`, type);
    }
  }
}

/** Type names declared in fn bodies while an index is built (the rest of the file may clash with them). */
const bodyTypes = new WeakMap<ItemIndex, Set<string>>();

/**
 * A type declared in a fn body with the name of another type of the file (before or after it):
 * which one a bare name means is not known here, so neither is assumed.
 */
function noteTypeClash(item: SyntaxNode, index: ItemIndex, inBody: boolean): void {
  const name = item.childForFieldName('name')?.text;
  if (!name) {
    return;
  }
  const declaredInBodies = bodyTypes.get(index) ?? new Set<string>();
  if (inBody ? index.types.has(name) : declaredInBodies.has(name)) {
    index.ambiguousTypes.add(name);
  }
  if (inBody) {
    bodyTypes.set(index, declaredInBodies.add(name));
  }
}

/** `itemType` and `attrs` as `compiledItems` read them (`struct_item` or `union_item`). */
function indexStruct(
  item: SyntaxNode,
  itemType: string,
  attrs: readonly string[],
  index: ItemIndex,
  cfg: CfgEnv = currentCfg(),
): void {
  const name = item.childForFieldName('name')?.text;
  if (!name) {
    return;
  }
  const params = typeParams(item.childForFieldName('type_parameters'));
  const scope: TypeScope = { generics: new Set(params), selfTy: null };
  const body = item.childForFieldName('body');
  const fields: { name: string; ty: Ty }[] = [];
  const bodyType = body?.type;
  if (body && bodyType === 'field_declaration_list') {
    for (const f of compiledItems(body.namedChildren, cfg)) {
      if (f.type === 'field_declaration') {
        const ty = f.node.childForFieldName('type');
        fields.push({
          name: f.node.childForFieldName('name')?.text ?? '_',
          ty: ty ? typeFromNode(ty, index, scope) : UNKNOWN,
        });
      }
    }
  } else if (body && bodyType === 'ordered_field_declaration_list') {
    body.childrenForFieldName('type').forEach((t, i) => {
      if (t) {
        fields.push({ name: String(i), ty: typeFromNode(t, index, scope) });
      }
    });
  }
  const repr = reprOf(attrs, cfg);
  index.types.set(name, {
    kind: 'struct',
    name,
    params,
    ...typeParamDefaults(item.childForFieldName('type_parameters'), index, scope),
    fields,
    reprC: repr.c,
    copy: hasDerive(attrs, 'Copy'),
    dropImpl: false,
    ...(itemType === 'union_item' ? { union: true } : {}),
    ...reprExtras(repr),
  });
}

/** `attrs` as `compiledItems` read them. */
function indexEnum(
  item: SyntaxNode,
  attrs: readonly string[],
  index: ItemIndex,
  cfg: CfgEnv = currentCfg(),
): void {
  const name = item.childForFieldName('name')?.text;
  if (!name) {
    return;
  }
  const params = typeParams(item.childForFieldName('type_parameters'));
  const scope: TypeScope = { generics: new Set(params), selfTy: null };
  const variants: { name: string; fields: Ty[]; fieldNames?: string[] }[] = [];
  for (const { node: v, type } of compiledItems(
    item.childForFieldName('body')?.namedChildren ?? [],
    cfg,
  )) {
    if (type !== 'enum_variant') {
      continue;
    }
    const body = v.childForFieldName('body');
    const fields: Ty[] = [];
    let fieldNames: string[] | undefined;
    const bodyType = body?.type;
    if (body && bodyType === 'field_declaration_list') {
      fieldNames = [];
      for (const f of compiledItems(body.namedChildren, cfg)) {
        const t = f.type === 'field_declaration' ? f.node.childForFieldName('type') : null;
        if (t) {
          fields.push(typeFromNode(t, index, scope));
          fieldNames.push(f.node.childForFieldName('name')?.text ?? '_');
        }
      }
    } else if (body && bodyType === 'ordered_field_declaration_list') {
      for (const t of body.childrenForFieldName('type')) {
        if (t) {
          fields.push(typeFromNode(t, index, scope));
        }
      }
    }
    variants.push({ name: v.childForFieldName('name')?.text ?? '_', fields, fieldNames });
  }
  index.types.set(name, {
    kind: 'enum',
    name,
    params,
    ...typeParamDefaults(item.childForFieldName('type_parameters'), index, scope),
    variants,
    copy: hasDerive(attrs, 'Copy'),
    dropImpl: false,
    reprTag: reprOf(attrs, cfg).tag,
    ...reprExtras(reprOf(attrs, cfg)),
  });
}

/**
 * Items that cannot be members of an impl: error recovery nests them in one after a stray brace
 * (`impl A { .. impl B { .. } }`), and `misplaced` indexes them where they belong. Types and consts
 * are not here: in an impl they are associated items (`type Output = ..;`), not the module's.
 */
const MISPLACED_ITEMS = new Set([
  'impl_item',
  'foreign_mod_item',
  'struct_item',
  'enum_item',
  'union_item',
  'mod_item',
  'trait_item',
  'use_declaration',
]);

function indexImpl(
  item: SyntaxNode,
  modPath: string[],
  index: ItemIndex,
  dropImpls: Set<string>,
  expand: ItemMacroExpander | undefined,
  signatures: SignatureMemo | undefined,
  misplaced: (item: CompiledChild) => void,
): readonly CompiledChild[] {
  const tyNode = item.childForFieldName('type');
  const traitNode = item.childForFieldName('trait');
  const params = typeParams(item.childForFieldName('type_parameters'));
  const selfTy = tyNode
    ? typeFromNode(tyNode, index, { generics: new Set(params), selfTy: null })
    : UNKNOWN;
  const typeName =
    selfTy.k === 'adt' ? selfTy.segments[selfTy.segments.length - 1] : (tyNode?.text ?? '_');
  const traitName = traitNode?.text.replace(/<.*$/s, '') ?? null;
  if (traitName === 'Drop' || traitName?.endsWith('::Drop')) {
    dropImpls.add(typeName);
  }
  const members = compiledItems(item.childForFieldName('body')?.namedChildren ?? []).flatMap((m) =>
    m.type === 'macro_invocation' ? compiledItems(expand?.(m.node)?.namedChildren ?? []) : [m],
  );
  for (const f of members) {
    if (f.type === 'function_item') {
      const info = indexFn(f.node, modPath, selfTy, traitName, index, signatures, params, typeName);
      push(index.methods, `${typeName}::${info.name}`, info);
      if (modPath.length) {
        push(index.methods, `${modPath[modPath.length - 1]}::${typeName}::${info.name}`, info);
      }
      push(index.methodsByName, info.name, info);
    } else if (f.type === 'type_item' && traitName !== null) {
      indexAssocType(f.node, { generics: params, selfTy, trait: traitName }, index);
    } else if (MISPLACED_ITEMS.has(f.type)) {
      misplaced(f);
    }
  }
  return members;
}

/** An impl's `type Name = ..;`, read with the impl's generics and `Self`. */
function indexAssocType(
  item: SyntaxNode,
  impl: { generics: string[]; selfTy: Ty; trait: string },
  index: ItemIndex,
): void {
  const name = item.childForFieldName('name')?.text;
  const tyNode = item.childForFieldName('type');
  if (!name || !tyNode) {
    return;
  }
  const scope = { generics: new Set(impl.generics), selfTy: impl.selfTy };
  const segments = impl.trait.split('::');
  push(index.assocTypes, name, {
    generics: impl.generics,
    selfTy: impl.selfTy,
    trait: segments[segments.length - 1].trim(),
    ty: typeFromNode(tyNode, index, scope),
  });
}

function indexFn(
  item: SyntaxNode,
  modPath: string[],
  selfTy: Ty | null,
  traitName: string | null,
  index: ItemIndex,
  signatures: SignatureMemo | undefined,
  outerGenerics: string[] = [],
  typeName?: string,
): FnInfo {
  const body = item.childForFieldName('body');
  const text = item.text;
  // Modifiers, generics and where clauses are in the text before the body.
  const header = body ? text.slice(0, body.startIndex - item.startIndex) : text;
  const owner =
    typeName ?? (selfTy?.k === 'adt' ? selfTy.segments[selfTy.segments.length - 1] : null);
  const place =
    signatures && signaturePlace(header, modPath, selfTy, traitName, outerGenerics, owner);
  let readings = place ? signatures!.get(place) : undefined;
  if (place && !readings) {
    readings = { names: [...identifiersIn(header)], byUses: new Map() };
    signatures!.set(place, readings);
  }
  const uses = readings && usesOf(readings.names, index);
  let signature = readings ? readings.byUses.get(uses!) : undefined;
  let params: ParamInfo[];
  if (signature) {
    params = withLazyPatterns(item, signature.params);
  } else {
    const pending = pendingLengths.get(index)?.length ?? 0;
    const read = readSignature(
      item,
      header,
      modPath,
      selfTy,
      traitName,
      index,
      outerGenerics,
      owner,
    );
    signature = read.signature;
    params = read.params;
    // An array length waiting for a const is filled in later, in place: such a signature is this index's own.
    if (readings && (pendingLengths.get(index)?.length ?? 0) === pending) {
      if (readings.byUses.size >= MAX_READINGS) {
        readings.byUses.clear();
      }
      readings.byUses.set(uses!, signature);
    }
  }
  const { name } = signature;
  const info: FnInfo = {
    name,
    path: signature.path,
    node: item,
    isAsync: signature.isAsync,
    selfTy,
    selfKind: signature.selfKind,
    params,
    ret: signature.ret,
    generics: signature.generics,
    callableOutputs: signature.callableOutputs.size
      ? new Map(signature.callableOutputs)
      : new Map(),
    ...(signature.callableParams?.size
      ? { callableParams: new Map(signature.callableParams) }
      : {}),
    onceCallables: signature.onceCallables,
    futureOutputs: signature.futureOutputs.size ? new Map(signature.futureOutputs) : new Map(),
    ...(signature.maybeUnsized?.length ? { maybeUnsized: signature.maybeUnsized } : {}),
    ...(signature.isAsync ? rewriteFields(asyncFnRewrite(item)) : {}),
    body,
    module: modPath,
  };
  index.byNode.set(item.id, info);
  if (!selfTy) {
    push(index.fns, name, info);
  }
  // Nested items (fns declared inside fn bodies) are named after the enclosing fn.
  if (body) {
    // Only items declared directly in the body. Most bodies declare none, and their text says so
    // without visiting a single statement (this runs for every fn on every keystroke).
    const declared = DECLARES_ITEMS.test(body.text) ? compiledItems(body.namedChildren) : [];
    for (const { node: child, type, attributes } of declared) {
      if (type === 'function_item') {
        indexFn(
          child,
          [...modPath, ...(owner ? [owner] : []), name],
          null,
          null,
          index,
          signatures,
        ).inBody = true;
      } else if (type === 'struct_item') {
        noteTypeClash(child, index, true);
        indexStruct(child, type, attributes, index);
      } else if (type === 'enum_item') {
        noteTypeClash(child, index, true);
        indexEnum(child, attributes, index);
      } else if (type === 'use_declaration') {
        indexUse(child.childForFieldName('argument'), [], index);
      }
    }
    markBodyDropImpls(declared, index);
  }
  return info;
}

/** A type declared in a fn body with its `impl Drop` beside it has drop glue (a guard's). */
function markBodyDropImpls(declared: readonly CompiledChild[], index: ItemIndex): void {
  for (const { node: child, type: childType } of declared) {
    if (childType === 'impl_item' && child.childForFieldName('trait')?.text === 'Drop') {
      const name = child
        .childForFieldName('type')
        ?.text.replace(/<[\s\S]*$/, '')
        .trim();
      const type = name ? index.types.get(name) : undefined;
      if (type && type.kind !== 'alias') {
        type.dropImpl = true;
      }
    }
  }
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/** The identifiers a text names (keywords and words in comments too: callers want a superset). */
export function identifiersIn(text: string): Set<string> {
  return new Set(text.match(IDENTIFIER) ?? []);
}
/** Readings kept per signature place: `use`s change rarely, and a long session must not grow without bound. */
const MAX_READINGS = 8;

/** A signature's text and where it is: everything it is read from besides the `use`s. */
function signaturePlace(
  header: string,
  modPath: string[],
  selfTy: Ty | null,
  traitName: string | null,
  outerGenerics: string[],
  owner: string | null,
): string {
  return [
    header,
    modPath.join('::'),
    selfTy ? JSON.stringify(selfTy) : '',
    traitName ?? '',
    outerGenerics.join(','),
    owner ?? '',
  ].join('\u0000');
}

/** What the `use`s read so far (they are read in file order) make of these names. */
function usesOf(names: string[], index: ItemIndex): string {
  let resolved = '';
  for (const name of names) {
    const use = index.uses.get(name);
    if (use) {
      resolved += `${name}=${use.join('::')}${index.types.has(name) ? '!' : ''};`;
    }
  }
  // A bare name no `use` names may come from a glob import of another crate (`resolveTypePath`).
  return resolved + globImportsKey(index);
}

/** The file's glob imports as text: part of every key that resolution by path reads. */
export function globImportsKey(index: ItemIndex): string {
  return index.globImports.length === 0
    ? ''
    : `*${index.globImports.map((g) => g.join('::')).join(',')}`;
}

/** The parameters of a fn whose signature came from the memo: their pattern nodes are found when first asked for (only a walk does). */
function withLazyPatterns(item: SyntaxNode, params: FnSignature['params']): ParamInfo[] {
  if (params.length === 0) {
    return [];
  }
  const patterns = new LazyPatterns(item);
  return params.map((p, i) => new LazyParam(p.ty, p.isSelf, p.patternText, patterns, i));
}

class LazyPatterns {
  private nodes: SyntaxNode[] | null = null;

  constructor(private readonly item: SyntaxNode) {}

  at(i: number): SyntaxNode {
    return (this.nodes ??= parameterPatterns(this.item))[i];
  }
}

class LazyParam implements ParamInfo {
  constructor(
    public ty: Ty,
    public isSelf: boolean,
    public patternText: string,
    private readonly patterns: LazyPatterns,
    private readonly position: number,
  ) {}

  get pattern(): SyntaxNode {
    return this.patterns.at(this.position);
  }
}

/** The pattern (or `self`) node of each parameter `readSignature` keeps, in order. */
function parameterPatterns(item: SyntaxNode): SyntaxNode[] {
  const patterns: SyntaxNode[] = [];
  for (const p of item.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p?.type === 'self_parameter') {
      patterns.push(p);
    } else if (p?.type === 'parameter') {
      const pattern = p.childForFieldName('pattern');
      if (pattern) {
        patterns.push(pattern);
      }
    }
  }
  return patterns;
}

/**
 * A parameter's `impl Trait` type is an anonymous generic parameter of the fn (rustc's
 * `impl FnMut() -> R` in `{async fn body of hold<usize, {closure@..}>()}`): each call binds it,
 * so a generic async fn is sized for the closure or future passed, like a named `F`.
 */
function anonymousGeneric(
  node: SyntaxNode,
  generics: string[],
  anonymous: AnonymousGeneric[],
): Ty | null {
  // `impl Future<Output = T> + Send` is the `impl` type bounded further.
  const impl = node.type === 'bounded_type' ? node.namedChildren[0] : node;
  if (impl?.type !== 'abstract_type') {
    return null;
  }
  // Each `impl Trait` is a parameter of its own: `copy(from: impl AsRef<Path>, to: impl
  // AsRef<Path>)` called with `&PathBuf` and `&str` binds them to two types.
  const text = node.text.replace(/\s+/g, ' ');
  let name = text;
  for (let n = 2; anonymous.some((a) => a.name === name); n++) {
    name = `${text} #${n}`;
  }
  generics.push(name);
  anonymous.push({ name, node: impl });
  return { k: 'param', name };
}

/** An `impl Trait` parameter type: its name as a generic, and the node whose trait bounds it. */
interface AnonymousGeneric {
  name: string;
  node: SyntaxNode;
}

function readSignature(
  item: SyntaxNode,
  header: string,
  modPath: string[],
  selfTy: Ty | null,
  traitName: string | null,
  index: ItemIndex,
  outerGenerics: string[],
  owner: string | null,
): { signature: FnSignature; params: ParamInfo[] } {
  const name = item.childForFieldName('name')?.text ?? '_';
  const typeParameters = item.childForFieldName('type_parameters');
  const generics = [...outerGenerics, ...typeParams(typeParameters)];
  const scope: TypeScope = { generics: new Set(generics), selfTy };
  const params: ParamInfo[] = [];
  const anonymous: AnonymousGeneric[] = [];
  let selfKind: SelfKind = null;
  for (const p of item.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) {
      continue;
    }
    const type = p.type;
    if (type === 'self_parameter') {
      const isRef = p.children.some((c) => c?.type === '&');
      const isMut = p.children.some((c) => c?.type === 'mutable_specifier');
      selfKind = isRef ? (isMut ? 'mut' : 'ref') : 'value';
      const base = selfTy ?? UNKNOWN;
      params.push({
        pattern: p,
        patternText: p.text,
        ty: isRef ? { k: 'ref', mut: isMut, inner: base } : base,
        isSelf: true,
      });
    } else if (type === 'parameter') {
      const pattern = p.childForFieldName('pattern');
      const tyNode = p.childForFieldName('type');
      if (!pattern) {
        continue;
      }
      const ty = !tyNode
        ? UNKNOWN
        : (anonymousGeneric(tyNode, generics, anonymous) ?? typeFromNode(tyNode, index, scope));
      const isSelf = pattern.type === 'self';
      if (isSelf) {
        selfKind = ty.k === 'ref' ? (ty.mut ? 'mut' : 'ref') : 'value';
      }
      params.push({ pattern, patternText: pattern.text, ty, isSelf });
    }
  }
  const retNode = item.childForFieldName('return_type');
  const ret = retNode ? typeFromNode(retNode, index, scope) : UNIT;
  const beforeFn = header.slice(0, Math.max(0, header.search(/\bfn\b/)));
  const path =
    traitName && owner
      ? `<${[...modPath, owner].join('::')} as ${traitName}>::${name}`
      : [...modPath, ...(owner ? [owner] : []), name].join('::');
  const signature: FnSignature = {
    name,
    path,
    isAsync: /\basync\b/.test(beforeFn),
    selfKind,
    params: params.map((p) => ({ ty: p.ty, isSelf: p.isSelf, patternText: p.patternText })),
    ret,
    generics,
    ...(typeParameters || anonymous.length || /\bwhere\b/.test(header)
      ? genericBounds(item, index, scope, anonymous)
      : { callableOutputs: new Map(), futureOutputs: new Map(), onceCallables: new Set<string>() }),
  };
  return { signature, params };
}

/** `F: FnMut(A) -> R` and `Fut: Future<Output = T>` bounds, from the generic parameters and the where clause. */
function genericBounds(
  item: SyntaxNode,
  index: ItemIndex,
  scope: TypeScope,
  anonymous: readonly AnonymousGeneric[],
): {
  callableOutputs: Map<string, Ty | 'async'>;
  callableParams: Map<string, Ty[]>;
  futureOutputs: Map<string, Ty>;
  onceCallables: Set<string>;
  maybeUnsized: string[];
} {
  const callableOutputs = new Map<string, Ty | 'async'>();
  const callableParams = new Map<string, Ty[]>();
  const onceCallables = new Set<string>();
  const futureOutputs = new Map<string, Ty>();
  const maybeUnsized: string[] = [];
  const record = (param: string | undefined, bounds: SyntaxNode | null) => {
    for (const b of bounds?.namedChildren ?? []) {
      if (!param || !b) {
        continue;
      }
      if (/^\?\s*Sized$/.test(b.text)) {
        maybeUnsized.push(param);
      } else if (b.type === 'function_type') {
        const trait = b.childForFieldName('trait')?.text ?? '';
        const ret = b.childForFieldName('return_type');
        if (/(^|::)(Async)?FnOnce$/.test(trait)) {
          onceCallables.add(param);
        }
        if (/^Async/.test(trait)) {
          callableOutputs.set(param, 'async');
        } else if (/^Fn(Mut|Once)?$/.test(trait)) {
          callableOutputs.set(param, ret ? typeFromNode(ret, index, scope) : UNIT);
          const inputs = b.childForFieldName('parameters')?.namedChildren ?? [];
          callableParams.set(
            param,
            inputs.map((t) => (t ? typeFromNode(t, index, scope) : UNKNOWN)),
          );
        }
      } else if (
        b.type === 'generic_type' &&
        /(^|::)(Into)?Future$/.test(b.childForFieldName('type')?.text ?? '')
      ) {
        for (const arg of b.childForFieldName('type_arguments')?.namedChildren ?? []) {
          const ty =
            arg?.type === 'type_binding' && arg.childForFieldName('name')?.text === 'Output'
              ? arg.childForFieldName('type')
              : null;
          if (ty) {
            futureOutputs.set(param, typeFromNode(ty, index, scope));
          }
        }
      }
    }
  };
  for (const p of item.childForFieldName('type_parameters')?.namedChildren ?? []) {
    if (p?.type === 'type_parameter') {
      record(p.childForFieldName('name')?.text, p.childForFieldName('bounds'));
    }
  }
  for (const clause of item.namedChildren) {
    if (clause?.type !== 'where_clause') {
      continue;
    }
    for (const pred of clause.namedChildren) {
      if (pred?.type === 'where_predicate') {
        record(pred.childForFieldName('left')?.text, pred.childForFieldName('bounds'));
      }
    }
  }
  for (const { name, node } of anonymous) {
    // `impl FnMut() -> R`: its trait is the bound of the parameter it stands for.
    record(name, node);
  }
  return { callableOutputs, callableParams, futureOutputs, onceCallables, maybeUnsized };
}

/**
 * How a `#[cfg(test)] use` binds: only names no other `use` has bound, so which of two imports of
 * a name counts does not depend on their order.
 */
function bindUnbound(uses: Map<string, string[]>): UseBinder {
  return (name, path) => {
    if (!uses.has(name)) {
      uses.set(name, path);
    }
  };
}

type UseBinder = (name: string, path: string[]) => void;

function indexUse(
  node: SyntaxNode | null,
  prefix: string[],
  index: ItemIndex,
  bind: UseBinder = (name, path) => index.uses.set(name, path),
): void {
  if (!node) {
    return;
  }
  const uses = { set: bind };
  switch (node.type) {
    case 'use_wildcard': {
      const path = node.namedChildren[0];
      index.globImports.push([
        ...prefix,
        ...(path ? path.text.split('::').map((s) => s.trim()) : []),
      ]);
      break;
    }
    case 'identifier':
    case 'type_identifier':
      uses.set(node.text, [...prefix, node.text]);
      break;
    case 'scoped_identifier': {
      const path = [...prefix, ...node.text.split('::').map((s) => s.trim())];
      uses.set(path[path.length - 1], path);
      break;
    }
    case 'use_as_clause': {
      const path = node.childForFieldName('path');
      const alias = node.childForFieldName('alias');
      if (path && alias) {
        uses.set(alias.text, [...prefix, ...path.text.split('::').map((s) => s.trim())]);
      }
      break;
    }
    case 'scoped_use_list': {
      const path = node.childForFieldName('path');
      const next = path ? [...prefix, ...path.text.split('::').map((s) => s.trim())] : prefix;
      indexUse(node.childForFieldName('list'), next, index, bind);
      break;
    }
    case 'use_list':
      for (const child of node.namedChildren) {
        if (child?.type === 'self') {
          if (prefix.length) {
            uses.set(prefix[prefix.length - 1], prefix);
          }
        } else {
          indexUse(child, prefix, index, bind);
        }
      }
      break;
    default:
      break;
  }
}

/** Integer value of a const expression, or null. */
export function evalConst(node: SyntaxNode, consts: Map<string, number>): number | null {
  switch (node.type) {
    case 'integer_literal': {
      const text = node.text.replace(/_/g, '').replace(/(u|i)(8|16|32|64|128|size)$/, '');
      const v = Number(text);
      return Number.isFinite(v) ? v : null;
    }
    case 'identifier':
      return consts.get(node.text) ?? null;
    case 'scoped_identifier': {
      // `Ext::MAX`: the impl's const (see `indexAssociatedConsts`) before a free one of that name.
      const owner = node.childForFieldName('path')?.text.split('::').pop();
      const name = node.childForFieldName('name')?.text ?? '';
      return consts.get(`${owner}::${name}`) ?? consts.get(name) ?? null;
    }
    case 'parenthesized_expression':
      return node.namedChildren[0] ? evalConst(node.namedChildren[0], consts) : null;
    case 'type_cast_expression': {
      const v = node.childForFieldName('value');
      return v ? evalConst(v, consts) : null;
    }
    case 'binary_expression': {
      const l = node.childForFieldName('left');
      const r = node.childForFieldName('right');
      const op = node.childForFieldName('operator')?.text ?? node.children[1]?.text;
      const a = l ? evalConst(l, consts) : null;
      const b = r ? evalConst(r, consts) : null;
      if (a === null || b === null) {
        return null;
      }
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? null : Math.floor(a / b);
        case '%':
          return b === 0 ? null : a % b;
        case '<<':
          return a * 2 ** b;
        case '>>':
          return Math.floor(a / 2 ** b);
        case '|':
          return a | b;
        case '&':
          return a & b;
        default:
          return null;
      }
    }
    case 'block': {
      const last = node.namedChildren[node.namedChildren.length - 1];
      return last ? evalConst(last, consts) : null;
    }
    default:
      return null;
  }
}

/**
 * One file's view of its crate: its own items first, then every other file's (best-effort name
 * resolution: by name, ignoring module visibility). `use` aliases stay the file's own.
 */
export function mergeIndexes(local: ItemIndex, crate: ItemIndex): ItemIndex {
  const merged: ItemIndex = {
    types: new LayeredMap(local.types, crate.types),
    consts: new LayeredMap(local.consts, crate.consts),
    constTypes: new LayeredMap(local.constTypes, crate.constTypes),
    fns: new LayeredListMap(local.fns, crate.fns),
    methods: new LayeredListMap(local.methods, crate.methods),
    methodsByName: new LayeredListMap(local.methodsByName, crate.methodsByName),
    uses: local.uses,
    globImports: local.globImports,
    ambiguousTypes: local.ambiguousTypes,
    byNode: new LayeredMap(local.byNode, crate.byNode),
    typeModules: crate.typeModules,
    assocTypes: crate.assocTypes,
  };
  carryCompanion(crate, merged);
  return merged;
}

function* layeredKeys<K>(top: Map<K, unknown>, base: Map<K, unknown>): MapIterator<K> {
  yield* top.keys();
  for (const key of base.keys()) {
    if (!top.has(key)) {
      yield key;
    }
  }
}

/** A read view of two maps, the first one winning; built in O(1) so every file of a big crate can have one. */
class LayeredMap<K, V> extends Map<K, V> {
  constructor(
    private readonly top: Map<K, V>,
    private readonly base: Map<K, V>,
  ) {
    super();
  }

  override get(key: K): V | undefined {
    return this.top.get(key) ?? this.base.get(key);
  }

  override has(key: K): boolean {
    return this.top.has(key) || this.base.has(key);
  }

  /** Both layers' keys (the other iteration methods see an empty map). */
  override keys(): MapIterator<K> {
    return layeredKeys(this.top, this.base);
  }
}

/** Like LayeredMap for lists: the file's own entries first, then the crate's others. */
class LayeredListMap<K, V> extends Map<K, V[]> {
  constructor(
    private readonly top: Map<K, V[]>,
    private readonly base: Map<K, V[]>,
  ) {
    super();
  }

  override get(key: K): V[] | undefined {
    const own = this.top.get(key);
    const all = this.base.get(key);
    if (!own) {
      return all;
    }
    return all ? [...own, ...all.filter((x) => !own.includes(x))] : own;
  }

  override has(key: K): boolean {
    return this.top.has(key) || this.base.has(key);
  }

  /** Both layers' keys (the other iteration methods see an empty map). */
  override keys(): MapIterator<K> {
    return layeredKeys(this.top, this.base);
  }
}

/** The items of several files together (the crate as a whole). */
export function combineIndexes(indexes: ItemIndex[]): ItemIndex {
  const combined = emptyIndex();
  for (const index of indexes) {
    index.types.forEach((v, k) => combined.types.has(k) || combined.types.set(k, v));
    index.consts.forEach((v, k) => combined.consts.has(k) || combined.consts.set(k, v));
    index.constTypes.forEach((v, k) => combined.constTypes.has(k) || combined.constTypes.set(k, v));
    index.assocTypes.forEach((v, k) =>
      combined.assocTypes.set(k, [...(combined.assocTypes.get(k) ?? []), ...v]),
    );
    for (const key of ['fns', 'methods', 'methodsByName'] as const) {
      // Appended in place (the combined lists are its own): copying them each time was quadratic
      // in a name's definitions (`new`, `poll` in tokio).
      index[key].forEach((v, k) => {
        const list = combined[key].get(k);
        if (list) {
          list.push(...v);
        } else {
          combined[key].set(k, [...v]);
        }
      });
    }
    index.byNode.forEach((v, k) => combined.byNode.set(k, v));
    index.typeModules.forEach((v, k) =>
      combined.typeModules.set(k, [...(combined.typeModules.get(k) ?? []), ...v]),
    );
  }
  return combined;
}

interface PendingLength {
  ty: Ty & { k: 'array' };
  node: SyntaxNode;
}
const pendingLengths = new WeakMap<ItemIndex, PendingLength[]>();

function resolveLengths(index: ItemIndex): void {
  for (const p of pendingLengths.get(index) ?? []) {
    p.ty.len = evalConst(p.node, index.consts);
  }
  pendingLengths.delete(index);
}

/** Converts a type node to the Ty model, resolving `Self`, generics and `use` aliases. */
/** Types nested deeper than this are not read (rustc's own recursion limit for types is 128). */
const MAX_TYPE_DEPTH = 128;
let typeDepth = 0;

/**
 * The type a type node names. Nesting is bounded (`Vec<Vec<…3000 levels…>>` is an unknown type,
 * not a stack overflow that would lose the whole file).
 */
export function typeFromNode(
  node: SyntaxNode,
  index: ItemIndex,
  scope: TypeScope = EMPTY_SCOPE,
): Ty {
  if (typeDepth >= MAX_TYPE_DEPTH) {
    return { k: 'unknown', text: 'a type nested too deep' };
  }
  typeDepth++;
  try {
    return typeFromNodeAtDepth(node, index, scope);
  } finally {
    typeDepth--;
  }
}

function typeFromNodeAtDepth(node: SyntaxNode, index: ItemIndex, scope: TypeScope): Ty {
  switch (node.type) {
    case 'primitive_type':
      return node.text === 'str' ? { k: 'str' } : prim(node.text);
    case 'unit_type':
      return UNIT;
    case 'never_type':
      return { k: 'never' };
    case 'type_identifier': {
      const name = node.text;
      if (name === 'Self') {
        return scope.selfTy ?? { k: 'param', name: 'Self' };
      }
      if (scope.generics.has(name)) {
        return { k: 'param', name };
      }
      return resolveTypePath([name], [], index);
    }
    case 'scoped_type_identifier':
      return (
        projectionFromNode(node, scope.generics, scope.selfTy, (n) =>
          typeFromNode(n, index, scope),
        ) ??
        resolveTypePath(
          node.text.split('::').map((s) => s.trim()),
          [],
          index,
        )
      );
    case 'generic_type': {
      const base = node.childForFieldName('type');
      const args: Ty[] = [];
      for (const a of node.childForFieldName('type_arguments')?.namedChildren ?? []) {
        const type = a?.type;
        if (a && type !== 'lifetime' && type !== 'type_binding' && type !== 'trait_bounds') {
          args.push(typeFromNode(a, index, scope));
        }
      }
      const segments = (base?.text ?? '_').split('::').map((s) => s.trim());
      return resolveTypePath(segments, args, index);
    }
    case 'reference_type': {
      const inner = node.childForFieldName('type');
      // `&mut T`, `&'a mut T`: the text says it without visiting the children.
      const mut = /^&\s*(?:'\w+\s+)?mut\b/.test(node.text);
      return { k: 'ref', mut, inner: inner ? typeFromNode(inner, index, scope) : UNKNOWN };
    }
    case 'pointer_type': {
      const inner = node.childForFieldName('type');
      return { k: 'ptr', inner: inner ? typeFromNode(inner, index, scope) : UNKNOWN };
    }
    case 'array_type': {
      const elemNode = node.childForFieldName('element');
      const lenNode = node.childForFieldName('length');
      const elem = elemNode ? typeFromNode(elemNode, index, scope) : UNKNOWN;
      if (!lenNode) {
        return { k: 'slice', elem };
      }
      const ty: Ty & { k: 'array' } = { k: 'array', elem, len: evalConst(lenNode, index.consts) };
      if (ty.len === null) {
        const list = pendingLengths.get(index) ?? [];
        list.push({ ty, node: lenNode });
        pendingLengths.set(index, list);
      }
      return ty;
    }
    case 'tuple_type':
      // `(dyn Tr + Send)` is a parenthesised type, not a 1-tuple (that needs a trailing comma).
      if (node.namedChildren.length === 1 && !/,\s*\)$/.test(node.text)) {
        return typeFromNode(node.namedChildren[0]!, index, scope);
      }
      return {
        k: 'tuple',
        elems: node.namedChildren
          .filter((c): c is SyntaxNode => !!c)
          .map((c) => typeFromNode(c, index, scope)),
      };
    case 'function_type':
      return { k: 'fnptr' };
    case 'dynamic_type': {
      const output = dynFutureOutput(node);
      return output
        ? { k: 'dyn', text: node.text, output: typeFromNode(output, index, scope) }
        : { k: 'dyn', text: node.text };
    }
    case 'bounded_type': {
      const first = node.namedChildren[0];
      return first ? typeFromNode(first, index, scope) : UNKNOWN;
    }
    case 'abstract_type':
      return { k: 'unknown', text: node.text };
    default:
      return { k: 'unknown', text: node.text };
  }
}

/**
 * The type a path names, resolved through the file's `use`s. A path that cannot be std's keeps its
 * `crate` root (for `crate::`, `self::`, `super::`) and is marked with its {@link TypeOrigin}, so a
 * type of another crate is never sized as the std type of the same name.
 */
export function resolveTypePath(segments: string[], args: Ty[], index: ItemIndex): Ty {
  const shadowed = shadowedImport(segments, index);
  if (shadowed) {
    return { k: 'unknown', text: shadowed };
  }
  const clean = resolvePath(segments, index);
  // `io::Result<T>` and `fmt::Result` are aliases of `Result` with a fixed error type.
  const qualifier = clean[clean.length - 2];
  if (clean[clean.length - 1] === 'Result' && args.length === 1 && qualifier === 'io') {
    return {
      k: 'adt',
      segments: ['Result'],
      args: [args[0], { k: 'adt', segments: ['io', 'Error'], args: [] }],
    };
  }
  if (clean[clean.length - 1] === 'Result' && args.length === 0 && qualifier === 'fmt') {
    return {
      k: 'adt',
      segments: ['Result'],
      args: [
        { k: 'tuple', elems: [] },
        { k: 'adt', segments: ['fmt', 'Error'], args: [] },
      ],
    };
  }
  if (clean.length === 1 && clean[0] in { u8: 1 }) {
    return prim(clean[0]);
  }
  const origin = originOf(clean, index);
  return origin ? { k: 'adt', segments: clean, args, origin } : { k: 'adt', segments: clean, args };
}

/**
 * A bare name the file both defines (in some module of it) and imports from another crate: which
 * one a use of it means depends on the module it is in, which the file's index does not keep.
 */
function shadowedImport(segments: string[], index: ItemIndex): string | null {
  const name = segments.length === 1 ? segments[0] : null;
  const imported = name !== null && index.types.has(name) ? index.uses.get(name) : undefined;
  if (!imported || imported.length < 2) {
    return null;
  }
  const root = imported[0];
  const local =
    root === 'crate' ||
    root === 'self' ||
    root === 'super' ||
    STD_ROOTS.has(root) ||
    definesModule(index, root);
  return local ? null : `${name} (this file's own or ${imported.join('::')})`;
}

/** Whether some type of the index is defined in a module of this name. */
function definesModule(index: ItemIndex, module: string): boolean {
  // Without copying the map's values: this runs for every type named in every signature.
  for (const modules of index.typeModules.values()) {
    if (modules.includes(module)) {
      return true;
    }
  }
  return false;
}

/** A written path resolved through the file's `use`s (see `resolvePath`). */
export function resolveWrittenPath(segments: string[], index: ItemIndex): string[] {
  return resolvePath(segments, index);
}

/** A written path with its first segment resolved through the `use`s; `crate::`, `self::`, `super::` paths start with `crate`. */
function resolvePath(segments: string[], index: ItemIndex): string[] {
  const written = segments[0] === '' ? segments.slice(1) : segments;
  const head = index.uses.get(written[0]);
  const full = head && !index.types.has(written[0]) ? [...head, ...written.slice(1)] : written;
  const local = full[0] === 'crate' || full[0] === 'self' || full[0] === 'super';
  return local
    ? ['crate', ...full.filter((s) => s !== 'crate' && s !== 'self' && s !== 'super')]
    : full;
}

/**
 * Whether a called path (`tokio::spawn`, `Mutex::new` after `use tokio::sync::Mutex`) leads to
 * another crate: then nothing std's of the same name tells its type. Paths through std, this crate
 * (`crate::`, a type or fn of this file or crate), `Self` and the number types do not.
 */
export function callLeavesCrateAndStd(segments: string[], index: ItemIndex): boolean {
  const owner = segments[segments.length - 2];
  if (owner === undefined || owner === 'Self' || isPrimitiveName(owner)) {
    return false;
  }
  const path = resolvePath(segments, index);
  if (path[0] === 'crate' || STD_ROOTS.has(path[0]) || index.types.has(path[path.length - 2])) {
    return false;
  }
  const written = segments.join('::');
  if (
    (index.fns.get(segments[segments.length - 1]) ?? []).some(
      (f) => f.path === written || f.path.endsWith(`::${written}`),
    )
  ) {
    return false;
  }
  if (path.length === 2 && /^[A-Z]/.test(path[0])) {
    // `Instant::now()` with no `use` naming `Instant`: std's unless a glob import of another crate may bring it.
    return originOf([path[0]], index) !== undefined;
  }
  return true;
}

/** Where a resolved path leads when it cannot be std's; undefined when it may be (std paths, the prelude). */
function originOf(path: string[], index: ItemIndex): TypeOrigin | undefined {
  if (path[0] === 'crate') {
    return 'crate';
  }
  if (path.length > 1) {
    return STD_ROOTS.has(path[0]) ? undefined : 'dependency';
  }
  // A bare name no `use` names: std's prelude, this crate's type, or what a glob import brings.
  const name = path[0];
  if (PRELUDE_TYPES.has(name) || index.types.has(name)) {
    return undefined;
  }
  const foreignGlob = index.globImports.some(
    (glob) =>
      glob.length > 0 &&
      !STD_ROOTS.has(glob[0]) &&
      glob[0] !== 'crate' &&
      glob[0] !== 'self' &&
      glob[0] !== 'super',
  );
  return foreignGlob ? 'dependency' : undefined;
}

/**
 * In a crate, a type named in a signature or a field reaches other files as its bare name
 * (`Notified`), where another module's type of the same name would answer to it (tokio has
 * `sync::notify::Notified` and `runtime::task::Notified`). The names this file defines at its top
 * level that other files define too are qualified with this file's module (`notify::Notified`),
 * a key the index also holds; it resolves to this file's type wherever the type travels. Where
 * another module of the same last name defines it too (reqwest's `async_impl::body::Body` and
 * `blocking::body::Body`), that key says nothing: the name gets the file's whole module path
 * (`crate::async_impl::body::Body`), which the crate's modules resolve (`crateTypeAt`).
 */
export function qualifySharedTypeNames(
  index: ItemIndex,
  modulePath: readonly string[],
  definedElsewhere: (name: string) => boolean,
  definedInModuleOfSameName: (name: string) => boolean = () => false,
): void {
  const module = modulePath[modulePath.length - 1] ?? '';
  if (!module) {
    return;
  }
  const shared = new Set(
    [...index.typeModules]
      .filter(
        ([name, modules]) =>
          modules.includes(module) && name !== 'Result' && definedElsewhere(name),
      )
      .map(([name]) => name),
  );
  if (shared.size === 0) {
    return;
  }
  const qualified = (name: string): Pick<Ty & { k: 'adt' }, 'segments' | 'origin'> =>
    definedInModuleOfSameName(name)
      ? { segments: ['crate', ...modulePath, name], origin: 'crate' }
      : { segments: [module, name] };
  const qualify = (ty: Ty): Ty => {
    switch (ty.k) {
      case 'adt': {
        const args = ty.args.map(qualify);
        return ty.segments.length === 1 && shared.has(ty.segments[0])
          ? { ...ty, ...qualified(ty.segments[0]), args }
          : { ...ty, args };
      }
      case 'ref':
      case 'ptr':
        return { ...ty, inner: qualify(ty.inner) };
      case 'array':
      case 'slice':
        return { ...ty, elem: qualify(ty.elem) };
      case 'tuple':
        return { ...ty, elems: ty.elems.map(qualify) };
      default:
        return ty;
    }
  };
  for (const fn of index.byNode.values()) {
    // In place: a param's pattern node may be found lazily, and a copy would lose it.
    rewriteFnTypes(fn, qualify);
  }
  for (const impl of [...index.assocTypes.values()].flat()) {
    rewriteAssocType(impl, qualify);
  }
  for (const type of new Set(index.types.values())) {
    rewriteUserType(type, qualify);
  }
}

/** `T` of `dyn Future<Output = T>` (with `+ Send` and lifetimes); null for any other trait. */
function dynFutureOutput(node: SyntaxNode): SyntaxNode | null {
  const traits = node.namedChildren.flatMap((c) =>
    c?.type === 'bounded_type' ? c.namedChildren : [c],
  );
  for (const t of traits) {
    const name = t?.type === 'generic_type' ? t.childForFieldName('type')?.text : undefined;
    if (!name || !/^((std|core)::future::)?Future$/.test(name.replace(/\s+/g, ''))) {
      continue;
    }
    for (const arg of t!.childForFieldName('type_arguments')?.namedChildren ?? []) {
      if (arg?.type === 'type_binding' && arg.childForFieldName('name')?.text === 'Output') {
        return arg.childForFieldName('type');
      }
    }
  }
  return null;
}

/** The `FnInfo` fields an `async fn`'s attribute macros set (see `attributeMacros.ts`). */
function rewriteFields(rewrite: AsyncFnRewrite): Pick<FnInfo, 'boxedFuture' | 'rewrittenBy'> {
  if (rewrite.kind === 'asyncTrait') {
    return { boxedFuture: true };
  }
  return rewrite.kind === 'unknown' ? { rewrittenBy: rewrite.macro } : {};
}
