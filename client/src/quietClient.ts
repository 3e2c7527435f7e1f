/**
 * The language client, without the errors a normal stop writes to the log. vscode-languageclient
 * logs `[Error] Server process exited with code 0` whenever the server ends, restart included;
 * and while the client stops (Restart Server, closing the window), editor requests still arriving
 * fail with `Starting server failed` or `Client is not running`, each logged as an error with its
 * stack, and a connection that closes then may be restarted as if the server had crashed.
 * Those are the stop itself, not failures: logged at info level or not at all. Errors while the
 * server runs are logged, and the server restarted after a crash, as before.
 */
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  MessageSignature,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import type { CancellationToken } from 'vscode';

/** How the client reports an exit it asked for (the server exits with 0 after `exit`). */
const NORMAL_EXIT = /^Server process exited with code 0\.?$/;
/** Logged when the connection closes; expected while stopping. */
const CONNECTION_CLOSED = /^Connection to server got closed\./;

export class QuietLanguageClient extends LanguageClient {
  /** Set from `stop()` until it has finished: what fails meanwhile is the stop's doing. */
  private stopping = false;
  private readonly errors: string[] = [];
  private readonly defaultErrors: ErrorHandler;

  constructor(
    id: string,
    name: string,
    serverOptions: ServerOptions,
    clientOptions: LanguageClientOptions,
  ) {
    // The handler is given before the client exists; it asks the client once it does.
    const owner: { client?: QuietLanguageClient } = {};
    const errorHandler: ErrorHandler = {
      error: (error, message, count) => owner.client!.connectionError(error, message, count),
      closed: () => owner.client!.connectionClosed(),
    };
    super(id, name, serverOptions, { ...clientOptions, errorHandler });
    owner.client = this;
    this.defaultErrors = this.createDefaultErrorHandler(
      clientOptions.connectionOptions?.maxRestartCount,
    );
  }

  /** The errors this client has logged, oldest first (for the extension's tests). */
  get loggedErrors(): readonly string[] {
    return this.errors;
  }

  override async stop(timeout?: number): Promise<void> {
    this.stopping = true;
    try {
      await super.stop(timeout);
    } finally {
      this.stopping = false;
    }
  }

  override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
    if (NORMAL_EXIT.test(message) || (this.stopping && CONNECTION_CLOSED.test(message))) {
      this.info(message, data, false);
      return;
    }
    this.errors.push(message);
    super.error(message, data, showNotification);
  }

  override handleFailedRequest<T>(
    type: MessageSignature,
    token: CancellationToken | undefined,
    error: unknown,
    defaultValue: T,
    showNotification?: boolean,
  ): T {
    // A request that meets a stopping or stopped server gets no answer, as a cancelled one.
    if (this.stopping || this.state !== State.Running) {
      return defaultValue;
    }
    return super.handleFailedRequest(type, token, error, defaultValue, showNotification);
  }

  private connectionError(
    error: Error,
    message: Message | undefined,
    count: number | undefined,
  ): ErrorHandlerResult | Promise<ErrorHandlerResult> {
    if (this.stopping) {
      return { action: ErrorAction.Continue, handled: true };
    }
    return this.defaultErrors.error(error, message, count);
  }

  private connectionClosed(): CloseHandlerResult | Promise<CloseHandlerResult> {
    if (this.stopping) {
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    return this.defaultErrors.closed();
  }
}
