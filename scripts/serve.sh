#!/usr/bin/env bash
# Sets the machine up (if needed), builds the page in release mode and serves it at
# http://127.0.0.1:8080 until interrupted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh
exec trunk serve --release --no-autoreload --address 127.0.0.1 --port 8080
