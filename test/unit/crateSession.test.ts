/**
 * A crate session (the editor's crate index across edits) must give exactly what a fresh
 * `analyzeCrate` of the same texts gives, after any sequence of edits across files, while walking
 * only the files an edit reaches.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CrateFile } from '../../server/src/analysis/engine';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const sessions = loadServerModule<
  typeof import('../../server/src/analysis/incremental/crateSession')
>('analysis/incremental/crateSession');
const crates =
  loadServerModule<typeof import('../../server/src/project/crateLayout')>('project/crateLayout');

const LIB = `mod a;
mod b;
mod c;
pub const N: usize = 16;
pub struct Shared { pub buf: [u8; N], pub id: u64 }
pub async fn root_fn(s: Shared) -> u64 {
    let x = a::fa(1).await;
    let y = b::fb::<u32>(2).await;
    s.id + x + y
}
`;

const A = `use crate::Shared;
pub async fn leaf() -> u64 {
    let buf = [0u8; 32];
    tick().await;
    buf[0] as u64
}
async fn tick() {}
pub async fn fa(n: u64) -> u64 {
    let s = Shared { buf: [0; crate::N], id: n };
    let v = leaf().await;
    s.id + v
}
pub fn later() -> impl std::future::Future<Output = u64> {
    async move { leaf().await }
}
`;

const B = `use crate::a;
pub async fn fb<T: Default>(n: u64) -> u64 {
    let t = T::default();
    let w = a::leaf().await;
    drop(t);
    n + w
}
pub async fn chain() -> u64 {
    let f = a::later();
    f.await + crate::a::fa(3).await
}
pub async fn blocks() {
    let b = async { a::leaf().await };
    b.await;
    let big = [0u64; 8];
    fb::<[u8; 40]>(1).await;
    drop(big);
}
`;

const C = `pub struct Conn { pub data: [u8; 64] }
impl Conn {
    pub async fn read(&mut self) -> usize {
        let tmp = [0u8; 128];
        crate::a::leaf().await;
        tmp.len()
    }
}
pub async fn use_conn(mut c: Conn) -> usize {
    let n = c.read().await;
    crate::b::chain().await;
    n
}
`;

const D = `pub async fn extra(x: crate::Shared) -> u64 {
    crate::a::fa(x.id).await + crate::c::use_conn(crate::c::Conn { data: [0; 64] }).await as u64
}
`;

/** A small random number generator, so a failure names the edit that caused it. */
function randoms(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % below;
  };
}

type Files = Map<string, string>;

function crateFiles(files: Files): CrateFile[] {
  return [...files].map(([file, text]) => ({
    file,
    text,
    modulePath: file === 'lib.rs' ? [] : [file.replace(/\.rs$/, '')],
  }));
}

/** The start of each line that opens an async fn's body. */
function asyncBodies(text: string): number[] {
  return [...text.matchAll(/async fn[^{]*\{\n/g)].map((m) => m.index! + m[0].length);
}

/** One random edit of one file, or a file added or removed; returns what it did. */
function edit(files: Files, next: (below: number) => number, step: number): string {
  const names = [...files.keys()];
  const file = names[next(names.length)];
  const text = files.get(file)!;
  const kind = next(7);
  if (kind === 0) {
    // A value held across an await: the fn's future grows, and every future awaiting it.
    const bodies = asyncBodies(text);
    if (bodies.length > 0) {
      const at = bodies[next(bodies.length)];
      const pad = `[0u8; ${8 * (1 + next(6))}]`;
      const line =
        `    let pad${step} = ${pad};\n    crate::a::leaf().await;\n` + `    drop(pad${step});\n`;
      files.set(file, text.slice(0, at) + line + text.slice(at));
      return `held value in ${file} at ${at}`;
    }
  }
  if (kind === 1) {
    // A number anywhere: array lengths in bodies, fields and signatures, consts.
    const numbers = [...text.matchAll(/\b\d+\b/g)];
    if (numbers.length > 0) {
      const hit = numbers[next(numbers.length)];
      const value = String(1 + next(100));
      files.set(file, text.slice(0, hit.index) + value + text.slice(hit.index! + hit[0].length));
      return `number ${hit[0]} → ${value} in ${file}`;
    }
  }
  if (kind === 2 && file !== 'lib.rs') {
    // A file added or removed, with its `mod` line.
    if (files.has('d.rs')) {
      files.delete('d.rs');
      files.set('lib.rs', files.get('lib.rs')!.replace('mod d;\n', ''));
      return 'd.rs removed';
    }
    files.set('d.rs', D);
    files.set('lib.rs', 'mod d;\n' + files.get('lib.rs')!);
    return 'd.rs added';
  }
  if (kind === 3) {
    // A signature: a parameter's type.
    const edited = text
      .replace(/\(n: u64\)/, '(n: u32)')
      .replace(/\(x: crate::Shared\)/, '(x: u8)');
    if (edited !== text) {
      files.set(file, edited);
      return `a parameter's type in ${file}`;
    }
  }
  // A character typed anywhere: spaces and newlines move code, others may break it.
  const at = next(text.length);
  const typed = ' \n x;{}'[next(7)];
  files.set(file, text.slice(0, at) + typed + text.slice(at));
  return `${JSON.stringify(typed)} typed in ${file} at ${at}`;
}

describe('crate session', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  /** The four-file crate the edits start from (each test edits its own copy). */
  const smallCrate = (): Files =>
    new Map([
      ['lib.rs', LIB],
      ['a.rs', A],
      ['b.rs', B],
      ['c.rs', C],
    ]);

  it('gives the same reports as a fresh analyzeCrate after random edits across files', () => {
    const files = smallCrate();
    const session = new sessions.CrateSession({ edition: '2021' });
    session.update(crateFiles(files));
    const next = randoms(5);
    let partial = 0;
    let sized = 0;
    // Files walked by the incremental updates, against the files of the crate at each.
    let walked = 0;
    let crateSizes = 0;
    for (let step = 0; step < 120; step++) {
      const what = edit(files, next, step);
      const input = crateFiles(files);
      const incremental = session.update(input);
      const fresh = engine.analyzeCrate(input, { edition: '2021' });
      assert.deepStrictEqual(incremental, fresh, `edit ${step}: ${what}`);
      if (!session.last.whole) {
        partial++;
        walked += session.last.walked;
        crateSizes += input.length;
      }
      sized += fresh.reduce((n, r) => n + r.futures.filter((f) => f.size !== null).length, 0);
    }
    // The edits must exercise both paths, and the crate must keep sizing futures.
    assert.ok(partial > 30, `only ${partial} of 120 edits were analysed incrementally`);
    assert.ok(sized > 120, 'the edits broke every future');
    assert.ok(
      walked < crateSizes / 2,
      `incremental updates walked ${walked} files of ${crateSizes}`,
    );
  });

  it('walks the edited file alone when its sizes stay, and the awaiting files when not', () => {
    const files = smallCrate();
    const session = new sessions.CrateSession({ edition: '2021' });
    session.update(crateFiles(files));
    files.set('c.rs', C.replace('tmp.len()', 'tmp.len() + 0'));
    session.update(crateFiles(files));
    assert.deepStrictEqual(session.last, { walked: 1, whole: false });
    // `leaf` holds more: every file awaiting it (directly or not) is walked again.
    files.set('a.rs', A.replace('[0u8; 32]', '[0u8; 320]'));
    const reports = session.update(crateFiles(files));
    assert.strictEqual(session.last.whole, false);
    assert.ok(session.last.walked >= 4, `walked ${session.last.walked}`);
    assert.deepStrictEqual(reports, engine.analyzeCrate(crateFiles(files), { edition: '2021' }));
    const useConn = reports[3].futures.find((f) => f.name === 'c::use_conn');
    assert.ok(useConn && useConn.size! > 320, 'the size did not reach c::use_conn');
  });

  it('gives the same reports as a fresh analyzeCrate after random edits in tokio', function () {
    const registry = '/usr/share/cargo/registry';
    const tokio = fs.existsSync(registry)
      ? fs.readdirSync(registry).find((d) => /^tokio-1\.\d+/.test(d))
      : undefined;
    if (!tokio) {
      this.skip();
    }
    this.timeout(300_000);
    const layout = crates.readCrateLayout(path.join(registry, tokio!));
    const input: CrateFile[] = layout.files.map((f) => ({
      file: f.path,
      text: fs.readFileSync(f.path, 'utf8'),
      modulePath: f.modulePath,
    }));
    const options = { edition: '2021' as const };
    const session = new sessions.CrateSession(options);
    session.update(input);
    const next = randoms(3);
    const withAsync = input.map((f, i) => i).filter((i) => input[i].text.includes('async fn'));
    for (let step = 0; step < 6; step++) {
      const i = withAsync[next(withAsync.length)];
      const bodies = asyncBodies(input[i].text);
      const at = bodies.length > 0 ? bodies[next(bodies.length)] : 0;
      const line =
        step % 2 === 0 ? `        let pad${step} = [0u8; 64];\n        drop(pad${step});\n` : '\n';
      input[i] = { ...input[i], text: input[i].text.slice(0, at) + line + input[i].text.slice(at) };
      const incremental = session.update(input);
      assert.strictEqual(session.last.whole, false, `edit ${step} analysed the crate whole`);
      assert.deepStrictEqual(incremental, engine.analyzeCrate(input, options), `edit ${step}`);
    }
  });
});

describe("crate session in the index worker's jobs", () => {
  const crateJobs =
    loadServerModule<typeof import('../../server/src/lsp/crateJobs')>('lsp/crateJobs');
  const calibration = loadServerModule<
    typeof import('../../server/src/analysis/types/calibration')
  >('analysis/types/calibration');

  it('takes unchanged texts from its session, and asks for texts it does not hold', async () => {
    const jobs = new crateJobs.CrateJobs();
    const files = crateFiles(
      new Map([
        ['lib.rs', LIB],
        ['a.rs', A],
        ['b.rs', B],
        ['c.rs', C],
      ]),
    ).map((f) => ({ ...f, file: path.join('/nonexistent-crate', f.file) }));
    const job = (sent: import('../../server/src/lsp/crateJobs').CrateJobFile[]) => ({
      kind: 'analyze' as const,
      root: '/nonexistent-crate',
      files: sent,
      edition: '2021' as const,
    });
    const hashed = files.map((f) => ({ ...f, hash: calibration.hashText(f.text) }));
    const lean = hashed.map(({ file, modulePath, hash }) => ({ file, modulePath, hash }));
    // A worker that holds no session of the crate (a new one) names the texts it needs.
    assert.deepStrictEqual(await jobs.run(job(lean)), {
      missingTexts: files.map((f) => f.file),
    });
    const full = await jobs.run(job(hashed));
    // Only the edited file's text is sent again.
    const edited = C.replace('[0u8; 128]', '[0u8; 256]');
    const again = await jobs.run(
      job([...lean.slice(0, 3), { ...files[3], text: edited, hash: calibration.hashText(edited) }]),
    );
    const fresh = engine.analyzeCrate(
      files.map((f, i) => (i === 3 ? { ...f, text: edited } : f)),
      { edition: '2021' },
    );
    assert.deepStrictEqual(again, fresh);
    assert.notDeepStrictEqual(again, full);
    // A forgotten crate's texts are gone.
    await jobs.run({ kind: 'forget', root: '/nonexistent-crate' });
    assert.ok('missingTexts' in ((await jobs.run(job(lean))) as object));
  });

  it('sends the server only the reports an edit changed, keeping stand-ins itself', async () => {
    const runners =
      loadServerModule<typeof import('../../server/src/lsp/crateRunner')>('lsp/crateRunner');
    const packedReports =
      loadServerModule<typeof import('../../server/src/lsp/packedReport')>('lsp/packedReport');
    const root = '/nonexistent-crate';
    const files = crateFiles(
      new Map([
        ['lib.rs', LIB],
        ['a.rs', A],
        ['b.rs', B],
        ['c.rs', C],
      ]),
    ).map((f) => ({ ...f, file: path.join(root, f.file) }));
    const job = (texts: typeof files) => ({
      kind: 'analyze' as const,
      root,
      files: texts,
      edition: '2021' as const,
    });
    const edited = C.replace('[0u8; 128]', '[0u8; 256]');
    const editedFiles = files.map((f, i) => (i === 3 ? { ...f, text: edited } : f));
    const fresh = engine.analyzeCrate(editedFiles, { edition: '2021' });
    // The worker's side: after an answer it keeps stand-ins; the next answer names only changes,
    // and a caller that keeps the reports gets them packed.
    type Packed = import('../../server/src/lsp/packedReport').PackedReport;
    const unpack = (reports: Packed[]) => reports.map(packedReports.unpackReport);
    const jobs = new crateJobs.CrateJobs();
    const first = unpack((await jobs.run({ ...job(files), keepsReports: true })) as Packed[]);
    assert.deepStrictEqual(first, engine.analyzeCrate(files, { edition: '2021' }));
    type Changes = import('../../server/src/lsp/crateJobs').ReportChange[];
    const diffJob = { ...job(editedFiles), keepsReports: true, holdsLast: true };
    const changes = (await jobs.run(diffJob)) as Changes;
    assert.deepStrictEqual(changes.slice(0, 3), [null, null, null]);
    assert.deepStrictEqual(unpack([changes[3] as Packed]), [fresh[3]]);
    // A caller that lost the reports gets them all again (the crate analysed anew).
    assert.deepStrictEqual(await jobs.run(job(editedFiles)), fresh);
    // The server's side, through the index worker: whole reports, equal to a fresh analysis.
    const runner = new runners.CrateRunner(() => undefined);
    try {
      assert.deepStrictEqual(unpack(await runner.run(job(files))), first);
      assert.deepStrictEqual(unpack(await runner.run(job(editedFiles))), fresh);
      assert.deepStrictEqual(unpack(await runner.run(job(files))), first);
    } finally {
      runner.dispose();
    }
  });
});

describe('crate session: reports held as rounds end', () => {
  it('packs each report as its round ends; unpacked, they equal a fresh analysis', () => {
    const packing =
      loadServerModule<typeof import('../../server/src/lsp/packedReport')>('lsp/packedReport');
    const files = crateFiles(
      new Map([
        ['lib.rs', LIB],
        ['a.rs', A],
        ['b.rs', B],
        ['c.rs', C],
      ]),
    );
    const packed = new Map<string, import('../../server/src/lsp/packedReport').PackedReport>();
    // Rounds of one file each: every file with futures is packed as its own round ends.
    const session = new sessions.CrateSession({ edition: '2021', roundChars: 1 });
    const reports = session.update(files, undefined, (report) => {
      packed.set(report.file, packing.packReport(report));
      return { file: report.file, futures: [], notices: report.notices };
    });
    const fresh = engine.analyzeCrate(files, { edition: '2021' });
    assert.ok(packed.size >= 3, `${packed.size} reports packed`);
    const unpacked = reports.map((r) => {
      const held = packed.get(r.file);
      return held ? packing.unpackReport(held) : r;
    });
    assert.deepStrictEqual(unpacked, fresh);
    assert.ok(fresh.some((r) => r.futures.length > 0));
  });
});
