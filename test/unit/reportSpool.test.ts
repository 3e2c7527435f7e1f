/**
 * A large crate's reports spooled to disk as their rounds end (`cli/reportSpool.ts`, the engine's
 * `holdReport`): read back, they are the reports the crate gives held in memory, and the JSON
 * document written from them one file at a time is `formatJson`'s, byte for byte.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import type { CrateFile } from '../../server/src/analysis/engine';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

type EngineModule = typeof import('../../server/src/analysis/engine');
type SpoolModule = typeof import('../../server/src/cli/reportSpool');
type JsonModule = typeof import('../../server/src/cli/formatJson');

const engine = loadServerModule<EngineModule>('analysis/engine');
const spools = loadServerModule<SpoolModule>('cli/reportSpool');
const json = loadServerModule<JsonModule>('cli/formatJson');

/** Files each awaiting the next file's futures, with buffers, strings and an unknown type. */
function chainCrate(files: number): CrateFile[] {
  const modules: CrateFile[] = [];
  for (let m = 0; m < files; m++) {
    const callee = m + 1 < files ? `crate::m${m + 1}::step(n).await` : `other::call(n).await`;
    const text = [
      `pub async fn step(n: u64) -> u64 {`,
      `    let größe = [0u8; ${64 * (m + 1)}];`,
      `    let name = String::from("é${m}");`,
      `    let out = ${callee};`,
      `    out + größe[1] as u64 + name.len() as u64`,
      `}`,
      `pub async fn idle() {}`,
    ].join('\n');
    modules.push({ file: `src/m${m}.rs`, text, modulePath: [`m${m}`] });
  }
  const lib = modules.map((_, m) => `pub mod m${m};\n`).join('');
  return [{ file: 'src/lib.rs', text: lib, modulePath: [] }, ...modules];
}

describe('report spool: a crate in rounds writes its reports to disk as rounds end', () => {
  before(() => engine.initAnalysis());

  let folder: string;
  beforeEach(() => (folder = spools.makeSpoolFolder()!));
  afterEach(() => spools.removeSpoolFolder(folder));

  const options = { edition: '2021' as const, parseBudgetMs: 60_000 };

  it('gives stand-ins that read back as the reports held in memory', () => {
    const files = chainCrate(5);
    const held = engine.analyzeCrate(files, { ...options, roundChars: Number.MAX_SAFE_INTEGER });
    const spool = new spools.ReportSpool(folder);
    let handed = 0;
    const hold = (report: FileReport) => (handed++, spool.hold(report));
    const spooled = engine.analyzeCrate(files, { ...options, roundChars: 300, holdReport: hold });
    spool.close();
    assert.ok(handed >= 5, `reports handed to the spool: ${handed}`);
    assert.ok(spooled.filter(spools.isSpooled).length >= 5);
    for (const report of spooled.filter(spools.isSpooled)) {
      assert.deepStrictEqual(report.futures, [], 'a stand-in holds no futures');
    }
    assert.deepStrictEqual(spooled.map(spools.unspooled), held);
    // The same document, whether written whole or one spooled file at a time.
    let written = '';
    json.writeJson(spooled, (chunk) => (written += chunk), ['extra']);
    assert.strictEqual(written, json.formatJson(held, ['extra']));
    assert.ok(written.includes('größe'), 'non-ASCII text survives the spool');
  });

  it('is not used by a crate analysed at once', () => {
    const files = chainCrate(3);
    let handed = 0;
    const hold = (report: FileReport) => (handed++, report);
    engine.analyzeCrate(files, { ...options, holdReport: hold });
    assert.strictEqual(handed, 0);
  });

  it('says so when a spool file was cut short, rather than reading a partial report', () => {
    const spool = new spools.ReportSpool(folder);
    const standIn = spool.hold({
      file: 'src/a.rs',
      futures: engine.analyzeCrate(chainCrate(1), options)[1].futures,
      notices: [],
    });
    spool.close();
    assert.ok(spools.isSpooled(standIn));
    fs.truncateSync(standIn.spooled.path, 3);
    assert.throws(() => spools.futuresOf(standIn), /cut short/);
  });

  it('keeps a report in memory when the spool cannot be written', () => {
    const spool = new spools.ReportSpool(`${folder}/removed`);
    const report = engine.analyzeCrate(chainCrate(1), options)[1];
    assert.ok(report.futures.length > 0);
    assert.strictEqual(spool.hold(report), report);
    spool.close();
  });

  it('writes an empty document for no reports, as formatJson does', () => {
    let written = '';
    json.writeJson([], (chunk) => (written += chunk));
    assert.strictEqual(written, json.formatJson([]));
  });
});
