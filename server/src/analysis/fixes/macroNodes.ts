/**
 * Finds nodes at a file position also inside macro arguments (`tokio::select! { .. }`,
 * `join!(..)`), which tree-sitter leaves as token trees: they are read through the same re-parse
 * the engine uses (syntax/macros.ts), with positions mapped back to the file.
 */
import { MacroTrees } from '../syntax/macros';
import type { SyntaxNode } from '../syntax/parser';
import { endOf, Point, startOf } from '../syntax/positions';

export class MacroAwareNodes {
  private readonly macros = new MacroTrees();

  constructor(readonly root: SyntaxNode) {}

  /** The smallest node at `pos`, looking into the arguments of the macros around it. */
  deepest(pos: Point): SyntaxNode | null {
    return this.locate(pos).node;
  }

  /** The innermost macro invocation whose input holds `pos`, or null. */
  macroAt(pos: Point): SyntaxNode | null {
    const { node, entered } = this.locate(pos);
    for (let n = node; n; n = n.parent) {
      if (n.type === 'macro_invocation') {
        return n;
      }
    }
    // The argument trees are parsed on their own: above their root is the macro entered last.
    return entered;
  }

  private locate(pos: Point): { node: SyntaxNode | null; entered: SyntaxNode | null } {
    let node: SyntaxNode | null = this.root.descendantForPosition(pos) ?? null;
    let entered: SyntaxNode | null = null;
    // Each step goes one macro deeper; the engine reads at most 16 levels.
    for (let depth = 0; node && depth < 16; depth++) {
      const macro = macroAround(node);
      if (!macro) {
        break;
      }
      const arg = this.macros.arguments(macro).find((a) => contains(a, pos));
      if (!arg) {
        break;
      }
      entered = macro;
      node = descend(arg, pos);
    }
    return { node, entered };
  }

  /** The macro's arguments as expressions (see MacroTrees.arguments). */
  arguments(macro: SyntaxNode): SyntaxNode[] {
    return this.macros.arguments(macro);
  }

  dispose(): void {
    this.macros.dispose();
  }
}

/** The macro whose token tree `node` is in (not the one it names), or null. */
function macroAround(node: SyntaxNode): SyntaxNode | null {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.type === 'macro_invocation') {
      return null;
    }
    if (n.type === 'token_tree' && n.parent?.type === 'macro_invocation') {
      return n.parent;
    }
  }
  return null;
}

function before(a: Point, b: Point): boolean {
  return a.row < b.row || (a.row === b.row && a.column < b.column);
}

function contains(node: SyntaxNode, pos: Point): boolean {
  return !before(pos, startOf(node)) && before(pos, endOf(node));
}

/** The smallest descendant of `node` holding `pos`, comparing file positions. */
function descend(node: SyntaxNode, pos: Point): SyntaxNode {
  let n = node;
  for (;;) {
    const child = n.children.find((c): c is SyntaxNode => c !== null && contains(c, pos));
    if (!child) {
      return n;
    }
    n = child;
  }
}
