#!/usr/bin/env bash
# Installs what the e2e tests need and that no package.json can: Debian's Chromium, ripgrep and
# neovim (the second LSP client), and code-server (a real VS Code) in a cache outside the clone,
# keyed by version. Idempotent: a second run finds everything and returns at once. Prints the
# code-server launcher's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.99.4
if [ -n "${RFS_CACHE_DIR:-}" ]; then
  cache=$RFS_CACHE_DIR
elif [ -w /var/cache ]; then
  cache=/var/cache/rust-future-size
else
  cache=$HOME/.cache/rust-future-size
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v rg >/dev/null 2>&1 ||
  ! command -v nvim >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "e2e-setup: install chromium, ripgrep and neovim" \
      "(apt-get install chromium ripgrep neovim), then run again" >&2
    exit 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep neovim >&2
fi

dir=$cache/code-server-$CODE_SERVER_VERSION
bash scripts/install-code-server.sh "$dir" >&2
echo "$dir/node_modules/.bin/code-server"
