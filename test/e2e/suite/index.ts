/**
 * The extension-host test suite, in @vscode/test-electron's shape: VS Code loads this module inside
 * its extension host and awaits `run()`. It runs under test-electron (runTest.ts) where VS Code can
 * be downloaded, and inside code-server here (runInCodeServer.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) {
      mocha.addFile(path.join(__dirname, file));
    }
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) =>
      failures > 0
        ? reject(new Error(`${failures} test${failures === 1 ? '' : 's'} failed`))
        : resolve(),
    );
  });
}
