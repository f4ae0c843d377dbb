#!/usr/bin/env bash
# Runs system tests with each daemon under `strace -f` and prints the system
# calls they make after setup (scripts/seccomp-trace.py): how io/lp_priv.c's
# seccomp allow-lists were measured. Needs root, strace and a build in
# LP_BUILD_DIR (default build/). The tracer is detached (-D), so the
# daemon keeps its pid and the tests' signals reach it.
#
#   scripts/seccomp-trace.sh tests/system/test_rooms.py tests/system/test_faults.py
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$(realpath "${LP_BUILD_DIR:-build}")
WORK=$(mktemp -d /tmp/lp-seccomp-trace.XXXXXX)
mkdir -p "$WORK/build/cmd" "$WORK/build/tests" "$WORK/trace"
ln -s "$BUILD/tests/tools" "$WORK/build/tests/tools"
for b in relay gateway client; do
  cat >"$WORK/build/cmd/lanparty-$b" <<EOS
#!/bin/sh
exec strace -D -f -qq -o $WORK/trace/$b.\$\$ $BUILD/cmd/lanparty-$b "\$@"
EOS
  chmod +x "$WORK/build/cmd/lanparty-$b"
done
[ $# -gt 0 ] || set -- tests/system/test_rooms.py tests/system/test_lanparty.py \
  tests/system/test_faults.py
LP_BUILD_DIR=$WORK/build /usr/bin/python3 -m pytest -q -p no:cacheprovider "$@" || true
/usr/bin/python3 "$ROOT/scripts/seccomp-trace.py" "$WORK/trace"
echo "traces: $WORK/trace"
