# Booting the kernel in QEMU: make run, make debug, and the QEMU variables
# every tier shares. tools/qemu.py builds the command line from the board's
# QEMU_BOARD_ARGS (configs/<board>.mk) and judges the console.
#
#   make run   BOARD=b ARGS="run=tests"   console on the terminal; Ctrl-A X quits
#   make debug BOARD=b ARGS="..."         halted at reset, gdb-multiarch attached
#
# Variables: CPU, MEM, ICOUNT=1 (-icount shift=0,sleep=off), ARGS (kernel
# command line), RUN_TIMEOUT (seconds before `make run` kills QEMU; every
# QEMU run has a timeout), QEMU (the binary), QEMU_RAM_BASE (the board's RAM
# base, for the load address), QEMU_MACHINE_OPTS (extra -machine options,
# e.g. "virtualization=on" for entry at EL2).

QEMU          ?= qemu-system-aarch64
QEMU_RAM_BASE ?= 0x40000000
QEMU_MACHINE_OPTS ?=
RUN_TIMEOUT   ?= 600
DEBUG_TIMEOUT ?= 3600
GDB           ?= gdb-multiarch
GDB_PORT      := 1234

# The common part of every boot of $(BUILD)/faultline.img.
QEMU_PY  := $(PYTHON) -m tools.qemu
QEMU_RUN  = $(QEMU_PY) run --qemu $(QEMU) --kernel $(BUILD)/faultline.img \
	--board-args "$(QEMU_BOARD_ARGS)" --ram-base $(QEMU_RAM_BASE) \
	$(if $(filter 1,$(ICOUNT)),--icount) \
	$(foreach o,$(QEMU_MACHINE_OPTS),--machine-opt $(o))

.PHONY: run debug
run: kernel
	@$(QEMU_RUN) --interactive --timeout $(RUN_TIMEOUT) --append "$(ARGS)" \
		--name "$(BOARD) $(CPU) $(MEM)"

# The kernel is linked at 0 and relocates itself, so gdb needs the ELF's
# symbols shifted to where QEMU loads the Image: the 2 MiB-aligned RAM base
# plus text_offset, plus 2 MiB when that is below 4 KiB (QEMU keeps its boot
# stub at the RAM base): 0x40200000 on qemu-virt. `tools/qemu.py loadaddr`
# computes it; gdb gets `symbol-file -o <addr> faultline.elf`. QEMU halts at
# its boot stub (pc = RAM base, no symbols there): `break kmain`, `continue`.
# The console goes to $(BUILD)/debug.log; QEMU stops with gdb's `kill` or
# `quit`, or at DEBUG_TIMEOUT.
debug: kernel
	@addr=$$($(QEMU_PY) loadaddr --ram-base $(QEMU_RAM_BASE) $(BUILD)/faultline.img) || exit 1; \
	echo "faultline: image at $$addr, gdbstub on :$(GDB_PORT), console in $(BUILD)/debug.log"; \
	$(QEMU_RUN) --gdb --timeout $(DEBUG_TIMEOUT) --append "$(ARGS)" \
		--log $(BUILD)/debug.log --name debug & qpid=$$!; \
	$(GDB) -q -ex "set confirm off" -ex "set pagination off" \
		-ex "symbol-file -o $$addr $(BUILD)/faultline.elf" \
		-ex "target remote localhost:$(GDB_PORT)"; \
	kill $$qpid 2>/dev/null; wait $$qpid; true
