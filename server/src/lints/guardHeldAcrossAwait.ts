/**
 * `guard-held-across-await`: a synchronous lock guard or `RefCell` borrow held across an `.await`,
 * as clippy's `await_holding_lock` and `await_holding_refcell_ref`. Which values are guards is
 * the engine's answer (`HeldValue.guard`, from `analysis/types/knownTypes`).
 */
import type { FutureReport } from '../analysis/report';
import { GUARD_TYPE_NAMES, GUARD_TYPES } from '../analysis/types/knownTypes';
import { describeValue } from '../text/format';
import type { SourceText } from '../text/sourceText';
import { analysedFutures, ClippyLint, Finding, findingId, Lint } from './finding';
import { awaitNotes, HeldAcross, heldAcrossAwaits } from './heldAcross';

const AWAIT_HOLDING_LOCK: ClippyLint = { name: 'await_holding_lock', group: 'suspicious' };
const AWAIT_HOLDING_REFCELL_REF: ClippyLint = {
  name: 'await_holding_refcell_ref',
  group: 'suspicious',
};

export const guardHeldAcrossAwait: Lint = {
  code: 'guard-held-across-await',
  clippy: [AWAIT_HOLDING_LOCK, AWAIT_HOLDING_REFCELL_REF],
  defaultLevel: 'warn',
  description: 'A synchronous lock guard or `RefCell` borrow is held across an `.await`.',
  check(report, source) {
    const findings: Finding[] = [];
    for (const future of analysedFutures(report)) {
      for (const entry of heldAcrossAwaits(future)) {
        const { value } = entry;
        // A guard moved out before an await (`drop(guard)`) leaves its bytes there, not the lock.
        const locked = entry.awaits.filter(
          (point) =>
            !point.held.some((h) => h.id === value.id && h.kind === value.kind && h.movedOut),
        );
        if (value.guard && locked.length > 0) {
          findings.push(guardFinding(future, { value, awaits: locked }, source));
        }
      }
    }
    return findings;
  },
};

function guardFinding(future: FutureReport, entry: HeldAcross, source: SourceText): Finding {
  const { value } = entry;
  const type = GUARD_TYPE_NAMES[value.guard!];
  const refCell = GUARD_TYPES[type].refCell;
  const lock = type.startsWith('RwLock') ? 'RwLock' : 'Mutex';
  const message = refCell
    ? 'this `RefCell` reference is held across an await point\n' +
      'help: ensure the reference is dropped before calling `await`'
    : `this \`${type}\` is held across an await point\n` +
      `help: consider using an async-aware \`${lock}\` type or ensuring the \`${type}\` ` +
      'is dropped before calling `await`';
  return {
    code: 'guard-held-across-await',
    id: findingId('guard-held-across-await', future, value),
    future,
    target: value,
    span: source.valueSpan(value),
    message,
    related: awaitNotes(entry, source, describeValue(value)),
    clippy: refCell ? AWAIT_HOLDING_REFCELL_REF : AWAIT_HOLDING_LOCK,
    level: 'warn',
  };
}
