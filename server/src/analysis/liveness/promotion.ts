/**
 * What rustc promotes to a static when it is borrowed (`&[(Some(f64::INFINITY), "'inf'"),
 * (None, "NULL")]`, tokio-postgres's `test_type` tables): beyond constant expressions, `Some`,
 * `Ok` and `Err` of promotable values and `None` (enum aggregates in MIR, not calls), whose
 * borrow then needs no temporary. Only for a borrow: the same value passed by value is built in
 * a temporary like any other. A cast between primitives of such a value (`Some('a' as i8)`) is
 * promoted too.
 */
import type { SyntaxNode } from '../syntax/parser';
import { isConstantExpression, named } from './syntaxShapes';

/** std's variant constructors, which a promoted value may be built with. */
const PROMOTABLE_VARIANTS: ReadonlySet<string> = new Set(['Some', 'Ok', 'Err']);

export function isPromotedWhenBorrowed(node: SyntaxNode): boolean {
  switch (node.type) {
    case 'identifier':
      return node.text === 'None' || isConstantExpression(node);
    case 'array_expression':
    case 'tuple_expression':
    case 'parenthesized_expression':
      // `[x; N]` is promotable only for a constant `x` and length, as a constant expression says.
      return node.childForFieldName('length')
        ? isConstantExpression(node)
        : named(node).every(isPromotedWhenBorrowed);
    case 'call_expression': {
      const callee = node.childForFieldName('function');
      const args = node.childForFieldName('arguments');
      return (
        callee?.type === 'identifier' &&
        PROMOTABLE_VARIANTS.has(callee.text) &&
        !!args &&
        named(args).length === 1 &&
        named(args).every(isPromotedWhenBorrowed)
      );
    }
    case 'type_cast_expression': {
      // `'a' as i8`: a cast between primitives of a promotable value is promoted with it.
      const value = node.childForFieldName('value');
      const type = node.childForFieldName('type');
      return type?.type === 'primitive_type' && !!value && isPromotedWhenBorrowed(value);
    }
    default:
      return isConstantExpression(node);
  }
}
