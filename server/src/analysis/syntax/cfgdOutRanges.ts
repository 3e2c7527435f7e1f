/**
 * The nodes a `#[cfg(..)]` leaves out of the build, found once per tree. Asking each async block
 * whether an ancestor is gated out climbed `parent` (which tree-sitter answers by descending from
 * the root) and re-read every ancestor's attributes: cubic in nesting depth.
 */
import { attributeKeeps } from './cfg';
import type { SyntaxNode } from './parser';

const SKIPPED_SIBLINGS = new Set(['attribute_item', 'line_comment', 'block_comment']);

export class CfgdOutRanges {
  private readonly gated: SyntaxNode[] = [];

  constructor(root: SyntaxNode) {
    for (const attribute of root.descendantsOfType('attribute_item')) {
      if (!attribute || attributeKeeps(attribute.text)) {
        continue;
      }
      // Leading attributes of a match arm or a field initialiser gate their parent.
      const parent = attribute.parent;
      if (parent && (parent.type === 'match_arm' || parent.type === 'field_initializer')) {
        this.gated.push(parent);
        continue;
      }
      let target = attribute.nextNamedSibling;
      while (target && SKIPPED_SIBLINGS.has(target.type)) {
        target = target.nextNamedSibling;
      }
      if (target) {
        this.gated.push(target);
      }
    }
  }

  /**
   * Whether `node`, or a node around it inside `within` (its fn; null for the whole tree), is gated
   * out. `within` itself does not count, as callers judge the fn on its own.
   */
  covers(node: SyntaxNode, within: SyntaxNode | null): boolean {
    return this.gated.some(
      (gate) =>
        gate.startIndex <= node.startIndex &&
        gate.endIndex >= node.endIndex &&
        (within === null ||
          (gate.id !== within.id &&
            gate.startIndex >= within.startIndex &&
            gate.endIndex <= within.endIndex)),
    );
  }
}
