/**
 * How a large crate's whole analysis is cut into rounds, and when its answer may depend on that
 * cut. A round keeps the syntax trees (and walk state) of only its own files; the files of earlier
 * rounds are known from their summaries, the later ones from their items (`crateSummary.ts`).
 * Tree-sitter's WebAssembly memory grows to the most trees alive at once and is never given back,
 * so the peak is set by the largest round, not by the crate.
 */
import type { CrateFile } from '../crateFile';
import type { FileOutcome } from './crateSummary';

/** Whether a file has futures to find: only such a file's tree outlives its indexing. */
export function mayHaveFutures(file: CrateFile): boolean {
  return /\basync\b/.test(file.text);
}

/** Above this much text of files with `async`, a crate's rounds are `LARGE_CRATE_ROUND_CHARS`. */
const LARGE_CRATE_CHARS = 8 * 1024 * 1024;
const LARGE_CRATE_ROUND_CHARS = 1024 * 1024;
/** `memoryFirst`: above this much (the engine's own round), every round is 1 MB. */
const MEMORY_FIRST_CHARS = 2 * 1024 * 1024;

/**
 * The round size (`CrateAnalysisOptions.roundChars`) for a crate where memory matters more than
 * time: a crate that takes many rounds anyway takes rounds of 1 MB, half the engine's default, as
 * a round's trees and walk state set the peak (the CLI on a 300k-line generated crate: 337 MiB
 * against 479, for 16% more CPU time); a crate of a few rounds (tokio: two) keeps the default's
 * speed (undefined).
 */
export function roundCharsFor(
  files: readonly CrateFile[],
  memoryFirst = false,
): number | undefined {
  let chars = 0;
  for (const file of files) {
    chars += mayHaveFutures(file) ? file.text.length : 0;
  }
  const large = memoryFirst ? MEMORY_FIRST_CHARS : LARGE_CRATE_CHARS;
  return chars > large ? LARGE_CRATE_ROUND_CHARS : undefined;
}

/**
 * The rounds of a crate's analysis: the positions of its files with `async`, in file order, cut
 * where a round's text would pass `budget` characters (a file larger than that is a round of its
 * own). One round (or none) means the crate is analysed at once.
 */
export function roundsOf(files: readonly CrateFile[], budget: number): Set<number>[] {
  const rounds: Set<number>[] = [];
  let current = new Set<number>();
  let chars = 0;
  files.forEach((file, position) => {
    if (!mayHaveFutures(file)) {
      return;
    }
    if (current.size > 0 && chars + file.text.length > budget) {
      rounds.push(current);
      current = new Set();
      chars = 0;
    }
    current.add(position);
    chars += file.text.length;
  });
  if (current.size > 0) {
    rounds.push(current);
  }
  return rounds;
}

/**
 * Whether some future's layout reads, through other futures, its own (rustc: a cycle). In a cycle
 * the answer depends on which future's report is built first, which rounds change: such a crate is
 * analysed at once, as are crate sessions' edits (`crateSession.ts`).
 */
export function awaitsCycle(outcomes: Iterable<FileOutcome | null>): boolean {
  const edges = new Map<string, string[]>();
  for (const outcome of outcomes) {
    // A future reading its own layout (a recursive call, or a name resolved to itself) gets
    // the same cut answer whoever asks first: only longer cycles depend on the order.
    outcome?.reads.forEach((reads, key) =>
      edges.set(
        key,
        reads.filter((read) => read !== key),
      ),
    );
  }
  const state = new Map<string, 'open' | 'done'>();
  for (const start of edges.keys()) {
    if (state.has(start)) {
      continue;
    }
    // Depth first without recursion: a crate's await chains can be long.
    const stack: [string, number][] = [[start, 0]];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const reads = edges.get(top[0]) ?? [];
      if (top[1] >= reads.length) {
        state.set(top[0], 'done');
        stack.pop();
        continue;
      }
      const next = reads[top[1]++];
      const seen = state.get(next);
      if (seen === 'open') {
        return true;
      }
      if (seen === undefined) {
        state.set(next, 'open');
        stack.push([next, 0]);
      }
    }
  }
  return false;
}
