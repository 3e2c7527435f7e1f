/**
 * What each package of a workspace is built with, as the analysis needs it: the cfg its
 * `#[cfg]`s are evaluated in, with the features cargo would enable (`crateGraph.ts`: defaults
 * plus what dependents ask for, unified over the whole workspace as rust-analyzer loads it, and
 * `--features`, `--all-features`, `--no-default-features` for its members).
 */
import * as path from 'path';
import { CfgEnv, cfgWithFeatures } from '../analysis/syntax/cfg';
import type { Environment } from './cargoConfig';
import { CrateGraph, loadCrateGraph } from './crateGraph';
import { DEFAULT_FEATURE_OPTIONS, FeatureOptions } from './features';
import { findPackageRoot, readManifest } from './manifest';
import { describePackage } from './packageDescription';
import { findWorkspace } from './workspaceMembers';

export interface WorkspaceConfiguration {
  workspaceRoot: string;
  /** Each member's cfg, by its folder (absolute). */
  cfgs: Map<string, CfgEnv>;
  /** What the crate graph could not read or follow, each in a sentence. */
  notices: string[];
  /** `--features` entries that no member has (as a feature, a dependency's, or `member/…`). */
  unknownFeatures: string[];
  /** The crate graph the cfgs came from: the members' dependencies are read from it too. */
  graph: CrateGraph | null;
}

/**
 * The configuration of the workspace around `folder`; null when no Cargo.toml is at or above it.
 * `env` supplies `CARGO_HOME`/`HOME` for cargo's config files (source replacement).
 */
export function loadWorkspaceConfiguration(
  folder: string,
  features: FeatureOptions = DEFAULT_FEATURE_OPTIONS,
  env: Environment = process.env,
): WorkspaceConfiguration | null {
  const graph = loadCrateGraph(folder, { ...features, env, wholeWorkspace: true });
  if (!graph) {
    return null;
  }
  // A package whose sources are not here has no feature table: every feature asked of it would
  // be "missing". That it is missing is the graph's own notice, not one per feature.
  const missing = [...graph.packages.values()].filter((p) => p.root === null).map((p) => p.id);
  const notices = graph.warnings.filter(
    (warning) => !missing.some((id) => warning.startsWith(`${id} has no feature`)),
  );
  const cfgs = new Map<string, CfgEnv>();
  for (const id of graph.roots) {
    const node = graph.packages.get(id);
    if (node?.root) {
      cfgs.set(path.resolve(node.root), cfgWithFeatures(node.features));
    }
  }
  return {
    workspaceRoot: graph.workspaceRoot,
    cfgs,
    notices: [...new Set(notices)],
    unknownFeatures: unknownFeatures(features.features, [...cfgs.keys()]),
    graph,
  };
}

/** The requests none of the members can take, as cargo would refuse them. */
function unknownFeatures(requests: readonly string[], members: string[]): string[] {
  const packages = members.flatMap((member) => {
    const read = readManifest(member);
    const description = read.kind === 'parsed' ? describePackage(read.manifest) : null;
    return description ? [description] : [];
  });
  return requests.filter((request) => {
    const [prefix, feature] = request.includes('/') ? request.split('/') : [null, request];
    return !packages.some((p) =>
      prefix === null
        ? feature in p.features
        : (p.name === prefix && feature in p.features) ||
          p.dependencies.some((d) => d.name === prefix),
    );
  });
}

/**
 * Configurations loaded once per workspace for a run (the CLI) or until the settings change (the
 * editor). A file outside any package gets no cfg: the analysis's default then applies.
 */
export class BuildConfigurations {
  private readonly byWorkspace = new Map<string, WorkspaceConfiguration | null>();
  private readonly workspaceOfPackage = new Map<string, string | null>();
  private readonly packageOfFolder = new Map<string, string | null>();

  constructor(
    /** Cargo's feature switches these configurations were resolved with. */
    readonly features: FeatureOptions = DEFAULT_FEATURE_OPTIONS,
    private readonly env: Environment = process.env,
    /** Told each notice and unknown feature of a workspace once, when it is loaded. */
    private readonly onLoad: (configuration: WorkspaceConfiguration) => void = () => undefined,
  ) {}

  /** The cfg of the package holding `folder`; undefined outside a package. */
  cfgFor(folder: string): CfgEnv | undefined {
    const packageRoot = this.packageRootOf(folder);
    if (packageRoot === null) {
      return undefined;
    }
    return this.configurationOf(packageRoot)?.cfgs.get(path.resolve(packageRoot));
  }

  /**
   * The crate graph of the workspace holding `folder` (the one its cfg came from); undefined
   * outside a package or when the graph could not be loaded.
   */
  graphFor(folder: string): CrateGraph | undefined {
    const packageRoot = this.packageRootOf(folder);
    return (packageRoot !== null && this.configurationOf(packageRoot)?.graph) || undefined;
  }

  private packageRootOf(folder: string): string | null {
    // An editor asks on every analysis: the manifests above a folder are read once.
    const resolved = path.resolve(folder);
    let packageRoot = this.packageOfFolder.get(resolved);
    if (packageRoot === undefined) {
      packageRoot = findPackageRoot(resolved);
      this.packageOfFolder.set(resolved, packageRoot);
    }
    return packageRoot;
  }

  private configurationOf(packageRoot: string): WorkspaceConfiguration | null {
    let workspaceRoot = this.workspaceOfPackage.get(packageRoot);
    if (workspaceRoot === undefined) {
      workspaceRoot = findWorkspace(packageRoot)?.root ?? null;
      this.workspaceOfPackage.set(packageRoot, workspaceRoot);
    }
    if (workspaceRoot === null) {
      return null;
    }
    let configuration = this.byWorkspace.get(workspaceRoot);
    if (configuration === undefined) {
      configuration = this.load(packageRoot, workspaceRoot);
      this.byWorkspace.set(workspaceRoot, configuration);
      if (configuration) {
        this.onLoad(configuration);
      }
    }
    return configuration;
  }

  /** Never throws: a graph that cannot be loaded leaves its packages with the default cfg. */
  private load(packageRoot: string, workspaceRoot: string): WorkspaceConfiguration | null {
    try {
      return loadWorkspaceConfiguration(packageRoot, this.features, this.env);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        workspaceRoot,
        cfgs: new Map(),
        notices: [`${workspaceRoot}: features not resolved, all taken as on (${reason})`],
        unknownFeatures: [],
        graph: null,
      };
    }
  }
}
