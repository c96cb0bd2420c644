/*
 * arch/aarch64/esr.c on the host: the exception-class and fault-status-code
 * tables, the FAULT_* flags the fault path gets (the inline fast-path
 * decoder against the general one, for every code), and the text of the
 * crash report, with ESR values as the hardware reports them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/aarch64/esr.h"
#include "lib/errno.h"

#define KINDS (FAULT_TRANSLATION | FAULT_PERMISSION | FAULT_ACCESS_FLAG | FAULT_OTHER)
#define ACCESSES (FAULT_READ | FAULT_WRITE | FAULT_EXEC)

/* esr: an ESR_EL1 value from its class, IL = 1, and an ISS. */
static uint64_t esr(unsigned ec, uint32_t iss)
{
	return ((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | iss;
}

static void test_class_names(void **state)
{
	(void)state;
	assert_string_equal(esr_class_name(EC_DABT_CUR), "Data Abort, same EL");
	assert_string_equal(esr_class_name(EC_IABT_CUR), "Instruction Abort, same EL");
	assert_string_equal(esr_class_name(EC_UNKNOWN), "Unknown reason");
	assert_string_equal(esr_class_name(EC_BRK64), "BRK (AArch64)");
	assert_string_equal(esr_class_name(0x02), "reserved EC");
	assert_string_equal(esr_class_name(0x3f), "reserved EC");
	assert_string_equal(esr_class_name(64), "reserved EC");
	assert_int_equal(ESR_EC(esr(0x25, 0)), 0x25);
}

/* Every code has a name and exactly one kind, and a code whose name says
 * "level N" (N = 0..3) carries level N. */
static void test_fsc_table_complete(void **state)
{
	(void)state;
	for (unsigned fsc = 0; fsc < 64; fsc++) {
		const struct esr_fsc *e = &esr_fsc_table[fsc];
		unsigned kind = e->flags & KINDS;
		const char *lvl;

		assert_non_null(e->name);
		assert_true(kind != 0 && (kind & (kind - 1)) == 0);
		assert_int_equal(e->flags & ACCESSES, 0);
		lvl = strstr(e->name, "level ");
		if (lvl && lvl[6] >= '0' && lvl[6] <= '3')
			assert_int_equal(FAULT_LEVEL(e->flags), lvl[6] - '0');
		else
			assert_int_equal(FAULT_LEVEL(e->flags), 0);
	}
}

static void test_fsc_kinds(void **state)
{
	(void)state;
	for (unsigned l = 0; l < 4; l++) {
		assert_int_equal(esr_fsc_table[0x04 + l].flags,
				 FAULT_TRANSLATION | (l << FAULT_LEVEL_SHIFT));
		assert_int_equal(esr_fsc_table[0x0c + l].flags,
				 FAULT_PERMISSION | (l << FAULT_LEVEL_SHIFT));
		assert_int_equal(esr_fsc_table[0x00 + l].flags & KINDS, FAULT_OTHER);
	}
	for (unsigned l = 1; l < 4; l++)
		assert_int_equal(esr_fsc_table[0x08 + l].flags,
				 FAULT_ACCESS_FLAG | (l << FAULT_LEVEL_SHIFT));
	assert_string_equal(esr_fsc_table[0x21].name, "alignment fault");
	assert_int_equal(esr_fsc_table[0x21].flags, FAULT_OTHER);
	assert_int_equal(esr_fsc_table[0x10].flags, FAULT_OTHER);
	assert_int_equal(esr_fsc_table[0x2b].flags, FAULT_OTHER); /* level -1 */
	assert_string_equal(esr_fsc_table[0x3f].name, "reserved fault status code");
}

/* WnR && !CM is a write: a cache maintenance instruction reports WnR = 1. */
static void test_data_abort_flags(void **state)
{
	(void)state;
	assert_int_equal(esr_fault_flags(esr(EC_DABT_CUR, ISS_DA_WnR | 0x07)),
			 FAULT_WRITE | FAULT_TRANSLATION | (3 << FAULT_LEVEL_SHIFT));
	assert_int_equal(esr_fault_flags(esr(EC_DABT_CUR, 0x0f)),
			 FAULT_READ | FAULT_PERMISSION | (3 << FAULT_LEVEL_SHIFT));
	assert_int_equal(esr_fault_flags(esr(EC_DABT_CUR, ISS_DA_WnR | ISS_DA_CM | 0x06)),
			 FAULT_READ | FAULT_TRANSLATION | (2 << FAULT_LEVEL_SHIFT));
	assert_int_equal(esr_fault_flags(esr(EC_DABT_LOW, ISS_DA_WnR | 0x21)),
			 FAULT_WRITE | FAULT_OTHER);

	/* The vector's inline decoder agrees with the general one everywhere. */
	for (unsigned fsc = 0; fsc < 64; fsc++)
		for (unsigned bits = 0; bits < 4; bits++) {
			uint32_t iss = fsc | ((bits & 1) ? ISS_DA_WnR : 0) |
				       ((bits & 2) ? ISS_DA_CM : 0) | ISS_DA_ISV;
			uint64_t e = esr(EC_DABT_CUR, iss);
			unsigned f = esr_dabt_flags(e);

			assert_int_equal(f, esr_fault_flags(e));
			assert_int_equal(f & ACCESSES,
					 bits == 1 ? FAULT_WRITE : FAULT_READ);
		}
}

static void test_instruction_abort_and_others(void **state)
{
	(void)state;
	assert_int_equal(esr_fault_flags(esr(EC_IABT_CUR, 0x0f)),
			 FAULT_EXEC | FAULT_PERMISSION | (3 << FAULT_LEVEL_SHIFT));
	assert_int_equal(esr_fault_flags(esr(EC_IABT_LOW, 0x05)),
			 FAULT_EXEC | FAULT_TRANSLATION | (1 << FAULT_LEVEL_SHIFT));
	assert_true(esr_is_abort(esr(EC_IABT_CUR, 0)));
	assert_true(esr_is_abort(esr(EC_DABT_LOW, 0)));
	assert_false(esr_is_abort(esr(EC_SVC64, 0)));
	assert_int_equal(esr_fault_flags(esr(EC_UNKNOWN, 0)), 0);
	assert_int_equal(esr_fault_flags(esr(EC_BRK64, 0x07)), 0);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static void test_describe(void **state)
{
	char buf[320];
	int n;

	(void)state;
	/* A store to an unmapped level-1 range, as QEMU reports it. */
	n = esr_describe(0x96000045, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_contains(buf, "EC 0x25 (Data Abort, same EL) IL=1 ISS 0x0000045");
	assert_contains(buf, "ISV=0 FnV=0 EA=0 CM=0 S1PTW=0 WnR=1");
	assert_contains(buf, "DFSC=0x05 (translation fault, level 1)");

	/* ISV = 1: a 64-bit load (SAS = 3) into x5 (SRT), SF = 1. */
	esr_describe(esr(EC_DABT_CUR, ISS_DA_ISV | (3u << ISS_DA_SAS_SHIFT) |
					  (5u << ISS_DA_SRT_SHIFT) | ISS_DA_SF | 0x0f),
		     buf, sizeof(buf));
	assert_contains(buf, "ISV=1 SAS=3 SSE=0 SRT=5 SF=1 AR=0");
	assert_contains(buf, "WnR=0 DFSC=0x0f (permission fault, level 3)");

	esr_describe(esr(EC_IABT_CUR, 0x0f), buf, sizeof(buf));
	assert_contains(buf, "(Instruction Abort, same EL)");
	assert_contains(buf, "IFSC=0x0f (permission fault, level 3)");

	esr_describe(esr(EC_BRK64, 0x3e8), buf, sizeof(buf));
	assert_contains(buf, "EC 0x3c (BRK (AArch64))");
	assert_contains(buf, "imm16=0x03e8");

	esr_describe(esr(0x3f, 0x123), buf, sizeof(buf));
	assert_contains(buf, "reserved EC");
}

/* A short buffer truncates (NUL-terminated) but reports the full length. */
static void test_describe_truncates(void **state)
{
	char full[320], small[24];
	int n_full, n_small;

	(void)state;
	n_full = esr_describe(0x96000045, full, sizeof(full));
	memset(small, 'x', sizeof(small));
	n_small = esr_describe(0x96000045, small, sizeof(small));
	assert_int_equal(n_small, n_full);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(esr_describe(0x96000045, NULL, 0), n_full);
}

/* The done line's reason: an external abort is named as one, even when the
 * fault path refused it with -EFAULT (before the mm exists, or a kernel
 * address outside every VMA): it is not a segmentation fault. */
static void test_abort_reason(void **state)
{
	(void)state;
	assert_true(esr_is_external(esr(EC_DABT_CUR, 0x10)));
	assert_true(esr_is_external(esr(EC_IABT_CUR, 0x10)));
	for (unsigned fsc = 0x13; fsc <= 0x17; fsc++)
		assert_true(esr_is_external(esr(EC_DABT_CUR, fsc)));
	assert_false(esr_is_external(esr(EC_DABT_CUR, 0x07))); /* translation, level 3 */
	assert_false(esr_is_external(esr(EC_DABT_CUR, 0x18)));
	assert_false(esr_is_external(esr(0x15, 0x10)));        /* an SVC, not an abort */
	assert_string_equal(esr_abort_reason(esr(EC_DABT_CUR, 0x10), -EFAULT),
			    "synchronous external abort");
	assert_string_equal(esr_abort_reason(esr(EC_DABT_CUR, 0x15), -EFAULT),
			    "synchronous external abort on table walk, level 1");
	assert_string_equal(esr_abort_reason(esr(EC_DABT_CUR, 0x07), -EFAULT),
			    "segmentation fault");
	assert_string_equal(esr_abort_reason(esr(EC_DABT_CUR, 0x07), -ENOMEM), "out of memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_fsc_table_complete),
		cmocka_unit_test(test_fsc_kinds),
		cmocka_unit_test(test_data_abort_flags),
		cmocka_unit_test(test_instruction_abort_and_others),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_describe_truncates),
		cmocka_unit_test(test_abort_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
