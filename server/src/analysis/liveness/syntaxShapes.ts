/** Syntax shapes the body walk tells apart: places, patterns, constants, diverging statements. */
import { compiledIn } from '../syntax/cfg';
import { macroName } from '../syntax/macros';
import type { SyntaxNode } from '../syntax/parser';

/** Macros whose arguments after the format string are only formatted (std's, log's, asserts). */
export const FORMAT_MACROS = new Set([
  'format',
  'print',
  'println',
  'eprint',
  'eprintln',
  'write',
  'writeln',
  'panic',
  'format_args',
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'log',
  'unreachable',
  'todo',
  'unimplemented',
  'assert',
  'debug_assert',
]);

export const DIVERGING_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented']);

export const PLACE_TYPES = new Set(['identifier', 'self', 'field_expression', 'scoped_identifier']);

export function isPlace(node: SyntaxNode): boolean {
  if (node.type === 'parenthesized_expression' && node.namedChildren[0]) {
    return isPlace(node.namedChildren[0]);
  }
  if (node.type === 'field_expression') {
    const base = node.childForFieldName('value');
    return !!base && isPlace(base);
  }
  if (node.type === 'index_expression' && node.namedChildren[0]) {
    return isPlace(node.namedChildren[0]);
  }
  if (node.type === 'unary_expression' && node.children[0]?.type === '*') {
    return true;
  }
  return PLACE_TYPES.has(node.type);
}

/** Named children without comments and attributes; `cfg`: also without those a false `#[cfg]` compiles out. */
export function named(node: SyntaxNode | null, cfg = false): SyntaxNode[] {
  const children = node?.namedChildren ?? [];
  return (cfg ? compiledIn(children) : children).filter(
    (c): c is SyntaxNode =>
      !!c && c.type !== 'line_comment' && c.type !== 'block_comment' && c.type !== 'attribute_item',
  );
}

/** A place written as a local and fields (`t`, `self.pair.0`): a move out of it can be told apart field by field. */
export function isSimplePlace(node: SyntaxNode): boolean {
  if (node.type === 'identifier' || node.type === 'self') {
    return true;
  }
  if (node.type === 'field_expression' || node.type === 'parenthesized_expression') {
    const inner =
      node.type === 'field_expression' ? node.childForFieldName('value') : node.namedChildren[0];
    return !!inner && isSimplePlace(inner);
  }
  return false;
}

/**
 * The sub-patterns of a tuple, tuple-struct or slice pattern with the position each one matches:
 * `_` (an anonymous node) counts, and parts after `..` count from the end (unknown without the arity).
 */
export function positionalParts(
  pattern: SyntaxNode,
  arity: number | null,
  skip?: SyntaxNode | null,
): { node: SyntaxNode; index: number }[] {
  const parts = pattern.children.filter(
    (c): c is SyntaxNode =>
      !!c &&
      c.id !== skip?.id &&
      (c.type === '_' ||
        (c.isNamed &&
          c.type !== 'line_comment' &&
          c.type !== 'block_comment' &&
          c.type !== 'attribute_item')),
  );
  const rest = parts.findIndex((c) => isRestPattern(c));
  const out: { node: SyntaxNode; index: number }[] = [];
  parts.forEach((node, i) => {
    if (rest >= 0 && i === rest) {
      return;
    }
    const index = rest >= 0 && i > rest ? (arity === null ? -1 : arity - (parts.length - i)) : i;
    out.push({ node, index });
  });
  return out;
}

/** `..`, or `rest @ ..` in a slice pattern. */
export function isRestPattern(node: SyntaxNode): boolean {
  return (
    node.type === 'remaining_field_pattern' ||
    (node.type === 'captured_pattern' &&
      node.namedChildren[node.namedChildren.length - 1]?.type === 'remaining_field_pattern')
  );
}

export function isConstantExpression(node: SyntaxNode): boolean {
  switch (node.type) {
    case 'integer_literal':
    case 'float_literal':
    case 'boolean_literal':
    case 'char_literal':
    case 'string_literal':
    case 'raw_string_literal':
    case 'unit_expression':
      return true;
    case 'array_expression':
    case 'tuple_expression':
    case 'parenthesized_expression':
      return named(node).every(isConstantExpression);
    case 'unary_expression':
      return node.children[0]?.type === '-' && named(node).every(isConstantExpression);
    case 'scoped_identifier':
    case 'identifier':
      return /^[A-Z][A-Z0-9_]*$/.test(node.text.split('::').pop() ?? '') || node.text === 'None';
    case 'call_expression':
      return isPromotedConstructor(node);
    default:
      return false;
  }
}

/**
 * `Some(f64::INFINITY)`, `Ok(1)`: std's variant constructors of constants (no drop glue) are
 * constant expressions rustc promotes with the rest (`&[(Some(1.5), "x"), (None, "NULL")]`).
 */
function isPromotedConstructor(node: SyntaxNode): boolean {
  const ctor = node.childForFieldName('function')?.text;
  const args = node.childForFieldName('arguments');
  return (
    (ctor === 'Some' || ctor === 'Ok' || ctor === 'Err') &&
    args !== null &&
    named(args).every(isConstantExpression)
  );
}

export function isUnsuffixedInt(node: SyntaxNode): boolean {
  if (node.type === 'unary_expression' && node.namedChildren[0]) {
    return isUnsuffixedInt(node.namedChildren[0]);
  }
  return node.type === 'integer_literal' && !/[iu](8|16|32|64|128|size)$/.test(node.text);
}

/** `0..10`, `1..=n_max` with unsuffixed literal bounds: a range whose integer type only its use settles. */
export function isUnsuffixedIntRange(node: SyntaxNode): boolean {
  if (node.type !== 'range_expression') {
    return false;
  }
  const ends = node.namedChildren.filter((c): c is SyntaxNode => !!c);
  return ends.length > 0 && ends.every(isUnsuffixedInt);
}

/** `[0; 8192]` or `[1, 2, 3]`: an array whose element type only its later use settles. */
export function isUnsuffixedIntArray(node: SyntaxNode): boolean {
  if (node.type !== 'array_expression') {
    return false;
  }
  const elems = node.childForFieldName('length') ? [node.namedChildren[0]] : node.namedChildren;
  return elems.length > 0 && elems.every((e) => !!e && isUnsuffixedInt(e));
}

/** The local an argument hands over, through `&`, `&mut`, `(..)` and `x[..]`. */
export function argumentRoot(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = node;
  while (
    n &&
    (n.type === 'reference_expression' ||
      n.type === 'parenthesized_expression' ||
      n.type === 'index_expression')
  ) {
    n = n.type === 'reference_expression' ? n.childForFieldName('value') : n.namedChildren[0];
  }
  return n?.type === 'identifier' ? n : null;
}

/**
 * Whether a value could match both patterns: false only when their outermost constructors (enum
 * variants, unit variants, literals) differ, as `Ok(n)` and `Err(e)` or `1` and `2` do.
 */
export function patternsMayOverlap(a: SyntaxNode, b: SyntaxNode): boolean {
  const heads = (p: SyntaxNode): string[] | null => {
    switch (p.type) {
      case 'or_pattern': {
        const all = named(p).map(heads);
        return all.some((h) => h === null) ? null : (all.flat() as string[]);
      }
      case 'tuple_struct_pattern':
      case 'struct_pattern': {
        const path = p.childForFieldName('type')?.text ?? '';
        return [path.slice(path.lastIndexOf(':') + 1)];
      }
      case 'scoped_identifier':
        return [p.text.slice(p.text.lastIndexOf(':') + 1)];
      case 'identifier':
        // `None` is a variant; `n` binds anything.
        return /^[A-Z]/.test(p.text) ? [p.text] : null;
      case 'integer_literal':
      case 'string_literal':
      case 'char_literal':
      case 'boolean_literal':
        return [`=${p.text}`];
      default:
        return null;
    }
  };
  const ha = heads(a);
  const hb = heads(b);
  return !ha || !hb || ha.some((h) => hb.includes(h));
}

export function isDivergingStatement(stmt: SyntaxNode): boolean {
  let e: SyntaxNode | null = stmt;
  if (e.type === 'expression_statement') {
    e = e.namedChildren[0] ?? null;
  }
  if (!e) {
    return false;
  }
  if (
    e.type === 'return_expression' ||
    e.type === 'break_expression' ||
    e.type === 'continue_expression'
  ) {
    return true;
  }
  if (e.type === 'macro_invocation' && DIVERGING_MACROS.has(macroName(e))) {
    return true;
  }
  if (e.type === 'loop_expression') {
    return !/\bbreak\b/.test(e.text);
  }
  return false;
}
