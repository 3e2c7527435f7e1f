/**
 * Runs a real VS Code for the e2e tests: code-server 4.99.4 (VS Code 1.99.3 with a Node extension
 * host) on a loopback port, driven by Debian's Chromium through playwright-core. Everything it
 * writes (settings, logs, extension host sockets, Chromium's profile) stays in one temporary folder.
 * Recipe and pitfalls: shared/guides/real-editor.md.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Browser, BrowserContext, LaunchOptions } from 'playwright-core';

export const repoRoot = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name ===
        'rust-future-size'
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the rust-future-size package above ${start}`);
    }
  }
}

/** The code-server launcher: `$CODE_SERVER`, else the cache that scripts/e2e.sh installs into. */
export function codeServerBinary(): string {
  const candidates = [
    process.env.CODE_SERVER,
    '/var/cache/rust-future-size/code-server-4.99.4/node_modules/.bin/code-server',
    path.join(
      os.homedir(),
      '.cache/rust-future-size/code-server-4.99.4/node_modules/.bin/code-server',
    ),
  ];
  const found = candidates.find((c): c is string => !!c && fs.existsSync(c));
  if (!found) {
    throw new Error(
      'code-server not found: run scripts/e2e.sh (it installs it), or set CODE_SERVER',
    );
  }
  return found;
}

export function chromiumBinary(): string {
  const found = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (c): c is string => !!c && fs.existsSync(c),
  );
  if (!found) {
    throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM');
  }
  return found;
}

/** User settings for a quiet, deterministic workbench. */
const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'files.autoSave': 'off',
  'editor.inlayHints.enabled': 'on',
  'editor.hover.delay': 200,
  'editor.minimap.enabled': false,
  'window.restoreWindows': 'none',
  'chat.commandCenter.enabled': false,
};

export interface CodeServerOptions {
  /** Copied to a fresh folder that the workbench opens. */
  workspaceTemplate: string;
  /** Install this .vsix before starting. */
  vsix?: string;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: Record<string, string>;
  /** Also copy the real files (REAL_FILES) into the workspace. */
  realFiles?: boolean;
}

/**
 * Real code for the placement tests, as workspace paths: hyper 0.14.19's `client/connect/http.rs`
 * (MIT; checked in as test/fixtures/hints/hyper_http.rs) in a package of its own, and a small
 * tokio app (test/fixtures/e2e/real-files/tokio-app). Neither is part of the workspace's crate.
 */
export const REAL_FILES = {
  hyper: 'hyper/src/client/connect/http.rs',
  tokioApp: 'tokio-app/src/bin/proxy.rs',
};

function copyRealFiles(workspace: string): void {
  const fixtures = path.join(repoRoot, 'test', 'fixtures');
  fs.cpSync(path.join(fixtures, 'e2e', 'real-files'), workspace, { recursive: true });
  const hyper = path.join(workspace, REAL_FILES.hyper);
  fs.mkdirSync(path.dirname(hyper), { recursive: true });
  fs.copyFileSync(path.join(fixtures, 'hints', 'hyper_http.rs'), hyper);
}

export class CodeServer {
  readonly port: number;
  readonly workspace: string;
  private exited = false;

  private constructor(
    readonly root: string,
    readonly env: NodeJS.ProcessEnv,
    readonly process: ChildProcess,
    port: number,
  ) {
    this.port = port;
    this.workspace = path.join(root, 'ws');
    process.once('exit', () => (this.exited = true));
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const binary = codeServerBinary();
    // Short: extension host IPC sockets go under TMPDIR, and Unix socket paths are limited to 108 bytes.
    const root = fs.mkdtempSync(path.join('/tmp', 'rfs-e2e-'));
    for (const dir of ['home', 'tmp', 'user-data/User', 'extensions']) {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
    }
    fs.cpSync(options.workspaceTemplate, path.join(root, 'ws'), { recursive: true });
    if (options.realFiles) {
      copyRealFiles(path.join(root, 'ws'));
    }
    fs.writeFileSync(
      path.join(root, 'user-data/User/settings.json'),
      JSON.stringify({ ...USER_SETTINGS, ...options.settings }, null, 2),
    );
    const home = path.join(root, 'home');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      TMPDIR: path.join(root, 'tmp'),
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local/share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local/state'),
      XDG_RUNTIME_DIR: path.join(root, 'tmp'),
      ...options.env,
    };
    const common = [
      '--user-data-dir',
      path.join(root, 'user-data'),
      '--extensions-dir',
      path.join(root, 'extensions'),
    ];
    if (options.vsix) {
      const install = spawnSync(binary, [...common, '--install-extension', options.vsix], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (install.status !== 0) {
        throw new Error(`installing ${options.vsix} failed:\n${install.stdout}\n${install.stderr}`);
      }
    }
    const port = await freePort();
    const log = fs.openSync(path.join(root, 'code-server.log'), 'a');
    const child = spawn(
      binary,
      [
        ...common,
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--auth',
        'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--ignore-last-opened',
        path.join(root, 'ws'),
      ],
      // Its own process group: stopping kills the extension host, the file watcher and our language server too.
      { env, detached: true, stdio: ['ignore', log, log] },
    );
    const server = new CodeServer(root, env, child, port);
    await server.waitHealthy(30_000);
    return server;
  }

  /** The workbench URL for the workspace, with an optional test payload (extension development / tests). */
  url(payload?: [string, string][]): string {
    const query = [`folder=${encodeURIComponent(this.workspace)}`];
    if (payload) {
      query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
    }
    return `http://127.0.0.1:${this.port}/?${query.join('&')}`;
  }

  /** A path on this machine as the workbench's remote URI. */
  remote(file: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${file}`;
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.root, 'code-server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async launchBrowser(): Promise<{ browser: Browser; context: BrowserContext }> {
    const { chromium } = await import('playwright-core');
    const launch: LaunchOptions = {
      executablePath: chromiumBinary(),
      headless: true,
      env: this.env as Record<string, string>,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    };
    const browser = await chromium.launch(launch);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    return { browser, context };
  }

  async stop(options: { keep?: boolean } = {}): Promise<void> {
    if (!this.exited && this.process.pid) {
      try {
        process.kill(-this.process.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const deadline = Date.now() + 5000;
      while (!this.exited && Date.now() < deadline) {
        await sleep(50);
      }
      if (!this.exited) {
        try {
          process.kill(-this.process.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    if (!options.keep) {
      fs.rmSync(this.root, { recursive: true, force: true });
    }
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`code-server exited during startup:\n${this.log()}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (response.ok) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`code-server did not become healthy within ${timeoutMs} ms:\n${this.log()}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The .vsix that `npm run package` writes. */
export function vsixPath(): string {
  const { name, version } = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'),
  ) as { name: string; version: string };
  return path.join(repoRoot, `${name}-${version}.vsix`);
}
