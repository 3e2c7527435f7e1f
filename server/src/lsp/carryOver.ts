/**
 * Between an edit and the next crate analysis, a document is analysed on its own; its futures that
 * await fns from other files would drop to lower bounds until the crate index catches up. Those whose
 * source is unchanged keep the crate index's result instead, moved to where they are now.
 */
import type { FileReport, FutureReport, HeldValue } from '../analysis/report';

/**
 * The single-file report of a document, with the crate-aware results of its futures whose source
 * has not changed since the last crate analysis, moved to where they are now. Between an edit and
 * the next crate analysis, a future that awaits a fn from another file keeps its real size instead
 * of dropping to a lower bound. Only futures the file alone cannot size exactly are replaced.
 */
export function carryOver(
  fresh: FileReport,
  previous: FileReport,
): { report: FileReport; carried: number } {
  const byHash = futuresByHash(previous);
  let carried = 0;
  const futures = fresh.futures.map((future) => {
    if (future.skipped || future.measured || (future.exact && future.size !== null)) {
      return future;
    }
    const candidates = (byHash.get(future.hash) ?? []).filter((old) => old.kind === future.kind);
    const old =
      candidates.length === 1
        ? candidates[0]
        : (candidates.find((c) => c.name === future.name || c.name.endsWith(`::${future.name}`)) ??
          candidates.find((c) => c.line === future.line));
    if (!old || old.size === null || !(old.exact || old.size > (future.size ?? -1))) {
      return future;
    }
    carried++;
    return moved(old, future);
  });
  return carried ? { report: { ...fresh, futures }, carried } : { report: fresh, carried };
}

/** `old` (same source text as `now`) with every position moved to where `now` is. */
function moved(old: FutureReport, now: FutureReport): FutureReport {
  const dLine = now.line - old.line;
  const dColumn = now.column - old.column;
  const at = (line: number, column: number): [number, number] => [
    line + dLine,
    line === old.line ? column + dColumn : column,
  ];
  const value = (v: HeldValue): HeldValue => {
    const [line, column] = at(v.line, v.column);
    const [endLine, endColumn] = at(v.endLine, v.endColumn);
    return { ...v, line, column, endLine, endColumn };
  };
  const nameSpan =
    old.nameSpan &&
    (() => {
      const [line, column] = at(old.nameSpan.line, old.nameSpan.column);
      const [endLine, endColumn] = at(old.nameSpan.endLine, old.nameSpan.endColumn);
      return { line, column, endLine, endColumn };
    })();
  return {
    ...old,
    file: now.file,
    name: now.name,
    line: now.line,
    column: now.column,
    endLine: old.endLine + dLine,
    nameSpan,
    upvars: old.upvars.map(value),
    awaits: old.awaits.map((a) => {
      const [line, column] = at(a.line, a.column);
      return { ...a, line, column, held: a.held.map(value) };
    }),
  };
}

/** The crate report's futures by source hash; one crate report serves every keystroke until the next. */
const indexed = new WeakMap<FileReport, Map<string, FutureReport[]>>();

function futuresByHash(report: FileReport): Map<string, FutureReport[]> {
  let byHash = indexed.get(report);
  if (!byHash) {
    byHash = new Map();
    for (const future of report.futures) {
      if (!future.skipped) {
        const same = byHash.get(future.hash);
        if (same) {
          same.push(future);
        } else {
          byHash.set(future.hash, [future]);
        }
      }
    }
    indexed.set(report, byHash);
  }
  return byHash;
}
