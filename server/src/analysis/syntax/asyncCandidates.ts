/**
 * Where discovery looks for async blocks and closures: the nodes of a few kinds in a subtree whose
 * text mentions `async`. `descendantsOfType` visits every node of the subtree in WebAssembly, on
 * every keystroke for every body that mentions `async`; the nodes that matter all contain the
 * word, so they are found by climbing from each place the word is written instead, which touches
 * a handful of nodes per occurrence.
 */
import type { SyntaxNode } from './parser';

/** Parents climbed from one occurrence before the subtree is searched as a whole instead. */
const CLIMB_LIMIT = 48;

/**
 * The nodes of `kinds` in `container` (itself included) whose text contains `async`, in the order
 * `descendantsOfType` gives them (document order, an outer node before the nodes inside it).
 * Nodes of those kinds that do not mention `async` are left out: callers skip them anyway.
 */
export function nodesMentioningAsync(
  container: SyntaxNode,
  kinds: readonly string[],
): SyntaxNode[] {
  const text = container.text;
  const start = container.startIndex;
  const found = new Map<number, { node: SyntaxNode; depth: number }>();
  for (let i = text.indexOf('async'); i >= 0; i = text.indexOf('async', i + 1)) {
    const chain = kindsAbove(container, container.descendantForIndex(start + i, start + i + 5));
    if (!chain) {
      // Deeply nested code: climbing costs the depth per step (tree-sitter finds a parent by
      // descending from the root); one search of the subtree is cheaper.
      return container
        .descendantsOfType([...kinds])
        .filter((n): n is SyntaxNode => n !== null && n.text.includes('async'));
    }
    for (const [depth, node] of chain.entries()) {
      if (kinds.includes(node.type) && !found.has(node.id)) {
        found.set(node.id, { node, depth: chain.length - depth });
      }
    }
  }
  return [...found.values()]
    .sort(
      (a, b) =>
        a.node.startIndex - b.node.startIndex ||
        b.node.endIndex - a.node.endIndex ||
        a.depth - b.depth,
    )
    .map((f) => f.node);
}

/** `node` and its ancestors up to `container` (included), innermost first; null past the limit. */
function kindsAbove(container: SyntaxNode, node: SyntaxNode | null): SyntaxNode[] | null {
  const chain: SyntaxNode[] = [];
  for (let p = node; p; p = p.parent) {
    chain.push(p);
    if (p.id === container.id) {
      return chain;
    }
    if (chain.length > CLIMB_LIMIT) {
      return null;
    }
  }
  // Not below the container (cannot happen for an index inside it): let the caller search.
  return null;
}
