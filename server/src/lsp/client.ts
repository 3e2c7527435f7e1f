/**
 * What the client told the server: the capabilities and folders of `initialize`, and the workspace
 * trust it reports then and later. Features are constructed with the session and read it when they
 * need it, or subscribe to its events, instead of being handed each capability through a setter.
 */
import { fileURLToPath } from 'url';
import { Emitter, InitializeParams } from 'vscode-languageserver/node';
import type { InitializationOptions } from '../protocol';

export interface ClientSupport {
  /** Inlay hint tooltips come on `inlayHint/resolve` (`resolveSupport` includes `tooltip`). */
  lazyTooltips: boolean;
  /** `workspace/configuration`: settings can be pulled. */
  pullConfiguration: boolean;
  /** Configuration-change and watched-file notifications can be registered dynamically. */
  configurationChanges: boolean;
  watchedFiles: boolean;
  /** Workspace edits may carry versioned `documentChanges`. */
  documentChanges: boolean;
  /** `workspace/inlayHint/refresh`. */
  inlayHintRefresh: boolean;
  /** `window/workDoneProgress`. */
  progress: boolean;
  relatedInformation: boolean;
  codeDescription: boolean;
  /** Code actions may be literals with a kind. */
  codeActionLiterals: boolean;
}

const NOTHING_SUPPORTED: ClientSupport = {
  lazyTooltips: false,
  pullConfiguration: false,
  configurationChanges: false,
  watchedFiles: false,
  documentChanges: false,
  inlayHintRefresh: false,
  progress: false,
  relatedInformation: false,
  codeDescription: false,
  codeActionLiterals: false,
};

/** The workspace the client opened: its first folder's URI, and the file-system paths of all. */
export interface ClientWorkspace {
  folderUri: string | null;
  /** The first folder's path: paths in messages are shown relative to it. */
  root: string | null;
  folders: string[];
}

export class ClientSession {
  private current: ClientSupport = NOTHING_SUPPORTED;
  private currentWorkspace: ClientWorkspace = { folderUri: null, root: null, folders: [] };
  private isTrusted = true;
  private wantsStatus = false;
  private cacheFolder: string | null = null;
  private readonly initialized = new Emitter<ClientSupport>();
  private readonly trustChanged = new Emitter<boolean>();
  /** Fires once, with what the client supports, while `initialize` is answered. */
  readonly onDidInitialize = this.initialized.event;
  /** Fires when the workspace's trust changes. */
  readonly onDidChangeTrust = this.trustChanged.event;

  get supports(): ClientSupport {
    return this.current;
  }

  get workspace(): ClientWorkspace {
    return this.currentWorkspace;
  }

  /** Whether the workspace is trusted (untrusted ones do not run cargo). */
  get trusted(): boolean {
    return this.isTrusted;
  }

  /** Whether the client asked for `rustFutureSize/serverStatus` notifications. */
  get wantsServerStatus(): boolean {
    return this.wantsStatus;
  }

  /** Where dependencies' indexed items may be kept across sessions; null: nowhere. */
  get cacheDir(): string | null {
    return this.cacheFolder;
  }

  /** Reads `initialize`'s parameters and tells the subscribers. */
  initialize(params: InitializeParams): ClientSupport {
    const caps = params.capabilities;
    this.current = {
      lazyTooltips: !!caps.textDocument?.inlayHint?.resolveSupport?.properties.includes('tooltip'),
      pullConfiguration: !!caps.workspace?.configuration,
      configurationChanges: !!caps.workspace?.didChangeConfiguration?.dynamicRegistration,
      watchedFiles: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
      documentChanges: !!caps.workspace?.workspaceEdit?.documentChanges,
      inlayHintRefresh: !!caps.workspace?.inlayHint?.refreshSupport,
      progress: !!caps.window?.workDoneProgress,
      relatedInformation: !!caps.textDocument?.publishDiagnostics?.relatedInformation,
      codeDescription: !!caps.textDocument?.publishDiagnostics?.codeDescriptionSupport,
      codeActionLiterals: !!caps.textDocument?.codeAction?.codeActionLiteralSupport,
    };
    const folderUri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? null;
    const uris =
      params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.currentWorkspace = {
      folderUri,
      root: folderUri?.startsWith('file:') ? fileURLToPath(folderUri) : null,
      folders: uris.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)),
    };
    const options = params.initializationOptions as InitializationOptions | undefined;
    this.isTrusted = options?.workspaceTrusted !== false;
    this.wantsStatus = options?.serverStatus === true;
    const cacheDir = options?.cacheDir;
    this.cacheFolder = typeof cacheDir === 'string' && cacheDir !== '' ? cacheDir : null;
    this.initialized.fire(this.current);
    return this.current;
  }

  /** The client's workspace-trust notification. */
  setTrusted(trusted: boolean): void {
    if (trusted !== this.isTrusted) {
      this.isTrusted = trusted;
      this.trustChanged.fire(trusted);
    }
  }
}
