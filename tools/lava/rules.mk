# LAVA: job definitions for each board and boot chain, and a job run on
# this machine by Debian's lava-dispatcher without a server (docs/farm.md).
#
#   make lava-jobs BOARD=b BOOT=direct|uboot ARGS="..."
#        build/lava/jobs/<b>-<boot>.yaml from tools/lava/templates/; the
#        kernel URL is LAVA_KERNEL_URL (default: file:// of the local build;
#        a lab sets its own http:// URL). rpi3/rpi4 need BOOT=uboot.
#   make lava BOOT=direct|uboot ARGS="..."
#        run that qemu-virt job with lava-run (as root) on the device
#        tools/lava/devices/faultline-qemu{,-uboot}.jinja2, rendered from
#        Debian's lava-server device-type templates; the log goes to
#        build/lava/run-<configuration>/job.log (board, boot, CPU, granule,
#        toolchain, mode) and a summary is printed. No ARGS: run=bench.
#
# Variables: LAVA_KERNEL_URL, LAVA_TIMEOUT (seconds per job action), CPU,
# MEM, ICOUNT (1 by default: mode=icount; ICOUNT=0 runs plain TCG).

LAVA_DIR        := build/lava
# Debian's lava-server holds the device-type templates; it is unpacked, not
# installed (installing it pulls in Django and PostgreSQL).
LAVA_SERVER     := $(CACHE)/lava-server
LAVA_TEMPLATES  := $(LAVA_SERVER)/usr/share/lava-server/device-types
LAVA_KERNEL_URL ?= file://$(abspath $(BUILD)/faultline.img)
LAVA_TIMEOUT    ?= $(if $(filter tests none,$(patsubst run=%,%,$(filter run=%,$(ARGS)))),180,900)
LAVA_JOB        := $(LAVA_DIR)/jobs/$(BOARD)-$(BOOT).yaml
LAVA_PY         := $(PYTHON) -m tools.lava
LAVA_RUN_DIR     = $(LAVA_DIR)/run-$(BOARD)-$(BOOT)-$(CPU)-$(GRANULE)-$(TOOLCHAIN)-$(MODE)

.PHONY: lava lava-jobs lava-templates
lava-templates: $(LAVA_SERVER)/.fetched
$(LAVA_SERVER)/.fetched:
	@rm -rf $(LAVA_SERVER) && mkdir -p $(LAVA_SERVER)
	@cd $(LAVA_SERVER) && apt-get download lava-server >/dev/null 2>&1 || \
		{ echo "lava: apt-get download lava-server failed (run apt-get update?)"; exit 1; }
	@dpkg-deb -x $(LAVA_SERVER)/lava-server_*.deb $(LAVA_SERVER) && rm -f $(LAVA_SERVER)/*.deb
	@test -r $(LAVA_TEMPLATES)/qemu.jinja2 || { echo "lava: no qemu.jinja2 in lava-server"; exit 1; }
	@touch $@

lava-jobs: kernel
	@$(LAVA_PY).jobs --board $(BOARD) --boot $(BOOT) --args "$(ARGS)" \
		--kernel-url "$(LAVA_KERNEL_URL)" --timeout $(LAVA_TIMEOUT) --cpu $(CPU) \
		--memory $(MEM) $(if $(filter 1,$(ICOUNT)),--icount) --out $(LAVA_JOB)

lava_device_direct := tools/lava/devices/faultline-qemu.jinja2
lava_device_uboot  := tools/lava/devices/faultline-qemu-uboot.jinja2
lava_disp_direct   := tools/lava/dispatcher-qemu.yaml
lava_disp_uboot    := tools/lava/dispatcher-uboot.yaml

lava: deps lava-jobs lava-templates
	@test "$(BOARD)" = qemu-virt || { echo "lava: only qemu-virt runs here; for" \
		"$(BOARD), make lava-jobs BOARD=$(BOARD) BOOT=uboot and docs/farm.md"; exit 1; }
	@$(LAVA_PY).run $(LAVA_JOB) --device $(lava_device_$(BOOT)) \
		--templates $(LAVA_TEMPLATES) --dispatcher $(lava_disp_$(BOOT)) \
		--out $(LAVA_RUN_DIR) --name "lava $(BOARD) $(BOOT) $(ARGS)"

include tests/lava/rules.mk
