# gmem-iommufd: IOMMU_IOAS_MAP_FILE from guest_memfd, with invalidation.
# See README.md.  Entry point: ./run TARGET (installs what is missing).

CACHE ?= $(CURDIR)/.cache
WORK ?= $(CURDIR)/linux
OUT ?= $(CURDIR)/out
QEMU_TIMEOUT ?= 1500
DEBUG_TIMEOUT ?= 2700

S := $(CURDIR)/scripts
export CCACHE_DIR ?= $(HOME)/.cache/ccache

.PHONY: help base worktree export series-check kernel kernel-debug \
	selftests test test-quick test-debug test-runner demo bench gates clean

help:
	@sed -n 's/^## //p' README.md

base:
	@$(S)/series.sh base $(CACHE)

$(WORK)/.git/HEAD:
	@$(S)/series.sh worktree $(CACHE) $(WORK)

worktree: $(WORK)/.git/HEAD

export: worktree
	@$(S)/series.sh export $(CACHE) $(WORK)

series-check:
	@$(S)/series.sh check $(CACHE) $(WORK)

kernel: worktree
	@$(S)/build-kernel.sh $(WORK) $(CACHE)/build/test configs/base.config

kernel-debug: worktree
	@$(S)/build-kernel.sh $(WORK) $(CACHE)/build/debug configs/base.config configs/debug.config

# The main job: a VMM-like demo mapping guest_memfd for a DMA device.
demo: worktree
	@$(S)/demo.sh $(WORK) $(CACHE) $(OUT)

# Benchmark of mapping guest_memfd on the built test kernel, with the
# idle-registry section also on the base kernel (built if missing, in
# $(CACHE)/build/bench-base): bench/results.md.
bench: worktree
	@$(S)/bench.sh $(WORK) $(CACHE) $(OUT)

# Every test: the upstream suites and the project's own on the test kernel
# and on the debug kernel (lockdep, KASAN, kmemleak, ...), then the quality
# gates (checkpatch, every patch builds, W=1/kernel-doc against the base,
# build matrix).  What CI runs.
test: worktree
	@$(S)/run-tests.sh $(WORK) $(CACHE) $(OUT) test debug

# The suites on the test kernel only, without the gates: the quick loop.
test-quick: worktree
	@GATES= $(S)/run-tests.sh $(WORK) $(CACHE) $(OUT) test

# The suites on the debug kernel only.
test-debug: worktree
	@GATES= $(S)/run-tests.sh $(WORK) $(CACHE) $(OUT) debug

# The runner's own test alone: scripts/report.py fed deliberately broken
# runs (every run-tests.sh starts with it).
test-runner:
	@$(S)/test-report.py

# Quality gates: checkpatch, per-patch build, W=1/sparse/kernel-doc against
# the base, build matrix.  GATES="bisect static" runs a subset.
gates: worktree
	@$(S)/gates.sh $(WORK) $(CACHE) $(OUT) $(GATES)

clean:
	rm -rf $(OUT) $(CACHE)/build
