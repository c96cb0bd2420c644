# Boards and boot chains: Raspberry Pi images and SD cards, U-Boot.
#
#   make BOARD=rpi3|rpi4|rpi5       also build/<b>/kernel8.img (the same Image;
#                                   the firmware loads it with arm_64bit=1),
#                                   and for QEMU build/<b>/<b>.dtb from boot/rpi/
#   make sdcard BOARD=rpiN          build/<b>/sdcard/ (kernel8.img, config.txt,
#                                   cmdline.txt with ARGS) and build/<b>/sdcard.img
#   make sdcard BOARD=rpiN BOOT=uboot   the same with U-Boot rpi_arm64 and
#                                   boot.scr: build/<b>/sdcard-uboot{/,.img}
#   make run|debug|bench BOOT=uboot boot through U-Boot (tools/bootchain.py):
#                                   qemu-virt with -bios and a virtio disk,
#                                   rpi3/rpi4 with rpi_arm64 and an SD card
#   make uboot-disk                 build/qemu-virt/uboot/disk.img: the virtio
#                                   disk (faultline.img + boot.scr with ARGS)
#
# The Raspberry Pi firmware files are not in Debian main: docs/boards.md
# says which to add. U-Boot rpi_arm64 (u-boot-rpi) and the Linux device
# trees U-Boot needs on QEMU raspi are arm64 Debian packages fetched as data
# into build/cache/ (tools/fetch-deb.sh, once).

CACHE          := build/cache
UBOOT_QEMU_BIN := /usr/lib/u-boot/qemu_arm64/u-boot.bin
UBOOT_RPI_BIN  := $(CACHE)/u-boot-rpi/usr/lib/u-boot/rpi_arm64/u-boot.bin
LINUX_DTB_DIR   = $(firstword $(wildcard $(CACHE)/linux-image-arm64/usr/lib/linux-image-*/broadcom))

# The Linux tree of each emulated Pi (U-Boot needs its SD host and mailbox
# nodes), with stdout-path moved to serial0, the PL011 QEMU connects -serial
# to (Linux's trees name the mini UART, serial1).
linux_dtb_rpi3 := bcm2837-rpi-3-b.dtb
linux_dtb_rpi4 := bcm2711-rpi-4-b.dtb

$(CACHE)/u-boot-rpi/.fetched:
	@tools/fetch-deb.sh u-boot-rpi >/dev/null
$(UBOOT_RPI_BIN): $(CACHE)/u-boot-rpi/.fetched
	@test -r $@ || { echo "u-boot-rpi has no $@"; exit 1; }
$(CACHE)/linux-image-arm64/.fetched:
	@tools/fetch-deb.sh -d linux-image-arm64 >/dev/null

$(BUILD)/linux/%.dtb: $(CACHE)/linux-image-arm64/.fetched
	@mkdir -p $(dir $@)
	@src=$$(ls $(CACHE)/linux-image-arm64/usr/lib/linux-image-*/broadcom/$*.dtb | head -n 1) && \
	cp $$src $@.tmp && fdtput -t s $@.tmp /chosen stdout-path "serial0:115200n8" && mv $@.tmp $@

# Device trees of our own for direct QEMU boots, and the test variants.
$(BUILD)/%.dtb: boot/rpi/%.dts
	@mkdir -p $(dir $@)
	$(Q)$(call say,DTC,$<)dtc -q -I dts -O dtb -o $@ $<
$(BUILD)/%.dtb: tests/boards/%.dts boot/rpi/rpi3.dts boot/rpi/rpi4.dts
	@mkdir -p $(dir $@)
	$(Q)$(call say,DTC,$<)dtc -q -I dts -O dtb -i boot/rpi -o $@ $<

# The command line goes into text files and boot scripts; it changes only
# when ARGS does. $(file) writes it without the shell's quoting.
ifneq ($(findstring ",$(ARGS)),)
$(error ARGS cannot contain '"' (it goes into a U-Boot script string))
endif
.PHONY: FORCE
$(BUILD)/args.txt: FORCE
	$(shell mkdir -p $(dir $@))$(file >$@.tmp,$(ARGS))
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# boot.scr: the script source with @ARGS@ replaced, compiled by mkimage.
# $(1): output directory, $(2): script source. (Recipes are expanded before
# they run, so $(shell mkdir) comes before $(file), not a mkdir line.)
define boot_scr
	$(shell mkdir -p $(1))$(file >$(1)/boot.cmd,$(subst @ARGS@,$(ARGS),$(file <$(2))))
	mkimage -A arm64 -O linux -T script -C none -n faultline \
		-d $(1)/boot.cmd $(1)/boot.scr >/dev/null
endef

# ---------------------------------------------------------------------------
# Raspberry Pi: kernel8.img, device trees, SD card.

ifeq ($(RPI),1)
# No image for cores that cannot run it: a board's config lists the
# granules its cores have (GRANULES); for another (GRANULE=16k on the Pi 3
# or 4), kernel8.img, and with it `make kernel` and the SD card, stop with
# the reason, and a kernel8.img an older tree built there is removed. (build/<b>-16k/faultline.img can still be made by name: the
# boards tier boots it to see the kernel refuse the CPU by itself.)
RPI_NO_IMAGE := $(if $(GRANULES),$(if $(filter $(GRANULE),$(GRANULES)),,BOARD=$(BOARD) \
	makes no GRANULE=$(GRANULE) image: its $(CPU) cores have the $(GRANULES) \
	translation granules only))
.PHONY: rpi-granule-check
rpi-granule-check:
	$(if $(RPI_NO_IMAGE),@rm -f $(BUILD)/kernel8.img; echo "$(RPI_NO_IMAGE)" >&2; exit 1,@:)

kernel: $(BUILD)/kernel8.img
ifneq ($(QEMU_MACHINE),)
kernel: $(QEMU_DTB)
endif

$(BUILD)/kernel8.img: $(BUILD)/faultline.img | rpi-granule-check
	$(Q)$(call say,CP,$@)cp $< $@

SDCARD := $(BUILD)/sdcard$(if $(filter uboot,$(BOOT)),-uboot)
SDCARD_KERNEL := $(if $(filter uboot,$(BOOT)),u-boot.bin,kernel8.img)
SDCARD_FILES := $(SDCARD)/kernel8.img $(SDCARD)/config.txt \
	$(if $(filter uboot,$(BOOT)),$(SDCARD)/u-boot.bin $(SDCARD)/boot.scr,$(SDCARD)/cmdline.txt)

.PHONY: sdcard
ifeq ($(BOOT),uboot)
sdcard: uboot-deps-sdcard
endif
sdcard: $(SDCARD).img
	@echo "sdcard: $(SDCARD)/ and $(SDCARD).img ($(notdir $(SDCARD_FILES)));" \
		"add the firmware files (docs/boards.md)"

$(SDCARD).img: $(SDCARD_FILES)
	SIZE_MB=64 tools/mkdisk.sh $@ $^

$(SDCARD)/kernel8.img: $(BUILD)/faultline.img | rpi-granule-check
	@mkdir -p $(dir $@)
	cp $< $@
$(SDCARD)/config.txt: boot/rpi/config.txt
	@mkdir -p $(dir $@)
	sed 's/@KERNEL@/$(SDCARD_KERNEL)/' $< > $@
$(SDCARD)/cmdline.txt: boot/rpi/cmdline.txt $(BUILD)/args.txt
	$(shell mkdir -p $(dir $@))$(file >$@,$(subst @ARGS@,$(or $(ARGS),run=bench),$(file <boot/rpi/cmdline.txt)))
$(SDCARD)/u-boot.bin: $(UBOOT_RPI_BIN)
	@mkdir -p $(dir $@)
	cp $< $@
$(SDCARD)/boot.scr: boot/uboot/rpi.cmd $(BUILD)/args.txt
	$(call boot_scr,$(SDCARD),$<)

.PHONY: uboot-deps-sdcard
uboot-deps-sdcard:
	@test -n "$(linux_dtb_$(BOARD))" || { echo "BOOT=uboot: Debian's u-boot-rpi" \
		"(rpi_arm64) supports the Pi 3 and 4, not BOARD=$(BOARD)"; exit 1; }
endif

# ---------------------------------------------------------------------------
# U-Boot on QEMU (BOOT=uboot). make run/debug (and any caller of QEMU_RUN)
# go through tools/bootchain.py, which puts the image and a boot.scr with
# the run's command line on a fresh disk for each run; make bench passes
# UBOOT_CHAIN_ARGS to tools/results.py (--boot-chain) for the same.

.PHONY: uboot-deps uboot-disk
ifeq ($(BOOT),uboot)
ifeq ($(BOARD),qemu-virt)
UBOOT_BIN    := $(UBOOT_QEMU_BIN)
UBOOT_CHAIN  := --chain virt --script boot/uboot/virt.cmd --image-name faultline.img
else ifneq ($(linux_dtb_$(BOARD)),)
UBOOT_BIN    := $(UBOOT_RPI_BIN)
UBOOT_CHAIN  := --chain rpi --script boot/uboot/rpi.cmd --image-name kernel8.img
QEMU_DTB     := $(BUILD)/linux/$(linux_dtb_$(BOARD))
else ifeq ($(RPI),1)
UBOOT_BIN    :=   # Debian's u-boot-rpi (rpi_arm64) has no Pi 5 support
else
$(error BOOT=uboot is for qemu-virt, rpi3 and rpi4, not BOARD=$(BOARD))
endif
UBOOT_CHAIN_ARGS := $(UBOOT_CHAIN) --uboot $(UBOOT_BIN) \
	$(if $(filter 1,$(UBOOT_NO_IMAGE)),--no-image)
QEMU_PY := $(PYTHON) -m tools.bootchain $(UBOOT_CHAIN_ARGS)
run debug bench: uboot-deps
uboot-deps: $(UBOOT_BIN) $(QEMU_DTB)
	@test -n "$(UBOOT_BIN)" || { echo "BOOT=uboot: Debian's u-boot-rpi (rpi_arm64)" \
		"supports the Pi 3 and 4, not BOARD=$(BOARD)"; exit 1; }
	@test -r $(UBOOT_BIN) || { echo "no $(UBOOT_BIN): run make deps (u-boot-qemu)"; exit 1; }
else ifneq ($(BOOT),direct)
$(error BOOT must be direct or uboot, not '$(BOOT)')
endif

# The virtio disk as a build artifact, for running U-Boot by hand.
UBOOT_DISK := $(BUILD)/uboot
uboot-disk: $(UBOOT_DISK)/disk.img
$(UBOOT_DISK)/disk.img: $(BUILD)/faultline.img $(UBOOT_DISK)/boot.scr
	cp $(BUILD)/faultline.img $(UBOOT_DISK)/faultline.img
	tools/mkdisk.sh $@ $(UBOOT_DISK)/faultline.img $(UBOOT_DISK)/boot.scr
$(UBOOT_DISK)/boot.scr: boot/uboot/virt.cmd $(BUILD)/args.txt
	$(call boot_scr,$(UBOOT_DISK),$<)

# One non-interactive boot of the current BOARD/BOOT for the test tier:
# nothing is built here (the tier builds first, then runs these in
# parallel). BOOT_ARGS: command line, BOOT_TESTS=1: judge KTAP, BOOT_LOG,
# BOOT_NAME, BOOT_TIMEOUT.
BOOT_TIMEOUT ?= 120
.PHONY: boot-run
boot-run:
	@$(QEMU_RUN) --timeout $(BOOT_TIMEOUT) --append "$(BOOT_ARGS)" \
		--name "$(BOOT_NAME)" --log $(BOOT_LOG) $(if $(filter 1,$(BOOT_TESTS)),--tests)

include tests/boards/rules.mk
