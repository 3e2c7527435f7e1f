/**
 * `#[cfg(...)]` gates, evaluated the way a plain `cargo build` on Linux x86_64 (dev profile)
 * evaluates them, so code compiled out is neither indexed nor walked.
 *
 * - true: `unix`, `debug_assertions`, `target_family = "unix"`, `target_os = "linux"`,
 *   `target_arch = "x86_64"`, `target_pointer_width = "64"`, `target_endian = "little"`,
 *   `target_env = "gnu"`, `target_vendor = "unknown"`, `panic = "unwind"`,
 *   `target_has_atomic = "8" | "16" | "32" | "64" | "ptr"`.
 * - `feature = "..."`: true for the package's enabled features as cargo resolves them (see
 *   `project/buildConfiguration.ts`), false for every other name, declared or not (as rustc).
 *   A file outside any package has no feature list to read: there every feature is on
 *   (`HOST_CFG`), which matches `--features full`.
 * - false: every other value of those keys, `windows`, `doc`, `doctest`, `miri`, `loom`, and any
 *   other bare or `key = "value"` cfg: custom cfgs are off unless a build script or RUSTFLAGS sets them.
 * - unknown: `test`. Test code is edited too and deserves its hints (rust-analyzer also analyses
 *   workspace crates with `cfg(test)` on), while `cargo build` compiles what `not(test)` guards:
 *   code behind either is kept. Evaluation is three-valued, so `all(loom, test)` is still false.
 * - A predicate that does not parse keeps the code. `#[cfg_attr(...)]` is not a gate.
 */
import { Children, childTypes, itemListTypes } from './childTypes';
import type { SyntaxNode } from './parser';

export type CfgPredicate =
  | { k: 'all' | 'any'; args: CfgPredicate[] }
  | { k: 'not'; arg: CfgPredicate }
  | { k: 'name'; name: string }
  | { k: 'kv'; key: string; value: string };

/** What is set in the build: bare names, `key = "value"` pairs, and whether any feature is on. */
export interface CfgEnv {
  names: ReadonlySet<string>;
  /** Bare names that may or may not be set (code behind them, or behind their negation, is kept). */
  unknown?: ReadonlySet<string>;
  values: ReadonlyMap<string, ReadonlySet<string>>;
  /** `feature = "..."`: true for all features, or the set of enabled ones. */
  features: true | ReadonlySet<string>;
}

/** `cargo build` on x86_64-unknown-linux-gnu, dev profile, all features (outside a package). */
export const HOST_CFG: CfgEnv = {
  names: new Set(['unix', 'debug_assertions']),
  unknown: new Set(['test']),
  values: new Map<string, ReadonlySet<string>>([
    ['target_family', new Set(['unix'])],
    ['target_os', new Set(['linux'])],
    ['target_arch', new Set(['x86_64'])],
    ['target_pointer_width', new Set(['64'])],
    ['target_endian', new Set(['little'])],
    ['target_env', new Set(['gnu'])],
    ['target_vendor', new Set(['unknown'])],
    ['target_abi', new Set([''])],
    ['panic', new Set(['unwind'])],
    ['target_has_atomic', new Set(['8', '16', '32', '64', 'ptr'])],
    ['target_has_atomic_load_store', new Set(['8', '16', '32', '64', 'ptr'])],
    ['target_has_atomic_equal_alignment', new Set(['8', '16', '32', '64', 'ptr'])],
    ['target_feature', new Set(['fxsr', 'sse', 'sse2'])],
  ]),
  features: true,
};

/** `HOST_CFG` with exactly these features enabled (a package's, as cargo resolved them). */
export function cfgWithFeatures(features: Iterable<string>): CfgEnv {
  return { ...HOST_CFG, features: new Set(features) };
}

const keys = new WeakMap<CfgEnv, string>();

/** A short text that tells cfgs apart, for cache keys: `*` for `HOST_CFG`. */
export function cfgKey(env: CfgEnv = HOST_CFG): string {
  if (env === HOST_CFG) {
    return '*';
  }
  let key = keys.get(env);
  if (key === undefined) {
    const features = env.features === true ? ['*'] : [...env.features].sort();
    key = JSON.stringify([
      [...env.names].sort(),
      [...(env.unknown ?? [])].sort(),
      [...env.values].map(([k, v]) => [k, [...v].sort()]).sort(),
      features,
    ]);
    keys.set(env, key);
  }
  return key;
}

/**
 * The cfg gates are evaluated in. An analysis runs synchronously from start to end, so it sets it
 * for its duration (`withCfg`) instead of handing it down through every item, body and match arm
 * reader that asks whether a node is compiled in.
 */
let activeCfg: CfgEnv = HOST_CFG;

/**
 * Runs `work` with `cfg` as the cfg every gate is evaluated in; without one, in the cfg already in
 * force (`HOST_CFG` outside any), so an analysis inside another (a fix's verification) inherits it.
 */
export function withCfg<T>(cfg: CfgEnv | undefined, work: () => T): T {
  const outer = activeCfg;
  activeCfg = cfg ?? outer;
  try {
    return work();
  } finally {
    activeCfg = outer;
  }
}

/** The cfg in force (see `withCfg`). */
export function currentCfg(): CfgEnv {
  return activeCfg;
}

/** Parses the text inside `cfg(...)`; null when it is not a predicate. */
export function parseCfgPredicate(text: string): CfgPredicate | null {
  const tokens =
    text.match(/r#[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*"|[(),=]|\S/g) ??
    [];
  let i = 0;
  const ident = (t: string | undefined): t is string => !!t && /^(r#)?[A-Za-z_]/.test(t);
  const parse = (): CfgPredicate | null => {
    const name = tokens[i];
    if (!ident(name)) {
      return null;
    }
    i++;
    if (tokens[i] === '=') {
      const value = tokens[i + 1];
      if (!value || !value.startsWith('"')) {
        return null;
      }
      i += 2;
      return { k: 'kv', key: name, value: value.slice(1, -1) };
    }
    if (tokens[i] !== '(') {
      return { k: 'name', name };
    }
    if (name !== 'all' && name !== 'any' && name !== 'not') {
      return null;
    }
    i++;
    const args: CfgPredicate[] = [];
    while (tokens[i] !== ')') {
      const arg = parse();
      if (!arg) {
        return null;
      }
      args.push(arg);
      if (tokens[i] === ',') {
        i++;
      } else if (tokens[i] !== ')') {
        return null;
      }
    }
    i++;
    if (name === 'not') {
      return args.length === 1 ? { k: 'not', arg: args[0] } : null;
    }
    return { k: name, args };
  };
  const pred = parse();
  return pred && i === tokens.length ? pred : null;
}

/** The predicate's value in `env`: null when it depends on a name whose value is not known. */
export function evalCfg(pred: CfgPredicate, env: CfgEnv = HOST_CFG): boolean | null {
  switch (pred.k) {
    case 'all': {
      const values = pred.args.map((a) => evalCfg(a, env));
      return values.includes(false) ? false : values.includes(null) ? null : true;
    }
    case 'any': {
      const values = pred.args.map((a) => evalCfg(a, env));
      return values.includes(true) ? true : values.includes(null) ? null : false;
    }
    case 'not': {
      const value = evalCfg(pred.arg, env);
      return value === null ? null : !value;
    }
    case 'name':
      return env.unknown?.has(pred.name) ? null : env.names.has(pred.name);
    case 'kv':
      if (pred.key === 'feature') {
        return env.features === true || env.features.has(pred.value);
      }
      return env.values.get(pred.key)?.has(pred.value) ?? false;
  }
}

/** Verdicts by predicate text, per cfg (a workspace has a few: one per package). */
const verdicts = new WeakMap<CfgEnv, Map<string, boolean>>();

/**
 * Whether an attribute's text (`#[cfg(unix)]`) lets the code it is on compile. True for every
 * attribute that is not `#[cfg(..)]`, and for a `#[cfg(..)]` whose predicate does not parse.
 */
export function attributeKeeps(attr: string, env: CfgEnv = activeCfg): boolean {
  const m = /^#\s*\[\s*cfg\s*\(([\s\S]*)\)\s*\]$/.exec(attr.trim());
  if (!m) {
    return true;
  }
  let byText = verdicts.get(env);
  if (!byText) {
    byText = new Map();
    verdicts.set(env, byText);
  }
  let keep = byText.get(m[1]);
  if (keep === undefined) {
    const pred = parseCfgPredicate(m[1]);
    keep = pred ? evalCfg(pred, env) !== false : true;
    if (byText.size < 10_000) {
      byText.set(m[1], keep);
    }
  }
  return keep;
}

/**
 * Whether attributes that keep an item (see `attributeKeeps`) keep it only because `test` may be
 * set: `#[cfg(test)]` is compiled by `cargo test` alone, never by the `cargo build` whose sizes
 * rustc prints.
 */
export function onlyUnderTest(attributes: readonly string[], env: CfgEnv = activeCfg): boolean {
  if (!env.unknown?.has('test')) {
    return false;
  }
  const unknown = new Set(env.unknown);
  unknown.delete('test');
  const build: CfgEnv = { ...env, unknown };
  return attributes.some((attr) => {
    const m = /^#\s*\[\s*cfg\s*\(([\s\S]*)\)\s*\]$/.exec(attr.trim());
    const pred = m ? parseCfgPredicate(m[1]) : null;
    return !!pred && evalCfg(pred, build) === false;
  });
}

/** The attributes (`#[...]`, as text) written right before a node, comments between them allowed. */
export function precedingAttributes(node: SyntaxNode): string[] {
  const known = attributesOfKept.get(node);
  if (known) {
    return [...known];
  }
  const attrs: string[] = [];
  for (let prev = node.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
    // Each `type` is a call into tree-sitter's WebAssembly: read once per sibling.
    const type = prev.type;
    if (type === 'attribute_item') {
      attrs.push(prev.text);
    } else if (type !== 'line_comment' && type !== 'block_comment') {
      break;
    }
  }
  return attrs;
}

/** A node's `#[cfg]`s: the attribute items directly before it (comments between) and its own leading ones (match arms, field initialisers). */
export function isCfgdOut(node: SyntaxNode): boolean {
  if (precedingAttributes(node).some((attr) => !attributeKeeps(attr))) {
    return true;
  }
  if (node.type !== 'match_arm' && node.type !== 'field_initializer') {
    return false;
  }
  for (let c = node.firstNamedChild; c?.type === 'attribute_item'; c = c.nextNamedSibling) {
    if (!attributeKeeps(c.text)) {
      return true;
    }
  }
  return false;
}

/**
 * The children of a block, item list or field list that are compiled in: each attribute item
 * applies to the next non-comment node. Attribute and comment nodes themselves are kept (callers
 * filter them as before), so only gated-out nodes disappear.
 */
export function compiledIn(
  children: readonly (SyntaxNode | null)[],
  env: CfgEnv = activeCfg,
): SyntaxNode[] {
  return compiledChildren(children, env).map((c) => c.node);
}

/** A child `compiledChildren` keeps, with what it read of it on the way. */
export interface CompiledChild {
  node: SyntaxNode;
  /** `node.type` (each read of it is a call into tree-sitter's WebAssembly). */
  type: string;
  /**
   * For a node that is neither an attribute nor a comment: the attributes written right before
   * it, as `precedingAttributes` gives them (nearest first). Empty for attributes and comments.
   */
  attributes: readonly string[];
}

const NO_ATTRIBUTES: readonly string[] = [];

/**
 * The attributes `compiledChildren` read before each node it kept: `precedingAttributes` asks
 * them again of a fn (a `#[tokio::main]`) or a statement, where each step back is a walk from
 * the parent in tree-sitter.
 */
const attributesOfKept = new WeakMap<SyntaxNode, readonly string[]>();

/** `compiledChildren`' answers by list of children, then by cfg. */
const compiledByList = new WeakMap<Children, Map<CfgEnv, readonly CompiledChild[]>>();

/**
 * `compiledIn` with each kept child's type and preceding attributes, read in the one pass over
 * the children it makes anyway: item walks ask for both, and asking the nodes again costs a
 * WebAssembly call per read (a sibling walk back per item for the attributes). The answer is
 * kept for the same array (a node's `namedChildren`) and cfg, and must not be modified.
 */
export function compiledChildren(
  children: Children,
  env: CfgEnv = activeCfg,
): readonly CompiledChild[] {
  return compiledWith(children, env, childTypes);
}

/**
 * `compiledChildren` of a list of items, fields or statements (see `itemListTypes`): the
 * children of a file, module, impl, trait, block, struct or enum body.
 */
export function compiledItems(
  children: Children,
  env: CfgEnv = activeCfg,
): readonly CompiledChild[] {
  return compiledWith(children, env, itemListTypes);
}

function compiledWith(
  children: Children,
  env: CfgEnv,
  typesOf: (children: Children) => readonly string[],
): readonly CompiledChild[] {
  let byEnv = compiledByList.get(children);
  if (!byEnv) {
    byEnv = new Map();
    compiledByList.set(children, byEnv);
  }
  let compiled = byEnv.get(env);
  if (!compiled) {
    compiled = readCompiledChildren(children, typesOf(children), env);
    byEnv.set(env, compiled);
  }
  return compiled;
}

function readCompiledChildren(
  children: Children,
  types: readonly string[],
  env: CfgEnv,
): CompiledChild[] {
  const out: CompiledChild[] = [];
  let drop = false;
  // The attribute texts since the last node that is neither an attribute nor a comment.
  let pending: string[] = [];
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    if (!c) {
      continue;
    }
    const type = types[i];
    if (type === 'inner_attribute_item' && !innerAttributeKeeps(c.text, env)) {
      // `#![cfg(windows)]` at the top of a file or module: none of it is compiled.
      return [];
    }
    let attributes = NO_ATTRIBUTES;
    if (type === 'attribute_item') {
      const text = c.text;
      pending.push(text);
      drop = drop || !attributeKeeps(text, env);
    } else if (type !== 'line_comment' && type !== 'block_comment') {
      attributes = pending.length === 0 ? NO_ATTRIBUTES : pending.reverse();
      pending = pending.length === 0 ? pending : [];
      if (drop) {
        drop = false;
        continue;
      }
      attributesOfKept.set(c, attributes);
    }
    out.push({ node: c, type, attributes });
  }
  return out;
}

/** `#![cfg(..)]`, read as the outer attribute it would be. */
function innerAttributeKeeps(attr: string, env: CfgEnv = activeCfg): boolean {
  return attributeKeeps(attr.trim().replace(/^#\s*!/, '#'), env);
}

/** The `#![cfg(..)]` that leaves a whole file out of the build, if one does. */
export function fileCfgdOutBy(root: SyntaxNode): string | null {
  // Inner attributes come first. The item walks read the root's children and their types anyway
  // (`itemListTypes`); going sibling by sibling cost a walk from the parent per step in
  // tree-sitter, quadratic in a file's leading doc comments.
  const children = root.namedChildren;
  const types = itemListTypes(children);
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    const type = types[i];
    if (c && type === 'inner_attribute_item' && !innerAttributeKeeps(c.text)) {
      return c.text;
    }
    if (type !== 'inner_attribute_item' && type !== 'line_comment' && type !== 'block_comment') {
      return null;
    }
  }
  return null;
}

/**
 * `precedingAttributes` of `children[at]` in a list of items (`itemListTypes`), read from the
 * list instead of a sibling walk back (each step of which tree-sitter walks from the parent).
 */
export function attributesBefore(children: Children, at: number): string[] {
  const types = itemListTypes(children);
  const attrs: string[] = [];
  for (let i = at - 1; i >= 0; i--) {
    const c = children[i];
    if (!c) {
      continue;
    }
    if (types[i] === 'attribute_item') {
      attrs.push(c.text);
    } else if (types[i] !== 'line_comment' && types[i] !== 'block_comment') {
      break;
    }
  }
  return attrs;
}
