/**
 * The parts of another crate's types that patterns bind: a variant's positional field
 * (`Message::ParameterDescription(body)` binds postgres-protocol's `ParameterDescriptionBody`) and
 * a tuple struct's. Read in the crate that declares the type, its generic parameters bound by the
 * matched type's arguments, and marked as that crate's (a field's `Bytes` is never std's nor the
 * analysed crate's type of that name).
 */
import { ForeignType, UserType, inScope } from '../types/layout';
import { Ty, UNKNOWN, substitute } from '../types/types';
import { markedAsDependency } from './dependencyCalls';

/** Resolves another crate's type (a `Ty`'s segments and scope) in the crate graph. */
export type ForeignTypeOf = (ty: Ty & { k: 'adt' }) => ForeignType | null;

/** Whether a type may be another crate's (read in a dependency, or brought in by a `use`). */
export function mayBeForeign(ty: Ty): ty is Ty & { k: 'adt' } {
  return ty.k === 'adt' && (ty.scope !== undefined || ty.origin === 'dependency');
}

/**
 * The type of field `index` of variant `ctor` (or of the tuple struct itself, when `ctor` is its
 * name) of another crate's type; unknown when the type, the variant or the field is not known.
 */
export function foreignPositionalField(
  matched: Ty,
  ctor: string,
  index: number,
  foreignTypeOf: ForeignTypeOf | undefined,
): Ty {
  if (!foreignTypeOf || !mayBeForeign(matched) || index < 0) {
    return UNKNOWN;
  }
  const found = foreignTypeOf(matched);
  if (found?.kind !== 'type') {
    return UNKNOWN;
  }
  const declared = positionalField(found.type, ctor, index);
  if (declared === null) {
    return UNKNOWN;
  }
  const bound = new Map<string, Ty>();
  found.type.params.forEach((p, i) => bound.set(p, matched.args[i] ?? UNKNOWN));
  return substitute(markedAsDependency(inScope(declared, found.scope)), bound);
}

/** The declared type of a variant's (or tuple struct's) positional field; null: none such. */
function positionalField(type: UserType, ctor: string, index: number): Ty | null {
  if (type.kind === 'enum') {
    const variant = type.variants.find((v) => v.name === ctor && !v.fieldNames);
    return variant?.fields[index] ?? null;
  }
  if (type.kind === 'struct' && type.name === ctor && !type.union) {
    // A tuple struct's fields are named by their positions.
    return type.fields.find((f) => f.name === String(index))?.ty ?? null;
  }
  return null;
}
