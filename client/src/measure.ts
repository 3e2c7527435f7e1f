/**
 * "Measure Exact Sizes with rustc". The command belongs to the server (`workspace/executeCommand`);
 * the language client registers it, and this middleware runs it the editor's way: refused with a
 * way out in an untrusted workspace, for the active Rust file's crate, and in a notification with
 * the server's progress and a Cancel button (which cancels the request, and so cargo).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExecuteCommandRequest, WorkDoneProgress } from 'vscode-languageclient/node';
import {
  Commands,
  MeasureExactSizesArgs,
  MeasureExactSizesResult,
} from '../../server/src/protocol';

const UNTRUSTED =
  "Measure Exact Sizes with rustc builds the crate with cargo, which runs the crate's build scripts and procedural macros, so it is disabled in untrusted workspaces.";

let runs = 0;

export async function measureExactSizes(
  client: LanguageClient,
  args: unknown[],
): Promise<MeasureExactSizesResult | undefined> {
  if (!vscode.workspace.isTrusted) {
    const choice = await vscode.window.showWarningMessage(UNTRUSTED, 'Manage Workspace Trust');
    if (choice) {
      await vscode.commands.executeCommand('workbench.trust.manage');
    }
    return undefined;
  }
  const target = uriArgument(args) ?? activeRustFile();
  if (!target) {
    void vscode.window.showInformationMessage(
      'Measure Exact Sizes with rustc: open a Rust file of the crate to measure.',
    );
    return undefined;
  }
  const uri = client.code2ProtocolConverter.asUri(target);
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Rust Future Size',
      cancellable: true,
    },
    async (progress, token) => {
      const workDoneToken = `rustFutureSize.measure.${process.pid}.${++runs}`;
      const subscription = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'begin') {
          progress.report({
            message: value.message ? `${value.title}: ${value.message}` : value.title,
          });
        } else if (value.kind === 'report' && value.message) {
          progress.report({ message: value.message });
        }
      });
      try {
        const args: MeasureExactSizesArgs = { uri };
        return await client.sendRequest(
          ExecuteCommandRequest.type,
          { command: Commands.measureExactSizes, arguments: [args], workDoneToken },
          token,
        );
      } catch (error) {
        if (!token.isCancellationRequested) {
          void vscode.window.showErrorMessage(
            `Measure Exact Sizes with rustc failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        return undefined;
      } finally {
        subscription.dispose();
      }
    },
  );
}

function uriArgument(args: unknown[]): vscode.Uri | undefined {
  const first = args[0];
  if (first instanceof vscode.Uri) {
    return first;
  }
  if (typeof first === 'string') {
    return vscode.Uri.parse(first);
  }
  return undefined;
}

function activeRustFile(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document?.languageId === 'rust' && document.uri.scheme === 'file'
    ? document.uri
    : undefined;
}
