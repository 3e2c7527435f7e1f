/** What a fix changes in one await's saved state, for fixes that do not shrink the whole future. */
import type { FutureReport } from '../report';

/**
 * Whether the state saved at await `index` holds fewer known bytes after a change, with no more
 * values of unknown size: the value the change targets left it (or shrank in it).
 */
export function stateShrinks(before: FutureReport, after: FutureReport, index: number): boolean {
  const a = before.awaits.find((x) => x.index === index);
  const b = after.awaits.find((x) => x.index === index);
  if (!a || !b || before.awaits.length !== after.awaits.length) {
    return false;
  }
  const known = (held: typeof a.held) => held.reduce((sum, h) => sum + (h.size ?? 0), 0);
  const unknown = (held: typeof a.held) => held.filter((h) => h.size === null).length;
  return known(b.held) < known(a.held) && unknown(b.held) <= unknown(a.held);
}
