#!/bin/bash
# Provide a sparse new enough for this kernel (>= 0.6.5~rc1: the kernel's
# scripts/checker-valid.sh needs __typeof_unqual__) on Debian 12, whose own
# sparse 0.6.4 is rejected.  Debian sid's sparse cannot be installed on
# bookworm (it needs libc6 >= 2.38), so it is unpacked into a private root
# together with the sid shared libraries it needs and run through sid's own
# dynamic loader.  The system's apt sources and installed packages are left
# alone: a private apt configuration (own sources file, lists and cache
# directories, as in fetch-base.sh) is used, and apt-get download verifies
# every .deb against the signed sid index as usual.
#
# Usage: get-sparse.sh [DIR]      (default: <repo>/.cache/sparse; run as root)
# Result: DIR/sparse, a wrapper to pass as CHECK= to make C=1/C=2.
# Prints one line with the sparse version; exits non-zero on failure.
set -euo pipefail
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$(realpath "$0")")/private-apt.sh"

SUITE=sid
MIN_VER=0.6.5~rc1
PKG=sparse

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(realpath -m "${1:-$repo/.cache/sparse}")
wrapper="$dir/sparse"

die() { echo "get-sparse: error: $*" >&2; exit 1; }

# A sparse is good when it runs and accepts the kernel's own probe
# (the same test as scripts/checker-valid.sh: no "error" in its output).
probe_ok() {
	local sp=$1 tmp out
	[ -x "$sp" ] || return 1
	tmp=$(mktemp --suffix=.c)
	cat >"$tmp" <<'EOF'
static inline int u(const int *q)
{
	__typeof_unqual__(*q) v = *q;
	return v;
}
EOF
	out=$("$sp" "$tmp" 2>&1) || { rm -f "$tmp"; return 1; }
	rm -f "$tmp"
	! grep -q error <<<"$out"
}

report() { echo "get-sparse: sparse $("$wrapper" --version 2>&1 | head -n1) at $wrapper"; }

if probe_ok "$wrapper"; then
	report
	exit 0
fi

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	die "apt-get and dpkg-deb are required (Debian host)"
fi
[ "$(id -u)" = 0 ] || die "must run as root (apt-get download with a private configuration)"

rm -rf "$dir/dl" "$dir/root.new"
mkdir -p "$dir/dl" "$dir/root.new"

private_apt "$dir/apt" "$SUITE"
log="$dir/apt/get-sparse.log"
: >"$log"

apt-get -q "${aptopts[@]}" update >>"$log" 2>&1 ||
	die "apt-get update of $SUITE from $uri failed, see $log"

sid_ver=$(apt-cache "${aptopts[@]}" policy "$PKG" 2>>"$log" |
	  awk '/Candidate:/{print $2}')
if [ -z "$sid_ver" ] || [ "$sid_ver" = "(none)" ]; then
	die "no $PKG in $SUITE at $uri, see $log"
fi
dpkg --compare-versions "$sid_ver" ge "$MIN_VER" ||
	die "$SUITE has $PKG $sid_ver, older than $MIN_VER"

# The packages: sparse itself plus the closure of its library dependencies
# (libc6, libxml2-16, libsqlite3-0 and what those depend on).  Not perl
# (cgcc only) and not gcc-16 (sparse only knows its include path; the
# kernel builds with -nostdinc).
deps=$(apt-cache "${aptopts[@]}" depends --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances "$PKG=$sid_ver" |
	awk '$1 ~ /Depends:$/ && $2 ~ /^(lib|zlib)/ {print $2}' | sed 's/:any$//' | sort -u)
[ -n "$deps" ] || die "cannot read the library dependencies of $PKG $sid_ver"
# shellcheck disable=SC2086
pkgs=$(apt-cache "${aptopts[@]}" depends --recurse --no-recommends \
	--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances $deps |
	grep -v '^[ <]' | sed 's/:any$//' | sort -u)
pkgs="$PKG=$sid_ver $pkgs"

# apt-get download checks each file against the SHA256 of the signed index.
# shellcheck disable=SC2086
(cd "$dir/dl" && apt-get -q "${aptopts[@]}" download $pkgs) >>"$log" 2>&1 ||
	die "cannot download from $uri $SUITE: ${pkgs//$'\n'/ }, see $log"

for deb in "$dir"/dl/*.deb; do
	p=$(dpkg-deb -f "$deb" Package)
	v=$(dpkg-deb -f "$deb" Version)
	want=$(apt-cache "${aptopts[@]}" show "$p=$v" 2>/dev/null |
	       awk '/^SHA256:/{print $2; exit}')
	got=$(sha256sum "$deb" | cut -d' ' -f1)
	if [ -z "$want" ] || [ "$want" != "$got" ]; then
		die "sha256 of $deb is $got, $SUITE index says '$want'"
	fi
	dpkg-deb -x "$deb" "$dir/root.new"
done

root="$dir/root"
# Find sid's dynamic loader and libc directory inside the private root.
ld=$(find "$dir/root.new/usr/lib" "$dir/root.new/lib" -name 'ld-linux*.so.*' \
	-type f 2>/dev/null | head -n1 || true)
libc=$(find "$dir/root.new/usr/lib" "$dir/root.new/lib" -name libc.so.6 \
	2>/dev/null | head -n1 || true)
if [ -z "$ld" ] || [ -z "$libc" ]; then
	die "no dynamic loader or libc.so.6 in the $SUITE libc6 package"
fi
[ -x "$dir/root.new/usr/bin/sparse" ] || die "no usr/bin/sparse in the sid $PKG package"
ld_rel=${ld#"$dir/root.new/"}
libdir_rel=$(dirname "${libc#"$dir/root.new/"}")

# Every shared library sparse needs must come from the private root,
# never from the host (bookworm's libc is too old for it).
libpath="$dir/root.new/$libdir_rel"
list=$("$ld" --library-path "$libpath" --list "$dir/root.new/usr/bin/sparse" 2>&1) ||
	die "sid loader cannot load sparse: $list"
outside=$(awk '/=>/ && $3 !~ /^\(/ {print $3}' <<<"$list" |
	  grep -v "^$dir/root.new/" || true)
[ -z "$outside" ] || die "sparse would use host libraries: $outside"

rm -rf "$root"
mv "$dir/root.new" "$root"
libpath_rt=${libpath//"$dir/root.new"/\$d/root}

cat >"$wrapper.new" <<EOF
#!/bin/sh
# Generated by scripts/get-sparse.sh: Debian $SUITE $PKG $sid_ver, run
# through $SUITE's own dynamic loader with its libraries from ./root.
d=\$(dirname "\$(readlink -f "\$0")")
exec "\$d/root/$ld_rel" --library-path "$libpath_rt" \\
	--argv0 "\$0" "\$d/root/usr/bin/sparse" "\$@"
EOF
chmod 755 "$wrapper.new"
mv "$wrapper.new" "$wrapper"
rm -rf "$dir/dl"

probe_ok "$wrapper" || die "the installed $wrapper does not pass the kernel's sparse probe: $("$wrapper" --version 2>&1)"
report
