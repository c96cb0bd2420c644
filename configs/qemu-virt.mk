# QEMU "virt": PL011 at 0x09000000, RAM from 0x40000000, PSCI via HVC/SMC as
# the device tree says. The kernel finds all of this in the device tree; the
# values here are the fallback console and the QEMU command line.
BOARD_NAME      := qemu-virt
BOARD_DEFINES   := -DBOARD_QEMU_VIRT -DFALLBACK_UART=0x09000000
QEMU_MACHINE    := virt
CPU             ?= cortex-a72
MEM             ?= 512M
# SMP: QEMU's -smp, the CPUs the machine has (default: what cpus= in ARGS
# asks for, 2 to 8, cpus=all being 4, anything else 1 so that the kernel
# judges it; -smp is left out at 1, so a run without cpus= has the command
# line it always had).
SMP_ARGS_CPUS    = $(patsubst cpus=%,%,$(lastword $(filter cpus=%,$(ARGS))))
SMP             ?= $(or $(if $(filter all,$(SMP_ARGS_CPUS)),4),$(filter 2 3 4 5 6 7 8,$(SMP_ARGS_CPUS)),1)
QEMU_BOARD_ARGS  = -machine virt -cpu $(CPU) -m $(MEM)$(if $(filter-out 1,$(SMP)), -smp $(SMP))
