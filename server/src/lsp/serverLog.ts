/**
 * Where an analysis's notices go. A future skipped for a syntax error is what every keystroke in
 * the middle of a fn produces (typing one fn logged about a hundred of them), so those go to the
 * trace only, which the client shows when `rustFutureSize.trace.server` is on; every other notice
 * (a file too large, binary or too slow to parse) stays in the log.
 */
import type { Connection } from 'vscode-languageserver/node';

const SYNTAX_ERROR_SKIP = /: skipped: syntax error\b/;

export function logNotice(connection: Connection, notice: string): void {
  const message = `[analysis] ${notice}`;
  if (SYNTAX_ERROR_SKIP.test(notice)) {
    connection.tracer.log(message);
  } else {
    connection.console.log(message);
  }
}
