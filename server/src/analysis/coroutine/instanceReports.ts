/**
 * The instances a crate makes of its generic async fns: rustc compiles one future per
 * instantiation (`m::hold<u8>`, `m::hold<String>`), each with its own size, while the generic fn's
 * own report is sized with its type parameters unknown (a lower bound). Each instance is a
 * `FutureReport` of its own, linked to the generic fn (`instanceOf`).
 *
 * A file's analysis lists the instances its code made and sized (`FileReport.instances`, some of
 * other files' fns); `attachInstances` moves each to the report of the file that defines the
 * generic fn, where `instancesOf` finds them.
 */
import type { CallSite, FileReport, FutureReport, HeldValue } from '../report';

/** Shown for a type argument the engine could not resolve (the instance is then a lower bound). */
export const UNKNOWN_ARGUMENT = '_';

/** An instance's type arguments: its impl's (`Slot<u64>::fill`) and the fn's own (`put<u8>`). */
export interface InstanceArguments {
  fnName: string;
  impl: string[];
  own: string[];
  /** The generic parameters the arguments are for, in the same order (impl's, then own). */
  params: string[];
}

/**
 * An instance's name as rustc prints it: `m::pair<u8, String>`, `Slot<u64>::fill`,
 * `Slot<u64>::map<u8>` (a qualified path, `<S as Tr>::f`, takes every argument at its end).
 */
export function instanceName(path: string, args: InstanceArguments): string {
  const list = (xs: string[]) => (xs.length > 0 ? `<${xs.join(', ')}>` : '');
  const suffix = `::${args.fnName}`;
  if (args.impl.length > 0 && !path.startsWith('<') && path.endsWith(suffix)) {
    return `${path.slice(0, -suffix.length)}${list(args.impl)}${suffix}${list(args.own)}`;
  }
  return `${path}${list([...args.impl, ...args.own])}`;
}

/**
 * The report of one instance: the generic fn's walk sized for these type arguments (`sized`),
 * named as rustc names it (`m::pair<u8, String>`), placed at the generic fn.
 */
export function instanceReport(
  sized: FutureReport,
  generic: { path: string; file: string; line: number; column: number },
  args: InstanceArguments,
  calledFrom: CallSite[],
): FutureReport {
  const typeArguments = [...args.impl, ...args.own];
  const shown = typeShower(args.params, typeArguments);
  const held = (v: HeldValue): HeldValue => (v.type ? { ...v, type: shown(v.type) } : v);
  return {
    ...sized,
    upvars: sized.upvars.map(held),
    awaits: sized.awaits.map((point) => ({ ...point, held: point.held.map(held) })),
    file: generic.file,
    name: instanceName(generic.path, args),
    instanceOf: {
      name: generic.path,
      file: generic.file,
      line: generic.line,
      column: generic.column,
    },
    typeArguments,
    ...(calledFrom.length > 0 ? { calledFrom } : {}),
  };
}

/**
 * The held values' types as the generic walk wrote them (`T`, `{async fn body of inner<T>()}`)
 * with the instance's known arguments in place of the parameters (`u8`, `inner<u8>`). Inside the
 * fn a parameter's name can only mean the parameter; a projection (`T::Output`) is left as it is.
 */
function typeShower(params: string[], args: string[]): (type: string) => string {
  const known = new Map(
    params.flatMap((p, i) =>
      args[i] !== UNKNOWN_ARGUMENT && /^\w+$/.test(p) ? [[p, args[i]]] : [],
    ),
  );
  if (known.size === 0) {
    return (type) => type;
  }
  const names = [...known.keys()].join('|');
  const pattern = new RegExp(`(?<![\\w:])(${names})(?![\\w]|::)`, 'g');
  return (type) => type.replace(pattern, (name: string) => known.get(name) ?? name);
}

/** Where an instance lives: the generic fn's file and position. */
function homeKey(instance: FutureReport): string {
  const of = instance.instanceOf!;
  return `${of.line}:${of.column}`;
}

/**
 * The reports with each file's instances moved to the report of the file that defines their
 * generic fn (one per name, the most expensive first). An instance whose generic fn's file is not
 * among `reports` stays where it was: a later call with more reports moves it (the function is
 * idempotent, so the reports of shares of a crate can be joined and attached again).
 */
export function attachInstances(reports: readonly FileReport[]): FileReport[] {
  if (!reports.some((r) => r.instances && r.instances.length > 0)) {
    return [...reports];
  }
  const files = new Set(reports.map((r) => r.file));
  const homed = new Map<string, Map<string, FutureReport>>();
  const stay = new Map<FileReport, FutureReport[]>();
  for (const report of reports) {
    for (const instance of report.instances ?? []) {
      const home = instance.instanceOf?.file;
      if (home === undefined || !files.has(home)) {
        stay.set(report, [...(stay.get(report) ?? []), instance]);
        continue;
      }
      const byName = homed.get(home) ?? new Map<string, FutureReport>();
      homed.set(home, byName);
      const known = byName.get(instance.name);
      byName.set(instance.name, known ? joined(known, instance) : instance);
    }
  }
  return reports.map((report) => {
    const own = [...(homed.get(report.file)?.values() ?? []), ...(stay.get(report) ?? [])];
    const rest: FileReport = { ...report };
    delete rest.instances;
    return own.length > 0 ? { ...rest, instances: own.sort(byCost) } : rest;
  });
}

/** One instance sized by two files: the same report, called from both files' fns. */
function joined(a: FutureReport, b: FutureReport): FutureReport {
  const calls = [...(a.calledFrom ?? []), ...(b.calledFrom ?? [])];
  const seen = new Set<string>();
  const calledFrom = calls.filter((c) => {
    const key = `${c.file}:${c.line}:${c.name}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return calledFrom.length > 0 ? { ...a, calledFrom: calledFrom.sort(bySite) } : a;
}

function bySite(a: CallSite, b: CallSite): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name);
}

/** Most expensive first; unknown sizes last; then by name, so the order is stable. */
function byCost(a: FutureReport, b: FutureReport): number {
  return (b.size ?? -1) - (a.size ?? -1) || a.name.localeCompare(b.name);
}

/** The instances of a generic fn's future in its file's report (after `attachInstances`). */
export function instancesOf(report: FileReport, future: FutureReport): FutureReport[] {
  if (future.kind !== 'fn' || !report.instances) {
    return [];
  }
  const key = `${future.line}:${future.column}`;
  // Before `attachInstances` (a crate's reports as its analysis gives them), one instance may be
  // listed twice, sized for two substitutions that name the same arguments: once each.
  const seen = new Set<string>();
  return report.instances.filter((i) => {
    if (i.instanceOf?.file !== report.file || homeKey(i) !== key || seen.has(i.name)) {
      return false;
    }
    seen.add(i.name);
    return true;
  });
}

/** The range of the instances' sizes: the largest and smallest known, and whether all are exact. */
export interface InstanceRange {
  count: number;
  smallest: number | null;
  largest: number | null;
  /** Every instance's size is exact. */
  exact: boolean;
}

export function instanceRange(instances: readonly FutureReport[]): InstanceRange {
  const sizes = instances.flatMap((i) => (i.size === null ? [] : [i.size]));
  return {
    count: instances.length,
    smallest: sizes.length > 0 ? Math.min(...sizes) : null,
    largest: sizes.length > 0 ? Math.max(...sizes) : null,
    exact: instances.every((i) => i.exact && i.size !== null),
  };
}

/** `24–64 B in 45 instances`, `≥ 16 B in 1 instance`: a short summary for a hint or a line. */
export function instanceRangeLabel(instances: readonly FutureReport[]): string {
  const range = instanceRange(instances);
  const count = `${range.count} instance${range.count === 1 ? '' : 's'}`;
  if (range.largest === null || range.smallest === null) {
    return `? B in ${count}`;
  }
  const bound = range.exact ? '' : '≥ ';
  const sizes =
    range.smallest === range.largest
      ? `${range.largest} B`
      : `${range.smallest}–${range.largest} B`;
  return `${bound}${sizes} in ${count}`;
}

/**
 * The instance whose size stands for the generic fn where one number is wanted (the
 * `large-future` lint): the largest one, or null when the crate makes none.
 */
export function largestInstance(instances: readonly FutureReport[]): FutureReport | null {
  let largest: FutureReport | null = null;
  for (const instance of instances) {
    if (instance.size !== null && (largest === null || instance.size > (largest.size ?? -1))) {
      largest = instance;
    }
  }
  return largest;
}
