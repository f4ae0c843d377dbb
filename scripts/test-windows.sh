#!/usr/bin/env bash
# Cross-builds the Windows client with mingw-w64 and tests it under wine:
#   - the Windows unit tests (pure logic: registry values, GUIDs, MACs,
#     adapter selection, route choice, undo journal, route protection with
#     a fake IP Helper) and the lib/ and io/ cmocka unit tests run under
#     wine;
#   - lanparty-client.exe with no TAP adapter (wine has none) exits non-zero
#     with the "no TAP-Windows6 adapter" message, and the relay sees no join;
#   - lanparty-client.exe --check-relay against the Linux lanparty-relay
#     with the pinned certificate completes (exit 0, welcome printed, the
#     relay logs the join), and fails clearly with a wrong pin;
#   - the wolfSSL client's ALPN check (tests/win/tls_alpn_test.c): against
#     an in-process ngtcp2 + wolfSSL server with the relay's certificate,
#     a server that selects no ALPN gets no_application_protocol (0x178);
#   - the window under Xvfb, opened from an invite link: the missing
#     adapter in its status (screenshot in build-logs/), and --check-relay
#     from it reaching the relay;
#   - the NSIS installer (build-win/dist/lanparty-client-setup.exe): /S
#     into a fresh wine prefix installs the exe, the Start-menu entries and
#     the lanparty:// handler (read back with `wine reg query`), reports
#     the missing TAP adapter, finds a registered one, and its uninstaller
#     removes everything it added.
# Prints one line per check and closes with "N passed, N failed"; exits
# non-zero on failure. Builds into build-win/ (wine prefix in
# build-win/wineprefix); the dependencies are cached by
# scripts/build-windows-deps.sh ($LP_WIN_CACHE, ~/.cache/lanparty-win).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build-win
RELAY_BIN=${LP_RELAY_BIN:-$ROOT/build/cmd/lanparty-relay}
export WINEPREFIX=$BUILD/wineprefix WINEDEBUG=-all
passed=0
failed=0
TMP=$(mktemp -d)
# the relay drops root (to `lanparty`) and re-reads its room list here
chmod 711 "$TMP"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
  printf '%-44s ok\n' "$1"
  passed=$((passed + 1))
}
fail() {
  printf '%-44s FAILED: %s\n' "$1" "$2"
  failed=$((failed + 1))
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# 1. Host packages and the cached dependencies.
scripts/install-deps.sh --windows >"$TMP/deps.log" 2>&1 ||
  { cat "$TMP/deps.log"; fail deps "install-deps.sh --windows"; finish; }
PREFIX=$(scripts/build-windows-deps.sh | tee "$TMP/windeps.log" |
  sed -n 's/^prefix=//p')
if [ -z "$PREFIX" ]; then
  cat "$TMP/windeps.log"
  fail windows-deps "scripts/build-windows-deps.sh failed"
  finish
fi
ok windows-deps

# 2. Cross build.
if [ ! -f "$BUILD/build.ninja" ]; then
  PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig meson setup "$BUILD" \
    --cross-file cross/mingw-w64.ini -Dtests=false >"$TMP/setup.log" 2>&1 ||
    { tail -n 30 "$TMP/setup.log"; fail cross-build "meson setup"; finish; }
fi
if PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig ninja -C "$BUILD" \
  >"$TMP/ninja.log" 2>&1; then
  ok cross-build
else
  tail -n 40 "$TMP/ninja.log"
  fail cross-build "ninja -C build-win"
  finish
fi
# tests/win/meson.build builds the ALPN test with the Windows tests; it
# runs below, against the relay's certificate.
ALPN_EXE=$BUILD/tests/win/tls_alpn_test.exe
EXE=$BUILD/cmd/lanparty-client.exe
dlls=$(x86_64-w64-mingw32-objdump -p "$EXE" | sed -n 's/^\s*DLL Name: //p' |
  tr 'A-Z' 'a-z' | sort -u | tr '\n' ' ')
extra=$(echo "$dlls" | tr ' ' '\n' | grep -v -E '^(advapi32|crypt32|gdi32|iphlpapi|kernel32|msvcrt|ole32|shell32|user32|ws2_32|)\.?dll$|^$' || true)
if [ -z "$extra" ]; then
  ok "exe imports only system DLLs"
else
  fail "exe imports only system DLLs" "also imports: $extra"
fi

if grep -q 'requestedExecutionLevel level="requireAdministrator"' "$EXE"; then
  ok "exe asks for elevation (manifest)"
else
  fail "exe asks for elevation (manifest)" "no requireAdministrator manifest"
fi

# 3. Unit tests under wine (the first run creates the wine prefix): the
# Windows pure logic (own runner, closing "N passed, N failed" line) and
# the lib/ and io/ cmocka tests compiled for Windows.
mkdir -p "$WINEPREFIX"
for t in "$BUILD"/tests/win/*_wintest.exe; do
  name=$(basename "$t" .exe)
  if wine "$t" >"$TMP/$name.log" 2>"$TMP/$name.err" &&
    tr -d '\r' <"$TMP/$name.log" | tail -n 1 | grep -q '^[0-9]* passed, 0 failed$'; then
    ok "unit $name ($(tr -d '\r' <"$TMP/$name.log" | tail -n 1))"
  else
    grep -a -E 'FAIL|failed' "$TMP/$name.log" | head -n 20
    fail "unit $name" "see above"
  fi
done
nunit=0
for t in "$BUILD"/tests/unit/*_test.exe; do
  [ -e "$t" ] || continue
  nunit=$((nunit + 1))
  name=$(basename "$t" .exe)
  if wine "$t" >"$TMP/$name.log" 2>&1; then
    ok "lib $name"
  else
    grep -a -E 'FAILED|ERROR|Failure' "$TMP/$name.log" | head -n 20
    fail "lib $name" "see above"
  fi
done
[ "$nunit" -gt 0 ] || fail "lib unit tests" "not built (no cmocka in $PREFIX)"

# 4. Client behaviour under wine, against the Linux relay.
if [ ! -x "$RELAY_BIN" ]; then
  { [ -f build/build.ninja ] || meson setup build >/dev/null; } &&
    ninja -C build cmd/lanparty-relay >/dev/null 2>&1
fi
if [ ! -x "$RELAY_BIN" ]; then
  fail relay "no Linux relay at $RELAY_BIN"
  finish
fi
start_relay() { # start_relay NAME -> sets PORT; relay log in $TMP/NAME.log
  local name=$1 i
  "$RELAY_BIN" --listen 127.0.0.1:0 --dev-cert-der-out "$TMP/$name.der" \
    --dev-cert-pem-out "$TMP/$name.pem" --dev-key-pem-out "$TMP/$name.key" \
    2>"$TMP/$name.log" &
  pids+=($!)
  PORT=
  for i in $(seq 1 50); do
    PORT=$(sed -n 's/.*event=listening addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' \
      "$TMP/$name.log" | head -n 1)
    [ -n "$PORT" ] && [ -s "$TMP/$name.der" ] && return 0
    sleep 0.1
  done
  return 1
}
start_relay relay1 || { fail relay "relay did not start"; finish; }
P1=$PORT
start_relay relay2 || { fail relay "second relay did not start"; finish; }
# wine sees the Linux file system as Z:, so paths work as they are.
ID=$TMP/identity.json

wine "$EXE" --relay "127.0.0.1:$P1" --relay-ca-cert "$TMP/relay1.der" \
  --room wine --identity "$ID" >"$TMP/noadapter.out" 2>&1
rc=$?
sleep 0.3
if [ $rc -ne 0 ] && grep -q 'no TAP-Windows6 adapter found' \
  "$TMP/noadapter.out" && ! grep -q 'peer_joined' "$TMP/relay1.log"; then
  ok "no adapter: clear message, exit $rc, no join"
else
  cat "$TMP/noadapter.out"
  fail "no adapter: clear message, non-zero exit" "rc=$rc"
fi

timeout 60 wine "$EXE" --check-relay --relay "127.0.0.1:$P1" \
  --relay-ca-cert "$TMP/relay1.der" --room wine --identity "$ID" \
  >"$TMP/check.out" 2>&1
rc=$?
sleep 0.3
if [ $rc -eq 0 ] && grep -q '^OK: .*room wine admitted us' "$TMP/check.out" &&
  grep -q 'event=peer_joined room=wine' "$TMP/relay1.log" &&
  grep -q 'reason=check_done' "$TMP/relay1.log"; then
  ok "--check-relay with the pinned certificate"
else
  cat "$TMP/check.out"
  tail -n 5 "$TMP/relay1.log"
  fail "--check-relay with the pinned certificate" "rc=$rc"
fi

joins_before=$(grep -c 'event=peer_joined' "$TMP/relay1.log")
timeout 60 wine "$EXE" --check-relay --relay "127.0.0.1:$P1" \
  --relay-ca-cert "$TMP/relay2.der" --room wine --identity "$ID" \
  >"$TMP/wrongpin.out" 2>&1
rc=$?
sleep 0.3
joins_after=$(grep -c 'event=peer_joined' "$TMP/relay1.log")
if [ $rc -ne 0 ] && grep -q 'does not match the pinned --relay-ca-cert' \
  "$TMP/wrongpin.out" && [ "$joins_before" = "$joins_after" ]; then
  ok "--check-relay with a wrong pin fails (exit $rc)"
else
  cat "$TMP/wrongpin.out"
  fail "--check-relay with a wrong pin fails" "rc=$rc"
fi

# A closed relay and an invite link, as players get them (spec section 9):
# the link alone names the relay, the room, the public-key pin and the
# credential; a link whose token was tampered with is refused (20).
printf 'lanparty-rooms 1\n' >"$TMP/rooms.txt"
"$RELAY_BIN" --listen 127.0.0.1:0 --cert "$TMP/relay1.pem" \
  --key "$TMP/relay1.key" --rooms "$TMP/rooms.txt" 2>"$TMP/relay3.log" &
pids+=($!)
P3=
for i in $(seq 1 50); do
  P3=$(sed -n 's/.*event=listening addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$TMP/relay3.log" | head -n 1)
  [ -n "$P3" ] && break
  sleep 0.1
done
"$RELAY_BIN" room create wine --rooms "$TMP/rooms.txt" \
  --public "127.0.0.1:$P3" --cert "$TMP/relay1.pem" --key "$TMP/relay1.key" \
  >"$TMP/links.txt" 2>&1
kill -HUP "${pids[-1]}"
sleep 0.5
LINK=$(sed -n "/player invite/{n;s/^ *//;p}" "$TMP/links.txt")
timeout 60 wine "$EXE" "$LINK" --check-relay --identity "$ID" \
  >"$TMP/link.out" 2>&1
rc=$?
BADLINK="${LINK}x" # another token
timeout 60 wine "$EXE" --check-relay --identity "$ID" "$BADLINK" \
  >"$TMP/badlink.out" 2>&1
rc2=$?
if [ $rc -eq 0 ] && grep -q '^OK: .*room wine admitted us' "$TMP/link.out" &&
  [ $rc2 -eq 20 ] && grep -q 'unauthorized' "$TMP/badlink.out" &&
  ! grep -q "${LINK##*auth=}" "$TMP/link.out" "$TMP/relay3.log"; then
  ok "an invite link alone: admitted; a tampered one: unauthorized (20)"
else
  cat "$TMP/links.txt" "$TMP/link.out" "$TMP/badlink.out"
  tail -n 5 "$TMP/relay3.log"
  fail "invite links on Windows" "rc=$rc rc2=$rc2"
fi

# The window (win/lp_winui) under Xvfb, opened from the same link: it
# shows the missing adapter in plain words (screenshot in build-logs/),
# and its --check-relay flow reaches the relay.
LOGDIR=$ROOT/build-logs
mkdir -p "$LOGDIR"
wait_trace() { # wait_trace FILE: until the window shows "stopped" again
  local i
  for i in $(seq 1 120); do
    grep -q '^state: stopped' "$1" 2>/dev/null &&
      grep -q '^line: ' "$1" && return 0
    sleep 0.5
  done
  return 1
}
if command -v Xvfb >/dev/null && command -v import >/dev/null; then
  Xvfb -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>"$TMP/xdisp" \
    2>"$TMP/xvfb.log" &
  pids+=($!)
  for i in $(seq 1 50); do
    [ -s "$TMP/xdisp" ] && break
    sleep 0.1
  done
  export DISPLAY=:$(head -n 1 "$TMP/xdisp")
  # a wineserver still running from the headless steps has no display:
  # a window started under it never shows; start afresh with DISPLAY
  wineserver -k 2>/dev/null || true
  wineserver -w 2>/dev/null || true
  joins_before=$(grep -c 'event=peer_joined' "$TMP/relay3.log")
  LP_WINDOW_TRACE=$TMP/ui1.trace wine "$EXE" --window --identity "$ID" \
    "$LINK" >"$TMP/ui1.out" 2>&1 &
  uipid=$!
  wait_trace "$TMP/ui1.trace"
  sleep 1
  import -window root "$LOGDIR/windows-window-no-adapter.png" 2>/dev/null
  wineserver -k
  wait "$uipid" 2>/dev/null
  joins_after=$(grep -c 'event=peer_joined' "$TMP/relay3.log")
  if grep -q '^line: lanparty-client: no TAP-Windows6 adapter found' \
    "$TMP/ui1.trace" && grep -q '^state: connecting' "$TMP/ui1.trace" &&
    [ "$(tail -n 1 "$TMP/ui1.trace")" = "state: stopped" ] &&
    [ -s "$LOGDIR/windows-window-no-adapter.png" ] &&
    [ "$joins_before" = "$joins_after" ]; then
    ok "window from a link: no adapter (screenshot)"
  else
    cat "$TMP/ui1.trace" "$TMP/ui1.out"
    ls -la "$LOGDIR"
    fail "window from a link: no adapter" "joins $joins_before -> $joins_after"
  fi
  LP_WINDOW_TRACE=$TMP/ui2.trace wine "$EXE" --window --check-relay \
    --identity "$ID" "$LINK" >"$TMP/ui2.out" 2>&1 &
  uipid=$!
  wait_trace "$TMP/ui2.trace"
  sleep 1
  import -window root "$LOGDIR/windows-window-check-relay.png" 2>/dev/null
  wineserver -k
  wait "$uipid" 2>/dev/null
  joins_after=$(grep -c 'event=peer_joined' "$TMP/relay3.log")
  if grep -q '^line: OK: .*room wine admitted us' "$TMP/ui2.trace" &&
    [ "$joins_after" -gt "$joins_before" ] &&
    ! grep -q "${LINK##*auth=}" "$TMP/ui2.trace"; then
    ok "window --check-relay reaches the relay"
  else
    cat "$TMP/ui2.trace" "$TMP/ui2.out"
    fail "window --check-relay reaches the relay" "joins $joins_before -> $joins_after"
  fi
  unset DISPLAY
else
  fail window "no Xvfb or import (install-deps.sh --windows)"
fi

# The relay's identity for the in-process server, its DER as the pin.
if [ -e "$ALPN_EXE" ]; then
  timeout 120 wine "$ALPN_EXE" "$TMP/relay1.pem" "$TMP/relay1.key" \
    "$TMP/relay1.der" >"$TMP/alpn.log" 2>"$TMP/alpn.err"
  rc=$?
  last=$(tr -d '\r' <"$TMP/alpn.log" | tail -n 1)
  if [ $rc -eq 0 ] && echo "$last" | grep -q '^2 passed, 0 failed$'; then
    ok "wolfSSL client: no ALPN selected -> 0x178"
  else
    tr -d '\r' <"$TMP/alpn.log"
    fail "wolfSSL client: no ALPN selected -> 0x178" "rc=$rc"
  fi
fi

wine "$EXE" --list-tap-adapters >"$TMP/list.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q 'no TAP-Windows6 adapter found' "$TMP/list.out"; then
  ok "--list-tap-adapters (none under wine)"
else
  cat "$TMP/list.out"
  fail "--list-tap-adapters" "rc=$rc"
fi

# 5. The installer, silent, in a fresh wine prefix of its own (the shell
# integration that would write .desktop files on this machine is off).
INST=$BUILD/dist/lanparty-client-setup.exe
if [ ! -e "$INST" ]; then
  fail installer "not built (no makensis? install-deps.sh --windows)"
  finish
fi
IPFX=$BUILD/wineprefix-installer
rm -rf "$IPFX"
iwine() {
  WINEPREFIX=$IPFX WINEDLLOVERRIDES="winemenubuilder.exe=d;mscoree=d;mshtml=d" \
    wine "$@"
}
iwait() { WINEPREFIX=$IPFX wineserver -w; }
ireg() { # ireg KEY VALUE -> the value's data, as reg query prints it
  iwine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' |
    sed -n "s/^ *$2 *REG_[A-Z_]* *//p"
}
IDIR="$IPFX/drive_c/Program Files/lanparty"
IMENU="$IPFX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/lanparty"
URLKEY='HKLM\Software\Classes\lanparty'
UNKEY='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\lanparty'
iwine "$INST" /S >"$TMP/inst.log" 2>&1
rc=$?
iwait
cmdline=$(iwine reg query "$URLKEY\\shell\\open\\command" /ve 2>/dev/null |
  tr -d '\r' | sed -n 's/.*REG_SZ *//p')
proto=$(iwine reg query "$URLKEY" /v "URL Protocol" 2>/dev/null | tr -d '\r' |
  grep -c 'URL Protocol *REG_SZ')
tap=$(ireg 'HKLM\Software\lanparty' TapAdapterFound)
if [ $rc -eq 0 ] && [ -f "$IDIR/lanparty-client.exe" ] &&
  [ -f "$IDIR/uninstall.exe" ] && [ -f "$IMENU/lanparty.lnk" ] &&
  [ -f "$IMENU/Uninstall lanparty.lnk" ] &&
  [ -f "$IMENU/lanparty command line.lnk" ] &&
  [ "$cmdline" = '"C:\Program Files\lanparty\lanparty-client.exe" --window "%1"' ] &&
  [ "$proto" = 1 ] && [ "$tap" = 0x0 ] &&
  [ -n "$(ireg "$UNKEY" QuietUninstallString)" ]; then
  ok "installer /S: exe, Start menu, lanparty:// handler"
else
  cat "$TMP/inst.log"
  ls -la "$IDIR" "$IMENU" 2>&1
  fail "installer /S" "rc=$rc handler='$cmdline' protocol=$proto tap=$tap"
fi
iwine "$IDIR/lanparty-client.exe" --help >"$TMP/inst-help.out" 2>&1
if grep -q 'lanparty://HOST/ROOM' "$TMP/inst-help.out"; then
  ok "installed exe runs (--help)"
else
  cat "$TMP/inst-help.out"
  fail "installed exe runs (--help)" "no usage text"
fi
iwine "$IDIR/uninstall.exe" /S >"$TMP/uninst.log" 2>&1
rc=$?
iwait
if [ $rc -eq 0 ] && [ ! -e "$IDIR" ] && [ ! -e "$IMENU" ] &&
  ! iwine reg query "$URLKEY" >/dev/null 2>&1 &&
  ! iwine reg query "$UNKEY" >/dev/null 2>&1 &&
  ! iwine reg query 'HKLM\Software\lanparty' >/dev/null 2>&1; then
  ok "uninstaller /S removes everything it added"
else
  cat "$TMP/uninst.log"
  ls -la "$IDIR" "$IMENU" 2>&1
  fail "uninstaller /S" "rc=$rc"
fi
# A registered TAP-Windows6 adapter (its ComponentId in another case).
iwine reg add \
  'HKLM\SYSTEM\CurrentControlSet\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}\0042' \
  /v ComponentId /d 'ROOT\TAP0901' /f >/dev/null 2>&1
iwine "$INST" /S >"$TMP/inst2.log" 2>&1
iwait
tap=$(ireg 'HKLM\Software\lanparty' TapAdapterFound)
iwine "$IDIR/uninstall.exe" /S >/dev/null 2>&1
iwait
if [ "$tap" = 0x1 ] && [ ! -e "$IDIR" ]; then
  ok "installer finds a registered TAP adapter"
else
  fail "installer finds a registered TAP adapter" "TapAdapterFound=$tap"
fi
rm -rf "$IPFX"

finish
