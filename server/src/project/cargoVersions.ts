/**
 * Cargo's version requirements read with npm's `semver`: Cargo writes `1.2` and `1.2.3` for
 * caret requirements and joins comparators with commas, where semver's bare versions are exact
 * and comparators are joined by spaces.
 */
// The functions used, not `semver`'s index: it loads all ~50 of its modules at startup.
import SemverRange = require('semver/classes/range');
import semverGt = require('semver/functions/gt');
import semverParse = require('semver/functions/parse');
import semverSatisfies = require('semver/functions/satisfies');
import semverValid = require('semver/functions/valid');

/** A Cargo requirement (`1.2`, `^1`, `~0.3`, `=1.0.1`, `>=1, <2`, `*`) as a semver range. */
export function cargoRange(requirement: string): SemverRange | null {
  const comparators = requirement
    .split(',')
    .map((c) => c.trim().replace(/^([<>=~^]+)\s+/, '$1'))
    .filter((c) => c !== '');
  const written = comparators.map((c) => (/^\d/.test(c) ? `^${c}` : c)).join(' ');
  try {
    return new SemverRange(written === '' ? '*' : written);
  } catch {
    return null;
  }
}

/** Whether `version` meets a Cargo requirement; no requirement accepts any version. */
export function satisfiesCargo(version: string, requirement: string | null): boolean {
  if (requirement === null) {
    return true;
  }
  const range = cargoRange(requirement);
  return range !== null && semverSatisfies(version, range);
}

/** The highest of `versions` meeting every requirement; null when none does. */
export function highestSatisfying(
  versions: readonly string[],
  requirements: readonly (string | null)[],
): string | null {
  let best: string | null = null;
  for (const version of versions) {
    if (!semverValid(version) || !requirements.every((r) => satisfiesCargo(version, r))) {
      continue;
    }
    if (best === null || semverGt(version, best)) {
      best = version;
    }
  }
  return best;
}

/**
 * Cargo lets a graph hold one version per semver-compatible range of a package: the same major
 * version, or for `0.y` the same minor, or for `0.0.z` the same patch.
 */
export function compatibilityRange(version: string): string {
  const parsed = semverParse(version);
  if (!parsed) {
    return version;
  }
  if (parsed.major > 0) {
    return `${parsed.major}`;
  }
  return parsed.minor > 0 ? `0.${parsed.minor}` : `0.0.${parsed.patch}`;
}
