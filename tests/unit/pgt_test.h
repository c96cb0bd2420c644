/*
 * The fixture of the translation-table tests (test_pgtable.c, and
 * test_granule.c at every granule): one pgtable on fake RAM, the free page
 * count it started from, and the checks every test repeats. Include after
 * <cmocka.h>; each file includes it once, so its statics are its own.
 */
#ifndef TESTS_UNIT_PGT_TEST_H
#define TESTS_UNIT_PGT_TEST_H

#include "fake_env.h"
#include "lib/errno.h"
#include "mm/fault.h"
#include "mm/pgtable.h"

static struct pgtable pgt;
static size_t free_at_start;

/* pgt_env_setup: `bytes` of fake RAM and an empty table (its root only). */
static inline void pgt_env_setup(uint64_t bytes)
{
	fake_env_init(bytes);
	free_at_start = page_free_count();
	assert_int_equal(pgt_init(&pgt), 0);
	assert_int_equal(pgt_table_pages(&pgt), 1);
	assert_int_equal(pgt_check(&pgt), 0);
	fake_stats_reset();
}

/* teardown: no break-before-make violation left behind, every table page back. */
static inline int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_stats.bbm_violations, 0);
	pgt_destroy(&pgt);
	assert_int_equal(page_free_count(), free_at_start);
	fake_env_free();
	return 0;
}

/* check: the tables are well formed and hold exactly the pages they count. */
static inline void check(void)
{
	assert_int_equal(pgt_check(&pgt), 0);
	assert_int_equal(page_free_count(), free_at_start - pgt_table_pages(&pgt));
}

/* expect_map: va -> pa with attrs at level, through pgt_lookup. */
static inline void expect_map(vaddr_t va, paddr_t pa, unsigned attrs, int level)
{
	paddr_t got_pa;
	unsigned got_attrs;
	int got_level;

	assert_int_equal(pgt_lookup(&pgt, va, &got_pa, &got_attrs, &got_level), 0);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_attrs, attrs);
	assert_int_equal(got_level, level);
}

/* expect_unmapped: pgt_lookup finds nothing at va. */
static inline void expect_unmapped(vaddr_t va)
{
	assert_int_equal(pgt_lookup(&pgt, va, NULL, NULL, NULL), -ENOENT);
}

/* translate: va as the fake MMU sees it (0, or the fault it raises). */
static inline unsigned translate(vaddr_t va, unsigned access, paddr_t *pa)
{
	return fake_translate(&pgt, va, access, pa);
}

#endif
