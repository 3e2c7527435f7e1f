/**
 * Waiting for an editor or a language server to reach a state, shared by the protocol tests (mocha in
 * Node) and the extension-host suite (mocha inside VS Code): both load this module from `test/out/common`.
 */

/** Polls `probe` every `pauseMs` until it returns a value that is not undefined; fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  pauseMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
