#!/usr/bin/env bash
# The editor tests, in a real VS Code (code-server 4.99.4 + headless Chromium):
#   1. the extension-host mocha suite (test/e2e/suite), run with this repository as the extension
#      under development;
#   2. the UI test (test/e2e/ui.test.ts) against the packaged .vsix;
#   3. headless neovim 0.7 as a second LSP client (test/e2e/neovim.test.ts).
# Installs Chromium, neovim and code-server first if they are missing (scripts/e2e-setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CODE_SERVER:-}" ]; then
  CODE_SERVER=$(bash scripts/e2e-setup.sh | tail -n 1)
fi
export CODE_SERVER

start=$SECONDS
npm run --silent package
echo "==> packaged $(ls -1 rust-future-size-*.vsix) ($(stat -c %s rust-future-size-*.vsix) bytes): $((SECONDS - start)) s"

start=$SECONDS
node test/out/e2e/runInCodeServer.js
echo "==> extension-host suite: $((SECONDS - start)) s"

start=$SECONDS
node --test test/out/e2e/ui.test.js
echo "==> UI test: $((SECONDS - start)) s"

start=$SECONDS
node --test test/out/e2e/neovim.test.js
echo "==> neovim: $((SECONDS - start)) s"
