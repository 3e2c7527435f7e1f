/**
 * Runs one fuzzed file through what ships: the analysis, then (when the file parses) `fix`'s
 * preferred fixes. Reports what broke an invariant; the parent thread times it out when it hangs.
 */
import { parentPort } from 'worker_threads';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const fixes =
  loadServerModule<typeof import('../../server/src/analysis/fixes/fixes')>('analysis/fixes/fixes');

export interface FuzzJob {
  id: number;
  file: string;
  text: string;
}

export type DefectKind =
  'crash' | 'whole-file failure' | 'impossible size' | 'slow' | 'hang' | 'memory';

export interface FuzzOutcome {
  id: number;
  analysisMs: number;
  fixMs: number;
  futures: number;
  defects: { kind: DefectKind; detail: string }[];
}

/** isize::MAX: no Rust type is larger. Sizes past 2^53 cannot be exact in a JS number either. */
const LARGEST_SIZE = Number.MAX_SAFE_INTEGER;
/** A file under this many bytes must be analysed (and fixed) within SLOW_MS. */
export const SMALL_FILE_BYTES = 100 * 1024;
export const SLOW_MS = 2000;

function impossibleSizes(report: FileReport): string[] {
  const found: string[] = [];
  const check = (what: string, value: number | null | undefined) => {
    if (
      value !== null &&
      value !== undefined &&
      (!Number.isInteger(value) || value < 0 || value > LARGEST_SIZE)
    ) {
      found.push(`${what} = ${value}`);
    }
  };
  for (const future of report.futures) {
    check(`${future.name} size`, future.size);
    for (const point of future.awaits) {
      for (const held of point.held) {
        check(`${future.name} ${held.name ?? held.kind} size`, held.size);
        check(`${future.name} ${held.name ?? held.kind} offset`, held.offset);
      }
    }
  }
  return found;
}

function run(job: FuzzJob): FuzzOutcome {
  const outcome: FuzzOutcome = { id: job.id, analysisMs: 0, fixMs: 0, futures: 0, defects: [] };
  const small = Buffer.byteLength(job.text) < SMALL_FILE_BYTES;
  let started = performance.now();
  try {
    const report = engine.analyzeSource(job.text, { file: job.file, edition: '2021' });
    outcome.analysisMs = performance.now() - started;
    outcome.futures = report.futures.length;
    for (const notice of report.notices) {
      if (/^analysis failed/.test(notice))
        outcome.defects.push({ kind: 'whole-file failure', detail: notice });
    }
    for (const size of impossibleSizes(report))
      outcome.defects.push({ kind: 'impossible size', detail: size });
  } catch (error) {
    outcome.defects.push({ kind: 'crash', detail: `analysis threw: ${describe(error)}` });
  }
  if (small && outcome.analysisMs > SLOW_MS) {
    outcome.defects.push({
      kind: 'slow',
      detail: `analysis took ${outcome.analysisMs.toFixed(0)} ms`,
    });
  }
  started = performance.now();
  try {
    fixes.fixAll(job.text, { file: job.file, edition: '2021' });
    outcome.fixMs = performance.now() - started;
  } catch (error) {
    outcome.defects.push({ kind: 'crash', detail: `fix threw: ${describe(error)}` });
  }
  if (small && outcome.fixMs > SLOW_MS) {
    outcome.defects.push({ kind: 'slow', detail: `fix took ${outcome.fixMs.toFixed(0)} ms` });
  }
  return outcome;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

if (parentPort) {
  const port = parentPort;
  void engine.initAnalysis().then(() => {
    port.on('message', (job: FuzzJob) => {
      // A new parser runtime when the last file made it abort, as the CLI's workers do.
      void engine.initAnalysis().then(() => port.postMessage(run(job)));
    });
    port.postMessage('ready');
  });
}
