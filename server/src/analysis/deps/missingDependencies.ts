/**
 * The notice for a dependency whose sources are not on this machine: one per package a type
 * needed, shared by the CLI and the editor's crate index so both say it the same way.
 */
import type { FileReport } from '../report';
import type { DependencyTypes } from './dependencyTypes';

/** `dependency tokio 1.24.2: sources not found; its types are not sized`. */
export function missingDependencyNotice(label: string, why: string): string {
  return `dependency ${label}: ${why}; its types are not sized`;
}

/** Whether a notice is {@link missingDependencyNotice}'s (after a file name, when prefixed). */
export function isMissingDependencyNotice(notice: string): boolean {
  return /(?:^|: )dependency [^:]+: .*; its types are not sized$/.test(notice);
}

/**
 * One notice per dependency whose sources are not on this machine and that a type needed, on the
 * first report with a future that needed it (its types are lower bounds there).
 */
export function noteMissingDependencies(
  reports: FileReport[],
  dependencies?: DependencyTypes,
): void {
  for (const [label, why] of dependencies?.missingUsed ?? []) {
    const needing = reports.find((r) =>
      r.futures.some((f) => f.unknown.some((u) => u.includes(label))),
    );
    needing?.notices.push(missingDependencyNotice(label, why));
  }
}
