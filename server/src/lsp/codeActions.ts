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
import type { Fix } from '../analysis/fixTypes';
import { DIAGNOSTIC_SOURCE, DiagnosticData } from '../protocol';
import { Analysis, DocumentStore } from './documents';
import { Pos, Span } from './sourceText';

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

export function codeActions(analysis: Analysis, params: CodeActionParams, documentChanges: boolean): CodeAction[] {
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const fixes = analysis.fixes();
  if (!fixes.length) {
    return [];
  }
  const actions: CodeAction[] = [];
  const offered = new Set<string>();

  if (wants(CodeActionKind.QuickFix)) {
    for (const diagnostic of params.context.diagnostics) {
      const data = ourData(diagnostic);
      if (!data) {
        continue;
      }
      for (const fix of orderFixes(fixes.filter((f) => resolves(f, data)))) {
        actions.push(toAction(fix, analysis, CodeActionKind.QuickFix, [diagnostic], documentChanges));
        offered.add(fix.id);
      }
    }
  }
  if (wants(CodeActionKind.RefactorRewrite)) {
    for (const fix of orderFixes(fixes)) {
      if (!offered.has(fix.id) && touches(fix, params.range)) {
        actions.push(toAction(fix, analysis, CodeActionKind.RefactorRewrite, undefined, documentChanges));
      }
    }
  }
  return actions;
}

function ourData(diagnostic: Diagnostic): DiagnosticData | null {
  const data = diagnostic.data as Partial<DiagnosticData> | undefined;
  if (diagnostic.source !== DIAGNOSTIC_SOURCE || !data || typeof data.future !== 'string') {
    return null;
  }
  return { id: String(data.id), future: data.future, target: data.target ?? null };
}

/** A fix resolves a diagnostic about its target value, or any diagnostic about a whole future it shrinks. */
function resolves(fix: Fix, data: DiagnosticData): boolean {
  if (fix.futureName !== data.future) {
    return false;
  }
  return data.target === null || (fix.target.line === data.target.line && fix.target.column === data.target.column);
}

/** Preferred first (the scope-and-drop block), then by expected saving. */
function orderFixes(fixes: Fix[]): Fix[] {
  const rank: Record<Fix['kind'], number> = { 'wrap-in-block': 0, 'drop-before-await': 1, 'box-value': 2, 'box-pin-future': 3 };
  return [...fixes].sort(
    (a, b) => Number(b.preferred) - Number(a.preferred) || rank[a.kind] - rank[b.kind] || (b.expectedSaving ?? 0) - (a.expectedSaving ?? 0),
  );
}

/** The cursor (or selection) is on the fix's target line or inside one of its edits. */
function touches(fix: Fix, range: Span): boolean {
  const targetLine = fix.target.line - 1;
  if (range.start.line <= targetLine && targetLine <= range.end.line) {
    return true;
  }
  return fix.edits.some((edit) => overlaps({ start: toPos(edit.start), end: toPos(edit.end) }, range));
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

function toAction(fix: Fix, analysis: Analysis, kind: CodeActionKind, diagnostics: Diagnostic[] | undefined, documentChanges: boolean): CodeAction {
  const edits = fix.edits.map((e) => TextEdit.replace({ start: toPos(e.start), end: toPos(e.end) }, e.newText));
  const edit: WorkspaceEdit = documentChanges
    ? { documentChanges: [TextDocumentEdit.create({ uri: analysis.uri, version: analysis.version }, edits)] }
    : { changes: { [analysis.uri]: edits } };
  const action: CodeAction = { title: fix.title, kind, edit };
  if (diagnostics) {
    action.diagnostics = diagnostics;
  }
  if (fix.preferred) {
    action.isPreferred = true;
  }
  return action;
}
