/**
 * Reads one source file, refusing what the analysis cannot use: binary data, other encodings, huge files.
 */
import * as fs from 'fs';
import { describeFsError } from './sourceFiles';

/** Generated or vendored blobs beyond this are not worth parsing (and could stall the run). */
export const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

/** A file's text, or the reason it was skipped. */
export type SourceText = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The file's text, or why it was skipped (`reason` is a short phrase such as `binary file`).
 * Rust source must be UTF-8, so anything else is skipped rather than guessed at.
 */
export async function readSource(
  file: string,
  maxBytes: number = MAX_SOURCE_BYTES,
): Promise<SourceText> {
  let bytes: Buffer;
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile()) {
      // A FIFO would block the run and a device may never end.
      return { ok: false, reason: 'not a regular file' };
    }
    const size = stat.size;
    if (size > maxBytes) {
      return {
        ok: false,
        reason: `larger than ${formatMegabytes(maxBytes)} (${formatMegabytes(size)})`,
      };
    }
    bytes = await fs.promises.readFile(file);
  } catch (error) {
    return { ok: false, reason: `cannot read (${describeFsError(error)})` };
  }
  if (bytes.includes(0)) {
    return { ok: false, reason: 'binary file (contains NUL bytes)' };
  }
  try {
    // `fatal` turns invalid sequences into an error instead of silently inserting U+FFFD.
    return {
      ok: true,
      text: new TextDecoder('utf-8', { fatal: true }).decode(bytes as Uint8Array<ArrayBuffer>),
    };
  } catch {
    return { ok: false, reason: 'not valid UTF-8' };
  }
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}
