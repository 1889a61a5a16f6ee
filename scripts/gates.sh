#!/bin/bash
# Quality gates a maintainer and the 0-day bot would run on the series.
# Usage: gates.sh WORK CACHE OUT [GATE...]
# GATEs (default: all, in this order):
#   checkpatch  series-check: patches apply, checkpatch --strict clean
#   bisect      every patch of the series builds on its own (test config)
#   static      W=1 + sparse (C=2) on the touched C files and kernel-doc
#               -Wall on touched sources and headers: no new warnings
#               compared with the base (diffed, not grepped)
#   matrix      IOMMUFD/KVM y/m/n, IOMMUFD_TEST=n, MODULES=n: each links
#               (vmlinux, bzImage, modules) without a warning
#   kunit       the generic page table's KUnit suites (UML, the tree's
#               drivers/iommu/generic_pt/.kunitconfig), which test the
#               series' iommu_map_max_pgsize() on every format: none fails
# Prints one line per gate with its wall time and ends with the count.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
work=$(realpath "$1") cache=$(realpath "$2") out=$(realpath -m "$3"); shift 3
gates=("$@")
[ ${#gates[@]} -gt 0 ] || gates=(checkpatch bisect static matrix kunit)
logs=$out/gates
mkdir -p "$logs"
rm -f "$logs"/*.note
export KCC="ccache gcc"
kmake=(make -s -C "$work" ARCH=x86_64 CC="ccache gcc" -j"$(( $(nproc) + 1 ))")

orig=
checkout() { git -C "$work" checkout -q "$1"; }
restore() { [ -z "$orig" ] || checkout "$orig"; }
trap restore EXIT
need_clean() {
	git -C "$work" diff --quiet HEAD || { echo "work tree has uncommitted changes"; return 1; }
	orig=$(git -C "$work" symbolic-ref -q --short HEAD || git -C "$work" rev-parse HEAD)
}

gate_checkpatch() { "$here/series.sh" check "$cache" "$work"; }

gate_bisect() {
	local c rc=0
	need_clean || return 1
	for c in $(git -C "$work" rev-list --reverse base..HEAD); do
		echo "== $(git -C "$work" log -1 --format='%h %s' "$c")"
		# A patch that changes only selftests and documentation leaves
		# the kernel its parent built.
		if ! git -C "$work" diff --name-only "$c^" "$c" |
			grep -qvE '^(tools|Documentation)/'; then
			echo "no kernel source changed: the parent's build stands"
			continue
		fi
		checkout "$c"
		if ! KTARGETS="vmlinux modules" NO_HEADERS=1 \
			"$here/build-kernel.sh" "$work" "$cache/build/test" \
			"$top/configs/base.config" 2>&1 | tee "$logs/bisect.$c.log" |
			grep -q '^build-kernel: /'; then
			echo "FAIL: $c does not build"; rc=1
		elif grep -q 'warning:' "$logs/bisect.$c.log"; then
			grep 'warning:' "$logs/bisect.$c.log"; rc=1
		fi
	done
	restore
	return $rc
}

# Warnings of W=1 C=2 builds of the touched objects and of kernel-doc on the
# touched files, at the current checkout; line numbers dropped so that they
# can be diffed across the series.
static_warnings() {
	local f obj
	for f in $(git -C "$work" diff --name-only base..."$orig" -- '*.c' '*.h' |
		   grep -v '^tools/'); do
		[ -f "$work/$f" ] || continue
		case $f in
		# KVM's common code is built by arch/x86/kvm/Makefile, with its
		# include paths.
		virt/kvm/*.c)
			obj=arch/x86/kvm/../../../${f%.c}.o ;;
		*.c)	obj=${f%.c}.o ;;
		*)	obj= ;;
		esac
		if [ -n "$obj" ]; then
			"${kmake[@]}" O="$cache/build/test" W=1 C=2 \
				CHECK="$sparse" "$obj" 2>&1 | grep -E 'warning|error'
		fi
		(cd "$work" && perl scripts/kernel-doc -none -Wall "$f" 2>&1)
	done | sed -E 's/(\.[ch]):[0-9]+(:[0-9]+)?/\1/' | sort
}

gate_static() {
	need_clean || return 1
	# Debian 12's sparse is too old for this kernel: use sid's, unpacked
	# into the cache (scripts/get-sparse.sh).
	"$here/get-sparse.sh" "$cache/sparse" || return 1
	sparse=$cache/sparse/sparse
	if ! (cd "$work" && [ "$(sh scripts/checker-valid.sh "$sparse" -Wno-unknown-attribute 2>/dev/null)" = 1 ]); then
		echo "FAIL: $sparse is rejected by scripts/checker-valid.sh"
		return 1
	fi
	"$sparse" --version | sed 's/^/sparse: /' | tee "$logs/static.note"
	"$here/build-kernel.sh" "$work" "$cache/build/test" "$top/configs/base.config" >/dev/null || return 1
	checkout base
	static_warnings > "$logs/static.base.txt"
	restore
	static_warnings > "$logs/static.series.txt"
	echo "base: $(wc -l < "$logs/static.base.txt") warnings, series: $(wc -l < "$logs/static.series.txt")"
	if comm -13 "$logs/static.base.txt" "$logs/static.series.txt" | grep .; then
		echo "FAIL: new warnings above"
		return 1
	fi
}

# The configurations build one after the other in one directory, seeded
# with the test kernel's build.  Each step recompiles every object, but
# ccache (filled by the test build and the bisect) serves the objects that
# the option change does not affect.  KVM=n changes task_struct (no preempt
# notifiers) and so every object: it comes last, on a smaller configuration.
# MODULES=n, another full rebuild, is the debug kernel
# (configs/debug.config), which the debug bed builds anyway: its build log
# is checked here, and it is built if missing.
gate_matrix() {
	local f name rc=0 t dir=$cache/build/matrix dbg=$cache/build/debug
	rm -rf "$dir"
	if [ -f "$cache/build/test/vmlinux" ]; then
		cp -a "$cache/build/test" "$dir"
	fi
	for f in "$top"/configs/matrix/*.config; do
		name=$(basename "$f" .config)
		echo "== $name"
		t=$(date +%s)
		if ! "$here/build-kernel.sh" "$work" "$dir" \
			"$top/configs/base.config" "$f" > "$logs/matrix.$name.log" 2>&1; then
			tail -5 "$logs/matrix.$name.log"; echo "FAIL: $name"; rc=1
		elif grep 'warning:' "$logs/matrix.$name.log"; then
			echo "FAIL: $name has warnings"; rc=1
		fi
		echo "$name: $(( $(date +%s) - t ))s" | tee -a "$logs/matrix.note"
	done
	echo "== modules-n (the debug kernel)"
	t=$(date +%s)
	if ! "$here/build-kernel.sh" "$work" "$dbg" "$top/configs/base.config" \
		"$top/configs/debug.config" > "$logs/matrix.modules-n.log" 2>&1; then
		tail -5 "$logs/matrix.modules-n.log"; echo "FAIL: modules-n"; rc=1
	elif ! grep -qx 'CONFIG_MODULES=n' <(sed 's/^# \(CONFIG_MODULES\) is not set/\1=n/' "$dbg/.config"); then
		echo "FAIL: the debug kernel is not a MODULES=n build"; rc=1
	elif grep 'warning:' "$dbg/build.log"; then
		echo "FAIL: modules-n has warnings"; rc=1
	fi
	echo "modules-n (debug kernel): $(( $(date +%s) - t ))s" | tee -a "$logs/matrix.note"
	return $rc
}

gate_kunit() {
	local n
	need_clean || return 1
	python3 "$work/tools/testing/kunit/kunit.py" run \
		--kunitconfig "$work/drivers/iommu/generic_pt" \
		--build_dir "$cache/build/kunit" --jobs "$(( $(nproc) + 1 ))" \
		--make_options CC="ccache gcc" || return 1
	# The case that covers the series, once per format
	n=$(grep -c 'PASSED\] test_map_max_pgsize' "$logs/kunit.log")
	echo "test_map_max_pgsize passed on $n formats" | tee "$logs/kunit.note"
	[ "$n" -ge 4 ]
}

pass=0 fail=0
for g in "${gates[@]}"; do
	t0=$(date +%s)
	if "gate_$g" > "$logs/$g.log" 2>&1; then
		r=passed; pass=$((pass + 1))
	else
		r=FAILED; fail=$((fail + 1))
	fi
	echo "gates: $g: $r in $(( $(date +%s) - t0 ))s (log: $logs/$g.log)"
	[ ! -f "$logs/$g.note" ] || sed 's/^/    note: /' "$logs/$g.note"
	[ $r = passed ] || tail -15 "$logs/$g.log" | sed 's/^/    /'
done
echo "gates: $pass passed, $fail failed"
[ $fail = 0 ]
