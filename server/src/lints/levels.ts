/**
 * Lint levels, evaluated in one place for every lint: which findings are reported, and at which
 * level. A finding is silenced by `// rust-future-size: allow(CODE)` on the line above it, or by
 * `#[allow]`/`#[expect]` of the clippy lint it mirrors (or of that lint's group, or `clippy::all`
 * for the default groups) on the fn or any enclosing item, module or crate; `#[warn]`, `#[deny]`
 * and `#[forbid]` report it, as a warning or an error. As in rustc, the nearest attribute wins,
 * except that nothing inside a `forbid` can lower it. `cfg_attr` is not evaluated. No LSP imports.
 */
import { parseRust, SyntaxNode } from '../analysis/syntax/parser';
import { allowedByComment } from './allowComment';
import type { ClippyLint, Finding, ReportedLevel } from './finding';

/** A file that declares the next module down the path to a file: `mod child;`. */
export interface ModuleAncestor {
  text: string;
  /** The name of the `mod` declaration that leads on (`mod net;` → `net`). */
  child: string;
}

export type LintLevel = 'allow' | 'expect' | 'warn' | 'deny' | 'forbid';

/** The groups `clippy::all` turns on (clippy's warn-by-default lints). */
const ALL_GROUPS = new Set(['correctness', 'suspicious', 'style', 'complexity', 'perf']);

/** Most files never name a clippy lint, and need no parse. */
const MENTIONS_CLIPPY = /\bclippy\s*::/;

/** The names that set a clippy lint's level in an attribute. */
export function attributeNames(lint: ClippyLint): ReadonlySet<string> {
  const names = [`clippy::${lint.name}`, `clippy::${lint.group}`];
  return new Set(ALL_GROUPS.has(lint.group) ? [...names, 'clippy::all'] : names);
}

export interface LevelSources {
  /** The file's text, and one of its lines (0-based), as the findings' spans index them. */
  text: string;
  lineText(line0: number): string;
  /** The files above this one, from the crate root down; asked only when attributes may matter. */
  ancestors?: () => readonly ModuleAncestor[];
}

/**
 * The findings that are reported, each with its level; the others are dropped. One parse of the
 * file (and of each module file above it that names a clippy lint), however many findings.
 */
export function applyLintLevels(findings: readonly Finding[], sources: LevelSources): Finding[] {
  const open = findings.filter(
    (finding) => !allowedByComment(sources.lineText, finding.span.start.line, finding.code),
  );
  const clippyFindings = open.filter((finding) => finding.clippy !== null);
  const levels = clippyFindings.length
    ? attributeLevels(sources, clippyFindings)
    : new Map<Finding, LintLevel>();
  const reported: Finding[] = [];
  for (const finding of open) {
    const level = levels.get(finding);
    if (level === 'allow' || level === 'expect') {
      continue;
    }
    const reportedLevel: ReportedLevel =
      level === 'deny' || level === 'forbid' ? 'deny' : level === 'warn' ? 'warn' : finding.level;
    reported.push(reportedLevel === finding.level ? finding : { ...finding, level: reportedLevel });
  }
  return reported;
}

/** Where a finding's level is read: at the value it is about, else at its future. */
function positionOf(finding: Finding): { line: number; column: number } {
  return finding.target ?? finding.future;
}

function attributeLevels(
  sources: LevelSources,
  findings: readonly Finding[],
): Map<Finding, LintLevel> {
  const levels = new Map<Finding, LintLevel>();
  const inFile = MENTIONS_CLIPPY.test(sources.text)
    ? withTree(sources.text, (root) =>
        findings.map((finding) => {
          const p = positionOf(finding);
          const node = root.descendantForPosition({
            row: p.line - 1,
            column: Math.max(0, p.column - 1),
          });
          return node ? levelsAbove(node, attributeNames(finding.clippy!)) : [];
        }),
      )
    : undefined;
  let inherited: Map<string, LintLevel[]> | undefined;
  findings.forEach((finding, i) => {
    const names = attributeNames(finding.clippy!);
    const own = inFile?.[i] ?? [];
    // The files above can only add a `forbid` to a file that says something itself.
    if (!own.includes('forbid')) {
      inherited ??= new Map();
      const key = [...names].join(',');
      if (!inherited.has(key)) {
        inherited.set(key, inheritedLevels(sources.ancestors?.() ?? [], names));
      }
      own.push(...inherited.get(key)!);
    }
    const level = own.includes('forbid') ? 'forbid' : own[0];
    if (level) {
      levels.set(finding, level);
    }
  });
  return levels;
}

/** The levels a file gets from the files above it, nearest first. */
function inheritedLevels(
  ancestors: readonly ModuleAncestor[],
  names: ReadonlySet<string>,
): LintLevel[] {
  const levels: LintLevel[] = [];
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const { text, child } = ancestors[i];
    if (!MENTIONS_CLIPPY.test(text)) {
      continue;
    }
    const found = withTree(text, (root) => {
      const declaration = root.namedChildren.find(
        (c) =>
          c?.type === 'mod_item' &&
          c.childForFieldName('name')?.text === child &&
          !c.childForFieldName('body'),
      );
      return [declaration ? outerLevel(declaration, names) : undefined, innerLevel(root, names)];
    });
    levels.push(...(found ?? []).filter((level): level is LintLevel => level !== undefined));
  }
  return levels;
}

/** The levels set on a node and everything around it in its file, nearest first. */
function levelsAbove(start: SyntaxNode, names: ReadonlySet<string>): LintLevel[] {
  const levels: LintLevel[] = [];
  for (let node: SyntaxNode | null = start; node; node = node.parent) {
    const inner = innerLevel(node, names);
    const outer = outerLevel(node, names);
    if (inner) {
      levels.push(inner);
    }
    if (outer) {
      levels.push(outer);
    }
  }
  return levels;
}

/** `#![...]` at the start of a file, a module's `{ }` or a block. The last one written wins. */
function innerLevel(node: SyntaxNode, names: ReadonlySet<string>): LintLevel | undefined {
  if (node.type !== 'source_file' && node.type !== 'declaration_list' && node.type !== 'block') {
    return undefined;
  }
  let level: LintLevel | undefined;
  for (const child of node.namedChildren) {
    if (child?.type === 'inner_attribute_item') {
      level = levelOf(child.text, names) ?? level;
    }
  }
  return level;
}

/** `#[...]` lines right before an item, statement or field. The last one written wins. */
function outerLevel(node: SyntaxNode, names: ReadonlySet<string>): LintLevel | undefined {
  for (let sibling = node.previousNamedSibling; sibling; sibling = sibling.previousNamedSibling) {
    if (sibling.type === 'attribute_item') {
      const level = levelOf(sibling.text, names);
      if (level) {
        return level;
      }
    } else if (sibling.type !== 'line_comment' && sibling.type !== 'block_comment') {
      break;
    }
  }
  return undefined;
}

const LEVEL_ATTRIBUTE = /^#!?\[\s*(allow|expect|warn|deny|forbid)\s*\(([\s\S]*)\)\s*\]$/;

/** The level an attribute sets for any of `names`; a `reason = ".."` is not a lint name. */
function levelOf(attribute: string, names: ReadonlySet<string>): LintLevel | undefined {
  const match = LEVEL_ATTRIBUTE.exec(attribute.trim());
  if (!match) {
    return undefined;
  }
  const named = match[2].split(',').some((lint) => names.has(lint.replace(/\s+/g, '')));
  return named ? (match[1] as LintLevel) : undefined;
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
