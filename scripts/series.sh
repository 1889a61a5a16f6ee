#!/bin/bash
# Series workflow: base repository, work tree, export and check.
#
#   series.sh base       CACHE            git repo of the pristine base
#   series.sh worktree   CACHE WORK       clone base, git am patches/
#   series.sh export     CACHE WORK       format-patch WORK into patches/
#   series.sh check      CACHE [WORK]     patches/ apply, checkpatch, sync
#
# The base commit is made with fixed identity and dates, so its ID is the
# same on every machine; patches/ carry it as `base-commit:`.
set -euo pipefail

here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
patches=$top/patches
cover=$patches/0000-cover-letter.patch
# The revision of the series that `export` writes ("[PATCH v2 N/M]").
version=v2

die() { echo "series: error: $*" >&2; exit 1; }
series_patches() { find "$patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-cover-letter.patch' | sort; }

cmd=${1:?usage}; cache=$(realpath -m "${2:?usage}")
basegit=$cache/base.git
src=$cache/base/linux-source-7.3

do_base() {
	[ -f "$basegit/refs/tags/base" ] && return 0
	"$here/fetch-base.sh" "$cache"
	export GIT_AUTHOR_NAME="Debian linux-source-7.3" GIT_AUTHOR_EMAIL="base@invalid"
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME"
	export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z"
	export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"
	rm -rf "$basegit.tmp"
	git init -q --bare "$basegit.tmp"
	export GIT_DIR=$basegit.tmp GIT_WORK_TREE=$src GIT_INDEX_FILE=$basegit.tmp/index
	git add -A -f
	git reset -q -- .unpacked
	# The tarball's .gitignore ends with a Debian packaging block that
	# ignores every top-level entry ("/*", "!/debian/"), so new files in
	# the work tree would be ignored.  Drop that block in the base commit;
	# no patch touches .gitignore, so patches/ still apply to the tarball.
	blob=$(sed '/^# Debian packaging: ignore everything at the top level/,$d' \
		"$src/.gitignore" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' |
		sed '$ { /^#$/d }' | git hash-object -w --stdin)
	git update-index --cacheinfo 100644,"$blob",.gitignore
	tree=$(git write-tree)
	commit=$(echo "Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1)" |
		 git commit-tree "$tree")
	git tag base "$commit"
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
	rm -f "$basegit.tmp/index"
	mv "$basegit.tmp" "$basegit"
	echo "series: base commit $commit"
}

do_worktree() {
	work=$(realpath -m "${1:?usage}")
	do_base
	if [ -d "$work/.git" ]; then
		echo "series: work tree $work exists; remove it to recreate"
		return 0
	fi
	git clone -q --no-checkout "$basegit" "$work"
	git -C "$work" checkout -q -b main base
	git -C "$work" config user.name >/dev/null ||
		git -C "$work" config user.name "gmem-iommufd developer"
	git -C "$work" config user.email >/dev/null ||
		git -C "$work" config user.email "dev@invalid"
	mapfile -t list < <(series_patches)
	if [ ${#list[@]} -gt 0 ]; then
		git -C "$work" am -q --keep-cr "${list[@]}" ||
			die "patches/ do not apply to the base (git -C $work am --abort)"
		# git am drops the notes below "---"; put them back so the
		# next export keeps them.
		mapfile -t commits < <(git -C "$work" rev-list --reverse base..HEAD)
		for i in "${!list[@]}"; do
			notes=$(awk '/^---$/ {n=1; next} n && /^Notes:$/ {m=1; next}
				m && /^$/ {exit} m {sub(/^    /, ""); print}' "${list[$i]}")
			[ -z "$notes" ] || git -C "$work" notes add -f -m "$notes" "${commits[$i]}"
		done
	fi
	echo "series: work tree $work at $(git -C "$work" describe --always --tags) with ${#list[@]} patches"
}

do_export() {
	work=$(realpath "${1:?usage}")
	[ -d "$work/.git" ] || die "no work tree at $work"
	git -C "$work" diff --quiet HEAD || die "uncommitted changes in $work"
	n=$(git -C "$work" rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || die "no commits on top of base in $work"
	# Keep the cover letter's subject and blurb: feed them back through
	# the branch description.
	subj=$(awk '/^Subject:/ {s = $0; getline; while (/^[ \t]/) {s = s $0; getline}
		    print s; exit}' "$cover" | sed 's/^Subject: \[PATCH[^]]*\] //')
	blurb=$(awk '/^$/ && !h {h=1; next} h' "$cover" |
		awk '/^[^ ].* \([0-9]+\):$/ {exit} {print}' |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
	git -C "$work" config branch.main.description "$subj

$blurb"
	tmp=$(mktemp -d)
	git -C "$work" format-patch -q --cover-letter --cover-from-description=subject \
		--subject-prefix="PATCH $version" --notes --base=base -o "$tmp" base..HEAD
	rm -f "$patches"/[0-9][0-9][0-9][0-9]-*.patch
	mv "$tmp"/*.patch "$patches/"
	rmdir "$tmp"
	echo "series: exported $n patches and the cover letter to $patches"
}

do_check() {
	work=${1:-}
	do_base
	fail=0
	mapfile -t list < <(series_patches)
	[ -f "$cover" ] || { echo "series-check: no cover letter $cover"; fail=1; }

	# 1. patches/ apply, in order, to the pristine base (index only).
	idx=$(mktemp); rm -f "$idx"
	export GIT_DIR=$basegit GIT_INDEX_FILE=$idx
	git read-tree base
	basecommit=$(git rev-parse base)
	for p in "${list[@]}"; do
		if ! git apply --cached "$p" 2>/tmp/series-apply.$$; then
			echo "series-check: FAIL: $(basename "$p") does not apply: $(head -3 /tmp/series-apply.$$)"
			fail=1
			break
		fi
		b=$(sed -n 's/^base-commit: //p' "$p")
		if [ -n "$b" ] && [ "$b" != "$basecommit" ]; then
			echo "series-check: FAIL: $(basename "$p") base-commit $b is not the pinned base $basecommit"
			fail=1
		fi
	done
	rm -f "$idx" /tmp/series-apply.$$
	unset GIT_DIR GIT_INDEX_FILE
	[ $fail = 0 ] && echo "series-check: ${#list[@]} patches apply to the pristine base"

	# 2. checkpatch --strict: no errors, warnings or checks.  The one
	# waiver is MISSING_SIGN_OFF: AI agents must not add Signed-off-by
	# (Documentation/process/coding-assistants.rst); the human submitter
	# adds it before posting.
	cp_fail=0
	sysdict=$(dpkg -L codespell 2>/dev/null | grep -m1 '/dictionary\.txt$' || true)
	[ -f "$sysdict" ] || { echo "series-check: FAIL: codespell dictionary not found"; fail=1; }
	dict=$cache/codespell-dictionary.txt
	words=$(grep -v '^#' "$top/scripts/codespell-kernel-words" | awk 'NF {print $1}' |
		paste -sd'|')
	grep -viE "^($words)->" "$sysdict" > "$dict"
	for p in "${list[@]}"; do
		# A false positive is waived only where the patch explains it
		# below its "---" line as "checkpatch: TYPE: reason".
		ign=MISSING_SIGN_OFF
		for t in $(awk '/^---$/ {n=1; next} /^diff --git/ {exit}
			n && /^ *checkpatch: [A-Z_]+: ./ {sub(":", "", $2); print $2}' "$p"); do
			ign=$ign,$t
		done
		out=$(cd "$src" && perl scripts/checkpatch.pl --strict \
			--codespell --codespellfile "$dict" --ignore "$ign" \
			--show-types --quiet --no-summary --showfile "$p" 2>&1) || true
		if [ -n "$out" ]; then
			echo "series-check: FAIL: checkpatch --strict on $(basename "$p"):"
			echo "$out" | sed 's/^/    /'
			cp_fail=1
		fi
	done
	[ $cp_fail = 0 ] && echo "series-check: checkpatch --strict clean on ${#list[@]} patches"
	fail=$(( fail | cp_fail ))

	# 3. The work tree has no commits missing from patches/.
	if [ -n "$work" ] && [ -d "$work/.git" ]; then
		want=$(for p in "${list[@]}"; do git patch-id --stable < "$p"; done |
		       awk '{print $1}' | sort)
		have=$(git -C "$work" log -p --reverse base..HEAD |
		       git patch-id --stable | awk '{print $1}' | sort)
		if [ "$want" != "$have" ]; then
			echo "series-check: FAIL: work tree $work and patches/ differ (run make export)"
			fail=1
		elif ! git -C "$work" diff --quiet HEAD; then
			echo "series-check: FAIL: work tree $work has uncommitted changes"
			fail=1
		else
			echo "series-check: work tree matches patches/"
		fi
	fi
	return $fail
}

case "$cmd" in
base) do_base ;;
worktree) do_worktree "${3:-}" ;;
export) do_export "${3:-}" ;;
check) do_check "${3:-}" ;;
*) die "unknown command $cmd" ;;
esac
