/**
 * What the server is doing, told to a client that asks for it (`rustFutureSize/serverStatus`, for
 * VS Code's status bar item): starting until the parser has loaded, then indexing or measuring
 * while a crate job or a calibration run is under way (measuring first: it takes longer), else
 * idle; with the last error the server logged. Dependencies indexed in the background
 * (`dependencyIndexer.ts`) count as indexing too, told as "indexing dependencies 12/85" when no
 * crate is being indexed. A notification goes out only when this changes.
 */
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import type { Connection } from 'vscode-languageserver/node';
import { SERVER_STATUS_NOTIFICATION, type ServerStatusParams } from '../protocol';
import type { ClientSession } from './client';
import type { DependencyIndexProgress } from './dependencyIndexer';
import type { CrateActivity, ObservedCrateRunner } from './observedCrateRunner';

/** An error message is cut to this many characters: the tooltip is no log. */
const MAX_ERROR_CHARS = 300;
/**
 * Idle is told this long after the last job ends: an index reads the module tree, then the files,
 * then analyses them, and the gaps between those jobs would make the item flicker.
 */
export const IDLE_DELAY_MS = 150;

export class ServerStatus {
  private loaded = false;
  private initialized = false;
  private readonly activities = new Map<number, CrateActivity>();
  private readonly messages = new Map<number, string>();
  private lastError: ServerStatusParams['lastError'] = null;
  private readonly missing = new Set<string>();
  private lastSent: ServerStatusParams | null = null;
  private dependencies: DependencyIndexProgress | null = null;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly client: ClientSession,
    runner: ObservedCrateRunner,
    private readonly crateName: (root: string) => string | undefined,
  ) {
    runner.onDidStart((activity) => {
      this.activities.set(activity.id, activity);
      this.update();
    });
    runner.onDidProgress(({ activity, message }) => {
      this.messages.set(activity.id, message);
      this.update();
    });
    runner.onDidEnd(({ activity, error }) => {
      this.activities.delete(activity.id);
      this.messages.delete(activity.id);
      if (error !== undefined) {
        const what = activity.kind === 'calibrate' ? 'measuring' : 'indexing';
        this.recordError(`${what} ${this.nameOf(activity.root)} failed: ${error}`);
      } else {
        this.update();
      }
    });
  }

  /** The client has sent `initialized`: notifications may go out from now on. */
  clientInitialized(): void {
    this.initialized = true;
    this.update();
  }

  /** The parser has loaded (or failed to: that is an error of its own). */
  parserLoaded(): void {
    this.loaded = true;
    this.update();
  }

  /** An error the server logged; it stays in the status until a newer one replaces it. */
  recordError(message: string): void {
    const firstLine = message.split('\n', 1)[0];
    const short =
      firstLine.length > MAX_ERROR_CHARS
        ? `${firstLine.slice(0, MAX_ERROR_CHARS - 1)}…`
        : firstLine;
    this.lastError = { message: short, at: new Date().toISOString() };
    this.update();
  }

  /** A dependency without sources that a size needed (its notice): the status names it. */
  missingDependency(notice: string): void {
    const named = /dependency (.+); its types are not sized$/.exec(notice)?.[1] ?? notice;
    if (!this.missing.has(named)) {
      this.missing.add(named);
      this.update();
    }
  }

  /** How far the background indexing of dependencies is; null once it ended. */
  dependencyIndexing(progress: DependencyIndexProgress | null): void {
    this.dependencies = progress && { indexed: progress.indexed, total: progress.total };
    this.update();
  }

  /** The status as it stands. */
  current(): ServerStatusParams {
    const missing = this.missing.size > 0 ? { missingDependencies: [...this.missing] } : {};
    const dependencies = this.dependencies ? { dependencies: this.dependencies } : {};
    return { ...this.currentState(), ...missing, ...dependencies };
  }

  private currentState(): ServerStatusParams {
    const lastError = this.lastError;
    if (!this.loaded) {
      return { state: 'starting', lastError };
    }
    const running = [...this.activities.values()];
    const measuring = running.find((a) => a.kind === 'calibrate');
    if (measuring) {
      const message = this.messages.get(measuring.id);
      return { state: 'measuring', crate: this.nameOf(measuring.root), message, lastError };
    }
    const indexing =
      running.find((a) => a.kind === 'analyze') ?? running.find((a) => a.kind === 'layout');
    if (indexing) {
      const files = indexing.files;
      const message = files === undefined ? 'reading the module tree' : `analysing ${files} files`;
      return { state: 'indexing', crate: this.nameOf(indexing.root), files, message, lastError };
    }
    if (this.dependencies) {
      const { indexed, total } = this.dependencies;
      return { state: 'indexing', message: `indexing dependencies ${indexed}/${total}`, lastError };
    }
    return { state: 'idle', lastError };
  }

  private update(): void {
    if (!this.initialized || !this.client.wantsServerStatus) {
      return;
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const status = withoutUndefined(this.current());
    if (isDeepStrictEqual(status, this.lastSent)) {
      return;
    }
    if (status.state === 'idle' && this.lastSent && this.lastSent.state !== 'idle') {
      this.idleTimer = setTimeout(() => this.send(status), IDLE_DELAY_MS);
      this.idleTimer.unref();
      return;
    }
    this.send(status);
  }

  private send(status: ServerStatusParams): void {
    this.idleTimer = undefined;
    this.lastSent = status;
    // The client may be gone (shutdown): nothing to tell then.
    this.connection.sendNotification(SERVER_STATUS_NOTIFICATION, status).catch(() => undefined);
  }

  private nameOf(root: string): string {
    return this.crateName(root) ?? path.basename(root);
  }
}

/** The same status without its unset fields, as it arrives after a trip through JSON. */
function withoutUndefined(status: ServerStatusParams): ServerStatusParams {
  return Object.fromEntries(
    Object.entries(status).filter(([, value]) => value !== undefined),
  ) as unknown as ServerStatusParams;
}
