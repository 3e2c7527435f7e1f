/**
 * The cfg each document is analysed with in the editor: its package's features as cargo resolves
 * them with the `rustFutureSize.cargo.*` settings (`project/buildConfiguration.ts`). Loaded once
 * per workspace and feature settings; forgotten when the settings or a Cargo.toml change.
 */
import * as path from 'path';
import type { CfgEnv } from '../analysis/syntax/cfg';
import { BuildConfigurations } from '../project/buildConfiguration';
import type { CrateGraph } from '../project/crateGraph';
import { featureOptionsOf, SettingsStore } from './settings';

export class EditorBuildConfigurations {
  /** By the feature settings they were loaded with (documents may have settings of their own). */
  private readonly bySettings = new Map<string, BuildConfigurations>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly log: (message: string) => void,
    /** Shown to the user: a `cargo.features` entry no package of the workspace has. */
    private readonly warn: (message: string) => void,
    private readonly filePathOf: (uri: string) => string,
    /** Told each crate graph once, when it is loaded (its dependencies are indexed then). */
    private readonly graphLoaded: (graph: CrateGraph) => void = () => undefined,
  ) {
    settings.onDidChangeSettings(() => this.clear());
  }

  /** The cfg of the package holding the document; undefined outside a package (all features on). */
  async cfgFor(uri: string): Promise<CfgEnv | undefined> {
    const configurations = await this.configurationsFor(uri);
    try {
      return configurations?.cfgFor(path.dirname(this.filePathOf(uri)));
    } catch (error) {
      this.log(`[features] FAILED to resolve the features for ${uri}: ${String(error)}`);
      return undefined;
    }
  }

  /**
   * The crate graph the document's cfg came from, for its crate's dependencies (one load serves
   * both); undefined outside a package or when it could not be loaded.
   */
  async graphFor(uri: string): Promise<CrateGraph | undefined> {
    const configurations = await this.configurationsFor(uri);
    try {
      return configurations?.graphFor(path.dirname(this.filePathOf(uri)));
    } catch {
      // Logged by `cfgFor`, which asks first.
      return undefined;
    }
  }

  private async configurationsFor(uri: string): Promise<BuildConfigurations | undefined> {
    if (!uri.startsWith('file:')) {
      return undefined;
    }
    const options = featureOptionsOf((await this.settings.get(uri)).cargo);
    const key = JSON.stringify(options);
    let configurations = this.bySettings.get(key);
    if (!configurations) {
      configurations = new BuildConfigurations(options, process.env, (loaded) => {
        if (loaded.unknownFeatures.length > 0) {
          const names = loaded.unknownFeatures.map((f) => `\`${f}\``).join(', ');
          this.warn(
            `rust-future-size: \`rustFutureSize.cargo.features\`: no package in ` +
              `${loaded.workspaceRoot} has ${names}; the other features are used.`,
          );
        }
        for (const notice of loaded.notices) {
          this.log(`[features] ${notice}`);
        }
        if (loaded.graph) {
          this.graphLoaded(loaded.graph);
        }
      });
      this.bySettings.set(key, configurations);
    }
    return configurations;
  }

  /** Forgets every loaded configuration (a Cargo.toml or the settings changed). */
  clear(): void {
    this.bySettings.clear();
  }
}
