/**
 * Multi-file crates for the protocol tests: copies of test/fixtures/lsp/crate (or crates written
 * on the spot) in a temporary folder, so tests can change files on disk and run cargo in them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { InlayHint } from 'vscode-languageserver-protocol/node';
import { fixturesDir, LspSession } from './lspSession';

export const crateFixture = path.join(fixturesDir, 'crate');

export class TempCrate {
  readonly root: string;

  /** A copy of `template`, or an empty folder filled by `files` (relative path → text). */
  constructor(template: string | null, files: Record<string, string> = {}) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-crate-'));
    this.root = path.join(base, 'demo');
    if (template) {
      fs.cpSync(template, this.root, {
        recursive: true,
        filter: (source) => !source.includes(`${path.sep}target`),
      });
    } else {
      fs.mkdirSync(this.root, { recursive: true });
    }
    for (const [relative, text] of Object.entries(files)) {
      this.write(relative, text);
    }
  }

  path(relative: string): string {
    return path.join(this.root, relative);
  }

  uri(relative: string): string {
    return pathToFileURL(this.path(relative)).toString();
  }

  read(relative: string): string {
    return fs.readFileSync(this.path(relative), 'utf8');
  }

  write(relative: string, text: string): void {
    fs.mkdirSync(path.dirname(this.path(relative)), { recursive: true });
    fs.writeFileSync(this.path(relative), text);
  }

  /** Opens a file of the crate with its text on disk. */
  async open(lsp: LspSession, relative: string): Promise<string> {
    const uri = this.uri(relative);
    await lsp.open(uri, this.read(relative));
    return uri;
  }

  dispose(): void {
    fs.rmSync(path.dirname(this.root), { recursive: true, force: true });
  }
}

export const labelOf = (hint: InlayHint): string =>
  typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');
/** The future-size hint of each `async fn` of a document, by the fn's name. */
export async function futureHints(lsp: LspSession, uri: string): Promise<Record<string, string>> {
  const lines = lsp.text(uri).split('\n');
  const hints = (await lsp.inlayHints(uri)) ?? [];
  const out: Record<string, string> = {};
  for (const hint of hints) {
    const label = labelOf(hint);
    const name = /async fn (\w+)/.exec(lines[hint.position.line] ?? '')?.[1];
    if (name && label.startsWith('future ')) {
      out[name] = label;
    }
  }
  return out;
}

/** The future-size hint objects of a document, by fn name. */
export async function futureHintObjects(
  lsp: LspSession,
  uri: string,
): Promise<Record<string, InlayHint>> {
  const lines = lsp.text(uri).split('\n');
  const hints = (await lsp.inlayHints(uri)) ?? [];
  const out: Record<string, InlayHint> = {};
  for (const hint of hints) {
    const name = /async fn (\w+)/.exec(lines[hint.position.line] ?? '')?.[1];
    if (name && labelOf(hint).startsWith('future ')) {
      out[name] = hint;
    }
  }
  return out;
}
