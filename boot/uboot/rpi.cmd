# U-Boot boot script for faultline on a Raspberry Pi (U-Boot rpi_arm64,
# compiled into boot.scr with mkimage -T script). Distro boot finds it on
# the SD card's FAT partition and sets devtype/devnum/distro_bootpart. The
# kernel gets the device tree U-Boot runs on (the firmware's, or QEMU's
# -dtb), with the command line in /chosen/bootargs.
#
# If the image cannot be loaded or booti refuses it, say so and reset:
# returning would let distro boot go on to pxe and dhcp. This U-Boot has no
# poweroff; under QEMU, -no-reboot turns the reset into an exit, and on a
# board the message repeats on the serial console at each restart.
setenv bootargs "@ARGS@"
if load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} kernel8.img; then
	booti ${kernel_addr_r} - ${fdtcontroladdr}
	echo "boot.scr: booti refused kernel8.img; resetting"
else
	echo "boot.scr: kernel8.img not found on ${devtype} ${devnum}:${distro_bootpart}; resetting"
fi
reset
