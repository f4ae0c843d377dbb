#!/usr/bin/env bash
# Builds the Debian packages (make deb), runs lintian on them, checks their
# contents and units, then installs them into a fresh Debian 12 root made
# by mmdebstrap from Debian's mirror and checks the installed system: the
# lanparty user, the files, the man pages, `systemd-analyze verify` of the
# units, and the relay started from its unit's ExecStart line as its
# User=. Without network (no mirror) the last part is skipped, saying so,
# after the dpkg-deb -c checks. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build-deb

need=()
for p in lintian mmdebstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deb: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

make deb
cd "$OUT"
VER=$(dpkg-parsechangelog -l src/debian/changelog -S Version)
CHANGES=lanparty_${VER}_$(dpkg --print-architecture).changes

echo "== lintian"
lintian --no-cfg --fail-on error,warning "$CHANGES" 2>&1 |
  grep -v 'running with root privileges' || true
lintian --no-cfg --fail-on error,warning "$CHANGES" >/dev/null 2>&1
echo "lintian: clean (errors and warnings)"

echo "== contents"
check_has() { # deb path...
  local deb=$1 list
  shift
  list=$(dpkg-deb -c "$deb" | awk '{print $6}')
  for f in "$@"; do
    grep -qx "\./$f" <<<"$list" || { echo "$deb lacks $f"; exit 1; }
  done
  echo "$deb: ${*}"
}
check_has lanparty-relay_"$VER"_*.deb usr/bin/lanparty-relay \
  lib/systemd/system/lanparty-relay.service etc/lanparty/relay.conf \
  usr/share/man/man8/lanparty-relay.8.gz
check_has lanparty-gateway_"$VER"_*.deb usr/bin/lanparty-gateway \
  lib/systemd/system/lanparty-gateway@.service etc/lanparty/gateway.conf \
  usr/share/man/man8/lanparty-gateway.8.gz
check_has lanparty-client_"$VER"_*.deb usr/bin/lanparty-client \
  usr/share/man/man1/lanparty-client.1.gz
for p in relay gateway client; do
  dpkg-deb -f lanparty-${p}_"$VER"_*.deb Depends | grep -q libngtcp2 ||
    { echo "lanparty-$p: Depends not computed by dh_shlibdeps"; exit 1; }
done

echo "== a fresh Debian 12 root"
CH=$OUT/chroot
rm -rf "$CH"
if ! timeout 900 mmdebstrap --variant=minbase --include=systemd,man-db \
    --customize-hook="copy-in $(ls lanparty-{relay,gateway,client}_"$VER"_*.deb | tr '\n' ' ') /tmp" \
    --customize-hook='chroot "$1" sh -c "apt-get install -y -q /tmp/lanparty-*.deb"' \
    bookworm "$CH" http://deb.debian.org/debian >"$OUT/mmdebstrap.log" 2>&1; then
  tail -n 20 "$OUT/mmdebstrap.log"
  echo "test-deb: no Debian root (no mirror?): installation NOT tested;" \
    "only the dpkg-deb -c checks above ran"
  exit 0
fi
in_root() { chroot "$CH" "$@"; }
in_root getent passwd lanparty | grep -q '/nonexistent:/usr/sbin/nologin' ||
  { echo "no lanparty system user"; exit 1; }
echo "user: $(in_root getent passwd lanparty)"
for p in relay gateway client; do
  in_root lanparty-$p --version
done
in_root man -w lanparty-relay lanparty-gateway lanparty-client
in_root test -L /etc/systemd/system/multi-user.target.wants/lanparty-relay.service
echo "lanparty-relay.service: enabled"
in_root systemd-analyze verify --man=no lanparty-relay.service \
  lanparty-gateway@eth0.service
echo "systemd-analyze verify: clean"
for u in lanparty-relay.service lanparty-gateway@eth0.service; do
  in_root systemd-analyze security --offline=true "$u" 2>&1 | tail -n 1
done
# The unit's ExecStart line as its User=, with the listener moved to a
# free port (no CAP_NET_BIND_SERVICE here): it must start and listen.
exec_start=$(sed -n 's/^ExecStart=//p' "$CH/lib/systemd/system/lanparty-relay.service")
log=$(in_root timeout -s TERM 3 runuser -u lanparty -- $exec_start --listen 127.0.0.1:0 2>&1 || true)
grep -q 'event=listening' <<<"$log" || { echo "$log"; echo "the relay did not start"; exit 1; }
grep -q 'event=exit' <<<"$log" || { echo "$log"; echo "the relay did not stop cleanly"; exit 1; }
echo "relay from its unit's ExecStart as lanparty: listening, stopped on SIGTERM"
echo "test-deb: all checks passed"
