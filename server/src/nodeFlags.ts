/**
 * The Node flags the language server is started with, by the VS Code client and by the benchmark
 * (which must measure the server users get). No LSP or VS Code imports: both sides load it.
 */

/**
 * V8 compiles hot code and collects garbage on a pool of background threads, four of them whatever
 * the machine. On a 2-core machine (CI runners, small cloud dev boxes) those four preempt the
 * server's main thread and the editor itself while the user types. Measured on 2 cores, 200
 * keystrokes through the protocol, alternating runs: p95 13.7–20 ms with four threads, 10.5–13.3
 * ms with one. One core is left to the main thread; larger machines keep V8's four.
 */
export function serverNodeFlags(cores: number): string[] {
  const usable = Number.isFinite(cores) ? Math.floor(cores) : 1;
  const pool = Math.max(1, Math.min(4, usable - 1));
  return [`--v8-pool-size=${pool}`];
}
