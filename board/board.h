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
 * Raspberry Pi builds drive the mini UART too: GPIO 14/15 are put on ALT5
 * with their pulls (the tree's GPIO block, checked first), then the baud
 * divisor for 115200 comes from the VPU core clock the mailbox reports, and
 * a line "faultline: mini UART ...: GPIO 14/15 ..., core_hz=N from ...,
 * divisor=D (115200 baud)" says what was set. -ERANGE when the pins or the
 * divisor had to be left as the firmware set them (the console moves to
 * the mini UART anyway; *why is a "warning: mini UART: ..." naming why).
 */
int board_console_init(const struct bootinfo *bi, const char **why);

/*
 * board_console_init stops the run failed (a non-zero exit status through
 * semihosting or PSCI, "no working console: ...") when neither the tree's
 * UART nor the fallback is shown to be a working UART by its registers.
 */

/*
 * board_console_fallback: after the tree's UART stopped taking output,
 * move the console back to the fallback UART if that one works and the MMU
 * is still off (only the tree's UART page is mapped later); else the
 * console stays dead (output dropped at once).
 */
void board_console_fallback(void);

/*
 * board_console_failure: why the console is not shown to work (a transmit
 * on the console in use timed out, now or earlier), or NULL. stop_ok turns
 * it into a failed run.
 */
const char *board_console_failure(void);

/*
 * board_mmio_bad: why [base, base + size) cannot be a device's registers
 * on this board, or NULL: beyond the PA size, overlapping a RAM bank,
 * outside the board's device windows, or an interrupt controller's
 * registers. Nothing is read or written.
 */
const char *board_mmio_bad(const struct bootinfo *bi, uint64_t base, uint64_t size,
			   char *buf, size_t n);

/* board_device_window: whether [base, base + size) overlaps one of the
 * board's device windows (its peripherals; *w is the window). */
bool board_device_window(uint64_t base, uint64_t size, struct mem_range *w);

/* board_console_mmio: the page of the UART the console uses now (the MMU
 * maps it as Device memory). */
paddr_t board_console_mmio(void);

/* board_console_name: "pl011@9000000", "serial@7e215040" or
 * "fallback pl011@0x9000000". */
const char *board_console_name(void);

/* What board_console_init did to a mini UART console (tests read it). */
struct board_miniuart {
	bool active;       /* the console is the mini UART */
	paddr_t uart;      /* its AUX_MU_IO_REG */
	paddr_t gpio;      /* the GPIO block whose pins 14/15 were set, or 0 */
	int gpio_kind;     /* enum gpio_kind (board/gpio.h) when gpio != 0 */
	paddr_t mailbox;   /* the mailbox the core clock came from, or 0 */
	uint32_t core_hz;  /* the clock the divisor was computed from, or 0 */
	uint32_t divisor;  /* written to AUX_MU_BAUD_REG, or 0 (the firmware's kept) */
};

/* board_miniuart: that record; all zero on boards without a mini UART. */
const struct board_miniuart *board_miniuart(void);

#endif
