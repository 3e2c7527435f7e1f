/**
 * The language server's entry point. VS Code starts it over IPC (`--node-ipc`); other editors and
 * the protocol tests use `--stdio`. In stdio mode stdout is the transport, so nothing here may
 * write to it: `console.*` goes to the client's log instead.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './lsp/languageServer';

const connection = createConnection(ProposedFeatures.all);

console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
console.info = (...args: unknown[]) => connection.console.info(args.map(String).join(' '));
console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));

const describe = (error: unknown) =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);
process.on('unhandledRejection', (reason) =>
  connection.console.error(`[server] unhandled rejection: ${describe(reason)}`),
);
process.on('uncaughtException', (error) =>
  connection.console.error(`[server] uncaught exception: ${describe(error)}`),
);

// Bundled as server/dist/server.js, compiled as server/out/server.js: the package root is two levels up.
const packageRoot = path.resolve(__dirname, '..', '..');

function packageVersion(): string {
  try {
    return (
      (
        JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
          version?: string;
        }
      ).version ?? '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
}

startServer(connection, {
  docsUrl: pathToFileURL(path.join(packageRoot, 'README.md')).toString(),
  version: packageVersion(),
});
