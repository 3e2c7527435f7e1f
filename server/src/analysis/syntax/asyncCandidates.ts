/**
 * Where discovery looks for async blocks and closures: the nodes of a few kinds in a subtree whose
 * text mentions `async`. `descendantsOfType` visits every node of the subtree in WebAssembly, on
 * every keystroke for every body that mentions `async`; the nodes that matter all contain the
 * word, so they are found by climbing from each place the word is written instead, which touches
 * a handful of nodes per occurrence.
 */
import { attributeKeeps, precedingAttributes } from './cfg';
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

/**
 * Where `async` is written in one tree's text, to ask whether a node's text mentions it without
 * reading that text: discovery asks it of every fn body and item of the file on every keystroke,
 * and copying each of them out of the tree cost more than the question.
 */
export class AsyncMentions {
  private readonly starts: number[] = [];

  /** The tree whose text it read. */
  readonly tree: SyntaxNode['tree'];

  /**
   * Where an inner attribute (`#![..]`) may start: one can leave a whole item list out. Every `#`
   * whose next character past spaces is `!` or `/` (Rust allows a comment between `#` and `!`).
   */
  private readonly innerAttributes: number[] = [];

  constructor(root: SyntaxNode, text: string = root.text) {
    this.tree = root.tree;
    for (const found of text.matchAll(/#\s*[!/]/g)) {
      this.innerAttributes.push(found.index);
    }
    for (let i = text.indexOf('async'); i >= 0; i = text.indexOf('async', i + 1)) {
      this.starts.push(i);
    }
  }

  /** `node.text.includes('async')`, for a node of this tree (other trees read their text). */
  in(node: SyntaxNode): boolean {
    if (node.tree !== this.tree) {
      return node.text.includes('async');
    }
    const first = this.firstFrom(node.startIndex);
    return first < this.starts.length && this.starts[first] <= node.endIndex - 'async'.length;
  }

  /** Whether an inner attribute may be written inside `node`, a node of this tree. */
  innerAttributeIn(node: SyntaxNode): boolean {
    const start = node.startIndex;
    const end = node.endIndex;
    return this.innerAttributes.some((at) => at >= start && at < end);
  }

  /** Where `async` is written inside `node`, as indices into its tree's text, in order. */
  within(node: SyntaxNode): number[] {
    const start = node.startIndex;
    if (node.tree !== this.tree) {
      const text = node.text;
      const found: number[] = [];
      for (let i = text.indexOf('async'); i >= 0; i = text.indexOf('async', i + 1)) {
        found.push(start + i);
      }
      return found;
    }
    const last = node.endIndex - 'async'.length;
    const found: number[] = [];
    for (let i = this.firstFrom(start); i < this.starts.length && this.starts[i] <= last; i++) {
      found.push(this.starts[i]);
    }
    return found;
  }

  /** The position in `starts` of the first mention at or after `index`. */
  private firstFrom(index: number): number {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.starts[mid] < index) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}

/** What `compiledItemsMentioningAsync` returns without reading its attributes. */
const UNGATED_HERE = new Set(['attribute_item', 'line_comment', 'block_comment', 'function_item']);

/**
 * What `compiledIn(container.namedChildren)` gives that has `async` written in it (and the
 * comments, attributes and fns that do, compiled in or not), in order, without reading every
 * child: a documented impl has thousands of comment nodes. Null for what it does not answer
 * (another tree's item list, or one with an inner attribute, which can leave out the whole list).
 */
export function compiledItemsMentioningAsync(
  container: SyntaxNode,
  mentions: AsyncMentions,
): SyntaxNode[] | null {
  if (container.tree !== mentions.tree || mentions.innerAttributeIn(container)) {
    return null;
  }
  const items: SyntaxNode[] = [];
  let passed = -1;
  for (const at of mentions.within(container)) {
    if (at <= passed) {
      continue;
    }
    const item = container.firstNamedChildForIndex(at);
    if (!item || item.startIndex > at) {
      continue;
    }
    passed = item.endIndex - 1;
    // Fns are searched from the index, so whether one is compiled in is not asked here (a fn's
    // doc comment can be hundreds of siblings to climb past).
    const gated =
      !UNGATED_HERE.has(item.type) &&
      precedingAttributes(item).some((attr) => !attributeKeeps(attr));
    if (!gated) {
      items.push(item);
    }
  }
  return items;
}
