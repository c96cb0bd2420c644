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

/* pl011_write: send n bytes as they are (no newline translation). */
void pl011_write(uintptr_t base, const char *s, size_t n);

/* pl011_flush: wait until the last byte has left the shift register. */
void pl011_flush(uintptr_t base);

#endif
