# Tier test-guest: the in-guest suite (run=tests, KTAP) on QEMU virt across
# CPU models, RAM sizes, entry exception levels and both compilers. Each run
# has a timeout and writes its verdict line to build/test/guest/<run>.result;
# the count recorded is of runs: "<runs passed> <runs failed>".
#
#   run      kernel  CPU          RAM   entry
#   a53      gcc     cortex-a53   512M  EL1 (-kernel)
#   a57      gcc     cortex-a57   512M  EL1
#   a72      gcc     cortex-a72   512M  EL1
#   a76      gcc     cortex-a76   512M  EL1
#   max      gcc     max          512M  EL1
#   128m     gcc     cortex-a72   128M  EL1
#   4g       gcc     cortex-a72   4G    EL1
#   el2      gcc     cortex-a57   512M  EL2 (virtualization=on)
#   el3      gcc     cortex-a53   512M  EL3 (secure=on, loader stub: -kernel
#                                       never enters at EL3)
#   clang    clang   cortex-a72   512M  EL1
#   debug    gcc     cortex-a72   512M  EL1, DEBUG=1 kernel: freed pages
#                                       poisoned, double frees caught
#   icount   gcc     cortex-a72   512M  EL1, -icount shift=0: the PMU's
#                                       INST_RETIRED event is offered
#   6m       gcc     cortex-a72   6M    EL1: tests that lack RAM (100,000
#                                       VMAs, a 512-page run) skip, saying why
#   nopmu    gcc     max,pmu=off  512M  EL1: tests timed with PMCCNTR_EL0 skip
#   smp4     gcc     cortex-a53   512M  EL3 (secure=on, loader stub), -smp 4,
#                                       -icount: the secondaries enter the
#                                       image too and must be held (WFI)
#                                       without taking the boot CPU's time
#   16k      gcc     cortex-a76   512M  EL1, GRANULE=16k kernel (faults
#                                       must map 32 MiB blocks)
#   64k      gcc     cortex-a76   512M  EL1, GRANULE=64k kernel: less free
#                                       RAM than one 512 MiB block, so
#                                       faults must fall back to pages
#   64k-2g   gcc     cortex-a76   2G    EL1, GRANULE=64k kernel: room for
#                                       512 MiB blocks, which faults must map
#   64k-a53  gcc     cortex-a53   512M  EL1, GRANULE=64k kernel (an A53 has
#                                       64K but no 16K granule)
#   smp      gcc     cortex-a72   512M  EL1, -smp 4, cpus=all: four CPUs
#                                       started by PSCI CPU_ON (test_smp,
#                                       test_smp_stress), in parallel TCG:
#                                       the cores truly race
#   smp-icount gcc   cortex-a72   512M  the same under -icount (one host
#                                       thread runs the four in turn: every
#                                       wait must be WFE)
#   smp-a76  gcc     cortex-a76   512M  the same (icount) on an LSE core
#                                       (the exclusives forced too)
#   smp-clang clang  cortex-a72   512M  the same (icount), clang's kernel
#   smp-16k  gcc     cortex-a76   512M  the same (icount), GRANULE=16k
#   smp-64k  gcc     cortex-a76   512M  the same (icount), GRANULE=64k
#   smp-clang-16k, smp-clang-64k  clang's kernels at 16 and 64 KiB (icount)
#   smp-el2  gcc     cortex-a57   512M  the same (icount) entered at EL2
#                                       (CPU_ON by SMC; each secondary
#                                       drops from EL2)
# (Parallel TCG with four vCPUs on a 2-core host takes a minute a run,
# mostly in QEMU's stop-the-world for each broadcast TLBI: one such run;
# the others under -icount take seconds and are deterministic.)
#
# make test-guest GUEST_RUNS="a53 4g" runs a subset.

GUEST_RUNS ?= a53 a57 a72 a76 max 128m 4g el2 el3 clang debug icount 6m nopmu smp4 \
	16k 64k 64k-2g 64k-a53 smp smp-a76 smp-clang smp-16k smp-64k smp-icount smp-el2 \
	smp-clang-16k smp-clang-64k
GUEST_TIMEOUT ?= 90
GUEST_OUT := build/test/guest

guest_cpu_a53 := cortex-a53
guest_cpu_a57 := cortex-a57
guest_cpu_a76 := cortex-a76
guest_cpu_max := max
guest_cpu_el2 := cortex-a57
guest_cpu_el3 := cortex-a53
guest_cpu_nopmu := max,pmu=off
guest_cpu_smp4 := cortex-a53
guest_mem_128m := 128M
guest_mem_4g := 4G
guest_mem_6m := 6M
guest_opts_el2 := --machine-opt virtualization=on
guest_opts_el3 := --machine-opt secure=on --entry loader
guest_opts_icount := --icount
guest_opts_smp4 := --machine-opt secure=on --entry loader --icount
guest_smp_smp4 := 4
guest_cpu_16k := cortex-a76
guest_cpu_64k := cortex-a76
guest_cpu_64k-2g := cortex-a76
guest_mem_64k-2g := 2G
guest_cpu_64k-a53 := cortex-a53
guest_build_clang := build/qemu-virt-clang
guest_build_debug := build/qemu-virt-debug
guest_build_16k := build/qemu-virt-16k
guest_build_64k := build/qemu-virt-64k
guest_build_64k-2g := build/qemu-virt-64k
guest_build_64k-a53 := build/qemu-virt-64k

guest_smp_smp := 4
guest_timeout_smp := 240 # parallel TCG, four vCPUs on what the host has left
guest_smp_smp-a76 := 4
guest_smp_smp-clang := 4
guest_smp_smp-16k := 4
guest_smp_smp-64k := 4
guest_smp_smp-icount := 4
guest_cpu_smp-a76 := cortex-a76
guest_cpu_smp-16k := cortex-a76
guest_cpu_smp-64k := cortex-a76
guest_build_smp-clang := build/qemu-virt-clang
guest_build_smp-16k := build/qemu-virt-16k
guest_build_smp-64k := build/qemu-virt-64k
guest_opts_smp-icount := --icount
$(foreach r,smp-a76 smp-clang smp-16k smp-64k smp-clang-16k smp-clang-64k,$(eval guest_opts_$(r) := --icount))
guest_smp_smp-clang-16k := 4
guest_smp_smp-clang-64k := 4
guest_cpu_smp-clang-16k := cortex-a76
guest_cpu_smp-clang-64k := cortex-a76
guest_build_smp-clang-16k := build/qemu-virt-clang-16k
guest_build_smp-clang-64k := build/qemu-virt-clang-64k
guest_smp_smp-el2 := 4
guest_cpu_smp-el2 := cortex-a57
guest_opts_smp-el2 := --machine-opt virtualization=on --icount
$(foreach r,smp smp-a76 smp-clang smp-16k smp-64k smp-icount smp-el2 smp-clang-16k smp-clang-64k,$(eval guest_args_$(r) := run=tests cpus=all))

guest_img = $(or $(guest_build_$(1)),build/qemu-virt)/faultline.img

.PHONY: test-guest guest-kernels guest-runs
TEST_TIERS += test-guest

# Both kernels are built (-Werror) whatever runs are selected.
guest-kernels:
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=clang kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc DEBUG=1 kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc GRANULE=16k kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc GRANULE=64k kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=clang GRANULE=16k kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=clang GRANULE=64k kernel

test-guest: guest-kernels
	@rm -rf $(GUEST_OUT); mkdir -p $(GUEST_OUT)
	@$(MAKE) --no-print-directory -j2 BOARD=qemu-virt guest-runs
	@tools/tier.sh test-guest start; \
	tools/tier.sh test-guest results $(patsubst %,$(GUEST_OUT)/%.result,$(GUEST_RUNS)); \
	tools/tier.sh test-guest end "QEMU runs; logs in $(GUEST_OUT)"

guest-runs: $(patsubst %,$(GUEST_OUT)/%.result,$(GUEST_RUNS))

# One run: never fails the make (so -j2 finishes the others); the verdict
# line is both printed and kept in the .result file.
$(GUEST_OUT)/%.result:
	@mkdir -p $(dir $@)
	@$(PYTHON) -m tools.qemu run --tests --name "guest $*" \
		--qemu $(QEMU) --kernel $(call guest_img,$*) \
		--board-args "-machine $(QEMU_MACHINE) -cpu $(or $(guest_cpu_$*),cortex-a72) -m $(or $(guest_mem_$*),512M) -smp $(or $(guest_smp_$*),1)" \
		$(guest_opts_$*) --append "$(or $(guest_args_$*),run=tests)" --timeout $(or $(guest_timeout_$*),$(GUEST_TIMEOUT)) \
		--log $(GUEST_OUT)/$*.log > $@ 2>&1; cat $@
