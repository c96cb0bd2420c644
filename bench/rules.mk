# Benchmarks: make bench, and the test-bench tier of make test.
#
#   make bench [SUITE=s] [ICOUNT=1] [ARGS="pattern=seq pages=64"]
#       build, boot the board in QEMU with run=bench, show progress, write
#       results/<board>/<s>.csv and <s>.raw.csv and the plots beside them
#       (<s>-cdf.svg or, under ICOUNT=1, <s>-latency.svg; <s>-stages.svg,
#       <s>-find_vma.svg), then the headline faults as a table. The committed
#       results/qemu-virt/ come from `make bench ICOUNT=1` (and SUITE=small,
#       the regression guard's baseline).
#   make bench-granules
#       the guard suite (a seq write per folio size, base page to block)
#       and the folio suite (every first-touch pattern per folio size) at
#       GRANULE=4k, 16k and 64k on cortex-a76 under ICOUNT=1, into
#       results/qemu-virt/granule-a76-<g>/, then one plot of the write
#       fault's cost per 4 KiB mapped against the folio size, a line per
#       granule: results/qemu-virt/folio-granules.svg.
#   make bench-extract LOG=file|/dev/ttyUSB0 [SUITE=s] [BENCH_OUT=dir]
#       the same files from a console captured on real hardware.
#
# Variables: BENCH_ARGS (kernel words always given; stage breakdown on by
# default), BENCH_OUT (results directory), BENCH_TIMEOUT (seconds),
# BENCH_MEM (QEMU RAM for make bench: 2G, so the 1 GiB case fits; MEM=...
# on the command line wins).
#
# Tier test-bench: the extraction tests (host), then the small suite twice
# under ICOUNT=1: both runs must be identical (determinism), and no fault
# case's p50 may exceed the committed results/<board>/small.csv by more
# than 5 % (path-length regression guard), nor its faults and
# pages_allocated differ. Then the same per granule x folio size: the
# guard suite (a seq write per folio size, base page to half a block, and
# one block fault) twice on cortex-a76 (it has all three granules) with
# 2 GiB (the 64k granule's 512 MiB block fits) at GRANULE=4k, 16k and 64k,
# against results/<board>/granule-a76-<granule>/guard.csv. Refresh those
# with
#   make bench ICOUNT=1 SUITE=guard CPU=cortex-a76 MEM=2G GRANULE=<g> \
#        BENCH_OUT=results/qemu-virt/granule-a76-<g>
# (qemu-virt only; about 17 s of the tier's wall time on two cores.)

BENCH_ARGS    ?= stages=on
BENCH_OUT     ?= results/$(BOARD_NAME)$(if $(filter rpi%,$(BOARD)),-qemu)
BENCH_TIMEOUT ?= 600
BENCH_MEM     ?= 2G
RESULTS_PY    := $(PYTHON) -m tools.results
BENCH_RUN      = $(RESULTS_PY) bench --qemu $(QEMU) --kernel $(BUILD)/faultline.img \
	--board-args "$(QEMU_BOARD_ARGS)" --ram-base $(QEMU_RAM_BASE) \
	--timeout $(BENCH_TIMEOUT) $(if $(UBOOT_CHAIN_ARGS),--boot-chain "$(UBOOT_CHAIN_ARGS)")

.PHONY: bench bench-extract bench-granules test-bench
bench: MEM = $(BENCH_MEM)
bench: deps
	@$(MAKE) --no-print-directory kernel
	@$(BENCH_RUN) $(if $(filter 1,$(ICOUNT)),--icount) --suite $(SUITE) \
		--append "$(BENCH_ARGS) $(ARGS)" --outdir $(BENCH_OUT) \
		--log $(BUILD)/bench-$(SUITE).log

bench-extract:
	@test -n "$(LOG)" || { echo "make bench-extract: set LOG=<console log or serial device>"; exit 1; }
	@$(RESULTS_PY) extract "$(LOG)" $(BENCH_OUT) --suite $(SUITE) && \
		$(RESULTS_PY) plot $(BENCH_OUT) --suite $(SUITE)

BENCH_TEST := build/test/bench
BENCH_GUARD_SUITE := small
BENCH_GRANULES := $(if $(filter qemu-virt,$(BOARD)),4k 16k 64k)
BENCH_GRANULE_SUITE := guard
BENCH_GRANULE_CPU := cortex-a76
BENCH_GRANULE_MEM := 2G
# Where one granule's baseline lives, and the rows a granule run writes.
bench_granule_dir = granule-$(patsubst cortex-%,%,$(BENCH_GRANULE_CPU))-$(1)

TEST_TIERS += test-bench
test-bench: kernel
	@rm -rf $(BENCH_TEST); mkdir -p $(BENCH_TEST); tools/tier.sh test-bench start; \
	tools/tier.sh test-bench check tests/unit/test_extract.py \
		$(PYTHON) -m unittest -q tests/unit/test_extract.py; \
	ok=1; for r in 1 2; do \
		$(BENCH_RUN) --icount --suite $(BENCH_GUARD_SUITE) --no-plot \
			--append "$(BENCH_ARGS)" --outdir $(BENCH_TEST)/run$$r \
			--log $(BENCH_TEST)/run$$r.log || ok=0; \
	done; \
	tools/tier.sh test-bench check "bench runs" test $$ok = 1; \
	tools/tier.sh test-bench check "ICOUNT=1 runs differ (determinism)" \
		sh -c '[ $$0 = 1 ] && $(RESULTS_PY) same $(BENCH_TEST)/run1/$(BENCH_GUARD_SUITE).csv \
		$(BENCH_TEST)/run2/$(BENCH_GUARD_SUITE).csv' $$ok; \
	tools/tier.sh test-bench check "regression guard" \
		sh -c '[ $$0 = 1 ] && $(RESULTS_PY) guard $(BENCH_TEST)/run1/$(BENCH_GUARD_SUITE).csv \
		$(BENCH_OUT)/$(BENCH_GUARD_SUITE).csv' $$ok; \
	for g in $(BENCH_GRANULES); do \
		d=$(call bench_granule_dir,$$g); \
		$(MAKE) --no-print-directory GRANULE=$$g CPU=$(BENCH_GRANULE_CPU) \
			MEM=$(BENCH_GRANULE_MEM) BENCH_GRANULE_TO=$(BENCH_TEST)/$$d \
			bench-granule-runs; ok=$$?; \
		tools/tier.sh test-bench check "$$d: bench runs" test $$ok = 0; \
		tools/tier.sh test-bench check "$$d: ICOUNT=1 runs differ (determinism)" \
			sh -c '[ $$0 = 0 ] && $(RESULTS_PY) same $$1/run1/$(BENCH_GRANULE_SUITE).csv \
			$$1/run2/$(BENCH_GRANULE_SUITE).csv' $$ok $(BENCH_TEST)/$$d; \
		tools/tier.sh test-bench check "$$d: regression guard" \
			sh -c '[ $$0 = 0 ] && $(RESULTS_PY) guard $$1/run1/$(BENCH_GRANULE_SUITE).csv \
			$$2/$(BENCH_GRANULE_SUITE).csv' $$ok $(BENCH_TEST)/$$d $(BENCH_OUT)/$$d; \
	done; \
	tools/tier.sh test-bench end

bench-granules: deps
	@[ -n "$(BENCH_GRANULES)" ] || { echo "make bench-granules: BOARD=qemu-virt only (not $(BOARD))"; exit 1; }
	@for g in $(BENCH_GRANULES); do for s in $(BENCH_GRANULE_SUITE) folio; do \
		echo "bench-granules: GRANULE=$$g SUITE=$$s on $(BENCH_GRANULE_CPU)"; \
		$(MAKE) --no-print-directory bench ICOUNT=1 SUITE=$$s \
			GRANULE=$$g CPU=$(BENCH_GRANULE_CPU) MEM=$(BENCH_GRANULE_MEM) \
			BENCH_OUT=$(BENCH_OUT)/$(call bench_granule_dir,$$g) || exit 1; \
	done; done; \
	$(RESULTS_PY) granules --suite $(BENCH_GRANULE_SUITE) -o $(BENCH_OUT)/folio-granules.svg \
		$(foreach g,$(BENCH_GRANULES),$(BENCH_OUT)/$(call bench_granule_dir,$(g)))

# One granule of the tier (called with GRANULE, CPU, MEM and
# BENCH_GRANULE_TO set): build its kernel, run the guard suite twice.
.PHONY: bench-granule-runs
bench-granule-runs: kernel
	@mkdir -p $(BENCH_GRANULE_TO); ok=0; for r in 1 2; do \
		$(BENCH_RUN) --icount --suite $(BENCH_GRANULE_SUITE) --no-plot \
			--append "$(BENCH_ARGS)" --outdir $(BENCH_GRANULE_TO)/run$$r \
			--log $(BENCH_GRANULE_TO)/run$$r.log || ok=1; \
	done; exit $$ok
