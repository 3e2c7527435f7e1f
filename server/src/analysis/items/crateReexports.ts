/**
 * Paths into the analysed crate's modules that name no type of the crate but one a `use` there
 * brings in from another crate: tokio-postgres's `mod types { pub use postgres_types::*; }` makes
 * `crate::types::Oid` postgres-types' `Oid`. The crate's own index merges every file's items, so
 * which module re-exports what is read here, per file module, from each file's own index.
 */
import type { ItemIndex } from './items';

/** How many `use`s one path may be followed through inside the crate (re-exports of re-exports). */
const MAX_HOPS = 8;

const RELATIVE_ROOTS = new Set(['crate', 'self', 'super']);

export class CrateReexports {
  private readonly modules = new Map<string, ItemIndex>();

  /** `files`: each file module's path in the crate (`[]` for the root) and its own index. */
  constructor(files: readonly { modulePath: readonly string[]; index: ItemIndex | null }[]) {
    const twice = new Set<string>();
    for (const { modulePath, index } of files) {
      const key = modulePath.join('::');
      if (index && this.modules.has(key)) {
        twice.add(key);
      } else if (index) {
        this.modules.set(key, index);
      }
    }
    // Two files of one module (a `#[cfg]` pair): which one the build has is not known here.
    twice.forEach((key) => this.modules.delete(key));
  }

  /**
   * The paths into other crates that `segments` (as the file in module `from` resolved them:
   * `crate::types::Oid`, or `types::Oid` relative to `from`) may name, in the order they should
   * be tried: a named `use` first, else each glob import's. Empty when the path does not lead
   * into a module of this crate, or the module defines the name itself.
   */
  externalPaths(segments: readonly string[], from: readonly string[]): string[][] {
    const start = segments.length < 2 ? null : this.start(segments, from);
    if (start === null) {
      return [];
    }
    const found: string[][] = [];
    this.follow(start.module, start.rest, 0, found, new Set());
    return found;
  }

  /**
   * Where a path written in module `from` starts in this crate: its `crate`/`self`/`super` prefix
   * taken off, and the segments left; null when it names another crate.
   */
  private start(
    path: readonly string[],
    from: readonly string[],
  ): { module: string[]; rest: string[] } | null {
    let module = [...from];
    let rest = [...path];
    if (rest[0] === 'crate') {
      module = [];
      rest = rest.slice(1);
    } else if (rest[0] !== 'self' && rest[0] !== 'super') {
      // A 2018 path starts at a child module of `from`; else it names another crate.
      return this.modules.has([...from, rest[0]].join('::')) ? { module, rest } : null;
    }
    while (rest[0] === 'self' || rest[0] === 'super') {
      if (rest[0] === 'super') {
        if (module.length === 0) {
          return null;
        }
        module = module.slice(0, -1);
      }
      rest = rest.slice(1);
    }
    return rest.length > 0 ? { module, rest } : null;
  }

  /** `rest` read in `module`: through its child modules, then its `use`s and glob imports. */
  private follow(
    module: string[],
    rest: string[],
    hops: number,
    found: string[][],
    seen: Set<string>,
  ): void {
    const child = [...module, rest[0]];
    if (rest.length > 1 && this.modules.has(child.join('::'))) {
      this.follow(child, rest.slice(1), hops, found, seen);
      return;
    }
    const index = this.modules.get(module.join('::'));
    // Modules gluing each other's globs (`pub use crate::a::*` in b and back) end here.
    const key = `${module.join('::')}|${rest.join('::')}`;
    if (!index || hops > MAX_HOPS || seen.has(key)) {
      return;
    }
    seen.add(key);
    if (rest.length === 1 && index.types.has(rest[0])) {
      return;
    }
    const named = index.uses.get(rest[0]);
    if (named) {
      this.followPath([...named, ...rest.slice(1)], module, hops, found, seen);
      return;
    }
    for (const glob of index.globImports) {
      this.followPath([...glob, ...rest], module, hops, found, seen);
    }
  }

  /** A `use` path of `module`: into a module of this crate, or out of it. */
  private followPath(
    path: string[],
    module: string[],
    hops: number,
    found: string[][],
    seen: Set<string>,
  ): void {
    const start = this.start(path, module);
    if (start) {
      this.follow(start.module, start.rest, hops + 1, found, seen);
    } else if (path.length > 1 && !RELATIVE_ROOTS.has(path[0])) {
      found.push(path);
    }
  }
}
