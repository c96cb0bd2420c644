# Tier test-expect: console-expect tests. Each tests/expect/*.exp boots the
# gcc qemu-virt kernel as it says (command line, RAM, CPU, -icount, entry,
# device tree) and checks the console and exit code (directives: see
# the format in tools/expect.py). The count is of cases.
#
# What is covered where (device trees): QEMU's -dtb refuses blobs with a bad
# header and rewrites /memory and /chosen, so the broken trees below are
# booted through the loader stub of tools/loader.py, which hands the kernel any
# blob in x0 (or x0 = 0: no tree). The base tree is QEMU's own (dumpdtb),
# edited with fdtput; malformed structure blocks beyond these are covered by
# the host unit tests of the reader (tests/unit).
#
#   dtb-good        the loader path itself boots (control for the others)
#   dtb-none        x0 = 0
#   dtb-badmagic    header magic 0xd00dfeed broken
#   dtb-truncated   only the first half of the blob is in memory
#   dtb-nomem       no memory node
#   dtb-zeromem     memory node with a zero size
#   dtb-badcells    root #address-cells = 7
#   dtb-allreserved /reserved-memory covers all of RAM
#   granule-16k-a72 a GRANULE=16k kernel on a Cortex-A72 (no 16K granule:
#                   ID_AA64MMFR0_EL1.TGran16 = 0) stops with the reason
#   granule-16k-a76 the same kernel boots on a Cortex-A76, granule=16k
#   psci-smc-*      /psci method = "smc" on a machine without EL3 (QEMU
#                   answers PSCI by HVC only), semihosting off so the kernel
#                   must power off by PSCI: the probe falls back to HVC
#   psci-smc-el3    entered at EL3 (no EL2), method "smc": SMC refused by
#                   name (nothing above EL3), HVC faults, semihosting exits
#   psci-el3-owned  entered at EL3 with EL2: SMC and HVC both refused,
#                   semihosting powers off
#   psci-hvc-el2    entered at EL2, method "hvc": HVC refused by name, SMC
#   dtb-big         1.9 MB: 40,000 /reserved-memory children (20 with reg);
#                   parsed in one pass, boots within the timeout
#   dtb-uart-*      the console UART unmapped (0x09100000), beyond the board's
#                   devices (2^42), beyond PARange (2^50), at 0, on the GIC,
#                   misaligned, in RAM, in RAM through a bus's "ranges", on
#                   the PL031 RTC (PrimeCell part 0x031), on virtio-mmio (no
#                   PrimeCell ID): a
#                   warning naming why, then the fallback UART
#   dtb-uart-{rtc,gpio,virtio}-periphid  the console UART on the RTC, the
#                   PL061 GPIO or virtio-mmio with a PL011's
#                   arm,primecell-periphid in the node: the ID registers
#                   (or, without them, UARTIMSC keeping a write) decide, not
#                   the override: refused by name, the fallback UART
#   pi-*            Raspberry Pi 3 (raspi3b, the rpi3 kernel, board:
#                   directive), its own tree edited: the mailbox node on
#                   the GPIO block (status reads 0), 4 bytes off its
#                   window, in RAM through /soc "ranges" (mailbox refused
#                   by name, the run goes on without it); the mini UART
#                   console on the GPIO block (its IIR/LSR say no mini
#                   UART) and the PL011 console on it (no ID registers,
#                   UARTIMSC keeps no write): refused, fallback PL011
#   dtb-banks       banks at 0 (flash), overlapping, sub-page, beyond PARange
#                   and beyond 48 bits beside a good one: a line for each
#   dtb-bigbank     a bank larger than the RAM behind it: trimmed
#   dtb-bank-pcie   a 1 TiB bank whose tail covers virt's high PCIe window
#                   (pcie@10000000 "ranges"): cut there unprobed, then the
#                   write/read-back probe ends it at the real RAM's end
#   dtb-bank-nopcie the same without the PCIe node: the probe alone ends it
#   dtb-bank-uart   a bank on the PL011's registers: skipped before any
#                   write reaches them
#   dtb-nobank      every bank unusable: status=fail
#   dtb-outside     the blob lies outside the RAM the tree describes
#   dtb-straddle    the blob runs past the end of the RAM the tree describes
#   dtb-pastram     the blob's totalsize runs past the end of physical RAM
#                   (placed in the last page, dtb-addr)
#   dtb-nomap       a /reserved-memory "no-map" region, run=tests: the
#                   in-guest mmu_nomap_unmapped checks it is not mapped
#   arg-folio-suite-64k  suite=folio on a 64K kernel with 256 MiB: each write
#                   case does not fit (a folio or block per touch), and the run fails
#   arg-folio-nofit folio=1m on stride-512: a folio per touch does not fit
#   arg-bench-keys-* run=bench keys no selected case uses warn (pages=,
#                   iters=, stages=, step=, folio=, thp= on find_vma; folio=
#                   on a case's own folio, vmas=, seed=, thp= on small regions)
#   arg-unknown-key-lists  an unknown key's reason lists the keys
#   arg-pattern-none       a pattern= matching nothing lists the suite's patterns
#   dtb-nomap-blob  a no-map region over the blob itself (run=tests, a
#                   second key): said on the console, the command line read
#                   from the copy made before the MMU went on
#   dtb-nomap-image a no-map region over the kernel image: mapped anyway,
#                   with a warning
#   smp-*, arg-cpus-*  cpus= (arch/aarch64/smp.c): 0, not a number, above
#                   NR_CPUS, above the tree; a tree without CPU nodes
#                   (cpus=all: the boot CPU only, said; cpus=2 fails); CPU
#                   nodes that lie (a reg PSCI CPU_ON refuses, an unknown
#                   enable-method, two nodes with one reg: the second
#                   CPU_ON answers ALREADY_ON); spin-table release addresses
#                   outside RAM, in the image, in the allocator's RAM, and a
#                   good one nobody reads (the bounded wait); on the Pi, a
#                   release address outside RAM; a "psci" CPU where no
#                   conduit answers (secure=on). Each a named reason and
#                   status=fail, never a hang; cpus=all on -smp 2 boots both
#   bench-smp-*     suite=smp: peers in WFI on -smp 4 (every CPU's SGI to
#                   itself arrives), in WFE on a GICv3 machine (said), a
#                   case that does not fit and counter=inst: named failures
#
# Tier test-runner: host tests of the tools package (tests/unit/test_runner.py),
# of the Cortex-A53 erratum check tools/a53check.py
# (tests/unit/test_a53check.py) and of the make interface (make -n and
# checks that stop before any build: tests/unit/test_make.py); the count is
# of Python test cases.

EXPECT_CASES ?= $(sort $(wildcard tests/expect/*.exp))
EXPECT_OUT := build/test/expect
EXPECT_DTB := $(EXPECT_OUT)/dtb
EXPECT_TIMEOUT ?= 30

.PHONY: test-expect expect-dtbs test-runner
TEST_TIERS += test-runner test-expect

RUNNER_TESTS := tests.unit.test_runner tests.unit.test_a53check tests.unit.test_results tests.unit.test_docnumbers \
	tests.unit.test_make

test-runner:
	@tools/tier.sh test-runner start; \
	for t in $(RUNNER_TESTS); do \
		rm -f build/test/runner-one.count; \
		$(PYTHON) -m $$t --count build/test/runner-one.count 2>&1 | tail -n 3; \
		if read tp tf < build/test/runner-one.count; then \
			tools/tier.sh test-runner add $$tp $$tf; else tools/tier.sh test-runner add 0 1; fi; \
	done; rm -f build/test/runner-one.count; \
	tools/tier.sh test-runner end "host tests of the tools package, tools/a53check.py and the make interface"

# QEMU's tree for the loader boots, with bootargs, and its broken variants.
# big.dtb is written by tests/expect/bigdtb.py (dtc cannot parse 40,000
# sibling nodes).
EXPECT_QEMU_DTB = timeout 30 $(QEMU) -machine virt,dumpdtb=$(1) -cpu cortex-a72 -m 512M -display none
expect-dtbs:
	@$(MAKE) --no-print-directory BOARD=rpi3 TOOLCHAIN=gcc build/rpi3/rpi3.dtb
	@rm -rf $(EXPECT_DTB); mkdir -p $(EXPECT_DTB); cd $(EXPECT_DTB) && \
	$(call EXPECT_QEMU_DTB,qemu.dtb) >/dev/null && \
	dtc -q -I dtb -O dtb -o good.dtb qemu.dtb && \
	fdtput -t s good.dtb /chosen bootargs "run=none" && \
	mem=$$(fdtget -l good.dtb / | grep '^memory@' | head -n 1) && \
	cp good.dtb nomem.dtb && fdtput -r nomem.dtb /$$mem && \
	cp good.dtb zeromem.dtb && fdtput -t x zeromem.dtb /$$mem reg 0 40000000 0 0 && \
	cp good.dtb badcells.dtb && fdtput -t u badcells.dtb / '#address-cells' 7 && \
	cp good.dtb allreserved.dtb && \
	fdtput -c allreserved.dtb /reserved-memory /reserved-memory/all@40000000 && \
	fdtput -t u allreserved.dtb /reserved-memory '#address-cells' 2 && \
	fdtput -t u allreserved.dtb /reserved-memory '#size-cells' 2 && \
	fdtput -t x allreserved.dtb /reserved-memory/all@40000000 reg 0 40000000 0 20000000 && \
	{ printf '\336\255\276\357'; tail -c +5 good.dtb; } > badmagic.dtb && \
	head -c $$(( $$(stat -c %s good.dtb) / 2 )) good.dtb > truncated.dtb && \
	cp good.dtb psci-smc.dtb && fdtput -t s psci-smc.dtb /psci method smc && \
	cp good.dtb psci-hvc.dtb && fdtput -t s psci-hvc.dtb /psci method hvc && \
	cp psci-smc.dtb psci-smc-badarg.dtb && \
	fdtput -t s psci-smc-badarg.dtb /chosen bootargs "run=nothing" && \
	$(PYTHON) $(CURDIR)/tests/expect/bigdtb.py good.dtb big.dtb 40000 2000 0x50000000 && \
	uart() { cp good.dtb uart-$$1.dtb && fdtput -t x uart-$$1.dtb /pl011@9000000 reg $$2; } && \
	uart unmapped '0 9100000 0 1000' && uart high '400 0 0 1000' && \
	uart parange '40000 0 0 1000' && uart zero '0 0 0 1000' && \
	uart gic '0 8000000 0 1000' && uart misaligned '0 9000004 0 1000' && \
	uart ram '0 5f000000 0 1000' && uart rtc '0 9010000 0 1000' && \
	uart virtio '0 a000000 0 1000' && \
	cp good.dtb uart-ranges.dtb && fdtput -c uart-ranges.dtb /bus@0 /bus@0/serial@0 && \
	fdtput -t u uart-ranges.dtb /bus@0 '#address-cells' 1 && \
	fdtput -t u uart-ranges.dtb /bus@0 '#size-cells' 1 && \
	fdtput -t x uart-ranges.dtb /bus@0 ranges 0 0 5f000000 100000 && \
	fdtput -t s uart-ranges.dtb /bus@0/serial@0 compatible arm,pl011 && \
	fdtput -t x uart-ranges.dtb /bus@0/serial@0 reg 0 1000 && \
	fdtput -t s uart-ranges.dtb /chosen stdout-path /bus@0/serial@0 && \
	bank() { cp good.dtb $$1.dtb && fdtput -t x $$1.dtb /$$mem reg $$2; } && \
	bank banks '0 40000000 0 20000000 0 0 0 4000000 0 50000000 0 1000000 0 70000000 0 800 4000 0 0 40000000 40000 0 0 40000000' && \
	bank bigbank '0 40000000 0 40000000' && \
	bank nobank '0 0 0 4000000  0 70000000 0 800' && \
	bank outside '0 40000000 0 4000000' && \
	bank straddle '0 40000000 0 8001000' && \
	bank bank-pcie '0 40000000 100 0' && \
	bank bank-uart '0 40000000 0 20000000 0 9000000 0 1000' && \
	cp bank-pcie.dtb bank-nopcie.dtb && fdtput -r bank-nopcie.dtb /pcie@10000000 && \
	cp good.dtb pastram.dtb && \
	cp good.dtb nomap.dtb && fdtput -t s nomap.dtb /chosen bootargs "run=tests" && \
	fdtput -c nomap.dtb /reserved-memory /reserved-memory/fw@5f000000 \
		/reserved-memory/keep@5e000000 && \
	fdtput -t u nomap.dtb /reserved-memory '#address-cells' 2 && \
	fdtput -t u nomap.dtb /reserved-memory '#size-cells' 2 && \
	fdtput nomap.dtb /reserved-memory ranges && \
	fdtput -t x nomap.dtb /reserved-memory/fw@5f000000 reg 0 5f000000 0 100000 && \
	fdtput nomap.dtb /reserved-memory/fw@5f000000 no-map && \
	fdtput -t x nomap.dtb /reserved-memory/keep@5e000000 reg 0 5e000000 0 100000 && \
	nomap() { cp good.dtb nomap-$$1.dtb && fdtput -t s nomap-$$1.dtb /chosen bootargs "$$3" && \
		fdtput -c nomap-$$1.dtb /reserved-memory /reserved-memory/fw@$$2 && \
		fdtput -t u nomap-$$1.dtb /reserved-memory '#address-cells' 2 && \
		fdtput -t u nomap-$$1.dtb /reserved-memory '#size-cells' 2 && \
		fdtput nomap-$$1.dtb /reserved-memory ranges && \
		fdtput -t x nomap-$$1.dtb /reserved-memory/fw@$$2 reg 0 $$2 0 200000 && \
		fdtput nomap-$$1.dtb /reserved-memory/fw@$$2 no-map; } && \
	nomap blob 47f00000 "run=tests thp=never" && nomap image 40200000 "run=none" && \
	periph() { cp good.dtb uart-$$1-periphid.dtb && \
		fdtput -t x uart-$$1-periphid.dtb /pl011@9000000 reg 0 $$2 0 1000 && \
		fdtput -t x uart-$$1-periphid.dtb /pl011@9000000 arm,primecell-periphid 241011; } && \
	periph rtc 9010000 && periph gpio 9030000 && periph virtio a000000 && \
	pi=$(CURDIR)/build/rpi3/rpi3.dtb && \
	cp $$pi pi-mbox-gpio.dtb && fdtput -t x pi-mbox-gpio.dtb /soc/mailbox@7e00b880 reg 7e200000 40 && \
	cp $$pi pi-mbox-misaligned.dtb && \
		fdtput -t x pi-mbox-misaligned.dtb /soc/mailbox@7e00b880 reg 7e00b884 40 && \
	cp $$pi pi-mbox-ram.dtb && \
		fdtput -t x pi-mbox-ram.dtb /soc ranges 7e000000 3f000000 1000000 0 100000 1000 && \
		fdtput -t x pi-mbox-ram.dtb /soc/mailbox@7e00b880 reg 0 40 && \
	cp $$pi pi-miniuart-gpio.dtb && fdtput -t s pi-miniuart-gpio.dtb /chosen stdout-path serial1:115200n8 && \
		fdtput -t s pi-miniuart-gpio.dtb /soc/serial@7e215040 status okay && \
		fdtput -t x pi-miniuart-gpio.dtb /soc/serial@7e215040 reg 7e200040 40 && \
	cp $$pi pi-pl011-gpio.dtb && fdtput -t x pi-pl011-gpio.dtb /soc/serial@7e201000 reg 7e200000 200 && \
	cp $$pi pi-spin-outside.dtb && fdtput -t x pi-spin-outside.dtb /cpus/cpu@1 cpu-release-addr 0 50000000 && \
	cp good.dtb smp-nocpus.dtb && fdtput -r smp-nocpus.dtb /cpus && \
	$(call EXPECT_QEMU_DTB,smp2.dtb) -smp 2 >/dev/null && \
	cp smp2.dtb smp-badreg.dtb && fdtput -t x smp-badreg.dtb /cpus/cpu@1 reg 77 && \
	cp smp2.dtb smp-method.dtb && fdtput -t s smp-method.dtb /cpus/cpu@1 enable-method acpi-parking-protocol && \
	$(call EXPECT_QEMU_DTB,smp3.dtb) -smp 3 >/dev/null && \
	cp smp3.dtb smp-samereg.dtb && fdtput -t x smp-samereg.dtb /cpus/cpu@2 reg 1 && \
	spin() { cp smp2.dtb smp-spin-$$1.dtb && fdtput -t s smp-spin-$$1.dtb /cpus/cpu@1 enable-method spin-table && \
		fdtput -t x smp-spin-$$1.dtb /cpus/cpu@1 cpu-release-addr $$2; } && \
	spin outside '0 1000' && spin image '0 40200000' && spin alloc '0 48000000' && \
	spin timeout '0 5f000000' && \
	fdtput -c smp-spin-timeout.dtb /reserved-memory /reserved-memory/spin@5f000000 && \
	fdtput -t u smp-spin-timeout.dtb /reserved-memory '#address-cells' 2 && \
	fdtput -t u smp-spin-timeout.dtb /reserved-memory '#size-cells' 2 && \
	fdtput smp-spin-timeout.dtb /reserved-memory ranges && \
	fdtput -t x smp-spin-timeout.dtb /reserved-memory/spin@5f000000 reg 0 5f000000 0 1000

test-expect: expect-dtbs
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc kernel
	@$(MAKE) --no-print-directory BOARD=rpi3 TOOLCHAIN=gcc kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc GRANULE=16k kernel
	@$(MAKE) --no-print-directory BOARD=qemu-virt TOOLCHAIN=gcc GRANULE=64k kernel
	@tools/tier.sh test-expect start; for c in $(EXPECT_CASES); do \
		n=$$(basename $$c .exp); \
		tools/tier.sh test-expect check "$$n" $(PYTHON) -m tools.qemu expect $$c --qemu $(QEMU) \
			--kernel build/qemu-virt/faultline.img \
			--board-args "-machine virt -cpu cortex-a72 -m 512M" \
			--timeout $(EXPECT_TIMEOUT) --log $(EXPECT_OUT)/$$n.log; \
	done; \
	tools/tier.sh test-expect end "cases; logs in $(EXPECT_OUT)"
