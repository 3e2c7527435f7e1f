/**
 * Reads this tool's own package.json, so `--version` never drifts from the published version.
 */
import * as fs from 'fs';
import * as path from 'path';

const PACKAGE_NAME = 'rust-future-size';

/**
 * The `version` of the rust-future-size package.json found above this module.
 * Walking up (rather than a fixed `../../..`) keeps working whether we run from `out/` or a bundle in `dist/`.
 */
export function packageVersion(startDirectory: string = __dirname): string {
  let directory = startDirectory;
  for (;;) {
    const candidate = path.join(directory, 'package.json');
    if (fs.existsSync(candidate)) {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') {
        return manifest.version;
      }
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      return 'unknown';
    }
    directory = parent;
  }
}
