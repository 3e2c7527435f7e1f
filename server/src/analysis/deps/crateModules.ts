/**
 * A dependency's modules, each with the types it defines and the names its `use`s bring in,
 * indexed from the crate's sources with the same item index as the analysed crate's
 * (`indexItems`, items inside item-level macros included) and the package's own features as cfg.
 * A module's file is parsed the first time a path leads into it; trees are freed at once (the
 * index keeps plain data only).
 */
import { CfgEnv, HOST_CFG, compiledIn, precedingAttributes } from '../syntax/cfg';
import { MacroTrees } from '../syntax/macros';
import { ParseTimeout, SyntaxNode, parseRust } from '../syntax/parser';
import { indexItems } from '../items/items';
import { UserType } from '../types/layout';
import { DependencyFile, DependencyPackage } from './dependencySources';

export interface ModuleScope {
  /** Types defined in the module, by name. */
  types: Map<string, UserType>;
  /** Names the module defines more than once (which one a path means is not known here). */
  ambiguous: Set<string>;
  /** `use` declarations: the name brought in → the path as written. */
  uses: Map<string, string[]>;
  /** `use PATH::*` paths as written. */
  globs: string[][];
}

/** Files parsed per dependency file are bounded by this budget each (a batch can afford it). */
const PARSE_BUDGET_MS = 5000;

const IMPL_OF = /\bimpl\b[^{;]*?\b(Drop|Copy)\s+for\s+([A-Za-z_][A-Za-z0-9_]*)/g;

export function moduleKey(modulePath: readonly string[]): string {
  return modulePath.join('::');
}

export class CrateModules {
  /** Files by module path: several when `mod x;` is declared once per cfg with `#[path]`. */
  private readonly filesOf = new Map<string, DependencyFile[]>();
  /** The `#[path]` of the one `mod x;` the build compiles, by module path, once its parent is read. */
  private readonly declaredPaths = new Map<string, string | null>();
  private readonly scopes = new Map<string, ModuleScope>();
  private readonly parsed = new Set<string>();
  /** Types with an `impl Drop` / `impl Copy` anywhere in the crate, by name. */
  private readonly dropImpls = new Set<string>();
  private readonly copyImpls = new Set<string>();
  private readonly cfg: CfgEnv;
  /** Files read and parsed, for measurements. */
  filesParsed = 0;

  constructor(private readonly pkg: DependencyPackage) {
    for (const f of pkg.files()) {
      const key = moduleKey(f.modulePath);
      this.filesOf.set(key, [...(this.filesOf.get(key) ?? []), f]);
    }
    // A dependency is built without `cfg(test)`, with its own features only.
    this.cfg = { ...HOST_CFG, unknown: new Set(), features: new Set(pkg.features) };
  }

  /** The module at `modulePath`; null when the crate has no such module. */
  scope(modulePath: readonly string[]): ModuleScope | null {
    const key = moduleKey(modulePath);
    const known = this.scopes.get(key);
    if (known) {
      return known;
    }
    // Its own file, else the nearest file above it (an inline `mod x { .. }` is indexed there).
    for (let n = modulePath.length; n >= 0; n--) {
      const fileKey = moduleKey(modulePath.slice(0, n));
      const file = this.fileOf(modulePath.slice(0, n));
      if (file && !this.parsed.has(fileKey)) {
        this.parsed.add(fileKey);
        this.indexFile(file);
        return this.scopes.get(key) ?? null;
      }
      if (file) {
        break;
      }
    }
    return this.scopes.get(key) ?? null;
  }

  /** Whether `modulePath` names a module of the crate (its file exists or an inline one was seen). */
  hasModule(modulePath: readonly string[]): boolean {
    return this.filesOf.has(moduleKey(modulePath)) || this.scope(modulePath) !== null;
  }

  /**
   * The file of a module. When `mod x;` is declared once per target with a `#[path]` each
   * (native-tls's `imp`), the one the parent's cfg keeps; none when that cannot be told.
   */
  private fileOf(modulePath: readonly string[]): DependencyFile | undefined {
    const files = this.filesOf.get(moduleKey(modulePath)) ?? [];
    if (files.length <= 1 || modulePath.length === 0) {
      return files[0];
    }
    this.scope(modulePath.slice(0, -1));
    const declared = this.declaredPaths.get(moduleKey(modulePath));
    if (!declared) {
      return undefined;
    }
    const matching = files.filter((f) => f.path.replace(/\\/g, '/').endsWith(`/${declared}`));
    return matching.length === 1 ? matching[0] : undefined;
  }

  /** A type as the crate defines it, with the trait impls written elsewhere in the crate. */
  withImpls(type: UserType): UserType {
    if (type.kind === 'alias') {
      return type;
    }
    const dropImpl = type.dropImpl || this.dropImpls.has(type.name);
    const copy = type.copy || this.copyImpls.has(type.name);
    return dropImpl === type.dropImpl && copy === type.copy ? type : { ...type, dropImpl, copy };
  }

  /** Reads every file's text once for `impl Drop for X` (the type may be in another file). */
  noteImpls(): void {
    for (const f of [...this.filesOf.values()].flat()) {
      const text = this.pkg.read(f.path);
      for (const m of text?.matchAll(IMPL_OF) ?? []) {
        (m[1] === 'Drop' ? this.dropImpls : this.copyImpls).add(m[2]);
      }
    }
  }

  private indexFile(file: DependencyFile): void {
    const text = this.pkg.read(file.path);
    if (text === null) {
      return;
    }
    let tree;
    try {
      tree = parseRust(text, PARSE_BUDGET_MS);
    } catch (e) {
      if (e instanceof ParseTimeout) {
        return;
      }
      throw e;
    }
    this.filesParsed++;
    const macros = new MacroTrees();
    try {
      const index = indexItems(
        tree.rootNode,
        file.modulePath,
        (m) => macros.items(m),
        undefined,
        this.cfg,
      );
      this.noteModuleDeclarations(tree.rootNode, file.modulePath);
      const fileScope = this.newScope(file.modulePath, index.uses, index.globImports);
      const inline = new Map<string, ModuleScope>();
      for (const path of inlineModules(tree.rootNode)) {
        const scope = this.newScope([...file.modulePath, ...path], index.uses, index.globImports);
        inline.set(path[path.length - 1], scope);
      }
      const own = file.modulePath[file.modulePath.length - 1] ?? '';
      for (const [name, modules] of index.typeModules) {
        for (const m of new Set(modules)) {
          const scope = m === own ? fileScope : (inline.get(m) ?? fileScope);
          const type = m === '' ? index.types.get(name) : index.types.get(`${m}::${name}`);
          const twice =
            modules.filter((x) => x === m).length > 1 || (m === '' && modules.length > 1);
          if (twice || index.ambiguousTypes.has(name) || !type) {
            scope.ambiguous.add(name);
          } else {
            scope.types.set(name, type);
          }
        }
      }
    } finally {
      macros.dispose();
      tree.delete();
    }
  }

  /** The `#[path]`s of the `mod x;` declarations the build keeps (see `fileOf`). */
  private noteModuleDeclarations(root: SyntaxNode, modulePath: readonly string[]): void {
    for (const item of compiledIn(root.namedChildren, this.cfg)) {
      const name = item.type === 'mod_item' ? item.childForFieldName('name')?.text : undefined;
      if (!name || item.childForFieldName('body')) {
        continue;
      }
      const key = moduleKey([...modulePath, name]);
      const attr = precedingAttributes(item)
        .map((a) => /^#\s*\[\s*path\s*=\s*"([^"]+)"\s*\]$/.exec(a.trim())?.[1])
        .find((p) => p !== undefined);
      // Declared twice in the build (cfg not decided here): which file is meant is not known.
      this.declaredPaths.set(key, this.declaredPaths.has(key) ? null : (attr ?? null));
    }
  }

  private newScope(
    modulePath: readonly string[],
    uses: Map<string, string[]>,
    globs: string[][],
  ): ModuleScope {
    const key = moduleKey(modulePath);
    const scope: ModuleScope = { types: new Map(), ambiguous: new Set(), uses, globs };
    if (!this.scopes.has(key)) {
      this.scopes.set(key, scope);
    }
    return this.scopes.get(key)!;
  }
}

/** The paths of the inline `mod x { .. }` of a file, relative to it. */
function inlineModules(root: SyntaxNode): string[][] {
  const found: string[][] = [];
  const visit = (container: SyntaxNode, prefix: string[]) => {
    for (const item of container.namedChildren) {
      if (item?.type !== 'mod_item') {
        continue;
      }
      const body = item.childForFieldName('body');
      const name = item.childForFieldName('name')?.text;
      if (body && name) {
        found.push([...prefix, name]);
        visit(body, [...prefix, name]);
      }
    }
  };
  visit(root, []);
  return found;
}
