/**
 * What can be read, without typing a body, of the type behind a dependency fn's `-> impl Trait`
 * result (`RequestBuilder::send(self) -> impl Future<Output = ..>`). rustc makes every value such
 * a body returns one type, so any one of its tail's branches names it: the paths of the calls
 * and struct literals found there (`Pending::new_err(err)`) are kept, to be resolved in the
 * dependency's scope when a caller needs the type (see `DependencyTypes`), and so is the declared
 * `Future<Output = T>`, which is what awaiting that type yields.
 */
import type { SyntaxNode } from '../syntax/parser';
import { FnInfo, ItemIndex, typeFromNode } from '../items/items';
import type { Ty } from '../types/types';

/** A call (`Pending::new_err(..)`, `helper(..)`) or struct literal (`Pending { .. }`). */
export interface OpaqueMaker {
  call: boolean;
  /** The path as written in the fn's module; `Self` already replaced by the impl's type. */
  path: string[];
}

export interface OpaqueReturn {
  makers: OpaqueMaker[];
  /** The declared `Output` of an `impl Future<Output = T>` result (read in the fn's scope). */
  output: Ty | null;
}

/** Branches followed into a tail before giving up (a deep `match` tree). */
const MAX_MAKERS = 8;

/** The makers of a non-async fn's `impl Trait` result; undefined for any other fn. */
export function opaqueReturn(info: FnInfo, index: ItemIndex): OpaqueReturn | undefined {
  if (info.isAsync || info.ret.k !== 'unknown' || !/^impl\b/.test(info.ret.text) || !info.body) {
    return undefined;
  }
  const selfName = info.selfTy?.k === 'adt' ? info.selfTy.segments.at(-1) : undefined;
  const makers: OpaqueMaker[] = [];
  collectMakers(tailOf(info.body), makers, selfName);
  if (makers.length === 0) {
    return undefined;
  }
  const scope = { generics: new Set(info.generics), selfTy: info.selfTy };
  const outputNode = declaredOutput(info.node.childForFieldName('return_type'));
  return { makers, output: outputNode ? typeFromNode(outputNode, index, scope) : null };
}

/** A block's value: its last expression, when it is not ended by `;`. */
export function tailOf(block: SyntaxNode): SyntaxNode | null {
  const last = block.namedChildren
    .filter((c) => c && c.type !== 'line_comment' && c.type !== 'block_comment')
    .pop();
  if (!last || last.type === 'let_declaration' || hasAttribute(last)) {
    return null;
  }
  if (last.type === 'expression_statement') {
    return block.text.trimEnd().endsWith(';') ? null : (last.namedChildren[0] ?? null);
  }
  return last;
}

/**
 * Calls and struct literals among a tail's branches. A branch under an attribute (`#[cfg]` on a
 * match arm) is left out: it may not be compiled, and then nothing says it has the same type.
 */
function collectMakers(node: SyntaxNode | null, out: OpaqueMaker[], self: string | undefined) {
  if (!node || out.length >= MAX_MAKERS) {
    return;
  }
  switch (node.type) {
    case 'block':
      collectMakers(tailOf(node), out, self);
      return;
    case 'parenthesized_expression':
      collectMakers(node.namedChildren[0], out, self);
      return;
    case 'if_expression':
      collectMakers(node.childForFieldName('consequence'), out, self);
      collectMakers(node.childForFieldName('alternative')?.namedChildren[0] ?? null, out, self);
      return;
    case 'match_expression':
      for (const arm of node.childForFieldName('body')?.namedChildren ?? []) {
        if (arm?.type === 'match_arm' && !hasAttribute(arm)) {
          collectMakers(arm.childForFieldName('value'), out, self);
        }
      }
      return;
    case 'call_expression':
    case 'struct_expression': {
      const call = node.type === 'call_expression';
      const named = call ? node.childForFieldName('function') : node.childForFieldName('name');
      const path = writtenPath(named, self);
      if (path) {
        out.push({ call, path });
      }
      return;
    }
    default:
      return;
  }
}

/** `a::B::c` as segments (no turbofish); null for anything but a plain path. */
function writtenPath(node: SyntaxNode | null, self: string | undefined): string[] | null {
  const path = node?.type === 'generic_function' ? node.childForFieldName('function') : node;
  if (!path || !['identifier', 'scoped_identifier', 'type_identifier'].includes(path.type)) {
    return null;
  }
  const segs = path.text.replace(/\s+/g, '').split('::');
  if (segs.some((s) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s))) {
    return null;
  }
  if (segs[0] === 'Self') {
    return self ? [self, ...segs.slice(1)] : null;
  }
  return segs;
}

function hasAttribute(node: SyntaxNode): boolean {
  return (
    node.namedChildren.some((c) => c?.type === 'attribute_item') ||
    node.previousNamedSibling?.type === 'attribute_item'
  );
}

/** `T` of `impl Future<Output = T>` (also `+ Send` and friends); null for any other result. */
function declaredOutput(ret: SyntaxNode | null): SyntaxNode | null {
  // `impl Future<Output = T> + Send` is a bounded type around the `impl`.
  const opaque =
    ret?.type === 'bounded_type' ? ret.namedChildren.find((c) => c?.type === 'abstract_type') : ret;
  if (opaque?.type !== 'abstract_type') {
    return null;
  }
  const bounds = opaque.childForFieldName('trait');
  const traits = bounds?.type === 'trait_bounds' ? bounds.namedChildren : [bounds];
  for (const t of traits) {
    const name = t?.type === 'generic_type' ? t.childForFieldName('type')?.text : undefined;
    if (!name || !/(^|::)Future$/.test(name.replace(/\s+/g, ''))) {
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
