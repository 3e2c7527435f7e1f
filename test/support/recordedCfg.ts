/**
 * The cfg a recorded real crate was built with: its features as cargo resolved them for the
 * recording (`REAL_CRATES`), through `project/buildConfiguration.ts`, with cargo's config
 * pointing crates-io at the registry the sources come from (as the recording's offline build did).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CfgEnv } from '../../server/src/analysis/syntax/cfg';
import { loadServerModule } from './repoPaths';

const configurations = loadServerModule<
  typeof import('../../server/src/project/buildConfiguration')
>('project/buildConfiguration');

let cargoHome: string | null = null;

/** A CARGO_HOME of its own (never the user's), whose config replaces crates-io with `registry`. */
export function registryCargoHome(registry: string): string {
  if (cargoHome === null) {
    cargoHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-cargo-home-'));
    const config = [
      '[source.crates-io]',
      'replace-with = "recorded-registry"',
      '[source.recorded-registry]',
      `directory = ${JSON.stringify(registry)}`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(cargoHome, 'config.toml'), config);
    process.on('exit', () => fs.rmSync(cargoHome!, { recursive: true, force: true }));
  }
  return cargoHome;
}

/** The cfg of the package at `crateDir` with `features` enabled (defaults on, as recorded). */
export function recordedCfg(crateDir: string, features: readonly string[]): CfgEnv | undefined {
  const registry = path.dirname(path.resolve(crateDir));
  const env = { CARGO_HOME: registryCargoHome(registry), HOME: os.tmpdir() };
  const options = { features, allFeatures: false, noDefaultFeatures: false };
  const loaded = configurations.loadWorkspaceConfiguration(crateDir, options, env);
  return loaded?.cfgs.get(path.resolve(crateDir));
}
