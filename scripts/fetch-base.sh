#!/bin/bash
# Fetch the pinned base kernel source (Debian linux-source-7.3) into the
# cache and unpack it.  Leaves the system's apt sources alone: a private
# apt configuration (own sources file, lists and cache directories) is used.
#
# Usage: fetch-base.sh CACHE_DIR
# Result: CACHE_DIR/base/linux-source-7.3 (pristine, read-only use)
set -euo pipefail
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$(realpath "$0")")/private-apt.sh"

PKG=linux-source-7.3
VER=7.3.4-1~bpo13+1
SUITE=trixie-backports
SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3

cache=$(realpath -m "${1:?usage: fetch-base.sh CACHE_DIR}")
deb="$cache/dl/${PKG}_${VER//:/%3a}_all.deb"
src="$cache/base/$PKG"

die() { echo "fetch-base: error: $*" >&2; exit 1; }

if [ -f "$src/.unpacked" ]; then
	exit 0
fi

mkdir -p "$cache/dl"

if [ ! -f "$deb" ] || ! echo "$SHA256  $deb" | sha256sum -c --status; then
	private_apt "$cache/apt" "$SUITE"
	apt-get -q "${aptopts[@]}" update >"$cache/apt/update.log" 2>&1 ||
		die "apt-get update of $SUITE from $uri failed, see $cache/apt/update.log"
	(cd "$cache/dl" && apt-get -q "${aptopts[@]}" download "$PKG=$VER") \
		>"$cache/apt/download.log" 2>&1 ||
		die "cannot download $PKG=$VER from $uri $SUITE, see $cache/apt/download.log"
	[ -f "$deb" ] || die "downloaded package not found at $deb"
	echo "$SHA256  $deb" | sha256sum -c --status ||
		die "sha256 mismatch for $deb: got $(sha256sum "$deb" | cut -d' ' -f1), want $SHA256"
fi

rm -rf "$cache/base" "$cache/pkg"
mkdir -p "$cache/base" "$cache/pkg"
dpkg-deb -x "$deb" "$cache/pkg"
tar -C "$cache/base" -xf "$cache/pkg/usr/src/$PKG.tar.xz"
rm -rf "$cache/pkg"
[ -f "$src/Makefile" ] || die "unexpected tarball layout: no $src/Makefile"
touch "$src/.unpacked"
echo "fetch-base: $PKG $VER unpacked in $src"
