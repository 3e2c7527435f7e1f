/**
 * Paths into the analysed crate's modules that name no type of the crate but one a `use` there
 * brings in from another crate: tokio-postgres's `mod types { pub use postgres_types::*; }` makes
 * `crate::types::Oid` postgres-types' `Oid`. The crate's own index merges every file's items, so
 * which module re-exports what is read here, per file module, from each file's own index.
 */
import type { ForeignType, UserType } from '../types/layout';
import { STD_ROOTS } from '../types/types';
import type { ItemIndex } from './items';
import { companionOf, setCompanion } from './indexCompanions';

/** How many `use`s one path may be followed through inside the crate (re-exports of re-exports). */
const MAX_HOPS = 8;

const RELATIVE_ROOTS = new Set(['crate', 'self', 'super']);

/**
 * Notes that `index` (a crate's combined index, or a file's view of it) reads paths through
 * `reexports`; kept beside the index, not in it, since indexes are copied between threads.
 */
export function noteCrateReexports(index: ItemIndex, reexports: CrateReexports): void {
  setCompanion(index, reexports);
}

/** The crate's re-exports `index` was noted with, if any. */
export function crateReexportsOf(index: ItemIndex): CrateReexports | undefined {
  const companion = companionOf(index);
  return companion instanceof CrateReexports ? companion : undefined;
}

export class CrateReexports {
  private readonly modules = new Map<string, ItemIndex>();

  /** `files`: each file module's path in the crate (`[]` for the root) and its own index. */
  constructor(files: readonly { modulePath: readonly string[]; index: ItemIndex | null }[]) {
    const twice = new Set<string>();
    const note = (key: string, index: ItemIndex) => {
      if (this.modules.has(key)) {
        twice.add(key);
      } else {
        this.modules.set(key, index);
      }
    };
    for (const { modulePath, index } of files) {
      if (index) {
        note(modulePath.join('::'), index);
        index.inlineUses?.forEach((uses, key) => note(key, inlineModuleIndex(index, key, uses)));
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
  externalPaths(
    segments: readonly string[],
    from: readonly string[],
    /** Follow only globs into the crate's own modules (`use self::std::*`). */
    crateGlobsOnly = false,
  ): string[][] {
    const start = segments.length < 2 ? null : this.start(segments, from);
    if (start === null) {
      return [];
    }
    const found: string[][] = [];
    this.follow(start.module, start.rest, 0, found, new Set(), crateGlobsOnly);
    return found;
  }

  /**
   * The crate path (module path, then name) of the item `segments` names, followed through the
   * crate's file modules and their named `use`s: `crate::task::yield_now` is
   * `task::yield_now::yield_now` after `pub use yield_now::yield_now;` in `task`. Null when the
   * path leaves the crate, passes a glob import or an inline module, or ends in a module that
   * `defines` says does not define the name.
   */
  definingPath(
    segments: readonly string[],
    from: readonly string[],
    defines: (index: ItemIndex, name: string, module: readonly string[]) => boolean,
  ): string[] | null {
    const end = this.followNamed(segments, from, defines);
    return end?.index && defines(end.index, end.name, end.module)
      ? [...end.module, end.name]
      : null;
  }

  /**
   * The path out of the crate (`std::time::Duration`) that `segments` leads to through named
   * `use`s only (`crate::time::Duration` after `pub use std::time::Duration;` in `time`); null
   * when it ends in the crate or passes a glob import.
   */
  leavingPath(segments: readonly string[], from: readonly string[]): string[] | null {
    return this.followNamed(segments, from)?.external ?? null;
  }

  /**
   * The one path out of the crate that `segments` may name through named `use`s and globs into
   * the crate's own modules (tokio's `crate::loom::sync::Arc`, through `pub(crate) use
   * self::std::*;` in `loom` and `pub(crate) use std::sync::Arc;` in its inline `mod sync`); null
   * when it may name several. A glob out of the crate (`pub use std::io::*;`) is not followed:
   * the name may be an item of the module the index does not see (one a macro makes).
   */
  onlyExternalPath(segments: readonly string[], from: readonly string[]): string[] | null {
    const paths = this.externalPaths(segments, from, true);
    const distinct = new Set(paths.map((p) => p.join('::')));
    return distinct.size === 1 ? paths[0] : null;
  }

  /** Where `segments` ends when followed through file modules and named `use`s (see above). */
  private followNamed(
    segments: readonly string[],
    from: readonly string[],
    defines?: (index: ItemIndex, name: string, module: readonly string[]) => boolean,
  ):
    | { index: ItemIndex; module: string[]; name: string; external?: undefined }
    | { index?: undefined; external: string[] }
    | null {
    let at = segments.length < 2 ? null : this.start(segments, from);
    const seen: { key: string; index: ItemIndex; module: string[]; name: string }[] = [];
    for (let hops = 0; at && hops <= MAX_HOPS; hops++) {
      const { module, rest } = at;
      const child = [...module, rest[0]];
      if (rest.length > 1 && this.modules.has(child.join('::'))) {
        at = { module: child, rest: rest.slice(1) };
        continue;
      }
      const index = this.modules.get(module.join('::'));
      if (!index) {
        return null;
      }
      const key = `${module.join('::')}|${rest.join('::')}`;
      const again = seen.findIndex((s) => s.key === key);
      if (again >= 0) {
        // Back where it was: a file's `uses` hold its inline modules' too (`mod tests { use
        // super::Body; }`), and one led round. No module both defines and imports a name
        // (E0255): the one on the round that defines it is where the name is.
        return seen.slice(again).find((s) => defines?.(s.index, s.name, s.module)) ?? null;
      }
      if (rest.length === 1) {
        seen.push({ key, index, module, name: rest[0] });
      }
      // A `use` comes first: a name the module imports is not one it defines (an inline
      // submodule's item of that name is in the file's index too).
      const named = index.uses.get(rest[0]);
      if (!named) {
        return rest.length === 1 ? { index, module, name: rest[0] } : null;
      }
      const path = [...named, ...rest.slice(1)];
      at = this.start(path, module);
      if (!at) {
        return path.length > 1 && !RELATIVE_ROOTS.has(path[0]) ? { external: path } : null;
      }
    }
    return null;
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
    crateGlobsOnly: boolean,
  ): void {
    const child = [...module, rest[0]];
    if (rest.length > 1 && this.modules.has(child.join('::'))) {
      this.follow(child, rest.slice(1), hops, found, seen, crateGlobsOnly);
      return;
    }
    const index = this.modules.get(module.join('::'));
    // Modules gluing each other's globs (`pub use crate::a::*` in b and back) end here.
    const key = `${module.join('::')}|${rest.join('::')}`;
    if (!index || hops > MAX_HOPS || seen.has(key)) {
      return;
    }
    seen.add(key);
    // The module's own type (`Field`, or `Field::new` of its impl) is no other crate's.
    if (index.types.has(rest[0])) {
      return;
    }
    const named = index.uses.get(rest[0]);
    if (named) {
      this.followPath([...named, ...rest.slice(1)], module, hops, found, seen, crateGlobsOnly);
      return;
    }
    for (const glob of index.globImports) {
      if (!crateGlobsOnly || this.start(glob, module)) {
        this.followPath([...glob, ...rest], module, hops, found, seen, crateGlobsOnly);
      }
    }
  }

  /** A `use` path of `module`: into a module of this crate, or out of it. */
  private followPath(
    path: string[],
    module: string[],
    hops: number,
    found: string[][],
    seen: Set<string>,
    crateGlobsOnly: boolean,
  ): void {
    const start = this.start(path, module);
    if (start) {
      this.follow(start.module, start.rest, hops + 1, found, seen, crateGlobsOnly);
    } else if (path.length > 1 && !RELATIVE_ROOTS.has(path[0])) {
      found.push(path);
    }
  }
}

/**
 * The crate's type a `crate::` path names, read where a file module defines it after the
 * modules' `use`s (`crate::runtime::task::JoinHandle` is `runtime::task::join`'s, not the
 * `JoinHandle` of `blocking` or `fs::mocks`). The crate's index keys its types by their module's
 * last name (`join::JoinHandle`); when two modules of that name define the name (reqwest's
 * `async_impl::body::Body` and `blocking::body::Body`), the defining file's own index says which.
 */
export function crateTypeAt(
  index: ItemIndex,
  reexports: CrateReexports,
  segments: readonly string[],
): UserType | null {
  if (segments[0] !== 'crate') {
    // Written elsewhere, a relative path is read from a module not known here.
    return null;
  }
  const definer: { index: ItemIndex | null } = { index: null };
  const found = reexports.definingPath(segments, [], (own, name, module) => {
    const defines = (own.typeModules.get(name) ?? []).includes(module[module.length - 1] ?? '');
    definer.index = defines ? own : null;
    return defines;
  });
  const module = found?.[found.length - 2];
  const name = found?.[found.length - 1];
  if (!module || !name) {
    return null;
  }
  const key = `${module}::${name}`;
  const sameName = (index.typeModules.get(name) ?? []).filter((m) => m === module);
  if (sameName.length === 1) {
    return index.types.get(key) ?? null;
  }
  const own = definer.index;
  // The file itself may define the name once more in an inline module of that name.
  const ownSameName = (own?.typeModules.get(name) ?? []).filter((m) => m === module);
  return ownSameName.length === 1 ? (own?.types.get(key) ?? null) : null;
}

/**
 * The std type a `crate::` path names through a module's named `use` (tokio's
 * `crate::time::Duration` after `pub use std::time::Duration;`); null for any other path.
 */
export function stdTypeAt(
  reexports: CrateReexports,
  segments: readonly string[],
): ForeignType | null {
  const path =
    segments[0] === 'crate'
      ? (reexports.leavingPath(segments, []) ?? reexports.onlyExternalPath(segments, []))
      : null;
  return path && STD_ROOTS.has(path[0]) ? { kind: 'std', segments: path } : null;
}

/**
 * An inline module (`mod sync { pub(crate) use std::sync::Arc; }`) as `CrateReexports` reads a
 * module: its own `use`s, and the types its file defines in it (keyed `sync::Name` there).
 */
function inlineModuleIndex(file: ItemIndex, key: string, uses: Map<string, string[]>): ItemIndex {
  const prefix = `${key.split('::').pop()}::`;
  const types = new Map(
    [...file.types]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, type]) => [name.slice(prefix.length), type]),
  );
  return { ...file, types, uses, globImports: [] };
}
