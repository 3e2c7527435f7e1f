#!/usr/bin/env bash
# Installs code-server (VS Code 1.99.3 with a Node 20 extension host) into a folder of its own, offline
# from GitHub: only the npm registry is used. Usage: install-code-server.sh DIR
# DIR is a cache outside the clone, keyed by version; a finished install leaves DIR/.complete.
# Recipe: shared/guides/real-editor.md §2a ("lite": --ignore-scripts, then the postinstall's steps by hand).
set -euo pipefail
VERSION=4.99.4
dir=$1
if [ -f "$dir/.complete" ]; then
  exit 0
fi
command -v rg >/dev/null || { echo "install-code-server: ripgrep (rg) is required" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
echo '{"private":true}' > package.json
# node-pty's install script runs `npx node-gyp`; without a TTY npx cancels unless told yes.
export npm_config_yes=true
npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$VERSION"
# argon2 is loaded at startup; its prebuilt download fails here, so build it from source.
npm rebuild --loglevel=error argon2
cd node_modules/code-server/lib/vscode
npm install --no-audit --no-fund --loglevel=error --omit=dev --ignore-scripts
npm rebuild --loglevel=error @vscode/spdlog native-watchdog node-pty @vscode/deviceid
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
cd extensions
npm install --no-audit --no-fund --loglevel=error --omit=dev --ignore-scripts
node postinstall.mjs >/dev/null
touch "$dir/.complete"
