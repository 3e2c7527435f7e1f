/**
 * Where an analysis's notices go. A future skipped for a syntax error is what every keystroke in
 * the middle of a fn produces (typing one fn logged about a hundred of them), so those go to the
 * trace only, which the client shows when `rustFutureSize.trace.server` is on; every other notice
 * (a file too large, binary or too slow to parse) stays in the log; a dependency without sources
 * is logged once.
 */
import type { Connection } from 'vscode-languageserver/node';
import { isMissingDependencyNotice } from '../analysis/deps/missingDependencies';

const SYNTAX_ERROR_SKIP = /: skipped: syntax error\b/;

/** A dependency without sources is named once: every analysis that needs it would say it again. */
const loggedDependencyNotices = new Set<string>();

export function logNotice(connection: Connection, notice: string): void {
  const message = `[analysis] ${notice}`;
  if (isMissingDependencyNotice(notice)) {
    if (!loggedDependencyNotices.has(notice)) {
      loggedDependencyNotices.add(notice);
      connection.console.log(message);
    }
  } else if (SYNTAX_ERROR_SKIP.test(notice)) {
    connection.tracer.log(message);
  } else {
    connection.console.log(message);
  }
}
