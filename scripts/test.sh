#!/usr/bin/env bash
# Sets the machine up (if needed) and runs every test: formatting, clippy (native and
# wasm), the core's tests natively, the core's and the web crate's tests under wasm in
# headless Chrome, a release Trunk build, and the end-to-end tests against that build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
step() { printf '\n== %s\n' "$*"; }
# Runs a test command, keeping its output for the summary at the end.
run() { "$@" 2>&1 | tee -a "$log"; }

step "format"
cargo fmt --all -- --check

step "clippy (native and wasm32), warnings are errors"
cargo clippy -p replica-core --all-targets --locked -- -D warnings
cargo clippy -p replica-web --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
cargo clippy -p replica-e2e --all-targets --locked -- -D warnings

step "core tests, native"
run cargo test -p replica-core --tests --locked

step "core tests, wasm32 in headless Chrome"
run wasm-pack test --headless --chrome core --no-default-features

step "web tests, wasm32 in headless Chrome"
run wasm-pack test --headless --chrome web

step "release build of the page"
trunk build --release

step "end-to-end tests against the release build"
run cargo test -p replica-e2e --tests --locked -- --test-threads=1

step "summary"
awk '/test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' "$log"
