/*
 * Host tests of the mini UART driver (board/miniuart.c) against a register
 * block in memory: the baud divisor from the core clock (BCM2835 ARM
 * Peripherals 2.2.1: baudrate = clock / (8 * (divisor + 1))), the enable
 * sequence, leaving a firmware-enabled UART alone, and bounded transmit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "board/miniuart.h"
#include "lib/errno.h"

/* Word offsets in the AUX block (AUX base = regs). */
#define ENABLES (0x04 / 4)
#define IO (0x40 / 4)
#define LCR (0x4c / 4)
#define IIR (0x48 / 4)
#define LSR (0x54 / 4)
#define CNTL (0x60 / 4)
#define BAUD (0x68 / 4)

static uint32_t regs[0x80 / 4];

static uintptr_t base(void)
{
	return (uintptr_t)&regs[IO];   /* the tree's "reg": AUX base + 0x40 */
}

static void test_divisor(void **state)
{
	uint32_t d;

	assert_int_equal(miniuart_divisor(250000000, 115200, &d), 0);
	assert_int_equal(d, 270);      /* Pi 3, core_freq=250: 115313 baud */
	assert_int_equal(miniuart_divisor(500000000, 115200, &d), 0);
	assert_int_equal(d, 542);      /* Pi 4, core clock 500 MHz */
	assert_int_equal(miniuart_divisor(350000000, 115200, &d), 0);
	assert_int_equal(d, 379);      /* QEMU raspi's core clock */
	assert_int_equal(miniuart_divisor(0, 115200, &d), -EINVAL);
	assert_int_equal(miniuart_divisor(250000000, 0, &d), -EINVAL);
	assert_int_equal(miniuart_divisor(400000, 115200, &d), -EINVAL);   /* divisor < 0 */
	assert_int_equal(miniuart_divisor(4000000000u, 300, &d), -EINVAL); /* > 16 bits */
}

static void test_init_enables(void **state)
{
	memset(regs, 0, sizeof(regs));
	regs[BAUD] = 0x1234;
	miniuart_init(base(), 270);
	assert_int_equal(regs[ENABLES] & 1, 1);
	assert_int_equal(regs[LCR], 3);
	assert_int_equal(regs[BAUD], 270);
	assert_int_equal(regs[CNTL], 2);

	memset(regs, 0, sizeof(regs));  /* divisor 0: keep the one it holds */
	regs[BAUD] = 0x1234;
	miniuart_init(base(), 0);
	assert_int_equal(regs[BAUD], 0x1234);
}

static void test_init_keeps_firmware_setup(void **state)
{
	/* No divisor known: what the firmware enabled is left as it is. */
	memset(regs, 0, sizeof(regs));
	regs[ENABLES] = 1;
	regs[CNTL] = 3;
	regs[LCR] = 1;
	regs[BAUD] = 541;
	miniuart_init(base(), 0);
	assert_int_equal(regs[CNTL], 3);
	assert_int_equal(regs[LCR], 1);
	assert_int_equal(regs[BAUD], 541);
}

static void test_init_overrides_firmware_divisor(void **state)
{
	/* A divisor from the core clock replaces the firmware's choice. */
	memset(regs, 0, sizeof(regs));
	regs[ENABLES] = 1;
	regs[CNTL] = 3;
	regs[LCR] = 1;
	regs[LSR] = 0x60;              /* its last byte has left */
	regs[BAUD] = 541;
	miniuart_init(base(), 270);
	assert_int_equal(regs[LCR], 3);
	assert_int_equal(regs[BAUD], 270);
	assert_int_equal(regs[CNTL], 2);
}

static void test_write(void **state)
{
	memset(regs, 0, sizeof(regs));
	regs[LSR] = 0x60;               /* transmitter empty and idle */
	miniuart_write(base(), "ok\n", 3);
	assert_int_equal(regs[IO], '\n');
	miniuart_flush(base());

	regs[LSR] = 0;                  /* wedged: gives up instead of hanging */
	regs[IO] = 0;
	assert_false(miniuart_write(base(), "x", 1)); /* the console is dead */
	assert_int_equal(regs[IO], 0);
	assert_false(miniuart_flush(base()));
	regs[LSR] = 0x60;
	assert_true(miniuart_write(base(), "y", 1));
	assert_true(miniuart_flush(base()));
}

/* miniuart_identify: a mini UART's registers (IIR [7:6] = 1, LSR showing
 * the transmitter empty, AUX_ENABLES keeping its bit) pass; a device that
 * reads 0, one that reads all ones, or one whose AUX_ENABLES does not keep
 * the bit do not, and AUX_ENABLES is put back. (Plain memory keeps the
 * enable bit, as the real AUX block does.) */
static void test_identify(void **state)
{
	memset(regs, 0, sizeof(regs));
	regs[IIR] = 0xc1;
	regs[LSR] = 0x60;
	assert_null(miniuart_identify(base()));
	assert_int_equal(regs[ENABLES] & 1, 1);  /* enabled to reach the registers */

	memset(regs, 0, sizeof(regs));           /* another device: reads 0 */
	const char *why = miniuart_identify(base());
	assert_non_null(why);
	assert_non_null(strstr(why, "AUX_MU_IIR_REG"));
	assert_int_equal(regs[ENABLES], 0);      /* put back */

	memset(regs, 0xff, sizeof(regs));        /* all ones */
	why = miniuart_identify(base());
	assert_non_null(why);
	assert_non_null(strstr(why, "AUX_ENABLES"));

	memset(regs, 0, sizeof(regs));           /* IIR right, transmitter never empty */
	regs[ENABLES] = 1;
	regs[IIR] = 0xc0;
	why = miniuart_identify(base());
	assert_non_null(why);
	assert_non_null(strstr(why, "AUX_MU_LSR_REG"));
	assert_int_equal(regs[ENABLES], 1);      /* the firmware's enable stays */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_divisor),
		cmocka_unit_test(test_init_enables),
		cmocka_unit_test(test_init_keeps_firmware_setup),
		cmocka_unit_test(test_init_overrides_firmware_divisor),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_identify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
