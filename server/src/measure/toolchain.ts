/**
 * Which compiler a measurement runs with, in which order they are tried, and when a failure with
 * one is worth another try. `-Zprint-type-sizes` is a nightly-only flag: a nightly toolchain takes
 * it as it is; a stable one takes it only with `RUSTC_BOOTSTRAP=1`, which the user must allow.
 * Pure decisions: running rustup, rustc and cargo lives in `calibrate.ts` and `cargoBuild.ts`.
 */

/**
 * - `nightly`: `cargo +nightly` (rustup's nightly toolchain).
 * - `default`: plain `cargo`, whose rustc already accepts `-Z` flags (a nightly or dev default).
 * - `bootstrap`: plain `cargo` with `RUSTC_BOOTSTRAP=1` for the crate's own rustc runs.
 */
export type ToolchainKind = 'nightly' | 'default' | 'bootstrap';

/** What is known about the installed compilers before anything is built. */
export interface InstalledToolchains {
  /** `rustup toolchain list`'s output, or null when rustup is not there. */
  rustupList: string | null;
  /** `rustc --version` of the default toolchain, or null when rustc does not run. */
  defaultRustc: string | null;
}

/**
 * The toolchains to try, in order: rustup's nightly, else a default rustc that is a nightly
 * itself; then, when allowed, the default one with RUSTC_BOOTSTRAP. The one that worked last time
 * goes first, so a crate a nightly cannot build does not fail with it again on every run.
 */
export function toolchainCandidates(
  installed: InstalledToolchains,
  allowBootstrap: boolean,
  lastWorked?: ToolchainKind,
): ToolchainKind[] {
  const candidates: ToolchainKind[] = [];
  if (installed.rustupList !== null && /^nightly\b/m.test(installed.rustupList)) {
    candidates.push('nightly');
  } else if (installed.defaultRustc !== null && isNightlyVersion(installed.defaultRustc)) {
    candidates.push('default');
  }
  if (allowBootstrap && installed.defaultRustc !== null) {
    candidates.push('bootstrap');
  }
  if (lastWorked && candidates.includes(lastWorked)) {
    return [lastWorked, ...candidates.filter((c) => c !== lastWorked)];
  }
  return candidates;
}

/** `rustc 1.97.0-nightly (…)`, `rustc 1.80.0-dev`: a compiler that takes `-Z` flags as it is. */
export function isNightlyVersion(version: string): boolean {
  return /^rustc \d+\.\d+\.\d+-(nightly|dev)\b/.test(version.trim());
}

/** `cargo` arguments that select the toolchain, before the subcommand. */
export function toolchainArgs(kind: ToolchainKind): string[] {
  return kind === 'nightly' ? ['+nightly'] : [];
}

/**
 * How the toolchain is named to the user (log, progress, tooltip): rustc's version, plus how it
 * accepted the nightly-only flag when that is not obvious from the version.
 */
export function describeToolchain(kind: ToolchainKind, version: string): string {
  const rustc = version.trim() || 'rustc';
  return kind === 'bootstrap' ? `${rustc} with RUSTC_BOOTSTRAP=1` : rustc;
}

/**
 * Whether a failed build is worth trying with the next toolchain: yes when cargo could not compile
 * some other package (a dependency this nightly cannot build, like an old proc-macro2's
 * `error[E0635]: unknown feature`), or when nothing was compiled at all (the toolchain itself is
 * missing or broken); no when the measured package's own code does not compile, which another
 * compiler would refuse just the same, only later.
 */
export function worthAnotherToolchain(stderr: string, packageName: string): boolean {
  const failed = [...stderr.matchAll(/^error: could not compile `([^`]+)`/gm)].map((m) => m[1]);
  if (failed.length === 0) {
    return true;
  }
  return failed.some((name) => name !== packageName);
}
