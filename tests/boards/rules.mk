# Tier test-boards: every board and boot chain other than direct qemu-virt
# boots (tests/guest covers that). The kernels, device trees and U-Boot
# binaries are built first, then the cases run two at a time; each has a
# timeout and leaves build/test/boards/<case>.{log,result}. The count
# recorded is of cases: "<passed> <failed>".
#
#   case            board  boot    command line / check
#   rpi3-tests      rpi3   direct  run=tests (KTAP)      QEMU raspi3b, own DT
#   rpi3-none       rpi3   direct  run=none
#   rpi4-tests      rpi4   direct  run=tests (KTAP)      QEMU raspi4b -m 2G
#   rpi3-smp        rpi3   direct  run=tests cpus=all    four cores by the spin table
#   rpi4-smp        rpi4   direct  run=tests cpus=all    four cores by the spin table
#   rpi4-none       rpi4   direct  run=none
#   rpi4-linuxdt    rpi4   direct  run=none              Linux's bcm2711-rpi-4-b.dtb
#   rpi3-nouart     rpi3   direct  run=none + warning    DT without a UART
#   rpi3-miniuart   rpi3   direct  run=tests (KTAP)      console on the mini UART
#   rpi4-miniuart   rpi4   direct  run=tests + LAVA's    console on the mini UART,
#                                  loader words          QEMU's second -serial
#   rpi3-bench      rpi3   direct  a short bench         (when bench/ has one)
#   virt-uboot      virt   uboot   run=tests (KTAP)      -bios u-boot.bin, virtio disk
#   rpi3-uboot      rpi3   uboot   run=tests (KTAP)      rpi_arm64 on raspi3b, SD card
#   rpi4-uboot      rpi4   uboot   run=none              rpi_arm64 on raspi4b, SD card
#   virt-uboot-noimg  virt uboot   image missing: U-Boot says so and powers off
#   rpi3-uboot-noimg  rpi3 uboot   image missing: U-Boot says so and resets
#   rpi5-build      rpi5   -       kernel8.img is an arm64 Image (not emulated)
#   rpi3-64k-tests  rpi3   direct  run=tests (KTAP)      GRANULE=64k on raspi3b (A53)
#   rpi4-64k-tests  rpi4   direct  run=tests (KTAP)      GRANULE=64k on raspi4b (A72)
#   rpi3-16k-refused rpi3  direct  run=none              GRANULE=16k on an A53 (no 16K
#                                  granule): status=fail naming TGran16
#   granule-builds  all    -       every board x 4k/16k/64k x gcc/clang builds
#                                  (-Werror; imgcheck checks each Image's
#                                  page-size flag)
#
# make test-boards BOARDS_CASES="rpi3-tests virt-uboot" runs a subset.

BOARDS_OUT := build/test/boards
BOARDS_TIMEOUT ?= 90
BOARDS_CASES ?= rpi3-tests rpi3-none rpi4-tests rpi4-none rpi4-linuxdt rpi3-nouart \
	rpi3-smp rpi4-smp \
	rpi3-miniuart rpi4-miniuart \
	virt-uboot rpi3-uboot rpi4-uboot virt-uboot-noimg rpi3-uboot-noimg rpi5-build \
	$(if $(wildcard bench/kernel/main.c),rpi3-bench) \
	rpi3-64k-tests rpi4-64k-tests rpi3-16k-refused granule-builds
BOARDS_GRANULES := 4k 16k 64k

# Per case: make variables for the sub-make that boots it.
boards_vars_rpi3-tests       := BOARD=rpi3 BOOT_ARGS=run=tests BOOT_TESTS=1
boards_vars_rpi3-none        := BOARD=rpi3 BOOT_ARGS=run=none
boards_vars_rpi4-tests       := BOARD=rpi4 BOOT_ARGS=run=tests BOOT_TESTS=1
boards_vars_rpi4-none        := BOARD=rpi4 BOOT_ARGS=run=none
boards_vars_rpi3-smp         := BOARD=rpi3 "BOOT_ARGS=run=tests cpus=all" BOOT_TESTS=1
boards_vars_rpi4-smp         := BOARD=rpi4 "BOOT_ARGS=run=tests cpus=all" BOOT_TESTS=1
boards_vars_rpi4-linuxdt     := BOARD=rpi4 BOOT_ARGS=run=none QEMU_DTB=build/rpi4/linux/bcm2711-rpi-4-b.dtb
boards_vars_rpi3-nouart      := BOARD=rpi3 BOOT_ARGS=run=none QEMU_DTB=build/rpi3/rpi3-nouart.dtb
# The mini UART is QEMU's second serial port: the first (the PL011) goes
# to null, so only what the kernel writes to the mini UART is seen.
boards_vars_rpi3-miniuart    := BOARD=rpi3 BOOT_ARGS=run=tests BOOT_TESTS=1 \
	"QEMU_BOARD_ARGS=-machine raspi3b -dtb build/rpi3/rpi3-miniuart.dtb -serial null -serial stdio"
boards_vars_rpi4-miniuart    := BOARD=rpi4 \
	BOOT_TESTS=1 "BOOT_ARGS=run=tests console=ttyS1,115200n8 root=/dev/ram0 earlycon=uart,mmio32,0xfe215040 ip=dhcp" \
	"QEMU_BOARD_ARGS=-machine raspi4b -m 2G -dtb build/rpi4/rpi4-miniuart.dtb -serial null -serial stdio"
boards_vars_rpi3-bench       := BOARD=rpi3 "BOOT_ARGS=run=bench suite=small mode=tcg"
boards_vars_rpi3-64k-tests   := BOARD=rpi3 GRANULE=64k BOOT_ARGS=run=tests BOOT_TESTS=1
boards_vars_rpi4-64k-tests   := BOARD=rpi4 GRANULE=64k BOOT_ARGS=run=tests BOOT_TESTS=1
boards_vars_rpi3-16k-refused := BOARD=rpi3 GRANULE=16k BOOT_ARGS=run=none BOOT_TIMEOUT=30
boards_vars_virt-uboot       := BOARD=qemu-virt BOOT=uboot BOOT_ARGS=run=tests BOOT_TESTS=1
boards_vars_rpi3-uboot       := BOARD=rpi3 BOOT=uboot BOOT_ARGS=run=tests BOOT_TESTS=1
boards_vars_rpi4-uboot       := BOARD=rpi4 BOOT=uboot BOOT_ARGS=run=none
boards_vars_virt-uboot-noimg := BOARD=qemu-virt BOOT=uboot BOOT_ARGS=run=none UBOOT_NO_IMAGE=1 BOOT_TIMEOUT=30
boards_vars_rpi3-uboot-noimg := BOARD=rpi3 BOOT=uboot BOOT_ARGS=run=none UBOOT_NO_IMAGE=1 BOOT_TIMEOUT=30

# A console line a case also needs (after its run passed).
boards_expect_rpi3-nouart := no console UART.*fallback
boards_expect_rpi3-smp := ^faultline: smp cpus=4 online=4 method=spin-table tree=4
boards_expect_rpi4-smp := ^faultline: smp cpus=4 online=4 method=spin-table tree=4
boards_expect_rpi3-miniuart := ^faultline: console serial@7e215040,
boards_expect_rpi4-miniuart := ^faultline: command line: ignoring loader word .ip=dhcp
boards_expect_rpi3-64k-tests := ^faultline: boot .*cpu=cortex-a53.* granule=64k
boards_expect_rpi4-64k-tests := ^faultline: boot .*cpu=cortex-a72.* granule=64k
boards_expect_rpi3-tests  := ^faultline: firmware cpu_hz=[1-9][0-9]* mailbox=0x3f00b880
boards_expect_rpi4-tests  := ^faultline: firmware cpu_hz=[1-9][0-9]* mailbox=0xfe00b880

.PHONY: test-boards boards-build boards-runs
TEST_TIERS += test-boards

# Everything the cases boot, built one make at a time (no two makes write
# the same build directory).
boards-build:
	@for b in rpi3 rpi4 rpi5; do $(MAKE) --no-print-directory BOARD=$$b kernel || exit 1; done
	@$(MAKE) --no-print-directory BOARD=qemu-virt kernel
	@$(MAKE) --no-print-directory BOARD=rpi3 build/rpi3/rpi3-nouart.dtb build/rpi3/rpi3-miniuart.dtb
	@$(MAKE) --no-print-directory BOARD=rpi4 build/rpi4/rpi4-miniuart.dtb
	@$(MAKE) --no-print-directory BOARD=qemu-virt BOOT=uboot uboot-deps
	@$(MAKE) --no-print-directory BOARD=rpi3 BOOT=uboot uboot-deps
	@$(MAKE) --no-print-directory BOARD=rpi4 BOOT=uboot uboot-deps
	@$(MAKE) --no-print-directory BOARD=rpi4 build/rpi4/linux/bcm2711-rpi-4-b.dtb
	@$(MAKE) --no-print-directory BOARD=rpi3 GRANULE=64k kernel
	@$(MAKE) --no-print-directory BOARD=rpi4 GRANULE=64k kernel
	@$(MAKE) --no-print-directory BOARD=rpi3 GRANULE=16k build/rpi3-16k/faultline.img \
		build/rpi3-16k/rpi3.dtb

test-boards: boards-build
	@rm -rf $(BOARDS_OUT); mkdir -p $(BOARDS_OUT)
	@$(MAKE) --no-print-directory -j2 boards-runs
	@tools/tier.sh test-boards start; \
	tools/tier.sh test-boards results $(patsubst %,$(BOARDS_OUT)/%.result,$(BOARDS_CASES)); \
	tools/tier.sh test-boards end "cases; logs in $(BOARDS_OUT)"

boards-runs: $(patsubst %,$(BOARDS_OUT)/%.result,$(BOARDS_CASES))

# rpi5: built, not emulated. The check is that kernel8.img carries the
# arm64 Image header the firmware looks for.
$(BOARDS_OUT)/rpi5-build.result:
	@mkdir -p $(dir $@)
	@if $(PYTHON) -m tools.qemu loadaddr --ram-base 0 build/rpi5/kernel8.img >/dev/null; \
	then echo "PASS rpi5-build: build/rpi5/kernel8.img is an arm64 Image (not emulated)"; \
	else echo "FAIL rpi5-build: build/rpi5/kernel8.img is not an arm64 Image"; fi > $@; cat $@

# Every board in every granule with both compilers (one make at a time:
# the 64k rpi3/rpi4 gcc kernels are already built and only checked here),
# except the images a board's cores cannot run (GRANULE=16k on the Pi 3 and
# 4: boot/rules.mk): there `make kernel` must fail, naming the granules the
# cores have, and leave no kernel8.img; so must `make sdcard`.
BOARDS_NO_IMAGE := rpi3/16k rpi4/16k
$(BOARDS_OUT)/granule-builds.result:
	@mkdir -p $(dir $@)
	@bad=; n=0; for b in $(patsubst configs/%.mk,%,$(wildcard configs/*.mk)); do \
		for g in $(BOARDS_GRANULES); do for t in gcc clang; do n=$$((n+1)); \
			log=$(BOARDS_OUT)/granule-builds-$$b-$$g-$$t.log; \
			$(MAKE) --no-print-directory -s BOARD=$$b GRANULE=$$g TOOLCHAIN=$$t kernel \
				> $$log 2>&1; rc=$$?; cat $$log >> $(BOARDS_OUT)/granule-builds.log; \
			case " $(BOARDS_NO_IMAGE) " in \
			*" $$b/$$g "*) dir=build/$$b$$([ $$t = clang ] && echo -clang)-$$g; \
				{ [ $$rc != 0 ] && grep -q "^BOARD=$$b makes no GRANULE=$$g image: .* have the 4k 64k" $$log && \
				  [ ! -e $$dir/kernel8.img ] && \
				  ! $(MAKE) --no-print-directory -s BOARD=$$b GRANULE=$$g TOOLCHAIN=$$t sdcard \
					>> $(BOARDS_OUT)/granule-builds.log 2>&1; } || bad="$$bad $$b/$$g/$$t(image-made)";; \
			*) [ $$rc = 0 ] || bad="$$bad $$b/$$g/$$t";; \
			esac; \
		done; done; \
	done; \
	if [ -z "$$bad" ]; then echo "PASS granule-builds: $$n kernels (boards x 4k/16k/64k x gcc/clang)"; \
	else echo "FAIL granule-builds:$$bad (log: $(BOARDS_OUT)/granule-builds.log)"; fi > $@; cat $@

# rpi3 with GRANULE=16k: the A53 has no 16 KiB granule, so the kernel must
# stop before the MMU goes on with the reason (and QEMU exit non-zero).
$(BOARDS_OUT)/rpi3-16k-refused.result:
	@mkdir -p $(dir $@)
	@$(MAKE) --no-print-directory -s boot-run BOOT_TIMEOUT=30 $(boards_vars_rpi3-16k-refused) \
		BOOT_NAME=rpi3-16k-refused BOOT_LOG=$(BOARDS_OUT)/rpi3-16k-refused.log \
		> $(BOARDS_OUT)/rpi3-16k-refused.out 2>&1; \
	if grep -q '^faultline: done status=fail (CPU has no 16 KiB translation granule (ID_AA64MMFR0_EL1.TGran16=0))' \
		$(BOARDS_OUT)/rpi3-16k-refused.log && grep -q '^FAIL' $(BOARDS_OUT)/rpi3-16k-refused.out; \
	then echo "PASS rpi3-16k-refused: the A53 refuses GRANULE=16k (TGran16=0)"; \
	else echo "FAIL rpi3-16k-refused: no refusal naming TGran16 (log: $(BOARDS_OUT)/rpi3-16k-refused.log)"; \
	fi > $@; cat $@

# One boot: never fails the make (so -j2 finishes the others); the verdict
# line is printed and kept in the .result file, and a FAIL replaces a PASS
# whose expected console line is missing.
$(BOARDS_OUT)/%.result:
	@mkdir -p $(dir $@)
	@$(MAKE) --no-print-directory -s boot-run BOOT_TIMEOUT=$(BOARDS_TIMEOUT) \
		$(boards_vars_$*) BOOT_NAME=$* BOOT_LOG=$(BOARDS_OUT)/$*.log > $@ 2>&1; \
	if [ -n '$(boards_expect_$*)' ] && grep -q '^PASS' $@ && \
	   ! grep -Eq '$(boards_expect_$*)' $(BOARDS_OUT)/$*.log; then \
		echo "FAIL $*: no console line matches /$(boards_expect_$*)/" > $@; \
	fi; cat $@
