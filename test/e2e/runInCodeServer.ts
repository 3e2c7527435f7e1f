/**
 * Runs the extension-host suite (suite/index.js) inside code-server: the workbench URL's `payload`
 * names the extension under development (this repository) and the tests module; the extension host
 * awaits the suite's `run()` and the workbench reports the outcome through `codeAutomationExit`.
 * Exit code 0 when the suite passes. Usage: node test/out/e2e/runInCodeServer.js
 */
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import { CodeServer, repoRoot } from './support/codeServer';

const TIMEOUT_MS = 180_000;
/** Errors every offline code-server logs: no extension gallery, no proprietary signing module. */
const KNOWN_NOISE = /open-vsx\.org|vsda|ENOTFOUND/;

async function main(): Promise<number> {
  const started = Date.now();
  // code-server gets a HOME of its own; rustup and cargo must still find this machine's toolchains
  // (Measure Exact Sizes runs cargo).
  const home = os.homedir();
  const toolchains = {
    RUSTUP_HOME: process.env.RUSTUP_HOME ?? path.join(home, '.rustup'),
    CARGO_HOME: process.env.CARGO_HOME ?? path.join(home, '.cargo'),
  };
  const server = await CodeServer.start({
    workspaceTemplate: path.join(repoRoot, 'test', 'fixtures', 'lsp', 'workspace'),
    env: toolchains,
    realFiles: true,
  });
  const { browser, context } = await server.launchBrowser();
  try {
    const page = await context.newPage();
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    // The extension host's console (mocha's reporter) arrives as ['%c INFO', css, format, ...args];
    // print it from the moment the extension host is connected, errors always.
    let extensionHostUp = false;
    page.on('console', async (message) => {
      const args = await Promise.all(message.args().map((a) => a.jsonValue().catch(() => '?')));
      const first = String(args[0] ?? '');
      if (process.env.E2E_DEBUG) {
        console.log('[console]', message.type(), JSON.stringify(args).slice(0, 400));
      } else if (
        /^Creating a socket \(renderer-ExtensionHost.*successful/.test(String(args[2] ?? ''))
      ) {
        extensionHostUp = true;
      } else if (
        /^%c\s*ERR/.test(first)
          ? !KNOWN_NOISE.test(JSON.stringify(args))
          : extensionHostUp && /^%c\s*INFO/.test(first)
      ) {
        const skip = 1 + (first.match(/%c/g) ?? []).length;
        console.log(util.format(...args.slice(skip)));
      }
    });
    const suite = path.join(__dirname, 'suite', 'index.js');
    await page.goto(
      server.url([
        ['extensionDevelopmentPath', server.remote(repoRoot)],
        ['extensionTestsPath', server.remote(suite)],
      ]),
    );
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), TIMEOUT_MS).unref(),
    );
    const outcome = await Promise.race([exited, timeout]);
    if (outcome === 'timeout') {
      console.error(`extension-host suite: no result within ${TIMEOUT_MS / 1000} s`);
      await page
        .screenshot({ path: path.join(repoRoot, 'test', 'out', 'e2e', 'exthost-timeout.png') })
        .catch(() => undefined);
      console.error(server.log());
      return 1;
    }
    console.log(
      `extension-host suite: exit code ${outcome}, ${((Date.now() - started) / 1000).toFixed(1)} s in code-server`,
    );
    return outcome === 0 ? 0 : 1;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
