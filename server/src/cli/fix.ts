/**
 * `rust-future-size fix [--dry-run] [PATH...]`: applies every preferred fix in place, like
 * `cargo clippy --fix`, and lists what changed; `--dry-run` prints a unified diff instead.
 *
 * A file is written only when it parsed before, still parses after, and has not changed on disk
 * since it was read; the new text goes to a temporary file that is renamed over the old one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initAnalysis } from '../analysis/engine';
import { AppliedFix, fixAll, parseErrors } from '../analysis/fixes/fixes';
import type { FixCommandOptions } from './args';
import { EditionResolver } from '../project/edition';
import { describeFsError, displayPath, expandPaths } from '../project/sourceFiles';
import type { CliIo } from './main';
import { readSource } from '../project/readSource';

const PROGRAM = 'rust-future-size';

/** Runs `fix`; resolves to the exit code (0, or 2 when a file could not be written). */
export async function runFix(options: FixCommandOptions, io: CliIo): Promise<number> {
  const files = await expandPaths(options.paths, io.cwd);
  const warn = (message: string) => io.stderr.write(`${PROGRAM}: warning: ${message}\n`);
  const editions = new EditionResolver(warn, io.cwd);
  if (files.length > 0) {
    await initAnalysis();
  }
  let fixedFiles = 0;
  let fixCount = 0;
  let failed = false;
  for (const file of files) {
    const shown = displayPath(file, io.cwd);
    const source = await readSource(file);
    if (!source.ok) {
      io.stderr.write(`${PROGRAM}: notice: ${shown}: skipped: ${source.reason}\n`);
      continue;
    }
    const edition = options.edition ?? (await editions.editionOf(file));
    const result = fixAll(source.text, { file: shown, edition });
    if (!result.ok) {
      io.stderr.write(`${PROGRAM}: notice: ${shown}: not fixed: ${result.reason}\n`);
      continue;
    }
    if (result.applied.length === 0) {
      continue;
    }
    // The analysis reads the text without its byte-order mark; the file keeps it.
    const bom = await startsWithBom(file) ? '\uFEFF' : '';
    if (options.dryRun) {
      io.stdout.write(unifiedDiff(bom + source.text, bom + result.text, shown));
    } else {
      const written = await writeIfUnchanged(file, source.text, result.text, bom, options.force === true);
      if (written !== null) {
        io.stderr.write(`${PROGRAM}: error: ${shown}: not written: ${written}\n`);
        failed = true;
        continue;
      }
      for (const applied of result.applied) {
        io.stdout.write(`${shown}:${applied.line}:${applied.column}: ${describeApplied(applied)}\n`);
      }
    }
    fixedFiles++;
    fixCount += result.applied.length;
  }
  const summary = `${fixCount} ${fixCount === 1 ? 'fix' : 'fixes'} in ${fixedFiles} ${fixedFiles === 1 ? 'file' : 'files'}`;
  // With --dry-run stdout is the diff (ready for `patch -p1`), so the summary goes to stderr.
  (options.dryRun ? io.stderr : io.stdout).write(options.dryRun ? `${PROGRAM}: would apply ${summary}\n` : `applied ${summary}\n`);
  return failed ? 2 : 0;
}

function describeApplied({ fix }: AppliedFix): string {
  const saving = fix.expectedSaving !== null ? `; \`${fix.futureName}\` shrinks by ${fix.expectedSaving} bytes` : '';
  return `${fix.title}${saving}`;
}

async function startsWithBom(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = new Uint8Array(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return bytesRead === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bom + after` over `file` unless the file no longer holds `before`; returns why not, or
 * null. Like an editor: a symlink is written through to its target; a file with other hard links is
 * written in place (a rename would split the links); a read-only file is refused unless forced.
 */
async function writeIfUnchanged(file: string, before: string, after: string, bom: string, force: boolean): Promise<string | null> {
  if (parseErrors(after) !== 0) {
    return 'the fixed text does not parse';
  }
  let target: string;
  let stat: fs.Stats;
  try {
    target = await fs.promises.realpath(file);
    stat = await fs.promises.stat(target);
  } catch (error) {
    return describeFsError(error);
  }
  if ((stat.mode & 0o222) === 0 && !force) {
    return `the file is read-only (mode ${(stat.mode & 0o777).toString(8)}); --force writes it anyway`;
  }
  // The last look at the file comes right before the write, to keep the window for a lost edit short.
  const current = await readSource(target);
  if (!current.ok || current.text !== before) {
    return 'the file changed while it was being fixed';
  }
  if (stat.nlink > 1) {
    try {
      await fs.promises.writeFile(target, bom + after);
      return null;
    } catch (error) {
      return describeFsError(error);
    }
  }
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.rust-future-size-${process.pid}.tmp`);
  try {
    await fs.promises.writeFile(temp, bom + after, { mode: stat.mode });
    await fs.promises.rename(temp, target);
    return null;
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    return describeFsError(error);
  }
}

/**
 * A unified diff (`--- a/FILE`, `+++ b/FILE`, hunks with 3 lines of context) between two texts,
 * empty when they are equal. Lines are compared with Myers' O(ND) algorithm.
 */
export function unifiedDiff(before: string, after: string, file: string, context = 3): string {
  if (before === after) {
    return '';
  }
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const out = [`--- a/${file}\n`, `+++ b/${file}\n`];
  // Group changes that are at most 2*context lines apart into hunks.
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i].kind === ' ') {
      i++;
    }
    if (i >= ops.length) {
      break;
    }
    let start = Math.max(0, i - context);
    let end = i;
    let lastChange = i;
    while (end < ops.length) {
      if (ops[end].kind !== ' ') {
        lastChange = end;
      } else if (end - lastChange > 2 * context) {
        break;
      }
      end++;
    }
    end = Math.min(ops.length, lastChange + context + 1);
    const hunk = ops.slice(start, end);
    const oldStart = ops[start].oldLine;
    const newStart = ops[start].newLine;
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n`);
    for (const op of hunk) {
      // A line keeps its own ending (`\r\n` in a CRLF file), so the diff applies to the file as it is.
      if (op.text.endsWith('\n')) {
        out.push(`${op.kind}${op.text}`);
      } else {
        out.push(`${op.kind}${op.text}\n`, '\\ No newline at end of file\n');
      }
    }
    i = end;
    start = end;
  }
  return out.join('');
}

function range(start: number, count: number): string {
  // An empty range names the line before it (diff -u convention).
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}

/** Lines with their line endings, so a missing final newline shows up as a change. */
function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines ?? [];
}

interface DiffOp {
  kind: ' ' | '-' | '+';
  text: string;
  /** 1-based line numbers in the old and new text at this op. */
  oldLine: number;
  newLine: number;
}

function diffLines(a: string[], b: string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  trace.push(v.slice());
  // Walk back through the trace to recover the edit script.
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', text: a[x - 1], oldLine: x, newLine: y });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) {
        ops.push({ kind: '+', text: b[y - 1], oldLine: x + 1, newLine: y });
        y--;
      } else {
        ops.push({ kind: '-', text: a[x - 1], oldLine: x, newLine: y + 1 });
        x--;
      }
    }
  }
  return ops.reverse();
}
