/**
 * Where inlay hints go, read from the syntax tree, so that a hint never splits an expression or
 * sits inside a macro's arguments:
 *
 * - a future's hint goes at the end of its signature: after the parameters' `)` or the return
 *   type of an `async fn` or async closure, after `async` / `async move` of a block;
 * - a held binding's hint goes right after the whole pattern that binds it, and after its type
 *   annotation if it has one: `let (a, b): (u8, u8)‹hint› = …`, `for (i, x)‹hint› in …`,
 *   `Some(x)‹hint› =>`, `if let Some(x)‹hint› = …`, `|a, b|‹hint›`; a value made by an expression
 *   (a `for` loop's iterator) goes right after that expression: `for x in xs‹hint› {`;
 * - anything inside an expression macro's arguments (`pin_mut!(fut)`, `select! { … }`) goes
 *   right after the outermost such macro; the items of an item macro (`cfg_net! { … }`) are
 *   placed as if the macro were not there.
 *
 * Positions are 0-based (LSP); the report's are 1-based.
 */
import type { FutureReport, HeldValue } from '../analysis/report';
import { MacroTrees } from '../analysis/syntax/macros';
import type { NodeKind } from '../analysis/syntax/nodeKinds.generated';
import type { SyntaxNode } from '../analysis/syntax/parser';
import { endOf, Point } from '../analysis/syntax/positions';
import type { Pos } from '../text/sourceText';

/** Where a held value's hint goes, and whether it must name the value (other names bind there). */
export interface HeldAnchor {
  position: Pos;
  named: boolean;
  /**
   * `join!` for a value the macro's expansion declares (its branch futures, `select!`'s mask):
   * the code has no name for it, so the hint says whose it is.
   */
  declaredBy?: string;
}

/**
 * A position resolved to the node there, or to the end of the expression macro around it, with
 * whether the position is the macro's own start (`join!`) rather than inside its arguments.
 */
type Located = { node: SyntaxNode } | { afterMacro: Point; atMacro?: string };

/** Nodes whose pattern binds names: the hint goes after the pattern (and type). */
const PATTERN_HOLDERS = new Set<NodeKind>([
  'let_declaration',
  'for_expression',
  'let_condition',
  'match_arm',
  'closure_parameters',
  'parameters',
]);

/** Where the climb from a binding stops looking for its pattern. */
const CLIMB_LIMITS = new Set<NodeKind>([
  'block',
  'function_item',
  'source_file',
  'declaration_list',
]);

export class HintAnchors {
  private readonly macros = new MacroTrees();

  /** `root`: the file's tree; it must outlive this object. */
  constructor(private readonly root: SyntaxNode) {}

  /** Deletes the trees of macro items parsed on the way. */
  dispose(): void {
    this.macros.dispose();
  }

  /**
   * The end of a future's signature; null when the report's position is not where the tree has
   * that future (then no hint is better than a misplaced one) or when the future is inside an
   * expression macro's arguments (`select! { _ = async { … } => … }`), where no hint can go.
   */
  futureAnchor(future: Pick<FutureReport, 'kind' | 'line' | 'column'>): Pos | null {
    const located = this.locate({ row: future.line - 1, column: future.column - 1 });
    if (!('node' in located)) {
      return null;
    }
    const owner = ancestorOfKind(located.node, FUTURE_NODE[future.kind], 4);
    if (!owner) {
      return null;
    }
    if (owner.type === 'async_block') {
      const body = owner.namedChildren.find((c) => c?.type === 'block');
      const head = body?.previousSibling;
      return head ? toPos(endOf(head)) : null;
    }
    const signatureEnd =
      owner.childForFieldName('return_type') ?? owner.childForFieldName('parameters');
    return signatureEnd ? toPos(endOf(signatureEnd)) : null;
  }

  /** Where a held binding's hint goes. */
  heldAnchor(value: Pick<HeldValue, 'line' | 'column' | 'endLine' | 'endColumn'>): HeldAnchor {
    const located = this.locate({ row: value.line - 1, column: value.column - 1 });
    if (!('node' in located)) {
      const declaredBy = located.atMacro;
      return {
        position: toPos(located.afterMacro),
        named: true,
        ...(declaredBy && { declaredBy }),
      };
    }
    let child = located.node;
    for (let node = child.parent; node; child = node, node = node.parent) {
      if (CLIMB_LIMITS.has(node.type as NodeKind)) {
        break;
      }
      if (PATTERN_HOLDERS.has(node.type as NodeKind)) {
        const anchor = patternEnd(node, child);
        if (anchor) {
          return anchor;
        }
      }
    }
    // Not a pattern the tree knows (text that does not parse): after the value's own span.
    return {
      position: { line: value.endLine - 1, character: value.endColumn - 1 },
      named: false,
    };
  }

  /**
   * The smallest node at a point, looking into the items of item macros; or, inside an expression
   * macro's arguments, the end of the outermost one.
   */
  private locate(point: Point): Located {
    let root = this.root;
    let at = point;
    for (let depth = 0; depth < 8; depth++) {
      const node = root.descendantForPosition(at) ?? root;
      const macro = outermostMacro(node);
      if (!macro) {
        return { node };
      }
      const items = this.macros.items(macro);
      const tokens = macro.namedChildren.find((c) => c?.type === 'token_tree');
      if (!items || !tokens) {
        return { afterMacro: endOf(macro), ...atMacroStart(macro, at) };
      }
      // The items' tree was parsed from the token tree's text without its opening delimiter.
      const inner = {
        row: at.row - tokens.startPosition.row,
        column:
          at.row === tokens.startPosition.row
            ? at.column - tokens.startPosition.column - 1
            : at.column,
      };
      const found = items.descendantForPosition(inner);
      if (!found || !ancestorOfKind(found, 'function_item', 64)) {
        return { afterMacro: endOf(macro) };
      }
      root = items;
      at = inner;
    }
    return { node: root.descendantForPosition(at) ?? root };
  }
}

/** `{ atMacro: 'join!' }` when `at` is where `macro` starts (a value its expansion declares). */
function atMacroStart(macro: SyntaxNode, at: Point): { atMacro?: string } {
  const start = macro.startPosition;
  if (start.row !== at.row || start.column !== at.column) {
    return {};
  }
  const path = macro.childForFieldName('macro')?.text ?? '';
  const name = path.slice(path.lastIndexOf(':') + 1);
  return name ? { atMacro: `${name}!` } : {};
}

const FUTURE_NODE: Record<FutureReport['kind'], NodeKind> = {
  fn: 'function_item',
  block: 'async_block',
  closure: 'closure_expression',
};

/** The hint's place after the pattern of `holder` that `child` is in; null when it is in none. */
function patternEnd(holder: SyntaxNode, child: SyntaxNode): HeldAnchor | null {
  const field = (name: string) => holder.childForFieldName(name);
  const isField = (name: string) => field(name)?.id === child.id;
  switch (holder.type as NodeKind) {
    case 'let_declaration': {
      if (!isField('pattern') && !isField('type')) {
        return null;
      }
      const pattern = field('pattern')!;
      return after(field('type') ?? pattern, pattern.type !== 'identifier');
    }
    case 'for_expression':
      if (isField('pattern')) {
        return after(child, child.type !== 'identifier');
      }
      // The loop's iterator, made by the expression after `in`.
      return isField('value') ? after(child, false) : null;
    case 'let_condition':
    case 'match_arm':
      return isField('pattern') ? after(child, child.type !== 'identifier') : null;
    default:
      // The parameters of a closure (or a fn): after the whole list.
      return after(holder, true);
  }
}

function after(node: SyntaxNode, named: boolean): HeldAnchor {
  return { position: toPos(endOf(node)), named };
}

/** The outermost macro invocation around a node, within its tree. */
function outermostMacro(node: SyntaxNode): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.type === 'macro_invocation') {
      found = n;
    }
  }
  return found;
}

/** The node itself or its nearest ancestor of a kind, at most `levels` levels up. */
function ancestorOfKind(node: SyntaxNode, kind: NodeKind, levels: number): SyntaxNode | null {
  let n: SyntaxNode | null = node;
  for (let i = 0; n && i <= levels; i++, n = n.parent) {
    if (n.type === kind) {
      return n;
    }
  }
  return null;
}

function toPos(point: Point): Pos {
  return { line: point.row, character: point.column };
}
