/*
 * Mini UART polled transmit (see miniuart.h). Every wait is bounded, so a
 * UART that is absent or wedged loses output instead of hanging the kernel.
 */
#include "board/miniuart.h"
#include "lib/errno.h"

/*
 * Registers, as offsets from AUX_MU_IO_REG (AUX base + 0x40, the address
 * the device tree's "reg" gives); AUX_ENABLES is in the same 4 KiB page.
 *
 *   AUX base + 0x04  AUX_ENABLES      [0] Mini UART enable
 *   AUX base + 0x40  AUX_MU_IO_REG    [7:0] transmit data (write)
 *   AUX base + 0x44  AUX_MU_IER_REG   interrupt enables (0: none)
 *   AUX base + 0x48  AUX_MU_IIR_REG   [7:6] FIFO enables: always read 1
 *   AUX base + 0x4c  AUX_MU_LCR_REG   [1:0] data size: 0b11 = 8 bits
 *   AUX base + 0x50  AUX_MU_MCR_REG   [1] RTS (0: high)
 *   AUX base + 0x54  AUX_MU_LSR_REG   [5] Transmitter empty (FIFO can take
 *                                     a byte), [6] Transmitter idle
 *   AUX base + 0x60  AUX_MU_CNTL_REG  [0] Receiver enable, [1] Transmitter enable
 *   AUX base + 0x68  AUX_MU_BAUD_REG  [15:0] baudrate divisor
 */
#define AUX_ENABLES (-0x40 + 0x04)
#define AUX_MU_IO 0x00
#define AUX_MU_IER 0x04
#define AUX_MU_IIR 0x08
#define AUX_MU_LCR 0x0c
#define AUX_MU_MCR 0x10
#define AUX_MU_LSR 0x14
#define AUX_MU_CNTL 0x20
#define AUX_MU_BAUD 0x28

#define AUX_ENABLES_MINIUART BIT(0)
#define AUX_MU_LCR_8BIT 3u      /* the datasheet documents bit 0; both are needed */
#define AUX_MU_LSR_TX_EMPTY BIT(5)
#define AUX_MU_LSR_TX_IDLE BIT(6)
#define AUX_MU_IIR_FIFO (3u << 6)
#define AUX_MU_CNTL_TX BIT(1)
#define AUX_MU_BAUD_MAX 0xffffu

/* About a second of polling at 115200 baud on a slow core, then give up. */
#define SPIN_LIMIT 10000000

static inline uint32_t rd(uintptr_t base, long reg)
{
	return *(volatile uint32_t *)(base + reg);
}

static inline void wr(uintptr_t base, long reg, uint32_t v)
{
	*(volatile uint32_t *)(base + reg) = v;
}

/* wait_set: wait until all `bits` of AUX_MU_LSR_REG are 1; false on timeout. */
static bool wait_set(uintptr_t base, uint32_t bits)
{
	for (long i = 0; i < SPIN_LIMIT; i++)
		if ((rd(base, AUX_MU_LSR) & bits) == bits)
			return true;
	return false;
}

int miniuart_divisor(uint32_t clock_hz, uint32_t baud, uint32_t *divisor)
{
	uint64_t div;

	if (clock_hz == 0 || baud == 0)
		return -EINVAL;
	/* baudrate = system_clock_freq / (8 * (baudrate_reg + 1)) */
	div = ((uint64_t)clock_hz + 4ull * baud) / (8ull * baud);
	if (div == 0 || div - 1 > AUX_MU_BAUD_MAX)
		return -EINVAL;
	*divisor = (uint32_t)(div - 1);
	return 0;
}

void miniuart_init(uintptr_t base, uint32_t divisor)
{
	if (!divisor && (rd(base, AUX_ENABLES) & AUX_ENABLES_MINIUART) &&
	    (rd(base, AUX_MU_CNTL) & AUX_MU_CNTL_TX))
		return;
	/* Let a byte the firmware left in flight go out at the old rate. */
	if (rd(base, AUX_ENABLES) & AUX_ENABLES_MINIUART)
		wait_set(base, AUX_MU_LSR_TX_IDLE);
	wr(base, AUX_ENABLES, rd(base, AUX_ENABLES) | AUX_ENABLES_MINIUART);
	wr(base, AUX_MU_CNTL, 0);
	wr(base, AUX_MU_IER, 0);
	wr(base, AUX_MU_LCR, AUX_MU_LCR_8BIT);
	wr(base, AUX_MU_MCR, 0);
	if (divisor)
		wr(base, AUX_MU_BAUD, divisor);
	wr(base, AUX_MU_CNTL, AUX_MU_CNTL_TX);
}

bool miniuart_write(uintptr_t base, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!wait_set(base, AUX_MU_LSR_TX_EMPTY))
			return false;
		wr(base, AUX_MU_IO, (uint8_t)s[i]);
	}
	return true;
}

bool miniuart_flush(uintptr_t base)
{
	return wait_set(base, AUX_MU_LSR_TX_IDLE);
}

/*
 * What a mini UART shows whatever the firmware did (BCM2835 ARM
 * Peripherals 2.1-2.2, and QEMU's bcm2835_aux): AUX_ENABLES keeps its
 * Mini UART enable bit once set (the enable is needed to reach the
 * registers at all; the old value is put back if the check fails),
 * AUX_MU_IIR_REG [7:6] read 1 with [31:8] reserved 0, and AUX_MU_LSR_REG
 * [31:8] reserved 0 with its "transmitter empty" bit set within the
 * transmit bound. A device that reads 0 (or all ones) there is not one.
 */
const char *miniuart_identify(uintptr_t base)
{
	uint32_t en = rd(base, AUX_ENABLES), v;

	if (en & ~7u)
		return "its AUX_ENABLES has reserved bits [31:3] set (not a BCM283x AUX block)";
	if (!(en & AUX_ENABLES_MINIUART)) {
		wr(base, AUX_ENABLES, en | AUX_ENABLES_MINIUART);
		if (!(rd(base, AUX_ENABLES) & AUX_ENABLES_MINIUART)) {
			wr(base, AUX_ENABLES, en);
			return "its AUX_ENABLES does not keep the Mini UART enable bit "
			       "(not a BCM283x AUX block)";
		}
	}
	v = rd(base, AUX_MU_IIR);
	if ((v & ~0xffu) || (v & AUX_MU_IIR_FIFO) != AUX_MU_IIR_FIFO)
		goto bad_iir;
	v = rd(base, AUX_MU_LSR);
	if (v & ~0xffu)
		goto bad_lsr;
	if (!wait_set(base, AUX_MU_LSR_TX_EMPTY))
		goto bad_lsr;
	return NULL;
bad_iir:
	if (!(en & AUX_ENABLES_MINIUART))
		wr(base, AUX_ENABLES, en);
	return "its AUX_MU_IIR_REG does not read 0b11 in the FIFO-enable bits [7:6] "
	       "(not a mini UART)";
bad_lsr:
	if (!(en & AUX_ENABLES_MINIUART))
		wr(base, AUX_ENABLES, en);
	return "its AUX_MU_LSR_REG never shows the transmitter empty (bit 5) "
	       "(not a working mini UART)";
}
