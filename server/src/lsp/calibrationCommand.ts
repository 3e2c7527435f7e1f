/**
 * "Measure Exact Sizes with rustc" (`rustFutureSize.measureExactSizes`): builds the crate of a
 * document once with `-Zprint-type-sizes` (`workspace/calibrate.ts`), stores rustc's sizes under its
 * target directory and hands them to the crate index, so unchanged futures show measured sizes.
 *
 * It runs `cargo`, so build scripts and procedural macros: only on request (the command, or
 * `calibration.onSave` for a saved file), and never in an untrusted workspace. Progress goes to the
 * client's token when the request has one (VS Code's notification with its Cancel button, which
 * cancels the request), else to a progress the server creates (cancellable with
 * `window/workDoneProgress/cancel`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CancellationToken,
  Connection,
  ExecuteCommandParams,
  ExecuteCommandRequest,
  ResponseError,
  ErrorCodes,
  WorkDoneProgressReporter,
  WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { findCrateRoot } from '../project/crateLayout';
import { Commands, MeasureExactSizesArgs, MeasureExactSizesResult } from '../protocol';
import { CrateRunner } from './crateRunner';
import { DocumentStore, filePathOf } from './documents';
import { SettingsStore } from './settings';
import { WorkspaceIndex } from './workspace';
import type { ClientSession } from './client';

const ON_SAVE_DEBOUNCE_MS = 1500;

export const UNTRUSTED_MESSAGE =
  "rust-future-size: Measure Exact Sizes with rustc is disabled in untrusted workspaces: it builds the crate with cargo, which runs the crate's build scripts and procedural macros. Trust the workspace to use it.";

interface Progress {
  reporter: WorkDoneProgressReporter;
  /** Set for a progress the server created: its Cancel. */
  cancel?: CancellationToken;
}

export class CalibrationFeature {
  private readonly running = new Set<string>();
  private readonly saveTimers = new Map<string, NodeJS.Timeout>();
  private readonly saveAgain = new Set<string>();
  private readonly lastSaveError = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
    private readonly settings: SettingsStore,
    private readonly workspace: WorkspaceIndex,
    private readonly runner: CrateRunner,
    private readonly client: ClientSession,
  ) {
    client.onDidInitialize(() => {
      if (!client.trusted) {
        this.logTrust(false);
      }
    });
    client.onDidChangeTrust((trusted) => this.logTrust(trusted));
  }

  private logTrust(trusted: boolean): void {
    const state = trusted ? 'trusted' : 'not trusted';
    this.connection.console.log(`[calibration] the workspace is ${state}`);
  }

  register(): void {
    // Not onExecuteCommand: it drops `workDoneToken`, and the progress goes to the client's token when there is one.
    this.connection.onRequest(ExecuteCommandRequest.type, (params, token) =>
      this.execute(params, token),
    );
    this.documents.documents.onDidSave((e) => void this.saved(e.document.uri));
  }

  dispose(): void {
    for (const timer of this.saveTimers.values()) {
      clearTimeout(timer);
    }
  }

  private async execute(
    params: ExecuteCommandParams,
    token: CancellationToken,
  ): Promise<MeasureExactSizesResult> {
    if (params.command !== Commands.measureExactSizes) {
      throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${params.command}`);
    }
    const refuse = (error: string): MeasureExactSizesResult => {
      void this.connection.window.showErrorMessage(error);
      return { ok: false, error };
    };
    if (!this.client.trusted) {
      this.connection.console.warn('[calibration] REFUSED: the workspace is not trusted');
      return refuse(UNTRUSTED_MESSAGE);
    }
    const uri = uriArgument(params.arguments);
    const crate = this.crateFor(uri);
    if (!crate) {
      return refuse(
        uri
          ? `rust-future-size: ${path.basename(filePathOf(uri))} is not part of a Cargo package (no Cargo.toml with a [package] above it), so there is nothing to measure.`
          : 'rust-future-size: open a Rust file of the crate to measure, then run Measure Exact Sizes with rustc again.',
      );
    }
    const progress = await this.progress(params.workDoneToken);
    return this.measure(crate, uri ?? null, progress, token, true);
  }

  private crateFor(uri: string | undefined): { root: string; name: string } | undefined {
    if (uri) {
      const known = this.workspace.crateOf(uri);
      if (known) {
        return known;
      }
      const root = uri.startsWith('file:') ? findCrateRoot(filePathOf(uri)) : null;
      return root ? { root, name: path.basename(root) } : undefined;
    }
    const crates = this.workspace.allCrates();
    return crates.length === 1 ? crates[0] : undefined;
  }

  private async progress(clientToken: string | number | undefined): Promise<Progress | null> {
    if (clientToken !== undefined) {
      return { reporter: this.connection.window.attachWorkDoneProgress(clientToken) };
    }
    if (!this.client.supports.progress) {
      return null;
    }
    try {
      const reporter: WorkDoneProgressServerReporter =
        await this.connection.window.createWorkDoneProgress();
      return { reporter, cancel: reporter.token };
    } catch {
      return null;
    }
  }

  private async measure(
    crate: { root: string; name: string },
    uri: string | null,
    progress: Progress | null,
    token: CancellationToken | undefined,
    interactive: boolean,
  ): Promise<MeasureExactSizesResult> {
    if (this.running.has(crate.root)) {
      progress?.reporter.done();
      const error = `rust-future-size: \`${crate.name}\` is already being measured.`;
      if (interactive) {
        void this.connection.window.showInformationMessage(error);
      }
      return { ok: false, error };
    }
    this.running.add(crate.root);
    const added = ensureCargoOnPath();
    if (added) {
      this.connection.console.log(`[calibration] cargo is not on the PATH; using ${added}`);
    }
    const abort = new AbortController();
    token?.onCancellationRequested(() => abort.abort());
    progress?.cancel?.onCancellationRequested(() => abort.abort());
    const settings = await this.settings.get(
      uri ??
        this.documents.all().find((d) => this.workspace.crateOf(d.uri)?.root === crate.root)?.uri ??
        '',
    );
    progress?.reporter.begin(
      `Measuring ${crate.name} with rustc`,
      undefined,
      'starting cargo',
      true,
    );
    const started = Date.now();
    this.connection.console.log(
      `[calibration] measuring ${crate.name} (${crate.root})${settings.calibration.allowRustcBootstrap ? ', RUSTC_BOOTSTRAP=1 allowed' : ''}`,
    );
    try {
      const result = await this.runner.calibrate(crate.root, {
        allowBootstrap: settings.calibration.allowRustcBootstrap,
        signal: abort.signal,
        onProgress: (message) => {
          this.connection.console.log(`[calibration] ${message}`);
          progress?.reporter.report(message);
        },
      });
      if (abort.signal.aborted) {
        this.connection.console.log(
          `[calibration] ${crate.name}: cancelled; the previous measurements are kept`,
        );
        return { ok: false, cancelled: true, error: 'cancelled' };
      }
      if (!result.ok) {
        this.connection.console.warn(`[calibration] FAILED for ${crate.name}: ${result.error}`);
        const message = `rust-future-size: cannot measure \`${crate.name}\`: ${result.error}. The previous measurements are kept.`;
        if (interactive || this.lastSaveError.get(crate.root) !== result.error) {
          void this.connection.window.showErrorMessage(message);
        }
        if (!interactive) {
          this.lastSaveError.set(crate.root, result.error);
        }
        return { ok: false, error: result.error };
      }
      this.lastSaveError.delete(crate.root);
      this.connection.console.log(
        `[calibration] ${crate.name}: ${result.measured} of ${result.total} futures measured with ${result.data.rustc} in ${Date.now() - started} ms; stored in ${result.file}`,
      );
      this.workspace.applyCalibration(crate.root, result.data, result.file);
      if (interactive) {
        void this.connection.window.showInformationMessage(
          `rust-future-size: measured ${result.measured} of ${result.total} futures of \`${crate.name}\` with ${result.data.rustc}; their hints say (measured) until they are edited.`,
        );
      }
      return {
        ok: true,
        crate: crate.name,
        file: result.file,
        measured: result.measured,
        total: result.total,
        rustc: result.data.rustc,
      };
    } finally {
      this.running.delete(crate.root);
      progress?.reporter.done();
    }
  }

  private async saved(uri: string): Promise<void> {
    const crate = this.workspace.crateOf(uri);
    if (!crate) {
      return;
    }
    const settings = await this.settings.get(uri);
    if (!settings.calibration.onSave) {
      return;
    }
    if (!this.client.trusted) {
      this.connection.console.log(
        '[calibration] not measuring on save: the workspace is not trusted',
      );
      return;
    }
    clearTimeout(this.saveTimers.get(crate.root));
    this.saveTimers.set(
      crate.root,
      setTimeout(() => {
        this.saveTimers.delete(crate.root);
        void this.measureOnSave(crate, uri);
      }, ON_SAVE_DEBOUNCE_MS),
    );
  }

  private async measureOnSave(crate: { root: string; name: string }, uri: string): Promise<void> {
    if (this.running.has(crate.root)) {
      this.saveAgain.add(crate.root);
      return;
    }
    await this.measure(crate, uri, await this.progress(undefined), undefined, false);
    if (this.saveAgain.delete(crate.root) && this.workspace.crateOf(uri)) {
      void this.measureOnSave(crate, uri);
    }
  }
}

/**
 * Editors started from a desktop launcher often lack the shell's PATH, and with it `~/.cargo/bin`.
 * Like rust-analyzer, look in `$CARGO_HOME/bin` and `~/.cargo/bin` when cargo is not on the PATH;
 * returns the folder added to this process's PATH, if any.
 */
export function ensureCargoOnPath(): string | null {
  const exe = process.platform === 'win32' ? 'cargo.exe' : 'cargo';
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (dirs.some((dir) => isFile(path.join(dir, exe)))) {
    return null;
  }
  const candidates = [
    process.env.CARGO_HOME ? path.join(process.env.CARGO_HOME, 'bin') : null,
    path.join(os.homedir(), '.cargo', 'bin'),
  ];
  const found = candidates.find((dir): dir is string => !!dir && isFile(path.join(dir, exe)));
  if (!found) {
    return null;
  }
  process.env.PATH = [found, ...dirs].join(path.delimiter);
  return found;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function uriArgument(args: unknown[] | undefined): string | undefined {
  const first = args?.[0];
  if (typeof first === 'string') {
    return first;
  }
  if (
    first &&
    typeof first === 'object' &&
    typeof (first as MeasureExactSizesArgs).uri === 'string'
  ) {
    return (first as MeasureExactSizesArgs).uri;
  }
  return undefined;
}
