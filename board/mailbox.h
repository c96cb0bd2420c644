/*
 * The Raspberry Pi VideoCore mailbox, property channel: the ARM asks the
 * firmware for facts only it knows, such as the clock rate it set the
 * cores to. Raspberry Pi boards only (BOARD_RPI).
 */
#ifndef BOOT_MAILBOX_H
#define BOOT_MAILBOX_H

#include "lib/dt.h"
#include "lib/fdt.h"
#include "lib/types.h"

#define MAILBOX_SIZE 0x40      /* register window (both mailboxes) */
#define MBOX_CLOCK_ARM 3       /* clock id of the ARM cores */
#define MBOX_CLOCK_CORE 4      /* clock id of the VPU core (clocks the mini UART) */

/*
 * mailbox_find: CPU physical address of the mailbox registers: the tree's
 * "brcm,bcm2835-mbox" node translated through its parents' "ranges", or
 * `fallback` (the board's MAILBOX_BASE) if the tree has none. Returns 0
 * when the tree named it, -ENOENT when the fallback was used, -EINVAL when
 * the node is there but its "reg" cannot be read or translated (*base is
 * then the fallback too).
 */
int mailbox_find(const struct fdt *fdt, paddr_t fallback, paddr_t *base);

/*
 * mailbox_clock_rate: the rate in Hz the firmware reports for clock `id`
 * (tag 0x00030002 "get clock rate"), through the mailbox whose registers
 * are mapped as Device memory at `regs` (checked by mailbox_open first).
 * Returns 0, -EIO if the firmware does not answer within 100 ms
 * (every wait ends by then, however the status words read) or answers
 * with an error, or -ERANGE if the message buffer is not
 * addressable by the VideoCore (above 1 GiB).
 */
int mailbox_clock_rate(uintptr_t regs, uint32_t id, uint32_t *hz);

/*
 * mailbox_open: the mailbox to use (the tree's, else the board's
 * MAILBOX_BASE), once it is shown to be one (see mailbox.c): 0 and *base,
 * or -EINVAL (an unreadable node, or not a mailbox: not 64-byte
 * aligned, outside the device windows, in RAM, on an interrupt controller,
 * its status words fault or do not read like a mailbox's), or -ENOTSUP (not
 * a Raspberry Pi build), with *why. Nothing is written to an address that
 * fails. Checked once; MMU off.
 */
int mailbox_open(const struct bootinfo *bi, paddr_t *base, const char **why);

/*
 * mailbox_report: on a Raspberry Pi build, print the ARM clock rate the
 * firmware reports ("faultline: firmware cpu_hz=N mailbox=ADDR") and
 * return it; 0 and a note when the firmware does not answer, or a warning
 * when the mailbox is not used (mailbox_open failed): the mailbox is
 * optional, the run goes on without it. Other boards: returns 0, prints
 * nothing. Call it with the MMU off (the mailbox page is not in the
 * kernel's map; with the MMU off the accesses are Device).
 */
uint32_t mailbox_report(const struct bootinfo *bi);

#endif
