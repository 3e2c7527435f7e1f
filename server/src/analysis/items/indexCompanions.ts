/**
 * What is kept beside an item index rather than in it (indexes are copied between threads, and a
 * merged view of one is made per file): each companion is keyed by the index object, and a view
 * built from an index carries its companion along (`carryCompanion`). Keys are plain objects so
 * that `items.ts` can carry companions without importing the modules that make them.
 */
const companions = new WeakMap<object, unknown>();

export function setCompanion(index: object, companion: unknown): void {
  companions.set(index, companion);
}

export function companionOf(index: object): unknown {
  return companions.get(index);
}

/** Gives `view` (an index built from `from`) the companion `from` has, if any. */
export function carryCompanion(from: object, view: object): void {
  const companion = companions.get(from);
  if (companion !== undefined) {
    companions.set(view, companion);
  }
}
