# make compare: the benchmark suite as a static Linux program, run as /init
# of an initramfs on Debian's arm64 cloud kernel in the same QEMU machine,
# CPU, memory and mode as faultline, then a side-by-side table.
#
#   make compare [SUITE=s] [ICOUNT=0]   COMPARE_DIR/linux-<s>[-<config>].csv,
#                                       compare-<s>.md and compare-<s>.svg
#   make linux-prog                     just the static program (for a Pi)
#
# Before any boot, tools/precheck.py checks that the two sides can be
# compared (same mode, units converted to one: under ICOUNT=0 only with
# COMPARE_CPU_HZ). A line per boot says where the run is ([k/n], seconds
# since the start).
#
# Variables: COMPARE_DIR (where the CSVs and the table go, default
# build/results/<configuration>/ as make bench's, so a make bench before
# it gives faultline's side; make results gives results/<board>),
# COMPARE_CPU_HZ (the core clock, for counts in cycles: --cpu-hz of
# tools/compare.py), COMPARE_TIMEOUT (seconds for each QEMU run),
# LINUX_CONFIGS and LINUX_COUNTER (below),
# LINUX_PKG (pin a linux-image-<ver>-cloud-arm64 package; see
# tools/linux/fetch-kernel.sh). Kernel command-line choices: docs/compare.md.

LINUX_CC     := aarch64-linux-gnu-gcc
LINUX_DIR    := build/linux
LINUX_CACHE  := build/cache/linux
# arch/aarch64/include: <arch/page.h>, the page size the portable core is
# built for (Debian's arm64 kernel uses the same 4 KiB granule).
LINUX_CFLAGS := -std=gnu11 -O2 -g $(WARN) -DFAULTLINE_HOST -Iarch/aarch64/include \
	-DFAULTLINE_BUILD_ID=\"$(BUILD_ID)\" -I. -MMD -MP
COMPARE_DIR  ?= $(RUN_DIR)
COMPARE_TIMEOUT ?= 1800
COMPARE_CPU_HZ ?=
compare_hz = $(if $(COMPARE_CPU_HZ),--cpu-hz $(COMPARE_CPU_HZ))
# progress,TARGET,N,WHAT: "TARGET: [k/N] WHAT (<s> s since the start)"
# (the shell's k and t0 set by the recipe).
progress = k=$$((k+1)); echo "$(1): [$$k/$(2)] $(3) ($$(( $$(date +%s) - t0 )) s)";

# The portable benchmark core and the lib/ files it uses, built as for the
# host tests (with the C library's string functions), in an archive.
LINUX_PORT := lib/console.c lib/errno.c lib/parse.c lib/printf.c \
	bench/csv.c bench/patterns.c bench/stats.c bench/suite.c
# The program's own sources, declared as the kernel's are (Makefile): a file
# not listed here is not built.
LINUX_OWN  := $(addprefix tools/linux/,atomics.c cpu.c env_linux.c envcheck.c folio.c init.c \
	pid1.c pmu.c run.c smp.c)
LINUX_PORT_OBJ := $(patsubst %,$(LINUX_DIR)/obj/%.o,$(LINUX_PORT))
LINUX_OWN_OBJ  := $(patsubst %,$(LINUX_DIR)/obj/%.o,$(LINUX_OWN))
LINUX_PROG   := $(LINUX_DIR)/faultline-linux
LINUX_INITRD := $(LINUX_DIR)/initramfs.cpio.gz

$(LINUX_DIR)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC,$<)$(LINUX_CC) $(LINUX_CFLAGS) -c $< -o $@

# run.c prints BUILD_ID: rebuilt when it changes (the stamp of the Makefile).
$(LINUX_DIR)/build-id: FORCE
	@mkdir -p $(dir $@); echo '$(BUILD_ID)' | cmp -s - $@ 2>/dev/null || echo '$(BUILD_ID)' > $@
$(LINUX_DIR)/obj/tools/linux/run.c.o: $(LINUX_DIR)/build-id

$(LINUX_DIR)/libportable.a: $(LINUX_PORT_OBJ)
	@rm -f $@
	$(Q)$(call say,AR,$@)aarch64-linux-gnu-ar rcs $@ $^

$(LINUX_PROG): $(LINUX_OWN_OBJ) $(LINUX_DIR)/libportable.a
	$(Q)$(call say,LD,$@)$(LINUX_CC) -static -pthread -o $@ $(LINUX_OWN_OBJ) $(LINUX_DIR)/libportable.a

$(LINUX_INITRD): $(LINUX_PROG) tools/linux/mkinitramfs.sh
	tools/linux/mkinitramfs.sh $< $@

-include $(LINUX_PORT_OBJ:.o=.d) $(LINUX_OWN_OBJ:.o=.d)

# Linux's command line (each choice explained in docs/compare.md): the
# words every configuration has, then each configuration's own. The words
# after "--" are the program's arguments.
LINUX_BASE = console=ttyAMA0 quiet rdinit=/init panic=-1 norandmaps \
	transparent_hugepage=never

# The Linux configurations make compare runs, each its own column set in
# the table and its own CSV: linux-<suite>.csv for the reference
# (nokaslr, the one the README's headline quotes), linux-<suite>-<name>.csv
# for the others.
#   shipped          Debian's defaults: KASLR on (QEMU's device tree gives it
#                    a kaslr-seed), which on a CPU without E0PD turns KPTI on
#   nokaslr          fixed kernel layout: no KPTI, reproducible runs
#   mitigations-off  nokaslr and mitigations=off (Spectre/SSBD mitigations
#                    off too): the cost of the remaining hardening
# LINUX_CONFIGS narrows the list (make compare LINUX_CONFIGS=nokaslr).
LINUX_CONFIGS ?= shipped nokaslr mitigations-off
LINUX_REF_CONFIG := nokaslr
LINUX_OPTS_shipped :=
LINUX_OPTS_nokaslr := nokaslr
LINUX_OPTS_mitigations-off := nokaslr mitigations=off
# Without a seed in the device tree KASLR stays off, so only the shipped
# configuration lets QEMU put its random kaslr-seed and rng-seed there.
LINUX_DTBRAND_shipped := on
# LINUX_COUNTER=pmccntr|inst|cntvct forces the program's counter (default:
# PMCCNTR_EL0 where Linux lets EL0 read it, else CNTVCT_EL0).
LINUX_COUNTER ?=
LINUX_APPEND = $(strip $(LINUX_BASE) $(LINUX_OPTS_$(2))) -- board=$(BOARD_NAME) \
	mode=$(if $(filter 1,$(ICOUNT)),icount,tcg) config=$(2) \
	$(if $(LINUX_COUNTER),counter=$(LINUX_COUNTER))
# linux_csv_in DIR,SUITE,CONFIG: that configuration's CSV; linux_csv CONFIG: in this run.
linux_csv_in = $(1)/linux-$(2)$(if $(filter $(LINUX_REF_CONFIG),$(3)),,-$(3)).csv
linux_csv = $(call linux_csv_in,$(COMPARE_DIR),$(SUITE),$(1))

# One boot of the program: $(1) its arguments, $(2) the configuration,
# $(3) the console log, $(4) the directory its CSV blocks go to, $(5) more
# words for the one-line result's label.
linux_boot = $(PYTHON) -m tools.qemu run --qemu $(QEMU) \
	--kernel "$$img" --qemu-arg=-initrd --qemu-arg=$(LINUX_INITRD) \
	--board-args "$(QEMU_BOARD_ARGS)" \
	--machine-opt dtb-randomness=$(or $(LINUX_DTBRAND_$(2)),off) \
	$(if $(filter 1,$(ICOUNT)),--icount) --append "$(call LINUX_APPEND,,$(2)) $(1)" \
	--timeout $(COMPARE_TIMEOUT) \
	--log $(3) $(if $(4),--csv-dir $(4)) --name "linux $(2)$(if $(5), $(5)) $(BOARD) $(CPU) $(MEM)"

.PHONY: compare linux-prog linux-kernel compare-envcheck
linux-prog: $(LINUX_PROG)

linux-kernel:
	@tools/linux/fetch-kernel.sh $(LINUX_CACHE) >/dev/null

# faultline's side is COMPARE_DIR/<suite>.csv when it is there (make bench
# wrote it; compare.py refuses it if its mode differs), otherwise a fresh run
# in the same mode into $(LINUX_DIR)/faultline/ (results/ stays make bench's).
COMPARE_FL_DIR := $(LINUX_DIR)/faultline
compare_boots = $(words $(LINUX_CONFIGS) $(if $(wildcard $(COMPARE_DIR)/$(SUITE).csv),,faultline))
compare: compare-precheck deps kernel $(LINUX_INITRD) linux-kernel
	@mkdir -p $(COMPARE_DIR) $(LINUX_DIR)/log
	@img=$$(tools/linux/fetch-kernel.sh $(LINUX_CACHE)) || exit 1; t0=$$(date +%s); k=0; \
	$(foreach c,$(LINUX_CONFIGS),rm -rf $(LINUX_DIR)/out/$(c); \
	$(call progress,compare,$(compare_boots),Linux $(c)) \
	$(call linux_boot,run=bench suite=$(SUITE),$(c),$(LINUX_DIR)/log/linux-$(SUITE)-$(c).log,$(LINUX_DIR)/out/$(c)) \
		|| exit 1; \
	cp $(LINUX_DIR)/out/$(c)/linux-$(SUITE).csv $(call linux_csv,$(c)) || exit 1; \
	$(RESULTS_PY) stamp --qemu $(QEMU) $(call linux_csv,$(c)) >/dev/null || exit 1; \
	echo "wrote $(call linux_csv,$(c))";) \
	fl=$(COMPARE_DIR)/$(SUITE).csv; \
	if [ ! -r $$fl ]; then \
		$(call progress,compare,$(compare_boots),faultline) \
		fl=$(COMPARE_FL_DIR)/$(SUITE).csv; rm -f $$fl; \
		$(QEMU_RUN) --timeout $(COMPARE_TIMEOUT) \
			--append "run=bench suite=$(SUITE) $(if $(filter 1,$(ICOUNT)),mode=icount)" \
			--log $(LINUX_DIR)/log/faultline-$(SUITE).log \
			--csv-dir $(COMPARE_FL_DIR) --name "faultline $(BOARD) $(CPU) $(MEM)" || exit 1; \
	fi; \
	$(PYTHON) -m tools.compare $(compare_hz) $$fl $(foreach c,$(LINUX_CONFIGS),$(call linux_csv,$(c))) \
		-o $(COMPARE_DIR)/compare-$(SUITE).md --plot $(COMPARE_DIR)/compare-$(SUITE).svg

.PHONY: compare-precheck compare-pagesize-precheck
compare-pagesize-precheck:
	@$(PYTHON) -m tools.precheck compare --mode $(MODE) $(compare_hz) \
		$(if $(LINUX_COUNTER),--linux-counter $(LINUX_COUNTER))
compare-precheck:
	@$(PYTHON) -m tools.precheck compare --mode $(MODE) $(compare_hz) \
		$(if $(LINUX_COUNTER),--linux-counter $(LINUX_COUNTER)) \
		--faultline $(COMPARE_DIR)/$(SUITE).csv

# The program's self-check (tools/linux/envcheck.c) on the same kernel.
compare-envcheck: $(LINUX_INITRD) linux-kernel
	@mkdir -p $(LINUX_DIR)/log
	@img=$$(tools/linux/fetch-kernel.sh $(LINUX_CACHE)) && \
	$(call linux_boot,run=tests,$(LINUX_REF_CONFIG),$(LINUX_DIR)/log/envcheck.log,)

# make compare-pagesize: the page-size axis on Linux (docs/compare.md). One
# boot per granule x folio, all in the reference configuration (nokaslr):
# the 4K kernel (Debian's cloud-arm64) with each folio size of
# LINUX_FOLIOS_4k enabled in turn, and Debian's arm64-16k kernel with those
# of LINUX_FOLIOS_16k. Debian ships no 64K arm64 kernel. The 16K kernel
# needs a CPU with the 16K granule (ID_AA64MMFR0_EL1.TGran16): cortex-a76
# is the default here (cortex-a53/a57/a72 lack it, and Linux would stop
# early in boot without a word). Output: COMPARE_DIR/linux-pagesize-<suite>.csv
# (every row, with granule and folio columns), compare-pagesize-<suite>.md
# and .svg (per-4KiB write-fault cost against folio size, a line per granule).
#   folio values: none (base pages; THP off), thp-always (the top-level
#   switch always: PMD-size THP), 16k..1m (multi-size THP), 2m (PMD size
#   through its own switch); on 16K: 64k..16m, 32m (PMD).
LINUX_GRANULES ?= 4k 16k
LINUX_FOLIOS_4k ?= none thp-always 16k 32k 64k 128k 256k 512k 1m 2m
LINUX_FOLIOS_16k ?= none thp-always 64k 128k 256k 512k 1m 2m
LINUX_FLAVOUR_4k := cloud-arm64
LINUX_FLAVOUR_16k := arm64-16k
# The cases: the small suite's seq pattern at 512 pages (2 MiB, so the
# region is PMD-aligned on 4K and a 2M folio fits), write, read,
# read-then-write and re-touch. PAGESIZE_ARGS takes any program argument.
PAGESIZE_SUITE ?= small
PAGESIZE_ARGS ?= pattern=seq pages=512
# faultline's side: the same cases with step=4k (4 KiB touches whatever the
# granule, as the Linux program makes them), one boot per granule x folio
# of faultline built with GRANULE=4k, 16k and 64k, in the same QEMU machine,
# CPU, memory and mode; merged into COMPARE_DIR/faultline-pagesize-<suite>.csv
# with Linux's folio names. A folio of the granule's block size (2m at 4K)
# and thp-always both boot with thp=always, the rest with folio=<size>
# (none: base pages). PAGESIZE_FL_GRANULES="" leaves faultline out;
# PAGESIZE_FL=<csv> uses that CSV instead of booting.
PAGESIZE_FL_GRANULES ?= 4k 16k 64k
PAGESIZE_FL_FOLIOS_4k ?= $(LINUX_FOLIOS_4k)
PAGESIZE_FL_FOLIOS_16k ?= $(LINUX_FOLIOS_16k)
PAGESIZE_FL_FOLIOS_64k ?= none thp-always 128k 256k 512k 1m 2m
PAGESIZE_BLOCK_4k := 2m
PAGESIZE_BLOCK_16k := 32m
PAGESIZE_BLOCK_64k := 512m
PAGESIZE_FL ?= $(if $(strip $(PAGESIZE_FL_GRANULES)),$(COMPARE_DIR)/faultline-pagesize-$(PAGESIZE_SUITE).csv)
pagesize_fl_dir = $(LINUX_DIR)/out/fl-pagesize-$(1)-$(2)
# The kernel command-line words of granule $(1), folio $(2).
pagesize_fl_words = $(if $(filter thp-always $(PAGESIZE_BLOCK_$(1)),$(2)),thp=always,folio=$(2))
# One faultline boot: build GRANULE=$(1) and run folio $(2) (pagesize-faultline below).
pagesize_fl_boot = $(call progress,compare-pagesize,$(pagesize_boots),faultline granule $(1) folio $(2)) \
	$(MAKE) --no-print-directory pagesize-faultline GRANULE=$(1) \
	PAGESIZE_FOLIO=$(2) CPU=$(CPU) MEM=$(MEM) ICOUNT=$(ICOUNT) || exit 1;
PAGESIZE_CPU_NO16K := cortex-a53 cortex-a57 cortex-a72
ifneq ($(filter compare-pagesize,$(MAKECMDGOALS)),)
ifneq ($(origin CPU),command line)
CPU := cortex-a76
endif
endif
pagesize_csv = $(COMPARE_DIR)/linux-pagesize-$(PAGESIZE_SUITE).csv
# One boot: $(1) granule, $(2) folio; its CSV in $(LINUX_DIR)/out/pagesize-$(1)-$(2)/.
pagesize_boots = $(words $(foreach g,$(LINUX_GRANULES),$(LINUX_FOLIOS_$(g))) \
	$(foreach g,$(PAGESIZE_FL_GRANULES),$(PAGESIZE_FL_FOLIOS_$(g))))
pagesize_boot = $(call progress,compare-pagesize,$(pagesize_boots),Linux granule $(1) folio $(2)) \
	img=$$(tools/linux/fetch-kernel.sh $(LINUX_CACHE) $(LINUX_FLAVOUR_$(1))) || exit 1; \
	rm -rf $(LINUX_DIR)/out/pagesize-$(1)-$(2); \
	$(call linux_boot,run=bench suite=$(PAGESIZE_SUITE) $(PAGESIZE_ARGS) folio=$(2),$(LINUX_REF_CONFIG),$(LINUX_DIR)/log/linux-pagesize-$(1)-$(2).log,$(LINUX_DIR)/out/pagesize-$(1)-$(2),granule $(1) folio $(2)) \
		|| exit 1;

.PHONY: compare-pagesize
compare-pagesize: compare-pagesize-precheck deps $(LINUX_INITRD)
	@t0=$$(date +%s); k=0; \
	for g in $(LINUX_GRANULES); do case $$g in 4k|16k) ;; \
	*) echo "compare-pagesize: no Linux kernel for granule $$g: Debian ships arm64 kernels for 4k and 16k only (no 64K kernel)"; exit 1;; esac; done; \
	if [ -n "$(filter 16k,$(LINUX_GRANULES))" ] && [ "$(BOARD)" != qemu-virt ]; then \
		echo "compare-pagesize: BOARD=$(BOARD): its cores (cortex-a53/a72) have no 16K granule; use LINUX_GRANULES=4k"; exit 1; fi; \
	if [ -n "$(filter 16k,$(LINUX_GRANULES))" ] && [ -n "$(filter $(CPU),$(PAGESIZE_CPU_NO16K))" ]; then \
		echo "compare-pagesize: CPU=$(CPU) has no 16K granule (ID_AA64MMFR0_EL1.TGran16): use CPU=cortex-a76 or CPU=max, or LINUX_GRANULES=4k"; exit 1; fi; \
	mkdir -p $(COMPARE_DIR) $(LINUX_DIR)/log; \
	$(foreach g,$(LINUX_GRANULES),$(foreach f,$(LINUX_FOLIOS_$(g)),$(call pagesize_boot,$(g),$(f)))) \
	$(foreach g,$(PAGESIZE_FL_GRANULES),$(foreach f,$(PAGESIZE_FL_FOLIOS_$(g)),$(call pagesize_fl_boot,$(g),$(f)))) \
	$(if $(strip $(PAGESIZE_FL_GRANULES)),$(PYTHON) -m tools.compare --merge $(PAGESIZE_FL) \
		$(foreach g,$(PAGESIZE_FL_GRANULES),$(foreach f,$(PAGESIZE_FL_FOLIOS_$(g)),--folio=$(f) $(call pagesize_fl_dir,$(g),$(f))/$(PAGESIZE_SUITE).csv)) || exit 1;) \
	$(PYTHON) -m tools.compare --merge $(pagesize_csv) \
		$(foreach g,$(LINUX_GRANULES),$(foreach f,$(LINUX_FOLIOS_$(g)),$(LINUX_DIR)/out/pagesize-$(g)-$(f)/linux-$(PAGESIZE_SUITE).csv)) \
		&& $(RESULTS_PY) stamp --qemu $(QEMU) $(pagesize_csv) >/dev/null \
		&& $(PYTHON) -m tools.compare --pagesize $(compare_hz) $(if $(PAGESIZE_FL),--faultline $(PAGESIZE_FL)) \
		$(pagesize_csv) -o $(COMPARE_DIR)/compare-pagesize-$(PAGESIZE_SUITE).md \
		--plot $(COMPARE_DIR)/compare-pagesize-$(PAGESIZE_SUITE).svg

# One faultline boot of the page-size cases at GRANULE, folio PAGESIZE_FOLIO
# (a Linux folio name), its CSV in $(call pagesize_fl_dir,<granule>,<folio>)/.
.PHONY: pagesize-faultline
pagesize-faultline: kernel
	@mkdir -p $(LINUX_DIR)/log; rm -rf $(call pagesize_fl_dir,$(GRANULE),$(PAGESIZE_FOLIO)); \
	$(QEMU_RUN) --timeout $(COMPARE_TIMEOUT) \
		--append "run=bench suite=$(PAGESIZE_SUITE) $(PAGESIZE_ARGS) step=4k $(call pagesize_fl_words,$(GRANULE),$(PAGESIZE_FOLIO)) $(if $(filter 1,$(ICOUNT)),mode=icount)" \
		--log $(LINUX_DIR)/log/faultline-pagesize-$(GRANULE)-$(PAGESIZE_FOLIO).log \
		--csv-dir $(call pagesize_fl_dir,$(GRANULE),$(PAGESIZE_FOLIO)) \
		--name "faultline granule $(GRANULE) folio $(PAGESIZE_FOLIO) $(BOARD) $(CPU) $(MEM)"

# make compare-smp: the SMP cases of issue 19 on Linux (tools/linux/smp.c,
# docs/compare.md): will-it-scale's page_fault1 (processes and threads),
# a pft-like shared region (partitioned and interleaved) and munmap /
# MADV_DONTNEED shootdowns, one task pinned per CPU, in the reference
# configuration (nokaslr). One boot per CPU count.
#   ICOUNT=1 (default here): SMP_CPUS="1 2 4" boots, peers parked while one
#     task measures: COMPARE_DIR/linux-smp.csv (p50 per fault per core, in
#     instructions), compare-smp.md (beside faultline's smp.csv when
#     COMPARE_DIR has one of the same shape).
#   ICOUNT=0: parallel TCG (-accel tcg,thread=multi) at SMP_TCG_CPUS (2),
#     SMP_RUNS runs of SMP_SECS seconds: COMPARE_DIR/linux-smp-rate.csv,
#     faults/s per core and in total, emulated host time.
# SMP_FL: faultline's CSV of the same shape, put beside Linux's in the
# table when it exists (default COMPARE_DIR/smp.csv, where make bench-smp
# writes). SMP_THP: never, always or both (the program sets sysfs); SMP_MEM: QEMU's
# RAM (4 tasks x 128 MiB must fit); SMP_ARGS: more program words (mb=16
# for a short run). Under icount the machine also gets SMP_RTC, -rtc
# clock=vm at a fixed base, so the guest's wall clock does not come from
# the host's; SMP_DTB_RANDOMNESS=on puts QEMU's random kaslr-seed and
# rng-seed back in the device tree (for the repeatability experiments of
# docs/compare.md).
SMP_CPUS ?= 1 2 4
SMP_TCG_CPUS ?= 2
SMP_THP ?= both
SMP_MEM ?= 1G
SMP_RUNS ?= 10
SMP_SECS ?= 1
SMP_ARGS ?=
# faultline's side, when there: make bench-smp's smp.csv (same columns).
SMP_FL ?= $(COMPARE_DIR)/smp.csv
smp_comma := ,
SMP_RTC ?= -rtc base=2026-01-01T00:00:00,clock=vm
SMP_DTB_RANDOMNESS ?= off
smp_cpu_list = $(if $(filter 1,$(ICOUNT)),$(SMP_CPUS),$(SMP_TCG_CPUS))
smp_block = $(if $(filter 1,$(ICOUNT)),linux-smp,linux-smp-rate)
smp_out = $(LINUX_DIR)/out/smp-$(MODE)-$(1)
smp_csv = $(COMPARE_DIR)/$(smp_block).csv
# One boot at $(1) CPUs.
smp_boot = $(call progress,compare-smp,$(words $(smp_cpu_list)),Linux -smp $(1) $(MODE)) \
	rm -rf $(call smp_out,$(1)); \
	$(PYTHON) -m tools.qemu run --qemu $(QEMU) \
	--kernel "$$img" --qemu-arg=-initrd --qemu-arg=$(LINUX_INITRD) \
	--board-args "$(subst -m $(MEM),-m $(SMP_MEM),$(QEMU_BOARD_ARGS)) -smp $(1) \
		$(if $(filter 1,$(ICOUNT)),$(SMP_RTC),-accel tcg$(smp_comma)thread=multi)" \
	--machine-opt dtb-randomness=$(SMP_DTB_RANDOMNESS) \
	$(if $(filter 1,$(ICOUNT)),--icount) \
	--append "$(call LINUX_APPEND,,$(LINUX_REF_CONFIG)) run=smp thp=$(SMP_THP) \
		$(if $(filter 1,$(ICOUNT)),,runs=$(SMP_RUNS) secs=$(SMP_SECS)) $(SMP_ARGS)" \
	--timeout $(COMPARE_TIMEOUT) --log $(LINUX_DIR)/log/linux-smp-$(MODE)-$(1).log \
	--csv-dir $(call smp_out,$(1)) --name "linux smp $(1) $(MODE) $(BOARD) $(CPU) $(SMP_MEM)" \
	|| exit 1;

.PHONY: compare-smp
compare-smp: deps $(LINUX_INITRD) linux-kernel
	@mkdir -p $(COMPARE_DIR) $(LINUX_DIR)/log
	@img=$$(tools/linux/fetch-kernel.sh $(LINUX_CACHE)) || exit 1; t0=$$(date +%s); k=0; \
	$(foreach n,$(smp_cpu_list),$(call smp_boot,$(n))) \
	$(PYTHON) -m tools.compare --merge $(smp_csv) \
		$(foreach n,$(smp_cpu_list),$(call smp_out,$(n))/$(smp_block).csv) && \
	$(RESULTS_PY) stamp --qemu $(QEMU) $(smp_csv) >/dev/null && \
	$(PYTHON) -m tools.compare_smp $(smp_csv) \
		$(if $(filter 1,$(ICOUNT)),$$(test -r $(SMP_FL) && echo --faultline $(SMP_FL) \
			--plot $(COMPARE_DIR)/compare-$(smp_block).svg)) \
		-o $(COMPARE_DIR)/compare-$(smp_block).md

# Tier: host tests of tools/compare.py, the self-check, then make compare
# on the small suite, all three Linux configurations, into a scratch
# directory; the CSVs and the table must exist and parse, every Linux row must have counted PMCCNTR_EL0 in
# instructions with its command line recorded (tools/compare.py --check
# --linux-counter pmccntr), and each configuration's command line must hold
# its own words. Four Linux boots and one faultline boot under ICOUNT=1.
# Then make compare-pagesize on cortex-a76 with two boots: the 4K kernel
# with 64K folios, whose seq write must have mapped folios (fewer faults
# than 4 KiB touches, anon_fault_alloc grown, every fault accounted for:
# tools/compare.py --pagesize --check), and the 16K kernel without folios,
# whose rows must all say granule=16k (tools/compare.py --expect); and one
# faultline boot, GRANULE=16k with 64K folios, whose rows --check holds to
# the same rules and whose folio column must say 64k. Last, one
# make compare-smp boot at -smp 2 (16 MiB per task, THP never), whose rows
# tools/compare_smp.py --check holds to a real run's (instructions, peers
# parked, every core of every case, every first write a fault) with the
# kernel's CRNG seeded.
TEST_TIERS += test-compare
COMPARE_TEST_DIR := build/test/compare
test-compare:
	@mkdir -p build/test; rm -rf $(COMPARE_TEST_DIR); tools/tier.sh test-compare start; \
	tools/tier.sh test-compare check tests/unit/test_compare.py \
		$(PYTHON) -m unittest -q tests/unit/test_compare.py; \
	tools/tier.sh test-compare check compare-envcheck \
		$(MAKE) --no-print-directory compare-envcheck ICOUNT=1; \
	tools/tier.sh test-compare check "compare SUITE=small" sh -c '\
	   $(MAKE) --no-print-directory compare SUITE=small ICOUNT=1 \
		COMPARE_DIR=$(COMPARE_TEST_DIR) LINUX_CONFIGS="$(LINUX_CONFIGS)" && \
	   $(PYTHON) -m tools.compare --check --linux-counter pmccntr \
		$(COMPARE_FL_DIR)/small.csv \
		$(foreach c,$(LINUX_CONFIGS),$(call linux_csv_in,$(COMPARE_TEST_DIR),small,$(c))) \
		$(COMPARE_TEST_DIR)/compare-small.md'; \
	tools/tier.sh test-compare check "each Linux configuration's command line in its rows" sh -c '\
	   grep -q " nokaslr .*config=nokaslr" $$0/linux-small.csv && \
	   ! grep -q nokaslr $$0/linux-small-shipped.csv && \
	   grep -q " nokaslr mitigations=off .*config=mitigations-off" $$0/linux-small-mitigations-off.csv' \
		$(COMPARE_TEST_DIR); \
	tools/tier.sh test-compare check "compare-pagesize (4k 64k, 16k none; faultline 16k 64k)" sh -c '\
	   $(MAKE) --no-print-directory compare-pagesize ICOUNT=1 CPU=cortex-a76 \
		COMPARE_DIR=$$0 LINUX_GRANULES="4k 16k" \
		LINUX_FOLIOS_4k=64k LINUX_FOLIOS_16k=none \
		PAGESIZE_FL_GRANULES=16k PAGESIZE_FL_FOLIOS_16k=64k && \
	   $(PYTHON) -m tools.compare --pagesize --check \
		$$0/compare-pagesize-small.md --faultline $$0/faultline-pagesize-small.csv \
		$$0/linux-pagesize-small.csv && \
	   $(PYTHON) -m tools.compare --expect folio=64k $$0/faultline-pagesize-small.csv && \
	   grep -q "^| 16k | 64k | not run on Linux | .* | [0-9,]* | [0-9,]* | - |\$$" \
		$$0/compare-pagesize-small.md && \
	   $(PYTHON) -m tools.compare --expect granule=16k \
		$(LINUX_DIR)/out/pagesize-16k-none/linux-small.csv && \
	   $(PYTHON) -m tools.compare --expect folio=64k \
		$(LINUX_DIR)/out/pagesize-4k-64k/linux-small.csv' $(COMPARE_TEST_DIR); \
	tools/tier.sh test-compare check "compare-smp -smp 2 (16 MiB per task, thp=never)" sh -c '\
	   $(MAKE) --no-print-directory compare-smp ICOUNT=1 SMP_CPUS=2 SMP_THP=never \
		SMP_ARGS=mb=16 COMPARE_DIR=$$0/smp && \
	   $(PYTHON) -m tools.compare_smp --check $$0/smp/linux-smp.csv \
		$$0/smp/compare-linux-smp.md && \
	   $(PYTHON) -m tools.compare --expect crng=seeded $$0/smp/linux-smp.csv' $(COMPARE_TEST_DIR); \
	tools/tier.sh test-compare end
