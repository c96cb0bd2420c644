# Benchmarks: make bench, and the test-bench tier of make test.
#
#   make bench [SUITE=s] [ICOUNT=1] [ARGS="pattern=seq pages=64"]
#       build, boot the board in QEMU with run=bench, show progress, write
#       results/<board>/<s>.csv and <s>.raw.csv and the plots beside them
#       (<s>-cdf.svg or, under ICOUNT=1, <s>-latency.svg; <s>-stages.svg,
#       <s>-find_vma.svg), then the headline faults as a table. The committed
#       results/qemu-virt/ come from `make bench ICOUNT=1` (and SUITE=small,
#       the regression guard's baseline).
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
# than 5 % (path-length regression guard).

BENCH_ARGS    ?= stages=on
BENCH_OUT     ?= results/$(BOARD_NAME)$(if $(filter rpi%,$(BOARD)),-qemu)
BENCH_TIMEOUT ?= 600
BENCH_MEM     ?= 2G
RESULTS_PY    := $(PYTHON) -m tools.results
BENCH_RUN      = $(RESULTS_PY) bench --qemu $(QEMU) --kernel $(BUILD)/faultline.img \
	--board-args "$(QEMU_BOARD_ARGS)" --ram-base $(QEMU_RAM_BASE) \
	--timeout $(BENCH_TIMEOUT) $(if $(UBOOT_CHAIN_ARGS),--boot-chain "$(UBOOT_CHAIN_ARGS)")

.PHONY: bench bench-extract test-bench
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
	tools/tier.sh test-bench end
