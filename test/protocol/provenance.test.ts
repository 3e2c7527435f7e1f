/**
 * Where a size came from, in the editor: once the crate index has read the dependencies'
 * sources (test/fixtures/workspaces/sized), the hover on an `.await` names the package a held
 * value's size was read from, and the future's hover lists them; a dependency whose sources are
 * missing is named once in the server's log, and in the reasons for the lower bound.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MarkupContent } from 'vscode-languageserver-protocol/node';
import { TempCrate } from './support/crates';
import { fixturesDir, LspSession, positionOf, until } from './support/lspSession';
import type { ServerStatusParams } from '../../server/src/protocol';

const SIZED = path.join(fixturesDir, '..', 'workspaces', 'sized');
const TIMEOUT_MS = 15_000;

describe('where a size came from, in the editor', () => {
  let lsp: LspSession;
  let workspace: TempCrate;
  let cargoHome: string;
  let statuses: ServerStatusParams[];

  afterEach(async () => {
    await lsp.dispose();
    workspace.dispose();
    fs.rmSync(cargoHome, { recursive: true, force: true });
  });

  async function start(template: string | null, files: Record<string, string> = {}) {
    // The server reads cargo's config from CARGO_HOME: one of the test's own, never the user's.
    cargoHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-provenance-home-'));
    lsp = new LspSession({ CARGO_HOME: cargoHome });
    statuses = [];
    lsp.connection.onNotification('rustFutureSize/serverStatus', (params: ServerStatusParams) =>
      statuses.push(params),
    );
    workspace = new TempCrate(template, files);
    await lsp.initialize(undefined, { serverStatus: true }, workspace.root);
  }

  async function hoverText(uri: string, at: { line: number; character: number }) {
    const hover = await lsp.hover(uri, at.line, at.character);
    return hover ? (hover.contents as MarkupContent).value.replace(/\u00a0/g, ' ') : '';
  }

  it('the hover on an await names the package a held value was read from', async () => {
    await start(SIZED);
    const uri = await workspace.open(lsp, 'src/lib.rs');
    const text = workspace.read('src/lib.rs');
    // `.await` in `clash`, which holds pathdep's `TcpStream` (64 bytes, std's is 4).
    const at = positionOf(text, 'await;');
    const table = await until(
      'the crate-aware hover',
      async () => {
        const value = await hoverText(uri, at);
        return value.includes('pathdep 0.2.0') ? value : undefined;
      },
      TIMEOUT_MS,
    );
    const row =
      '| `s` (argument, also captured) | 64 B | 8 | `pathdep::TcpStream` · pathdep 0.2.0 |';
    assert.ok(table.includes(row), table);
    assert.match(table, /\| awaited future \| 1 B \| 9 \| `tick\(\)` \|\n/);

    const name = positionOf(text, 'vendored(');
    const tooltip = await hoverText(uri, name);
    assert.match(tooltip, /read from their sources: `shapes 1\.0\.0`, `vend 0\.1\.0`\./);
  });

  it('a dependency without sources: named once in the log, the status, the reasons', async () => {
    const lib = 'async fn tick() {}\npub async fn f(a: nowhere::A) { tick().await; drop(a); }\n';
    await start(null, {
      'Cargo.toml':
        '[package]\nname = "needs-missing"\nversion = "0.1.0"\nedition = "2021"\n\n' +
        '[dependencies]\nnowhere = { path = "../nowhere" }\n',
      'src/lib.rs': lib,
    });
    const uri = await workspace.open(lsp, 'src/lib.rs');
    const named = (log: string) => /dependency nowhere: .*its types are not sized/.test(log);
    await until(
      'the notice in the log',
      async () => (lsp.logs.some(named) ? true : undefined),
      TIMEOUT_MS,
    );
    const tooltip = await hoverText(uri, positionOf(lib, 'f('));
    assert.match(tooltip, /Unknown sizes .*`nowhere::A \(nowhere: [^`]+\)`/);
    // The crate analysed again after an edit that needs the dependency too: still one notice.
    const added = 'pub async fn g(a: nowhere::A) { tick().await; drop(a); }\n';
    const end = { line: 2, character: 0 };
    await lsp.change(uri, [{ range: { start: end, end }, text: added }]);
    await until(
      'the crate analysed again',
      async () => {
        const hover = await hoverText(uri, positionOf(lib + added, 'g('));
        return hover.includes('`nowhere::A (nowhere:') || undefined;
      },
      TIMEOUT_MS,
    );
    assert.strictEqual(lsp.logs.filter(named).length, 1, lsp.logs.join('\n'));
    const status = await until(
      'the status naming it',
      async () => statuses.at(-1)?.missingDependencies,
      TIMEOUT_MS,
    );
    assert.strictEqual(status.length, 1);
    assert.match(status[0], /^nowhere: /);
  });
});
