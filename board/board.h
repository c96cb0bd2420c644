/*
 * Board glue: the console before and after the device tree is read. Before
 * dt_parse, output goes to the board's fallback UART (FALLBACK_UART from
 * configs/<board>.mk); after it, to the /chosen/stdout-path UART.
 */
#ifndef BOOT_BOARD_H
#define BOOT_BOARD_H

#include "lib/dt.h"
#include "lib/types.h"

/* board_early_console: get the fallback UART ready (before the tree). */
void board_early_console(void);

/*
 * board_console_init: switch the console to the tree's UART. Returns 0, or
 * -ENOTSUP when the tree names no UART or one of a kind this build cannot
 * drive; the console then stays on the fallback UART and *why says so.
 * Raspberry Pi builds drive the mini UART too; -ERANGE when its clock gives
 * no divisor for 115200 baud (the console moves to it, keeping the
 * firmware's divisor, and *why says so).
 */
int board_console_init(const struct bootinfo *bi, const char **why);

/* board_console_mmio: the page of the UART the console uses now (the MMU
 * maps it as Device memory). */
paddr_t board_console_mmio(void);

/* board_console_name: "pl011@9000000", "serial@7e215040" or
 * "fallback pl011@0x9000000". */
const char *board_console_name(void);

/* board_console_flush: wait until everything written has been sent. */
void board_console_flush(void);

#endif
