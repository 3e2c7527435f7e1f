#!/usr/bin/env bash
# Puts the sources of the real crates the tests compare with rustc (test/fixtures/real/*.json) in a
# cache outside the clone, from Debian's librust-*-dev packages, without installing them (and their
# dependencies): `apt-get download` and `dpkg -x`. Prints the registry folder as its last line.
set -euo pipefail
cache=${RFS_CACHE:-$HOME/.cache/rust-future-size}/debian-registry
packages=(librust-tokio-dev librust-hyper-dev librust-h2-dev librust-reqwest-dev librust-tokio-util-dev librust-tokio-postgres-dev librust-futures-util-dev)
registry=$cache/usr/share/cargo/registry
if [ ! -d "$registry/tokio-1.24.2" ]; then
  mkdir -p "$cache/debs"
  cd "$cache/debs"
  if ! apt-get download "${packages[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get download "${packages[@]}" >/dev/null
  fi
  for deb in *.deb; do
    dpkg -x "$deb" "$cache"
  done
fi
echo "$registry"
