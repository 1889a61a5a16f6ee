#!/bin/bash
# Run the listed test beds and the quality gates, and print the closing count.
# Usage: run-tests.sh WORK CACHE OUT BED...
# GATES (default: checkpatch static bisect matrix; empty: none) is passed
# to gates.sh.  With gates to run, the last bed's QEMU boot runs beside
# them: a boot keeps about one CPU busy (the suites run one test at a
# time), and the gates' builds, at nice 19, take what it leaves.  The
# gates are stopped while that boot runs iommufd_fail_nth, whose cases come
# closest to the kselftest harness's fixed 30 s timeout on the debug kernel
# (map_two_domains: 27 s beside the gates, about 20 s without).
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

# quiet SUITE LOG PGID: stop process group PGID while the boot writing the
# test channel LOG runs SUITE; return when SUITE ends or the boot does.
quiet() {
	local l
	tail -F --pid="$bg" "$2" 2>/dev/null | while IFS= read -r l; do
		case $l in
		"### BEGIN $1 "*) kill -STOP -- -"$3" 2>/dev/null ;;
		"### END $1 "*) kill -CONT -- -"$3" 2>/dev/null; break ;;
		esac
	done
	kill -CONT -- -"$3" 2>/dev/null
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
		rm -f "$out/$b/tests.log"
		bed "$b" run > "$out/$b.log" 2>&1 &
		bg=$!
	else
		count "$b"
	fi
done
# The quality gates count as tests too: one each.
if [ -n "$gates" ]; then
	: > "$out/gates.txt"
	# In a process group of their own (setsid), for quiet()
	# shellcheck disable=SC2086
	setsid nice -n 19 "$here/gates.sh" "$work" "$cache" "$out" $gates \
		> "$out/gates.txt" 2>&1 &
	gp=$!
	[ -z "$bg" ] || quiet iommufd_fail_nth "$out/$last/tests.log" "$gp" &
	tail -f --pid="$gp" "$out/gates.txt"
	wait "$gp"
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
