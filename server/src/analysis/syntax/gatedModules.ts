/**
 * Module files a `#[cfg]` leaves out of a crate: a file that only `mod x;` declarations gated off
 * in the cfg in force name (or declarations inside files left out themselves) is not compiled, nor
 * is any module below it. Which file a declaration names is read from paths as rustc reads them;
 * whether the declaring file is a crate root is not known here, so both places count. A file no
 * declaration names (a crate root, or one reached through a macro) is always kept.
 */
import * as path from 'path';
import { attributeKeeps, attributesBefore, fileCfgdOutBy } from './cfg';
import { itemListTypes } from './childTypes';
import type { SyntaxNode } from './parser';

export interface ModuleDeclaration {
  name: string;
  /** The files it may name, normalised (rustc takes the one that exists). */
  candidates: string[];
  /** The gate that leaves it out, as written; null when it is compiled. */
  gate: string | null;
}

export interface DeclaringFile {
  file: string;
  declarations: ModuleDeclaration[];
  /** A crate root: compiled even when a declaration names it (`#[path = "lib.rs"] mod again;`). */
  root?: boolean;
}

const ROOT_LIKE = new Set(['mod.rs', 'lib.rs', 'main.rs']);

/** The `mod x;` declarations of a file (through inline modules), each with its gate. */
export function moduleDeclarations(root: SyntaxNode, file: string): ModuleDeclaration[] {
  const declarations: ModuleDeclaration[] = [];
  const directory = path.dirname(file);
  const base = path.basename(file);
  // Children of `a.rs` live in `a/`; of a crate root or `mod.rs`, beside it.
  const directories = ROOT_LIKE.has(base)
    ? [directory]
    : [path.join(directory, path.basename(base, '.rs')), directory];
  const visit = (container: SyntaxNode, inline: string[], outerGate: string | null) => {
    // The children's types are the ones the item index reads (kept per list).
    const children = container.namedChildren;
    const types = itemListTypes(children);
    for (let i = 0; i < children.length; i++) {
      const item = children[i];
      if (!item || types[i] !== 'mod_item') {
        continue;
      }
      const name = item.childForFieldName('name')?.text ?? '_';
      const attributes = attributesBefore(children, i);
      const gate = outerGate ?? attributes.find((a) => !attributeKeeps(a)) ?? null;
      const body = item.childForFieldName('body');
      if (body) {
        visit(body, [...inline, name], gate);
        continue;
      }
      const explicit = attributes
        .map((a) => /^#\s*\[\s*path\s*=\s*"([^"]+)"\s*\]$/.exec(a.trim())?.[1])
        .find((p) => p !== undefined);
      const candidates = explicit
        ? [path.join(directory, ...inline, explicit), path.join(directory, explicit)]
        : directories.flatMap((d) => [
            path.join(d, ...inline, `${name}.rs`),
            path.join(d, ...inline, name, 'mod.rs'),
          ]);
      declarations.push({ name, candidates: candidates.map((c) => path.normalize(c)), gate });
    }
  };
  visit(root, [], fileCfgdOutBy(root));
  return declarations;
}

/**
 * The files of a crate no compiled declaration reaches, each with why (a sentence). Reached: a
 * root, a file no declaration names, and any file a compiled declaration of a reached file names.
 */
export function gatedOutFiles(files: readonly DeclaringFile[]): Map<string, string> {
  const byPath = new Map(files.map((f) => [path.normalize(f.file), f]));
  const named = new Set(
    files.flatMap((f) => f.declarations.flatMap((d) => d.candidates.filter((c) => byPath.has(c)))),
  );
  const reached = new Set(
    [...byPath].filter(([file, f]) => f.root === true || !named.has(file)).map(([file]) => file),
  );
  const queue = [...reached];
  while (queue.length > 0) {
    for (const declaration of byPath.get(queue.pop()!)!.declarations) {
      if (declaration.gate !== null) {
        continue;
      }
      for (const candidate of declaration.candidates) {
        if (byPath.has(candidate) && !reached.has(candidate)) {
          reached.add(candidate);
          queue.push(candidate);
        }
      }
    }
  }
  const left = new Map<string, string>();
  for (const [file, entry] of byPath) {
    if (!reached.has(file)) {
      left.set(entry.file, whyLeftOut(file, files));
    }
  }
  return left;
}

function whyLeftOut(file: string, files: readonly DeclaringFile[]): string {
  for (const declaring of files) {
    const declaration = declaring.declarations.find(
      (d) => d.gate !== null && d.candidates.includes(file),
    );
    if (declaration) {
      const where = `\`mod ${declaration.name}\` in ${declaring.file}`;
      return `\`${declaration.gate}\` on ${where} leaves this file out of the build`;
    }
  }
  return 'the module that declares it is left out of the build, and this file with it';
}
