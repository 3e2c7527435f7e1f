import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { LspSession, until } from './support/lspSession';
import { futureHints, TempCrate } from './support/crates';

/**
 * `rustFutureSize.readOutsideWorkspace`: a module file outside the workspace folders (here through
 * `#[path]`) is not read by the crate index unless the user allows it, in a trusted workspace.
 */
const NOT_READ = /module `big` is outside the package and the workspace/;

describe('reads outside the workspace', () => {
  let crate: TempCrate;
  let lsp: LspSession;
  const shared = () => path.join(path.dirname(crate.root), 'shared');

  beforeEach(() => {
    crate = new TempCrate(null, {
      'Cargo.toml': '[package]\nname = "outside"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs':
        '#[path = "../../shared/big.rs"]\nmod big;\npub async fn tick() {}\n' +
        'pub async fn g() {\n    big::big().await;\n}\n',
    });
    fs.mkdirSync(shared());
    fs.writeFileSync(
      path.join(shared(), 'big.rs'),
      'pub async fn big() { let b = [0u8; 4000]; crate::tick().await; drop(b); }\n',
    );
  });
  afterEach(async () => {
    await lsp.dispose();
    crate.dispose();
  });

  const start = async (settings: object, trusted = true) => {
    lsp = new LspSession();
    // Every hint: `g`'s lower bound is small and would be hidden by default.
    lsp.settings = { inlayHints: { showAll: true }, ...settings };
    await lsp.initialize(undefined, { workspaceTrusted: trusted }, crate.root);
    const lib = await crate.open(lsp, 'src/lib.rs');
    // The crate index has run once it logged the module it did not read, or its analysis.
    await until('the crate index', () =>
      lsp.logs.some((l) => /\[crate\] indexed outside/.test(l)) ? true : undefined,
    );
    return lib;
  };

  it('leaves the module unread by default, with a notice in the log', async () => {
    const lib = await start({});
    assert.ok(lsp.logs.some((l) => NOT_READ.test(l)));
    assert.match((await futureHints(lsp, lib)).g, /^future ≥ \d+ B$/);
  });

  it('reads it when the setting allows it', async () => {
    const lib = await start({ readOutsideWorkspace: true });
    const hint = await until('the crate-aware hint', async () => {
      const g = (await futureHints(lsp, lib)).g;
      return /^future \d+ B$/.test(g ?? '') ? g : undefined;
    });
    assert.ok(Number(/\d+/.exec(hint)![0]) > 4000, hint);
    assert.ok(!lsp.logs.some((l) => /module `big` is outside/.test(l)));
  });

  it('does not read it in an untrusted workspace, whatever the setting', async () => {
    const lib = await start({ readOutsideWorkspace: true }, false);
    assert.ok(lsp.logs.some((l) => NOT_READ.test(l)));
    assert.match((await futureHints(lsp, lib)).g, /^future ≥ \d+ B$/);
  });
});
