/**
 * Issue 14's "Fast, once" rows: dependencies indexed from their sources into the package cache
 * (`server/src/project/packageCache.ts`), on hyper 0.14's crate graph with Debian's registry as
 * crates.io (all features, as the accuracy runs use):
 *
 * - cold: every dependency of the graph an analysis may read indexed with an empty cache (what
 *   the editor's background thread does once per package, version and features), wall and CPU
 *   time (the machine is shared: the CPU time is what the indexing itself costs);
 * - warm start: the crate graph loaded and every dependency's items read back from the cache, as
 *   a new process (the CLI, a new editor session) starts;
 * - the server's memory with hyper's `src/client/connect/http.rs` open, once its crate and its
 *   dependencies are indexed (background indexing into a fresh storage folder).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient } from './lspClient';
import { loadAverage, TargetRow } from './targets';

type GraphModule = typeof import('../server/src/project/crateGraph');
type IndexModule = typeof import('../server/src/project/dependencyIndex');
type CacheModule = typeof import('../server/src/project/packageCache');
type LoaderModule = typeof import('../server/src/project/dependencyLoader');

export interface DependencyBenchOptions {
  repoRoot: string;
  serverBundle: string;
  /** Debian's registry (`/usr/share/cargo/registry`). */
  registry: string;
  log: (message: string) => void;
}

const MiB = 2 ** 20;
const TIMEOUT_MS = 600_000;
const WARM_RUNS = 5;
const HYPER_FILE = path.join('src', 'client', 'connect', 'http.rs');

const seconds = (millis: number) => `${(millis / 1000).toFixed(2)} s`;
const ms = (millis: number) => `${millis.toFixed(0)} ms`;
const rss = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** hyper-0.14.x in the registry, newest first; null when none is installed. */
function findHyper(registry: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(registry);
  } catch {
    return null;
  }
  const found = names
    .map((name) => /^hyper-0\.14\.(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return found.length > 0 ? path.join(registry, found[0][0]) : null;
}

/** A `CARGO_HOME` whose config replaces crates.io with the registry folder. */
function registryHome(scratch: string, registry: string): string {
  const home = path.join(scratch, 'cargo-home');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(
    path.join(home, 'config.toml'),
    `[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "${registry}"\n`,
  );
  return home;
}

export async function dependencyRows(options: DependencyBenchOptions): Promise<TargetRow[]> {
  const hyper = findHyper(options.registry);
  if (hyper === null) {
    return [
      {
        what: "Dependencies (issue 14): hyper 0.14's graph",
        input: '',
        result:
          `not run: no hyper-0.14.* in ${options.registry} ` +
          '(apt-get install librust-hyper-dev)',
        target: '≤ 10 s cold; ≤ 300 ms warm; ≤ 300 MB',
      },
    ];
  }
  const rows: TargetRow[] = [
    {
      what: 'Load average (1, 5, 15 min) before these rows',
      input: '',
      result: loadAverage(),
      target: '',
    },
  ];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-deps-'));
  try {
    const home = registryHome(scratch, options.registry);
    rows.push(...(await indexRows(options, hyper, home, path.join(scratch, 'cache'))));
    if (fs.existsSync(options.serverBundle)) {
      rows.push(await serverRow(options, hyper, home, path.join(scratch, 'storage')));
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  rows.push({
    what: 'Load average (1, 5, 15 min) after these rows',
    input: '',
    result: loadAverage(),
    target: '',
  });
  return rows;
}

/** Cold index and warm start, in this process (the parser is loaded already). */
async function indexRows(
  options: DependencyBenchOptions,
  hyper: string,
  home: string,
  cacheDir: string,
): Promise<TargetRow[]> {
  const load = <T>(module: string) =>
    require(path.join(options.repoRoot, 'server', 'out', ...module.split('/'))) as T;
  const graphs = load<GraphModule>('project/crateGraph.js');
  const index = load<IndexModule>('project/dependencyIndex.js');
  const caches = load<CacheModule>('project/packageCache.js');
  const loader = load<LoaderModule>('project/dependencyLoader.js');
  const graphOptions = { allFeatures: true, env: { CARGO_HOME: home, HOME: home } };
  const label = `${path.basename(hyper)}, all features`;

  options.log('dependencies: cold index of hyper 0.14 graph');
  const coldStart = performance.now();
  const coldCpu = process.cpuUsage();
  const graph = graphs.loadCrateGraph(hyper, graphOptions)!;
  const packages = loader.dependencyPackages(graph);
  const files = packages.reduce((n, p) => n + p.files().length, 0);
  const cold = await index.indexDependencies(graph, new caches.PackageCache(cacheDir));
  const coldMs = performance.now() - coldStart;
  const cpu = process.cpuUsage(coldCpu);
  const coldCpuMs = (cpu.user + cpu.system) / 1000;

  options.log('dependencies: warm start');
  const warm: number[] = [];
  for (let run = 0; run < WARM_RUNS; run++) {
    const started = performance.now();
    const again = graphs.loadCrateGraph(hyper, graphOptions)!;
    const cache = new caches.PackageCache(cacheDir);
    for (const pkg of loader.dependencyPackages(again, { cache, fill: false })) {
      pkg.data?.peek('items');
    }
    warm.push(performance.now() - started);
  }
  const failed = cold.failed.length > 0 ? `; not indexed: ${cold.failed.join('; ')}` : '';
  return [
    {
      what: "Dependencies: cold index of hyper 0.14's graph (empty cache)",
      input: `${label}: ${cold.total} packages, ${files.toLocaleString('en-US')} files`,
      result: `${seconds(coldMs)} (CPU ${seconds(coldCpuMs)})${failed}`,
      target: '≤ 10 s',
    },
    {
      what: 'Dependencies: warm start (graph loaded, every package read from the cache)',
      input: `${label} (median of ${WARM_RUNS})`,
      result: ms(median(warm)),
      target: '≤ 300 ms',
    },
  ];
}

/** The server with hyper's `http.rs` open, its crate indexed and its dependencies in the cache. */
async function serverRow(
  options: DependencyBenchOptions,
  hyper: string,
  home: string,
  storage: string,
): Promise<TargetRow> {
  options.log("dependencies: server with hyper's http.rs open");
  const client = new LspClient(options.serverBundle, options.repoRoot, {
    env: { CARGO_HOME: home },
    settings: { cargo: { features: 'all' } },
  });
  const file = path.join(hyper, HYPER_FILE);
  const text = fs.readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).toString();
  try {
    await client.initialize(pathToFileURL(hyper).toString(), true, {
      serverStatus: true,
      cacheDir: storage,
    });
    const started = performance.now();
    const indexed = client.nextRefresh(TIMEOUT_MS);
    await client.open(uri, text);
    await client.inlayHints(uri, text.split('\n').length + 1);
    const firstHints = performance.now() - started;
    await indexed;
    const deadline = Date.now() + TIMEOUT_MS;
    // Indexing has begun (a progress was told) and ended (the last status has none).
    while (
      Date.now() < deadline &&
      !(client.statuses.some((s) => s.dependencies) && !client.statuses.at(-1)?.dependencies)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const total = client.statuses.flatMap((s) => (s.dependencies ? [s.dependencies.total] : []));
    const elapsed = performance.now() - started;
    const memory = client.memory();
    return {
      what: "Server RSS, hyper's http.rs open, crate and dependencies indexed: peak / after",
      input: `${path.basename(hyper)}, all features, ${total.at(-1) ?? 0} dependencies`,
      result: memory
        ? `${rss(memory.peak)} / ${rss(memory.current)} (first hints ${ms(firstHints)}, ` +
          `all indexed in ${seconds(elapsed)})`
        : 'n/a (no /proc)',
      target: '≤ 300 MB',
    };
  } finally {
    await client.dispose();
  }
}
