/*
 * Host tests of the Linux program's user-space PMU read (tools/linux/
 * rdpmc.h): the perf_event_mmap_page seqlock protocol against a fake page
 * and a fake counter, including the kernel updating the page mid-read, an
 * event off its counter, and a 32-bit counter that wrapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tools/linux/rdpmc.h"

static struct perf_event_mmap_page page;
static uint64_t counter_value;   /* what the fake counter reads */
static uint32_t last_index;      /* the index it was asked for */
static unsigned reads;           /* how often it was read */
static unsigned bump_on_read;    /* read n (1-based) plays a kernel update */

/* The fake counter; on read bump_on_read it updates the page as the kernel
 * would (lock odd, new offset, lock even again), so the reader must retry. */
static uint64_t fake_counter(uint32_t index)
{
	last_index = index;
	reads++;
	if (reads == bump_on_read) {
		page.lock += 2;
		page.offset += 1000;
		counter_value = 5;
	}
	return counter_value;
}

static int setup(void **state)
{
	memset(&page, 0, sizeof(page));
	page.cap_user_rdpmc = 1;
	page.pmc_width = 64;
	page.index = RDPMC_INDEX_CYCLES;
	counter_value = 0;
	last_index = 0;
	reads = 0;
	bump_on_read = 0;
	return 0;
}

static void test_sext(void **state)
{
	assert_int_equal(rdpmc_sext(0xffffffffull, 32), UINT64_MAX);
	assert_int_equal(rdpmc_sext(0x7fffffffull, 32), 0x7fffffffull);
	/* Bits above the width are the counter's garbage, not the value's. */
	assert_int_equal(rdpmc_sext(0xabcd00000005ull, 32), 5);
	assert_int_equal(rdpmc_sext(0x800000000000ull, 48), 0xffff800000000000ull);
	assert_int_equal(rdpmc_sext(0x8000000000000000ull, 64), 0x8000000000000000ull);
	assert_int_equal(rdpmc_sext(123, 0), 123);
}

/* Index 32 is PMCCNTR_EL0: offset + counter, the counter read once. */
static void test_cycle_counter(void **state)
{
	page.offset = -100;
	counter_value = 5000;
	assert_int_equal(rdpmc_read(&page, fake_counter), 4900);
	assert_int_equal(last_index, 32);
	assert_int_equal(reads, 1);
}

/* An event counter keeps the page's numbering (PMEVCNTR<index-1>). */
static void test_event_counter_index(void **state)
{
	page.index = 3;
	counter_value = 7;
	assert_int_equal(rdpmc_read(&page, fake_counter), 7);
	assert_int_equal(last_index, 3);
}

/* A 32-bit counter that wrapped past the offset the kernel set. */
static void test_32bit_wrap(void **state)
{
	page.pmc_width = 32;
	page.index = 1;
	page.offset = 0x100000010ll;      /* folded in by the overflow handler */
	counter_value = 0xfffffff0ull;    /* -16 as a 32-bit count */
	assert_int_equal(rdpmc_read(&page, fake_counter), 0x100000000ull);
}

/* Index 0: the event is off its counter; the count is the offset alone. */
static void test_not_on_a_counter(void **state)
{
	page.index = 0;
	page.offset = 42;
	counter_value = 999;
	assert_int_equal(rdpmc_read(&page, fake_counter), 42);
	assert_int_equal(reads, 0);
}

/* Without cap_user_rdpmc EL0 must not touch the counter (it would trap). */
static void test_no_user_access(void **state)
{
	page.cap_user_rdpmc = 0;
	page.offset = 42;
	assert_int_equal(rdpmc_read(&page, fake_counter), 42);
	assert_int_equal(reads, 0);
}

/* The kernel updates the page during the read: the reader retries and
 * returns the new offset with the new counter value, never a mix. */
static void test_seqlock_retry(void **state)
{
	page.offset = 10;
	counter_value = 100;
	bump_on_read = 1;
	assert_int_equal(rdpmc_read(&page, fake_counter), 1010 + 5);
	assert_int_equal(reads, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sext, setup),
		cmocka_unit_test_setup(test_cycle_counter, setup),
		cmocka_unit_test_setup(test_event_counter_index, setup),
		cmocka_unit_test_setup(test_32bit_wrap, setup),
		cmocka_unit_test_setup(test_not_on_a_counter, setup),
		cmocka_unit_test_setup(test_no_user_access, setup),
		cmocka_unit_test_setup(test_seqlock_retry, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
