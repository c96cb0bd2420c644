/*
 * What a static program needs to run as PID 1 of an initramfs under Linux:
 * the console and /proc set up first, and a power-off at the end. Shared by
 * the benchmark program (tools/linux/init.c) and the traced one
 * (tools/anatomy/linux.c).
 */
#ifndef TOOLS_LINUX_PID1_H
#define TOOLS_LINUX_PID1_H

/* pid1_setup: mount devtmpfs and procfs, make /dev/console fds 0-2 without
 * output post-processing; 0, or -1 if a step failed. */
int pid1_setup(void);

/* pid1_poweroff: let the serial console drain, sync, and power off. */
void pid1_poweroff(void);

#endif
