#!/usr/bin/env bash
# The demo: builds (via make demo), then plays a whole LAN party in network
# namespaces, narrating, and cleans up after itself. Needs root. It prints
# the relay dashboard's URL and token; with --keep (make demo KEEP=1) the
# party stays up until Enter is pressed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "demo: run as root (network namespaces)" >&2
  exit 1
fi
exec /usr/bin/python3 tests/system/demo.py "$@"
