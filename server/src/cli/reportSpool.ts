/**
 * Where a CLI run keeps the futures of a large crate's reports between the end of their file's
 * round and the moment they are written: in a file of the run's spool folder, so the reports of a
 * 1M-line crate are never all in memory at once. A spooled report keeps its file, notices and the
 * distinct `unknown` entries of its futures (what the job's notices about missing dependencies
 * read); its futures are read back, one file's at a time, when they are written.
 *
 * A spooled report is plain data and may cross a worker thread's boundary: the folder is the
 * run's, and the thread that writes the output reads it back.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { threadId } from 'worker_threads';
import type { FileReport, FutureReport } from '../analysis/report';

/** Where one report's futures are: bytes of JSON in a spool file. */
export interface SpooledFutures {
  path: string;
  offset: number;
  length: number;
}

/** A report whose futures are in a spool file (its `futures` is empty until read back). */
export interface SpooledReport extends FileReport {
  spooled: SpooledFutures;
  /** Every distinct `unknown` entry of its futures. */
  unknowns: string[];
}

export function isSpooled(report: FileReport): report is SpooledReport {
  return (report as Partial<SpooledReport>).spooled !== undefined;
}

/**
 * Makes a run's spool folder (`removeSpoolFolder` deletes it with everything in it); undefined
 * where none can be made (a read-only temporary folder): the reports are then held in memory.
 */
export function makeSpoolFolder(): string | undefined {
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-'));
  } catch {
    return undefined;
  }
}

export function removeSpoolFolder(folder: string): void {
  fs.rmSync(folder, { recursive: true, force: true });
}

/** One job's spool file, appended to as the crate's rounds end. */
export class ReportSpool {
  private static count = 0;
  private readonly file: string;
  private fd: number | null = null;
  private offset = 0;

  constructor(folder: string) {
    // Unique within the run: the pool's threads share the folder.
    this.file = path.join(folder, `${process.pid}-${threadId}-${ReportSpool.count++}.json`);
  }

  /**
   * Writes the report's futures to the spool and returns its stand-in; returns the report itself
   * when it cannot be written (a full disk): it is then held in memory.
   */
  readonly hold = (report: FileReport): FileReport => {
    if (report.futures.length === 0) {
      return report;
    }
    const text = JSON.stringify(report.futures);
    const length = Buffer.byteLength(text, 'utf8');
    try {
      this.fd ??= fs.openSync(this.file, 'w');
      // At its offset: a write cut short before is overwritten by the next.
      if (fs.writeSync(this.fd, text, this.offset, 'utf8') !== length) {
        return report;
      }
    } catch {
      return report;
    }
    const spooled = { path: this.file, offset: this.offset, length };
    this.offset += length;
    const unknowns = [...new Set(report.futures.flatMap((future) => future.unknown))];
    const standIn: SpooledReport = {
      file: report.file,
      futures: [],
      notices: report.notices,
      ...(report.instances ? { instances: report.instances } : {}),
      spooled,
      unknowns,
    };
    return standIn;
  };

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** The report's futures, read back from the spool when they were spooled. */
export function futuresOf(report: FileReport): FutureReport[] {
  if (!isSpooled(report)) {
    return report.futures;
  }
  const { path: file, offset, length } = report.spooled;
  const bytes = new Uint8Array(length);
  const fd = fs.openSync(file, 'r');
  try {
    let read = 0;
    while (read < length) {
      const n = fs.readSync(fd, bytes, read, length - read, offset + read);
      if (n === 0) {
        throw new Error(`${file}: the spooled report of ${report.file} was cut short`);
      }
      read += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return JSON.parse(new TextDecoder().decode(bytes)) as FutureReport[];
}

/** The report as the engine gave it: its futures read back if spooled. */
export function unspooled(report: FileReport): FileReport {
  return isSpooled(report)
    ? {
        file: report.file,
        futures: futuresOf(report),
        notices: report.notices,
        ...(report.instances ? { instances: report.instances } : {}),
      }
    : report;
}

/**
 * What `noteMissingDependencies` reads of a report: a spooled one shows its distinct `unknown`
 * entries as one future's, and shares its notices array, so a notice added lands on the report.
 */
export function unknownsView(report: FileReport): FileReport {
  if (!isSpooled(report)) {
    return report;
  }
  const future = { unknown: report.unknowns } as FutureReport;
  return { file: report.file, futures: [future], notices: report.notices };
}
