/**
 * The values of a future saved across its awaits, one entry per value: what the held-value lints
 * and the inlay hints look at.
 */
import type { AwaitPoint, FutureReport, HeldValue } from '../analysis/report';
import type { SourceText, Span } from '../text/sourceText';

/** A value saved at one or more awaits of a future, with those awaits. */
export interface HeldAcross {
  value: HeldValue;
  awaits: AwaitPoint[];
}

/** Values a person wrote or can name (not awaitees or drop flags). */
export const USER_VALUE_KINDS: ReadonlySet<HeldValue['kind']> = new Set([
  'binding',
  'argument',
  'temporary',
]);

/** What can make a future large: the values above and the futures it awaits. */
export const CONTRIBUTOR_KINDS: ReadonlySet<HeldValue['kind']> = new Set([
  'binding',
  'argument',
  'temporary',
  'awaitee',
]);

/** The values a future saves across awaits, one entry per value (not per await), in order. */
export function heldAcrossAwaits(
  future: FutureReport,
  kinds: ReadonlySet<HeldValue['kind']> = USER_VALUE_KINDS,
): HeldAcross[] {
  const byKey = new Map<string, HeldAcross>();
  for (const point of future.awaits) {
    for (const value of point.held) {
      if (!kinds.has(value.kind)) {
        continue;
      }
      // One local of the walk, whichever awaits it is saved at.
      const key = `${value.kind}:${value.id}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { value, awaits: [] };
        byKey.set(key, entry);
      }
      entry.awaits.push(point);
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.value.line - b.value.line || a.value.column - b.value.column,
  );
}

/** "await point where `x` is still held", at each await of an entry. */
export function awaitNotes(
  entry: HeldAcross,
  source: SourceText,
  what: string,
): { span: Span; message: string }[] {
  return entry.awaits.map((point) => ({
    span: source.awaitSpan(point),
    message: `await point where ${what} is still held`,
  }));
}
