/*
 * Board glue (see board.h). A board config says where its fallback PL011
 * is; everything else comes from the device tree. Raspberry Pi builds also
 * drive the mini UART when /chosen/stdout-path names it (boot/miniuart.c).
 */
#include "boot/board.h"
#include "boot/mailbox.h"
#include "boot/miniuart.h"
#include "boot/pl011.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/geometry.h"

#ifndef FALLBACK_UART
#error "FALLBACK_UART must be set by the board's BOARD_DEFINES (configs/<board>.mk)"
#endif

static uintptr_t uart_base = FALLBACK_UART;
static enum uart_kind uart_kind = UART_PL011;
static char uart_name[48] = "fallback pl011";

static void uart_write(const struct console *con, const char *s, size_t n)
{
	pl011_write((uintptr_t)con->priv, s, n);
}

static struct console uart_console = {
	.name = "pl011",
	.write = uart_write,
};

/* console_fallback_write: lib/console.h's early sink, the fallback PL011. */
void console_fallback_write(const char *s, size_t n)
{
	pl011_write(FALLBACK_UART, s, n);
}

void board_early_console(void)
{
	pl011_init(FALLBACK_UART);
}

#ifdef BOARD_RPI
static void aux_write(const struct console *con, const char *s, size_t n)
{
	miniuart_write((uintptr_t)con->priv, s, n);
}

static struct console aux_console = {
	.name = "miniuart",
	.write = aux_write,
};

/* The mini UART's clock: the tree's, else the VPU core clock the firmware
 * reports through the mailbox (MMU still off), else 0 (keep the divisor
 * the firmware set). The rate is 115200 baud, as the firmware and LAVA's
 * Raspberry Pi device types have it. */
static uint32_t aux_clock(const struct bootinfo *bi)
{
	paddr_t mbox;
	uint32_t hz = bi->uart.clock_hz;

	if (hz)
		return hz;
	if (mailbox_find(&bi->fdt, MAILBOX_BASE, &mbox) == -EINVAL ||
	    mailbox_clock_rate((uintptr_t)mbox, MBOX_CLOCK_CORE, &hz))
		return 0;
	return hz;
}

static int aux_console_init(const struct bootinfo *bi, const char **why)
{
	static char msg[96];
	uint32_t hz = aux_clock(bi), divisor = 0;

	if (miniuart_divisor(hz, 115200, &divisor) && hz)
		ksnprintf(msg, sizeof(msg), "mini UART: core clock %u Hz gives no divisor "
			  "for 115200 baud: keeping the firmware's", hz);
	board_console_flush();
	uart_base = (uintptr_t)bi->uart.base;
	uart_kind = UART_AUX;
	ksnprintf(uart_name, sizeof(uart_name), "%s", bi->uart.node);
	miniuart_init(uart_base, divisor);
	aux_console.priv = (void *)uart_base;
	console_set(&aux_console);
	if (msg[0]) {
		*why = msg;
		return -ERANGE;
	}
	return 0;
}
#endif

int board_console_init(const struct bootinfo *bi, const char **why)
{
	if (!bi->uart.found) {
		*why = "device tree names no console UART: staying on the fallback UART";
		return -ENOTSUP;
	}
#ifdef BOARD_RPI
	if (bi->uart.kind == UART_AUX)
		return aux_console_init(bi, why);
#endif
	if (bi->uart.kind != UART_PL011) {
		*why = "console UART is not a PL011: staying on the fallback UART";
		return -ENOTSUP;
	}
	board_console_flush();
	uart_base = (uintptr_t)bi->uart.base;
	ksnprintf(uart_name, sizeof(uart_name), "%s", bi->uart.node);
	pl011_init(uart_base);
	uart_console.priv = (void *)uart_base;
	console_set(&uart_console);
	return 0;
}

paddr_t board_console_mmio(void)
{
	return ALIGN_DOWN((paddr_t)uart_base, PAGE_SIZE);
}

const char *board_console_name(void)
{
	return uart_name;
}

void board_console_flush(void)
{
	if (uart_kind == UART_AUX)
		miniuart_flush(uart_base);
	else
		pl011_flush(uart_base);
}
