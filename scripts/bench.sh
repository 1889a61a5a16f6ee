#!/bin/bash
# Benchmark of IOMMU_IOAS_MAP_FILE from guest_memfd (tools/bench/gmem_bench.c)
# in QEMU TCG; writes bench/results.md.  Three boots, all under -icount,
# where the guest clock counts guest instructions whatever the host's load:
# the unpatched base kernel and the already built test kernel each run the
# base-comparable section (gmem_bench --idle); then the test kernel runs
# everything else, with the figures of both to compare.
# The test kernel is not rebuilt: run `make kernel` first if it is missing.
# The base kernel (same config fragments, out of tree, the source untouched)
# is built here when missing or older than configs/base.config.
# Usage: bench.sh WORK CACHE OUT
set -uo pipefail
here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
work=$1 cache=$2 out=$3
kbuild=$cache/build/test
bzimage=$kbuild/arch/x86/boot/bzImage
base_src=$cache/base/linux-source-7.3
base_build=$cache/build/bench-base
base_bzimage=$base_build/arch/x86/boot/bzImage
bin=$cache/build/bench
run=$out/bench
results=$top/bench/results.md
mem=4G

if [ ! -f "$bzimage" ]; then
	echo "bench: no test kernel at $bzimage; run make kernel first" >&2
	exit 1
fi
if [ ! -f "$base_bzimage" ] ||
   [ "$top/configs/base.config" -nt "$base_bzimage" ]; then
	if [ ! -d "$base_src" ]; then
		echo "bench: no base source at $base_src; run make base first" >&2
		exit 1
	fi
	echo "== Building the base kernel (no series) in $base_build"
	nice -n 19 "$here/build-kernel.sh" "$base_src" "$base_build" \
		"$top/configs/base.config" || exit 1
fi

# Boot copies, with their configs: the builds may change under a long run.
mkdir -p "$bin" "$run"
describe=$(git -C "$work" describe --always 2>/dev/null || echo unknown)
for k in patched:"$kbuild" base:"$base_build"; do
	cp "${k#*:}/arch/x86/boot/bzImage" "$run/bzImage.${k%%:*}" &&
	cp "${k#*:}/.config" "$run/config.${k%%:*}" || exit 1
done

echo "== Building gmem_bench against $kbuild/usr/include"
gcc -static -O2 -Wall -Wextra -Werror -isystem "$kbuild/usr/include" \
	-I "$work/drivers/iommu/iommufd" \
	-o "$bin/gmem_bench" "$top/tools/bench/gmem_bench.c" || exit 1

# The guest clock advances 1 ns per guest instruction (single-threaded TCG)
icount="-accel tcg,thread=single -icount shift=0,sleep=off"

# boot NAME BZIMAGE SUITE_LINE FILE...: run one suite in QEMU, print its
# output (between the suite markers) to NAME.out; fail unless it exited 0.
# QEMU_ACCEL, if set, is passed on to qemu-run.sh.
boot() {
	local name=$1 kernel=$2 line=$3 suites rc secs
	shift 3
	suites=$(mktemp)
	echo "$line" > "$suites"
	"$here/mkinitramfs.sh" "$cache/build/initramfs-bench-$name.cpio.gz" \
		"$suites" "$@" || { rm -f "$suites"; return 1; }
	rm -f "$suites"
	echo "== Booting $kernel in QEMU (TCG, -m $mem); logs in $run/$name/"
	"$here/qemu-run.sh" "$kernel" \
		"$cache/build/initramfs-bench-$name.cpio.gz" "$run/$name" 1500 \
		"$mem"
	sed -n '/^### BEGIN gmem_bench/,/^### END/{/^###/d;p}' \
		"$run/$name/tests.log" > "$run/$name.out"
	rc=$(sed -n 's/^### END gmem_bench rc=\([0-9]*\).*/\1/p' \
		"$run/$name/tests.log")
	secs=$(sed -n 's/^### END gmem_bench rc=[0-9]* secs=\([0-9]*\).*/\1/p' \
		"$run/$name/tests.log")
	echo "${secs:-?}" > "$run/$name.secs"
	if [ "$rc" != 0 ]; then
		cat "$run/$name.out"
		echo "== Benchmark FAILED on the $name kernel (rc=${rc:-none}); see $run/$name/tests.log and console.log"
		return 1
	fi
}

for k in base patched; do
	QEMU_ACCEL=$icount boot "$k-idle" "$run/bzImage.$k" \
		"gmem_bench prog 600 ./gmem_bench --idle" \
		"$bin/gmem_bench" || exit 1
	grep '^samples ' "$run/$k-idle.out" > "$bin/$k-idle.txt"
done
QEMU_ACCEL=$icount boot patched "$run/bzImage.patched" \
	"gmem_bench prog 1200 ./gmem_bench --idle-samples base-idle.txt patched-idle.txt" \
	"$bin/gmem_bench" "$bin/base-idle.txt" "$bin/patched-idle.txt" || exit 1
echo
cat "$run/patched.out"
echo

# kernel NAME BUILD SOURCE BOOT...: the description of one kernel and of
# its boots
kernel() {
	local k=$1 build=$2 from=$3 b
	shift 3
	# The kernel's version, as its first boot printed it
	echo "- $k kernel: \`$run/bzImage.$k\`, a copy of \`$build/arch/x86/boot/bzImage\`, $(sed -n 's/^### BOOT //p' "$run/$1/tests.log"), from $from"
	echo "  - config: \`$run/config.$k\`, a copy of \`$build/.config\` (\`scripts/build-kernel.sh\`: tinyconfig + \`configs/base.config\`)"
	for b in "$@"; do
		echo "  - boot $b: QEMU ran $(cat "$run/$b/qemu.secs") s, the benchmark $(cat "$run/$b.secs") s; command (\`$run/$b/qemu.cmd\`):"
		echo
		echo '```'
		cat "$run/$b/qemu.cmd"
		echo '```'
		echo
	done
}

mkdir -p "$(dirname "$results")"
{
	echo "# gmem_bench results"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	kernel patched "$kbuild" \
		"\`git -C linux describe --always\` = \`$describe\`" \
		patched patched-idle
	kernel base "$base_build" \
		"\`$base_src\` (the pinned base, no series)" base-idle
	echo "Configs, base → patched (\`diff\`, comments left out):"
	echo
	echo '```'
	diff <(grep -v '^#' "$run/config.base") \
		<(grep -v '^#' "$run/config.patched") && echo "(no difference)"
	echo '```'
	echo
	echo "Program: \`tools/bench/gmem_bench.c\`; script: \`scripts/bench.sh\` (\`make bench\`)."
	echo "QEMU TCG emulates the CPU, and every boot runs under -icount: the"
	echo "guest clock advances 1 ns per guest instruction, so a time here is a"
	echo "count of guest instructions (interrupts included), which the host's"
	echo "load does not change, and runs repeat to within a few percent (see"
	echo "min and max).  It is not the time on hardware, where memory and"
	echo "IOMMU accesses cost more than an instruction: compare ratios.  The"
	echo "mock domain is the iommufd selftest's (CONFIG_IOMMUFD_TEST); VT-d is"
	echo "QEMU's emulation of it, not a hardware IOMMU."
	echo
	cat "$run/patched.out"
	echo
	for k in base patched; do
		echo "The $k kernel's -icount boot (\`gmem_bench --idle\`), as printed there:"
		echo
		cat "$run/$k-idle.out"
		echo
	done
} > "$results.tmp"
mv "$results.tmp" "$results"
echo "== Results written to $results"
