/**
 * "Show Future Layout": asks the server for the layout of the future at the cursor and shows it in
 * a read-only virtual document (`rust-future-layout:` URIs, highlighted by our TextMate grammar).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  FUTURE_LAYOUT_REQUEST,
  FutureLayoutParams,
  FutureLayoutResult,
  LAYOUT_LANGUAGE_ID,
  LAYOUT_SCHEME,
} from '../../server/src/protocol';

export class LayoutDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.registerTextDocumentContentProvider(LAYOUT_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === LAYOUT_SCHEME) {
          this.texts.delete(document.uri.toString());
        }
      }),
      this.changed,
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      '// The layout is no longer available; run "Show Future Layout" again.\n'
    );
  }

  /**
   * Opens (or refreshes) the layout document of the future at the active editor's cursor, or at
   * `at` (a future's inlay hint passes where its future starts).
   */
  async showAtCursor(at?: FutureLayoutParams): Promise<vscode.TextDocument | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!at && (!editor || editor.document.languageId !== 'rust')) {
      void vscode.window.showInformationMessage(
        'Show Future Layout: open a Rust file and put the cursor inside an async fn.',
      );
      return undefined;
    }
    const params: FutureLayoutParams = at ?? {
      textDocument: { uri: editor!.document.uri.toString() },
      position: {
        line: editor!.selection.active.line,
        character: editor!.selection.active.character,
      },
    };
    let result: FutureLayoutResult;
    try {
      result = await this.client.sendRequest<FutureLayoutResult>(FUTURE_LAYOUT_REQUEST, params);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Show Future Layout failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
    if (!result) {
      void vscode.window.showInformationMessage(
        'Show Future Layout: the cursor is not inside an async fn, async block or async closure.',
      );
      return undefined;
    }
    const uri = vscode.Uri.from({
      scheme: LAYOUT_SCHEME,
      path: `/${result.name.replace(/[/\\?#]/g, '_')}.future-layout`,
    });
    this.texts.set(uri.toString(), result.text);
    this.changed.fire(uri);
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== LAYOUT_LANGUAGE_ID) {
      document = await vscode.languages.setTextDocumentLanguage(document, LAYOUT_LANGUAGE_ID);
    }
    await vscode.window.showTextDocument(document, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
    });
    return document;
  }
}
