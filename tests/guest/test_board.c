/*
 * Raspberry Pi only: what board_console_init did to a mini UART console,
 * read back from the hardware. QEMU's raspi3b and raspi4b reset every
 * GPFSEL to 0 (input) and raspi4b the BCM2711 pulls to their reset values
 * (GPIO 14/15 pull-down), so ALT5 and the pulls read back after boot were
 * written by the kernel. Runs when the console is the mini UART
 * (tests/boards: rpi3-miniuart; skips otherwise, saying why).
 */
#include "board/board.h"
#include "board/gpio.h"
#include "board/mailbox.h"
#include "board/miniuart.h"
#include "mm/geometry.h"
#include "tests/guest/ktest.h"
#include "tests/guest/probe.h"

#ifdef BOARD_RPI

/* Device pages are mapped here for a test, and unmapped after it. */
#define BOARD_TEST_VA (TEST_VA + 64 * PAGE_SIZE)

#define AUX_MU_BAUD 0x28 /* from AUX_MU_IO_REG */

/* map_device: map the page holding pa at BOARD_TEST_VA as Device memory;
 * the address of pa there, or 0 if it could not be mapped. */
static uintptr_t map_device(paddr_t pa)
{
	paddr_t page = ALIGN_DOWN(pa, PAGE_SIZE);

	if (pgt_lookup(&kernel_pgt, BOARD_TEST_VA, NULL, NULL, NULL) != -ENOENT ||
	    pgt_map(&kernel_pgt, BOARD_TEST_VA, page, PAGE_SIZE,
		    MM_READ | MM_WRITE | MM_DEVICE, PGT_NO_BLOCKS) != 0)
		return 0;
	return (uintptr_t)(BOARD_TEST_VA + (pa - page));
}

static void unmap_device(void)
{
	KEXPECT_EQ(pgt_unmap(&kernel_pgt, BOARD_TEST_VA, PAGE_SIZE, NULL, NULL), 0);
}

static const struct board_miniuart *mini_uart(void)
{
	const struct board_miniuart *m = board_miniuart();

	if (!m->active) {
		ktest_skip("the console is not the mini UART");
		return NULL;
	}
	return m;
}

/* GPIO 14/15 on ALT5; on a BCM2711 the pulls 14 none, 15 up. */
KTEST(board_miniuart_pins)
{
	const struct board_miniuart *m = mini_uart();
	uintptr_t gpio;
	uint32_t fsel, pull;

	if (!m)
		return;
	KASSERT_NE(m->gpio, 0); /* the kernel left the pins as the firmware set them */
	gpio = map_device(m->gpio);
	KASSERT_NE(gpio, 0);
	fsel = *(volatile uint32_t *)(gpio + GPIO_GPFSEL1);
	KEXPECT_EQ(gpio_fsel(fsel, GPIO_UART_TX), GPIO_FSEL_ALT5);
	KEXPECT_EQ(gpio_fsel(fsel, GPIO_UART_RX), GPIO_FSEL_ALT5);
	if (m->gpio_kind == GPIO_BCM2711) {
		pull = *(volatile uint32_t *)(gpio + GPIO_PUP_PDN_CNTRL_REG0);
		KEXPECT_EQ(gpio_pull2711(pull, GPIO_UART_TX), GPIO_PULL2711_NONE);
		KEXPECT_EQ(gpio_pull2711(pull, GPIO_UART_RX), GPIO_PULL2711_UP);
		ktest_note("GPFSEL1=0x%08x GPIO_PUP_PDN_CNTRL_REG0=0x%08x", fsel, pull);
	} else {
		ktest_note("GPFSEL1=0x%08x (BCM2837 pulls are write-only: not read back)", fsel);
	}
	unmap_device();
}

/* The divisor written is the one for 115200 baud from the core clock the
 * mailbox reports now (asked again here). */
KTEST(board_miniuart_divisor)
{
	const struct board_miniuart *m = mini_uart();
	uint32_t hz = 0, want = 0, baud;
	uintptr_t mbox;

	if (!m)
		return;
	KASSERT_NE(m->mailbox, 0); /* the clock did not come from the mailbox */
	mbox = map_device(m->mailbox);
	KASSERT_NE(mbox, 0);
	KEXPECT_EQ(mailbox_clock_rate(mbox, MBOX_CLOCK_CORE, &hz), 0);
	unmap_device();
	KASSERT_EQ(miniuart_divisor(hz, 115200, &want), 0);
	KEXPECT_EQ(m->core_hz, hz);
	KEXPECT_EQ(m->divisor, want);
	/* The console's page is mapped (identity, Device). */
	baud = *(volatile uint32_t *)(uintptr_t)(m->uart + AUX_MU_BAUD) & 0xffff;
	if (baud)
		KEXPECT_EQ(baud, want);
	ktest_note("core_hz=%u divisor=%u AUX_MU_BAUD_REG reads %u%s", hz, want, baud,
		   baud ? "" : " (QEMU does not model it)");
}

#endif
