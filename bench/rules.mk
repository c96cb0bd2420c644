# Benchmarks: make bench, and the test-bench tier of make test.
#
#   make bench [SUITE=s] [ICOUNT=0] [ARGS="pattern=seq pages=64"]
#       build, boot the board in QEMU with run=bench (under ICOUNT by
#       default: counts are instructions, deterministic), show progress,
#       write <s>.csv and <s>.raw.csv and the plots beside them (<s>-cdf.svg
#       or, under ICOUNT, <s>-latency.svg; <s>-stages.svg,
#       <s>-find_vma.svg) into BENCH_OUT, then the headline faults as a
#       table. BENCH_OUT is build/results/<configuration>/ (RUN_DIR in the
#       Makefile; with ARGS, -<the words> appended): a user's runs never
#       touch the committed results/.
#   make results
#       regenerate the committed results/ as they are laid out (every file
#       under ICOUNT=1 but smp-tcg.*, parallel TCG): see "make results"
#       below. Hours, not minutes.
#   make bench-granules
#       the guard suite (a seq write per folio size, base page to block)
#       and the folio suite (every first-touch pattern per folio size) at
#       GRANULE=4k, 16k and 64k on cortex-a76 under ICOUNT=1, into
#       GRANULES_OUT/granule-a76-<g>/, then one plot of the write
#       fault's cost per 4 KiB mapped against the folio size, a line per
#       granule: GRANULES_OUT/folio-granules.svg.
#   make bench-smp [ICOUNT=0] [ARGS="pages=64 pattern=pft"]
#       suite=smp (bench/kernel/smp_bench.c, docs/bench.md "The SMP
#       suite") as make bench runs it, on BENCH_SMP_CPUS (4) CPUs (QEMU
#       -smp) with cpus=all (a cpus= in ARGS wins): BENCH_OUT/smp.csv and
#       smp.raw.csv, smp-cores.svg (the slowest core's p50 against the
#       cores, a line per case), and the table per core. make compare-smp
#       puts BENCH_OUT/smp.csv beside Linux's when its COMPARE_DIR is the
#       same folder (both default to build/results/<configuration>/).
#   make bench-smp-tcg [ARGS="pages=4096 pattern=pft"] [SMP_TCG_RUNS=10]
#       concurrent throughput (suite=smp smp=rate, bench/kernel/smp_rate.c)
#       under multi-threaded TCG (-accel tcg,thread=multi, ICOUNT=0 only) on
#       SMP_TCG_CPUS (2) CPUs: SMP_TCG_RUNS boots, each a row per case x CPU
#       count x core; BENCH_OUT/smp-tcg.runs.csv, smp-tcg.csv and
#       smp-tcg.md: median, min, max and max/min over the boots of faults/s
#       and ns per fault, emulated host time (tools/smp_tcg.py), with
#       Linux's linux-smp-rate.csv (make compare-smp ICOUNT=0) beside when
#       COMPARE_DIR has one.
#   make bench-extract LOG=file|/dev/ttyUSB0 [SUITE=s] [BENCH_OUT=dir]
#       the same files from a console captured on real hardware.
#
# Variables: BENCH_ARGS (kernel words always given, ARGS wins over them;
# stage breakdown on by default), BENCH_OUT (results directory),
# BENCH_TIMEOUT (seconds), BENCH_MEM (QEMU RAM for make bench: 2G, so the
# 1 GiB case fits; MEM=... on the command line wins).
#
# Tier test-bench: the extraction tests (host), then the small suite twice
# under ICOUNT=1: both runs must be identical (determinism), and no fault
# case's p50 may exceed the committed results/<board>/small.csv by more
# than 5 % (path-length regression guard), nor its faults and
# pages_allocated differ. Then the same per granule x folio size: the
# guard suite (a seq write per folio size, base page to half a block, and
# one block fault) twice on cortex-a76 (it has all three granules) with
# 2 GiB (the 64k granule's 512 MiB block fits) at GRANULE=4k, 16k and 64k,
# against results/<board>/granule-a76-<granule>/guard.csv (make results
# refreshes them; qemu-virt only; about 17 s of the tier's wall time on
# two cores). Then (qemu-virt) suite=smp twice at -smp 4, cpus=all,
# pages=BENCH_SMP_GUARD_PAGES, pattern=guarded (with the churn case): the
# two smp.csv must be identical, and every core's p50 at 4 cores within
# 5 % of the one-core p50 for the disjoint, partitioned and interleaved
# cases with the peers in WFI (tools/smp_results.py guard; its host tests
# first); the statistics blocks (smp-locks, smp-alloc, smp-bringup) must
# agree with smp.csv and themselves (tools/smp_results.py check: the mm
# writer lock taken as often as the cases' code takes it, the churner's
# maps equal to its unmaps, every page the faults mapped handed out by
# their CPU's cache, a bring-up row per secondary, ...) and be identical
# in the two runs. Last, a user's `make bench` (docs/bench.md's example) must
# leave results/ as it was and write under build/results/.

BENCH_ARGS    ?= stages=on
# ARGS less the keys make bench gives itself (run, suite: SUITE, mode: ICOUNT).
bench_user_args = $(filter-out run=% suite=% mode=%,$(ARGS))
BENCH_OUT     ?= $(RUN_DIR)$(if $(bench_user_args),-$(subst =,-,$(subst $(space),_,$(bench_user_args))))
BENCH_TIMEOUT ?= 600
BENCH_MEM     ?= 2G
RESULTS_PY    := $(PYTHON) -m tools.results
BENCH_RUN      = $(RESULTS_PY) bench --qemu $(QEMU) --kernel $(BUILD)/faultline.img \
	--board-args "$(QEMU_BOARD_ARGS)" --ram-base $(QEMU_RAM_BASE) \
	--timeout $(BENCH_TIMEOUT) $(if $(UBOOT_CHAIN_ARGS),--boot-chain "$(UBOOT_CHAIN_ARGS)")

ifneq ($(filter bench,$(MAKECMDGOALS)),)
ifneq ($(filter-out bench,$(call args_value,run)),)
$(error make bench: ARGS=run=$(call args_value,run): make bench runs run=bench (make run ARGS=... boots anything else))
endif
endif
ifneq ($(filter bench bench-smp,$(MAKECMDGOALS)),)
ifeq ($(call args_value,smp),rate)
$(error make $(filter bench bench-smp,$(MAKECMDGOALS)): ARGS=smp=rate writes the smp-rate block, not smp.csv: make bench-smp-tcg runs it)
endif
endif
ifneq ($(filter bench-smp-tcg,$(MAKECMDGOALS)),)
ifeq ($(ICOUNT),1)
$(error make bench-smp-tcg: parallel TCG runs without icount (ICOUNT=0), not ICOUNT=1: make bench-smp is the measurement under icount)
endif
endif

# make bench-smp: make bench of suite=smp on BENCH_SMP_CPUS CPUs, cpus=all.
BENCH_SMP_CPUS ?= 4
.PHONY: bench-smp
bench-smp: deps
	@$(MAKE) --no-print-directory bench ICOUNT=$(ICOUNT) SUITE=smp SMP=$(BENCH_SMP_CPUS) \
		ARGS="$(if $(filter cpus=%,$(ARGS)),,cpus=all) $(ARGS)" BENCH_OUT=$(BENCH_OUT)

# make bench-smp-tcg: suite=smp smp=rate, SMP_TCG_RUNS boots under parallel
# TCG at SMP_TCG_CPUS CPUs (tools/linux/rules.mk: Linux's parallel-TCG count).
SMP_TCG_RUNS  ?= 10
SMP_TCG_MEM   ?= 1G
SMP_TCG_LINUX ?= $(COMPARE_DIR)/linux-smp-rate.csv
.PHONY: bench-smp-tcg
bench-smp-tcg: SMP = $(SMP_TCG_CPUS)
bench-smp-tcg: MEM = $(SMP_TCG_MEM)
bench-smp-tcg: deps
	@[ "$(BOARD)" = qemu-virt ] || { echo "make bench-smp-tcg: BOARD=qemu-virt only (not $(BOARD))"; exit 1; }
	@$(MAKE) --no-print-directory kernel
	@$(PYTHON) -m tools.smp_tcg run --qemu $(QEMU) --kernel $(BUILD)/faultline.img \
		--board-args "$(QEMU_BOARD_ARGS) -accel tcg,thread=multi" --runs $(SMP_TCG_RUNS) \
		--append "$(filter-out run=% suite=% mode=% smp=%,$(ARGS))" \
		--timeout $(BENCH_TIMEOUT) --outdir $(BENCH_OUT) --log-dir $(BUILD)/smp-tcg \
		$(if $(SMP_TCG_LINUX),--linux $(SMP_TCG_LINUX))

.PHONY: bench bench-extract bench-granules test-bench
bench: MEM = $(BENCH_MEM)
bench: deps
	@$(MAKE) --no-print-directory kernel
	@$(BENCH_RUN) $(if $(filter 1,$(ICOUNT)),--icount) --suite $(SUITE) \
		--append "$(filter-out run=% suite=% mode=%,$(call args_over,$(BENCH_ARGS)))" \
		--outdir $(BENCH_OUT) --log $(BUILD)/bench-$(SUITE).log

bench-extract: BENCH_OUT = build/results/$(BOARD_NAME)-extracted
bench-extract:
	@test -n "$(LOG)" || { echo "make bench-extract: set LOG=<console log or serial device>"; exit 1; }
	@test -e "$(LOG)" || { echo "make bench-extract: LOG=$(LOG): no such file or device"; exit 1; }
	@$(RESULTS_PY) extract "$(LOG)" $(BENCH_OUT) --suite $(SUITE) && \
		$(RESULTS_PY) plot $(BENCH_OUT) --suite $(SUITE)

BENCH_TEST := build/test/bench
# The SMP guard of the tier (qemu-virt: the GIC parks the peers in WFI).
BENCH_SMP_GUARD := $(if $(filter qemu-virt,$(BOARD)),smp)
BENCH_SMP_GUARD_PAGES := 64
# ... and its one parallel-TCG boot of smp=rate (make bench-smp-tcg).
BENCH_SMP_TCG_PAGES := 8
# suite=smp's statistics blocks beside smp.csv (bench/kernel/smp_stats.c).
SMP_STATS_BLOCKS := smp-locks smp-alloc smp-bringup
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
		$(RESULTS_DIR)/$(BENCH_GUARD_SUITE).csv' $$ok; \
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
			$$2/$(BENCH_GRANULE_SUITE).csv' $$ok $(BENCH_TEST)/$$d $(RESULTS_DIR)/$$d; \
	done; \
	tools/tier.sh test-bench check tests/unit/test_smp_results.py \
		$(PYTHON) -m unittest -q tests/unit/test_smp_results.py; \
	tools/tier.sh test-bench check tests/unit/test_smp_tcg.py \
		$(PYTHON) -m unittest -q tests/unit/test_smp_tcg.py; \
	for s in $(BENCH_SMP_GUARD); do \
		$(MAKE) --no-print-directory SMP=$(BENCH_SMP_CPUS) BENCH_SMP_TO=$(BENCH_TEST)/smp \
			bench-smp-runs; ok=$$?; \
		tools/tier.sh test-bench check "smp: suite=smp runs at -smp $(BENCH_SMP_CPUS)" test $$ok = 0; \
		tools/tier.sh test-bench check "smp: ICOUNT=1 runs differ (determinism)" \
			sh -c '[ $$0 = 0 ] && $(RESULTS_PY) same $$1/run1/smp.csv $$1/run2/smp.csv' \
			$$ok $(BENCH_TEST)/smp; \
		tools/tier.sh test-bench check "smp: every core at 4 CPUs within 5 % of one core" \
			sh -c '[ $$0 = 0 ] && $(PYTHON) -m tools.smp_results guard $$1/run1/smp.csv' \
			$$ok $(BENCH_TEST)/smp; \
		$(MAKE) --no-print-directory bench-smp-tcg ICOUNT=0 SMP_TCG_RUNS=1 \
			ARGS="pages=$(BENCH_SMP_TCG_PAGES) iters=1" BENCH_OUT=$(BENCH_TEST)/smp-tcg \
			>$(BENCH_TEST)/smp-tcg.log 2>&1; ok=$$?; \
		tools/tier.sh test-bench check "smp=rate: one parallel-TCG boot at -smp $(SMP_TCG_CPUS) (make bench-smp-tcg)" \
			test $$ok = 0; \
		tools/tier.sh test-bench check "smp=rate: every core one fault per page, totals the cores' sums" \
			$(PYTHON) -m tools.smp_tcg check $(BENCH_TEST)/smp-tcg/smp-tcg.runs.csv; \
		tools/tier.sh test-bench check "smp: lock, allocator, churn and bring-up blocks agree" \
			sh -c '[ $$0 = 0 ] && $(PYTHON) -m tools.smp_results check $$1/run1' \
			$$ok $(BENCH_TEST)/smp; \
		tools/tier.sh test-bench check "smp: ICOUNT=1 statistics blocks differ (determinism)" \
			sh -c '[ $$0 = 0 ] && for b in $(SMP_STATS_BLOCKS); do \
				cmp $$1/run1/$$b.csv $$1/run2/$$b.csv || exit 1; done' \
			$$ok $(BENCH_TEST)/smp; \
	done; \
	before=$$(git status --porcelain -- results 2>&1); \
	$(MAKE) --no-print-directory bench SUITE=small ARGS="pattern=seq pages=64 iters=4" \
		>$(BENCH_TEST)/user.log 2>&1; ok=$$?; \
	tools/tier.sh test-bench check "a user's make bench (docs/bench.md's example) runs" test $$ok = 0; \
	tools/tier.sh test-bench check "a user's make bench leaves results/ as it was (git status)" \
		sh -c '[ "$$(git status --porcelain -- results 2>&1)" = "$$0" ]' "$$before"; \
	tools/tier.sh test-bench check "a user's make bench writes under build/results/" \
		sh -c 'f=$$(sed -n "s|^bench: wrote \(build/results/[^ ]*/small\.csv\)$$|\1|p" $$0) && test -s "$$f"' \
		$(BENCH_TEST)/user.log; \
	tools/tier.sh test-bench end

# Where make bench-granules writes: granule-a76-<g>/ and folio-granules.svg.
GRANULES_OUT ?= build/results/$(RESULTS_BOARD)-granules-$(TOOLCHAIN)-icount
GRANULE_SUITES ?= $(BENCH_GRANULE_SUITE) folio
bench-granules: deps
	@[ -n "$(BENCH_GRANULES)" ] || { echo "make bench-granules: BOARD=qemu-virt only (not $(BOARD))"; exit 1; }
	@for g in $(BENCH_GRANULES); do for s in $(GRANULE_SUITES); do \
		echo "bench-granules: GRANULE=$$g SUITE=$$s on $(BENCH_GRANULE_CPU)"; \
		$(MAKE) --no-print-directory bench ICOUNT=1 SUITE=$$s \
			GRANULE=$$g CPU=$(BENCH_GRANULE_CPU) MEM=$(BENCH_GRANULE_MEM) \
			BENCH_OUT=$(GRANULES_OUT)/$(call bench_granule_dir,$$g) || exit 1; \
	done; done; \
	$(RESULTS_PY) granules --suite $(BENCH_GRANULE_SUITE) -o $(GRANULES_OUT)/folio-granules.svg \
		$(foreach g,$(BENCH_GRANULES),$(GRANULES_OUT)/$(call bench_granule_dir,$(g)))

# make results: the committed results/, each file by the command that made
# it, all under ICOUNT=1 (the only place make writes into results/):
#   qemu-virt/{default,small,folio}.*    make bench SUITE=...
#   rpi3-qemu/, rpi4-qemu/ default.*     make bench BOARD=rpi3|rpi4
#   qemu-virt/granule-a76-<g>/ {guard,folio,small}.*, folio-granules.svg
#                                        make bench-granules
#   qemu-virt/linux-default*.csv, compare-default.*
#                                        make compare (faultline's side:
#                                        qemu-virt/default.csv above)
#   qemu-virt/*pagesize-small.*          make compare-pagesize (cortex-a76)
#   qemu-virt/pagesize-a72/              the same on cortex-a72, Linux 4K,
#                                        faultline 4k and 64k
#   qemu-virt/anatomy-*                  make anatomy
#   qemu-virt/smp-tcg.*                  make bench-smp-tcg: the one result
#                                        not under icount (ICOUNT=0, parallel
#                                        TCG: emulated host time, labelled)
#   qemu-virt/anatomy-smp-*              make anatomy-smp (faultline only)
# make results-bench does faultline's part alone (make bench and
# bench-granules: minutes; the rest boots Linux for hours).
# No configuration variable may be given: the layout is fixed.
RESULTS_FIXED := ARGS SUITE BOARD CPU MEM GRANULE TOOLCHAIN DEBUG BOOT BENCH_OUT \
	COMPARE_DIR ANATOMY_OUT GRANULES_OUT BENCH_ARGS
RESULTS_MAKE = $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) ICOUNT=1
.PHONY: results results-bench results-check
results-check:
	@bad="$(strip $(foreach v,$(RESULTS_FIXED),$(if $(filter command line environment override,$(origin $(v))),$(v))))"; \
	[ -z "$$bad" ] || { echo "make results: $$bad given: make results regenerates results/ as committed, in fixed configurations (make bench ... writes under build/results/ instead)"; exit 1; }; \
	[ "$(ICOUNT)" = 1 ] || { echo "make results: the committed results are all ICOUNT=1"; exit 1; }
results-bench: results-check
	@for s in default small folio; do \
		$(RESULTS_MAKE) bench SUITE=$$s BENCH_OUT=results/qemu-virt || exit 1; done
	@for b in rpi3 rpi4; do \
		$(RESULTS_MAKE) bench BOARD=$$b BENCH_OUT=results/$$b-qemu || exit 1; done
	@$(RESULTS_MAKE) bench-granules GRANULES_OUT=results/qemu-virt \
		GRANULE_SUITES="$(BENCH_GRANULE_SUITE) folio small"
	@$(RESULTS_MAKE) bench-smp BENCH_OUT=results/qemu-virt
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) ICOUNT=0 bench-smp-tcg \
		BENCH_OUT=results/qemu-virt SMP_TCG_LINUX=
	@$(RESULTS_MAKE) anatomy-smp ANATOMY_OUT=results/qemu-virt
results: results-bench
	@$(RESULTS_MAKE) compare COMPARE_DIR=results/qemu-virt
	@$(RESULTS_MAKE) compare-pagesize COMPARE_DIR=results/qemu-virt
	@$(RESULTS_MAKE) compare-pagesize CPU=cortex-a72 LINUX_GRANULES=4k \
		PAGESIZE_FL_GRANULES="4k 64k" COMPARE_DIR=results/qemu-virt/pagesize-a72
	@$(RESULTS_MAKE) compare-smp COMPARE_DIR=results/qemu-virt
	@$(RESULTS_MAKE) anatomy ANATOMY_OUT=results/qemu-virt
	@git status --short -- results

# One granule of the tier (called with GRANULE, CPU, MEM and
# BENCH_GRANULE_TO set): build its kernel, run the guard suite twice.
.PHONY: bench-granule-runs
bench-granule-runs: kernel
	@mkdir -p $(BENCH_GRANULE_TO); ok=0; for r in 1 2; do \
		$(BENCH_RUN) --icount --suite $(BENCH_GRANULE_SUITE) --no-plot \
			--append "$(BENCH_ARGS)" --outdir $(BENCH_GRANULE_TO)/run$$r \
			--log $(BENCH_GRANULE_TO)/run$$r.log || ok=1; \
	done; exit $$ok

# The SMP guard's two runs (called with SMP and BENCH_SMP_TO set): suite=smp
# under ICOUNT=1 with every CPU, BENCH_SMP_GUARD_PAGES touches per core.
.PHONY: bench-smp-runs
bench-smp-runs: kernel
	@mkdir -p $(BENCH_SMP_TO); ok=0; for r in 1 2; do \
		$(BENCH_RUN) --icount --suite smp --no-plot \
			--append "cpus=all pages=$(BENCH_SMP_GUARD_PAGES) pattern=guarded" \
			--outdir $(BENCH_SMP_TO)/run$$r --log $(BENCH_SMP_TO)/run$$r.log || ok=1; \
	done; exit $$ok
