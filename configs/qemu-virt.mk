# QEMU "virt": PL011 at 0x09000000, RAM from 0x40000000, PSCI via HVC/SMC as
# the device tree says. The kernel finds all of this in the device tree; the
# values here are the fallback console and the QEMU command line.
BOARD_NAME      := qemu-virt
BOARD_DEFINES   := -DBOARD_QEMU_VIRT -DFALLBACK_UART=0x09000000
QEMU_MACHINE    := virt
CPU             ?= cortex-a72
MEM             ?= 512M
QEMU_BOARD_ARGS  = -machine virt -cpu $(CPU) -m $(MEM)
