#!/bin/bash
# Configure and build a kernel out of tree.
#
# Usage: build-kernel.sh SRC BUILD FRAGMENT...
# The config is `make tinyconfig` plus the fragments, then olddefconfig.
# Every option a fragment sets must survive olddefconfig, or the build
# stops: a silently dropped option would make a test meaningless.  When
# several fragments set an option, the last one wins.
set -euo pipefail

src=$(realpath "$1"); build=$(realpath -m "$2"); shift 2
jobs=${JOBS:-$(( $(nproc) + 1 ))}
mk=(make -s -C "$src" O="$build" ARCH=x86_64 CC="${KCC:-ccache gcc}" -j"$jobs")

die() { echo "build-kernel: error: $*" >&2; exit 1; }

mkdir -p "$build"
# One line per option, the last fragment's value winning, so that kconfig
# sees no reassignment.
cat "$@" | awk -F= '/^(# )?CONFIG_/ {k = $1; sub(/^# /, "", k); sub(/ is not set$/, "", k)
			 v[k] = $0; if (!(k in seen)) {seen[k] = 1; o[++n] = k}}
		    END {for (i = 1; i <= n; i++) print v[o[i]]}' > "$build/fragment.config"
if ! cmp -s "$build/fragment.config" "$build/fragment.config.used" 2>/dev/null ||
   [ ! -f "$build/.config" ]; then
	"${mk[@]}" tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
		"$build/fragment.config" >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	# Check that every requested value is in the final config.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}
			if grep -q "^$opt=" "$build/.config"; then
				echo "build-kernel: $opt wanted off but is $(grep "^$opt=" "$build/.config")" >&2
				bad=1
			fi ;;
		CONFIG_*=*)
			if ! grep -qx "$line" "$build/.config"; then
				echo "build-kernel: $line requested, got: $(grep "^${line%%=*}=" "$build/.config" || echo unset)" >&2
				bad=1
			fi ;;
		esac
	done < <(grep -v '^#' "$build/fragment.config" |
		 awk -F= '/^CONFIG_/ {last[$1] = $0; order[++n] = $1}
			  END {for (i = 1; i <= n; i++)
				if (!seen[order[i]]++) print last[order[i]]}')
	[ $bad = 0 ] || die "config fragments not satisfied"
	cp "$build/fragment.config" "$build/fragment.config.used"
fi
# The output of the last build is kept for the warning checks of the gates.
# KTARGETS replaces "bzImage modules" and NO_HEADERS=1 skips the exported
# headers: the per-patch build of the gates needs neither an image nor
# headers.
# shellcheck disable=SC2086
"${mk[@]}" ${KMAKEFLAGS:-} ${KTARGETS:-bzImage modules} 2>&1 | tee "$build/build.log"
[ -n "${NO_HEADERS:-}" ] || "${mk[@]}" headers >/dev/null
case " ${KTARGETS:-bzImage} " in
*" bzImage "*)	echo "build-kernel: $build/arch/x86/boot/bzImage" ;;
*)		echo "build-kernel: $build/vmlinux" ;;
esac
