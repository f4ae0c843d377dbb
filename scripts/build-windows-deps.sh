#!/usr/bin/env bash
# Builds the Windows client's dependencies for x86_64-w64-mingw32 from Debian
# 12 source packages (apt-get source), once, into a cache directory outside
# the repository:
#
#   wolfSSL 5.5.4 (QUIC), ngtcp2 0.12.1 (wolfSSL crypto, library only),
#   jansson 2.14, and cmocka 1.1.5 (for the lib/ unit tests) -- all static.
#
# Recipe: ../shared/notes/windows-cross-build.md. The prefix is
# $LP_WIN_CACHE/prefix (default ~/.cache/lanparty-win/prefix); a stamp file
# there records the versions, and a later run with the same versions does
# nothing. Prints the prefix on the last line ("prefix=...").
#
#   scripts/build-windows-deps.sh            build if needed
#   scripts/build-windows-deps.sh --force    rebuild
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${LP_WIN_CACHE:-$HOME/.cache/lanparty-win}
PREFIX=$CACHE/prefix
SRC=$CACHE/src
HOST=x86_64-w64-mingw32
JOBS=$(nproc 2>/dev/null || echo 2)
STAMP_TEXT="wolfssl=5.5.4 ngtcp2=0.12.1 jansson=2.14 host=$HOST recipe=1"
STAMP=$PREFIX/lanparty-deps.stamp

t_all=$SECONDS
timed() { # timed LABEL CMD... : runs CMD, logs to $CACHE/logs/LABEL.log
  local label=$1 t0=$SECONDS
  shift
  if ! "$@" >"$CACHE/logs/$label.log" 2>&1; then
    echo "build-windows-deps: step '$label' failed; last lines of $CACHE/logs/$label.log:" >&2
    tail -n 30 "$CACHE/logs/$label.log" >&2
    exit 1
  fi
  printf 'build-windows-deps: %-22s %4ds\n' "$label" $((SECONDS - t0))
}

CMOCKA_STAMP=$PREFIX/lanparty-cmocka.stamp
CMOCKA_TEXT="cmocka=1.1.5 host=$HOST recipe=1"

# build_cmocka: cmocka from its Debian source with CMake, static only.
build_cmocka() {
  local d
  mkdir -p "$SRC" "$CACHE/logs"
  if ! command -v cmake >/dev/null; then
    [ "$(id -u)" = 0 ] || {
      echo "build-windows-deps: cmake missing (apt-get install cmake)" >&2
      exit 1
    }
    timed apt-cmake apt-get install -y -qq --no-install-recommends cmake
  fi
  cd "$SRC"
  rm -rf cmocka-*
  timed cmocka-source apt-get source cmocka
  d=$(find "$SRC" -maxdepth 1 -type d -name 'cmocka-1.1*' | head -n1)
  [ -n "$d" ] || {
    echo "build-windows-deps: no cmocka source tree in $SRC" >&2
    exit 1
  }
  cd "$d"
  timed cmocka-cmake cmake -S . -B build-mingw -DCMAKE_SYSTEM_NAME=Windows \
    -DCMAKE_C_COMPILER=$HOST-gcc -DCMAKE_RC_COMPILER=$HOST-windres \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DWITH_STATIC_LIB=ON \
    -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=Release
  timed cmocka-make cmake --build build-mingw -j"$JOBS"
  timed cmocka-install cmake --install build-mingw
  # Static only: cmocka.pc says -lcmocka, so the static archive takes that
  # name and the DLL and its import library go.
  rm -f "$PREFIX/lib/libcmocka.dll.a" "$PREFIX/bin/cmocka.dll"
  mv "$PREFIX/lib/libcmocka-static.a" "$PREFIX/lib/libcmocka.a"
  echo "$CMOCKA_TEXT" >"$CMOCKA_STAMP"
}

if [ "${1:-}" != "--force" ] && [ -f "$STAMP" ] &&
  [ "$(cat "$STAMP")" = "$STAMP_TEXT" ] &&
  [ -f "$PREFIX/lib/libwolfssl.a" ] && [ -f "$PREFIX/lib/libngtcp2.a" ] &&
  [ -f "$PREFIX/lib/libngtcp2_crypto_wolfssl.a" ] &&
  [ -f "$PREFIX/lib/libjansson.a" ]; then
  if [ ! -f "$CMOCKA_STAMP" ] || [ "$(cat "$CMOCKA_STAMP")" != "$CMOCKA_TEXT" ] ||
    [ ! -f "$PREFIX/lib/libcmocka.a" ]; then
    build_cmocka
  fi
  echo "build-windows-deps: up to date ($STAMP_TEXT, $CMOCKA_TEXT)"
  echo "prefix=$PREFIX"
  exit 0
fi

# Host packages: mingw-w64, dpkg-dev, autotools, wine.
"$ROOT/scripts/install-deps.sh" --windows

# apt-get source needs deb-src entries; derive them from the deb ones.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
  ! grep -qs '^deb-src' /etc/apt/sources.list; then
  if [ "$(id -u)" != 0 ]; then
    echo "build-windows-deps: no deb-src entries and not root; add them to /etc/apt/sources.list.d" >&2
    exit 1
  fi
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    >/etc/apt/sources.list.d/debian-src.sources
  apt-get update -qq
  echo "build-windows-deps: added /etc/apt/sources.list.d/debian-src.sources"
fi

rm -rf "$SRC" "$PREFIX"
mkdir -p "$SRC" "$PREFIX" "$CACHE/logs"
cd "$SRC"
timed apt-get-source apt-get source ngtcp2 wolfssl jansson
WOLF=$(find "$SRC" -maxdepth 1 -type d -name 'wolfssl-5.5.4*' | head -n1)
NG=$(find "$SRC" -maxdepth 1 -type d -name 'ngtcp2-0.12.1*' | head -n1)
JA=$(find "$SRC" -maxdepth 1 -type d -name 'jansson-2.14*' | head -n1)
for d in "$WOLF" "$NG" "$JA"; do
  [ -n "$d" ] || {
    echo "build-windows-deps: a source tree is missing in $SRC" >&2
    exit 1
  }
done

# wolfSSL: the header name only works on case-insensitive filesystems.
cd "$WOLF"
sed -i 's/#include <Wincrypt.h>/#include <wincrypt.h>/' src/ssl.c
timed wolfssl-autogen ./autogen.sh
timed wolfssl-configure ./configure --host=$HOST --prefix="$PREFIX" \
  --enable-static --disable-shared --enable-quic --enable-session-ticket \
  --enable-earlydata --enable-psk --disable-examples --disable-crypttests \
  --disable-benchmark CPPFLAGS=-DHAVE_SECRET_CALLBACK
timed wolfssl-make make -j"$JOBS"
timed wolfssl-install make install

cd "$NG"
timed ngtcp2-autoreconf autoreconf -fi
timed ngtcp2-configure env PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" \
  ./configure --host=$HOST --prefix="$PREFIX" --enable-static \
  --disable-shared --enable-lib-only --with-wolfssl --without-openssl \
  --without-gnutls --without-boringssl --without-picotls --without-libev \
  --without-libnghttp3 --without-cunit --without-jemalloc \
  CPPFLAGS=-DNGTCP2_STATICLIB
timed ngtcp2-make make -j"$JOBS"
timed ngtcp2-install make install

cd "$JA"
timed jansson-autoreconf autoreconf -fi
timed jansson-configure ./configure --host=$HOST --prefix="$PREFIX" \
  --enable-static --disable-shared
timed jansson-make make -j"$JOBS" -C src
timed jansson-install sh -c 'make -C src install && make install-pkgconfigDATA'

echo "$STAMP_TEXT" >"$STAMP"
build_cmocka
printf 'build-windows-deps: %-22s %4ds\n' total $((SECONDS - t_all))
echo "prefix=$PREFIX"
