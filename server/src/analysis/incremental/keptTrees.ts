/**
 * Syntax trees of macro inputs kept from one analysis of a document to the next. The items inside
 * an item-level macro (`cfg_io_util! { impl .. }`) are parsed as a file of their own; tokio wraps
 * hundreds of lines in such macros, and parsing them again on every keystroke cost more than the
 * incremental parse of the whole file. A tree is kept under its input's text and position, so a
 * kept tree is the tree a new parse would give; it is deleted once unused for a few analyses.
 */
import { parserGeneration, Tree } from '../syntax/parser';

export class KeptTrees {
  private readonly trees = new Map<string, { tree: Tree; generation: number }>();
  /** Analyses ended (`sweep`), and the last one each tree was used in. */
  private analyses = 0;
  private readonly lastUse = new Map<string, number>();

  constructor(private readonly keepFor: number) {}

  /** The tree kept under `key`, or undefined (none, or its parser runtime has since failed). */
  get(key: string): Tree | undefined {
    const kept = this.trees.get(key);
    if (!kept) {
      return undefined;
    }
    if (kept.generation !== parserGeneration()) {
      // The runtime it lives in was replaced: the tree must never be touched again.
      this.trees.delete(key);
      this.lastUse.delete(key);
      return undefined;
    }
    this.lastUse.set(key, this.analyses);
    return kept.tree;
  }

  /** Keeps `tree` (this store deletes it from now on). */
  set(key: string, tree: Tree): void {
    this.trees.get(key)?.tree.delete();
    this.trees.set(key, { tree, generation: parserGeneration() });
    this.lastUse.set(key, this.analyses);
  }

  /** The keys of the trees the current analysis used so far. */
  keysInUse(): string[] {
    return [...this.lastUse].flatMap(([key, used]) => (used === this.analyses ? [key] : []));
  }

  /**
   * Marks these trees used by the current analysis (one that reuses what an earlier analysis read
   * from them); false when one of them is gone, and then none can be relied on.
   */
  use(keys: readonly string[]): boolean {
    return keys.every((key) => this.get(key) !== undefined);
  }

  /** Ends an analysis: deletes the trees no analysis used for `keepFor` analyses. */
  sweep(): void {
    for (const [key, used] of this.lastUse) {
      if (this.analyses - used >= this.keepFor) {
        this.remove(key);
      }
    }
    this.analyses++;
  }

  /** Deletes every tree kept. */
  dispose(): void {
    for (const key of [...this.trees.keys()]) {
      this.remove(key);
    }
  }

  get size(): number {
    return this.trees.size;
  }

  private remove(key: string): void {
    const kept = this.trees.get(key);
    this.trees.delete(key);
    this.lastUse.delete(key);
    if (kept && kept.generation === parserGeneration()) {
      try {
        kept.tree.delete();
      } catch {
        // The runtime failed under it: it goes with the runtime.
      }
    }
  }
}
