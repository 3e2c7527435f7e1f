/**
 * A minimal LSP client for the benchmark: starts the bundled server over stdio and speaks the
 * standard messages an editor sends. Requests from the server are answered the way a plain editor
 * would: `workspace/configuration` with an empty object per item (the defaults), anything else with null.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type { Range, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';

/** bench/out/lspClient.js → the server's compiled flags module, the one the VS Code client uses. */
const nodeFlags = require(
  path.resolve(__dirname, '..', '..', 'server', 'out', 'nodeFlags.js'),
) as typeof import('../server/src/nodeFlags');

/** One incremental edit, as `textDocument/didChange` carries it. */
export type ContentChange = TextDocumentContentChangeEvent & { range: Range };

export class LspClient {
  private readonly process: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly versions = new Map<string, number>();
  private stderr = '';
  private refreshWaiters: (() => void)[] = [];
  /** The server's `rustFutureSize/serverStatus` notifications, when it was asked for them. */
  readonly statuses: { state: string; dependencies?: { indexed: number; total: number } }[] = [];

  /**
   * `options.env`: added to the server's environment; `options.settings`: what
   * `workspace/configuration` answers for `rustFutureSize` (default: nothing set).
   */
  constructor(
    serverScript: string,
    cwd: string,
    options: { env?: Record<string, string>; settings?: unknown } = {},
  ) {
    // Started as the VS Code client starts it: with the same Node flags.
    const flags = nodeFlags.serverNodeFlags(os.availableParallelism());
    // `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` profiles the server (Node refuses
    // --cpu-prof in NODE_OPTIONS).
    flags.push(...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []));
    this.process = spawn(process.execPath, [...flags, serverScript, '--stdio'], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.connection = createMessageConnection(
      new StreamMessageReader(this.process.stdout!),
      new StreamMessageWriter(this.process.stdin!),
    );
    this.connection.onRequest((method: string, params: unknown) => {
      if (method === 'workspace/inlayHint/refresh') {
        const waiters = this.refreshWaiters;
        this.refreshWaiters = [];
        waiters.forEach((resolve) => resolve());
        return null;
      }
      if (method === 'workspace/configuration') {
        const items = (params as { items?: unknown[] } | undefined)?.items ?? [{}];
        return items.map(() => options.settings ?? {});
      }
      return null;
    });
    // Diagnostics, log messages and the like: an editor would show them; the benchmark ignores them.
    this.connection.onNotification((method: string, params: unknown) => {
      if (method === 'rustFutureSize/serverStatus') {
        this.statuses.push(params as LspClient['statuses'][number]);
      }
    });
    this.connection.listen();
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** The last few kB the server wrote to stderr (for error messages). */
  get errorOutput(): string {
    return this.stderr;
  }

  /**
   * `refresh`: declare `workspace.inlayHint.refreshSupport`, so the server says when crate-aware
   * reports arrive (see `nextRefresh`).
   */
  async initialize(
    rootUri: string | null,
    refresh = false,
    initializationOptions?: unknown,
  ): Promise<void> {
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      initializationOptions,
      rootUri,
      workspaceFolders: rootUri ? [{ uri: rootUri, name: 'bench' }] : null,
      capabilities: {
        workspace: { configuration: true, inlayHint: { refreshSupport: refresh } },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          // As VS Code declares it: tooltips come on resolve, when a hint is pointed at.
          inlayHint: {
            dynamicRegistration: false,
            resolveSupport: {
              properties: [
                'tooltip',
                'textEdits',
                'label.tooltip',
                'label.location',
                'label.command',
              ],
            },
          },
          publishDiagnostics: {},
        },
      },
    });
    await this.connection.sendNotification('initialized', {});
  }

  open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    return this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'rust', version: 1, text },
    });
  }

  close(uri: string): Promise<void> {
    this.versions.delete(uri);
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  change(uri: string, contentChanges: ContentChange[]): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    return this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges,
    });
  }

  /** Resolves at the server's next `workspace/inlayHint/refresh`; rejects after `timeoutMs`. */
  nextRefresh(timeoutMs: number): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => this.refreshWaiters.push(resolve)),
      timeoutMs,
    );
  }

  /** Inlay hints for the whole document (`lines` lines). */
  inlayHints(uri: string, lines: number): Promise<unknown[] | null> {
    return this.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
    });
  }

  /** Peak and current resident set size of the server process, in bytes (Linux only; null elsewhere). */
  memory(): { peak: number; current: number } | null {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      return { peak: kb('VmHWM'), current: kb('VmRSS') };
    } catch {
      return null;
    }
  }

  /** `shutdown` + `exit`, then a kill if the server is still there after a second. */
  async dispose(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        resolve();
      } else {
        this.process.once('exit', () => resolve());
      }
    });
    try {
      await withTimeout(this.connection.sendRequest('shutdown'), 2000);
      await this.connection.sendNotification('exit');
    } catch {
      // Already gone or stuck: killed below.
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
