#!/bin/bash
# The main job: build the patched kernel, boot it in QEMU with emulated VT-d
# and the edu device, and run a VMM-like demo that maps guest_memfd for the
# device through iommufd and shows the kernel revoking the mapping.
# Usage: demo.sh WORK CACHE OUT
set -uo pipefail
here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
work=$1 cache=$2 out=$3
kbuild=$cache/build/test
run=$out/demo

echo "== Building the patched kernel (linux/ = base + patches/)"
"$here/build-kernel.sh" "$work" "$kbuild" "$top/configs/base.config" || exit 1
"$here/build-e2e.sh" "$kbuild" "$cache/build/e2e" || exit 1
suites=$(mktemp)
echo "gmem_demo prog 300 ./gmem_demo" > "$suites"
"$here/mkinitramfs.sh" "$cache/build/initramfs-demo.cpio.gz" "$suites" \
	"$cache/build/e2e/gmem_demo" || exit 1
rm -f "$suites"

echo "== Booting it in QEMU (TCG, q35, intel-iommu, edu); console log: $run/console.log"
"$here/qemu-run.sh" "$kbuild/arch/x86/boot/bzImage" \
	"$cache/build/initramfs-demo.cpio.gz" "$run" 600 2G
echo
sed -n '/^### BEGIN gmem_demo/,/^### END/{/^###/d;p}' "$run/tests.log"
rc=$(sed -n 's/^### END gmem_demo rc=\([0-9]*\).*/\1/p' "$run/tests.log")
echo
if [ "$rc" = 0 ]; then
	echo "== Demo finished: the device reached guest_memfd only while its pages existed"
else
	echo "== Demo FAILED (rc=${rc:-none}); see $run/tests.log and $run/console.log"
	exit 1
fi
