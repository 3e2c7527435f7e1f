/**
 * A binding whose type a call left to inference (`let name = row.try_get(0)?;`, `try_get`'s `T`)
 * settled by a later use: passed where a fn declares a known parameter type
 * (`Field::new(name, type_)` with `name: String`, `get_type_rec(client, oid)` with `oid: Oid`),
 * it is of that type, as rustc's inference has it. Only a callee's own type parameter left in
 * the binding's type is settled, never one of the enclosing fn's (each instance knows those).
 */
import { resolveWrittenPath } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { inScope } from '../types/layout';
import { Ty, hasUnknown } from '../types/types';
import type { WalkState } from './walkState';

/** Gives `arg`, a binding of a callee's unbound type parameter, the declared parameter type. */
export function settleByArgument(w: WalkState, arg: SyntaxNode, declared: Ty | undefined): void {
  if (!declared || arg.type !== 'identifier' || hasUnknown(declared)) {
    return;
  }
  const local = w.lookup(arg.text);
  if (local && local.ty.k === 'param' && !w.ctx.scope.generics.has(local.ty.name)) {
    local.ty = declared;
  }
}

/**
 * The parameter types of another crate's fn a path call names (`Field::new`), read in its own
 * crate; null when the path is not one (or is a method, whose receiver comes first).
 */
export function dependencyParams(w: WalkState, fnNode: SyntaxNode | null): Ty[] | null {
  if (!fnNode || !w.ctx.dependencyFn || fnNode.type !== 'scoped_identifier') {
    return null;
  }
  const segs = fnNode.text.replace(/\s+/g, '').split('::');
  if (segs.some((s) => s.includes('<'))) {
    return null;
  }
  const found = w.ctx.dependencyFn(resolveWrittenPath(segs, w.ctx.index));
  if (!found || found.fn.hasSelf || found.fn.generics.length > 0) {
    return null;
  }
  return found.fn.params.map((p) => inScope(p, found.scope));
}
