#!/usr/bin/env bash
# Installs the Debian 12 packages lanparty needs to build, test and run the
# demo. Idempotent: only missing packages are installed. Needs root.
set -euo pipefail

PKGS=(
  build-essential pkg-config meson ninja-build
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev libjansson-dev
  libcmocka-dev libseccomp-dev libcap-ng-dev libmnl-dev
  clang libclang-rt-14-dev clang-format cppcheck scdoc
  python3 python3-pytest python3-scapy
  iproute2 iputils-ping dnsmasq-base iperf3 udhcpc isc-dhcp-client
  ethtool tcpdump bridge-utils procps psmisc kmod strace
  libmicrohttpd-dev prometheus python3-jsonschema
  chromium chromium-driver python3-selenium
)
# `make deb`: debhelper and dpkg-buildpackage
if [ "${1:-}" = "--deb" ]; then
  PKGS+=(debhelper dpkg-dev fakeroot)
fi
if [ "${1:-}" = "--windows" ]; then
  PKGS+=(gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64
         mingw-w64-x86-64-dev dpkg-dev autoconf automake libtool wine wine64
         nsis xvfb xauth imagemagick)
fi

# The daemons drop root after setup and run as this system user.
ensure_user() {
  if ! getent passwd lanparty >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin lanparty
      echo "install-deps: created system user lanparty"
    else
      echo "install-deps: no user lanparty (run as root to create it)" >&2
    fi
  fi
}
trap ensure_user EXIT

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages (run as root): ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
