# Raspberry Pi 3 Model B (BCM2837, Cortex-A53). The firmware (or QEMU
# raspi3b) enters kernel8.img at EL2; the kernel finds RAM, the console
# (/chosen/stdout-path, translated through /soc "ranges") and the command
# line in the device tree. The values here are the fallbacks when the tree
# lacks them: PL011 UART0 and the VideoCore mailbox at their ARM physical
# addresses (peripheral base 0x3f000000), and the QEMU command line.
BOARD_NAME      := rpi3
BOARD_DEFINES   := -DBOARD_RPI -DBOARD_RPI3 -DFALLBACK_UART=0x3f201000 -DBOARD_CNTFRQ=19200000 \
	-DMAILBOX_BASE=0x3f00b880
RPI             := 1
QEMU_MACHINE    := raspi3b
# raspi3b fixes the CPU (4 x cortex-a53) and the RAM (1 GiB).
CPU             := cortex-a53
MEM             := 1G
QEMU_RAM_BASE   := 0x0
# The translation granules its Cortex-A53 cores have (ID_AA64MMFR0_EL1: TGran4
# and TGran64, not TGran16): boot/rules.mk makes no Pi image for another.
GRANULES        := 4k 64k
# The device tree QEMU passes: boot/rpi/rpi3.dts (BOOT=uboot: Linux's, see boot/rules.mk).
QEMU_DTB         = $(BUILD)/rpi3.dtb
QEMU_BOARD_ARGS  = -machine raspi3b -dtb $(QEMU_DTB)
