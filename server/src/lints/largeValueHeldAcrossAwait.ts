/**
 * `large-value-held-across-await`: a value of at least `largeValueThreshold` bytes that a future
 * stores across an `.await`. clippy has no such lint.
 */
import { describeValue, formatBytesLong, plural } from '../text/format';
import { analysedFutures, Finding, findingId, Lint } from './finding';
import { awaitNotes, heldAcrossAwaits } from './heldAcross';

export const largeValueHeldAcrossAwait: Lint = {
  code: 'large-value-held-across-await',
  clippy: [],
  defaultLevel: 'warn',
  description: 'A large value is held across an `.await`, so the future stores it.',
  check(report, source, options) {
    const findings: Finding[] = [];
    for (const future of analysedFutures(report)) {
      for (const entry of heldAcrossAwaits(future)) {
        const { value } = entry;
        if (value.size === null || value.size < options.largeValueThreshold) {
          continue;
        }
        const what = describeValue(value);
        const awaits =
          entry.awaits.length === 1 ? 'an await point' : plural(entry.awaits.length, 'await point');
        const type = value.type && value.kind !== 'temporary' ? ` (\`${value.type}\`)` : '';
        findings.push({
          code: this.code,
          id: findingId(this.code, future, value),
          future,
          target: value,
          span: source.valueSpan(value),
          message:
            `${what}${type} is held across ${awaits}, ` +
            `which stores its ${formatBytesLong(value.size, value.exact)} in the future\n` +
            'help: move it into a block that ends before the `.await`, drop it earlier, or box it',
          related: awaitNotes(entry, source, what),
          clippy: null,
          level: this.defaultLevel,
        });
      }
    }
    return findings;
  },
};
