#!/bin/bash
# Build the project's own guest programs (end-to-end test, demo, stress,
# benchmark), static, against the exported headers of a kernel build.
# Usage: build-e2e.sh KBUILD OUTDIR
set -euo pipefail
top=$(dirname "$(dirname "$(realpath "$0")")")
kbuild=$(realpath "$1"); out=$(realpath -m "$2")
mkdir -p "$out"
cflags=(-static -O2 -Wall -Wextra -Werror -isystem "$kbuild/usr/include")
gcc "${cflags[@]}" -o "$out/gmem_edu_dma" "$top/tests/e2e/gmem_edu_dma.c"
gcc "${cflags[@]}" -o "$out/gmem_demo" "$top/tools/demo/gmem_demo.c"
# The stress test uses the iommufd selftest ops, from the kernel work tree.
gcc "${cflags[@]}" -pthread -I "$top/linux/drivers/iommu/iommufd" \
	-o "$out/gmem_stress" "$top/tests/stress/gmem_stress.c"
