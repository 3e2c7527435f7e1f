/**
 * Findings as LSP diagnostics, pushed after each analysis of an open document; on close, the
 * document's diagnostics become the crate index's (`workspaceDiagnostics.ts`) or none. What is
 * found, and at which level, is `lints/`'s; this file only converts.
 */
import type { ClientSession } from './client';
import { Connection, Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import { DIAGNOSTIC_SOURCE, DiagnosticData } from '../protocol';
import type { Finding } from '../lints/finding';
import { lintFile } from '../lints/registry';
import { Analysis, DocumentStore } from './documents';
import { Settings, SettingsStore } from './settings';

const SEVERITY: Record<
  Settings['diagnostics']['severity'][keyof Settings['diagnostics']['severity']],
  DiagnosticSeverity
> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticsOptions {
  /** README URL; each code is an anchor in it. */
  docsUrl: string;
  relatedInformation: boolean;
  codeDescription: boolean;
}

/** The findings of an analysis that its lint levels report and the settings let through. */
export function enabledFindings(
  analysis: Pick<Analysis, 'report' | 'source' | 'moduleAncestors'>,
  settings: Settings,
): Finding[] {
  if (!settings.diagnostics.enable) {
    return [];
  }
  const disabled = new Set<string>(settings.diagnostics.disabled);
  const ancestors = () => analysis.moduleAncestors();
  const findings = lintFile(analysis.report, analysis.source, settings, ancestors);
  return findings.filter((finding) => !disabled.has(finding.code));
}

/**
 * Under `#[deny]`/`#[forbid]` a finding is an error, as rustc and the CLI show it, whatever the
 * settings say; otherwise (no attribute, or `#[warn]`) it has the severity its code is set to.
 */
export function severityOf(finding: Finding, settings: Settings): DiagnosticSeverity {
  return finding.level === 'deny'
    ? DiagnosticSeverity.Error
    : SEVERITY[settings.diagnostics.severity[finding.code]];
}

export function toDiagnostic(
  finding: Finding,
  uri: string,
  settings: Settings,
  options: DiagnosticsOptions,
): Diagnostic {
  const data: DiagnosticData = {
    id: finding.id,
    future: finding.future.name,
    target: finding.target ? { line: finding.target.line, column: finding.target.column } : null,
    futureAt: { line: finding.future.line, column: finding.future.column },
  };
  const diagnostic: Diagnostic = {
    range: finding.span,
    severity: severityOf(finding, settings),
    code: finding.code,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    data,
  };
  if (options.codeDescription) {
    diagnostic.codeDescription = { href: `${options.docsUrl}#${finding.code}` };
  }
  if (options.relatedInformation && finding.related.length) {
    diagnostic.relatedInformation = finding.related.map((r) => ({
      location: { uri, range: r.span },
      message: r.message,
    }));
  }
  return diagnostic;
}

export class DiagnosticsFeature {
  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
    private readonly settings: SettingsStore,
    private readonly client: ClientSession,
    private readonly options: Omit<DiagnosticsOptions, 'relatedInformation' | 'codeDescription'>,
    private readonly closedFiles: { documentClosed(uri: string): Promise<void> },
  ) {}

  register(): void {
    this.documents.onDidAnalyse((analysis) => void this.publish(analysis));
    this.documents.documents.onDidClose(
      (e) => void this.closedFiles.documentClosed(e.document.uri),
    );
  }

  async diagnosticsFor(analysis: Analysis): Promise<Diagnostic[]> {
    const settings = await this.settings.get(analysis.uri);
    return enabledFindings(analysis, settings).map((finding) =>
      toDiagnostic(finding, analysis.uri, settings, {
        ...this.options,
        // What the client can show, known once it has started.
        relatedInformation: this.client.supports.relatedInformation,
        codeDescription: this.client.supports.codeDescription,
      }),
    );
  }

  private async publish(analysis: Analysis): Promise<void> {
    try {
      // Hints first: a keystroke that arrived meanwhile (its change and its hint request) is
      // answered before the lints of the file are run, and a superseded version is not linted.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (!this.documents.isCurrent(analysis)) {
        return;
      }
      const diagnostics = await this.diagnosticsFor(analysis);
      if (!this.documents.isCurrent(analysis)) {
        return;
      }
      await this.connection.sendDiagnostics({
        uri: analysis.uri,
        version: analysis.version,
        diagnostics,
      });
    } catch (error) {
      this.connection.console.error(
        `[diagnostics] FAILED for ${analysis.uri}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
}
