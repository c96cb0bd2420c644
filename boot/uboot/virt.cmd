# U-Boot boot script for faultline on QEMU virt (compiled into boot.scr with
# mkimage -T script). Distro boot finds it on the first partition of virtio
# disk 0 and sets devtype/devnum/distro_bootpart. The kernel gets U-Boot's
# own device tree, with the command line in /chosen/bootargs.
#
# If the image cannot be loaded or booti refuses it, say so and power off:
# returning would let distro boot go on to dhcp (a network boot attempt),
# and a halted machine would look like a hang.
setenv bootargs "@ARGS@"
if load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} faultline.img; then
	booti ${kernel_addr_r} - ${fdtcontroladdr}
	echo "boot.scr: booti refused faultline.img; powering off"
else
	echo "boot.scr: faultline.img not found on ${devtype} ${devnum}:${distro_bootpart}; powering off"
fi
poweroff
