/**
 * The fields of another crate's types, as a pattern or a field access reads them: the variant
 * `Message::AuthenticationMd5Password(body)` of postgres-protocol's `Message` binds `body` as
 * its `AuthenticationMd5PasswordBody`, read in the crate that declares it (its paths in its own
 * scope, its types marked as that crate's), with the matched type's arguments substituted.
 */
import type { ForeignType, UserType } from '../types/layout';
import { inScope } from '../types/layout';
import { Ty, substitute } from '../types/types';
import { markedAsDependency } from './dependencyMarks';

/**
 * Whether a type is another crate's item as that crate reads it (a dependency's declared result,
 * marked with its scope): never the caller's own type of the same name (tokio-postgres has a
 * `config::ChannelBinding` and names postgres-protocol's `sasl::ChannelBinding`), so neither that
 * type's methods nor its fields answer for it.
 */
export function isOtherCratesType(ty: Ty): boolean {
  return ty.k === 'adt' && ty.origin === 'dependency' && ty.scope !== undefined;
}

/** How a caller's type of another crate is found (`InferEnv.dependencyType`). */
export type FindDependencyType = (path: string[], scope?: string) => ForeignType | null;

/**
 * The type of positional field `i` of variant `ctor` of another crate's enum (or of its tuple
 * struct, `ctor` its own name); null when the type is not another crate's or has no such field.
 */
export function dependencyVariantField(
  ty: Ty,
  ctor: string,
  i: number,
  find: FindDependencyType | undefined,
): Ty | null {
  const found = foreignDefinition(ty, find);
  if (!found) {
    return null;
  }
  const { type, scope, args } = found;
  let field: Ty | undefined;
  if (type.kind === 'enum') {
    const variant = type.variants.find((v) => v.name === ctor);
    field = variant && !variant.fieldNames ? variant.fields[i] : undefined;
  } else if (type.kind === 'struct' && type.name === ctor) {
    field = type.fields[i]?.ty;
  }
  return field ? read(field, type, args, scope) : null;
}

/** The type of named field `name` of another crate's struct; null as `dependencyVariantField`. */
export function dependencyStructField(
  ty: Ty,
  name: string,
  find: FindDependencyType | undefined,
): Ty | null {
  const found = foreignDefinition(ty, find);
  if (found?.type.kind !== 'struct') {
    return null;
  }
  const field = found.type.fields.find((f) => f.name === name);
  return field ? read(field.ty, found.type, found.args, found.scope) : null;
}

function foreignDefinition(
  ty: Ty,
  find: FindDependencyType | undefined,
): { type: UserType; scope: string; args: Ty[] } | null {
  if (ty.k !== 'adt' || ty.origin !== 'dependency' || !find) {
    return null;
  }
  const found = find(ty.segments, ty.scope);
  return found?.kind === 'type' ? { type: found.type, scope: found.scope, args: ty.args } : null;
}

/** A field's declared type with the type's arguments (or defaults) in, as its crate reads it. */
function read(field: Ty, type: UserType, args: Ty[], scope: string): Ty | null {
  if (type.kind === 'alias' || !('params' in type)) {
    return null;
  }
  const params = type.params;
  if (args.length > params.length) {
    return null;
  }
  const map = new Map<string, Ty>();
  const unbound = params.some((p, i) => {
    const given = args[i] ?? (type.defaults?.[i] ? substitute(type.defaults[i]!, map) : null);
    if (given) {
      map.set(p, given);
    }
    return !given;
  });
  if (unbound) {
    return null;
  }
  // The field's own paths are the declaring crate's; the arguments are the caller's already.
  return substitute(markedAsDependency(inScope(field, scope)), map);
}
