/**
 * Open documents and their analyses. Each change schedules an analysis after a short debounce; a
 * request that needs the analysis of the current version before then gets it computed at once.
 * One analysis per uri+version is kept, so hints, hovers, diagnostics and code actions all read the
 * same FileReport.
 */
import { fileURLToPath } from 'url';
import { Connection, Emitter, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeSource, Edition } from '../analysis/engine';
import type { Fix } from '../analysis/fixTypes';
import type { FileReport } from '../analysis/report';
import { DEFAULT_EDITION, EditionResolver } from '../cli/edition';
import { fixesFor } from './fixSource';
import { SettingsStore } from './settings';
import { SourceText } from './sourceText';

/** An editor keystroke can afford less than a batch run. */
const PARSE_BUDGET_MS = 1000;
/** Delay between an edit and its analysis; opening a document analyses it right away. */
export const CHANGE_DEBOUNCE_MS = 200;

export interface Analysis {
  uri: string;
  version: number;
  source: SourceText;
  report: FileReport;
  /** Computed on first use. */
  fixes(): Fix[];
}

export class DocumentStore {
  readonly documents = new TextDocuments(TextDocument);
  private readonly analyses = new Map<string, { version: number; analysis: Promise<Analysis> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly analysed = new Emitter<Analysis>();
  private editions: EditionResolver;
  /** Paths in edition warnings are shown relative to it (the first workspace folder). */
  private root = process.cwd();
  private ready: Promise<boolean> = Promise.resolve(true);
  /** Fires when a scheduled analysis is ready and still describes the document's current version. */
  readonly onDidAnalyse = this.analysed.event;

  constructor(
    private readonly connection: Connection,
    private readonly settings: SettingsStore,
  ) {
    this.editions = this.newEditionResolver();
    this.documents.onDidOpen((e) => this.schedule(e.document.uri, 0));
    this.documents.onDidChangeContent((e) => {
      // A pending analysis reads the newest text when it runs, so keystrokes do not push it back
      // (this also skips the onDidChangeContent that follows onDidOpen).
      if (!this.timers.has(e.document.uri)) {
        this.schedule(e.document.uri, CHANGE_DEBOUNCE_MS);
      }
    });
    this.documents.onDidClose((e) => {
      this.cancel(e.document.uri);
      this.analyses.delete(e.document.uri);
      this.settings.forget(e.document.uri);
    });
    this.documents.listen(connection);
  }

  /** Analyses wait for the parser; `false` means it failed to load and every report is empty. */
  setReady(ready: Promise<boolean>): void {
    this.ready = ready;
  }

  setRoot(root: string): void {
    this.root = root;
    this.editions = this.newEditionResolver();
  }

  get(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  all(): TextDocument[] {
    return this.documents.all();
  }

  /** The analysis of the document's current version, or null when it is not open. */
  analysis(uri: string): Promise<Analysis> | null {
    const document = this.documents.get(uri);
    if (!document) {
      return null;
    }
    const cached = this.analyses.get(uri);
    if (cached && cached.version === document.version) {
      return cached.analysis;
    }
    const analysis = this.analyse(document);
    this.analyses.set(uri, { version: document.version, analysis });
    return analysis;
  }

  /** Re-analyses every open document (settings or Cargo.toml changed). */
  invalidateAll(options: { editions?: boolean } = {}): void {
    if (options.editions) {
      this.editions = this.newEditionResolver();
    }
    this.analyses.clear();
    for (const document of this.documents.all()) {
      this.schedule(document.uri, 0);
    }
  }

  private schedule(uri: string, delayMs: number): void {
    this.cancel(uri);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        const analysis = this.analysis(uri);
        if (!analysis) {
          return;
        }
        void analysis.then((result) => {
          // A newer version may have arrived while the edition was being resolved.
          if (this.documents.get(uri)?.version === result.version) {
            this.analysed.fire(result);
          }
        });
      }, delayMs),
    );
  }

  private cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(uri);
    }
  }

  private async analyse(document: TextDocument): Promise<Analysis> {
    const text = document.getText();
    const { uri, version } = document;
    const file = filePathOf(uri);
    const source = new SourceText(text);
    let report: FileReport;
    let edition: Edition = DEFAULT_EDITION;
    if (!(await this.ready)) {
      report = { file, futures: [], notices: [`${file}: skipped: the Rust parser could not be loaded`] };
    } else if (text.includes('\u0000')) {
      report = { file, futures: [], notices: [`${file}: skipped: binary file (contains NUL bytes)`] };
    } else {
      edition = await this.editionOf(uri, file);
      const started = Date.now();
      try {
        report = analyzeSource(text, { file, edition, parseBudgetMs: PARSE_BUDGET_MS });
      } catch (error) {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.connection.console.error(`[analysis] FAILED for ${uri} (version ${version}): ${detail}`);
        report = { file, futures: [], notices: [`${file}: analysis failed`] };
      }
      const elapsed = Date.now() - started;
      if (elapsed > 200) {
        this.connection.console.log(`[analysis] ${file}: ${report.futures.length} futures in ${elapsed} ms`);
      }
    }
    for (const notice of report.notices) {
      this.connection.console.log(`[analysis] ${notice}`);
    }
    let fixes: Fix[] | undefined;
    return {
      uri,
      version,
      source,
      report,
      fixes: () => {
        if (!fixes) {
          try {
            fixes = fixesFor(text, report, edition);
          } catch (error) {
            this.connection.console.error(`[fixes] FAILED for ${uri}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            fixes = [];
          }
        }
        return fixes;
      },
    };
  }

  private async editionOf(uri: string, file: string): Promise<Edition> {
    const { edition } = await this.settings.get(uri);
    if (edition !== 'auto') {
      return edition;
    }
    if (!uri.startsWith('file:')) {
      return DEFAULT_EDITION;
    }
    try {
      return await this.editions.editionOf(file);
    } catch {
      return DEFAULT_EDITION;
    }
  }

  private newEditionResolver(): EditionResolver {
    return new EditionResolver((message) => this.connection.console.warn(`[edition] ${message}`), this.root);
  }
}

/** The path shown in notices: the file system path for `file:` URIs, else the URI itself. */
export function filePathOf(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri;
    }
  }
  return uri;
}
