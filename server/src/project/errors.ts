/**
 * Errors the CLI reports to the user as one line, without a stack trace.
 */

/** The user asked for something we cannot do: a bad option, a missing path. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
