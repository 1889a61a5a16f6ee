#!/bin/bash
# Run the listed test beds and the quality gates, and print the closing count.
# Usage: run-tests.sh WORK CACHE OUT BED...
# GATES (default: checkpatch static bisect matrix; empty: none) is passed
# to gates.sh.  With gates to run, the last bed's QEMU boot runs beside
# them: a boot keeps about one CPU busy (the suites run one test at a
# time), and the gates' builds, at nice 19, take what it leaves.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
work=$1 cache=$2 out=$3; shift 3
gates=${GATES-checkpatch static bisect matrix}
mkdir -p "$out"

# bed NAME [STAGE]: test-bed.sh for bed NAME; STAGE as BED_STAGE there
bed() {
	local tmo mem frags
	case $1 in
	test)  frags=(configs/base.config); tmo=${QEMU_TIMEOUT:-1500}; mem=2G ;;
	debug) frags=(configs/base.config configs/debug.config); tmo=${DEBUG_TIMEOUT:-2700}; mem=4G ;;
	*) echo "run-tests: unknown bed $1" >&2; exit 2 ;;
	esac
	(cd "$top" && BED_STAGE=${2:-all} "$here/test-bed.sh" "$1" "$work" \
		"$cache" "$out" "$tmo" "$mem" tests/suites "${frags[@]}")
}

p=0 f=0 s=0
# count NAME: add the counts of bed NAME
count() {
	local a b c
	if [ -f "$out/$1/counts" ]; then
		read -r a b c < "$out/$1/counts"
	else
		echo "$1: FAIL: did not get as far as running tests"
		a=0 b=1 c=0
	fi
	p=$((p + a)) f=$((f + b)) s=$((s + c))
}

t0=$(date +%s)
last=${*: -1} bg=
for b in "$@"; do
	rm -f "$out/$b/counts"
	if [ "$b" != "$last" ] || [ -z "$gates" ]; then
		bed "$b"
		count "$b"
	elif bed "$b" build; then
		echo "$b: QEMU runs beside the gates; its report follows them"
		bed "$b" run > "$out/$b.log" 2>&1 &
		bg=$!
	else
		count "$b"
	fi
done
# The quality gates count as tests too: one each.
if [ -n "$gates" ]; then
	# shellcheck disable=SC2086
	nice -n 19 "$here/gates.sh" "$work" "$cache" "$out" $gates |
		tee "$out/gates.txt"
	read -r a b < <(sed -n 's/^gates: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
			"$out/gates.txt")
	p=$((p + ${a:-0})) f=$((f + ${b:-1}))
fi
if [ -n "$bg" ]; then
	wait "$bg"
	cat "$out/$last.log"
	count "$last"
fi
echo "total wall time $(( $(date +%s) - t0 ))s"
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
