/**
 * Code actions: the analysis layer's fixes, as quick fixes on the diagnostics they resolve and as
 * refactorings at the cursor. Preferred fixes (provably safe) are marked, so "Auto Fix" applies them.
 */
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Connection,
  Diagnostic,
  TextDocumentEdit,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { DIAGNOSTIC_SOURCE, DiagnosticData } from '../protocol';
import { allowCommentEdit } from '../lints/allowComment';
import { Analysis, AnalysisFix, DocumentStore } from './documents';
import { Pos, Span } from '../text/sourceText';

export class CodeActionsFeature {
  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
    private readonly documentChanges: () => boolean,
  ) {}

  register(): void {
    this.connection.onCodeAction((params) => this.provide(params));
  }

  async provide(params: CodeActionParams): Promise<CodeAction[]> {
    const analysis = await this.documents.analysis(params.textDocument.uri);
    if (!analysis) {
      return [];
    }
    return codeActions(analysis, params, this.documentChanges());
  }
}

export function codeActions(
  analysis: Analysis,
  params: CodeActionParams,
  documentChanges: boolean,
): CodeAction[] {
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const ours = params.context.diagnostics
    .map((diagnostic) => ({ diagnostic, data: ourData(diagnostic) }))
    .filter((d) => d.data !== null);
  const refactor = wants(CodeActionKind.RefactorRewrite);
  if (!refactor && !(wants(CodeActionKind.QuickFix) && ours.length)) {
    return [];
  }
  const fixes = analysis.fixes();
  const actions: CodeAction[] = [];
  const offered = new Set<string>();

  if (wants(CodeActionKind.QuickFix)) {
    for (const { diagnostic, data } of ours) {
      for (const fix of orderFixes(fixes.filter((f) => resolves(f, data!, diagnostic.code)))) {
        actions.push(
          toAction(fix, analysis, CodeActionKind.QuickFix, [diagnostic], documentChanges),
        );
        offered.add(fix.id);
      }
    }
    // Last, as the least wanted: silence it with a comment.
    const allowed = new Set<string>();
    for (const { diagnostic } of ours) {
      const key = `${diagnostic.code}:${diagnostic.range.start.line}`;
      if (typeof diagnostic.code === 'string' && !allowed.has(key)) {
        allowed.add(key);
        actions.push(allowAction(analysis, diagnostic, diagnostic.code, documentChanges));
      }
    }
  }
  if (refactor) {
    const touching = fixes.filter((fix) => touches(fix, params.range));
    const ids = new Set(touching.map((fix) => fix.id));
    const extra = refactoringsAt(analysis, params.range).filter((fix) => !ids.has(fix.id));
    for (const fix of orderFixes([...touching, ...extra])) {
      if (!offered.has(fix.id)) {
        actions.push(
          toAction(fix, analysis, CodeActionKind.RefactorRewrite, undefined, documentChanges),
        );
      }
    }
  }
  return actions;
}

/**
 * Move, Drop and Box for the held bindings declared in the range, also where no diagnostic is
 * shown. Planned only when the report holds such a binding there, so a cursor on any other line
 * costs nothing.
 */
function refactoringsAt(analysis: Analysis, range: Span): AnalysisFix[] {
  const from = range.start.line;
  const to = range.end.line;
  const held = analysis.report.futures.some((future) =>
    future.awaits.some((a) =>
      a.held.some(
        (h) =>
          (h.kind === 'binding' || h.kind === 'argument') &&
          h.name !== null &&
          h.line - 1 >= from &&
          h.line - 1 <= to,
      ),
    ),
  );
  return held ? analysis.refactorings(from, to) : [];
}

function ourData(diagnostic: Diagnostic): DiagnosticData | null {
  const data = diagnostic.data as Partial<DiagnosticData> | undefined;
  if (diagnostic.source !== DIAGNOSTIC_SOURCE || !data || typeof data.future !== 'string') {
    return null;
  }
  return {
    id: String(data.id),
    future: data.future,
    target: data.target ?? null,
    futureAt: data.futureAt,
  };
}

/** "Allow `CODE` here": `// rust-future-size: allow(CODE)` above the diagnostic's line, indented like it. */
function allowAction(
  analysis: Analysis,
  diagnostic: Diagnostic,
  code: string,
  documentChanges: boolean,
): CodeAction {
  const eol = analysis.source.text.includes('\r\n') ? '\r\n' : '\n';
  const insertion = allowCommentEdit(analysis.source.lines, diagnostic.range.start.line, code, eol);
  const edits = [
    TextEdit.replace({ start: insertion.start, end: insertion.end }, insertion.newText),
  ];
  return {
    title: `Allow \`${code}\` here`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: workspaceEdit(analysis, edits, documentChanges),
  };
}

function workspaceEdit(
  analysis: Analysis,
  edits: TextEdit[],
  documentChanges: boolean,
): WorkspaceEdit {
  return documentChanges
    ? {
        documentChanges: [
          TextDocumentEdit.create({ uri: analysis.uri, version: analysis.version }, edits),
        ],
      }
    : { changes: { [analysis.uri]: edits } };
}

/**
 * A fix resolves a diagnostic about its target value, or any diagnostic about a whole future it
 * shrinks; a `large-future` diagnostic also lists the `Box::pin` fixes of that future where it is
 * awaited or handed over, as its message recommends.
 */
function resolves(fix: AnalysisFix, data: DiagnosticData, code: Diagnostic['code']): boolean {
  if (code === 'large-future' && fix.pinned && data.target === null) {
    const pinnedHere = data.futureAt
      ? fix.pinned.line === data.futureAt.line && fix.pinned.column === data.futureAt.column
      : fix.pinned.name === data.future;
    if (pinnedHere) {
      return true;
    }
  }
  // Names differ between a file's own analysis and the crate's (`read` vs `net::read`); positions do not.
  const sameFuture =
    data.futureAt && fix.futureAt
      ? fix.futureAt.line === data.futureAt.line && fix.futureAt.column === data.futureAt.column
      : fix.futureName === data.future;
  if (!sameFuture) {
    return false;
  }
  return (
    data.target === null ||
    (fix.target.line === data.target.line && fix.target.column === data.target.column)
  );
}

/** Preferred first (the scope-and-drop block), then by expected saving. */
function orderFixes(fixes: AnalysisFix[]): AnalysisFix[] {
  const rank: Record<AnalysisFix['kind'], number> = {
    'wrap-in-block': 0,
    'drop-before-await': 1,
    'box-value': 2,
    'box-pin-future': 3,
  };
  return [...fixes].sort(
    (a, b) =>
      Number(b.preferred) - Number(a.preferred) ||
      rank[a.kind] - rank[b.kind] ||
      (b.expectedSaving ?? 0) - (a.expectedSaving ?? 0),
  );
}

/** The cursor (or selection) is on the fix's target line or inside one of its edits. */
function touches(fix: AnalysisFix, range: Span): boolean {
  const targetLine = fix.target.line - 1;
  if (range.start.line <= targetLine && targetLine <= range.end.line) {
    return true;
  }
  return fix.edits.some((edit) =>
    overlaps({ start: toPos(edit.start), end: toPos(edit.end) }, range),
  );
}

function overlaps(a: Span, b: Span): boolean {
  return !(before(a.end, b.start) || before(b.end, a.start));
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function toPos(p: { row: number; column: number }): Pos {
  return { line: p.row, character: p.column };
}

function toAction(
  fix: AnalysisFix,
  analysis: Analysis,
  kind: CodeActionKind,
  diagnostics: Diagnostic[] | undefined,
  documentChanges: boolean,
): CodeAction {
  const edits = fix.edits.map((e) =>
    TextEdit.replace({ start: toPos(e.start), end: toPos(e.end) }, e.newText),
  );
  const action: CodeAction = {
    title: fix.title,
    kind,
    edit: workspaceEdit(analysis, edits, documentChanges),
  };
  if (diagnostics) {
    action.diagnostics = diagnostics;
  }
  if (fix.preferred) {
    action.isPreferred = true;
  }
  return action;
}
