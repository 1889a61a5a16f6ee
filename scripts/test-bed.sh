#!/bin/bash
# Build one kernel flavour from the work tree, boot it in QEMU with the
# test initramfs and report per suite.
# Usage: test-bed.sh NAME WORK CACHE OUTDIR TIMEOUT MEM SUITES FRAGMENT...
set -uo pipefail
here=$(dirname "$(realpath "$0")")
name=$1 work=$2 cache=$3 out=$4 tmo=$5 mem=$6 suites=$7; shift 7
kbuild=$cache/build/$name
stbuild=$cache/build/selftests-$name
run=$out/$name

t0=$(date +%s)
"$here/build-kernel.sh" "$work" "$kbuild" "$@" || exit 1
t1=$(date +%s)
"$here/build-selftests.sh" "$work" "$kbuild" "$stbuild" || exit 1
"$here/build-e2e.sh" "$kbuild" "$cache/build/e2e-$name" || exit 1
files=("$stbuild/iommu/iommufd" "$stbuild/iommu/iommufd_fail_nth"
       "$stbuild/kvm/guest_memfd_test"
       "$stbuild/kvm/guest_memfd_memory_failure_test"
       "$stbuild/kvm/x86/private_mem_conversions_test"
       "$stbuild/kvm/x86/private_mem_kvm_exits_test"
       "$cache/build/e2e-$name/gmem_edu_dma"
       "$cache/build/e2e-$name/gmem_stress")
"$here/mkinitramfs.sh" "$cache/build/initramfs-$name.cpio.gz" "$suites" "${files[@]}" || exit 1
t2=$(date +%s)
cp "$kbuild/.config" "$run.config" 2>/dev/null || { mkdir -p "$out"; cp "$kbuild/.config" "$run.config"; }
"$here/qemu-run.sh" "$kbuild/arch/x86/boot/bzImage" \
	"$cache/build/initramfs-$name.cpio.gz" "$run" "$tmo" "$mem"
t3=$(date +%s)
echo "$name: kernel build $((t1 - t0))s, selftests+initramfs $((t2 - t1))s, QEMU $((t3 - t2))s"
python3 "$here/report.py" "$run" "$suites" "$name"
