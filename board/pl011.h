/*
 * Arm PrimeCell UART (PL011) transmit side (PL011 TRM, Arm DDI0183G,
 * 3.3 "Register descriptions"). Polled, no interrupts, no receive.
 */
#ifndef BOOT_PL011_H
#define BOOT_PL011_H

#include "lib/types.h"

/*
 * pl011_init: make sure the UART at base transmits. If firmware already
 * enabled it (UARTCR.UARTEN and TXE set) nothing changes, baud rate
 * included; otherwise 8N1 with FIFOs is enabled at whatever baud divisors
 * it holds (QEMU ignores them; real firmware always sets them).
 */
void pl011_init(uintptr_t base);

/* pl011_write: send n bytes as they are (no newline translation). Every
 * wait is bounded: false when the transmit FIFO stayed full (the rest is
 * dropped: a dead console). */
bool pl011_write(uintptr_t base, const char *s, size_t n);

/* pl011_flush: wait until the last byte has left the shift register; false
 * if it never did within the bound. */
bool pl011_flush(uintptr_t base);

/*
 * pl011_behaves: for a UART without PrimeCell ID registers (the BCM2835's),
 * whether the registers at base behave like a PL011's: UARTIMSC keeps two
 * patterns written to it (the old value restored) and UARTFR's reserved
 * bits read 0. NULL if so, else why not. A device that reads 0 everywhere
 * fails.
 */
const char *pl011_behaves(uintptr_t base);

#endif
