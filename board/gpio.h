/*
 * The BCM2837 / BCM2711 GPIO block, only as far as the mini UART console
 * needs it: GPIO 14 (TXD1) and 15 (RXD1) on alternate function 5, with the
 * pulls Linux's Raspberry Pi trees give them (TXD1 none, RXD1 pull-up).
 * Raspberry Pi boards only (BOARD_RPI3, BOARD_RPI4).
 *
 * Registers, offsets from the block's base (BCM2835 ARM Peripherals 6.1,
 * BCM2711 ARM Peripherals 5.2; Linux drivers/pinctrl/bcm/pinctrl-bcm2835.c):
 *
 *   0x04  GPFSEL1     3 bits per pin, GPIO 10..19: pin 14 [14:12], pin 15
 *                     [17:15]; 000 input, 001 output, 010 ALT5; [31:30]
 *                     reserved (read 0)
 *   0x94  GPPUD       BCM2837 only: [1:0] 00 off, 01 pull-down, 10 pull-up
 *   0x98  GPPUDCLK0   BCM2837 only: bit n latches GPPUD into pin n
 *   0xe4  GPIO_PUP_PDN_CNTRL_REG0
 *                     BCM2711 only: 2 bits per pin, GPIO 0..15: pin 14
 *                     [29:28], pin 15 [31:30]; 00 none, 01 pull-up,
 *                     10 pull-down
 *
 * The BCM2837's pulls are write-only (a clocked sequence); the BCM2711's
 * read back.
 */
#ifndef BOARD_GPIO_H
#define BOARD_GPIO_H

#include "lib/fdt.h"
#include "lib/types.h"

#define GPIO_GPFSEL1 0x04
#define GPIO_GPPUD 0x94
#define GPIO_GPPUDCLK0 0x98
#define GPIO_PUP_PDN_CNTRL_REG0 0xe4

#define GPIO_FSEL_INPUT 0u
#define GPIO_FSEL_ALT5 2u
#define GPIO_UART_TX 14
#define GPIO_UART_RX 15

/* BCM2711 GPIO_PUP_PDN_CNTRL values. */
#define GPIO_PULL2711_NONE 0u
#define GPIO_PULL2711_UP 1u
#define GPIO_PULL2711_DOWN 2u

enum gpio_kind { GPIO_BCM2835, GPIO_BCM2711 };

/* gpio_fsel: the function select field of GPIO pin 10..19 from a GPFSEL1
 * value. */
static inline unsigned gpio_fsel(uint32_t gpfsel1, unsigned pin)
{
	return (gpfsel1 >> (3 * (pin - 10))) & 7u;
}

/* gpio_pull2711: the pull field of GPIO pin 0..15 from a BCM2711
 * GPIO_PUP_PDN_CNTRL_REG0 value. */
static inline unsigned gpio_pull2711(uint32_t reg0, unsigned pin)
{
	return (reg0 >> (2 * pin)) & 3u;
}

/* gpio_span: the bytes of the block the driver touches (up to and
 * including its last register). */
uint64_t gpio_span(enum gpio_kind kind);

/*
 * gpio_find: the CPU physical address of the GPIO block the tree describes
 * for this board: a "brcm,bcm2835-gpio" node (kind GPIO_BCM2835) or a
 * "brcm,bcm2711-gpio" one (GPIO_BCM2711), the one the build's board has
 * (`want`), translated through its parents' "ranges". Returns 0, -ENOENT
 * (no such node), or -EINVAL (its "reg" cannot be read or translated, or
 * is smaller than gpio_span).
 */
int gpio_find(const struct fdt *fdt, enum gpio_kind want, paddr_t *base);

/*
 * gpio_uart_pins: put GPIO 14 and 15 on ALT5 (the mini UART) and set
 * their pulls (14 none, 15 pull-up): on a BCM2837 by the GPPUD/GPPUDCLK0
 * sequence with its waits (at least 150 cycles and 1 us each, bounded), on
 * a BCM2711 in GPIO_PUP_PDN_CNTRL_REG0. The other pins' fields are kept.
 * Then reads back: NULL if GPFSEL1 (and on a BCM2711 the pulls) show the
 * setting, else why not (in buf).
 */
const char *gpio_uart_pins(uintptr_t base, enum gpio_kind kind, char *buf, size_t n);

#endif
