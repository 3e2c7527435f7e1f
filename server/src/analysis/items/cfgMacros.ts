/**
 * A crate's cfg macros: `macro_rules!` with a single rule that gives each input item back behind
 * `#[cfg(..)]` attributes (tokio's `cfg_net! { .. }`, hyper's `cfg_feature! { #![..] .. }`).
 * Their items are compiled only when those predicates hold, so an index that reads a macro's
 * items must not take them when the build leaves them out: a type defined once per cfg
 * (`cfg_test_util! { struct Clock { .. } }` beside `cfg_not_test_util! { struct Clock {} }`) would
 * otherwise be defined twice.
 */
import { CfgEnv, attributeKeeps } from '../syntax/cfg';
import { SyntaxNode } from '../syntax/parser';

/** The crate's cfg macros by name, each with the predicates it puts on its items. */
export class CrateCfgMacros {
  /** Null: defined more than once (in different files), so which predicates apply is not known. */
  private readonly byName = new Map<string, string[] | null>();

  /** The cfg macros of every text (a crate's files). */
  static of(texts: Iterable<string>): CrateCfgMacros {
    const macros = new CrateCfgMacros();
    for (const text of texts) {
      macros.noteText(text);
    }
    return macros;
  }

  /** Notes the cfg macros one file's text defines. */
  noteText(text: string): void {
    if (!text.includes('macro_rules!')) {
      return;
    }
    for (const [name, predicates] of fileCfgMacros(text)) {
      this.set(name, this.byName.has(name) ? null : predicates);
    }
  }

  set(name: string, predicates: string[] | null): void {
    this.byName.set(name, predicates);
  }

  get(name: string): string[] | null | undefined {
    return this.byName.get(name);
  }

  entries(): [string, string[] | null][] {
    return [...this.byName];
  }

  get size(): number {
    return this.byName.size;
  }

  /**
   * Whether an invocation's items are compiled in `cfg`: true or false for a cfg macro of the
   * crate (true also when its predicates may hold), null for any other macro.
   */
  keeps(macro: SyntaxNode, cfg: CfgEnv): boolean | null {
    const predicates = this.byName.get(macroName(macro));
    if (!predicates) {
      return null;
    }
    // `cfg_feature! { #![feature = "client"] .. }`: the predicate is the input's own.
    const meta = predicates.some((p) => p.includes(META)) ? invocationMeta(macro) : '';
    return (
      meta !== null &&
      predicates.every((p) => attributeKeeps(`#[cfg(${p.split(META).join(meta)})]`, cfg))
    );
  }
}

/** An invocation's macro name as written, without whitespace (`crate::cfg_net`). */
export function macroName(macro: SyntaxNode): string {
  return macro.childForFieldName('macro')?.text.replace(/\s+/g, '') ?? '';
}

const MACRO_RULES = /\bmacro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)\s*\{/g;
/**
 * A single rule taking items and giving each back behind attributes:
 * `($($i:item)*) => { $( #[cfg(..)] $i )* }`.
 */
const CFG_MACRO_RULE = new RegExp(
  String.raw`^\s*\(\s*\$\(\s*\$(\w+)\s*:\s*item\s*\)\s*\*\s*\)\s*=>` +
    String.raw`\s*\{\s*\$\(([\s\S]*?)\$(\w+)\s*\)\s*\*\s*\}\s*;?\s*$`,
);

/**
 * The same with the predicate taken from the input's inner attribute (hyper's `cfg_feature!`):
 * `(#![$m:meta] $($i:item)*) => { $( #[cfg($m)] $i )* }`.
 */
const CFG_META_MACRO_RULE = new RegExp(
  String.raw`^\s*\(\s*#\s*!\s*\[\s*\$(\w+)\s*:\s*meta\s*\]\s*` +
    String.raw`\$\(\s*\$(\w+)\s*:\s*item\s*\)\s*\*\s*\)\s*=>` +
    String.raw`\s*\{\s*\$\(([\s\S]*?)\$(\w+)\s*\)\s*\*\s*\}\s*;?\s*$`,
);

/** Stands for the input's inner attribute in a cfg macro's predicates. */
const META = '$meta';

/** `feature = "client"` of an invocation's leading `#![feature = "client"]`; null without one. */
function invocationMeta(macro: SyntaxNode): string | null {
  const input = macro.namedChildren.find((c) => c?.type === 'token_tree')?.text ?? '';
  const start = /^[{([]\s*#\s*!\s*\[/.exec(input);
  if (!start) {
    return null;
  }
  const open = start[0].length;
  return input.slice(open, matchingBracket(input, open)).trim();
}

/** The cfg macros a file defines, with the `cfg(..)` predicates each puts on its items. */
function fileCfgMacros(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const m of text.matchAll(MACRO_RULES)) {
    const open = m.index + m[0].length;
    const body = text.slice(open, matchingBrace(text, open));
    const rule = cfgMacroRule(body);
    if (rule === null) {
      continue;
    }
    const predicates = attributePredicates(rule);
    if (predicates !== null) {
      found.set(m[1], predicates);
    }
  }
  return found;
}

/**
 * The cfg predicates of a run of attributes (`#[cfg(P)]`, and `#[cfg_attr(A, cfg(B))]` read as
 * `any(not(A), B)`); other attributes (docs) add none. Null when the text is not only attributes.
 */
function attributePredicates(text: string): string[] | null {
  const predicates: string[] = [];
  let rest = text.trim();
  while (rest.startsWith('#')) {
    const open = rest.indexOf('[');
    if (open < 0 || rest.slice(1, open).trim() !== '') {
      return null;
    }
    const close = matchingBracket(rest, open + 1);
    const inner = rest.slice(open + 1, close).trim();
    rest = rest.slice(close + 1).trim();
    const cfg = /^cfg\s*\(([\s\S]*)\)$/.exec(inner);
    const cfgAttr = /^cfg_attr\s*\(([\s\S]*)\)$/.exec(inner);
    if (cfg) {
      predicates.push(cfg[1]);
    } else if (cfgAttr) {
      const comma = topLevelComma(cfgAttr[1]);
      const applied = /^cfg\s*\(([\s\S]*)\)$/.exec(cfgAttr[1].slice(comma + 1).trim());
      if (comma >= 0 && applied) {
        predicates.push(`any(not(${cfgAttr[1].slice(0, comma)}), ${applied[1]})`);
      }
    }
  }
  return rest === '' ? predicates : null;
}

/** The attributes a cfg macro's single rule puts on each item (`$meta` for the input's own). */
function cfgMacroRule(body: string): string | null {
  const plain = CFG_MACRO_RULE.exec(body);
  if (plain) {
    return plain[1] === plain[3] ? plain[2] : null;
  }
  const meta = CFG_META_MACRO_RULE.exec(body);
  if (!meta || meta[2] !== meta[4]) {
    return null;
  }
  return meta[3].split(`$${meta[1]}`).join(META);
}

/** Index of the first comma outside parentheses, or -1. */
function topLevelComma(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    if (text[i] === ',' && depth === 0) {
      return i;
    }
  }
  return -1;
}

function matchingBrace(text: string, from: number): number {
  return matchingClose(text, from, '{', '}');
}

function matchingBracket(text: string, from: number): number {
  return matchingClose(text, from, '[', ']');
}

/** Index of the `close` that ends a group opened just before `from` (or the text's end). */
function matchingClose(text: string, from: number, open: string, close: string): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    depth += text[i] === open ? 1 : text[i] === close ? -1 : 0;
    if (depth === 0) {
      return i;
    }
  }
  return text.length;
}
