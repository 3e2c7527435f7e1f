/**
 * How many cores other processes leave free, measured over a short window that starts when this
 * module loads (the CLI's start): the machine's CPU time from `/proc/stat`, less this process's own.
 *
 * The 1-minute load average it replaces said what the machine did over the last minute, not now:
 * on 2 cores one run of the CLI that had just ended (a benchmark's, a script's) kept the next from
 * splitting its crate for a minute, and a machine that had just become busy still looked idle.
 * Where `/proc/stat` cannot be read (not Linux) the load average still decides.
 */
import * as fs from 'fs';
import * as os from 'os';

export interface Sample {
  /** Clock ticks every core spent busy (not idle or waiting on I/O), since boot. */
  busyTicks: number;
  /** Clock ticks every core spent in any state, since boot. */
  totalTicks: number;
  /** This process's CPU time (all its threads), in µs. */
  ownMicros: number;
  atMs: number;
}

/** The window the measure needs at least: `/proc/stat` counts in ticks of 10 ms. */
const MIN_WINDOW_MS = 150;

/**
 * Test and benchmark switch: a number of idle cores to assume instead of measuring, so a crate can
 * be split (or kept whole) whatever the machine does. Not an option for users.
 */
const ASSUMED_IDLE_ENV = 'RUST_FUTURE_SIZE_IDLE_CORES';

const started = sample();

/**
 * Cores this process may use without taking them from others: those other processes left idle
 * between this module's load and now (waiting first, if less than `MIN_WINDOW_MS` have passed),
 * a whole number from 0 to the cores the process may use.
 */
export async function freeCores(): Promise<number> {
  const cores = os.availableParallelism();
  const assumed = Number(process.env[ASSUMED_IDLE_ENV]);
  if (process.env[ASSUMED_IDLE_ENV] && Number.isFinite(assumed)) {
    return Math.max(0, Math.min(cores, Math.floor(assumed)));
  }
  if (!started) {
    return freeByLoadAverage(cores, os.loadavg()[0]);
  }
  const waitMs = started.atMs + MIN_WINDOW_MS - performance.now();
  if (waitMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  const now = sample();
  if (!now || now.totalTicks <= started.totalTicks) {
    return freeByLoadAverage(cores, os.loadavg()[0]);
  }
  return freeBetween(started, now, cores, os.cpus().length || cores);
}

/**
 * The cores free between two samples: the machine's busy cores (of `machineCores`) less this
 * process's own, as a whole number from 0 to `cores` (those this process may use).
 */
export function freeBetween(
  start: Sample,
  end: Sample,
  cores: number,
  machineCores: number,
): number {
  const busyCores =
    ((end.busyTicks - start.busyTicks) / (end.totalTicks - start.totalTicks)) * machineCores;
  const ownCores = (end.ownMicros - start.ownMicros) / 1000 / (end.atMs - start.atMs);
  const othersBusy = Math.max(0, busyCores - ownCores);
  // Other processes' work of more than half a core takes the core: two threads would share it.
  return Math.max(0, Math.min(cores, Math.round(cores - othersBusy)));
}

/**
 * The older measure, as it always counted: this process's thread and the cores the 1-minute load
 * average leaves idle (one more than the cores at a load of 0, so a test passing 0 splits a crate
 * between as many workers as it asks for, up to that).
 */
export function freeByLoadAverage(cores: number, loadAverage: number): number {
  return 1 + Math.max(0, Math.floor(cores - loadAverage));
}

function sample(): Sample | undefined {
  let line: string;
  try {
    line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!line.startsWith('cpu ') || fields.length < 5 || fields.some((n) => !Number.isFinite(n))) {
    return undefined;
  }
  const totalTicks = fields.reduce((a, b) => a + b, 0);
  const idleTicks = fields[3] + fields[4];
  const own = process.cpuUsage();
  return {
    busyTicks: totalTicks - idleTicks,
    totalTicks,
    ownMicros: own.user + own.system,
    atMs: performance.now(),
  };
}
