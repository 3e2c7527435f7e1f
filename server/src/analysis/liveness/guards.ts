/**
 * A match arm's guard (`Err(ref e) if e.code() == Some(&X) => ..`). Measured with rustc 1.95
 * (engine fixture 94): its temporaries (`e.code()`, `Some(&X)`) are dropped when the guard is
 * done, never held by the arm's awaits; a `ref` binding the guard reads is borrowed there (the
 * guard sees its bindings by reference), so it is kept across the arm's awaits; one it does not
 * read is not, nor a binding by value of a reference (`(Get, p) if p.starts_with(..)`:
 * fixture crate `http_service`).
 */
import type { SyntaxNode } from '../syntax/parser';
import type { Local } from './held';
import type { WalkState } from './walkState';

export function walkGuard(w: WalkState, guard: SyntaxNode, bindings: readonly Local[]): void {
  w.withStatement(() => w.walkExpr(guard, 'read'));
  const named = new Set(guard.descendantsOfType('identifier').flatMap((n) => (n ? [n.text] : [])));
  for (const b of bindings) {
    const explicitRef = b.node?.parent?.type === 'ref_pattern';
    if (b.name !== null && named.has(b.name) && explicitRef && w.lookup(b.name) === b) {
      b.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
    }
  }
}
