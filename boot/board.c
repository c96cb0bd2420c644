/*
 * Board glue (see board.h). A board config says where its fallback PL011
 * is; everything else comes from the device tree.
 */
#include "boot/board.h"
#include "boot/pl011.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/geometry.h"

#ifndef FALLBACK_UART
#error "FALLBACK_UART must be set by the board's BOARD_DEFINES (configs/<board>.mk)"
#endif

static uintptr_t uart_base = FALLBACK_UART;
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

int board_console_init(const struct bootinfo *bi, const char **why)
{
	if (!bi->uart.found) {
		*why = "device tree names no console UART: staying on the fallback UART";
		return -ENOTSUP;
	}
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
	pl011_flush(uart_base);
}
