/*
 * What the boot CPU learnt from the device tree, for the rest of the kernel
 * (in-guest tests, reports): boot/main.c fills it before anything else runs.
 */
#ifndef BOOT_MAIN_H
#define BOOT_MAIN_H

#include "lib/dt.h"

/* boot_info: the parsed device tree -- RAM banks (mem, nmem), reserved
 * ranges, bootargs, UART, PSCI, CPUs -- as kmain read it. */
const struct bootinfo *boot_info(void);

#endif
