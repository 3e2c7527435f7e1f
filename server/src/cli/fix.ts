/**
 * `rust-future-size fix [--dry-run] [PATH...]`: applies every preferred fix in place, like
 * `cargo clippy --fix`, and lists what changed; `--dry-run` prints a unified diff instead.
 *
 * A file is written only when it parsed before, still parses after, and has not changed on disk
 * since it was read (`compareAndWrite.ts`); otherwise it is named on stderr and the exit code is 2.
 */
import * as fs from 'fs';
import { structuredPatch } from 'diff';
import { initAnalysis } from '../analysis/engine';
import { AppliedFix, fixAll, parseErrors } from '../analysis/fixes/fixes';
import type { FixCommandOptions } from './args';
import { EditionResolver } from '../project/edition';
import { displayPath, expandPaths } from '../project/sourceFiles';
import type { CliIo } from './cliIo';
import { readSource } from '../project/readSource';
import { compareAndWrite } from './compareAndWrite';

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
    // After the parser's runtime aborted on an earlier file, a new one for this file.
    await initAnalysis();
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
    for (const notice of result.notices) {
      io.stderr.write(`${PROGRAM}: notice: ${shown}: ${notice}\n`);
    }
    if (result.applied.length === 0) {
      continue;
    }
    // The analysis reads the text without its byte-order mark; the file keeps it.
    const bom = (await startsWithBom(file)) ? '\uFEFF' : '';
    if (options.dryRun) {
      io.stdout.write(unifiedDiff(bom + source.text, bom + result.text, shown));
    } else {
      const written = await writeIfUnchanged(
        file,
        source.text,
        result.text,
        bom,
        options.force === true,
      );
      if (written !== null) {
        io.stderr.write(`${PROGRAM}: error: ${shown}: not written: ${written}\n`);
        failed = true;
        continue;
      }
      for (const applied of result.applied) {
        io.stdout.write(
          `${shown}:${applied.line}:${applied.column}: ${describeApplied(applied)}\n`,
        );
      }
    }
    fixedFiles++;
    fixCount += result.applied.length;
  }
  const summary = `${fixCount} ${fixCount === 1 ? 'fix' : 'fixes'} in ${fixedFiles} ${fixedFiles === 1 ? 'file' : 'files'}`;
  // With --dry-run stdout is the diff (ready for `patch -p1`), so the summary goes to stderr.
  (options.dryRun ? io.stderr : io.stdout).write(
    options.dryRun ? `${PROGRAM}: would apply ${summary}\n` : `applied ${summary}\n`,
  );
  return failed ? 2 : 0;
}

function describeApplied({ fix }: AppliedFix): string {
  const saving =
    fix.expectedSaving !== null
      ? `; \`${fix.futureName}\` shrinks by ${fix.expectedSaving} bytes`
      : '';
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

/** Writes the fixed text unless it does not parse or the file changed since it was read. */
async function writeIfUnchanged(
  file: string,
  before: string,
  after: string,
  bom: string,
  force: boolean,
): Promise<string | null> {
  if (parseErrors(after) !== 0) {
    return 'the fixed text does not parse';
  }
  return compareAndWrite(file, before, bom + after, force);
}

/**
 * A unified diff (`--- a/FILE`, `+++ b/FILE`, hunks with 3 lines of context, as `diff -u` prints
 * them) between two texts, empty when they are equal. A line keeps its own ending (`\r` in a CRLF
 * file), so the diff applies to the file as it is.
 */
export function unifiedDiff(before: string, after: string, file: string, context = 3): string {
  if (before === after) {
    return '';
  }
  const { hunks } = structuredPatch(`a/${file}`, `b/${file}`, before, after, '', '', { context });
  const out = [`--- a/${file}\n`, `+++ b/${file}\n`];
  for (const hunk of hunks) {
    const oldRange = range(hunk.oldStart, hunk.oldLines);
    out.push(`@@ -${oldRange} +${range(hunk.newStart, hunk.newLines)} @@\n`);
    out.push(...hunk.lines.map((line) => `${line}\n`));
  }
  return out.join('');
}

function range(start: number, count: number): string {
  // An empty range names the line before it (diff -u convention).
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}
