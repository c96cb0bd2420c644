# Raspberry Pi 5 (BCM2712, Cortex-A76): built, not emulated (QEMU has no
# BCM2712 machine). The firmware enters kernel8.img (or kernel_2712.img) at
# EL2 with its own device tree, whose stdout-path names the debug UART, a
# PL011 on the 3-pin connector between the HDMI ports. The fallbacks are
# that UART and the VideoCore mailbox at their ARM physical addresses.
BOARD_NAME      := rpi5
BOARD_DEFINES   := -DBOARD_RPI -DBOARD_RPI5 -DFALLBACK_UART=0x107d001000 -DBOARD_CNTFRQ=54000000 \
	-DMAILBOX_BASE=0x107c013880
RPI             := 1
CPU             := cortex-a76
QEMU_RAM_BASE   := 0x0
QEMU_BOARD_ARGS  =
