/**
 * The one Cargo.toml reader (`project/manifest.ts`) and those that ask it: editions, crate
 * layouts and calibration all follow `edition.workspace = true` the same way.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';

const manifests =
  loadServerModule<typeof import('../../server/src/project/manifest')>('project/manifest');
const crates =
  loadServerModule<typeof import('../../server/src/project/crateLayout')>('project/crateLayout');
const calibrate =
  loadServerModule<typeof import('../../server/src/measure/calibrate')>('measure/calibrate');

let tempRoot: string;

function makeTree(name: string, files: Record<string, string>): string {
  const root = path.join(tempRoot, name);
  for (const [relative, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), text);
  }
  return root;
}

const WORKSPACE = {
  'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nedition = "2024"\n',
  'crates/a/Cargo.toml': '[package]\nname = "a"\nedition.workspace = true\n',
  'crates/a/src/lib.rs': 'pub async fn f() {}\n',
};

describe('project: Cargo.toml', () => {
  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-manifest-'));
  });
  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('reads the package, its targets, features and dependencies', () => {
    const root = makeTree('full', {
      'Cargo.toml': [
        '[package]\nname = "full"\nedition = "2021"\n',
        '[lib]\npath = "src/core.rs"\n',
        '[[bin]]\nname = "tool"\npath = "src/bin/tool.rs"\n',
        '[[test]]\nname = "it"\n',
        '[[example]]\nname = "demo"\n',
        '[features]\ndefault = ["fast"]\nfast = []\n',
        '[dependencies]\nserde = { version = "1", optional = true }\ntokio = "1"\n',
        '[dev-dependencies]\nproptest = "1"\n',
      ].join('\n'),
    });
    const read = manifests.readManifest(root);
    assert.strictEqual(read.kind, 'parsed');
    const manifest = read.kind === 'parsed' ? read.manifest : assert.fail();
    assert.deepStrictEqual(manifest.package, { name: 'full', edition: '2021', workspace: null });
    assert.deepStrictEqual(manifest.targets, [
      { kind: 'lib', name: null, path: 'src/core.rs' },
      { kind: 'bin', name: 'tool', path: 'src/bin/tool.rs' },
      { kind: 'test', name: 'it', path: null },
      { kind: 'example', name: 'demo', path: null },
    ]);
    assert.deepStrictEqual(manifest.features, { default: ['fast'], fast: [] });
    assert.deepStrictEqual(manifest.dependencies, [
      { name: 'serde', section: 'dependencies', optional: true },
      { name: 'tokio', section: 'dependencies', optional: false },
      { name: 'proptest', section: 'dev-dependencies', optional: false },
    ]);
  });

  it('reads a manifest once, and again when it changes on disk', () => {
    const root = makeTree('cached', { 'Cargo.toml': '[package]\nname = "one"\n' });
    const first = manifests.readManifest(root);
    assert.strictEqual(
      manifests.readManifest(root),
      first,
      'an unchanged manifest comes from the cache',
    );
    fs.writeFileSync(path.join(root, 'Cargo.toml'), '[package]\nname = "second"\n');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'Cargo.toml'), later, later);
    const second = manifests.readManifest(root);
    assert.strictEqual(second.kind === 'parsed' ? second.manifest.package?.name : null, 'second');
  });

  it('refuses what is not a small regular file, and says why', () => {
    const root = makeTree('refused', {
      'big/Cargo.toml': `# ${'x'.repeat(1024 * 1024)}\n[package]\nname = "big"\n`,
    });
    fs.mkdirSync(path.join(root, 'dir/Cargo.toml'), { recursive: true });
    assert.deepStrictEqual(manifests.readManifest(path.join(root, 'big')), {
      kind: 'unreadable',
      reason: 'Cargo.toml is larger than 1 MB: not read',
    });
    assert.deepStrictEqual(manifests.readManifest(path.join(root, 'dir')), {
      kind: 'unreadable',
      reason: 'Cargo.toml is not a regular file: not read',
    });
    assert.deepStrictEqual(manifests.readManifest(path.join(root, 'none')), { kind: 'missing' });
  });

  it('finds the package root past a virtual workspace manifest', () => {
    const root = makeTree('roots', { ...WORKSPACE, 'crates/a/src/deep/x.rs': '' });
    assert.strictEqual(
      manifests.findPackageRoot(path.join(root, 'crates/a/src/deep/x.rs')),
      path.join(root, 'crates/a'),
    );
    assert.strictEqual(crates.findCrateRoot(path.join(root, 'crates')), null);
  });

  it('gives the crate layout the workspace edition for edition.workspace = true', () => {
    const root = makeTree('layout-workspace', WORKSPACE);
    const layout = crates.readCrateLayout(path.join(root, 'crates/a'));
    assert.strictEqual(layout.edition, '2024');
    assert.deepStrictEqual(layout.warnings, []);
  });

  it('calibration honours edition.workspace = true', () => {
    const root = makeTree('calibration-workspace', WORKSPACE);
    const warnings: string[] = [];
    assert.strictEqual(
      calibrate.calibrationEdition(path.join(root, 'crates/a'), (w) => warnings.push(w)),
      '2024',
    );
    assert.deepStrictEqual(warnings, []);
  });

  it("calibration uses Cargo's 2015 for a package without an edition, and warns about a lost root", () => {
    const root = makeTree('calibration-editions', {
      'old/Cargo.toml': '[package]\nname = "old"\n',
      'orphan/Cargo.toml': '[package]\nname = "orphan"\nedition.workspace = true\n',
    });
    const warnings: string[] = [];
    assert.strictEqual(
      calibrate.calibrationEdition(path.join(root, 'old'), (w) => warnings.push(w)),
      '2015',
    );
    assert.strictEqual(
      calibrate.calibrationEdition(path.join(root, 'orphan'), (w) => warnings.push(w)),
      '2021',
    );
    assert.strictEqual(warnings.length, 1);
    assert.match(warnings[0], /Cargo\.toml: edition\.workspace = true but no workspace root found/);
  });
});

describe('project: which module files a crate layout reads', () => {
  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-layout-'));
  });
  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('reads a #[path] module outside the package only inside a readable root (the workspace)', () => {
    const workspace = makeTree('ws', {
      'shared/common.rs': 'pub async fn shared() {}\n',
      'app/Cargo.toml': '[package]\nname = "app"\nedition = "2021"\n',
      'app/src/lib.rs': '#[path = "../../shared/common.rs"]\nmod common;\n',
    });
    const outside = makeTree('elsewhere', { 'far.rs': 'pub async fn far() {}\n' });
    fs.appendFileSync(
      path.join(workspace, 'app/src/lib.rs'),
      `#[path = ${JSON.stringify(path.join(outside, 'far.rs'))}]\nmod far;\n`,
    );
    const app = path.join(workspace, 'app');
    const names = (layout: { files: { path: string }[] }) =>
      layout.files.map((f) => path.basename(f.path)).sort();

    const packageOnly = crates.readCrateLayout(app);
    assert.deepStrictEqual(names(packageOnly), ['lib.rs']);
    assert.ok(packageOnly.warnings.some((w) => /`common` is outside the package \(/.test(w)));

    const inWorkspace = crates.readCrateLayout(app, [workspace]);
    assert.deepStrictEqual(names(inWorkspace), ['common.rs', 'lib.rs']);
    assert.ok(
      inWorkspace.warnings.some((w) => /`far` is outside the package and the workspace/.test(w)),
      inWorkspace.warnings.join('\n'),
    );
  });
});
