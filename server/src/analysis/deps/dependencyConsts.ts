/**
 * The declared types of another crate's consts and statics, by the module each is written in
 * (postgres-protocol's `sasl::SCRAM_SHA_256: &str`), so a path to one (`sasl::SCRAM_SHA_256`
 * after `use postgres_protocol::authentication::sasl`) has a type, never that of a const of the
 * caller's own with the same name.
 */
import { CfgEnv, compiledIn } from '../syntax/cfg';
import type { SyntaxNode } from '../syntax/parser';
import { ItemIndex, typeFromNode } from '../items/items';
import { STD_ROOTS, Ty, typeParts } from '../types/types';

/** A const of a file: the inline module it is in (relative to the file), its name, its type. */
export type FileConst = [module: string[], name: string, ty: Ty | null];

/**
 * The consts and statics a file's build compiles, in it and in its inline modules; a name
 * declared twice in one module (once per cfg the index cannot tell apart) has no type (null).
 * Items that item-level macros make are not read (their names stay unknown).
 */
export function fileConsts(root: SyntaxNode, index: ItemIndex, cfg: CfgEnv): FileConst[] {
  const found: FileConst[] = [];
  const visit = (container: SyntaxNode, module: string[]) => {
    const seen = new Map<string, number>();
    for (const item of compiledIn(container.namedChildren, cfg)) {
      const name = item.childForFieldName('name')?.text;
      if (item.type === 'mod_item') {
        const body = item.childForFieldName('body');
        if (body && name) {
          visit(body, [...module, name]);
        }
        continue;
      }
      if ((item.type !== 'const_item' && item.type !== 'static_item') || !name) {
        continue;
      }
      const written = item.childForFieldName('type');
      const ty = written ? typeFromNode(written, index) : null;
      // The index's `use`s are the file's: a path in an inline module may mean another type.
      const readable = ty && (module.length === 0 ? onlyStdPaths(ty) : withoutPaths(ty));
      const at = seen.get(name);
      if (at !== undefined) {
        found[at][2] = null;
        continue;
      }
      seen.set(name, found.length);
      found.push([module, name, readable ? ty : null]);
    }
  };
  visit(root, []);
  return found;
}

/** Whether a type names no path at all (`&str`, `[u8; 4]`, `(u16, bool)`). */
function withoutPaths(ty: Ty): boolean {
  if (ty.k === 'adt' || ty.k === 'unknown' || ty.k === 'param') {
    return false;
  }
  return typeParts(ty).every(withoutPaths);
}

/** Whether every path the type names is std's (`std::time::Duration`, `&str`). */
function onlyStdPaths(ty: Ty): boolean {
  if (ty.k === 'unknown' || ty.k === 'param') {
    return false;
  }
  if (ty.k === 'adt' && !STD_ROOTS.has(ty.segments[0])) {
    return false;
  }
  return typeParts(ty).every(onlyStdPaths);
}
