/*
 * Board glue (see board.h). A board config says where its fallback PL011
 * is; everything else comes from the device tree. Raspberry Pi builds also
 * drive the mini UART when /chosen/stdout-path names it (board/miniuart.c).
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/expect.h"
#include "arch/aarch64/stop.h"
#include "arch/aarch64/sysreg.h"
#include "board/board.h"
#include "board/gpio.h"
#include "board/mailbox.h"
#include "board/miniuart.h"
#include "board/pl011.h"
#include "boot/ram.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/geometry.h"
#include "lib/reason.h"

#ifndef FALLBACK_UART
#error "FALLBACK_UART must be set by the board's BOARD_DEFINES (configs/<board>.mk)"
#endif

static uintptr_t uart_base = FALLBACK_UART;
static enum uart_kind uart_kind = UART_PL011;
static char uart_name[48] = "fallback pl011";

/*
 * Whether the console is shown to work: the UART's identity was checked
 * (board_console_init) and no transmit has timed out since. A console that
 * stopped taking output (dead) drops what it is given at once (no wait per
 * byte), and the run cannot end ok (board_console_failure).
 */
static bool fallback_dead, tree_dead, fallback_checked;
static char dead_why[128];

static void console_died(const char *name, uintptr_t base)
{
	if (!dead_why[0])
		ksnprintf(dead_why, sizeof(dead_why), "console %s at 0x%llx stopped taking "
			  "output (transmit timed out)", name, (unsigned long long)base);
}

/* After a write to the tree's console: one that timed out leaves it dead
 * and hands the output to the fallback. */
static void tree_wrote(bool ok, const struct console *con)
{
	if (ok)
		return;
	tree_dead = true;
	console_died(uart_name, (uintptr_t)con->priv);
	board_console_fallback();
}

static void uart_write(const struct console *con, const char *s, size_t n)
{
	if (!tree_dead)
		tree_wrote(pl011_write((uintptr_t)con->priv, s, n), con);
}

static void uart_flush(const struct console *con)
{
	if (!tree_dead)
		pl011_flush((uintptr_t)con->priv);
}

static struct console uart_console = {
	.name = "pl011",
	.write = uart_write,
	.flush = uart_flush,
};

/* console_fallback_write: lib/console.h's early sink, the fallback PL011. */
void console_fallback_write(const char *s, size_t n)
{
	if (fallback_dead)
		return;
	if (!pl011_write(FALLBACK_UART, s, n)) {
		fallback_dead = true;
		console_died("fallback pl011", FALLBACK_UART);
	}
}

/* console_fallback_flush: lib/console.h's, for the fallback PL011. */
void console_fallback_flush(void)
{
	if (!fallback_dead)
		pl011_flush(FALLBACK_UART);
}

void board_early_console(void)
{
	pl011_init(FALLBACK_UART);
}

#ifdef BOARD_RPI
static void aux_write(const struct console *con, const char *s, size_t n)
{
	if (!tree_dead)
		tree_wrote(miniuart_write((uintptr_t)con->priv, s, n), con);
}

static void aux_flush(const struct console *con)
{
	if (!tree_dead)
		miniuart_flush((uintptr_t)con->priv);
}

static struct console aux_console = {
	.name = "miniuart",
	.write = aux_write,
	.flush = aux_flush,
};

static struct board_miniuart aux_setup;

#if defined(BOARD_RPI3) || defined(BOARD_RPI4)
#ifdef BOARD_RPI4
#define BOARD_GPIO GPIO_BCM2711
#define BOARD_GPIO_COMPAT "brcm,bcm2711-gpio"
#else
#define BOARD_GPIO GPIO_BCM2835
#define BOARD_GPIO_COMPAT "brcm,bcm2835-gpio"
#endif

/*
 * aux_pins: put GPIO 14/15 on the mini UART (gpio_uart_pins) if the tree's
 * GPIO block can be trusted, as the mailbox and the UART are: found by its
 * compatible, inside the board's device windows, not RAM, not an interrupt
 * controller (board_mmio_bad), its GPFSEL1 (and on a BCM2711 its
 * GPIO_PUP_PDN_CNTRL_REG0) answer reads (an external abort is caught), and
 * GPFSEL1's reserved bits [31:30] read 0. Nothing is written to a block
 * that fails. NULL when the pins were set and read back, else why they
 * were left as the firmware set them. MMU off.
 */
static const char *aux_pins(const struct bootinfo *bi, char *buf, size_t n)
{
	static char detail[160];
	struct expected_fault f;
	const char *bad = NULL;
	paddr_t base = 0;
	uint32_t v;
	int err;

	err = gpio_find(&bi->fdt, BOARD_GPIO, &base);
	if (err == -ENOENT)
		return "the tree has no \"" BOARD_GPIO_COMPAT "\" GPIO node";
	if (err)
		return "the tree's \"" BOARD_GPIO_COMPAT "\" node's reg cannot be read or "
		       "translated, or is shorter than the registers used";
	bad = board_mmio_bad(bi, base, gpio_span(BOARD_GPIO), detail, sizeof(detail));
	if (!bad && expect_probe_read32((uintptr_t)base + GPIO_GPFSEL1, &v, &f))
		bad = "reading its GPFSEL1 raised a fault (nothing there)";
	if (!bad && (v & 0xc0000000u)) {
		ksnprintf(detail, sizeof(detail), "its GPFSEL1 reads 0x%08x: reserved bits "
			  "[31:30] set (not a GPIO block)", v);
		bad = detail;
	}
	if (!bad && BOARD_GPIO == GPIO_BCM2711 &&
	    expect_probe_read32((uintptr_t)base + GPIO_PUP_PDN_CNTRL_REG0, &v, &f))
		bad = "reading its GPIO_PUP_PDN_CNTRL_REG0 raised a fault (nothing there)";
	if (!bad)
		bad = gpio_uart_pins((uintptr_t)base, BOARD_GPIO, detail, sizeof(detail));
	if (bad) {
		ksnprintf(buf, n, "the GPIO block at 0x%llx: %s", (unsigned long long)base, bad);
		return buf;
	}
	aux_setup.gpio = base;
	aux_setup.gpio_kind = BOARD_GPIO;
	return NULL;
}
#else
static const char *aux_pins(const struct bootinfo *bi, char *buf, size_t n)
{
	(void)bi, (void)buf, (void)n;
	return "this board's GPIO 14/15 are not on a BCM2837/BCM2711 GPIO block";
}
#endif

/*
 * aux_clock: the mini UART's clock, the VPU core clock (id 4) the firmware
 * reports through the mailbox (MMU still off), else the tree's clock for
 * the UART if it names a fixed one, else 0 (keep the divisor the firmware
 * set). *why says why the mailbox gave none (or is NULL).
 */
static uint32_t aux_clock(const struct bootinfo *bi, const char **why)
{
	static char buf[200];
	paddr_t mbox;
	uint32_t hz;
	int err;

	*why = NULL;
	if (mailbox_open(bi, &mbox, why) == 0) {
		err = mailbox_clock_rate((uintptr_t)mbox, MBOX_CLOCK_CORE, &hz);
		if (!err) {
			aux_setup.mailbox = mbox;
			return hz;
		}
		ksnprintf(buf, sizeof(buf), "the mailbox at 0x%llx gave no core clock: %s",
			  (unsigned long long)mbox, errno_name(err));
		*why = buf;
	}
	return bi->uart.clock_hz;
}

/*
 * The rate is 115200 baud, as the firmware and LAVA's Raspberry Pi device
 * types have it. Order: pins, clock, then the UART (stopped, set, enabled).
 */
static int aux_console_init(const struct bootinfo *bi, const char **why)
{
	static char msg[700], pins_buf[240]; /* msg holds both reasons whole */
	const char *pins_why, *clock_why;
	uint32_t hz, divisor = 0;
	size_t len;

	pins_why = aux_pins(bi, pins_buf, sizeof(pins_buf));
	hz = aux_clock(bi, &clock_why);
	if (hz && miniuart_divisor(hz, 115200, &divisor))
		divisor = 0;
	console_flush();
	uart_base = (uintptr_t)bi->uart.base;
	uart_kind = UART_AUX;
	ksnprintf(uart_name, sizeof(uart_name), "%s", bi->uart.node);
	miniuart_init(uart_base, divisor);
	aux_console.priv = (void *)uart_base;
	console_set(&aux_console);
	aux_setup.active = true;
	aux_setup.uart = bi->uart.base;
	aux_setup.core_hz = divisor ? hz : 0;
	aux_setup.divisor = divisor;

	len = ksnprintf(msg, sizeof(msg), "warning: mini UART");
	if (pins_why)
		len += ksnprintf(msg + len, sizeof(msg) - len, ": GPIO 14/15 left as the "
				 "firmware set them: %s", pins_why);
	if (!hz)
		len += ksnprintf(msg + len, sizeof(msg) - len, "%sno core clock (%s): keeping "
				 "the firmware's baud divisor", pins_why ? "; " : ": ",
				 clock_why ? clock_why : "no mailbox");
	else if (!divisor)
		ksnprintf(msg + len, sizeof(msg) - len, "%score clock %u Hz gives no divisor "
			  "for 115200 baud: keeping the firmware's", pins_why ? "; " : ": ", hz);
	info("mini UART %s: GPIO 14/15 %s, core_hz=%u from %s, divisor=%u (115200 baud)",
	     uart_name, aux_setup.gpio ? "on ALT5 (pulls: 14 none, 15 up)" : "as the firmware set them",
	     aux_setup.core_hz, aux_setup.mailbox ? "the mailbox" : hz ? "the tree" : "nowhere",
	     divisor);
	if (pins_why || !divisor) {
		*why = msg;
		return -ERANGE;
	}
	return 0;
}
#endif

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

bool board_device_window(uint64_t base, uint64_t size, struct mem_range *w)
{
	for (size_t i = 0; i < ARRAY_SIZE(device_windows); i++)
		if (overlaps(base, size, device_windows[i].base, device_windows[i].size)) {
			*w = device_windows[i];
			return true;
		}
	return false;
}

const char *board_mmio_bad(const struct bootinfo *bi, uint64_t base, uint64_t size,
			   char *buf, size_t n)
{
	unsigned bits = cpu_pa_bits();
	const char *intc;
	bool inside = false;

	if (base >= (1ull << bits) || (1ull << bits) - base < size) {
		ksnprintf(buf, n, "its address is beyond the %u-bit physical address range "
			  "(ID_AA64MMFR0_EL1.PARange)", bits);
		return buf;
	}
	for (size_t i = 0; i < bi->nmem; i++)
		if (overlaps(base, size, bi->mem[i].base, bi->mem[i].size))
			return "it is inside RAM";
	if (ram_claimed(base, size))
		return "it is inside RAM"; /* as the tree claimed it */
	for (size_t i = 0; i < ARRAY_SIZE(device_windows); i++)
		inside |= base >= device_windows[i].base && size <= device_windows[i].size &&
			  base - device_windows[i].base <= device_windows[i].size - size;
	if (!inside)
		return "it is outside the board's device address ranges";
	intc = dt_intc_at(bi, base, size);
	if (intc) {
		ksnprintf(buf, n, "it is the registers of the interrupt controller %s", intc);
		return buf;
	}
	return NULL;
}

/*
 * pl011_id_bad: why the device at base is not a PL011, or NULL. By its
 * PrimeCell identification registers (PL011 TRM 3.3.13-3.3.14):
 *
 *   0xfe0 UARTPeriphID0 [7:0] PartNumber0 = 0x11
 *   0xfe4 UARTPeriphID1 [3:0] PartNumber1 = 0x0, [7:4] Designer0 = 0x1
 *   0xfe8 UARTPeriphID2 [3:0] Designer1 = 0x4,   [7:4] Revision
 *   0xfec UARTPeriphID3 [7:0] Configuration
 *   0xff0..0xffc UARTPCellID0-3 [7:0] = 0x0d, 0xf0, 0x05, 0xb1
 *
 * When the hardware has them, they decide: a tree's "arm,primecell-periphid"
 * override (periphid) cannot make another PrimeCell (an RTC, a GPIO block)
 * pass. Only a device without them (the BCM2835's PL011) is taken on the
 * override's word (its part number must be 0x011), or with no override for
 * the board's own fallback UART (fallback), and then only if its registers
 * behave like a PL011's (pl011_behaves: UARTIMSC keeps a write).
 */
static const char *pl011_id_bad(uintptr_t base, uint32_t periphid, bool fallback,
				char *buf, size_t n)
{
	static const uint8_t cell[4] = { 0x0d, 0xf0, 0x05, 0xb1 };
	struct expected_fault f;
	uint32_t id = 0, v;
	bool primecell = true;
	const char *bad;

	for (unsigned i = 0; i < 4; i++)
		primecell &= !expect_probe_read32(base + 0xff0 + 4 * i, &v, &f) &&
			     (v & 0xff) == cell[i];
	if (primecell) {
		for (unsigned i = 0; i < 4; i++) {
			if (expect_probe_read32(base + 0xfe0 + 4 * i, &v, &f))
				return "its UARTPeriphID registers do not answer";
			id |= (v & 0xff) << (8 * i);
		}
		if ((id & 0xfff) == 0x011)
			return NULL;
		ksnprintf(buf, n, "its PrimeCell part number is 0x%03x, not the PL011's 0x011%s",
			  id & 0xfff, periphid ? " (read from the ID registers: the tree's "
			  "arm,primecell-periphid is not trusted over them)" : "");
		return buf;
	}
	if (!periphid && !fallback)
		return "it has no PrimeCell identification (not a PL011)";
	if (periphid && (periphid & 0xfff) != 0x011) {
		ksnprintf(buf, n, "its arm,primecell-periphid part number is 0x%03x, not the "
			  "PL011's 0x011", periphid & 0xfff);
		return buf;
	}
	if (expect_probe_read32(base + 0x38, &v, &f))
		return "its UARTIMSC does not answer (not a PL011)";
	bad = pl011_behaves(base);
	if (bad) {
		ksnprintf(buf, n, "it has no PrimeCell ID registers and %s", bad);
		return buf;
	}
	return NULL;
}

#ifdef BOARD_RPI
/* aux_id_bad: why the registers at base are not a mini UART's, or NULL:
 * the AUX block's AUX_ENABLES (0x40 below) and the IIR must answer reads,
 * then miniuart_identify decides. */
static const char *aux_id_bad(uintptr_t base)
{
	struct expected_fault f;
	uint32_t v;

	if (expect_probe_read32(base - 0x40 + 0x04, &v, &f))
		return "its AUX_ENABLES (0x40 below it) does not answer (not a BCM283x AUX block)";
	if (expect_probe_read32(base + 0x08, &v, &f))
		return "its AUX_MU_IIR_REG does not answer (not a mini UART)";
	return miniuart_identify(base);
}
#endif

/*
 * The UARTs this driver knows, and the registers each checks:
 *
 *   kind         window  aligned  probed register
 *   UART_PL011   4 KiB   4 KiB    UARTFR (0x18), then the PrimeCell ID
 *   UART_AUX     64 B    64 B     AUX_MU_LSR_REG (0x14)   (Raspberry Pi only)
 *
 * and then its identity: a PL011's ID registers (pl011_id_bad), a mini
 * UART's AUX_ENABLES, IIR and LSR (aux_id_bad).
 *
 * The mini UART's registers start 0x40 into the BCM283x AUX block (BCM2835
 * ARM Peripherals 2.2), so it is not page aligned.
 */
struct uart_shape {
	uint64_t window;
	uint64_t below;    /* the device's registers start this far below "reg" */
	unsigned probe;
	const char *reg;
};

static const struct uart_shape *uart_shape(enum uart_kind kind)
{
	static const struct uart_shape pl011 = { PL011_WINDOW, 0, 0x18, "UARTFR" };
#ifdef BOARD_RPI
	static const struct uart_shape aux = { 0x40, 0x40, 0x14, "AUX_MU_LSR_REG" };

	if (kind == UART_AUX)
		return &aux;
#endif
	return kind == UART_PL011 ? &pl011 : NULL;
}

/*
 * uart_unusable: why the tree's UART cannot be the console, or NULL: a kind
 * this driver does not know, not aligned to its register window, beyond the
 * PA size, inside a RAM bank, outside the board's device windows, on an
 * interrupt controller's registers, nothing answers a read of one of its
 * registers (MMU off: an external abort), or (a PL011) its PrimeCell ID is
 * not a PL011's.
 */
static const char *uart_unusable(const struct bootinfo *bi, char *buf, size_t n)
{
	const struct dt_uart *u = &bi->uart;
	const struct uart_shape *shape = uart_shape(u->kind);
	struct expected_fault f;
	const char *bad;
	uint64_t w;
	uint32_t v;

	if (!shape)
#ifdef BOARD_RPI
		return "its compatible is neither \"arm,pl011\" nor \"brcm,bcm2835-aux-uart\", "
		       "the ones this driver knows";
#else
		return "its compatible is not \"arm,pl011\", the one this driver knows";
#endif
	w = shape->window;
	if (!IS_ALIGNED(u->base, w)) {
		ksnprintf(buf, n, "its address is not %llu-byte aligned", (unsigned long long)w);
		return buf;
	}
	if (u->base < shape->below)
		return "its address is below the start of its register block";
	bad = board_mmio_bad(bi, u->base - shape->below, w + shape->below, buf, n);
	if (bad)
		return bad;
	if (expect_probe_read32((uintptr_t)u->base + shape->probe, &v, &f)) {
		ksnprintf(buf, n, "reading its %s raised a %s (nothing there)", shape->reg,
			  esr_is_external(f.esr) ? "synchronous external abort" : "fault");
		return buf;
	}
#ifdef BOARD_RPI
	if (u->kind == UART_AUX)
		return aux_id_bad((uintptr_t)u->base);
#endif
	return pl011_id_bad((uintptr_t)u->base, u->periphid, false, buf, n);
}

/* fallback_unusable: why the board's fallback PL011 cannot be the console
 * (nothing answers, not a PL011 by its ID registers or behaviour, or a
 * transmit there timed out), or NULL. Once checked, the answer is kept. */
static const char *fallback_unusable(char *buf, size_t n)
{
	static const char *verdict;
	struct expected_fault f;
	uint32_t v;

	if (fallback_dead)
		return "a transmit there timed out";
	if (fallback_checked)
		return verdict;
	fallback_checked = true;
	if (expect_probe_read32(FALLBACK_UART + 0x18, &v, &f))
		verdict = "reading its UARTFR raised a fault (nothing there)";
	else
		verdict = pl011_id_bad(FALLBACK_UART, 0, true, buf, n);
	return verdict;
}

static bool on_tree_uart;

/* no_console: neither the tree's UART nor the fallback is shown to work:
 * the run stops failed (its exit status says so where nothing is printed). */
static NORETURN void no_console(const char *tree, const char *fallback)
{
	fallback_dead = true; /* nothing more is written there */
	stop_fail("no working console: %s; the fallback pl011 at 0x%llx: %s", tree,
		  (unsigned long long)FALLBACK_UART, fallback);
}

int board_console_init(const struct bootinfo *bi, const char **why)
{
	static char msg[320], detail[160], fdetail[160];
	const char *bad, *fbad;

	if (!bi->uart.found) {
		fbad = fallback_unusable(fdetail, sizeof(fdetail));
		if (fbad)
			no_console("the device tree names no console UART", fbad);
		*why = "device tree names no console UART: staying on the fallback UART";
		return -ENOTSUP;
	}
	bad = uart_unusable(bi, detail, sizeof(detail));
	if (bad) {
		fbad = fallback_unusable(fdetail, sizeof(fdetail));
		if (fbad) {
			ksnprintf(msg, sizeof(msg), "console UART %s at 0x%llx not used: %s",
				  bi->uart.node, (unsigned long long)bi->uart.base, bad);
			no_console(msg, fbad);
		}
		ksnprintf(msg, sizeof(msg), "warning: console UART %s at 0x%llx not used: %s; "
			  "staying on the fallback UART", bi->uart.node,
			  (unsigned long long)bi->uart.base, bad);
		*why = msg;
		return -ENOTSUP;
	}
	on_tree_uart = true;
#ifdef BOARD_RPI
	if (bi->uart.kind == UART_AUX)
		return aux_console_init(bi, why);
#endif
	console_flush();
	uart_base = (uintptr_t)bi->uart.base;
	ksnprintf(uart_name, sizeof(uart_name), "%s", bi->uart.node);
	pl011_init(uart_base);
	uart_console.priv = (void *)uart_base;
	console_set(&uart_console);
	return 0;
}

void board_console_fallback(void)
{
	static char fdetail[160];
	bool mmu_on = read_sysreg(sctlr_el1) & 1;

	/* After the MMU is on, only the tree's UART page is mapped. */
	if (!on_tree_uart || mmu_on || fallback_unusable(fdetail, sizeof(fdetail)))
		return;
	on_tree_uart = false;
	uart_base = FALLBACK_UART;
	uart_kind = UART_PL011;
	ksnprintf(uart_name, sizeof(uart_name), "fallback pl011");
	console_set(NULL);
	info("warning: %s: back on the fallback UART; the run will end failed", dead_why);
}

const char *board_console_failure(void)
{
	if (tree_dead || (fallback_dead && !on_tree_uart))
		return dead_why[0] ? dead_why : "the console stopped taking output";
	return NULL;
}

paddr_t board_console_mmio(void)
{
	return ALIGN_DOWN((paddr_t)uart_base, PAGE_SIZE);
}

const char *board_console_name(void)
{
	return uart_name;
}

const struct board_miniuart *board_miniuart(void)
{
#ifdef BOARD_RPI
	return &aux_setup;
#else
	static const struct board_miniuart none;

	return &none;
#endif
}
