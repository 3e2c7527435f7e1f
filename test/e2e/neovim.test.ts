/**
 * Neovim 0.7 (Debian 12's `nvim`) as a second real LSP client, headless: the server's
 * diagnostics, inlay hints (asked for directly: 0.7 cannot draw them), `.await` hover and quick
 * fix, through test/fixtures/e2e/neovim/check.lua.
 * Run with `node --test test/out/e2e/neovim.test.js` after `node scripts/build.mjs`;
 * scripts/e2e-setup.sh installs neovim.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from './support/codeServer';

const script = path.join(repoRoot, 'test', 'fixtures', 'e2e', 'neovim', 'check.lua');
const serverBundle = path.join(repoRoot, 'server', 'dist', 'server.js');

/** Runs check.lua in a fresh copy of the LSP workspace; its output and exit status. */
function runNeovim(server: string): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-nvim-'));
  try {
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'lsp', 'workspace'), dir, {
      recursive: true,
    });
    const state = path.join(dir, '.nvim');
    const run = spawnSync(
      'nvim',
      ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${script}`],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Neovim's log, shada and swap files go to the XDG folders: keep them in the copy.
        env: {
          ...process.env,
          RFS_SERVER: server,
          XDG_CACHE_HOME: state,
          XDG_DATA_HOME: state,
          XDG_STATE_HOME: state,
          XDG_CONFIG_HOME: state,
        },
      },
    );
    if (run.error) {
      throw run.error;
    }
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('neovim gets diagnostics, inlay hints, a hover and a quick fix from the server', () => {
  assert.ok(fs.existsSync(serverBundle), `${serverBundle} (run node scripts/build.mjs)`);
  const { status, output } = runNeovim(serverBundle);
  console.log(output.trim());
  const checks = output.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
  assert.ok(checks.length >= 9, output);
  assert.deepStrictEqual(
    checks.filter((l) => l.startsWith('FAIL')),
    [],
  );
  assert.strictEqual(status, 0, output);
});

test('the neovim check fails when the server gives nothing', () => {
  // A "server" that exits at once: the script must report it and exit non-zero.
  const { status, output } = runNeovim(
    path.join(repoRoot, 'test', 'fixtures', 'e2e', 'neovim', 'check.lua'),
  );
  assert.notStrictEqual(status, 0, output);
  assert.match(output, /^FAIL three diagnostics are published/m);
});
