#!/bin/bash
# Benchmark of IOMMU_IOAS_MAP_FILE from guest_memfd (tools/bench/gmem_bench.c)
# on the already built test kernel, in QEMU TCG; writes bench/results.md.
# The kernel is not rebuilt: run `make kernel` first if it is missing.
# Usage: bench.sh WORK CACHE OUT
set -uo pipefail
here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
work=$1 cache=$2 out=$3
kbuild=$cache/build/test
bzimage=$kbuild/arch/x86/boot/bzImage
run=$out/bench
results=$top/bench/results.md
mem=4G

if [ ! -f "$bzimage" ]; then
	echo "bench: no test kernel at $bzimage; run make kernel first" >&2
	exit 1
fi

echo "== Building gmem_bench against $kbuild/usr/include"
mkdir -p "$cache/build/bench" "$run"
gcc -static -O2 -Wall -Wextra -Werror -isystem "$kbuild/usr/include" \
	-I "$work/drivers/iommu/iommufd" \
	-o "$cache/build/bench/gmem_bench" "$top/tools/bench/gmem_bench.c" ||
	exit 1
suites=$(mktemp)
echo "gmem_bench prog 1200 ./gmem_bench" > "$suites"
"$here/mkinitramfs.sh" "$cache/build/initramfs-bench.cpio.gz" "$suites" \
	"$cache/build/bench/gmem_bench" || exit 1
rm -f "$suites"

echo "== Booting $bzimage in QEMU (TCG, -m $mem); console log: $run/console.log"
"$here/qemu-run.sh" "$bzimage" "$cache/build/initramfs-bench.cpio.gz" \
	"$run" 1500 "$mem"
table=$(sed -n '/^### BEGIN gmem_bench/,/^### END/{/^###/d;p}' "$run/tests.log")
rc=$(sed -n 's/^### END gmem_bench rc=\([0-9]*\).*/\1/p' "$run/tests.log")
secs=$(sed -n 's/^### END gmem_bench rc=[0-9]* secs=\([0-9]*\).*/\1/p' \
	"$run/tests.log")
echo
echo "$table"
echo
if [ "$rc" != 0 ]; then
	echo "== Benchmark FAILED (rc=${rc:-none}); see $run/tests.log and $run/console.log"
	exit 1
fi

config=$kbuild/.config
describe=$(git -C "$work" describe --always 2>/dev/null || echo unknown)
mkdir -p "$(dirname "$results")"
{
	echo "# gmem_bench results"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "- Kernel: \`$bzimage\` (built from \`git -C linux describe --always\` = \`$describe\`)"
	echo "- Kernel config: \`$config\`"
	echo "- Guest: $(sed -n 's/^### BOOT //p' "$run/tests.log"), QEMU TCG, benchmark ran ${secs:-?} s"
	echo "- QEMU command (from \`$run/qemu.cmd\`):"
	echo
	echo '```'
	cat "$run/qemu.cmd"
	echo '```'
	echo
	echo "Program: \`tools/bench/gmem_bench.c\`; script: \`scripts/bench.sh\` (\`make bench\`)."
	echo "QEMU TCG emulates the CPU, and the host was shared with other work:"
	echo "absolute times are not those of hardware; compare the ratios, which"
	echo "come from one run.  The mock domain is the iommufd selftest's"
	echo "(CONFIG_IOMMUFD_TEST), not a hardware IOMMU."
	echo
	echo "$table"
} > "$results.tmp"
mv "$results.tmp" "$results"
echo "== Results written to $results"
