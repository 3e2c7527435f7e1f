/**
 * Diagnostics for the closed files of an open file's crate
 * (`rustFutureSize.diagnostics.workspace`), from the crate index's results: the same findings as
 * the CLI's for those files, lint attributes of the modules above included; cleared when the
 * setting goes off, a file is deleted, or the crate is let go; an open file's are the live
 * analysis's.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { TempCrate } from './support/crates';
import { delay, LspSession, repoRoot, until } from './support/lspSession';

const INDEX_TIMEOUT_MS = 15_000;

const GUARD_FN = (name: string, attribute = '') => `
${attribute}pub async fn ${name}(stats: &std::sync::Mutex<u64>) {
    let mut guard = stats.lock().unwrap();
    *guard += 1;
    crate::pause().await;
}
`;

/**
 * lib.rs allows the guard lint on `quiet`; `loud` warns twice (one fn denies it); `big` holds a
 * buffer.
 */
const FILES: Record<string, string> = {
  'Cargo.toml': '[package]\nname = "closed-files"\nversion = "0.1.0"\nedition = "2021"\n',
  'src/lib.rs': `pub mod loud;
#[allow(clippy::await_holding_lock)]
pub mod quiet;
pub mod big;

pub async fn pause() {}
`,
  'src/loud.rs': GUARD_FN('warned') + GUARD_FN('denied', '#[deny(clippy::await_holding_lock)]\n'),
  'src/quiet.rs': GUARD_FN('allowed'),
  'src/big.rs': `pub async fn buffered() -> usize {
    let buffer = [0u8; 4096];
    crate::pause().await;
    buffer.len()
}
`,
};

/** What the CLI reports for the crate (SARIF): `file:line:column code first-line`. */
function cliFindings(root: string): string[] {
  const sarif = execFileSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'rust-future-size.js'), '--format', 'sarif', 'src'],
    { cwd: root, encoding: 'utf8' },
  );
  const log = JSON.parse(sarif) as {
    runs: {
      results: {
        ruleId: string;
        message: { text: string };
        locations: {
          physicalLocation: {
            artifactLocation: { uri: string };
            region: { startLine: number; startColumn: number };
          };
        }[];
      }[];
    }[];
  };
  return log.runs[0].results
    .map((r) => {
      const where = r.locations[0].physicalLocation;
      const { startLine, startColumn } = where.region;
      const first = r.message.text.split('\n')[0];
      return `${where.artifactLocation.uri}:${startLine}:${startColumn} ${r.ruleId} ${first}`;
    })
    .sort();
}

function asFindings(relative: string, diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const { line, character } = d.range.start;
    const first = d.message.split('\n')[0];
    return `${relative}:${line + 1}:${character + 1} ${String(d.code)} ${first}`;
  });
}

/** The diagnostics published for a file of the crate, once they satisfy `accept`. */
function publishedFor(
  lsp: LspSession,
  crate: TempCrate,
  relative: string,
  accept: (d: Diagnostic[]) => boolean = () => true,
): Promise<Diagnostic[]> {
  return until(
    `diagnostics of ${relative}`,
    () => {
      const params = lsp.diagnostics.get(crate.uri(relative));
      return params && accept(params.diagnostics) ? params.diagnostics : undefined;
    },
    INDEX_TIMEOUT_MS,
  );
}

describe('workspace diagnostics', () => {
  let lsp: LspSession;
  let crate: TempCrate;

  beforeEach(async () => {
    lsp = new LspSession({ RUST_FUTURE_SIZE_CRATE_GRACE_MS: '500' });
    crate = new TempCrate(null, FILES);
    await lsp.initialize(undefined, undefined, crate.root);
  });
  afterEach(async () => {
    await lsp.dispose();
    crate.dispose();
  });

  const published = (relative: string, accept?: (d: Diagnostic[]) => boolean) =>
    publishedFor(lsp, crate, relative, accept);

  it('publishes closed files’ findings from the crate index, as the CLI finds them', async () => {
    await crate.open(lsp, 'src/lib.rs');
    const loud = await published('src/loud.rs');
    const big = await published('src/big.rs');
    assert.strictEqual(lsp.diagnostics.get(crate.uri('src/loud.rs'))?.version, undefined);
    // Allowed by the attribute on `mod quiet` in lib.rs: a file without findings gets no message.
    assert.strictEqual(lsp.diagnostics.get(crate.uri('src/quiet.rs')), undefined);
    // As for an open file, the severity is the setting's (warning by default), or an error where
    // the lint is denied.
    assert.deepStrictEqual(
      loud.map((d) => d.severity),
      [DiagnosticSeverity.Warning, DiagnosticSeverity.Error],
    );
    assert.ok(loud.every((d) => d.codeDescription?.href.endsWith('#guard-held-across-await')));
    const editor = [...asFindings('src/loud.rs', loud), ...asFindings('src/big.rs', big)].sort();
    assert.deepStrictEqual(editor, cliFindings(crate.root));
    assert.strictEqual(editor.length, 3);
  });

  it('leaves an open file to the live analysis, and to the index once it closes', async () => {
    await crate.open(lsp, 'src/lib.rs');
    await published('src/big.rs', (d) => d.length === 1);
    const big = await crate.open(lsp, 'src/big.rs');
    // The live analysis of the open document: versioned.
    await until('the live diagnostics', () =>
      lsp.diagnostics.get(big)?.version === 1 ? true : undefined,
    );
    assert.strictEqual(lsp.diagnostics.get(big)?.diagnostics.length, 1);
    // Edited so that nothing is held: the live analysis says so at once.
    const at = { line: 1, character: 0 };
    await lsp.change(big, [
      {
        range: { start: at, end: { line: 2, character: 0 } },
        text: '    let buffer = [0u8; 8];\n',
      },
    ]);
    await lsp.waitForDiagnostics(big, (d) => d.length === 0);
    await delay(1000);
    assert.deepStrictEqual(
      lsp.diagnostics.get(big)?.diagnostics,
      [],
      'not overwritten by the index',
    );
    // Closed without saving: the file on disk still holds the buffer, and the index says so.
    await lsp.close(big);
    await published('src/big.rs', (d) => d.length === 1);
  });

  it('clears them when the setting goes off, and publishes them when it is back', async () => {
    await crate.open(lsp, 'src/lib.rs');
    await published('src/loud.rs', (d) => d.length === 2);
    await published('src/big.rs', (d) => d.length === 1);
    await lsp.configurationChanged({ diagnostics: { workspace: false } });
    await published('src/loud.rs', (d) => d.length === 0);
    await published('src/big.rs', (d) => d.length === 0);
    await lsp.configurationChanged({ diagnostics: { workspace: true } });
    await published('src/loud.rs', (d) => d.length === 2);
    // The severity setting applies to closed files too.
    await lsp.configurationChanged({
      diagnostics: { severity: { 'large-value-held-across-await': 'hint' } },
    });
    const big = await published('src/big.rs', (d) => d[0]?.severity === DiagnosticSeverity.Hint);
    assert.strictEqual(big.length, 1);
  });

  it('clears a deleted file’s, and the crate’s when the index lets it go', async () => {
    const lib = await crate.open(lsp, 'src/lib.rs');
    await published('src/big.rs', (d) => d.length === 1);
    await published('src/loud.rs', (d) => d.length === 2);
    crate.write('src/lib.rs', crate.read('src/lib.rs').replace('pub mod big;\n', ''));
    fs.rmSync(crate.path('src/big.rs'));
    await lsp.filesChanged([
      { uri: crate.uri('src/big.rs'), type: 3 },
      { uri: crate.uri('src/lib.rs'), type: 2 },
    ]);
    await published('src/big.rs', (d) => d.length === 0);
    assert.strictEqual(lsp.diagnostics.get(crate.uri('src/loud.rs'))?.diagnostics.length, 2);
    // The last document closes: after the grace period the index drops the crate, and its files'
    // diagnostics go with it (nothing would keep them up to date).
    await lsp.close(lib);
    await published('src/loud.rs', (d) => d.length === 0);
  });

  it('publishes nothing for closed files when the setting is off from the start', async () => {
    await lsp.configurationChanged({ diagnostics: { workspace: false } });
    await crate.open(lsp, 'src/lib.rs');
    await until(
      'the index',
      () => (lsp.logs.some((l) => /\[crate\] indexed closed-files/.test(l)) ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    await delay(300);
    assert.strictEqual(lsp.diagnostics.get(crate.uri('src/loud.rs')), undefined);
  });
});
