/**
 * The status bar item: what the server is doing (starting, indexing a crate and how many files,
 * measuring with rustc, idle, stopped) as the server tells it (`rustFutureSize/serverStatus`) and
 * the client's own state says, with the last error until the user has looked at the log. Clicking
 * it offers the log and the commands.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import {
  Commands,
  SERVER_STATUS_NOTIFICATION,
  SETTINGS_SECTION,
  type ServerStatusParams,
} from '../../server/src/protocol';

/** The command the item runs; registered here, not contributed (it is the item's menu). */
export const STATUS_MENU_COMMAND = 'rustFutureSize.statusMenu';

const NAME = 'Future Size';

interface MenuItem extends vscode.QuickPickItem {
  run: () => unknown;
}

export class ServerStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'rustFutureSize.status',
    vscode.StatusBarAlignment.Left,
  );
  private status: ServerStatusParams | null = null;
  private clientState: State = State.Starting;
  /** When the last error the user has seen (by opening the log) happened. */
  private seenErrorAt: string | null = null;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly output: vscode.OutputChannel,
  ) {
    this.item.name = 'Rust Future Size';
    this.item.command = STATUS_MENU_COMMAND;
    this.subscriptions.push(
      vscode.commands.registerCommand(STATUS_MENU_COMMAND, () => this.showMenu()),
      client.onDidChangeState(({ newState }) => {
        this.clientState = newState;
        if (newState !== State.Running) {
          // A new server process starts from nothing.
          this.status = null;
        }
        this.render();
      }),
      client.onNotification(SERVER_STATUS_NOTIFICATION, (params: ServerStatusParams) => {
        this.status = params;
        this.render();
      }),
    );
    this.render();
    this.item.show();
  }

  /** What the item shows (for the extension's tests). */
  get shown(): { text: string; tooltip: string } {
    const tooltip = this.item.tooltip;
    return {
      text: this.item.text,
      tooltip: typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? ''),
    };
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }

  private render(): void {
    const { icon, detail, lines } = this.describe();
    const error = this.unseenError();
    this.item.text = `${error ? '$(warning)' : icon} ${NAME}${detail ? `: ${detail}` : ''}`;
    this.item.backgroundColor = error
      ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
    const tooltip = ['**Rust Future Size**', ...lines];
    const indexing = this.status?.dependencies;
    if (indexing) {
      tooltip.push(`Indexing dependencies ${indexing.indexed}/${indexing.total}.`);
    }
    const missing = this.status?.missingDependencies ?? [];
    if (missing.length > 0) {
      tooltip.push(`Without sources (their types are lower bounds): ${missing.join('; ')}`);
    }
    if (this.status?.lastError) {
      const { message, at } = this.status.lastError;
      tooltip.push(`Last error (${new Date(at).toLocaleTimeString()}): ${message}`);
    }
    tooltip.push('Click for the log and the commands.');
    this.item.tooltip = new vscode.MarkdownString(tooltip.join('\n\n'));
  }

  /** The icon, the words after the name, and the tooltip's lines, from the state. */
  private describe(): { icon: string; detail: string; lines: string[] } {
    if (this.clientState === State.Stopped) {
      return { icon: '$(circle-slash)', detail: 'stopped', lines: ['The server is stopped.'] };
    }
    const status = this.status;
    if (this.clientState === State.Starting || !status || status.state === 'starting') {
      return { icon: '$(loading~spin)', detail: 'starting', lines: ['The server is starting.'] };
    }
    const crate = status.crate ? ` \`${status.crate}\`` : '';
    const message = status.message ? `: ${status.message}` : '';
    switch (status.state) {
      case 'indexing': {
        const dependencies = status.dependencies;
        return {
          icon: '$(sync~spin)',
          detail:
            status.files !== undefined
              ? `indexing ${status.files} files`
              : !status.crate && dependencies
                ? `indexing dependencies ${dependencies.indexed}/${dependencies.total}`
                : 'indexing',
          lines: status.crate || !dependencies ? [`Indexing${crate}${message}.`] : [],
        };
      }
      case 'measuring':
        return {
          icon: '$(sync~spin)',
          detail: 'measuring',
          lines: [`Measuring${crate} with rustc${message}.`],
        };
      default:
        return {
          icon: '$(check)',
          detail: '',
          lines: ['Idle: hints and diagnostics are up to date.'],
        };
    }
  }

  private unseenError(): boolean {
    const error = this.status?.lastError;
    return !!error && error.at !== this.seenErrorAt;
  }

  private async showMenu(): Promise<void> {
    const items: MenuItem[] = [
      { label: '$(output) Show Log', run: () => this.showLog() },
      {
        label: '$(debug-restart) Restart Server',
        run: () => vscode.commands.executeCommand(Commands.restartServer),
      },
      {
        label: '$(beaker) Measure Exact Sizes with rustc',
        run: () => vscode.commands.executeCommand(Commands.measureExactSizes),
      },
      {
        label: '$(settings-gear) Settings',
        run: () =>
          vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_SECTION),
      },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: 'Rust Future Size' });
    await picked?.run();
  }

  private showLog(): void {
    this.seenErrorAt = this.status?.lastError?.at ?? this.seenErrorAt;
    this.output.show(true);
    this.render();
  }
}
