/**
 * The cfg each document is analysed with in the editor: its package's features as cargo resolves
 * them with the `rustFutureSize.cargo.*` settings (`project/buildConfiguration.ts`). Loaded once
 * per workspace and feature settings; forgotten when the settings or a Cargo.toml change.
 */
import * as path from 'path';
import type { CfgEnv } from '../analysis/syntax/cfg';
import { BuildConfigurations } from '../project/buildConfiguration';
import { featureOptionsOf, SettingsStore } from './settings';

export class EditorBuildConfigurations {
  /** By the feature settings they were loaded with (documents may have settings of their own). */
  private readonly bySettings = new Map<string, BuildConfigurations>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly log: (message: string) => void,
    private readonly filePathOf: (uri: string) => string,
  ) {
    settings.onDidChangeSettings(() => this.clear());
  }

  /** The cfg of the package holding the document; undefined outside a package (all features on). */
  async cfgFor(uri: string): Promise<CfgEnv | undefined> {
    if (!uri.startsWith('file:')) {
      return undefined;
    }
    const options = featureOptionsOf((await this.settings.get(uri)).cargo);
    const key = JSON.stringify(options);
    let configurations = this.bySettings.get(key);
    if (!configurations) {
      configurations = new BuildConfigurations(options, process.env, (loaded) => {
        for (const feature of loaded.unknownFeatures) {
          const root = loaded.workspaceRoot;
          this.log(`[features] no package in ${root} has the feature \`${feature}\``);
        }
        for (const notice of loaded.notices) {
          this.log(`[features] ${notice}`);
        }
      });
      this.bySettings.set(key, configurations);
    }
    try {
      return configurations.cfgFor(path.dirname(this.filePathOf(uri)));
    } catch (error) {
      this.log(`[features] FAILED to resolve the features for ${uri}: ${String(error)}`);
      return undefined;
    }
  }

  /** Forgets every loaded configuration (a Cargo.toml or the settings changed). */
  clear(): void {
    this.bySettings.clear();
  }
}
