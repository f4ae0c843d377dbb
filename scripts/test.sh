#!/usr/bin/env bash
# Builds lanparty and runs every check: formatting, static analysis, unit
# tests (plain and under ASan/UBSan), short libFuzzer runs, the relay's
# system tests (plain and under sanitizers), the end-to-end LAN party in
# network namespaces, the Windows client cross-built with mingw-w64 and
# tested under wine, and the Debian packages installed into a fresh root.
# Prints one line per step and a closing
# "N passed, N failed" line; exits non-zero if any step failed.
#
#   scripts/test.sh            everything
#   LP_FUZZ_SECONDS=60 ...     longer fuzz runs (default 20 s per target)
#   LP_SKIP=fuzz,netns ...     skip named steps (for quick local runs)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=/usr/bin/python3
FUZZ_SECONDS=${LP_FUZZ_SECONDS:-20}
SKIP=",${LP_SKIP:-},"
LOGDIR=$ROOT/build-logs
mkdir -p "$LOGDIR"
passed=0
failed=0
failed_names=()

step() {
  local name=$1
  shift
  if [[ $SKIP == *",$name,"* ]]; then
    printf '%-22s skipped\n' "$name"
    return 0
  fi
  local t0=$SECONDS
  if "$@" >"$LOGDIR/$name.log" 2>&1; then
    printf '%-22s ok     (%ds)\n' "$name" $((SECONDS - t0))
    passed=$((passed + 1))
  else
    printf '%-22s FAILED (%ds) -- last lines of %s:\n' "$name" $((SECONDS - t0)) "build-logs/$name.log"
    tail -n 40 "$LOGDIR/$name.log" | sed 's/^/    /'
    failed=$((failed + 1))
    failed_names+=("$name")
  fi
}

deps() { scripts/install-deps.sh; }
build() {
  { [ -f build/build.ninja ] || meson setup build; } && ninja -C build
}
build_asan() {
  { [ -f build-asan/build.ninja ] ||
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
      -Dbuildtype=debug; } && ninja -C build-asan
}
build_fuzz() {
  { [ -f build-fuzz/build.ninja ] ||
    CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false; } &&
    ninja -C build-fuzz
}
format() {
  local bad=0 f
  for f in $(git ls-files '*.c' '*.h'); do
    clang-format --dry-run --Werror "$f" || bad=1
  done
  return $bad
}
static() {
  cppcheck --enable=warning,performance,portability --error-exitcode=1 \
    --inline-suppr -q --std=c11 -D__linux__ -D_GNU_SOURCE \
    -I lib -I quic -I io -I relay -I client \
    --suppress=missingIncludeSystem \
    lib quic io relay cmd client tests/tools bench &&
  cppcheck --enable=warning,performance,portability --error-exitcode=1 \
    --inline-suppr -q --std=c11 -D_WIN32 -I lib -I quic -I io -I client \
    -I win --suppress=missingIncludeSystem win tests/win cmd/client_windows.c
}
unit() { meson test -C build --suite unit --print-errorlogs; }
unit_asan() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --suite unit --print-errorlogs
}
fuzz() {
  local t rc=0
  meson test -C build-fuzz --suite fuzz --print-errorlogs || return 1
  for t in overlay ctrl endpoint policy gso link roomlist b64 l3 frag relay conf; do
    mkdir -p "build-fuzz/corpus-$t"
    echo "== fuzz_$t for ${FUZZ_SECONDS}s"
    build-fuzz/fuzz/fuzz_$t -max_total_time="$FUZZ_SECONDS" -timeout=10 \
      -artifact_prefix="build-fuzz/crash-$t-" -print_final_stats=1 \
      "build-fuzz/corpus-$t" "fuzz/corpus/$t" 2>&1 | tail -n 12 || rc=1
  done
  return $rc
}
RELAY_SUITES="tests/system/test_relay.py tests/system/test_paths.py
  tests/system/test_rooms.py tests/system/test_spki.py
  tests/system/test_hostile.py tests/system/test_frag.py
  tests/system/test_dashboard.py tests/system/test_service.py"
relay_tests() {
  # shellcheck disable=SC2086
  LP_BUILD_DIR=$ROOT/build $PY -m pytest -q -p no:cacheprovider $RELAY_SUITES
}
# The same tests against the README's production listener, `PORT/udp`: a
# dual-stack wildcard socket (local addresses from PKTINFO, v4-mapped).
relay_tests_wildcard() {
  # shellcheck disable=SC2086
  LP_RELAY_LISTEN=0/udp LP_BUILD_DIR=$ROOT/build \
    $PY -m pytest -q -p no:cacheprovider $RELAY_SUITES
}
relay_tests_asan() {
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    LP_RELAY_LISTEN=0/udp LP_BUILD_DIR=$ROOT/build-asan LP_SANITIZED=1 \
    $PY -m pytest -q -p no:cacheprovider $RELAY_SUITES
}
windows() { scripts/test-windows.sh; }
# The Debian packages: built, lintian, installed into a fresh Debian 12
# root from the mirror (scripts/test-deb.sh; lintian and mmdebstrap are
# installed there, not in install-deps).
deb() { scripts/test-deb.sh; }
netns_tests() {
  if [ ! -f tests/system/test_lanparty.py ]; then
    echo "no end-to-end tests"; return 1
  fi
  # the relay listens on the wildcard `PORT/udp` form (lpnet.py's default)
  LP_BUILD_DIR=$ROOT/build $PY -m pytest -q -p no:cacheprovider \
    tests/system/test_lanparty.py tests/system/test_faults.py \
    tests/system/test_containment.py tests/system/test_routes.py \
    tests/system/test_lanparty_frag.py tests/system/test_service_netns.py \
    tests/system/test_dashboard_netns.py tests/system/test_gateway_admin_netns.py
}
# The LAN party again with the relay on one address (198.18.100.1:PORT).
netns_tests_addr() {
  LP_RELAY_LISTEN=addr LP_BUILD_DIR=$ROOT/build \
    $PY -m pytest -q -p no:cacheprovider tests/system/test_lanparty.py \
    tests/system/test_faults.py tests/system/test_containment.py \
    tests/system/test_lanparty_frag.py
}

step deps deps
step build build
step format format
step static-analysis static
step unit unit
step build-asan build_asan
step unit-asan unit_asan
step build-fuzz build_fuzz
step fuzz fuzz
step relay-system relay_tests
step relay-system-wildcard relay_tests_wildcard
step relay-system-asan relay_tests_asan
step lanparty-netns netns_tests
step lanparty-netns-addr netns_tests_addr
step windows windows
step deb deb

echo
[ $failed -eq 0 ] || echo "failed steps: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
