/**
 * The CLI's window on the process, in a module of its own so that commands (`fix.ts`) and `main.ts`
 * both use it without importing each other.
 */

/** Where the CLI writes and what it knows of its environment; tests can pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  cwd: string;
  env: Record<string, string | undefined>;
}
