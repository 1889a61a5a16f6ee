#!/bin/bash
# Fetch the pinned base kernel source (Debian linux-source-7.3) into the
# cache and unpack it.  Leaves the system's apt sources alone: a private
# apt configuration (own sources file, lists and cache directories) is used.
#
# Usage: fetch-base.sh CACHE_DIR
# Result: CACHE_DIR/base/linux-source-7.3 (pristine, read-only use)
set -euo pipefail

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

mkdir -p "$cache/dl" "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial"

if [ ! -f "$deb" ] || ! echo "$SHA256  $deb" | sha256sum -c --status; then
	# Take the archive URI from the machine's own Debian source (deb822
	# or one-line format), never hard-code a mirror.
	uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
	      awk '{print $2}' | grep -v -- '-security' | grep -m1 debian || true)
	if [ -z "$uri" ]; then
		uri=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		      awk '{print $2}' | grep -v -- '-security' | grep -m1 debian || true)
	fi
	[ -n "$uri" ] || die "no Debian archive URI found in /etc/apt/sources.list*"

	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -f "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"
	cat > "$cache/apt/sources.list" <<SRC
deb [signed-by=$keyring] $uri $SUITE main
SRC
	aptopts=(-o "Dir::Etc::sourcelist=$cache/apt/sources.list"
		 -o "Dir::Etc::sourceparts=-"
		 -o "Dir::State::lists=$cache/apt/lists"
		 -o "Dir::Cache=$cache/apt/cache"
		 -o "Debug::NoLocking=1")
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
