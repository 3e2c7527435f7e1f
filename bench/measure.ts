/**
 * The bench's Measure Exact Sizes rows: how long `calibrateCrate` takes the first time and again
 * after an edit, on the bundled example crate (std only) and on a small tokio app whose
 * dependencies come from Debian's registry (`/usr/share/cargo/registry`, by source replacement,
 * offline). Each crate is built once with `cargo build` first, as its user would have, so the
 * first measurement can reuse those dependency builds. For comparison, the tokio app is also
 * measured the way earlier versions did: in a target directory of its own, with RUSTC_BOOTSTRAP=1
 * set for the whole build. Skipped, with a message, without cargo.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

type CalibrateModule = typeof import('../server/src/measure/calibrate');

export interface MeasureRow {
  what: string;
  input: string;
  result: string;
  target: string;
}

const TARGET = 'second run ≤ 10 s';

const TOKIO_APP = `use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub async fn serve(addr: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    loop {
        let (socket, _) = listener.accept().await?;
        tokio::spawn(echo(socket));
    }
}

pub async fn echo(mut socket: TcpStream) -> std::io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        socket.write_all(&buf[..n]).await?;
    }
}
`;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function hasCargo(): boolean {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** tokio's version in the registry, when there is one. */
function registryTokio(registry: string): string | null {
  const dirs = fs.existsSync(registry)
    ? fs.readdirSync(registry).filter((d) => /^tokio-1\.\d+\.\d+$/.test(d))
    : [];
  return dirs.length ? dirs.sort().reverse()[0].slice('tokio-'.length) : null;
}

function writeTokioApp(dir: string, registry: string, version: string): void {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, '.cargo'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'Cargo.toml'),
    `[package]\nname = "bench-tokio-app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntokio = { version = "=${version}", features = ["net", "rt", "macros", "io-util", "time", "sync"] }\n`,
  );
  fs.writeFileSync(
    path.join(dir, '.cargo', 'config.toml'),
    `[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "${registry}"\n\n[net]\noffline = true\n`,
  );
  fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), TOKIO_APP);
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

async function timedAsync<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

function touchLib(dir: string): void {
  fs.appendFileSync(path.join(dir, 'src', 'lib.rs'), `\n// edited by the bench\n`);
}

/** cargo build as the user would have run it; its time, or why it failed. */
function userBuild(dir: string): { ms: number; error: string | null } {
  const run = timed(() => spawnSync('cargo', ['build', '--quiet'], { cwd: dir, encoding: 'utf8' }));
  const error = run.value.status === 0 ? null : (run.value.stderr || 'cargo build failed').trim();
  return { ms: run.ms, error: error && error.split('\n').slice(-3).join(' ') };
}

async function measureTwice(
  calibrate: CalibrateModule,
  dir: string,
  input: string,
): Promise<MeasureRow> {
  const built = userBuild(dir);
  if (built.error) {
    return { what: 'Measure Exact Sizes', input, result: `n/a (${built.error})`, target: TARGET };
  }
  const options = { allowBootstrap: true };
  const first = await timedAsync(() => calibrate.calibrateCrate(dir, options));
  touchLib(dir);
  const second = await timedAsync(() => calibrate.calibrateCrate(dir, options));
  const describe = (run: typeof first) =>
    run.value.ok
      ? `${seconds(run.ms)} (${run.value.measured} of ${run.value.total} futures)`
      : `failed: ${run.value.error}`;
  const rustc = first.value.ok ? `; ${first.value.data.rustc}` : '';
  return {
    what: 'Measure Exact Sizes: first run / second run after an edit',
    input,
    result: `${describe(first)} / ${describe(second)} (the user's \`cargo build\` before: ${seconds(built.ms)}${rustc})`,
    target: TARGET,
  };
}

/** The previous way: a private target directory, RUSTC_BOOTSTRAP=1 for every crate of the build. */
function previousWay(dir: string, input: string): MeasureRow {
  const targetDir = path.join(dir, 'target', 'previous-way');
  const env = { ...process.env, RUSTC_BOOTSTRAP: '1', CARGO_TARGET_DIR: targetDir };
  const build = () =>
    spawnSync('cargo', ['rustc', '--lib', '--quiet', '--', '-Zprint-type-sizes'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
  const first = timed(build);
  touchLib(dir);
  const second = timed(() => {
    spawnSync('cargo', ['clean', '-p', 'bench-tokio-app'], { cwd: dir, env, stdio: 'ignore' });
    return build();
  });
  const ok = first.value.status === 0 && second.value.status === 0;
  return {
    what: 'For comparison, the previous way (own target dir, RUSTC_BOOTSTRAP=1 for every crate): cargo alone, first / second run',
    input,
    result: ok ? `${seconds(first.ms)} / ${seconds(second.ms)}` : 'n/a (cargo failed)',
    target: '',
  };
}

export async function measureSection(
  repoRoot: string,
  registry: string,
  log: (message: string) => void,
): Promise<MeasureRow[]> {
  if (!hasCargo()) {
    log('measure: skipped, cargo is not installed');
    const result = 'skipped: cargo is not installed';
    return [{ what: 'Measure Exact Sizes', input: 'examples/', result, target: TARGET }];
  }
  const calibrate = require(
    path.join(repoRoot, 'server', 'out', 'measure', 'calibrate.js'),
  ) as CalibrateModule;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-bench-measure-'));
  const rows: MeasureRow[] = [];
  try {
    const example = path.join(scratch, 'examples');
    fs.cpSync(path.join(repoRoot, 'examples'), example, {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}target`),
    });
    log('measure: examples/ (first run, then again after an edit)');
    rows.push(await measureTwice(calibrate, example, '`examples/` (std only)'));
    const version = registryTokio(registry);
    if (!version) {
      log(`measure: no tokio in ${registry}; the tokio app is skipped`);
      return rows;
    }
    const app = path.join(scratch, 'tokio-app');
    writeTokioApp(app, registry, version);
    const input = `a tokio ${version} app (2 async fns; tokio, mio, syn … from ${registry})`;
    log('measure: the tokio app (first run, then again after an edit)');
    rows.push(await measureTwice(calibrate, app, input));
    log('measure: the tokio app, the previous way');
    rows.push(previousWay(app, input));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}
