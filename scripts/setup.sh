#!/usr/bin/env bash
# Installs everything Replica Lab needs, idempotently; fast when already done.
# Source it (`. scripts/setup.sh`) to get the tools on PATH, or run it on its own.
#
# Tools go to $REPLICA_LAB_TOOLS (default ~/.cache/replica-lab/tools) so later runs and CI
# on the same machine reuse them. Versions are pinned here; wasm-bindgen-cli follows the
# wasm-bindgen version in Cargo.lock exactly.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${REPLICA_LAB_TOOLS:-${HOME:-/root}/.cache/replica-lab/tools}"
TRUNK_VERSION="0.21.14"
WASM_PACK_VERSION="0.15.1"
BINARYEN_VERSION="132"
# Only for scripts/mutants.sh (REPLICA_LAB_MUTANTS=1), not for the tests or CI.
CARGO_MUTANTS_VERSION="27.1.0"
mkdir -p "$TOOLS/bin" "$TOOLS/npm"
export PATH="$TOOLS/bin:$TOOLS/npm/node_modules/.bin:${CARGO_HOME:-${HOME:-/root}/.cargo}/bin:$PATH"

say() { printf '[setup] %s\n' "$*" >&2; }

# Rust's wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Chromium and its driver, for wasm tests and end-to-end tests; a Devanagari font so the
# Hindi narratives and screenshots render (the page's font stack falls back to it).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list 2>/dev/null | grep -qi devanagari; then
  say "installing chromium, chromium-driver and a Devanagari font"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver fonts-lohit-deva >/dev/null
fi

installed_version() { "$1" --version 2>/dev/null | awk '{print $2}' | head -n1; }

if [ "$(installed_version trunk)" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (several minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --root "$TOOLS" --quiet
fi

bindgen_version="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' "$repo_root/Cargo.lock")"
if [ -z "$bindgen_version" ]; then
  say "Cargo.lock names no wasm-bindgen"; exit 1
fi
if [ "$(installed_version wasm-bindgen)" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (to match Cargo.lock)"
  # Not --locked: its lock file names a crate version the registry here lacks.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --root "$TOOLS" --quiet --force
fi

if [ "$(installed_version wasm-pack)" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --root "$TOOLS" --quiet
fi

# Debian's binaryen is too old for rustc's wasm; the npm package ships a current wasm-opt.
if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  (cd "$TOOLS/npm" && npm install --silent --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null)
fi

if [ "${REPLICA_LAB_MUTANTS:-0}" = "1" ] && [ "$(cargo mutants --version 2>/dev/null | awk '{print $2}')" != "$CARGO_MUTANTS_VERSION" ]; then
  say "installing cargo-mutants $CARGO_MUTANTS_VERSION (for scripts/mutants.sh)"
  cargo install cargo-mutants --version "$CARGO_MUTANTS_VERSION" --locked --root "$TOOLS" --quiet
fi

export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
say "ready: $(trunk --version), wasm-bindgen $(installed_version wasm-bindgen), wasm-pack $(installed_version wasm-pack), $(wasm-opt --version | head -n1)"
