/**
 * Diagnostics for the files of an indexed crate that are not open
 * (`rustFutureSize.diagnostics.workspace`). Each crate analysis of the index brings every file's
 * report with the text it read; the closed files' findings are published from those, with the same
 * lint levels, settings and severities as an open file's (`diagnostics.ts`), so the Problems panel
 * lists the whole crate. Open files are left to the live analysis. A file that leaves the crate, a
 * crate the index lets go, and the setting turned off clear what was published.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { FileReport } from '../analysis/report';
import type { ModuleAncestor } from '../lints/levels';
import { SourceText } from '../text/sourceText';
import type { ClientSession } from './client';
import { DiagnosticsOptions, enabledFindings, toDiagnostic } from './diagnostics';
import { DocumentStore, filePathOf } from './documents';
import type { CrateAnalysis, ObservedCrateRunner } from './observedCrateRunner';
import type { Settings, SettingsStore } from './settings';
import { PackedReport, unpackReport } from './packedReport';

/**
 * Files linted between two turns of the event loop: tokio's 297 take about 40 ms in all, which
 * would otherwise hold up a keystroke's analysis; and at most this many milliseconds of them (a
 * changed file's report is unpacked first: a few ms for one of 1,000 lines).
 */
const YIELD_EVERY = 32;
const YIELD_AFTER_MS = 8;

interface CrateFiles {
  root: string;
  /** Bumped by every analysis and by forgetting: a slower publication of an older one stops. */
  generation: number;
  /** Absolute path → the text the analysis read and its report (packed). */
  files: Map<string, CrateFileEntry>;
}

interface CrateFileEntry {
  text: string;
  packed: PackedReport;
}

/** What a closed file's published diagnostics were made from, and their JSON. */
interface PublishedFrom {
  packed: PackedReport;
  text: string;
  settings: Settings;
  ancestors: ModuleAncestor[];
  json: string;
  /** How many diagnostics the JSON holds. */
  diagnostics: number;
}

export class WorkspaceDiagnostics {
  private readonly crates = new Map<string, CrateFiles>();
  /** What was last published for each closed file (by path), as JSON: sent once. */
  private readonly published = new Map<string, string>();
  /**
   * What each closed file's publication was made from: a file whose report, text, settings and
   * module ancestors are the same again publishes the same, and its report is not unpacked.
   */
  private readonly sources = new Map<string, PublishedFrom>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: DocumentStore,
    private readonly settings: SettingsStore,
    private readonly client: ClientSession,
    runner: ObservedCrateRunner,
    private readonly ancestors: (file: string) => ModuleAncestor[],
    private readonly options: Pick<DiagnosticsOptions, 'docsUrl'>,
  ) {
    runner.onDidAnalyseCrate((analysis) => void this.analysed(analysis));
    runner.onDidForgetCrate((root) => this.forget(root));
    settings.onDidChangeSettings(() => void this.republishAll());
  }

  /**
   * A document closed: its crate analysis's findings if that analysis read what is on disk now,
   * else none until the index has read the file again.
   */
  async documentClosed(uri: string): Promise<void> {
    const file = path.resolve(filePathOf(uri));
    const found = this.entryOf(file);
    let diagnostics: Diagnostic[] = [];
    if (found && (await readText(file)) === found.entry.text) {
      const settings = await this.settingsOf(found.crate);
      const { packed, text } = found.entry;
      const report = unpackReport(packed);
      diagnostics = this.diagnosticsOf(settings, uri, file, report, text) ?? [];
    }
    if (this.isOpen(file)) {
      return;
    }
    this.published.set(file, JSON.stringify(diagnostics));
    await this.send(uri, diagnostics);
  }

  private async analysed({ root, files, reports }: CrateAnalysis): Promise<void> {
    const previous = this.crates.get(root);
    if (previous) {
      previous.generation++;
    }
    const generation = (previous?.generation ?? 0) + 1;
    const crate: CrateFiles = { root, generation, files: new Map() };
    files.forEach((f, i) =>
      crate.files.set(path.resolve(f.file), { text: f.text, packed: reports[i] }),
    );
    this.crates.set(root, crate);
    for (const file of previous?.files.keys() ?? []) {
      if (!crate.files.has(file)) {
        await this.clear(file);
      }
    }
    await this.publishCrate(crate);
  }

  private forget(root: string): void {
    const crate = this.crates.get(root);
    if (!crate) {
      return;
    }
    crate.generation++;
    this.crates.delete(root);
    for (const file of crate.files.keys()) {
      void this.clear(file);
    }
  }

  private async republishAll(): Promise<void> {
    for (const crate of [...this.crates.values()]) {
      crate.generation++;
      await this.publishCrate(crate);
    }
  }

  private async publishCrate(crate: CrateFiles): Promise<void> {
    const generation = crate.generation;
    const settings = await this.settingsOf(crate);
    const started = Date.now();
    let count = 0;
    let files = 0;
    let turn = Date.now();
    for (const [file, { text, packed }] of crate.files) {
      if (++files % YIELD_EVERY === 0 || Date.now() - turn >= YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        turn = Date.now();
      }
      if (crate.generation !== generation) {
        return;
      }
      if (this.isOpen(file)) {
        // The live analysis publishes for it, and replaces what this published.
        this.published.delete(file);
        continue;
      }
      if (!settings.diagnostics.workspace) {
        await this.clear(file);
        continue;
      }
      const ancestors = this.ancestors(file);
      const from = this.sources.get(file);
      if (from && this.publishedFrom(file, from, { packed, text, settings, ancestors })) {
        count += from.diagnostics;
        continue;
      }
      const uri = pathToFileURL(file).toString();
      const report = unpackReport(packed);
      const diagnostics = this.diagnosticsOf(settings, uri, file, report, text, ancestors) ?? [];
      count += diagnostics.length;
      const json = JSON.stringify(diagnostics);
      this.sources.set(file, {
        packed,
        text,
        settings,
        ancestors,
        json,
        diagnostics: diagnostics.length,
      });
      // Nothing published yet counts as none: a file without findings costs no message.
      if ((this.published.get(file) ?? '[]') !== json) {
        this.published.set(file, json);
        await this.send(uri, diagnostics);
      }
    }
    const elapsed = Date.now() - started;
    const name = path.basename(crate.root);
    this.connection.tracer.log(
      `[diagnostics] ${name}: ${count} for ${crate.files.size} files in ${elapsed} ms`,
    );
  }

  /**
   * The settings of a crate's closed files: those of its Cargo.toml, one request for the whole
   * crate (settings differ by workspace folder, and clippy reads the crate root's clippy.toml).
   */
  private settingsOf(crate: CrateFiles): Promise<Settings> {
    return this.settings.get(pathToFileURL(path.join(crate.root, 'Cargo.toml')).toString());
  }

  /** Whether a file's publication was made from these, and is still what was published. */
  private publishedFrom(
    file: string,
    from: PublishedFrom,
    now: Omit<PublishedFrom, 'json' | 'diagnostics'>,
  ): boolean {
    const { ancestors } = now;
    return (
      from.packed === now.packed &&
      from.text === now.text &&
      from.settings === now.settings &&
      from.ancestors.length === ancestors.length &&
      from.ancestors.every(
        (a, i) => a.child === ancestors[i].child && a.text === ancestors[i].text,
      ) &&
      (this.published.get(file) ?? '[]') === from.json
    );
  }

  /** The file's diagnostics, or null when the setting is off. */
  private diagnosticsOf(
    settings: Settings,
    uri: string,
    file: string,
    report: FileReport,
    text: string,
    ancestors?: ModuleAncestor[],
  ): Diagnostic[] | null {
    if (!settings.diagnostics.workspace) {
      return null;
    }
    const analysis = {
      report,
      source: new SourceText(text),
      moduleAncestors: () => ancestors ?? this.ancestors(file),
    };
    return enabledFindings(analysis, settings).map((finding) =>
      toDiagnostic(finding, uri, settings, {
        docsUrl: this.options.docsUrl,
        relatedInformation: this.client.supports.relatedInformation,
        codeDescription: this.client.supports.codeDescription,
      }),
    );
  }

  /** Takes back what was published for a closed file. */
  private async clear(file: string): Promise<void> {
    this.sources.delete(file);
    if (!this.published.has(file)) {
      return;
    }
    this.published.delete(file);
    if (!this.isOpen(file)) {
      await this.send(pathToFileURL(file).toString(), []);
    }
  }

  private async send(uri: string, diagnostics: Diagnostic[]): Promise<void> {
    try {
      await this.connection.sendDiagnostics({ uri, diagnostics });
    } catch {
      // The client is gone (shutdown): there is nobody to tell.
    }
  }

  private entryOf(file: string): { crate: CrateFiles; entry: CrateFileEntry } | undefined {
    for (const crate of this.crates.values()) {
      const entry = crate.files.get(file);
      if (entry) {
        return { crate, entry };
      }
    }
    return undefined;
  }

  private isOpen(file: string): boolean {
    return this.documents.all().some((d) => path.resolve(filePathOf(d.uri)) === file);
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return null;
  }
}
