/**
 * A file's report as the crate index keeps it between analyses: its futures serialized the way
 * `postMessage` copies them (V8's structured clone) and deflated, beside its notices and how many
 * futures it has. A crate's reports as objects took about 360 bytes of heap per line (360 MB on a
 * 1M-line crate, held on the server's thread for workspace diagnostics); packed, about 20. The
 * index worker packs each report as its round ends, so neither thread ever holds all of them as
 * objects, and the server unpacks one only when it is read (an open file's hints, a closed file's
 * diagnostics).
 */
import { deserialize, serialize } from 'v8';
import { deflateRawSync, inflateRawSync } from 'zlib';
import type { FileReport, FutureReport } from '../analysis/report';

export interface PackedReport {
  file: string;
  notices: string[];
  /** How many futures the report has. */
  futureCount: number;
  /** Its futures, `v8.serialize`d and deflated. */
  futures: Uint8Array;
  /** The instances of generic fns it lists (`FileReport.instances`), packed the same way. */
  instances?: Uint8Array;
}

/** Fast deflate: a report's serialized futures shrink about tenfold at the first level already. */
const LEVEL = 1;

export function packReport(report: FileReport): PackedReport {
  return {
    file: report.file,
    notices: report.notices,
    futureCount: report.futures.length,
    // A copy of its own: a small Buffer is a view of an 8 KB pool that it would keep (and a
    // structured clone would copy) whole.
    futures: packed(report.futures),
    ...(report.instances ? { instances: packed(report.instances) } : {}),
  };
}

function packed(futures: FutureReport[]): Uint8Array {
  // A copy of its own: a small Buffer is a view of an 8 KB pool that it would keep (and a
  // structured clone would copy) whole.
  return new Uint8Array(deflateRawSync(bytesOf(serialize(futures)), { level: LEVEL }));
}

function unpacked(bytes: Uint8Array): FutureReport[] {
  return deserialize(bytesOf(inflateRawSync(bytes))) as FutureReport[];
}

/** The report again, equal to the one packed (with the packed report's notices). */
export function unpackReport(packed: PackedReport): FileReport {
  const futures = unpacked(packed.futures);
  return {
    file: packed.file,
    futures,
    notices: packed.notices,
    ...(packed.instances ? { instances: unpacked(packed.instances) } : {}),
  };
}

/** Only the instances of a packed report (`FileReport.instances`), without its futures. */
export function unpackInstances(packed: PackedReport): FutureReport[] {
  return packed.instances ? unpacked(packed.instances) : [];
}

/** A Buffer as the plain bytes it is (what a structured clone makes of it anyway). */
function bytesOf(buffer: { buffer: ArrayBufferLike; byteOffset: number; length: number }) {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
