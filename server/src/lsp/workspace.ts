/**
 * The crate index: for every crate with an open document, the crate's layout (its module tree), the
 * last text of each of its files (an open document's text wins over the disk), its calibration, and
 * the latest analysis of all its files together (`analyzeCrate`), which knows the types, consts and
 * async fns of every file, so awaiting a fn two modules away gets that future's real size.
 *
 * Open documents are still analysed on their own right away (`documents.ts`), so hints never wait
 * for the crate. The crate analysis runs on a worker thread (`crateRunner.ts`) a short while after
 * the last change; when it completes, each open document whose version has not moved since gets the
 * crate-aware report, and hints and diagnostics are refreshed. A crate's state goes when its last
 * open document closes.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  Connection,
  Emitter,
  FileChangeType,
  FileEvent,
  WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { Calibration, CalibrationData, hashText } from '../analysis/types/calibration';
import type { CrateFile, Edition } from '../analysis/engine';
import { cfgKey } from '../analysis/syntax/cfg';
import type { FileReport } from '../analysis/report';
import { defaultCalibrationPath, loadCalibration } from '../measure/calibrate';
import { CrateLayout, findCrateRoot } from '../project/crateLayout';
import { readManifest } from '../project/manifest';
import type { ModuleAncestor } from '../lints/levels';
import { CrateRunner } from './crateRunner';
import { CrateKnowledge, DocumentStore, filePathOf, LoadedCalibration } from './documents';
import type { ClientSession } from './client';
import { logNotice } from './serverLog';
import { isMissingDependencyNotice } from '../analysis/deps/missingDependencies';
import { PackedReport, unpackInstances, unpackReport } from './packedReport';
import { attachInstances } from '../analysis/coroutine/instanceReports';

/** Delay between the last change and the crate analysis. */
export const INDEX_DEBOUNCE_MS = 400;
/** The wait before indexing the first edit after the index caught up with the documents. */
const FIRST_EDIT_DELAY_MS = 20;
/** Delay of a crate's first analysis after a document opens: its own hints come first. */
const OPEN_DELAY_MS = 50;
/**
 * How long a crate is kept after its last document closes, so closing and reopening a tab (or a
 * preview editor replaced by another file) does not index it again. The tests shorten it.
 */
const CRATE_GRACE_MS = Number(process.env.RUST_FUTURE_SIZE_CRATE_GRACE_MS) || 30_000;
/**
 * Crates above these limits are indexed partly (the open documents and the first files of the
 * module tree), with a notice. A safety net: the analysis keeps its trees bounded (it goes in
 * rounds), and the reports are kept packed (`packedReport.ts`), but every file's summary and text
 * stay in the index worker, and every file's text here, so the server still grows with the crate
 * (about 1.5 KB per line indexed).
 */
export const MAX_CRATE_FILES = 2000;
export const MAX_CRATE_BYTES = 20 * 1024 * 1024;
/** The engine skips larger files anyway. */
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const READ_BATCH = 32;

class CrateState {
  name: string;
  readonly uris = new Set<string>();
  layout: CrateLayout | null = null;
  layoutDirty = true;
  /** `mod` declarations of each file as last seen, to notice a module added or removed. */
  readonly modSignatures = new Map<string, { hash: string; signature: string }>();
  /** Text on disk of the files that are not open (as last read) with its hash, and the ones to read again. */
  readonly disk = new Map<string, { text: string; hash: string }>();
  readonly diskStale = new Set<string>();
  /**
   * The latest crate-aware report of every indexed file, packed, with the hash of the text it
   * describes; unpacked once read (an open document's), and kept so while the file is open.
   */
  reports = new Map<string, IndexedReport>();
  calibration: LoadedCalibration | null = null;
  /** Per parent file, the `mod`s its text declares, with that text (`moduleAncestors`). */
  readonly modulesDeclared = new Map<string, { text: string; names: Set<string> }>();
  /** Bumped when the calibration changes: crate reports from before it are not reused as they are. */
  stamp = 0;
  /** What the last analysis saw (file list, texts, calibration, edition); the same input is not analysed twice. */
  lastInput = '';
  indexed = false;
  timer: NodeJS.Timeout | undefined;
  /** Set while no document of the crate is open. */
  dropTimer: NodeJS.Timeout | undefined;
  running = false;
  again = false;
  /** Changes of the crate's documents so far, and how many of them the last index run read. */
  changes = 0;
  indexedChanges = 0;
  dropped = false;
  /** Messages shown once (a Cargo.toml that does not parse, the size cap). */
  readonly shown = new Set<string>();

  constructor(readonly root: string) {
    this.name = packageName(root) ?? path.basename(root);
  }
}

export interface CrateSummary {
  root: string;
  name: string;
}

interface IndexedReport {
  hash: string;
  length: number;
  stamp: number;
  packed: PackedReport;
  /** The report unpacked, once read. */
  report?: FileReport;
}

/** The instances of generic fns each file of the crate made, as reports holding them alone. */
function instancesMade(entries: Iterable<IndexedReport>): FileReport[] {
  const made: FileReport[] = [];
  for (const entry of entries) {
    if (entry.packed.instances) {
      const { file, notices } = entry.packed;
      made.push({ file, futures: [], notices, instances: unpackInstances(entry.packed) });
    }
  }
  return made;
}

/** The report with the instances of its generic fns that any file of the crate made. */
function withCrateInstances(report: FileReport, made: FileReport[]): FileReport {
  const others = made.filter((m) => m.file !== report.file);
  return others.length > 0 ? attachInstances([report, ...others])[0] : report;
}

/** An indexed report as an object: unpacked on its first read, then kept with the entry. */
function reportOf(entry: IndexedReport): FileReport {
  entry.report ??= unpackReport(entry.packed);
  return entry.report;
}

type LayoutFile = CrateLayout['files'][number];

interface LayoutFiles {
  byPath: Map<string, LayoutFile>;
  byModule: Map<string, LayoutFile>;
}

export class WorkspaceIndex implements CrateKnowledge {
  private readonly crates = new Map<string, CrateState>();
  private readonly filesOfLayout = new WeakMap<CrateLayout, LayoutFiles>();
  private readonly crateOfUri = new Map<string, CrateState>();
  private readonly rootOfDir = new Map<string, string | null>();
  /** The version each open document had when the index last looked, so the change event that follows an open is not a change. */
  private readonly seen = new Map<string, number>();
  private readonly indexed = new Emitter<void>();
  /** Fires after open documents got crate-aware reports (worth asking for their hints again). */
  readonly onDidIndex = this.indexed.event;
  private readonly missingDependency = new Emitter<string>();
  /** Fires with each notice of a dependency without sources that a crate's sizes needed. */
  readonly onMissingDependency = this.missingDependency.event;

  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
    private readonly runner: CrateRunner,
    private readonly client: ClientSession,
  ) {
    documents.setKnowledge(this);
    documents.documents.onDidOpen((e) => this.opened(e.document.uri, e.document.version));
    documents.documents.onDidChangeContent((e) => this.changed(e.document.uri, e.document.version));
    documents.documents.onDidClose((e) => this.closed(e.document.uri));
    documents.documents.onDidSave((e) => this.saved(e.document.uri, e.document.getText()));
    // Settings or a Cargo.toml changed (features, `readOutsideWorkspace`): the reports made before
    // may be wrong, so every crate is listed and analysed again at once.
    documents.onDidInvalidateAll(() => this.reindexAll());
    // The trust `readOutsideWorkspace` needs: only which files are read may change.
    client.onDidChangeTrust(() => this.relayoutAll());
  }

  private reindexAll(): void {
    for (const crate of this.crates.values()) {
      crate.stamp++;
      crate.layoutDirty = true;
      this.schedule(crate, 0);
    }
  }

  private relayoutAll(): void {
    for (const crate of this.crates.values()) {
      crate.layoutDirty = true;
      this.schedule(crate, INDEX_DEBOUNCE_MS);
    }
  }

  /** The crate of an open document, if it belongs to one. */
  crateOf(uri: string): CrateSummary | undefined {
    const crate = this.crateOfUri.get(uri);
    return crate ? { root: crate.root, name: crate.name } : undefined;
  }

  /** Every crate with an open document. */
  allCrates(): CrateSummary[] {
    return [...this.crates.values()].map((c) => ({ root: c.root, name: c.name }));
  }

  // CrateKnowledge, for the document store.

  reportFor(file: string, text: string): FileReport | undefined {
    const crate = this.crateContaining(file);
    const entry = crate?.reports.get(path.resolve(file));
    // The length first: while a file is being edited it rarely matches, and hashing the text each keystroke would not be free.
    return entry &&
      entry.stamp === crate!.stamp &&
      entry.length === text.length &&
      entry.hash === hashText(text)
      ? reportOf(entry)
      : undefined;
  }

  lastReport(file: string): FileReport | undefined {
    const entry = this.crateContaining(file)?.reports.get(path.resolve(file));
    return entry && reportOf(entry);
  }

  calibration(file: string): LoadedCalibration | null {
    return this.crateContaining(file)?.calibration ?? null;
  }

  moduleAncestors(file: string): ModuleAncestor[] {
    const crate = this.crateContaining(file);
    const layout = crate?.layout;
    const files = layout && this.layoutFiles(layout);
    const own = files?.byPath.get(path.resolve(file));
    if (!crate || !files || !own) {
      return [];
    }
    const ancestors: ModuleAncestor[] = [];
    for (let depth = 0; depth < own.modulePath.length; depth++) {
      const parent = files.byModule.get(own.modulePath.slice(0, depth).join('::'));
      const text = parent ? this.currentText(crate, parent.path) : undefined;
      const child = own.modulePath[depth];
      // A file no chain of `mod` declarations reaches (a binary under src/bin) inherits nothing.
      if (text === undefined || !declaredModules(crate, parent!.path, text).has(child)) {
        return [];
      }
      ancestors.push({ text, child });
    }
    return ancestors;
  }

  /**
   * A layout's files by path and by module path. Workspace diagnostics ask every file's
   * ancestors after each crate analysis: scanning the file list for each, and reading the
   * parents' `mod`s again, cost tokio's 297 files about 40 ms on each edit.
   */
  private layoutFiles(layout: CrateLayout): LayoutFiles {
    let found = this.filesOfLayout.get(layout);
    if (!found) {
      found = { byPath: new Map(), byModule: new Map() };
      for (const f of layout.files) {
        // The first of two files with one path or module path is the one a search finds.
        if (!found.byPath.has(f.path)) {
          found.byPath.set(f.path, f);
        }
        const module = f.modulePath.join('::');
        if (!found.byModule.has(module)) {
          found.byModule.set(module, f);
        }
      }
      this.filesOfLayout.set(layout, found);
    }
    return found;
  }

  // Calibration.

  /** Uses new measurements for a crate: open documents are analysed again at once, the crate soon after. */
  applyCalibration(root: string, data: CalibrationData, file: string): void {
    const crate = this.crates.get(root);
    if (!crate) {
      return;
    }
    this.setCalibration(crate, { file, data, calibration: new Calibration(data) });
    this.documents.invalidate([...crate.uris]);
    this.schedule(crate, 0);
  }

  private setCalibration(crate: CrateState, loaded: LoadedCalibration | null): void {
    crate.calibration = loaded;
    crate.stamp++;
    crate.lastInput = '';
    this.runner
      .run({ kind: 'calibration', root: crate.root, data: loaded?.data ?? null })
      .catch((error: unknown) =>
        this.log(`[crate] FAILED to pass the calibration of ${crate.name} on: ${describe(error)}`),
      );
  }

  private loadStoredCalibration(crate: CrateState, announce: boolean): void {
    const file = defaultCalibrationPath(crate.root);
    const data = loadCalibration(file);
    if (
      !data ||
      (crate.calibration &&
        crate.calibration.data.createdAt === data.createdAt &&
        crate.calibration.data.rustc === data.rustc)
    ) {
      return;
    }
    this.log(
      `[calibration] ${crate.name}: ${data.futures.length} measured futures from ${file} (${data.rustc}, ${data.createdAt})`,
    );
    this.setCalibration(crate, { file, data, calibration: new Calibration(data) });
    if (announce) {
      this.documents.invalidate([...crate.uris]);
      this.schedule(crate, 0);
    }
  }

  // Document and file events.

  private opened(uri: string, version: number): void {
    if (!uri.startsWith('file:')) {
      return;
    }
    const file = path.resolve(filePathOf(uri));
    const root = this.rootOf(path.dirname(file));
    if (!root) {
      return;
    }
    let crate = this.crates.get(root);
    if (!crate) {
      crate = new CrateState(root);
      this.crates.set(root, crate);
      // Synchronous and small: the document's first analysis already uses it.
      this.loadStoredCalibration(crate, false);
    }
    clearTimeout(crate.dropTimer);
    crate.dropTimer = undefined;
    crate.uris.add(uri);
    this.crateOfUri.set(uri, crate);
    this.seen.set(uri, version);
    const text = this.documents.get(uri)?.getText() ?? '';
    if (!crate.indexed || !this.reportFor(file, text)) {
      this.schedule(crate, crate.indexed ? 0 : OPEN_DELAY_MS);
    }
  }

  private changed(uri: string, version: number): void {
    const crate = this.crateOfUri.get(uri);
    if (!crate || this.seen.get(uri) === version) {
      return;
    }
    this.seen.set(uri, version);
    // The worker's session analyses an edit in what it reaches (tens of ms): the first edit after
    // the index caught up is indexed at once; the keys of a burst after it wait until it ends.
    const caughtUp = crate.indexed && !crate.running && crate.indexedChanges === crate.changes;
    crate.changes++;
    this.schedule(crate, caughtUp ? FIRST_EDIT_DELAY_MS : INDEX_DEBOUNCE_MS);
  }

  private closed(uri: string): void {
    const crate = this.crateOfUri.get(uri);
    this.crateOfUri.delete(uri);
    this.seen.delete(uri);
    if (!crate) {
      return;
    }
    crate.uris.delete(uri);
    const file = path.resolve(filePathOf(uri));
    // Unsaved changes are gone with the editor: the file is what the disk says again.
    crate.diskStale.add(file);
    // A closed file's report is kept packed only.
    const entry = crate.reports.get(file);
    if (entry) {
      entry.report = undefined;
    }
    if (crate.uris.size === 0) {
      clearTimeout(crate.timer);
      crate.dropTimer = setTimeout(() => crate.uris.size === 0 && this.drop(crate), CRATE_GRACE_MS);
      crate.dropTimer.unref();
      return;
    }
    this.schedule(crate, INDEX_DEBOUNCE_MS);
  }

  private saved(uri: string, text: string): void {
    const crate = this.crateOfUri.get(uri);
    if (!crate) {
      return;
    }
    const file = path.resolve(filePathOf(uri));
    const before = crate.modSignatures.get(file);
    if (before !== undefined && before.signature !== modSignature(text)) {
      crate.layoutDirty = true;
      this.schedule(crate, INDEX_DEBOUNCE_MS);
    }
  }

  /** `workspace/didChangeWatchedFiles`: source files, manifests and stored calibrations. */
  filesChanged(changes: FileEvent[]): void {
    const touched = new Set<CrateState>();
    for (const change of changes) {
      if (!change.uri.startsWith('file:')) {
        continue;
      }
      const file = path.resolve(filePathOf(change.uri));
      const base = path.basename(file);
      if (base === 'Cargo.toml') {
        // A package may have appeared or gone: look crates up again.
        this.rootOfDir.clear();
        const crate = this.crates.get(path.dirname(file));
        if (crate) {
          crate.layoutDirty = true;
          crate.shown.clear();
          crate.lastInput = '';
          touched.add(crate);
        }
        continue;
      }
      if (base === 'calibration.json') {
        for (const crate of this.crates.values()) {
          if (defaultCalibrationPath(crate.root) !== file) {
            continue;
          }
          if (change.type === FileChangeType.Deleted && crate.calibration) {
            // `cargo clean`: the measurements are gone.
            this.setCalibration(crate, null);
            this.documents.invalidate([...crate.uris]);
            this.schedule(crate, 0);
          } else {
            this.loadStoredCalibration(crate, true);
          }
        }
        continue;
      }
      if (!file.endsWith('.rs')) {
        continue;
      }
      const crate = this.crateContaining(file);
      if (!crate || isUnder(file, path.join(crate.root, 'target'))) {
        continue;
      }
      if (change.type !== FileChangeType.Changed) {
        crate.layoutDirty = true;
      }
      if (!this.isOpen(crate, file)) {
        crate.diskStale.add(file);
      }
      touched.add(crate);
    }
    for (const crate of touched) {
      this.schedule(crate, INDEX_DEBOUNCE_MS);
    }
  }

  dispose(): void {
    for (const crate of [...this.crates.values()]) {
      this.drop(crate);
    }
  }

  // Indexing.

  private schedule(crate: CrateState, delayMs: number): void {
    if (crate.dropped) {
      return;
    }
    clearTimeout(crate.timer);
    crate.timer = setTimeout(() => {
      crate.timer = undefined;
      void this.run(crate);
    }, delayMs);
  }

  private async run(crate: CrateState): Promise<void> {
    if (crate.running) {
      // Once the analysis under way is done, another one starts with the newest texts.
      crate.again = true;
      return;
    }
    crate.running = true;
    const progress = crate.indexed ? null : await this.beginProgress(crate);
    try {
      do {
        crate.again = false;
        crate.indexedChanges = crate.changes;
        await this.index(crate, progress);
      } while (crate.again && !crate.dropped);
    } catch (error) {
      this.log(`[crate] FAILED to index ${crate.name}: ${describe(error)}`);
      // Changes that arrived during the failed run still need their analysis.
      if (crate.again && !crate.dropped) {
        this.schedule(crate, INDEX_DEBOUNCE_MS);
      }
    } finally {
      crate.running = false;
      progress?.done();
    }
  }

  private async beginProgress(crate: CrateState): Promise<WorkDoneProgressServerReporter | null> {
    if (!this.client.supports.progress) {
      return null;
    }
    try {
      const progress = await this.connection.window.createWorkDoneProgress();
      progress.begin(`Indexing ${crate.name}`, undefined, 'reading the module tree', false);
      return progress;
    } catch {
      return null;
    }
  }

  private async index(
    crate: CrateState,
    progress: WorkDoneProgressServerReporter | null,
  ): Promise<void> {
    let files: CrateFile[] = [];
    let hashes: string[] = [];
    let versions = new Map<string, number>();
    // A file whose `mod` declarations changed asks for the layout again, at most once per run.
    for (let pass = 0; pass < 2; pass++) {
      if (crate.layoutDirty || !crate.layout) {
        await this.readLayout(crate);
        if (crate.dropped) {
          return;
        }
      }
      ({ files, hashes, versions } = await this.collectFiles(crate));
      if (crate.dropped) {
        return;
      }
      let moved = false;
      files.forEach((f, i) => {
        const before = crate.modSignatures.get(f.file);
        if (before?.hash === hashes[i]) {
          return;
        }
        const signature = modSignature(f.text);
        moved ||= before !== undefined && before.signature !== signature;
        crate.modSignatures.set(f.file, { hash: hashes[i], signature });
      });
      if (!moved || pass === 1) {
        break;
      }
      crate.layoutDirty = true;
    }
    const anyUri = crate.uris.values().next().value;
    if (anyUri === undefined) {
      return;
    }
    const edition = await this.documents.editionFor(anyUri);
    const cfg = await this.documents.cfgFor(anyUri);
    // The worker reads the crate's dependencies with the same switches as its own cfg, from the
    // crate graph that cfg came from.
    const features = await this.documents.featureOptionsFor(anyUri);
    const graph = await this.documents.crateGraphFor(anyUri);
    const input = JSON.stringify([
      edition,
      cfgKey(cfg),
      features,
      graph?.loadId,
      crate.stamp,
      files.map((f, i) => [f.file, f.modulePath.join('::'), hashes[i]]),
    ]);
    if (input !== crate.lastInput) {
      progress?.report(`analysing ${files.length} files`);
      const started = Date.now();
      // The stamp the job is analysed under: a calibration or settings change that lands while the
      // worker runs makes these reports stale, and they must not be handed out as current.
      const stamp = crate.stamp;
      // With hashes, the runner sends only the texts the worker's session of the crate lacks.
      const hashed = files.map((f, i) => ({ ...f, hash: hashes[i] }));
      const job = { root: crate.root, files: hashed, edition, cfg, features, graph };
      const reports = await this.runner.run({ ...job, kind: 'analyze' });
      if (crate.dropped) {
        return;
      }
      crate.reports = new Map(
        files.map((f, i) => [
          f.file,
          { hash: hashes[i], length: f.text.length, stamp, packed: reports[i] },
        ]),
      );
      crate.lastInput = input;
      reports
        .flatMap((r) => r.notices.filter(isMissingDependencyNotice))
        .forEach((notice) => {
          logNotice(this.connection, notice);
          this.missingDependency.fire(notice);
        });
      const futures = reports.reduce((n, r) => n + r.futureCount, 0);
      this.log(
        `[crate] ${crate.indexed ? 're-indexed' : 'indexed'} ${crate.name}: ${files.length} files, ${futures} futures in ${Date.now() - started} ms`,
      );
      crate.indexed = true;
    }
    this.deliver(crate, versions, edition);
  }

  /** Gives each open document whose version has not moved since the analysis started its crate-aware report. */
  private deliver(crate: CrateState, versions: Map<string, number>, edition: Edition): void {
    let delivered = 0;
    let made: FileReport[] | undefined;
    for (const uri of crate.uris) {
      const entry = crate.reports.get(path.resolve(filePathOf(uri)));
      const version = versions.get(uri);
      if (!entry || entry.stamp !== crate.stamp || version === undefined) {
        continue;
      }
      made ??= instancesMade(crate.reports.values());
      const report = withCrateInstances(reportOf(entry), made);
      if (this.documents.adoptCrateReport(uri, version, report, edition)) {
        delivered++;
      }
    }
    if (delivered) {
      this.indexed.fire();
    }
  }

  private async readLayout(crate: CrateState): Promise<void> {
    // Module files are read inside the workspace folders too (`#[path = "../shared/x.rs"]`), and
    // anywhere when the user allows it (`readOutsideWorkspace`, in a trusted workspace).
    const anyUri = crate.uris.values().next().value;
    const anywhere =
      this.client.trusted &&
      anyUri !== undefined &&
      (await this.documents.readsOutsideWorkspace(anyUri));
    const layout = await this.runner.run({
      kind: 'layout',
      root: crate.root,
      readableRoots: anywhere ? [path.parse(crate.root).root] : [...this.client.workspace.folders],
    });
    crate.layout = layout;
    crate.layoutDirty = false;
    crate.name = layout.name;
    for (const warning of layout.warnings) {
      if (/Cargo\.toml: does not parse/.test(warning)) {
        this.showOnce(
          crate,
          'warning',
          `rust-future-size: ${warning}. Its edition is taken as 2021 and its files are still analysed.`,
        );
      } else {
        this.log(`[crate] ${warning}`);
      }
    }
  }

  /**
   * The crate's files with their newest text, within the size cap (open documents always count),
   * and the version of each open document whose text is used.
   */
  private async collectFiles(
    crate: CrateState,
  ): Promise<{ files: CrateFile[]; hashes: string[]; versions: Map<string, number> }> {
    const layout = crate.layout!;
    const texts = new Map<string, string | null>();
    const openPaths = new Set([...crate.uris].map((uri) => path.resolve(filePathOf(uri))));
    const toRead = layout.files
      .map((f) => f.path)
      .filter((p) => !openPaths.has(p) && (!crate.disk.has(p) || crate.diskStale.has(p)));
    for (let i = 0; i < toRead.length; i += READ_BATCH) {
      const batch = toRead.slice(i, i + READ_BATCH);
      const read = await Promise.all(batch.map(readSource));
      batch.forEach((p, j) => texts.set(p, read[j]));
    }
    // The open documents after the awaits: their texts and versions go together.
    const open = new Map<string, string>();
    const versions = new Map<string, number>();
    for (const uri of crate.uris) {
      const document = this.documents.get(uri);
      if (document) {
        open.set(path.resolve(filePathOf(uri)), document.getText());
        versions.set(uri, document.version);
      }
    }
    for (const [p, text] of texts) {
      crate.diskStale.delete(p);
      if (text === null) {
        crate.disk.delete(p);
      } else {
        crate.disk.set(p, { text, hash: hashText(text) });
      }
    }
    // Files that left the crate.
    const inLayout = new Set(layout.files.map((f) => f.path));
    for (const p of [...crate.disk.keys()]) {
      if (!inLayout.has(p)) {
        crate.disk.delete(p);
      }
    }
    const files: CrateFile[] = [];
    const hashes: string[] = [];
    let bytes = 0;
    let skipped = 0;
    for (const f of layout.files) {
      const openText = open.get(f.path);
      const disk = openText === undefined ? crate.disk.get(f.path) : undefined;
      const text = openText ?? disk?.text;
      if (text === undefined) {
        continue;
      }
      if (
        openText === undefined &&
        (files.length >= MAX_CRATE_FILES || bytes + text.length > MAX_CRATE_BYTES)
      ) {
        skipped++;
        continue;
      }
      files.push({ file: f.path, text, modulePath: f.modulePath });
      hashes.push(disk?.hash ?? hashText(text));
      bytes += text.length;
    }
    if (skipped) {
      this.showOnce(
        crate,
        'info',
        `rust-future-size: \`${crate.name}\` has more than ${MAX_CRATE_FILES} source files or ${MAX_CRATE_BYTES / 1024 / 1024} MB; the crate index covers ${files.length} of them, so sizes that depend on the other ${skipped} are lower bounds.`,
      );
    }
    return { files, hashes, versions };
  }

  private drop(crate: CrateState): void {
    clearTimeout(crate.timer);
    clearTimeout(crate.dropTimer);
    crate.dropped = true;
    this.crates.delete(crate.root);
    for (const uri of crate.uris) {
      this.crateOfUri.delete(uri);
    }
    this.runner.run({ kind: 'forget', root: crate.root }).catch(() => undefined);
  }

  private currentText(crate: CrateState, file: string): string | undefined {
    for (const uri of crate.uris) {
      if (path.resolve(filePathOf(uri)) === file) {
        return this.documents.get(uri)?.getText();
      }
    }
    return crate.disk.get(file)?.text;
  }

  private isOpen(crate: CrateState, file: string): boolean {
    return [...crate.uris].some((uri) => path.resolve(filePathOf(uri)) === file);
  }

  private crateContaining(file: string): CrateState | undefined {
    const resolved = path.resolve(file);
    let best: CrateState | undefined;
    for (const crate of this.crates.values()) {
      if (isUnder(resolved, crate.root) && (!best || crate.root.length > best.root.length)) {
        best = crate;
      }
    }
    return best;
  }

  private rootOf(dir: string): string | null {
    let root = this.rootOfDir.get(dir);
    if (root === undefined) {
      root = findCrateRoot(dir);
      this.rootOfDir.set(dir, root);
    }
    return root;
  }

  private showOnce(crate: CrateState, kind: 'warning' | 'info', message: string): void {
    if (crate.shown.has(message)) {
      return;
    }
    crate.shown.add(message);
    this.log(`[crate] ${message}`);
    if (kind === 'warning') {
      void this.connection.window.showWarningMessage(message);
    } else {
      void this.connection.window.showInformationMessage(message);
    }
  }

  private log(message: string): void {
    this.connection.console.log(message);
  }
}

/** `[package] name`, for the progress title before the layout is read. */
function packageName(root: string): string | null {
  const read = readManifest(root);
  return read.kind === 'parsed' ? (read.manifest.package?.name ?? null) : null;
}

/** The `mod x;` declarations of a file, in order: when they change, the module tree may have. */
export function modSignature(text: string): string {
  const names: string[] = [];
  for (const m of text.matchAll(
    /^[ \t]*(?:#\[path\s*=\s*"([^"]*)"\][ \t]*\n?[ \t]*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;/gm,
  )) {
    names.push(m[1] ? `${m[2]}=${m[1]}` : m[2]);
  }
  return names.join(',');
}

async function readSource(file: string): Promise<string | null> {
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
      return null;
    }
    const text = await fs.promises.readFile(file, 'utf8');
    return text.includes('\u0000') ? null : text;
  } catch {
    return null;
  }
}

function isUnder(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** The modules a file's text declares (`mod x;`, `#[path] mod y;`), read once per text. */
function declaredModules(crate: CrateState, file: string, text: string): Set<string> {
  const known = crate.modulesDeclared.get(file);
  if (known?.text === text) {
    return known.names;
  }
  const names = new Set(
    modSignature(text)
      .split(',')
      .map((m) => m.split('=')[0]),
  );
  crate.modulesDeclared.set(file, { text, names });
  return names;
}
