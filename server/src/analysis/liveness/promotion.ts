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
    case 'reference_expression': {
      // `&[&"a", &None::<&str>]`: a shared borrow of a promotable value is promoted with it
      // (tokio-postgres's parameter lists); a `&mut` one is not.
      const value = node.childForFieldName('value');
      const mutable = node.children.some((c) => c.type === 'mutable_specifier');
      return !mutable && !!value && isPromotedWhenBorrowed(value);
    }
    case 'generic_function':
      // `None::<&'static str>`.
      return node.childForFieldName('function')?.text === 'None';
    case 'binary_expression': {
      // `2 + 3`: arithmetic of constants; a division only by a non-zero literal (rustc does not
      // promote one that may fail at run time).
      const op = node.childForFieldName('operator')?.text ?? '';
      const right = node.childForFieldName('right');
      const sides = [node.childForFieldName('left'), right];
      const divisor = right?.type === 'integer_literal' && !/^0+(_|[iu]|$)/.test(right.text);
      const promotable = PROMOTABLE_OPERATORS.has(op) || ((op === '/' || op === '%') && divisor);
      return promotable && sides.every((n) => !!n && isPromotedWhenBorrowed(n));
    }
    default:
      return isConstantExpression(node);
  }
}

/** Binary operators whose constant operands rustc promotes with them. */
const PROMOTABLE_OPERATORS: ReadonlySet<string> = new Set([
  '+',
  '-',
  '*',
  '&',
  '|',
  '^',
  '<<',
  '>>',
]);
