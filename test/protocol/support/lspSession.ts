/**
 * A scripted LSP client for the protocol tests: spawns the *bundled* server (server/dist/server.js)
 * over stdio, answers its requests like VS Code would, and records what it publishes.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { until as pollUntil } from '../../common/polling';
import {
  CancellationToken,
  ClientCapabilities,
  CodeAction,
  CodeActionKind,
  createProtocolConnection,
  Diagnostic,
  Hover,
  InitializeResult,
  InlayHint,
  ProtocolConnection,
  PublishDiagnosticsParams,
  Range,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentContentChangeEvent,
  TextEdit,
  WorkDoneProgress,
} from 'vscode-languageserver-protocol/node';

export const repoRoot = findRepoRoot(__dirname);
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'lsp');
export const serverBundle = path.join(repoRoot, 'server', 'dist', 'server.js');

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name ===
        'rust-future-size'
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the rust-future-size package above ${start}`);
    }
  }
}

export function fixture(name: string): { uri: string; text: string; path: string } {
  const file = path.join(fixturesDir, name);
  return { uri: pathToFileURL(file).toString(), text: fs.readFileSync(file, 'utf8'), path: file };
}

/** VS Code 1.99's answers to the capabilities the server looks at. */
export const VSCODE_CAPABILITIES: ClientCapabilities = {
  window: { workDoneProgress: true },
  workspace: {
    configuration: true,
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true },
    workspaceEdit: { documentChanges: true },
    inlayHint: { refreshSupport: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: true },
    publishDiagnostics: {
      relatedInformation: true,
      codeDescriptionSupport: true,
      versionSupport: true,
      dataSupport: true,
    },
    codeAction: {
      codeActionLiteralSupport: {
        codeActionKind: {
          valueSet: [
            CodeActionKind.QuickFix,
            CodeActionKind.Refactor,
            CodeActionKind.RefactorRewrite,
          ],
        },
      },
      isPreferredSupport: true,
      dataSupport: true,
    },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    // Tooltips, edits and label parts are resolved when the user points at a hint.
    inlayHint: {
      resolveSupport: {
        properties: ['tooltip', 'textEdits', 'label.tooltip', 'label.location', 'label.command'],
      },
    },
  },
};

interface Waiter {
  uri: string;
  accept: (params: PublishDiagnosticsParams) => boolean;
  resolve: (params: PublishDiagnosticsParams) => void;
}

export class LspSession {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  /** What `workspace/configuration` answers for the `rustFutureSize` section. */
  settings: unknown = {};
  readonly messages: { type: number; message: string }[] = [];
  readonly logs: string[] = [];
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  inlayHintRefreshes = 0;
  configurationRequests = 0;
  /** `$/progress` notifications, in order, for progress the server created or the client passed. */
  readonly progress: {
    token: string | number;
    value: { kind: string; title?: string; message?: string; cancellable?: boolean };
  }[] = [];
  /** Tokens of `window/workDoneProgress/create` requests. */
  readonly progressTokens: (string | number)[] = [];
  /** Every registration the server asked for (`client/registerCapability`). */
  readonly registrations: { method: string; registerOptions?: unknown }[] = [];
  stderr = '';
  private readonly waiters: Waiter[] = [];
  private readonly versions = new Map<string, number>();
  private readonly texts = new Map<string, string>();

  /** `env`: extra environment for the server process. */
  constructor(env: Record<string, string> = {}) {
    this.process = spawn(process.execPath, [serverBundle, '--stdio'], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.process.stdout!),
      new StreamMessageWriter(this.process.stdin!),
    );
    this.connection.onRequest(
      'workspace/configuration',
      (params: { items: { section?: string }[] }) => {
        this.configurationRequests++;
        return params.items.map((item) =>
          item.section === 'rustFutureSize' ? this.settings : null,
        );
      },
    );
    this.connection.onRequest(
      'client/registerCapability',
      (params: { registrations: { method: string; registerOptions?: unknown }[] }) => {
        this.registrations.push(...params.registrations);
        return null;
      },
    );
    this.connection.onRequest(
      'window/workDoneProgress/create',
      (params: { token: string | number }) => {
        this.progressTokens.push(params.token);
        this.recordProgress(params.token);
        return null;
      },
    );
    this.connection.onRequest('workspace/inlayHint/refresh', () => {
      this.inlayHintRefreshes++;
      return null;
    });
    this.connection.onNotification(
      'window/showMessage',
      (params: { type: number; message: string }) => this.messages.push(params),
    );
    this.connection.onRequest(
      'window/showMessageRequest',
      (params: { type: number; message: string }) => {
        this.messages.push(params);
        return null;
      },
    );
    this.connection.onNotification('window/logMessage', (params: { message: string }) =>
      this.logs.push(params.message),
    );
    this.connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: PublishDiagnosticsParams) => {
        this.diagnostics.set(params.uri, params);
        for (const waiter of [...this.waiters]) {
          if (waiter.uri === params.uri && waiter.accept(params)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(params);
          }
        }
      },
    );
    this.connection.listen();
  }

  async initialize(
    capabilities: ClientCapabilities = VSCODE_CAPABILITIES,
    initializationOptions?: unknown,
    root: string = fixturesDir,
  ): Promise<InitializeResult> {
    const result = await this.connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).toString(),
      workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: path.basename(root) }],
      capabilities,
      initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'rust', version: 1, text },
    });
  }

  /**
   * Sends incremental changes and keeps the local copy of the text in step. `as`: the text they
   * make (when the caller knows it better, e.g. positions past a line's end) and the version to
   * send (a test of clients that repeat one).
   */
  async change(
    uri: string,
    changes: { range: Range; text: string }[],
    as: { text?: string; version?: number } = {},
  ): Promise<number> {
    const version = as.version ?? (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    let text = this.texts.get(uri) ?? '';
    for (const c of changes) {
      text = applyEdits(text, [{ range: c.range, newText: c.text }]);
    }
    text = as.text ?? text;
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: changes as TextDocumentContentChangeEvent[],
    });
    return version;
  }

  async save(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  /** `workspace/didChangeWatchedFiles`; `type` 1 created, 2 changed, 3 deleted. */
  async filesChanged(changes: { uri: string; type: 1 | 2 | 3 }[]): Promise<void> {
    await this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  executeCommand<T>(
    command: string,
    args: unknown[] = [],
    workDoneToken?: string,
    token?: CancellationToken,
  ): Promise<T> {
    if (workDoneToken !== undefined) {
      this.recordProgress(workDoneToken);
    }
    const params = { command, arguments: args, workDoneToken };
    return token
      ? this.connection.sendRequest('workspace/executeCommand', params, token)
      : this.connection.sendRequest('workspace/executeCommand', params);
  }

  private recordProgress(token: string | number): void {
    this.connection.onProgress(WorkDoneProgress.type, token, (value) =>
      this.progress.push({ token, value }),
    );
  }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** The next diagnostics published for the document's current version that satisfy `accept`. */
  waitForDiagnostics(
    uri: string,
    accept: (diagnostics: Diagnostic[]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Diagnostic[]> {
    const version = this.version(uri);
    const matches = (p: PublishDiagnosticsParams) =>
      (p.version === undefined || p.version === version) && accept(p.diagnostics);
    const current = this.diagnostics.get(uri);
    if (current && matches(current)) {
      return Promise.resolve(current.diagnostics);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `no matching diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms; last: ${JSON.stringify(this.diagnostics.get(uri))}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        accept: matches,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p.diagnostics);
        },
      };
      this.waiters.push(waiter);
    });
  }

  inlayHints(uri: string, range?: Range): Promise<InlayHint[] | null> {
    const whole = { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } };
    return this.connection.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: range ?? whole,
    });
  }

  resolveInlayHint(hint: InlayHint): Promise<InlayHint> {
    return this.connection.sendRequest('inlayHint/resolve', hint);
  }

  /** A hint's tooltip as Markdown text, resolving the hint first when it came without one. */
  async tooltipOf(hint: InlayHint): Promise<string> {
    const resolved = hint.tooltip === undefined ? await this.resolveInlayHint(hint) : hint;
    const tooltip = resolved.tooltip;
    return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line, character },
    });
  }

  codeActions(
    uri: string,
    range: Range,
    diagnostics: Diagnostic[] = [],
    only?: string[],
  ): Promise<CodeAction[] | null> {
    return this.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range,
      context: { diagnostics, only },
    });
  }

  async configurationChanged(settings: unknown): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }

  async dispose(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), delay(2000)]);
      await this.connection.sendNotification('exit');
    } catch {
      // The server may already be gone; it is killed below either way.
    }
    await Promise.race([new Promise((resolve) => this.process.once('exit', resolve)), delay(2000)]);
    this.connection.dispose();
    if (this.process.exitCode === null) {
      this.process.kill();
    }
  }
}

/** Polls `probe` until it returns a value; a server gets 10 s, checked every 20 ms. */
export function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  return pollUntil(what, probe, timeoutMs, 20);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Applies LSP edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const offsets = lineOffsets(text);
  const offsetOf = (p: { line: number; character: number }) =>
    Math.min(text.length, (offsets[p.line] ?? text.length) + p.character);
  const sorted = [...edits].sort((a, b) => offsetOf(b.range.start) - offsetOf(a.range.start));
  let result = text;
  for (const edit of sorted) {
    result =
      result.slice(0, offsetOf(edit.range.start)) +
      edit.newText +
      result.slice(offsetOf(edit.range.end));
  }
  return result;
}

function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') {
      offsets.push(i + 1);
    }
  }
  return offsets;
}

/** The 0-based position of the `occurrence`-th match of `needle` (plus `offset` characters). */
export function positionOf(
  text: string,
  needle: string,
  offset = 0,
  occurrence = 1,
): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) {
      throw new Error(`${JSON.stringify(needle)} not found (occurrence ${i + 1})`);
    }
  }
  at += offset;
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

/** The edits of a code action's workspace edit for one document. */
export function editsOf(action: CodeAction, uri: string): TextEdit[] {
  const edit = action.edit;
  if (!edit) {
    return [];
  }
  const fromChanges = edit.changes?.[uri] ?? [];
  const fromDocumentChanges = (edit.documentChanges ?? []).flatMap((change) =>
    'textDocument' in change && change.textDocument.uri === uri ? (change.edits as TextEdit[]) : [],
  );
  return [...fromChanges, ...fromDocumentChanges];
}
