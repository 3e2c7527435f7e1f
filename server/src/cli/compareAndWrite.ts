/**
 * `fix` writes a file like an editor does, and never over a change it did not see: it compares the
 * file with the text it fixed, then looks once more (same file, same size and times) right before
 * an atomic rename, and keeps the file it replaced open, so a write that still lands in it in the
 * few microseconds between that last look and the rename is found and put back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeFsError } from '../project/sourceFiles';
import { MAX_SOURCE_BYTES } from '../project/readSource';

/** Where a test can act as a concurrent writer (the moments a real one could hit). */
export interface WriteWindow {
  /** After the file was compared and the new text written to a temporary file. */
  beforeLastLook?: () => Promise<void> | void;
  /** After the last look, right before the rename. */
  beforeRename?: () => Promise<void> | void;
}

/** The reason a file was left alone because someone else wrote it meanwhile. */
export const CHANGED_MEANWHILE = 'the file changed while it was being fixed';

/**
 * Writes `content` over `file` if it still holds `before` (its text without a BOM); returns why
 * not, or null. A symlink is written through to its target; a file with other hard links is
 * written in place (a rename would split the links); a read-only file is refused unless forced.
 */
export async function compareAndWrite(
  file: string,
  before: string,
  content: string,
  force: boolean,
  window: WriteWindow = {},
): Promise<string | null> {
  let target: string;
  let handle: fs.promises.FileHandle;
  try {
    target = await fs.promises.realpath(file);
    handle = await fs.promises.open(target, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return describeFsError(error);
  }
  try {
    const seen = await handle.stat({ bigint: true });
    if (!seen.isFile()) {
      return 'not a regular file';
    }
    if ((seen.mode & 0o222n) === 0n && !force) {
      const mode = (seen.mode & 0o777n).toString(8);
      return `the file is read-only (mode ${mode}); --force writes it anyway`;
    }
    if (seen.size > BigInt(MAX_SOURCE_BYTES) || textOf(await readAll(handle)) !== before) {
      return CHANGED_MEANWHILE;
    }
    return seen.nlink > 1n
      ? await writeInPlace(target, handle, seen, content)
      : await replace(target, handle, seen, content, window);
  } catch (error) {
    return describeFsError(error);
  } finally {
    await handle.close();
  }
}

/** A file with other hard links keeps its inode: written in place, after a last look. */
async function writeInPlace(
  target: string,
  handle: fs.promises.FileHandle,
  seen: fs.BigIntStats,
  content: string,
): Promise<string | null> {
  if (!sameVersion(await handle.stat({ bigint: true }), seen)) {
    return CHANGED_MEANWHILE;
  }
  await fs.promises.writeFile(target, content);
  return null;
}

/** How many times a write that keeps landing in the file being replaced is put back. */
const PUT_BACK_ATTEMPTS = 4;

/** Writes a temporary file beside the target and renames it over the target. */
async function replace(
  target: string,
  old: fs.promises.FileHandle,
  seen: fs.BigIntStats,
  content: string,
  window: WriteWindow,
): Promise<string | null> {
  const mode = Number(seen.mode & 0o7777n);
  const temp = tempBeside(target);
  try {
    await fs.promises.writeFile(temp, content, { mode });
    await window.beforeLastLook?.();
    // The last look: still the file that was read, not written since (times are in nanoseconds).
    const now = await fs.promises.stat(target, { bigint: true });
    if (!sameVersion(now, seen) || now.ino !== seen.ino || now.dev !== seen.dev) {
      await fs.promises.rm(temp, { force: true });
      return CHANGED_MEANWHILE;
    }
    await window.beforeRename?.();
    await fs.promises.rename(temp, target);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  // A write that landed after the last look went into the replaced file, still open here (its
  // status-change time moved with the rename, which unlinked it: not compared).
  const replaced = await old.stat({ bigint: true });
  if (replaced.size === seen.size && replaced.mtimeNs === seen.mtimeNs) {
    return null;
  }
  await putBack(target, await readAll(old), content, mode);
  return `${CHANGED_MEANWHILE} (a write landed as the fix was written: the file keeps that write)`;
}

/**
 * Puts a write that landed in the replaced file back, unless the file was written again since the
 * fix went in (that later text is the writer's newest: it stays). The file being replaced is kept
 * open meanwhile, so a write landing in it right before the put-back's rename is put back in turn.
 */
async function putBack(target: string, theirs: Uint8Array, fixed: string, mode: number) {
  let pending = theirs;
  let last: Uint8Array = new TextEncoder().encode(fixed);
  for (let attempt = 0; attempt < PUT_BACK_ATTEMPTS; attempt++) {
    const current = await fs.promises.open(target, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const before = await current.stat({ bigint: true });
      if (!sameBytes(await readAll(current), last)) {
        // Written again since: the newest text is already there.
        return;
      }
      const back = tempBeside(target);
      try {
        await fs.promises.writeFile(back, pending, { mode });
        await fs.promises.rename(back, target);
      } catch (error) {
        await fs.promises.rm(back, { force: true });
        throw error;
      }
      const after = await current.stat({ bigint: true });
      if (after.size === before.size && after.mtimeNs === before.mtimeNs) {
        return;
      }
      last = pending;
      pending = await readAll(current);
    } finally {
      await current.close();
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Unchanged since `seen`: the same size, modification and status-change times. */
function sameVersion(now: fs.BigIntStats, seen: fs.BigIntStats): boolean {
  return now.size === seen.size && now.mtimeNs === seen.mtimeNs && now.ctimeNs === seen.ctimeNs;
}

/** The whole file from its start, whatever was read from the handle before. */
async function readAll(handle: fs.promises.FileHandle): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let position = 0;
  for (;;) {
    const chunk = new Uint8Array(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) {
      const all = new Uint8Array(position);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return all;
    }
    chunks.push(chunk.subarray(0, bytesRead));
    position += bytesRead;
  }
}

/** The text as `readSource` gives it (UTF-8, without a BOM), or null when it is not. */
function textOf(bytes: Uint8Array<ArrayBuffer>): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function tempBeside(target: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.rust-future-size-${process.pid}-${random}.tmp`,
  );
}
