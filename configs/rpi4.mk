# Raspberry Pi 4 Model B (BCM2711, Cortex-A72). The firmware (or QEMU
# raspi4b) enters kernel8.img at EL2; the kernel finds RAM (banks above
# 1 GiB included), the console (/chosen/stdout-path, translated through
# /soc "ranges") and the command line in the device tree. The values here
# are the fallbacks when the tree lacks them: PL011 UART0 and the VideoCore
# mailbox at their ARM physical addresses in low-peripheral mode
# (peripheral base 0xfe000000), and the QEMU command line.
BOARD_NAME      := rpi4
BOARD_DEFINES   := -DBOARD_RPI -DBOARD_RPI4 -DFALLBACK_UART=0xfe201000 -DBOARD_CNTFRQ=54000000 \
	-DMAILBOX_BASE=0xfe00b880
RPI             := 1
QEMU_MACHINE    := raspi4b
# raspi4b fixes the CPU (4 x cortex-a72) and takes 1G or 2G of RAM.
CPU             := cortex-a72
MEM             := 2G
QEMU_RAM_BASE   := 0x0
# The translation granules its Cortex-A72 cores have (ID_AA64MMFR0_EL1: TGran4
# and TGran64, not TGran16): boot/rules.mk makes no Pi image for another.
GRANULES        := 4k 64k
# The device tree QEMU passes: boot/rpi/rpi4.dts (BOOT=uboot: Linux's, see boot/rules.mk).
QEMU_DTB         = $(BUILD)/rpi4.dtb
QEMU_BOARD_ARGS  = -machine raspi4b -m $(MEM) -dtb $(QEMU_DTB)
