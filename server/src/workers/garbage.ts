/**
 * Garbage collected on demand in a long-lived worker thread. V8 collects its old generation only
 * when the heap nears a limit set from the last collection, so a worker that has just made much
 * garbage (indexing a dependency package after analysing a crate) keeps it, and the pages under
 * it, until some later job pushes the heap to that limit: on hyper, the crate index's worker grew
 * by up to 90 MiB while indexing the dependencies, for nothing it kept.
 *
 * `gc` is fetched as jest's leak detector does: `--expose-gc` is set only while a new context is
 * made to read it, so no other code of the process sees a `gc` it was not started with.
 */
import { getHeapStatistics, setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';

let collector: (() => void) | null | undefined;

/** V8's full collection; null when this runtime does not give it. */
function fullCollection(): (() => void) | null {
  if (collector !== undefined) {
    return collector;
  }
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') {
    // Started with `--expose-gc`: nothing to turn on or off.
    collector = own as () => void;
    return collector;
  }
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    collector = typeof found === 'function' ? (found as () => void) : null;
  } catch {
    collector = null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return collector;
}

const usedHeap = () => getHeapStatistics().used_heap_size;

/** Keeps a thread's garbage under a bound, checked between jobs. */
export class GarbageBound {
  /** What the heap held after the last collection (or when this bound was made). */
  private live = usedHeap();

  constructor(private readonly slackBytes: number) {}

  /** Collects when the heap holds more than the slack above what is live; whether it did. */
  collectIfOver(options: { compact?: boolean } = {}): boolean {
    if (usedHeap() - this.live <= this.slackBytes) {
      return false;
    }
    return this.collect(options);
  }

  /**
   * Collects now; whether this runtime could. `compact`: moves what survives onto as few pages as
   * it fills, so the rest go back to the system. A full collection frees only the pages left
   * empty: after a crate's analysis its summaries are spread thinly over every page the walks
   * filled (a 100k-line crate: 26 MiB live on 119 MiB of pages, none of them given back).
   */
  collect(options: { compact?: boolean } = {}): boolean {
    const collect = fullCollection();
    if (!collect) {
      return false;
    }
    if (options.compact) {
      // Process-wide, as `--expose-gc` above: on only for this collection.
      setFlagsFromString('--compact-on-every-full-gc');
    }
    try {
      collect();
    } finally {
      if (options.compact) {
        setFlagsFromString('--no-compact-on-every-full-gc');
      }
    }
    this.live = usedHeap();
    return true;
  }
}
