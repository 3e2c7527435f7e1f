/**
 * Finds the reference cases and the compiled server modules from wherever the tests run.
 *
 * Compiled tests live one folder deeper (`test/out/unit`) than their sources (`test/unit`), so no
 * relative import of `server/out` works both for tsc and at run time; and CI clones the repository
 * into another folder with `shared/` beside it. Both are solved by walking up from `__dirname`.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Environment variable that overrides where the reference cases are. */
export const CASES_DIR_ENV = 'RUST_FUTURE_SIZE_CASES';

/** The nearest ancestor of `start` (itself included) for which `accept` holds, or null. */
export function findUpwards(start: string, accept: (dir: string) => boolean): string | null {
  let dir = path.resolve(start);
  for (;;) {
    if (accept(dir)) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return null;
    }
    dir = parent;
  }
}

/** `shared/reference/cases` beside or above the repository; throws with the places it looked. */
/** A cargo workspace fixture of `test/fixtures/workspaces` by name, found from `from` upwards. */
export function workspaceFixture(name: string, from: string = __dirname): string {
  const root = findUpwards(from, (dir) =>
    fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')),
  );
  if (!root) {
    throw new Error(`no test/fixtures/workspaces above ${from}`);
  }
  return path.join(root, 'test', 'fixtures', 'workspaces', name);
}

export function referenceCasesDir(from: string = __dirname): string {
  const override = process.env[CASES_DIR_ENV];
  if (override) {
    return path.resolve(override);
  }
  const base = findUpwards(from, (dir) =>
    isDirectory(path.join(dir, 'shared', 'reference', 'cases')),
  );
  if (base === null) {
    throw new Error(
      `cannot find shared/reference/cases in any folder above ${from}; ` +
        `put shared/ beside the repository or set ${CASES_DIR_ENV}`,
    );
  }
  return path.join(base, 'shared', 'reference', 'cases');
}

/**
 * Loads a compiled server module by its path under `server/out` (e.g. `rustc/printTypeSizes`).
 * Type it with `typeof import('../../server/src/…')`, which tsc resolves through the project reference.
 */
export function loadServerModule<T>(modulePath: string, from: string = __dirname): T {
  const file = path.join('server', 'out', `${modulePath}.js`);
  const root = findUpwards(from, (dir) => fs.existsSync(path.join(dir, file)));
  if (root === null) {
    throw new Error(`cannot find ${file} above ${from}; run \`npx tsc -b\` first`);
  }
  return require(path.join(root, file)) as T;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
