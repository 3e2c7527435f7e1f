/**
 * The one table of library types the analysis and the lints treat specially: synchronous lock
 * guards and `RefCell` borrows (clippy's `await_holding_lock` and `await_holding_refcell_ref`), the
 * crates whose locks are synchronous or async, and the smart pointers whose field access goes
 * through `Deref`. Everything that needs a guard's name reads it from here.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { Ty } from './types';

/** What kind of guard a held value is; `HeldValue.guard`. */
export type GuardKind =
  'mutex' | 'rwlock-read' | 'rwlock-write' | 'reentrant-mutex' | 'refcell-ref' | 'refcell-ref-mut';

export interface GuardType {
  kind: GuardKind;
  /** A `RefCell` borrow (`await_holding_refcell_ref`), not a lock guard (`await_holding_lock`). */
  refCell: boolean;
  /** std has a type of this name (the others come from `parking_lot` and `lock_api`). */
  std: boolean;
}

/** Guards by their type's last name. */
export const GUARD_TYPES: Readonly<Record<string, GuardType>> = {
  MutexGuard: { kind: 'mutex', refCell: false, std: true },
  RwLockReadGuard: { kind: 'rwlock-read', refCell: false, std: true },
  RwLockWriteGuard: { kind: 'rwlock-write', refCell: false, std: true },
  Ref: { kind: 'refcell-ref', refCell: true, std: true },
  RefMut: { kind: 'refcell-ref-mut', refCell: true, std: true },
  ReentrantMutexGuard: { kind: 'reentrant-mutex', refCell: false, std: false },
};

/** The type name of each guard kind, as the lints name it. */
export const GUARD_TYPE_NAMES: Readonly<Record<GuardKind, string>> = Object.fromEntries(
  Object.entries(GUARD_TYPES).map(([name, guard]) => [guard.kind, name]),
) as Record<GuardKind, string>;

/** std's guards: each dereferences to the value it guards through `Deref::deref`. */
export const STD_GUARD_NAMES: readonly string[] = Object.keys(GUARD_TYPES).filter(
  (name) => GUARD_TYPES[name].std,
);

/** Smart pointers whose field access calls `Deref::deref(&p)` (Box's deref is built in). */
export const DEREF_TRAIT_TYPES: readonly string[] = [...STD_GUARD_NAMES, 'Rc', 'Arc'];

/** The same, and `Box`: types a method call or `*` looks through to the value inside. */
export const SMART_POINTER_TYPES: readonly string[] = [...STD_GUARD_NAMES, 'Box', 'Rc', 'Arc'];

/** Crates whose guards are synchronous (std's own path roots included). */
export const SYNC_LOCK_CRATES: ReadonlySet<string> = new Set([
  'std',
  'core',
  'alloc',
  'sync',
  'cell',
  'parking_lot',
  'spin',
  'lock_api',
]);

/** Crates whose guards are designed to be held across `.await`. */
export const ASYNC_LOCK_CRATES: ReadonlySet<string> = new Set([
  'tokio',
  'futures',
  'futures_util',
  'async_std',
  'async_lock',
  'smol',
  'embassy_sync',
  'async_mutex',
]);

/**
 * The guard a type is: `undefined` when the type says nothing (unknown), `null` when it is known
 * not to be one (a reference to a guard is not: the guard itself is held, and reported, elsewhere).
 * A path through another crate counts only when that crate's locks are synchronous.
 */
export function guardOfType(ty: Ty): GuardKind | null | undefined {
  if (ty.k === 'unknown') {
    return undefined;
  }
  if (ty.k !== 'adt') {
    return null;
  }
  const last = ty.segments[ty.segments.length - 1];
  const guard = Object.hasOwn(GUARD_TYPES, last) ? GUARD_TYPES[last] : undefined;
  if (!guard) {
    return null;
  }
  // Only a dependency keeps its crate in the path; other paths are std's or this crate's by name.
  const path = ty.origin === 'dependency' ? ty.segments : [last];
  if (path.length > 1 && (ASYNC_LOCK_CRATES.has(path[0]) || !SYNC_LOCK_CRATES.has(path[0]))) {
    return null;
  }
  return guard.kind;
}

/** Lock methods and the guard they return; `borrow`s cannot fail, so take no `unwrap`. */
const LOCK_METHODS: Readonly<Record<string, { kind: GuardKind; fallible: boolean }>> = {
  lock: { kind: 'mutex', fallible: true },
  try_lock: { kind: 'mutex', fallible: true },
  read: { kind: 'rwlock-read', fallible: true },
  try_read: { kind: 'rwlock-read', fallible: true },
  write: { kind: 'rwlock-write', fallible: true },
  try_write: { kind: 'rwlock-write', fallible: true },
  borrow: { kind: 'refcell-ref', fallible: false },
  borrow_mut: { kind: 'refcell-ref-mut', fallible: false },
};

/**
 * The guard a `let` initializer evidently returns when its type is unknown: `m.lock()`,
 * `m.lock().unwrap()`, `m.write().expect("..")`, `m.read()?`, `cell.borrow_mut()`.
 * `m.lock().await` is an async lock; what follows the guard (`.lock().unwrap().len()`) is no guard.
 */
export function guardOfInitializer(value: SyntaxNode): GuardKind | null {
  let call = value;
  let unwrapped = false;
  if (call.type === 'try_expression') {
    call = call.namedChildren[0] ?? call;
    unwrapped = true;
  } else if (methodName(call) === 'unwrap' || methodName(call) === 'expect') {
    call = receiverOf(call) ?? call;
    unwrapped = true;
  }
  const name = methodName(call);
  const method =
    name !== null && Object.hasOwn(LOCK_METHODS, name) ? LOCK_METHODS[name] : undefined;
  if (
    !method ||
    (unwrapped && !method.fallible) ||
    (call.childForFieldName('arguments')?.namedChildren.length ?? 0) > 0
  ) {
    return null;
  }
  return method.kind;
}

/** Whether an initializer awaits anywhere (then its value comes from an async lock, if any). */
export function awaitsIn(node: SyntaxNode): boolean {
  if (node.type === 'await_expression') {
    return true;
  }
  if (node.type === 'token_tree') {
    return /\.\s*await\b/.test(node.text);
  }
  return node.namedChildren.some((child) => child !== null && awaitsIn(child));
}

/** `recv.name(..)` → `name`; null for anything else. */
function methodName(node: SyntaxNode): string | null {
  if (node.type !== 'call_expression') {
    return null;
  }
  const callee = node.childForFieldName('function');
  return callee?.type === 'field_expression'
    ? (callee.childForFieldName('field')?.text ?? null)
    : null;
}

function receiverOf(node: SyntaxNode): SyntaxNode | null {
  return node.childForFieldName('function')?.childForFieldName('value') ?? null;
}

/** The `let` a binding's pattern node belongs to, if its pattern (not its initializer) holds it. */
export function letOfBinding(node: SyntaxNode): SyntaxNode | null {
  let child = node;
  for (let parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'let_declaration') {
      return parent.childForFieldName('pattern')?.id === child.id ? parent : null;
    }
    if (
      !parent.type.endsWith('_pattern') &&
      parent.type !== 'field_pattern' &&
      parent.type !== 'identifier'
    ) {
      return null;
    }
  }
  return null;
}

/**
 * The guard a held local is: by its type, else (a `let` binding of unknown type) by its
 * initializer. A binding initialised with an `.await` is never a synchronous guard.
 */
export function guardOfLocal(ty: Ty, binding: SyntaxNode | null): GuardKind | undefined {
  const fromType = guardOfType(ty);
  if (fromType === null) {
    // Most locals: a type known not to be a guard needs no look at the syntax.
    return undefined;
  }
  const letNode = binding ? letOfBinding(binding) : null;
  const value = letNode?.childForFieldName('value') ?? null;
  const guard = fromType ?? (value ? guardOfInitializer(value) : null);
  if (!guard) {
    return undefined;
  }
  return value && awaitsIn(value) ? undefined : guard;
}

/**
 * std's traits whose methods code calls on values of a generic type (`path.as_ref()`,
 * `x.clone()`, `it.next()`). std implements them for its own types too, so the impls one crate
 * writes say nothing of what such a method returns for a type parameter.
 */
export const STD_TRAITS: ReadonlySet<string> = new Set([
  'AsRef',
  'AsMut',
  'Borrow',
  'BorrowMut',
  'Deref',
  'DerefMut',
  'From',
  'Into',
  'TryFrom',
  'TryInto',
  'Clone',
  'ToOwned',
  'ToString',
  'Default',
  'PartialEq',
  'Eq',
  'PartialOrd',
  'Ord',
  'Hash',
  'Hasher',
  'Display',
  'Debug',
  'Iterator',
  'IntoIterator',
  'DoubleEndedIterator',
  'ExactSizeIterator',
  'Extend',
  'FromIterator',
  'FromStr',
  'Read',
  'Write',
  'BufRead',
  'Seek',
  'Future',
  'IntoFuture',
  'Drop',
  'Fn',
  'FnMut',
  'FnOnce',
  'Index',
  'IndexMut',
  'Error',
  'Any',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Rem',
  'Neg',
  'Not',
]);
