#!/bin/bash
# Build the selftests the runner needs, static, against the exported
# headers of a kernel build.
# Usage: build-selftests.sh SRC KBUILD OUTDIR
set -euo pipefail
src=$(realpath "$1"); kbuild=$(realpath "$2"); out=$(realpath -m "$3")
jobs=${JOBS:-$(( $(nproc) + 1 ))}
mkdir -p "$out/iommu" "$out/kvm"
hdr="-isystem $kbuild/usr/include"

make -s -C "$src/tools/testing/selftests/iommu" OUTPUT="$out/iommu" \
	KHDR_INCLUDES="$hdr" CC="ccache gcc" LDFLAGS=-static -j"$jobs" \
	"$out/iommu/iommufd" "$out/iommu/iommufd_fail_nth"
make -s -C "$src/tools/testing/selftests/kvm" OUTPUT="$out/kvm" ARCH=x86 \
	KHDR_INCLUDES="$hdr" CC="ccache gcc" EXTRA_CFLAGS=-static -j"$jobs" \
	"$out/kvm/guest_memfd_test" "$out/kvm/guest_memfd_memory_failure_test" \
	"$out/kvm/x86/private_mem_conversions_test" \
	"$out/kvm/x86/private_mem_kvm_exits_test"
