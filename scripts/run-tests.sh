#!/bin/bash
# Run the listed test beds and print the closing count.
# Usage: run-tests.sh WORK CACHE OUT BED...
set -uo pipefail
here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
work=$1 cache=$2 out=$3; shift 3
mkdir -p "$out"

t0=$(date +%s)
# The runner's own test first, its cases counted as tests: report.py fed
# deliberately broken runs (KTAP in runner.txt, shown if a case fails).
"$here/test-report.py" > "$out/runner.txt" 2>&1 || cat "$out/runner.txt"
read -r p f < <(sed -n 's/^runner: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$out/runner.txt")
p=${p:-0} f=${f:-1} s=0
echo "runner: $p passed, $f failed (report.py on broken runs: $out/runner.txt)"
for bed in "$@"; do
	rm -f "$out/$bed/counts"
	case $bed in
	test)  frags=(configs/base.config); tmo=${QEMU_TIMEOUT:-1500}; mem=2G ;;
	debug) frags=(configs/base.config configs/debug.config); tmo=${DEBUG_TIMEOUT:-2700}; mem=4G ;;
	*) echo "run-tests: unknown bed $bed" >&2; exit 2 ;;
	esac
	(cd "$top" && "$here/test-bed.sh" "$bed" "$work" "$cache" "$out" "$tmo" "$mem" \
		tests/suites "${frags[@]}")
	if [ -f "$out/$bed/counts" ]; then
		read -r a b c < "$out/$bed/counts"
	else
		echo "$bed: FAIL: did not get as far as running tests"
		a=0 b=1 c=0
	fi
	p=$((p + a)) f=$((f + b)) s=$((s + c))
done
# The quick quality gates count as tests too: one each.
if [ -n "${GATES-checkpatch static bisect matrix kunit}" ]; then
	# shellcheck disable=SC2086
	"$here/gates.sh" "$work" "$cache" "$out" ${GATES-checkpatch static bisect matrix kunit} |
		tee "$out/gates.txt"
	read -r a b < <(sed -n 's/^gates: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
			"$out/gates.txt")
	p=$((p + ${a:-0})) f=$((f + ${b:-1}))
fi
echo "total wall time $(( $(date +%s) - t0 ))s"
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
