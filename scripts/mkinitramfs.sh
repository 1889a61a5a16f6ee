#!/bin/bash
# Build the busybox test initramfs.
# Usage: mkinitramfs.sh OUT.cpio.gz SUITES_FILE FILE...
# FILEs are copied into /tests; SUITES_FILE becomes /tests/suites.
set -euo pipefail
out=$(realpath -m "$1"); suites=$2; shift 2
here=$(dirname "$(realpath "$0")")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests}
cp /bin/busybox "$root/bin/busybox"
cp "$here/../tests/guest/init" "$root/init"
cp "$suites" "$root/tests/suites"
for f in "$@"; do
	cp -a "$f" "$root/tests/"
done
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
