/**
 * The methods a dependency's trait impls give its types (`impl FallibleIterator for
 * Parameters<'_> { fn next(&mut self) -> io::Result<Option<Oid>> }`), kept beside the type's
 * inherent methods under a name of their own, so that a call on a value of the type
 * (`it.next()`) is typed by the impl's declared result when no inherent method answers to it.
 * Two impls of the type that give a method of one name make it ambiguous (as two traits in scope
 * would make the call), and it is left unknown.
 */
import type { FnInfo } from '../items/items';

/** Starts the owner part of a trait impl method's key (no type or inherent key can start so). */
export const TRAIT_IMPL_OWNER = 'impl ';

/** rustc's path of a trait impl's fn: `<module::Owner as Trait>::name`. */
const TRAIT_IMPL_PATH = /^<((?:\w+::)*)([A-Za-z_]\w*) as [^>]+>::(\w+)$/;

/**
 * The fns of the file's trait impls for a named type (not a blanket impl's `T`, not one
 * written in a fn body), once each, made into the package's form by `make`.
 */
export function traitImplMethods<T>(
  methods: ReadonlyMap<string, FnInfo[]>,
  make: (info: FnInfo) => T,
): T[] {
  const seen = new Set<FnInfo>();
  const found: T[] = [];
  for (const infos of methods.values()) {
    for (const info of infos) {
      const owned = info.selfTy?.k === 'adt' && TRAIT_IMPL_PATH.test(info.path);
      if (owned && !seen.has(info) && !info.inBody && info.params.some((p) => p.isSelf)) {
        seen.add(info);
        found.push(make(info));
      }
    }
  }
  return found;
}

/**
 * Where a trait impl's method is kept: its impl's module, then `impl Owner` and its name (as
 * an inherent method's path is split); null for any other fn's path.
 */
export function traitImplMethodKey(path: string): { segments: string[] } | null {
  const m = TRAIT_IMPL_PATH.exec(path);
  if (!m) {
    return null;
  }
  const module = m[1] ? m[1].slice(0, -2).split('::') : [];
  return { segments: [...module, `${TRAIT_IMPL_OWNER}${m[2]}`, m[3]] };
}

/** The key a type's trait impl method is looked up by in its module (`impl Parameters::next`). */
export function traitImplMethodName(typeName: string, method: string): string {
  return `${TRAIT_IMPL_OWNER}${typeName}::${method}`;
}

/** std's prelude traits (2021), whose methods need no `use`. */
const PRELUDE_TRAITS: ReadonlySet<string> = new Set([
  'Iterator',
  'IntoIterator',
  'DoubleEndedIterator',
  'ExactSizeIterator',
  'Extend',
  'FromIterator',
  'Clone',
  'Default',
  'PartialEq',
  'PartialOrd',
  'Ord',
  'AsRef',
  'AsMut',
  'ToOwned',
  'ToString',
]);

/**
 * Whether a trait impl's method can be what a call in a file names: its trait is std's prelude
 * or imported by name there (rustc looks only at traits in scope; `std::io::Read::read` is not
 * `AsyncReadExt::read` on a type that implements both). Any other fn's path answers true.
 */
export function traitInScope(path: string, uses: ReadonlyMap<string, string[]>): boolean {
  const m = TRAIT_IMPL_PATH.exec(path);
  if (!m) {
    return true;
  }
  const trait = /as (?:\w+::)*(\w+)>::/.exec(path)?.[1] ?? '';
  return PRELUDE_TRAITS.has(trait) || uses.get(trait)?.at(-1) === trait;
}
