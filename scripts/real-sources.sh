#!/usr/bin/env bash
# Puts the sources of the real crates the tests compare with rustc (test/fixtures/real/*.json), and
# of every crate they depend on (the analysis reads dependencies' types from their sources), in a
# cache outside the clone, from Debian's librust-*-dev packages, without installing them: the
# packages' dependency closure (`apt-cache depends --recurse`), `apt-get download` and `dpkg -x`.
# `librust-futures-dev` is added because the crates' tests and examples use `futures`, a
# dev-dependency Debian's packages do not depend on. Prints the registry folder as its last line.
set -euo pipefail
cache=${RFS_CACHE:-$HOME/.cache/rust-future-size}/debian-registry
seeds=(librust-tokio-dev librust-hyper-dev librust-h2-dev librust-reqwest-dev librust-tokio-util-dev
  librust-tokio-postgres-dev librust-futures-util-dev librust-futures-dev)
registry=$cache/usr/share/cargo/registry
# Bumped when the set of packages changes, so an older cache is filled again.
marker=$cache/.closure-v2

closure() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${seeds[@]}" 2>/dev/null | grep -E '^librust-' | sort -u || true
}

if [ ! -f "$marker" ]; then
  mkdir -p "$cache/debs"
  cd "$cache/debs"
  packages=$(closure)
  if [ -z "$packages" ]; then
    apt-get update -qq
    packages=$(closure)
  fi
  # shellcheck disable=SC2086 # one word per package
  if ! apt-get download $packages >/dev/null 2>&1; then
    apt-get update -qq
    # One by one: a name that is only provided by another package cannot be downloaded itself.
    for p in $packages; do
      apt-get download "$p" >/dev/null 2>&1 || true
    done
  fi
  for deb in *.deb; do
    dpkg -x "$deb" "$cache"
  done
  if [ ! -d "$registry/tokio-1.24.2" ]; then
    echo "real-sources: tokio's sources were not downloaded" >&2
    exit 1
  fi
  touch "$marker"
fi
echo "$registry"
