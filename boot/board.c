/*
 * Board glue (see board.h). A board config says where its fallback PL011
 * is; everything else comes from the device tree.
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/expect.h"
#include "boot/board.h"
#include "boot/pl011.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"

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

/*
 * Where the board has device registers (physical addresses): a console UART
 * from the tree must lie inside one. From QEMU's hw/arm/virt.c memory map
 * (GIC at 0x08000000 up to the PCIe windows below RAM at 0x40000000) and
 * the BCM2837/BCM2711/BCM2712 peripheral maps.
 */
static const struct mem_range device_windows[] = {
#if defined(BOARD_QEMU_VIRT)
	{ 0x08000000, 0x38000000 },
#elif defined(BOARD_RPI3)
	{ 0x3f000000, 0x01040000 },  /* peripherals and the ARM local block */
#elif defined(BOARD_RPI4)
	{ 0xfc000000, 0x04000000 },  /* low-peripheral mode */
	{ 0x47c000000, 0x04000000 }, /* high-peripheral mode */
#elif defined(BOARD_RPI5)
	{ 0x1000000000, 0x80000000 },
#else
#error "no device window for this board"
#endif
};

#define PL011_WINDOW 0x1000 /* a PL011's registers: one 4 KiB block */

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

/*
 * uart_unusable: why the tree's UART cannot be the console, or NULL: not a
 * PL011, not 4 KiB aligned, beyond the PA size, inside a RAM bank, outside
 * the board's device windows, on an interrupt controller's registers, or
 * nothing answers a read of its flag register (MMU off: an external abort).
 */
static const char *uart_unusable(const struct bootinfo *bi, char *buf, size_t n)
{
	const struct dt_uart *u = &bi->uart;
	struct expected_fault f;
	unsigned bits = cpu_pa_bits();
	const char *intc;
	uint32_t fr;
	bool inside = false;

	if (u->kind != UART_PL011)
		return "its compatible is not \"arm,pl011\", the one this driver knows";
	if (!IS_ALIGNED(u->base, PL011_WINDOW))
		return "its address is not 4 KiB aligned";
	if (u->base >= (1ull << bits) || (1ull << bits) - u->base < PL011_WINDOW) {
		ksnprintf(buf, n, "its address is beyond the %u-bit physical address range "
			  "(ID_AA64MMFR0_EL1.PARange)", bits);
		return buf;
	}
	for (size_t i = 0; i < bi->nmem; i++)
		if (overlaps(u->base, PL011_WINDOW, bi->mem[i].base, bi->mem[i].size))
			return "it is inside RAM";
	for (size_t i = 0; i < ARRAY_SIZE(device_windows); i++)
		inside |= u->base >= device_windows[i].base &&
			  u->base - device_windows[i].base <= device_windows[i].size - PL011_WINDOW;
	if (!inside)
		return "it is outside the board's device address ranges";
	intc = dt_intc_at(bi, u->base, PL011_WINDOW);
	if (intc) {
		ksnprintf(buf, n, "it is the registers of the interrupt controller %s", intc);
		return buf;
	}
	if (expect_probe_read32((uintptr_t)u->base + 0x18, &fr, &f)) {
		ksnprintf(buf, n, "reading its UARTFR raised a %s (nothing there)",
			  esr_is_external(f.esr) ? "synchronous external abort" : "fault");
		return buf;
	}
	return NULL;
}

int board_console_init(const struct bootinfo *bi, const char **why)
{
	static char msg[224], detail[120];
	const char *bad;

	if (!bi->uart.found) {
		*why = "device tree names no console UART: staying on the fallback UART";
		return -ENOTSUP;
	}
	bad = uart_unusable(bi, detail, sizeof(detail));
	if (bad) {
		ksnprintf(msg, sizeof(msg), "warning: console UART %s at 0x%llx not used: %s; "
			  "staying on the fallback UART", bi->uart.node,
			  (unsigned long long)bi->uart.base, bad);
		*why = msg;
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
