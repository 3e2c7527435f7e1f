/** Counted nouns in messages, for every layer (engine notices, hints, the CLI): `1 future`, `2 futures`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
