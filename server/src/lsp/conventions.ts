/**
 * The ecosystem's ways of configuring and silencing lints, applied to ours:
 * - `future-size-threshold` in `clippy.toml` / `.clippy.toml` is the default `largeFutureThreshold`;
 * - `#[allow(clippy::large_futures)]` (or `expect`, or `clippy::pedantic`) on the fn or an enclosing
 *   item, module or crate silences `large-future`, with rustc's nearest-attribute-wins rule;
 * - `// rust-future-size: allow(CODE, ...)` on the line directly above a diagnostic silences it.
 * No LSP imports.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { parseRust, SyntaxNode } from '../analysis/syntax/parser';
import { findCrateRoot, readRegularFile } from '../project/crateLayout';
import { ALLOW_COMMENT_PREFIX } from '../protocol';

/** clippy looks for `.clippy.toml` first; when both exist it warns and uses that one. */
const CLIPPY_FILES = ['.clippy.toml', 'clippy.toml'];

export interface ClippyThreshold {
  value: number;
  /** The clippy.toml it comes from. */
  file: string;
}

/**
 * `future-size-threshold` from the clippy configuration that applies to a file: the first
 * `.clippy.toml` or `clippy.toml` found from its crate's root upwards, stopping at the workspace
 * folder that contains it (or at the file system root for crates outside every folder).
 */
export class ClippyConfig {
  private readonly byDir = new Map<string, ClippyThreshold | null>();
  private readonly warned = new Set<string>();
  private roots: string[] = [];

  constructor(private readonly warn: (message: string) => void) {}

  setWorkspaceRoots(roots: string[]): void {
    this.roots = roots.map((r) => path.resolve(r));
    this.clear();
  }

  clear(): void {
    this.byDir.clear();
  }

  thresholdFor(file: string): ClippyThreshold | null {
    const start = findCrateRoot(file) ?? path.dirname(path.resolve(file));
    const cached = this.byDir.get(start);
    if (cached !== undefined) {
      return cached;
    }
    const stop = this.roots.filter((r) => start === r || start.startsWith(r + path.sep)).sort((a, b) => b.length - a.length)[0];
    let found: ClippyThreshold | null = null;
    for (let dir = start; ; dir = path.dirname(dir)) {
      const config = CLIPPY_FILES.map((name) => path.join(dir, name)).find(isFile);
      if (config) {
        found = this.read(config);
        break;
      }
      if (dir === stop || path.dirname(dir) === dir) {
        break;
      }
    }
    this.byDir.set(start, found);
    return found;
  }

  private read(file: string): ClippyThreshold | null {
    let value: unknown;
    try {
      const text = readRegularFile(file, 1024 * 1024);
      if (text === null) {
        this.warnOnce(`${file}: not a regular file or larger than 1 MB; its future-size-threshold is ignored`);
        return null;
      }
      value = (parseToml(text) as Record<string, unknown>)['future-size-threshold'];
    } catch (error) {
      this.warnOnce(`${file}: does not parse (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); its future-size-threshold is ignored`);
      return null;
    }
    if (value === undefined) {
      return null;
    }
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      this.warnOnce(`${file}: future-size-threshold must be a positive integer, not ${JSON.stringify(String(value))}; ignored`);
      return null;
    }
    return { value: n, file };
  }

  private warnOnce(message: string): void {
    if (!this.warned.has(message)) {
      this.warned.add(message);
      this.warn(message);
    }
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

const ALLOW_COMMENT = new RegExp(String.raw`^\s*//\s*${ALLOW_COMMENT_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*')}\(\s*([^)]*)\)`);

/** The codes a `// rust-future-size: allow(...)` line names, or null when the line is no such comment. */
export function allowCommentCodes(line: string): string[] | null {
  const match = ALLOW_COMMENT.exec(line);
  if (!match) {
    return null;
  }
  return match[1]
    .split(',')
    .map((code) => code.trim())
    .filter((code) => code.length > 0);
}

/** Whether the line above `line0` (0-based) is an allow comment naming `code`. */
export function allowedByComment(lines: readonly string[], line0: number, code: string): boolean {
  return line0 > 0 && (allowCommentCodes(lines[line0 - 1] ?? '')?.includes(code) ?? false);
}

export interface TextInsertion {
  /** 0-based; `start === end` inserts. */
  start: { line: number; character: number };
  end: { line: number; character: number };
  newText: string;
}

/**
 * The edit behind "Allow `CODE` here": a comment with the line's indentation inserted above it, or
 * the code added to an allow comment that is already there.
 */
export function allowCommentEdit(lines: readonly string[], line0: number, code: string, eol: string): TextInsertion {
  const above = line0 > 0 ? (lines[line0 - 1] ?? '') : '';
  const codes = line0 > 0 ? allowCommentCodes(above) : null;
  const list = codes ? ALLOW_COMMENT.exec(above) : null;
  if (codes && list) {
    // Only the list in the parentheses changes; whatever follows them (a reason) stays.
    const close = list.index + list[0].length - 1;
    const open = above.lastIndexOf('(', close);
    return {
      start: { line: line0 - 1, character: open + 1 },
      end: { line: line0 - 1, character: close },
      newText: [...codes, code].join(', '),
    };
  }
  const indent = /^\s*/.exec(lines[line0] ?? '')![0];
  return { start: { line: line0, character: 0 }, end: { line: line0, character: 0 }, newText: `${indent}// ${ALLOW_COMMENT_PREFIX}(${code})${eol}` };
}

/** A file that declares the next module down the path to a file: `mod child;`. */
export interface ModuleAncestor {
  text: string;
  /** The name of the `mod` declaration that leads on (`mod net;` → `net`). */
  child: string;
}

type Level = 'allow' | 'warn';

/**
 * rustc's lint levels for one clippy lint, read from attributes: the innermost `allow`/`expect`
 * (silenced) or `warn`/`deny`/`forbid` (reported) that names the lint or its group wins.
 * `cfg_attr` is not evaluated.
 */
export class LintAttributes {
  private readonly names: Set<string>;
  /** Whether a text can name the lint at all: most files never do, and need no parse. */
  private readonly mentioned: RegExp;

  constructor(lint: string, group: string) {
    this.names = new Set([`clippy::${lint}`, `clippy::${group}`]);
    this.mentioned = new RegExp(`\\b(${lint}|${group})\\b`);
  }

  /**
   * Whether the lint is allowed at each 1-based position of `text`: by attributes around it in the
   * file, then on the `mod` declarations and inner attributes of the files above it (`ancestors`,
   * from the crate root down to the file's parent). One parse of each file, however many positions.
   */
  allowedAt(text: string, positions: readonly { line: number; column: number }[], ancestors: readonly ModuleAncestor[] = []): boolean[] {
    if (positions.length === 0) {
      return [];
    }
    const found = this.mentioned.test(text)
      ? withTree(text, (root) =>
          positions.map((p) => {
            const node = root.descendantForPosition({ row: p.line - 1, column: Math.max(0, p.column - 1) });
            return node ? this.levelAbove(node) : undefined;
          }),
        )
      : undefined;
    const levels = found ?? positions.map(() => undefined);
    if (levels.some((level) => level === undefined)) {
      const inherited = this.inheritedLevel(ancestors);
      return levels.map((level) => (level ?? inherited) === 'allow');
    }
    return levels.map((level) => level === 'allow');
  }

  /** The level a file gets from the files above it, nearest first. */
  private inheritedLevel(ancestors: readonly ModuleAncestor[]): Level | undefined {
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const { text, child } = ancestors[i];
      if (!this.mentioned.test(text)) {
        continue;
      }
      const level = withTree(text, (root) => {
        const declaration = root.namedChildren.find((c) => c?.type === 'mod_item' && c.childForFieldName('name')?.text === child && !c.childForFieldName('body'));
        return (declaration ? this.outerLevel(declaration) : undefined) ?? this.innerLevel(root);
      });
      if (level) {
        return level;
      }
    }
    return undefined;
  }

  private levelAbove(start: SyntaxNode): Level | undefined {
    for (let node: SyntaxNode | null = start; node; node = node.parent) {
      const level = this.innerLevel(node) ?? this.outerLevel(node);
      if (level) {
        return level;
      }
    }
    return undefined;
  }

  /** `#![...]` at the start of a file, a module's `{ }` or a block. */
  private innerLevel(node: SyntaxNode): Level | undefined {
    if (node.type !== 'source_file' && node.type !== 'declaration_list' && node.type !== 'block') {
      return undefined;
    }
    let level: Level | undefined;
    for (const child of node.namedChildren) {
      if (child?.type === 'inner_attribute_item') {
        level = this.levelOf(child.text) ?? level;
      }
    }
    return level;
  }

  /** `#[...]` lines right before an item, statement or field. The last one written wins. */
  private outerLevel(node: SyntaxNode): Level | undefined {
    for (let sibling = node.previousNamedSibling; sibling; sibling = sibling.previousNamedSibling) {
      if (sibling.type === 'attribute_item') {
        const level = this.levelOf(sibling.text);
        if (level) {
          return level;
        }
      } else if (sibling.type !== 'line_comment' && sibling.type !== 'block_comment') {
        break;
      }
    }
    return undefined;
  }

  private levelOf(attribute: string): Level | undefined {
    const match = /^#!?\[\s*(allow|expect|warn|deny|forbid)\s*\(([\s\S]*)\)\s*\]$/.exec(attribute.trim());
    if (!match) {
      return undefined;
    }
    const named = match[2].split(',').some((lint) => this.names.has(lint.replace(/\s+/g, '')));
    if (!named) {
      return undefined;
    }
    return match[1] === 'allow' || match[1] === 'expect' ? 'allow' : 'warn';
  }
}

function withTree<T>(text: string, use: (root: SyntaxNode) => T): T | undefined {
  let tree;
  try {
    tree = parseRust(text, 1000);
  } catch {
    return undefined;
  }
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

export const LARGE_FUTURES = new LintAttributes('large_futures', 'pedantic');
