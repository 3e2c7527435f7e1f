/**
 * `large-future`: a future of at least `largeFutureThreshold` bytes, as clippy's `large_futures`
 * (whose `future-size-threshold` is the default threshold).
 */
import type { FutureReport } from '../analysis/report';
import { instancesOf, largestInstance } from '../analysis/coroutine/instanceReports';
import { describeValue, formatBytes, formatBytesLong, plural, valueLabel } from '../text/format';
import type { SourceText } from '../text/sourceText';
import { analysedFutures, Finding, findingId, Lint } from './finding';
import { CONTRIBUTOR_KINDS, heldAcrossAwaits } from './heldAcross';

const LARGE_FUTURES = { name: 'large_futures', group: 'pedantic' } as const;

export const largeFuture: Lint = {
  code: 'large-future',
  clippy: [LARGE_FUTURES],
  defaultLevel: 'warn',
  description: 'A future is large; awaiting it copies it into the caller’s future.',
  check(report, source, options) {
    return analysedFutures(report).flatMap((future) => {
      const sized = largestOf(future, instancesOf(report, future));
      return sized.size !== null && sized.size >= options.largeFutureThreshold
        ? [largeFutureFinding(future, sized, source)]
        : [];
    });
  },
};

/**
 * The future whose size a generic fn is judged by: its largest instance in the crate when that
 * is larger than the fn's own report (a lower bound with its type parameters unknown).
 */
function largestOf(future: FutureReport, instances: readonly FutureReport[]): FutureReport {
  const instance = largestInstance(instances);
  return instance && (future.size === null || (instance.size ?? 0) > future.size)
    ? instance
    : future;
}

/** `future`: where it is reported; `sized`: the future (itself, or its largest instance) judged. */
function largeFutureFinding(
  future: FutureReport,
  sized: FutureReport,
  source: SourceText,
): Finding {
  // Values that matter: at least a sixteenth of the future, the three largest.
  const largest = heldAcrossAwaits(sized, CONTRIBUTOR_KINDS)
    .filter((entry) => entry.value.size !== null && entry.value.size * 16 >= (sized.size ?? 0))
    .sort((a, b) => (b.value.size ?? 0) - (a.value.size ?? 0))
    .slice(0, 3);
  const stores = largest.map(
    (entry) => `${valueLabel(entry.value)} (${formatBytes(entry.value.size, entry.value.exact)})`,
  );
  const instanceNote = sized === future ? '' : ` (its instance \`${sized.name}\`)`;
  const help = largest.length
    ? `\nhelp: the largest values it stores are ${stores.join(', ')}`
    : '';
  return {
    code: 'large-future',
    id: findingId('large-future', future, future),
    future,
    target: null,
    span: source.futureNameSpan(future),
    message:
      `large future with a size of ${formatBytesLong(sized.size, sized.exact)}${instanceNote}${help}\n` +
      "note: awaiting it copies it into the caller's future; consider `Box::pin` on it there",
    related: largest.map((entry) => ({
      span: source.valueSpan(entry.value),
      message:
        `${describeValue(entry.value)} (${formatBytes(entry.value.size, entry.value.exact)}) ` +
        `is stored across ${plural(entry.awaits.length, 'await point')}`,
    })),
    clippy: LARGE_FUTURES,
    level: 'warn',
  };
}
