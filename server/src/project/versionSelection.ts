/**
 * Picks versions as a fresh `Cargo.lock` would, when there is none: the highest available version
 * that meets each requirement, one version per semver-compatible range where one version can meet
 * every requirement on that range. A requirement that the range's chosen version misses makes
 * the range's choice the highest meeting all of them, and asks for another round (earlier
 * dependents then get the new choice); requirements are remembered across rounds.
 */
import { compatibilityRange, highestSatisfying, satisfiesCargo } from './cargoVersions';

export class VersionSelector {
  private readonly remembered = new Map<string, Set<string>>();
  private chosen = new Map<string, string>();
  private changed = false;
  /**
   * Versions taken first where they fit, by source and name: a previous resolution's choices
   * (as Cargo takes a lock file's) and `[patch]` versions (which Cargo also prefers).
   */
  private readonly preferred = new Map<string, Set<string>>();

  /** Keeps this round's choices: later rounds take them first where they fit. */
  keepChoices(): void {
    for (const [key, version] of this.chosen) {
      this.prefer(key.slice(0, key.lastIndexOf('@')), version);
    }
  }

  /** Takes `version` of the package first wherever it meets the requirements on its range. */
  prefer(sourceAndName: string, version: string): void {
    const versions = this.preferred.get(sourceAndName) ?? new Set<string>();
    versions.add(version);
    this.preferred.set(sourceAndName, versions);
  }

  /** Starts a round; returns false when the previous one changed no earlier choice. */
  nextRound(): boolean {
    const again = this.changed;
    this.changed = false;
    this.chosen = new Map();
    return again;
  }

  /** Whether an earlier choice changed in this round, so another one is needed. */
  get needsAnotherRound(): boolean {
    return this.changed;
  }

  /** The version of `name` from `sourceId` for `requirement`; null when none available meets it. */
  choose(
    sourceId: string,
    name: string,
    requirement: string | null,
    available: readonly string[],
  ): string | null {
    const preferred = [...(this.preferred.get(`${sourceId}#${name}`) ?? [])];
    const fitting = preferred.filter((version) => {
      const range = this.remembered.get(`${sourceId}#${name}@${compatibilityRange(version)}`);
      return [...(range ?? [])].every((r) => satisfiesCargo(version, r));
    });
    const highest =
      highestSatisfying(fitting, [requirement]) ?? highestSatisfying(available, [requirement]);
    if (highest === null) {
      return null;
    }
    const range = compatibilityRange(highest);
    const key = `${sourceId}#${name}@${range}`;
    const current = this.chosen.get(key);
    if (current !== undefined && satisfiesCargo(current, requirement)) {
      return current;
    }
    const requirements = this.remembered.get(key) ?? new Set<string>();
    if (requirement !== null) {
      requirements.add(requirement);
    }
    this.remembered.set(key, requirements);
    const inRange = [...available, ...preferred].filter((v) => compatibilityRange(v) === range);
    const forAll = fitting.includes(highest)
      ? highest
      : highestSatisfying(inRange, [...requirements]);
    if (forAll === null) {
      // No one version meets them all: Cargo would fail or go elsewhere; this one keeps both.
      requirements.delete(requirement ?? '');
      return highest;
    }
    if (current !== undefined) {
      this.changed = true;
    }
    this.chosen.set(key, forAll);
    return forAll;
  }
}
