/**
 * `p.as_ref()` on a value of a type parameter bounded by std's `AsRef<X>` (`P: AsRef<Path>`,
 * `path: impl AsRef<Path>`, `contents: impl AsRef<[u8]>`): the only `as_ref` the bound gives it,
 * so it is `&X` in every instance, whatever type a caller binds the parameter to (tokio's
 * `fs::read` does `path.as_ref().to_owned()`, a `PathBuf`, before moving it into a closure). The
 * same for `AsMut<X>`'s `as_mut` (`&mut X`). A parameter bounded twice by one of them (`AsRef<str>
 * + AsRef<[u8]>`) leaves the call to rustc's inference: unknown here.
 */
import type { FnInfo } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { Ty, ref } from './types';

/** The conversion traits read, by method. */
const CONVERSIONS: ReadonlyMap<string, { trait: string; mut: boolean }> = new Map([
  ['as_ref', { trait: 'AsRef', mut: false }],
  ['as_mut', { trait: 'AsMut', mut: true }],
]);

/**
 * What `method` (`as_ref`, `as_mut`) gives on a value of each type parameter of the fn (and of
 * the impl it is in) that one `AsRef<X>` (`AsMut<X>`) bound says it of; `read` reads the `X`
 * node. An `impl AsRef<X>` parameter is keyed by the name the fn's index gives it.
 */
export function conversionResults(
  fn: FnInfo,
  method: string,
  read: (node: SyntaxNode) => Ty,
): Map<string, Ty> {
  const conversion = CONVERSIONS.get(method);
  const found = new Map<string, Ty[]>();
  if (!conversion) {
    return new Map();
  }
  const note = (param: string | undefined, bounds: SyntaxNode[]) => {
    for (const bound of bounds) {
      const target = param ? conversionTarget(bound, conversion.trait) : null;
      if (param && target) {
        found.set(param, [...(found.get(param) ?? []), ref(read(target), conversion.mut)]);
      }
    }
  };
  const fnNode = fn.node;
  const impl = fnNode.parent?.type === 'declaration_list' ? fnNode.parent.parent : null;
  for (const item of impl?.type === 'impl_item' ? [impl, fnNode] : [fnNode]) {
    for (const p of item.childForFieldName('type_parameters')?.namedChildren ?? []) {
      if (p?.type === 'type_parameter') {
        note(p.childForFieldName('name')?.text, children(p.childForFieldName('bounds')));
      }
    }
    for (const clause of item.namedChildren) {
      for (const pred of clause?.type === 'where_clause' ? clause.namedChildren : []) {
        if (pred?.type === 'where_predicate') {
          note(pred.childForFieldName('left')?.text, children(pred.childForFieldName('bounds')));
        }
      }
    }
  }
  for (const p of fn.params) {
    const ty = p.ty.k === 'param' ? p.pattern.parent?.childForFieldName('type') : null;
    const impl = ty?.type === 'bounded_type' ? ty.namedChildren[0] : ty;
    if (p.ty.k === 'param' && ty && impl?.type === 'abstract_type') {
      const others = ty.type === 'bounded_type' ? ty.namedChildren.slice(1) : [];
      note(p.ty.name, [impl.childForFieldName('trait'), ...others].flatMap(one));
    }
  }
  const results = new Map<string, Ty>();
  for (const [param, targets] of found) {
    if (targets.length === 1) {
      results.set(param, targets[0]);
    }
  }
  return results;
}

function children(node: SyntaxNode | null): SyntaxNode[] {
  return node?.namedChildren.flatMap(one) ?? [];
}

function one(node: SyntaxNode | null | undefined): SyntaxNode[] {
  return node ? [node] : [];
}

/** `X` of a bound `AsRef<X>` (also `std::convert::AsRef<X>`); null for any other bound. */
function conversionTarget(bound: SyntaxNode, trait: string): SyntaxNode | null {
  if (bound.type !== 'generic_type') {
    return null;
  }
  const path = bound.childForFieldName('type')?.text.replace(/\s+/g, '') ?? '';
  if (path !== trait && path !== `std::convert::${trait}` && path !== `core::convert::${trait}`) {
    return null;
  }
  const args = bound.childForFieldName('type_arguments')?.namedChildren ?? [];
  return args.length === 1 && args[0] && !args[0].type.includes('lifetime') ? args[0] : null;
}
