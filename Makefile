# faultline: build, run, test and benchmark. See README.md for the commands.
#
#   make [BOARD=b] [TOOLCHAIN=gcc|clang]   build build/<b>/faultline.{elf,img}
#   make run|debug BOARD=b ARGS="..."      boot one board in QEMU
#   make test                              every test tier (what .ci/run calls)
#   make bench / make compare              benchmarks (see bench/rules.mk)
#   make help                              the commands and variables
#
# Each folder owns its rules in a rules.mk fragment included below.

BOARD     ?= qemu-virt
TOOLCHAIN ?= gcc
BOOT      ?= direct
SUITE     ?= default
ARGS      ?=

ifeq ($(wildcard configs/$(BOARD).mk),)
$(error unknown BOARD '$(BOARD)': one of $(patsubst configs/%.mk,%,$(wildcard configs/*.mk)))
endif
include configs/$(BOARD).mk

# DEBUG=1: freed pages are poisoned and double frees caught (FAULTLINE_DEBUG).
DEBUG     ?= 0

# GRANULE: the translation granule, Linux's CONFIG_ARM64_{4K,16K,64K}_PAGES.
# It sets GRANULE_SHIFT of arch/aarch64/include/arch/page.h (12, 14, 16),
# from which the page size, the table levels, TCR_EL1.TG0/TG1, the linear
# map's blocks, the linker script's alignments and the Image header's page
# size flag all follow. Builds other than 4k go to build/<board>-<granule>.
GRANULE   ?= 4k
granule_shift_4k  := 12
granule_shift_16k := 14
granule_shift_64k := 16
GRANULE_SHIFT := $(granule_shift_$(GRANULE))
ifeq ($(GRANULE_SHIFT),)
$(error GRANULE must be 4k, 16k or 64k, not '$(GRANULE)')
endif
GRANULE_BYTES := $(shell echo $$((1 << $(GRANULE_SHIFT))))
BUILD_SUFFIX := $(if $(filter-out 4k,$(GRANULE)),-$(GRANULE))$(if $(filter 1,$(DEBUG)),-debug)

ifeq ($(TOOLCHAIN),gcc)
CROSS   ?= aarch64-linux-gnu-
KCC     := $(CROSS)gcc
KLD     := $(CROSS)ld
BUILD   ?= build/$(BOARD)$(BUILD_SUFFIX)
else ifeq ($(TOOLCHAIN),clang)
KCC     := clang --target=aarch64-linux-gnu
KLD     := ld.lld
BUILD   ?= build/$(BOARD)-clang$(BUILD_SUFFIX)
else
$(error TOOLCHAIN must be gcc or clang, not '$(TOOLCHAIN)')
endif
# ICOUNT: 1 (or yes, on) runs QEMU with -icount shift=0,sleep=off, mode
# icount: one counter tick is one retired instruction, deterministic. 0 (or
# no, off) runs plain TCG, mode tcg: PMCCNTR_EL0 then follows host time, so
# its counts are host-time ticks, not cycles. Default 1 for the benchmark
# commands (BENCH_GOALS), 0 for run, debug and the test tiers (which say
# what they need). Anything else is refused.
BENCH_GOALS := bench bench-granules bench-smp compare compare-pagesize compare-smp anatomy \
	anatomy-smp lava lava-jobs results results-bench
ICOUNT ?= $(if $(filter $(BENCH_GOALS),$(MAKECMDGOALS)),1,0)
icount_on  := 1 yes on true
icount_off := 0 no off false
override ICOUNT := $(strip $(if $(filter-out 1,$(words $(ICOUNT))),$(error ICOUNT must be 1 (yes, on) or 0 (no, off), not '$(ICOUNT)'),\
	$(if $(filter $(icount_on),$(ICOUNT)),1,$(if $(filter $(icount_off),$(ICOUNT)),0,\
	$(error ICOUNT must be 1 (yes, on) or 0 (no, off), not '$(ICOUNT)')))))
MODE := $(if $(filter 1,$(ICOUNT)),icount,tcg)

# ARGS (the kernel command line) wins over the words a command gives by
# default (the kernel refuses a key given twice): args_over drops each
# default word whose key ARGS gives, then appends ARGS. suite= in ARGS is
# SUITE; mode= in ARGS must agree with ICOUNT.
arg_key    = $(firstword $(subst =, ,$(1)))
args_keys := $(foreach w,$(ARGS),$(call arg_key,$(w)))
args_value = $(patsubst $(1)=%,%,$(lastword $(filter $(1)=%,$(ARGS))))
args_over  = $(strip $(foreach w,$(1),$(if $(filter $(call arg_key,$(w)),$(args_keys)),,$(w))) $(ARGS))
ifneq ($(filter suite=%,$(ARGS)),)
ifeq ($(origin SUITE),command line)
ifneq ($(SUITE),$(call args_value,suite))
$(error SUITE=$(SUITE) and ARGS=suite=$(call args_value,suite) disagree: give one of them)
endif
endif
SUITE := $(call args_value,suite)
endif
ifneq ($(filter $(BENCH_GOALS),$(MAKECMDGOALS)),)
ifneq ($(filter mode=%,$(ARGS)),)
ifneq ($(call args_value,mode),$(MODE))
$(error ARGS=mode=$(call args_value,mode) disagrees with ICOUNT=$(ICOUNT) (mode $(MODE)): the mode follows ICOUNT (1: icount, 0: tcg); set ICOUNT instead)
endif
endif
endif

# A CPU without the granule is refused before the build (the kernel would
# stop at boot: CPU has no 16 KiB translation granule).
CPU_NO16K := cortex-a53 cortex-a57 cortex-a72
BOOT_GOALS := bench compare lava lava-jobs run debug
ifneq ($(filter $(BOOT_GOALS),$(MAKECMDGOALS)),)
ifeq ($(GRANULE)$(filter $(CPU_NO16K),$(CPU)),16k$(CPU))
$(error GRANULE=16k: CPU=$(CPU) has no 16 KiB translation granule (ID_AA64MMFR0_EL1.TGran16); use CPU=cortex-a76 or CPU=max$(if $(filter-out qemu-virt,$(BOARD)), on BOARD=qemu-virt ($(BOARD) fixes its CPU)))
endif
endif

# Where a user's runs go: build/results/<configuration>/, named for the
# board, CPU, granule, toolchain and mode (and MEM when given, DEBUG=1,
# BOOT=uboot), the suite in the file name: two configurations never share
# a file. The committed results/ (RESULTS_DIR) change only by `make results`.
RESULTS_BOARD = $(BOARD_NAME)$(if $(filter rpi%,$(BOARD)),-qemu)
RESULTS_DIR   = results/$(RESULTS_BOARD)
RUN_CONFIG    = $(RESULTS_BOARD)-$(CPU)-$(GRANULE)-$(TOOLCHAIN)-$(MODE)$(if \
	$(filter command line,$(origin MEM)),-$(MEM))$(if $(filter 1,$(DEBUG)),-debug)$(if $(filter uboot,$(BOOT)),-uboot)
RUN_DIR       = build/results/$(RUN_CONFIG)

empty :=
space := $(empty) $(empty)
OBJCOPY := aarch64-linux-gnu-objcopy
HOSTCC  ?= gcc
PYTHON  ?= /usr/bin/python3

# The build's identity, printed in the boot report and every CSV row: the
# commit, "-dirty" if sources differ from it (results/ does not count: a
# benchmark run rewrites it).
BUILD_ID := $(shell h=$$(git rev-parse --short HEAD 2>/dev/null) || { echo unknown; exit; }; \
	git diff --quiet HEAD -- . ':(exclude)results' 2>/dev/null && echo $$h || echo $$h-dirty)

# Warnings are errors for every build, kernel and host alike.
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter

# Kernel: freestanding, position independent (it relocates itself, so any
# 2 MiB-aligned load address works), general registers only (no FP/SIMD state
# to save on exceptions), strict alignment (accesses run before the MMU is on).
# Every image may run on a Cortex-A53 (Raspberry Pi 3, QEMU -cpu cortex-a53),
# so all are built with the workarounds for its errata 835769 (a NOP between
# a load/store and a 64-bit multiply-accumulate; tools/a53check.py checks the
# result) and 843419 (the linker rewrites an ADRP at 0xff8/0xffc of a page
# followed by the load/store sequence that can compute a wrong address).
# Debian's gcc passes --fix-cortex-a53-843419 to the linker by default, but
# only when it links; we call ld directly, so it is given here.
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(KCC) -print-file-name=include) \
	-fpie -fno-plt -mgeneral-regs-only -mstrict-align -fno-stack-protector \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-common \
	-mfix-cortex-a53-835769 \
	-ffunction-sections -fdata-sections \
	-include boot/visibility.h -I. -Iarch/aarch64/include $(BOARD_DEFINES) \
	-DFAULTLINE_BOARD=\"$(BOARD_NAME)\" -DFAULTLINE_BUILD_ID=\"$(BUILD_ID)\" \
	-DGRANULE_SHIFT=$(GRANULE_SHIFT) -DFAULTLINE_GRANULE=\"$(GRANULE)\" \
	$(if $(filter 1,$(DEBUG)),-DFAULTLINE_DEBUG) -MMD -MP
KASFLAGS := $(KCFLAGS) -D__ASSEMBLY__
KLDFLAGS := -nostdlib -pie --no-dynamic-linker -z max-page-size=$(GRANULE_BYTES) \
	-z noexecstack --gc-sections --fix-cortex-a53-843419 \
	--defsym=GRANULE_SIZE=$(GRANULE_BYTES) -T boot/linker.ld

# Sources, declared per folder (as xv6's OBJS): a file not listed here is
# not built. The kernel links every group; the host tests link the portable
# ones (mm/, lib/ without string.c, bench/) with arch/fake and the host's
# bench environment (tests/unit/rules.mk), and never see arch/aarch64,
# boot/, board/ or bench/kernel/.
ARCH_SRC  := $(addprefix arch/aarch64/,atomic.c cache.S cpuid.c esr.c exception.c expect.c \
	gic.c mmu.c pmu.c psci.c semihost.c smp.c stop.c timer.c tlb.c vectors.S zero.S)
BOOT_SRC  := $(addprefix boot/,entry.S main.c ram.c)
BOARD_SRC := $(addprefix board/,board.c gpio.c mailbox.c miniuart.c pl011.c)
MM_SRC    := $(addprefix mm/,brk.c cut.c fault.c mm.c mm_lock.c mmap.c objpool.c page_alloc.c \
	percpu.c pgtable.c rbtree.c segv.c vma.c)
LIB_SRC   := $(addprefix lib/,cmdline.c console.c dt.c errno.c fdt.c lockstat.c parse.c \
	printf.c reason.c string.c)
BENCH_SRC := $(addprefix bench/,anatomy.c args.c csv.c patterns.c stats.c suite.c)
BENCH_KERNEL_SRC := $(addprefix bench/kernel/,anatomy_smp.c env_kernel.c floors.c main.c smp_bench.c \
	smp_churn.c smp_park.c smp_rate.c smp_shootdown.c smp_stats.c vmascale.c)
GUEST_TEST_SRC := $(addprefix tests/guest/,ktest.c test_alloc.c test_bench.c test_board.c \
	test_cache.c test_folio.c test_gic.c test_thp.c test_mm.c test_mmu.c test_percpu.c test_pmu.c \
	test_smp.c test_smp_stress.c test_traps.c)
FAKE_SRC  := $(addprefix arch/fake/,cpu.c mmu.c ram.c sched.c)

KSRC := $(ARCH_SRC) $(BOOT_SRC) $(BOARD_SRC) $(MM_SRC) $(LIB_SRC) $(BENCH_SRC) \
	$(BENCH_KERNEL_SRC) $(GUEST_TEST_SRC)
KOBJ := $(patsubst %,$(BUILD)/obj/%.o,$(KSRC))
# lib/string.c provides memset & co. for the kernel; the host has libc's.
HOST_SRC := $(MM_SRC) $(filter-out lib/string.c,$(LIB_SRC)) $(BENCH_SRC) \
	bench/env_host.c $(FAKE_SRC)

# Output for people, as kbuild: one line per file built ("  CC      mm/fault.c");
# V=1 prints the full commands instead. A recipe line starts with
# $(Q)$(call say,WHAT,FILE) then the command.
V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = printf '  %-7s %s\n' '$(1)' '$(2)';
endif

.PHONY: all kernel clean help
all: kernel

# make help: the user-facing targets and variables, one line each, grouped.
help:
	@printf '%s\n' \
	'Build and run' \
	'  make                      build build/<board>[-clang][-<granule>]/faultline.{elf,img}' \
	'  make run ARGS="..."       boot one board in QEMU, console on the terminal (Ctrl-A X quits)' \
	'  make debug                the same, halted, gdb-multiarch attached' \
	'  make sdcard               Raspberry Pi boot files and a FAT image (BOARD=rpi3|rpi4)' \
	'  make clean                remove build/' \
	'Benchmarks (write under build/results/<board>-<cpu>-<granule>-<toolchain>-<mode>/)' \
	'  make bench                the suite under ICOUNT: <suite>.csv, .raw.csv, plots, headline table' \
	'  make bench-granules       guard and folio suites at 4k, 16k, 64k on cortex-a76, folio-granules.svg' \
	'  make compare              the suite on Debian'"'"'s Linux in the same QEMU, side by side' \
	'  make compare-pagesize     Linux and faultline across granules and folio sizes' \
	'  make bench-smp            suite=smp at -smp 4, cpus=all: per-core fault cost at 1, 2, 4 cores' \
	'  make bench-smp-tcg        suite=smp smp=rate: faults/s per core, 10 boots at -smp 2 under parallel TCG (ICOUNT=0)' \
	'  make compare-smp          the SMP cases on Linux at -smp 1 2 4 (ICOUNT=0: faults/s, parallel TCG)' \
	'  make anatomy              every instruction of one fault of each kind, faultline and Linux' \
	'  make anatomy-smp          faults on 2 and 4 cores at once, per core: instructions, barriers, shared lines' \
	'  make bench-extract LOG=f  the CSVs and plots of a console log from hardware' \
	'  make lava                 the qemu-virt job under lava-run (root); make lava-jobs: the job files' \
	'  make results              regenerate the committed results/ (hours; the only writer of results/)' \
	'Tests' \
	'  make test                 every tier (what .ci/run calls)' \
	'  make test-<tier>          one tier: $(TEST_TIERS)' \
	'Variables' \
	'  BOARD=qemu-virt|rpi3|rpi4|rpi5   the board (default qemu-virt)' \
	'  CPU=cortex-a72|...        QEMU CPU model (qemu-virt; 16k needs cortex-a76 or max)' \
	'  MEM=512M|2G|...           QEMU RAM (make bench: 2G)' \
	'  SMP=N                     QEMU virt CPUs, -smp (default: from cpus= in ARGS, else 1)' \
	'  GRANULE=4k|16k|64k        translation granule (default 4k)' \
	'  TOOLCHAIN=gcc|clang       compiler (default gcc)' \
	'  ICOUNT=1|0                1: -icount, counts are instructions (benchmark default); 0: TCG, host-time ticks' \
	'  SUITE=default|small|folio|guard  benchmark suite (or ARGS=suite=...)' \
	'  ARGS="k=v ..."            kernel command line; wins over the words a command gives by default' \
	'  BOOT=direct|uboot         boot chain' \
	'  DEBUG=1                   page poisoning and double-free checks' \
	'  SMP_MM=0                  leave the host tests of mm/ on several fake CPUs (fuzz_interleave, test_mm_smp_tsan) out of make test' \
	'  V=1                       print full build commands' \
	'  BENCH_OUT=dir             where make bench writes (default build/results/<configuration>)' \
	'  COMPARE_DIR=dir           where make compare writes; COMPARE_CPU_HZ=Hz for counts in cycles' \
	'See README.md and docs/contract.md.'

kernel: $(BUILD)/faultline.img

$(BUILD)/obj/%.c.o: %.c Makefile configs/$(BOARD).mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC,$<)$(KCC) $(KCFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S Makefile configs/$(BOARD).mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,AS,$<)$(KCC) $(KASFLAGS) -c $< -o $@

# The objects that print BUILD_ID depend on a stamp rewritten only when it
# changes (kbuild's if_changed): a new commit relabels the next build.
BUILD_ID_STAMP := $(BUILD)/build-id
$(BUILD_ID_STAMP): FORCE
	@mkdir -p $(dir $@); echo '$(BUILD_ID)' | cmp -s - $@ 2>/dev/null || echo '$(BUILD_ID)' > $@
$(BUILD)/obj/boot/main.c.o $(BUILD)/obj/bench/kernel/main.c.o: $(BUILD_ID_STAMP)
.PHONY: FORCE
FORCE:

$(BUILD)/faultline.elf: $(KOBJ) boot/linker.ld Makefile
	$(Q)$(call say,LD,$@)$(KLD) $(KLDFLAGS) -o $@ $(KOBJ)

$(BUILD)/faultline.img: $(BUILD)/faultline.elf
	$(Q)$(call say,OBJCOPY,$@)$(OBJCOPY) -O binary $< $@
	$(Q)$(PYTHON) -m tools.imgcheck --page-size $(GRANULE_BYTES) $@ $<
	$(Q)$(PYTHON) -m tools.a53check $<

clean:
	rm -rf build

-include $(KOBJ:.o=.d)

# Per-folder rules: each must exist (a renamed fragment breaks the build
# instead of silently dropping its tier).
include tools/rules.mk
include tests/unit/rules.mk
include tests/fuzz/rules.mk
include tests/guest/rules.mk
include tests/expect/rules.mk
include boot/rules.mk
include bench/rules.mk
include tools/linux/rules.mk
include tools/anatomy/rules.mk
include tools/lava/rules.mk
include tests/install/rules.mk

# ---------------------------------------------------------------------------
# make test: every tier runs, each records "<passed> <failed>" in
# build/test/<tier>.count, and the summary fails if any tier failed or did
# not record. Fragments add their tier with TEST_TIERS += test-<name>.
.PHONY: test deps
deps:
	@tools/deps.sh

test: deps
	@rm -rf build/test; mkdir -p build/test
	@for t in $(TEST_TIERS); do \
		echo "=== $$t"; \
		$(MAKE) --no-print-directory $$t || echo "$$t" >> build/test/failed-tiers; \
	done; \
	tools/test-summary.sh $(TEST_TIERS)
