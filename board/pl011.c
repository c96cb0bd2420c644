/*
 * PL011 polled transmit (see pl011.h). Every wait is bounded, so a UART
 * that is absent or wedged loses output instead of hanging the kernel.
 */
#include "board/pl011.h"

/* Register offsets. */
#define UARTDR 0x000
#define UARTFR 0x018
#define UARTLCR_H 0x02c
#define UARTCR 0x030
#define UARTIMSC 0x038

/* UARTFR: BUSY [3] transmitting, TXFF [5] transmit FIFO full. */
#define UARTFR_BUSY BIT(3)
#define UARTFR_TXFF BIT(5)
/* UARTLCR_H: FEN [4] FIFOs enabled, WLEN [6:5] word length (0b11 = 8). */
#define UARTLCR_H_FEN BIT(4)
#define UARTLCR_H_WLEN_8 (3u << 5)
/* UARTCR: UARTEN [0], TXE [8], RXE [9]. */
#define UARTCR_UARTEN BIT(0)
#define UARTCR_TXE BIT(8)
#define UARTCR_RXE BIT(9)

/* About a second of polling at 115200 baud on a slow core, then give up. */
#define SPIN_LIMIT 10000000

static inline uint32_t rd(uintptr_t base, unsigned reg)
{
	return *(volatile uint32_t *)(base + reg);
}

static inline void wr(uintptr_t base, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(base + reg) = v;
}

/* wait_clear: wait until all `bits` of UARTFR are 0; false on timeout. */
static bool wait_clear(uintptr_t base, uint32_t bits)
{
	for (long i = 0; i < SPIN_LIMIT; i++)
		if (!(rd(base, UARTFR) & bits))
			return true;
	return false;
}

void pl011_init(uintptr_t base)
{
	uint32_t cr = rd(base, UARTCR);

	if ((cr & (UARTCR_UARTEN | UARTCR_TXE)) == (UARTCR_UARTEN | UARTCR_TXE))
		return;
	/* TRM 3.3.8: disable, let the current character finish, program
	 * the line control, then enable. */
	wr(base, UARTCR, 0);
	wait_clear(base, UARTFR_BUSY);
	wr(base, UARTLCR_H, UARTLCR_H_WLEN_8 | UARTLCR_H_FEN);
	wr(base, UARTCR, UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE);
}

bool pl011_write(uintptr_t base, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!wait_clear(base, UARTFR_TXFF))
			return false;
		wr(base, UARTDR, (uint8_t)s[i]);
	}
	return true;
}

bool pl011_flush(uintptr_t base)
{
	return wait_clear(base, UARTFR_BUSY);
}

/*
 * UARTIMSC [10:0] (TRM 3.3.10) is read/write; [15:11] read as zero. Two
 * complementary patterns must read back as written, then the old mask is
 * restored (interrupts stay masked at the CPU meanwhile).
 */
const char *pl011_behaves(uintptr_t base)
{
	static const uint32_t pattern[2] = { 0x555, 0x2aa };
	uint32_t old = rd(base, UARTIMSC);
	bool ok = (old & ~0x7ffu) == 0;

	for (unsigned i = 0; ok && i < 2; i++) {
		wr(base, UARTIMSC, pattern[i]);
		ok = rd(base, UARTIMSC) == pattern[i];
	}
	wr(base, UARTIMSC, old & 0x7ffu);
	if (!ok)
		return "its UARTIMSC does not keep a write (not a PL011)";
	if (rd(base, UARTFR) & ~0x1ffu)
		return "its UARTFR has reserved bits [31:9] set (not a PL011)";
	return NULL;
}
