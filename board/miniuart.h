/*
 * The BCM2835/BCM2837/BCM2711 mini UART (the "auxiliary" UART, Linux's
 * "brcm,bcm2835-aux-uart", ttyS1) transmit side (BCM2835 ARM Peripherals,
 * 2.2 "Mini UART"; the same block in BCM2711 ARM Peripherals, 11.3). On a
 * stock Raspberry Pi 3 or 4 it drives GPIO 14/15 (unless config.txt has
 * dtoverlay=disable-bt), and board farms wire their serial console there.
 * Polled, no interrupts, no receive.
 */
#ifndef BOOT_MINIUART_H
#define BOOT_MINIUART_H

#include "lib/types.h"

/*
 * miniuart_divisor: the AUX_MU_BAUD_REG value for `baud` from the core
 * clock `clock_hz` (baud = clock / (8 * (divisor + 1)), rounded to the
 * nearest). Returns 0, or -EINVAL if the divisor does not fit its 16 bits
 * or clock_hz or baud is 0.
 */
int miniuart_divisor(uint32_t clock_hz, uint32_t baud, uint32_t *divisor);

/*
 * miniuart_init: make sure the mini UART whose AUX_MU_IO_REG is at `base`
 * (the tree's "reg", 0x40 above the AUX block) transmits, 8-bit, at
 * `divisor`: whatever the firmware left (after its last byte left, within
 * the transmit bound), the transmitter is stopped, set up and enabled
 * again. With divisor 0 (no clock known) the divisor it holds is kept, and
 * a mini UART the firmware already enabled (AUX_ENABLES.Mini UART enable
 * and AUX_MU_CNTL_REG transmitter enable set, as enable_uart=1 leaves it)
 * is left as it is. Set the GPIO pins first (board/gpio.h).
 */
void miniuart_init(uintptr_t base, uint32_t divisor);

/* miniuart_write: send n bytes as they are (no newline translation).
 * Every wait is bounded: false when the transmitter never took a byte (the
 * rest is dropped: a dead console). */
bool miniuart_write(uintptr_t base, const char *s, size_t n);

/* miniuart_flush: wait until the last byte has left the shift register;
 * false if it never did within the bound. */
bool miniuart_flush(uintptr_t base);

/*
 * miniuart_identify: whether the registers at base (the tree's "reg",
 * AUX_MU_IO_REG) behave like a mini UART's (see miniuart.c): NULL if so,
 * else why not. May set AUX_ENABLES' Mini UART enable bit (put back when
 * the answer is no). The caller has shown that AUX_ENABLES, IIR and LSR
 * answer reads.
 */
const char *miniuart_identify(uintptr_t base);

#endif
