/**
 * The lints' findings for the CLI's reports, with the defaults the editor has: 1024 bytes for a
 * held value, and clippy's `future-size-threshold` (else 16384) for a future; a module file gets
 * the lint attributes of the files that declare the modules above it, as in the editor.
 */
import * as path from 'path';
import type { FileReport } from '../analysis/report';
import { ClippyConfig } from '../lints/clippyConfig';
import type { Finding } from '../lints/finding';
import type { ModuleAncestor } from '../lints/levels';
import { lintFile } from '../lints/registry';
import {
  CrateLayout,
  findCrateRoot,
  readCrateLayout,
  readRegularFile,
} from '../project/crateLayout';
import { readSource } from '../project/readSource';
import { SourceText } from '../text/sourceText';

/** `rustFutureSize.largeValueThreshold`'s default. */
const LARGE_VALUE_THRESHOLD = 1024;
/** clippy's default `future-size-threshold`. */
const CLIPPY_FUTURE_SIZE_THRESHOLD = 16384;

/** One file's findings, with its text to quote. */
export interface FileFindings {
  /** As the report names it (relative to the working directory). */
  file: string;
  source: SourceText;
  findings: Finding[];
}

/**
 * The findings of every report that has any, in report order. A file that cannot be read again
 * (changed since) is left out: its report's notices already say what the run saw.
 */
export async function lintReports(
  reports: readonly FileReport[],
  cwd: string,
  warn: (message: string) => void,
): Promise<FileFindings[]> {
  const clippy = new ClippyConfig(warn);
  const crates = new CrateModules();
  const results: FileFindings[] = [];
  for (const report of reports) {
    if (!report.futures.some((future) => !future.skipped)) {
      continue;
    }
    const absolute = path.resolve(cwd, report.file);
    const read = await readSource(absolute);
    if (!read.ok) {
      continue;
    }
    const source = new SourceText(read.text);
    const options = {
      largeValueThreshold: LARGE_VALUE_THRESHOLD,
      largeFutureThreshold: clippy.thresholdFor(absolute)?.value ?? CLIPPY_FUTURE_SIZE_THRESHOLD,
    };
    const findings = lintFile(report, source, options, () => crates.ancestorsOf(absolute));
    if (findings.length > 0) {
      results.push({ file: report.file, source, findings });
    }
  }
  return results;
}

/** The crates of a run, read once each, for the module files above a file. */
class CrateModules {
  private readonly layouts = new Map<string, CrateLayout | null>();

  /**
   * The files that declare the modules above `file`, from the crate root down; none for a file
   * that no chain of `mod x;` declarations reaches.
   */
  ancestorsOf(file: string): ModuleAncestor[] {
    const root = findCrateRoot(file);
    const layout = root === null ? null : this.layoutOf(root);
    const own = layout?.files.find((f) => f.path === file);
    if (!layout || !own) {
      return [];
    }
    const ancestors: ModuleAncestor[] = [];
    for (let depth = 0; depth < own.modulePath.length; depth++) {
      const prefix = own.modulePath.slice(0, depth).join('::');
      const parent = layout.files.find((f) => f.modulePath.join('::') === prefix);
      const text = parent ? readRegularFile(parent.path) : null;
      const child = own.modulePath[depth];
      if (text === null || !new RegExp(String.raw`\bmod\s+${child}\s*;`).test(text)) {
        return [];
      }
      ancestors.push({ text, child });
    }
    return ancestors;
  }

  private layoutOf(root: string): CrateLayout | null {
    if (!this.layouts.has(root)) {
      let layout: CrateLayout | null = null;
      try {
        layout = readCrateLayout(root);
      } catch {
        // The analysis has said what it could not read; attributes then stay within each file.
      }
      this.layouts.set(root, layout);
    }
    return this.layouts.get(root)!;
  }
}
