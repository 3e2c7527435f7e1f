/**
 * The settings: one zod schema is the single source of truth for names, types and defaults
 * (a test keeps `contributes.configuration` in package.json equal to it), pulled per document with
 * `workspace/configuration`. A value that does not validate is reported once and the last good
 * configuration stays in force.
 */
import { isDeepStrictEqual } from 'util';
import { Connection, Emitter } from 'vscode-languageserver/node';
import * as z from 'zod';
import { DIAGNOSTIC_CODES, SETTINGS_SECTION } from '../protocol';
import { FEATURE_REQUEST, FeatureOptions } from '../project/features';
import type { ClientSession } from './client';

const ALLOW_BOOTSTRAP_DESCRIPTION =
  'Whether **Measure Exact Sizes with rustc** may, when no nightly toolchain is installed, build with the stable one and `RUSTC_BOOTSTRAP=1`, an environment variable that makes a stable compiler accept nightly-only flags (here `-Zprint-type-sizes`); the build goes to `target/rust-future-size`, so your own build cache is untouched.';
const ON_SAVE_DESCRIPTION =
  "Whether to measure exact sizes with rustc again each time a file of the crate is saved; this runs `cargo` (and so the crate's build scripts and procedural macros) in the background, in trusted workspaces only.";

const WORKSPACE_DIAGNOSTICS_DESCRIPTION =
  "Whether to report diagnostics for every file of an open file's crate, not only the open files. The crate index analyses all of them anyway; linting its results costs about 40–110 ms for tokio's 297 files.";
// Inlay hints: the defaults keep the hints a user acts on (README "Inlay hints").
const SHOW_ALL_DESCRIPTION =
  'Show every inlay hint, whatever its size: every future and every binding held across an `.await`, unknown sizes (`? B`) included; the two `minSize` settings are then ignored.';
const FUTURE_MIN_SIZE_DESCRIPTION =
  "Show the size of a future only from this many bytes, or when its size is a lower bound (`≥`) whose unknown part could be large (a generic parameter, another crate's type). `0` shows every future.";
const HELD_MIN_SIZE_DESCRIPTION =
  "Show a binding held across an `.await` only from this many bytes. A lock guard is always shown, and so is a size that is unknown (`? B`) or a lower bound (`≥`) when the type could be large: a generic parameter, another crate's type that is not a pointer, collection or handle, or a future. `0` shows every held binding, unknown sizes included.";
const FEATURES_DESCRIPTION =
  "Features of the workspace's packages to enable, as cargo's `--features` takes them " +
  '(`FEATURE` or `PACKAGE/FEATURE`), or `"all"` for every feature; code behind ' +
  '`#[cfg(feature = "...")]` counts only when its feature is enabled.';
const NO_DEFAULT_FEATURES_DESCRIPTION =
  "Whether to leave the packages' `default` features off, as cargo's `--no-default-features` does.";

/** `rustFutureSize.cargo`: the features packages are analysed with (rust-analyzer's `cargo.*`). */
const cargoSettings = z
  .object({
    features: z
      .union(
        [
          z.literal('all'),
          z.array(
            z.string().regex(FEATURE_REQUEST, {
              error: (issue) =>
                `${JSON.stringify(issue.input)} is not a feature name (FEATURE or PACKAGE/FEATURE)`,
            }),
          ),
        ],
        { error: 'expected "all" or a list of feature names' },
      )
      .default([])
      .describe(FEATURES_DESCRIPTION),
    noDefaultFeatures: z.boolean().default(false).describe(NO_DEFAULT_FEATURES_DESCRIPTION),
  })
  .prefault({});

/** The feature switches the `cargo` settings stand for. */
export function featureOptionsOf(cargo: z.infer<typeof cargoSettings>): FeatureOptions {
  return {
    features: cargo.features === 'all' ? [] : cargo.features,
    allFeatures: cargo.features === 'all',
    noDefaultFeatures: cargo.noDefaultFeatures,
  };
}

const SEVERITY_DESCRIPTION =
  'Severity of each diagnostic code; a finding under `#[deny(..)]` or `#[forbid(..)]` is an error whatever this says.';
const READ_OUTSIDE_DESCRIPTION =
  'Whether the crate index may read module files outside the workspace folders (a `#[path]` attribute or a symlink that leads out of them); otherwise such a module is not read and the crate index logs a notice. Only in trusted workspaces.';

const severity = z.enum(['error', 'warning', 'information', 'hint']);

const severityByCode = Object.fromEntries(
  DIAGNOSTIC_CODES.map((code) => [code, severity.default('warning')]),
) as Record<(typeof DIAGNOSTIC_CODES)[number], z.ZodDefault<typeof severity>>;

/** Every setting under `rustFutureSize.`, nested the way `workspace/configuration` returns them. */
export const SettingsSchema = z.object({
  inlayHints: z
    .object({
      showAll: z.boolean().default(false).describe(SHOW_ALL_DESCRIPTION),
      futureSize: z
        .object({
          enable: z
            .boolean()
            .default(true)
            .describe(
              'Whether to show the size of each future next to its `async fn`, async block or async closure.',
            ),
          minSize: z.number().int().min(0).default(32).describe(FUTURE_MIN_SIZE_DESCRIPTION),
        })
        .prefault({}),
      heldValues: z
        .object({
          enable: z
            .boolean()
            .default(true)
            .describe(
              'Whether to show the size of each binding held across an `.await`, and how many awaits it crosses.',
            ),
          minSize: z.number().int().min(0).default(64).describe(HELD_MIN_SIZE_DESCRIPTION),
        })
        .prefault({}),
    })
    .prefault({}),
  diagnostics: z
    .object({
      enable: z.boolean().default(true).describe('Whether to report diagnostics.'),
      disabled: z
        .array(z.enum(DIAGNOSTIC_CODES))
        .default([])
        .describe('Diagnostic codes not to report.'),
      severity: z.object(severityByCode).prefault({}).describe(SEVERITY_DESCRIPTION),
      workspace: z.boolean().default(true).describe(WORKSPACE_DIAGNOSTICS_DESCRIPTION),
    })
    .prefault({}),
  largeValueThreshold: z
    .number()
    .int()
    .min(1)
    .default(1024)
    .describe(
      'Report a value held across an `.await` when it is at least this many bytes (`large-value-held-across-await`).',
    ),
  largeFutureThreshold: z
    .number()
    .int()
    .min(1)
    .default(16384)
    .describe(
      "Report a future when it is at least this many bytes (`large-future`); when it is not set, the default is `future-size-threshold` from the crate's `clippy.toml`, else clippy's 16384.",
    ),
  calibration: z
    .object({
      allowRustcBootstrap: z.boolean().default(false).describe(ALLOW_BOOTSTRAP_DESCRIPTION),
      onSave: z.boolean().default(false).describe(ON_SAVE_DESCRIPTION),
    })
    .prefault({}),
  cargo: cargoSettings,
  edition: z
    .enum(['auto', '2015', '2018', '2021', '2024'])
    .default('auto')
    .describe(
      'Rust edition used for the analysis; `auto` reads it from the `Cargo.toml` of the package that owns the file.',
    ),
  // Reads outside the workspace (hardening): its own block.
  readOutsideWorkspace: z.boolean().default(false).describe(READ_OUTSIDE_DESCRIPTION),
  trace: z
    .object({
      server: z
        .enum(['off', 'messages', 'verbose'])
        .default('off')
        .describe('Traces the communication between VS Code and the language server.'),
    })
    .prefault({}),
});

export type Settings = z.infer<typeof SettingsSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}

export type ParsedSettings = { ok: true; settings: Settings } | { ok: false; problems: string[] };

/** Validates what the client sent; `null`/`undefined` (no such section) means all defaults. */
export function parseSettings(raw: unknown): ParsedSettings {
  const result = SettingsSchema.safeParse(raw ?? {});
  if (result.success) {
    return { ok: true, settings: result.data };
  }
  const problems = result.error.issues.map((issue) => {
    const key = [SETTINGS_SECTION, ...issue.path.map(String)].join('.');
    return `\`${key}\`: ${issue.message.replace(/^Invalid (input|option): /, '')}`;
  });
  return { ok: false, problems };
}

/** Whether the client sent a value for `largeFutureThreshold` (VS Code's client leaves defaults out of it). */
function setsThreshold(raw: unknown): boolean {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    (raw as Record<string, unknown>).largeFutureThreshold !== undefined &&
    (raw as Record<string, unknown>).largeFutureThreshold !== null
  );
}

/** Where a document's default `largeFutureThreshold` comes from when the user has not set one. */
export type ThresholdDefault = (uri: string) => number | null;

/**
 * Settings per document, pulled from the client and cached until the next change notification.
 * Clients without `workspace/configuration` get the defaults. An unset `largeFutureThreshold` is
 * clippy's `future-size-threshold` for the document when its clippy.toml has one.
 */
export class SettingsStore {
  private readonly cache = new Map<string, Promise<Settings>>();
  private lastGood: { settings: Settings; setsThreshold: boolean } = {
    settings: defaultSettings(),
    setsThreshold: false,
  };
  private readonly reported = new Set<string>();
  private readonly changed = new Emitter<void>();
  /** Fires when the settings may have changed: the next `get` pulls them again. */
  readonly onDidChangeSettings = this.changed.event;

  constructor(
    private readonly connection: Connection,
    private readonly client: ClientSession,
    private readonly thresholdDefault: ThresholdDefault = () => null,
  ) {}

  /** Listens for the client's configuration changes. */
  register(): void {
    this.connection.onDidChangeConfiguration(() => {
      this.connection.console.log('[settings] configuration changed; pulling it again');
      this.clear();
      this.changed.fire();
    });
  }

  get(uri: string): Promise<Settings> {
    let settings = this.cache.get(uri);
    if (!settings) {
      settings = this.pull(uri).then(({ settings: pulled, setsThreshold }) => {
        const fromClippy = setsThreshold ? null : this.thresholdDefault(uri);
        return fromClippy === null ? pulled : { ...pulled, largeFutureThreshold: fromClippy };
      });
      this.cache.set(uri, settings);
    }
    return settings;
  }

  /** Forgets everything; the next `get` pulls again. */
  clear(): void {
    this.cache.clear();
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }

  private async pull(uri: string): Promise<{ settings: Settings; setsThreshold: boolean }> {
    if (!this.client.supports.pullConfiguration) {
      return this.lastGood;
    }
    let raw: unknown;
    try {
      raw = await this.connection.workspace.getConfiguration({
        scopeUri: uri,
        section: SETTINGS_SECTION,
      });
    } catch (error) {
      this.connection.console.warn(`[settings] FAILED to get the configuration: ${String(error)}`);
      return this.lastGood;
    }
    const parsed = parseSettings(raw);
    if (parsed.ok) {
      const good = { settings: parsed.settings, setsThreshold: setsThreshold(raw) };
      if (!isDeepStrictEqual(good, this.lastGood)) {
        this.lastGood = good;
      }
      this.reported.clear();
      return good;
    }
    const message = `rust-future-size: invalid setting${parsed.problems.length > 1 ? 's' : ''} ${parsed.problems.join('; ')}. The previous configuration stays in force.`;
    this.connection.console.warn(
      `[settings] IGNORING invalid configuration: ${parsed.problems.join('; ')}`,
    );
    if (!this.reported.has(message)) {
      this.reported.add(message);
      void this.connection.window.showWarningMessage(message);
    }
    return this.lastGood;
  }
}
