/**
 * The same extension-host suite under @vscode/test-electron, for machines that can download VS Code
 * (this project's CI cannot: it runs the suite in code-server instead, see runInCodeServer.ts).
 * Usage: node test/out/e2e/runTest.js
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './support/codeServer';

async function main(): Promise<void> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-e2e-ws-'));
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'lsp', 'workspace'), workspace, {
    recursive: true,
  });
  try {
    await runTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('extension-host tests failed:', error);
  process.exitCode = 1;
});
