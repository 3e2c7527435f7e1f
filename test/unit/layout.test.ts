/**
 * Type layouts against rustc: every concrete instantiation measured by tools/measure-std-types
 * (Option, Result, Mutex, RefCell, tuples, references, …) must get rustc's size and alignment.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';

const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const items =
  loadServerModule<typeof import('../../server/src/analysis/items/items')>('analysis/items/items');
const layoutModule =
  loadServerModule<typeof import('../../server/src/analysis/types/layout')>(
    'analysis/types/layout',
  );

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const table = JSON.parse(
  fs.readFileSync(
    path.join(repoRoot, 'server', 'src', 'analysis', 'types', 'stdTypes.generated.json'),
    'utf8',
  ),
) as {
  instantiations: Record<string, { size: number; align: number }>;
};

/** Types the engine does not model structurally (they are only ever looked up whole). */
const NOT_MODELLED =
  /LazyLock|LazyCell|Cow<|BufReader|BufWriter|LineWriter|Cursor|Enumerate<|Peekable|Chain|Zip|Take<|Skip<|Map<|Filter|Ready<|PollFn|Pending</;

describe('type layouts vs rustc-measured instantiations', () => {
  before(async () => {
    await parser.initParser();
  });

  it('matches rustc on every modelled instantiation', () => {
    const keys = Object.keys(table.instantiations).filter((k) => !NOT_MODELLED.test(k));
    // One parse for all of them: `type T0 = Option<u8>; type T1 = ...`.
    // The table writes std paths from their module (`mpsc::Sender`), as code does after these `use`s.
    const imports =
      'use std::{cmp, io, fmt, rc, slice, str, vec, iter, sync::mpsc, collections::{hash_map, btree_map}};\n';
    const source =
      imports +
      keys
        .map((k, i) => `type T${i} = ${k.replace(/\bio::Error\b/g, 'std::io::Error')};`)
        .join('\n');
    const tree = parser.parseRust(source);
    try {
      const index = items.indexItems(tree.rootNode);
      const computer = new layoutModule.LayoutComputer({
        userType: () => null,
        futureLayout: () => null,
      });
      const wrong: string[] = [];
      keys.forEach((k, i) => {
        const alias = index.types.get(`T${i}`);
        if (alias?.kind !== 'alias') {
          wrong.push(`${k}: did not parse`);
          return;
        }
        const got = computer.layout(alias.ty);
        const want = table.instantiations[k];
        if (got.size !== want.size || got.align !== want.align) {
          wrong.push(
            `${k}: engine ${got.size} (${got.align}${got.exact ? '' : ', lower bound'}) vs rustc ${want.size} (${want.align})`,
          );
        }
      });
      assert.ok(keys.length > 200, `only ${keys.length} instantiations checked`);
      assert.deepStrictEqual(wrong, []);
    } finally {
      tree.delete();
    }
  });
});
