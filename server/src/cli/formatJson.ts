/**
 * The machine-readable report. Its shape is a public contract (`version: 1`): optional fields may be
 * added; a field never changes meaning, is renamed or dropped without a new version.
 */
import type { FileReport, FutureReport, HeldValue } from '../analysis/report';
import { instancesOf } from '../analysis/coroutine/instanceReports';
import { futuresOf } from './reportSpool';

/** Bumped only when a field changes meaning or disappears. */
export const JSON_FORMAT_VERSION = 1;

/** One held value in the JSON report; `name` is null for temporaries, awaitees and drop flags. */
export interface JsonHeldValue {
  name: string | null;
  kind: HeldValue['kind'];
  line: number;
  size: number | null;
  type: string | null;
  /** The packages whose sources the size was read from (`tokio 1.24.2`); absent when none. */
  sources?: string[];
}

/** One future in the JSON report; see the README for each field. */
export interface JsonFuture {
  file: string;
  kind: FutureReport['kind'];
  name: string;
  line: number;
  column: number;
  size: number | null;
  exact: boolean;
  align: number;
  unknown: string[];
  upvars: JsonHeldValue[];
  awaits: { line: number; column: number; held: JsonHeldValue[] }[];
  skipped?: string;
  /** Present (true) only when `size` is rustc's measurement from a calibration run. */
  measured?: true;
  /** The packages whose sources some of its sizes were read from; absent when none. */
  sources?: string[];
  /**
   * A generic async fn's instances the crate makes (`m::hold<u8>`), each a future of its own,
   * the most expensive first; absent when none.
   */
  instances?: JsonInstance[];
}

/** One instance of a generic async fn: its future, its type arguments and the fns that make it. */
export interface JsonInstance extends Omit<JsonFuture, 'instances'> {
  /** In the order rustc prints them; `_` for one the engine could not resolve (`size` is then a lower bound). */
  typeArguments: string[];
  /** The fns (or instances) whose code makes it: rustc's path, file and line of the fn. */
  calledFrom: { name: string; file: string; line: number }[];
}

/** The whole JSON document. */
export interface JsonReport {
  version: typeof JSON_FORMAT_VERSION;
  futures: JsonFuture[];
  notices: string[];
}

/** The report as plain data, keys in their documented order. */
export function toJsonReport(
  reports: readonly FileReport[],
  extraNotices: readonly string[] = [],
): JsonReport {
  return {
    version: JSON_FORMAT_VERSION,
    futures: reports.flatMap((report) =>
      report.futures.map((future) => toJsonFuture(future, instancesOf(report, future))),
    ),
    notices: [...reports.flatMap((report) => report.notices), ...extraNotices],
  };
}

/** One line of JSON followed by a newline. */
export function formatJson(
  reports: readonly FileReport[],
  extraNotices: readonly string[] = [],
): string {
  return `${JSON.stringify(toJsonReport(reports, extraNotices))}\n`;
}

/**
 * `formatJson`'s document, byte for byte, written one file's futures at a time: a spooled report's
 * futures (`reportSpool.ts`) are read back only while they are written.
 */
export function writeJson(
  reports: readonly FileReport[],
  write: (chunk: string) => void,
  extraNotices: readonly string[] = [],
): void {
  // `JSON.stringify` of the whole report: no spaces, keys in `toJsonReport`'s order.
  write(`{"version":${JSON.stringify(JSON_FORMAT_VERSION)},"futures":[`);
  let first = true;
  for (const report of reports) {
    const futures = futuresOf(report);
    if (futures.length > 0) {
      const items = futures.map((future) =>
        JSON.stringify(toJsonFuture(future, instancesOf(report, future))),
      );
      write((first ? '' : ',') + items.join(','));
      first = false;
    }
  }
  const notices = [...reports.flatMap((report) => report.notices), ...extraNotices];
  write(`],"notices":${JSON.stringify(notices)}}\n`);
}

// Built field by field, not spread, so engine-internal fields (endLine, index, ...) never leak into the contract.
function toJsonFuture(future: FutureReport, instances: readonly FutureReport[] = []): JsonFuture {
  const json: JsonFuture = {
    file: future.file,
    kind: future.kind,
    name: future.name,
    line: future.line,
    column: future.column,
    size: future.size,
    exact: future.exact,
    align: future.align,
    unknown: [...future.unknown],
    upvars: future.upvars.map(toJsonHeld),
    awaits: future.awaits.map((point) => ({
      line: point.line,
      column: point.column,
      held: point.held.map(toJsonHeld),
    })),
  };
  if (future.skipped !== undefined) {
    json.skipped = future.skipped;
  }
  if (future.measured) {
    json.measured = true;
  }
  if (future.sources) {
    json.sources = [...future.sources];
  }
  if (instances.length > 0) {
    json.instances = instances.map(toJsonInstance);
  }
  return json;
}

function toJsonInstance(instance: FutureReport): JsonInstance {
  return {
    ...toJsonFuture(instance),
    typeArguments: [...(instance.typeArguments ?? [])],
    calledFrom: (instance.calledFrom ?? []).map((c) => ({
      name: c.name,
      file: c.file,
      line: c.line,
    })),
  };
}

function toJsonHeld(value: HeldValue): JsonHeldValue {
  const json: JsonHeldValue = {
    name: value.name,
    kind: value.kind,
    line: value.line,
    size: value.size,
    type: value.type,
  };
  if (value.sources) {
    json.sources = [...value.sources];
  }
  return json;
}
