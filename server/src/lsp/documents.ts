/**
 * Open documents and their analyses. Each change schedules an analysis after a short debounce; a
 * request that needs the analysis of the current version before then gets it computed at once.
 * One analysis per uri+version is kept, so hints, hovers, diagnostics and code actions all read the
 * same FileReport.
 *
 * A document is analysed on its own, with its crate's calibration and the crate-aware results of
 * its unchanged futures (`CrateKnowledge`, see `workspace.ts`); when the crate index has analysed
 * exactly this text, its report is used instead, and it replaces the single-file one when it arrives.
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import { Connection, Emitter, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Calibration, CalibrationData } from '../analysis/types/calibration';
import {
  analyzeSource,
  initAnalysis,
  MAX_SOURCE_CHARS,
  Edition,
  WalkCache,
} from '../analysis/engine';
import type { Fix } from '../analysis/fixes/fixTypes';
import type { FileReport } from '../analysis/report';
import { DEFAULT_EDITION, EditionResolver } from '../project/edition';
import type { ModuleAncestor } from '../lints/levels';
import { fixesFor, refactoringsFor } from './fixSource';
import { featureOptionsOf, SettingsStore } from './settings';
import type { FeatureOptions } from '../project/features';
import type { CrateGraph } from '../project/crateGraph';
import type { ClientSession } from './client';
import { SourceText } from '../text/sourceText';
import { carryOver } from './carryOver';
import { SyntaxTrees } from './syntaxTrees';
import { noteRuntimeFailure, ParseTimeout, Tree } from '../analysis/syntax/parser';
import { logNotice } from './serverLog';
import { CfgEnv, withCfg } from '../analysis/syntax/cfg';
import { EditorBuildConfigurations } from './editorBuildConfigurations';

/** An editor keystroke can afford less than a batch run. */
const PARSE_BUDGET_MS = 1000;
/** Delay between an edit and its analysis; opening a document analyses it right away. */
export const CHANGE_DEBOUNCE_MS = 200;

export interface LoadedCalibration {
  /** The calibration.json it was read from. */
  file: string;
  data: CalibrationData;
  calibration: Calibration;
}

/** What the crate index knows about a file's crate (`workspace.ts`). */
export interface CrateKnowledge {
  /** The crate-aware report of the file, if the latest crate analysis saw exactly this text. */
  reportFor(file: string, text: string): FileReport | undefined;
  /** The latest crate-aware report of the file, whatever text it came from. */
  lastReport(file: string): FileReport | undefined;
  calibration(file: string): LoadedCalibration | null;
  /** The files that declare the modules above `file`, from the crate root down. */
  moduleAncestors(file: string): ModuleAncestor[];
}

/** A fix, with where its future starts (1-based), as diagnostics name futures by position. */
export type AnalysisFix = Fix & { futureAt: { line: number; column: number } | null };

export interface Analysis {
  uri: string;
  version: number;
  source: SourceText;
  report: FileReport;
  edition: Edition;
  /** `crate`: the crate index analysed this text with every file of the crate; `file`: this file alone. */
  origin: 'file' | 'crate';
  /** The calibration run the report's measured futures come from. */
  calibration: { rustc: string; createdAt: string } | null;
  /** Computed on first use. */
  fixes(): AnalysisFix[];
  /** Move, Drop and Box for the bindings declared on 0-based lines `from..=to` (fixSource.ts). */
  refactorings(from: number, to: number): AnalysisFix[];
  /** The files that declare the modules above this one, whose lint attributes it inherits. */
  moduleAncestors(): ModuleAncestor[];
}

export class DocumentStore {
  /** Syntax trees of the open documents, re-parsed incrementally from each change. */
  private readonly trees = new SyntaxTrees();
  readonly documents = new TextDocuments<TextDocument>({
    create: (uri, languageId, version, content) =>
      TextDocument.create(uri, languageId, version, content),
    update: (document, changes, version) => {
      this.trees.recordChanges(document, changes);
      return TextDocument.update(document, changes, nextVersion(document.version, version));
    },
  });
  /** `current`: the analysis once computed, so a superseded one of the same version is recognised. */
  private readonly analyses = new Map<
    string,
    { version: number; analysis: Promise<Analysis>; current?: Analysis }
  >();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The engine's memory of each document's fn walks: a keystroke re-walks only the fn it touched. */
  private readonly walkCaches = new Map<string, WalkCache>();
  private readonly analysed = new Emitter<Analysis>();
  private readonly invalidatedAll = new Emitter<void>();
  private editions: EditionResolver;
  /** Each package's cfg (its features, with the `cargo` settings). */
  private readonly buildConfigurations: EditorBuildConfigurations;
  /** Paths in edition warnings are shown relative to it (the first workspace folder). */
  private root = process.cwd();
  private knowledge: CrateKnowledge | null = null;
  /** Fires when a scheduled analysis is ready and still describes the document's current version. */
  readonly onDidAnalyse = this.analysed.event;
  /** Fires when every open document is to be analysed again (settings, Cargo.toml changed). */
  readonly onDidInvalidateAll = this.invalidatedAll.event;
  private readonly crateGraphLoaded = new Emitter<CrateGraph>();
  /** Fires with each crate graph a document's cfg was loaded from (its dependencies to index). */
  readonly onDidLoadCrateGraph = this.crateGraphLoaded.event;

  /**
   * @param ready analyses wait for the parser; `false` means it failed to load and every report
   * is empty.
   */
  constructor(
    private readonly connection: Connection,
    private readonly settings: SettingsStore,
    client: ClientSession,
    private readonly ready: Promise<boolean>,
  ) {
    this.editions = this.newEditionResolver();
    this.buildConfigurations = new EditorBuildConfigurations(
      settings,
      (message) => connection.console.log(message),
      (message) => {
        connection.console.warn(`[features] ${message}`);
        void connection.window.showWarningMessage(message);
      },
      filePathOf,
      (graph) => this.crateGraphLoaded.fire(graph),
    );
    client.onDidInitialize(() => {
      if (client.workspace.root !== null) {
        this.root = client.workspace.root;
        this.editions = this.newEditionResolver();
      }
    });
    settings.onDidChangeSettings(() => this.invalidateAll());
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
      this.dropWalkCache(e.document.uri);
      this.trees.forget(e.document.uri);
      this.settings.forget(e.document.uri);
    });
    this.documents.listen(connection);
  }

  /** The crate index (`workspace.ts`) introduces itself once it is built on this store. */
  setKnowledge(knowledge: CrateKnowledge): void {
    this.knowledge = knowledge;
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
    const entry: { version: number; analysis: Promise<Analysis>; current?: Analysis } = {
      version: document.version,
      analysis,
    };
    this.analyses.set(uri, entry);
    void analysis.then((result) => (entry.current = result));
    return analysis;
  }

  /** Re-analyses every open document (settings or Cargo.toml changed). */
  invalidateAll(options: { editions?: boolean } = {}): void {
    if (options.editions) {
      this.editions = this.newEditionResolver();
      this.buildConfigurations.clear();
    }
    this.invalidate(this.documents.all().map((d) => d.uri));
    this.invalidatedAll.fire();
  }

  /** Re-analyses these open documents (their crate's calibration changed). */
  invalidate(uris: string[]): void {
    for (const uri of uris) {
      this.analyses.delete(uri);
      // Walks are cached by source; a new calibration or edition must not meet old ones.
      this.dropWalkCache(uri);
      if (this.documents.get(uri)) {
        this.schedule(uri, 0);
      }
    }
  }

  /**
   * Replaces the analysis of a document's version with the crate index's report of the same text.
   * False when the document has moved on (or closed) since.
   */
  adoptCrateReport(uri: string, version: number, report: FileReport, edition: Edition): boolean {
    const document = this.documents.get(uri);
    if (!document || document.version !== version) {
      return false;
    }
    const text = document.getText();
    const current = this.makeAnalysis(
      uri,
      version,
      text,
      new SourceText(text),
      report,
      edition,
      'crate',
      false,
    );
    const analysis = Promise.resolve(current);
    this.analyses.set(uri, { version, analysis, current });
    void analysis.then((result) => this.analysed.fire(result));
    return true;
  }

  /** Whether this is still the analysis the store hands out for its document. */
  isCurrent(analysis: Analysis): boolean {
    return (
      this.documents.get(analysis.uri)?.version === analysis.version &&
      this.analyses.get(analysis.uri)?.current === analysis
    );
  }

  /**
   * Reads the workspace's settings and its root package's edition once the client is ready, before
   * any document asks: a document's first analysis waits for both (a request to the client, a
   * Cargo.toml to read and parse), and the second time each is quicker.
   */
  prepare(folderUri: string): void {
    void this.settings.get(folderUri).catch(() => undefined);
    if (folderUri.startsWith('file:')) {
      // Any file of the folder itself resolves from the folder's Cargo.toml; files below find it cached.
      void this.editions
        .editionOf(path.join(filePathOf(folderUri), 'Cargo.toml'))
        .catch(() => undefined);
    }
  }

  /** The cfg a document is analysed with: its package's features (undefined: all on). */
  cfgFor(uri: string): Promise<CfgEnv | undefined> {
    return this.buildConfigurations.cfgFor(uri);
  }

  /** The crate graph a document's cfg came from (its crate's dependencies are read from it). */
  crateGraphFor(uri: string): Promise<CrateGraph | undefined> {
    return this.buildConfigurations.graphFor(uri);
  }

  /** Cargo's feature switches for a document's crate graph (the `rustFutureSize.cargo` settings). */
  async featureOptionsFor(uri: string): Promise<FeatureOptions> {
    return featureOptionsOf((await this.settings.get(uri)).cargo);
  }

  /** Whether the user allows reading module files outside the workspace for this document. */
  async readsOutsideWorkspace(uri: string): Promise<boolean> {
    try {
      return (await this.settings.get(uri)).readOutsideWorkspace;
    } catch {
      return false;
    }
  }

  /** The edition a document is analysed with (its setting, or its package's `Cargo.toml`). */
  editionFor(uri: string): Promise<Edition> {
    return this.editionOf(uri, filePathOf(uri));
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
          // A newer version may have arrived while the edition was being resolved, or the crate
          // index may have replaced this analysis with its own.
          if (
            this.documents.get(uri)?.version === result.version &&
            this.analyses.get(uri)?.analysis === analysis
          ) {
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
    let cfg: CfgEnv | undefined;
    let origin: Analysis['origin'] = 'file';
    let plain = false;
    if (!(await this.ready) || !(await parserRestarted())) {
      report = {
        file,
        futures: [],
        notices: [`${file}: skipped: the Rust parser could not be loaded`],
      };
    } else if (text.includes('\u0000')) {
      report = {
        file,
        futures: [],
        notices: [`${file}: skipped: binary file (contains NUL bytes)`],
      };
    } else {
      // The edition can take a request to the client (its settings, on a document's first analysis)
      // and a read of Cargo.toml: the document is parsed meanwhile, and its tree kept for below.
      const editionResolved = this.editionOf(uri, file);
      const parseTimeout = this.parseAhead(uri, version, text);
      edition = await editionResolved;
      cfg = await this.cfgFor(uri);
      const fromCrate = uri.startsWith('file:') ? this.knowledge?.reportFor(file, text) : undefined;
      const started = Date.now();
      if (fromCrate) {
        report = fromCrate;
        origin = 'crate';
      } else if (parseTimeout) {
        // A pathological or huge file: a notice instead of hints, and the server stays responsive.
        report = { file, futures: [], notices: [`${file}: skipped: ${parseTimeout.message}`] };
      } else {
        const calibration = uri.startsWith('file:')
          ? (this.knowledge?.calibration(file) ?? null)
          : null;
        try {
          let walkCache = this.walkCaches.get(uri);
          if (!walkCache && this.documents.get(uri)) {
            walkCache = new WalkCache();
            this.walkCaches.set(uri, walkCache);
          }
          const current = this.documents.get(uri);
          // The latest version's tree, incrementally re-parsed; an older version (a request for a
          // superseded document) parses its own text.
          const tree =
            current &&
            current.version === version &&
            text.length <= MAX_SOURCE_CHARS &&
            /\basync\b/.test(text)
              ? this.trees.treeFor(current, PARSE_BUDGET_MS)
              : undefined;
          report = analyzeSource(text, {
            file,
            edition,
            parseBudgetMs: PARSE_BUDGET_MS,
            calibration: calibration?.calibration,
            walkCache,
            tree,
            cfg,
          });
          walkCache?.sweep();
          const previous = uri.startsWith('file:') ? this.knowledge?.lastReport(file) : undefined;
          const carried = previous ? carryOver(report, previous) : { report, carried: 0 };
          report = carried.report;
          plain = !calibration && carried.carried === 0;
        } catch (error) {
          if (error instanceof ParseTimeout) {
            // A pathological or huge file: a notice instead of hints, and the server stays responsive.
            report = { file, futures: [], notices: [`${file}: skipped: ${error.message}`] };
          } else {
            // A trap in the parser's runtime: the next analysis gets a new runtime.
            noteRuntimeFailure(error);
            const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
            this.connection.console.error(
              `[analysis] FAILED for ${uri} (version ${version}): ${detail}`,
            );
            report = { file, futures: [], notices: [`${file}: analysis failed`] };
          }
        }
      }
      const elapsed = Date.now() - started;
      if (elapsed > 200) {
        this.connection.console.log(
          `[analysis] ${file}: ${report.futures.length} futures in ${elapsed} ms`,
        );
      }
    }
    for (const notice of report.notices) {
      logNotice(this.connection, notice);
    }
    return this.makeAnalysis(uri, version, text, source, report, edition, origin, plain, cfg);
  }

  /** Forgets a document's walk cache and deletes the syntax trees it keeps. */
  private dropWalkCache(uri: string): void {
    this.walkCaches.get(uri)?.dispose();
    this.walkCaches.delete(uri);
  }

  /** The syntax tree of `version` if it is the document's current one; the store owns it (use it at once). */
  currentTree(uri: string, version: number): Tree | undefined {
    const current = this.documents.get(uri);
    return current?.version === version && current.getText().length <= MAX_SOURCE_CHARS
      ? this.trees.treeFor(current, PARSE_BUDGET_MS)
      : undefined;
  }

  /**
   * Parses the document's current version into the tree store (the analysis then finds it there);
   * the parse budget's error when the text cannot be parsed in time.
   */
  private parseAhead(uri: string, version: number, text: string): ParseTimeout | null {
    const current = this.documents.get(uri);
    if (
      !current ||
      current.version !== version ||
      text.length > MAX_SOURCE_CHARS ||
      !/\basync\b/.test(text)
    ) {
      return null;
    }
    try {
      this.trees.treeFor(current, PARSE_BUDGET_MS);
      return null;
    } catch (error) {
      if (error instanceof ParseTimeout) {
        return error;
      }
      throw error;
    }
  }

  /**
   * `plain`: the report is this file's own analysis, nothing measured or carried over, so the fixes
   * can be verified against it; otherwise they are computed from a fresh single-file analysis (fix
   * verification analyses the changed file on its own, and must compare like with like).
   */
  private makeAnalysis(
    uri: string,
    version: number,
    text: string,
    source: SourceText,
    report: FileReport,
    edition: Edition,
    origin: Analysis['origin'],
    plain: boolean,
    cfg?: CfgEnv,
  ): Analysis {
    const file = filePathOf(uri);
    const loaded =
      report.futures.some((f) => f.measured) && uri.startsWith('file:')
        ? this.knowledge?.calibration(file)
        : null;
    let fixes: AnalysisFix[] | undefined;
    const refactorings = new Map<string, AnalysisFix[]>();
    let base: FileReport | undefined;
    // Futures kept through a parse error are not in the tree the fixes are made from.
    const baseReport = (): FileReport => {
      if (!base) {
        const own = plain
          ? report
          : analyzeSource(text, { file, edition, parseBudgetMs: PARSE_BUDGET_MS, cfg });
        base = { ...own, futures: own.futures.filter((f) => !f.kept) };
      }
      return base;
    };
    const located = (list: Fix[]): AnalysisFix[] => {
      const starts = new Map(
        baseReport().futures.map((f) => [f.name, { line: f.line, column: f.column }]),
      );
      return list.map((fix) => ({ ...fix, futureAt: starts.get(fix.futureName) ?? null }));
    };
    const failed = (error: unknown): AnalysisFix[] => {
      this.connection.console.error(
        `[fixes] FAILED for ${uri}: ${
          error instanceof Error ? (error.stack ?? error.message) : String(error)
        }`,
      );
      return [];
    };
    return {
      uri,
      version,
      source,
      report,
      edition,
      origin,
      calibration: loaded ? { rustc: loaded.data.rustc, createdAt: loaded.data.createdAt } : null,
      fixes: () => {
        if (!fixes) {
          try {
            // Verified in the cfg the report was made in.
            fixes = located(withCfg(cfg, () => fixesFor(text, baseReport(), edition)));
          } catch (error) {
            fixes = failed(error);
          }
        }
        return fixes;
      },
      refactorings: (from, to) => {
        const key = `${from}:${to}`;
        let found = refactorings.get(key);
        if (!found) {
          try {
            found = located(
              withCfg(cfg, () => refactoringsFor(text, baseReport(), edition, from, to)),
            );
          } catch (error) {
            found = failed(error);
          }
          refactorings.set(key, found);
        }
        return found;
      },
      moduleAncestors: () =>
        uri.startsWith('file:') ? (this.knowledge?.moduleAncestors(file) ?? []) : [],
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
    return new EditionResolver(
      (message) => this.connection.console.warn(`[edition] ${message}`),
      this.root,
    );
  }
}

/** Whether the parser is usable: a runtime that aborted is replaced first (`initAnalysis`). */
function parserRestarted(): Promise<boolean> {
  return initAnalysis().then(
    () => true,
    () => false,
  );
}

/**
 * The version a changed document gets. The protocol requires versions to increase, and every layer
 * keys its results by version (analyses, the crate index's deliveries, syntax trees): a client that
 * repeats a version (or goes back) would get the analysis of the text before. Such a change gets
 * the next version instead; a client that counts right never meets this.
 */
export function nextVersion(current: number, sent: number): number {
  return sent > current ? sent : current + 1;
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
