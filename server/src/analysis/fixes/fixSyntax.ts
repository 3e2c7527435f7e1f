/**
 * Syntax helpers for the fix planner: statements and their comments, bindings and their uses,
 * lines and indentation. Everything works on tree-sitter nodes of one parse and never edits.
 */
import type { SourceEdit, SourcePosition } from './fixTypes';
import { lineStarts } from './applyEdits';
import type { SyntaxNode } from '../syntax/parser';
import { macroName } from '../syntax/macros';
import type { FutureReport } from '../report';

export const ITEM_TYPES = new Set([
  'function_item',
  'struct_item',
  'enum_item',
  'union_item',
  'impl_item',
  'trait_item',
  'mod_item',
  'use_declaration',
  'const_item',
  'static_item',
  'type_item',
  'macro_definition',
  'extern_crate_declaration',
  'foreign_mod_item',
]);
export const NOT_STATEMENTS = new Set([
  'line_comment',
  'block_comment',
  'attribute_item',
  'inner_attribute_item',
]);

export function named(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c): c is SyntaxNode => c !== null);
}

export function children(node: SyntaxNode): SyntaxNode[] {
  return node.children.filter((c): c is SyntaxNode => c !== null);
}

/** The statements of a block (its tail expression included), without comments and attributes. */
export function statementsOf(block: SyntaxNode): SyntaxNode[] {
  return named(block).filter((c) => !NOT_STATEMENTS.has(c.type));
}

export function indexOfNode(nodes: SyntaxNode[], node: SyntaxNode): number {
  return nodes.findIndex((n) => n.id === node.id);
}

export function isAncestor(ancestor: SyntaxNode, node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.id === ancestor.id) {
      return true;
    }
  }
  return false;
}

/** Comments and attributes directly above `stmt` (no blank line between) belong to it. */
export function attachedStart(block: SyntaxNode, stmt: SyntaxNode): SyntaxNode {
  let first = stmt;
  let prev = stmt.previousNamedSibling;
  while (
    prev &&
    NOT_STATEMENTS.has(prev.type) &&
    prev.parent?.id === block.id &&
    prev.endPosition.row + 1 >= first.startPosition.row
  ) {
    const before = prev.previousNamedSibling;
    // A comment after another statement on the same line belongs to that statement.
    if (before && before.endPosition.row === prev.startPosition.row) {
      break;
    }
    if (prev.endPosition.row === first.startPosition.row) {
      break;
    }
    first = prev;
    prev = before;
  }
  return first;
}

/** Rows that begin inside a string literal spanning several lines (indenting them would change the string). */
export function multilineStringRows(nodes: SyntaxNode[]): Set<number> {
  const rows = new Set<number>();
  for (const node of nodes) {
    for (const s of node.descendantsOfType([
      'string_literal',
      'raw_string_literal',
      'block_comment',
    ])) {
      if (s && s.endPosition.row > s.startPosition.row && s.type !== 'block_comment') {
        for (let r = s.startPosition.row + 1; r <= s.endPosition.row; r++) {
          rows.add(r);
        }
      }
    }
  }
  return rows;
}

export function findFutureNode(root: SyntaxNode, future: FutureReport): SyntaxNode | null {
  const at = root.descendantForPosition({ row: future.line - 1, column: future.column - 1 });
  for (let n: SyntaxNode | null = at; n; n = n.parent) {
    if (future.kind === 'fn' && n.type === 'function_item') {
      const mods = children(n).find((c) => c.type === 'function_modifiers');
      const asyncTok = mods && children(mods).find((c) => c.type === 'async');
      return asyncTok &&
        asyncTok.startPosition.row === future.line - 1 &&
        asyncTok.startPosition.column === future.column - 1
        ? n
        : null;
    }
    if (future.kind === 'block' && n.type === 'async_block') {
      return n.startPosition.row === future.line - 1 && n.startPosition.column === future.column - 1
        ? n
        : null;
    }
    if (future.kind === 'closure' && n.type === 'closure_expression') {
      const body = n.childForFieldName('body');
      if (
        body &&
        body.startPosition.row === future.line - 1 &&
        body.startPosition.column === future.column - 1
      ) {
        return n;
      }
    }
  }
  return null;
}

export function futureBody(node: SyntaxNode): SyntaxNode | null {
  if (node.type === 'async_block') {
    return named(node).find((c) => c.type === 'block') ?? null;
  }
  return node.childForFieldName('body');
}

/** Whether a parameter node belongs to the future's own fn or closure. */
export function isWithin(param: SyntaxNode, future: FutureReport, root: SyntaxNode): boolean {
  const node = findFutureNode(root, future);
  return node !== null && isAncestor(node, param);
}

export const PATTERN_TYPES = new Set([
  'tuple_pattern',
  'mut_pattern',
  'ref_pattern',
  'struct_pattern',
  'field_pattern',
  'tuple_struct_pattern',
  'slice_pattern',
  'captured_pattern',
  'or_pattern',
  'reference_pattern',
]);

/** The `let` or parameter that declares the binding `id`. */
export function declarationOf(id: SyntaxNode): { kind: 'let' | 'param'; node: SyntaxNode } | null {
  let n: SyntaxNode = id;
  while (n.parent && PATTERN_TYPES.has(n.parent.type)) {
    n = n.parent;
  }
  const parent = n.parent;
  if (!parent) {
    return null;
  }
  if (parent.type === 'let_declaration' && parent.childForFieldName('pattern')?.id === n.id) {
    return { kind: 'let', node: parent };
  }
  if (
    (parent.type === 'parameter' && parent.childForFieldName('pattern')?.id === n.id) ||
    parent.type === 'self_parameter'
  ) {
    return { kind: 'param', node: parent };
  }
  if (parent.type === 'closure_parameters') {
    return { kind: 'param', node: n };
  }
  return null;
}

export interface PatternBinding {
  name: string;
  node: SyntaxNode;
  mutable: boolean;
  byRef: boolean;
}

/** The names a pattern binds (unit variants and constants included: over-approximating is safe). */
export function patternBindings(pattern: SyntaxNode, letMut = false): PatternBinding[] {
  const out: PatternBinding[] = [];
  const visit = (n: SyntaxNode, mutable: boolean, byRef: boolean) => {
    switch (n.type) {
      case 'identifier':
        out.push({ name: n.text, node: n, mutable, byRef });
        return;
      case 'shorthand_field_identifier': {
        const field = n.parent;
        const kids = field ? children(field) : [];
        out.push({
          name: n.text,
          node: n,
          mutable: kids.some((k) => k.type === 'mutable_specifier'),
          byRef: kids.some((k) => k.type === 'ref'),
        });
        return;
      }
      case 'mut_pattern':
        named(n).forEach((c) => visit(c, true, byRef));
        return;
      case 'ref_pattern':
        named(n).forEach((c) => visit(c, mutable, true));
        return;
      case 'tuple_struct_pattern':
      case 'struct_pattern': {
        const type = n.childForFieldName('type');
        named(n)
          .filter((c) => c.id !== type?.id)
          .forEach((c) => visit(c, false, byRef));
        return;
      }
      case 'field_pattern': {
        const nameNode = n.childForFieldName('name');
        const kids = children(n);
        const fieldMut = kids.some((k) => k.type === 'mutable_specifier');
        const fieldRef = kids.some((k) => k.type === 'ref');
        named(n).forEach((c) => {
          if (c.id === nameNode?.id && c.type === 'field_identifier') {
            return;
          }
          visit(c, fieldMut, byRef || fieldRef);
        });
        return;
      }
      case 'scoped_identifier':
      case 'type_identifier':
      case 'field_identifier':
        return;
      default:
        named(n).forEach((c) => visit(c, false, byRef));
    }
  };
  visit(pattern, letMut && pattern.type === 'identifier', false);
  return out;
}

export function letBindings(letNode: SyntaxNode): PatternBinding[] {
  const pattern = letNode.childForFieldName('pattern');
  if (!pattern) {
    return [];
  }
  const letMut = children(letNode).some((c) => c.type === 'mutable_specifier');
  return patternBindings(pattern, letMut);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Nodes under `node` that may refer to the local `name`: identifiers (also inside macro
 * arguments and nested closures) and `{name}` captures in macro format strings.
 * Over-approximates (a shadowing binding counts too), which only makes fixes rarer.
 */
export function mentionsOf(node: SyntaxNode, name: string): SyntaxNode[] {
  if (!node.text.includes(name)) {
    return [];
  }
  const out: SyntaxNode[] = [];
  const capture = new RegExp(`\\{[^{}]*\\b${escapeRegExp(name)}\\b[^{}]*\\}`);
  const visit = (n: SyntaxNode) => {
    if ((n.type === 'identifier' && n.text === name) || (name === 'self' && n.type === 'self')) {
      const p = n.parent;
      const isMacroName =
        p?.type === 'macro_invocation' && p.childForFieldName('macro')?.id === n.id;
      if (p?.type !== 'label' && !isMacroName) {
        out.push(n);
      }
      return;
    }
    if (
      (n.type === 'string_literal' || n.type === 'raw_string_literal') &&
      n.parent?.type === 'token_tree'
    ) {
      if (capture.test(n.text)) {
        out.push(n);
      }
      return;
    }
    for (const c of children(n)) {
      if (c.text.includes(name) || c.type === 'self') {
        visit(c);
      }
    }
  };
  visit(node);
  return out;
}

/** Mentions in a statement, leaving out the pattern of a `let` (which declares, not uses). */
export function mentionsInStatement(stmt: SyntaxNode, name: string): SyntaxNode[] {
  if (stmt.type !== 'let_declaration') {
    return mentionsOf(stmt, name);
  }
  const pattern = stmt.childForFieldName('pattern');
  return children(stmt)
    .filter((c) => c.id !== pattern?.id)
    .flatMap((c) => mentionsOf(c, name));
}

/**
 * Uses of `name` in `stmts[from..]`, up to the first statement-level `let` that binds the name
 * again (its initialiser still refers to the old binding). `shadowedAt` is that statement's index.
 */
export function usesAfter(
  stmts: SyntaxNode[],
  from: number,
  name: string,
): { mentions: { index: number; node: SyntaxNode }[]; shadowedAt: number | null } {
  const mentions: { index: number; node: SyntaxNode }[] = [];
  for (let i = from; i < stmts.length; i++) {
    const s = stmts[i];
    for (const node of mentionsInStatement(s, name)) {
      mentions.push({ index: i, node });
    }
    if (s.type === 'let_declaration' && letBindings(s).some((b) => b.name === name)) {
      return { mentions, shadowedAt: i };
    }
  }
  return { mentions, shadowedAt: null };
}

/** Whether a use of a value still compiles once the value is a `Box` (method, field, index, `&x` argument, format argument). */
export function derefCompatible(use: SyntaxNode): boolean {
  const p = use.parent;
  if (!p) {
    return false;
  }
  if (
    use.type === 'string_literal' ||
    use.type === 'raw_string_literal' ||
    p.type === 'token_tree'
  ) {
    return isFormatMacro(enclosingMacro(use));
  }
  if (p.type === 'field_expression' && p.childForFieldName('value')?.id === use.id) {
    // Methods that `Box` itself has would change meaning (`b.clone()` clones the box).
    const method =
      p.parent?.type === 'call_expression' && p.parent.childForFieldName('function')?.id === p.id
        ? (p.childForFieldName('field')?.text ?? '')
        : '';
    return !BOX_OWN_METHODS.has(method);
  }
  if (p.type === 'index_expression' && p.namedChildren[0]?.id === use.id) {
    return true;
  }
  if (p.type === 'reference_expression') {
    // Rewritten to `&*x` / `&mut *x`: same type as before.
    return true;
  }
  return false;
}

export const BOX_OWN_METHODS = new Set([
  'clone',
  'as_ref',
  'as_mut',
  'borrow',
  'borrow_mut',
  'into',
  'into_iter',
  'to_owned',
  'type_id',
  'leak',
  'into_raw',
  'into_pin',
  'eq',
  'ne',
  'cmp',
  'partial_cmp',
  'hash',
]);

export function enclosingMacro(node: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'macro_invocation') {
      return n;
    }
  }
  return null;
}

/**
 * std macros that only borrow their arguments (formatting, assertions, panics): a value named in
 * one is used there, not moved or stored. Not FORMAT_MACROS (liveness/syntaxShapes.ts), which models what a
 * format macro keeps alive across an await and includes the log crates' macros.
 */
export const ARGUMENT_BORROWING_MACROS = new Set([
  'format',
  'print',
  'println',
  'eprint',
  'eprintln',
  'write',
  'writeln',
  'format_args',
  'panic',
  'assert',
  'assert_eq',
  'assert_ne',
  'debug_assert',
  'debug_assert_eq',
  'debug_assert_ne',
  'unreachable',
  'todo',
  'unimplemented',
]);

export function isFormatMacro(m: SyntaxNode | null): boolean {
  const name = macroName(m);
  return ARGUMENT_BORROWING_MACROS.has(name) && !name.startsWith('assert');
}

export class SourceLines {
  readonly starts: number[];
  readonly newline: string;

  constructor(readonly text: string) {
    this.starts = lineStarts(text);
    this.newline = text.includes('\r\n') ? '\r\n' : '\n';
  }

  /** The row's text without its line ending. */
  lineText(row: number): string {
    const start = this.starts[row] ?? this.text.length;
    const end = row + 1 < this.starts.length ? this.starts[row + 1] - 1 : this.text.length;
    const line = this.text.slice(start, end);
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  indentOf(row: number): string {
    return /^[ \t]*/.exec(this.lineText(row))![0];
  }

  /** Only whitespace before `pos` on its row. */
  startsRow(pos: SourcePosition): boolean {
    return this.lineText(pos.row).slice(0, pos.column).trim() === '';
  }

  /** Only whitespace or a comment after `pos` on its row. */
  endsRow(pos: SourcePosition): boolean {
    const rest = this.lineText(pos.row).slice(pos.column).trim();
    if (rest === '' || rest.startsWith('//')) {
      return true;
    }
    const m = /^\/\*(.*?)\*\/\s*(.*)$/.exec(rest);
    return m !== null && !m[1].includes('/*') && (m[2] === '' || m[2].startsWith('//'));
  }

  /** One level of indentation, as this file writes it inside `block`. */
  indentUnit(block: SyntaxNode, inner: string): string {
    const outer = this.indentOf(block.startPosition.row);
    if (inner.startsWith(outer) && inner.length > outer.length) {
      return inner.slice(outer.length);
    }
    return inner.includes('\t') ? '\t' : '    ';
  }
}

/**
 * The local a place expression is rooted at (`a` for `a.b[i].c`, `self` for `self.x`), or null.
 * By default through borrows, unary operators and method receivers (`&a.b`, `a.f().g`);
 * `pureOnly`: through place projections only (`x.f`, `x[i]`, `*x`, parentheses).
 */
export function placeRoot(node: SyntaxNode | null, pureOnly = false): string | null {
  let n = node;
  while (n) {
    switch (n.type) {
      case 'identifier':
        return n.text;
      case 'self':
        return 'self';
      case 'field_expression':
        n = n.childForFieldName('value');
        break;
      case 'index_expression':
      case 'parenthesized_expression':
        n = named(n)[0] ?? null;
        break;
      case 'unary_expression':
        n = !pureOnly || n.children[0]?.text === '*' ? (named(n)[0] ?? null) : null;
        break;
      case 'reference_expression':
        n = pureOnly ? null : n.childForFieldName('value');
        break;
      case 'call_expression': {
        const fn = pureOnly ? null : n.childForFieldName('function');
        n = fn?.type === 'field_expression' ? fn.childForFieldName('value') : null;
        break;
      }
      default:
        return null;
    }
  }
  return null;
}

/** `&temp` in a position where Rust extends the temporary to the end of the enclosing block. */
export function extendsTemporary(e: SyntaxNode): boolean {
  switch (e.type) {
    case 'reference_expression':
      return true;
    case 'parenthesized_expression':
    case 'tuple_expression':
    case 'array_expression':
    case 'type_cast_expression':
      return named(e).some((c) => extendsTemporary(c));
    case 'struct_expression': {
      const body = e.childForFieldName('body');
      return body
        ? named(body).some((f) => {
            const v = f.childForFieldName('value');
            return v ? extendsTemporary(v) : false;
          })
        : false;
    }
    case 'block': {
      const stmts = statementsOf(e);
      const tail = stmts[stmts.length - 1];
      return (
        tail !== undefined &&
        tail.type !== 'expression_statement' &&
        tail.type !== 'let_declaration' &&
        extendsTemporary(tail)
      );
    }
    default:
      return false;
  }
}

/** An `.await` of this statement's own future (not one inside a nested closure or async block). */
export function containsOwnAwait(node: SyntaxNode): boolean {
  if (node.type === 'await_expression') {
    return true;
  }
  if (
    node.type === 'async_block' ||
    node.type === 'closure_expression' ||
    ITEM_TYPES.has(node.type)
  ) {
    return false;
  }
  return named(node).some((c) => containsOwnAwait(c));
}

export function insertAt(pos: SourcePosition, text: string): SourceEdit {
  return {
    start: { row: pos.row, column: pos.column },
    end: { row: pos.row, column: pos.column },
    newText: text,
  };
}
