/**
 * Reads small regular files (manifests, module files) without ever blocking on a FIFO or reading
 * a device that never ends.
 */
import * as fs from 'fs';

/** Manifests and module files beyond this are not read (a hand-written one is far smaller). */
export const MAX_READ_BYTES = 5 * 1024 * 1024;

/** A regular file's text, or why it was not read. */
export type RegularFileRead =
  | { ok: true; text: string }
  | { ok: false; why: 'missing' | 'not a regular file' | 'too large' }
  | { ok: false; why: 'unreadable'; error: unknown };

/** The file's text, or why not: missing, not a regular file, over `maxBytes`, or unreadable. */
export function readRegularFileOrWhy(file: string, maxBytes = MAX_READ_BYTES): RegularFileRead {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return { ok: false, why: 'not a regular file' };
    }
    if (stat.size > maxBytes) {
      return { ok: false, why: 'too large' };
    }
    return { ok: true, text: fs.readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { ok: false, why: 'missing' };
    }
    return { ok: false, why: 'unreadable', error };
  }
}

/**
 * A regular file's text; null for anything else (a FIFO would block, `/dev/zero` never ends), for
 * a file over the size cap, and for one that cannot be read.
 */
export function readRegularFile(file: string, maxBytes = MAX_READ_BYTES): string | null {
  const read = readRegularFileOrWhy(file, maxBytes);
  return read.ok ? read.text : null;
}
