/*
 * Shared fixture of the mm unit tests: fake RAM, the page allocator over
 * it, an empty page table and an mm, plus helpers that compare the VMA list
 * with an expected layout and check that every page came back.
 */
#ifndef TESTS_UNIT_MM_TEST_H
#define TESTS_UNIT_MM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/fake.h>
#include "lib/errno.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

struct mm_env {
	struct pgtable pgt;
	struct mm_struct mm;
	size_t free_at_start; /* after the page table root and the zero page */
};

/* Start of the test layouts: inside the mmap window, aligned to a block of
 * every granule (32 TiB). */
#define LAYOUT_VA 0x200000000000ull

/* mm_env_new: ram_mib MiB of fake RAM, allocator, page table, mm. */
static inline struct mm_env *mm_env_new(uint64_t ram_mib)
{
	struct mm_env *e = calloc(1, sizeof(*e));
	struct mem_range bank;

	assert_non_null(e);
	assert_int_equal(fake_ram_init(ram_mib << 20, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	assert_int_equal(pgt_init(&e->pgt), 0);
	assert_int_equal(mm_init(&e->mm, &e->pgt), 0);
	e->free_at_start = page_free_count();
	return e;
}

/* mm_env_free: destroy the mm, check every page came back, free it all. */
static inline void mm_env_free(struct mm_env *e)
{
	assert_int_equal(mm_check(&e->mm), 0);
	mm_destroy(&e->mm);
	assert_int_equal(page_free_count(), e->free_at_start + 1);
	assert_int_equal(pgt_check(&e->pgt), 0);
	assert_int_equal(pgt_table_pages(&e->pgt), 1);
	pgt_destroy(&e->pgt);
	fake_ram_free();
	free(e);
}

/* mm_env_setup: an mm_env with 16 MiB of fake RAM per 4 KiB of page size
 * (4096 pages whatever the granule). */
static inline int mm_env_setup(void **state)
{
	*state = mm_env_new(16 * (PAGE_SIZE >> 12));
	return 0;
}

static inline int mm_env_teardown(void **state)
{
	mm_env_free(*state);
	return 0;
}

/* One expected VMA: [start, end) with PROT_* access (heap marked apart). */
struct range {
	vaddr_t start, end;
	unsigned long flags;
};

/* expect_layout: the mm holds exactly these VMAs, and is consistent. */
static inline void expect_layout(struct mm_struct *mm, const struct range *r,
				 size_t n)
{
	const struct vm_area_struct *v = mm->mmap;
	size_t i;

	assert_int_equal(mm_check(mm), 0);
	for (i = 0; i < n; i++, v = v->vm_next) {
		if (!v)
			fail_msg("VMA #%zu [%#llx, %#llx) missing", i,
				 (unsigned long long)r[i].start,
				 (unsigned long long)r[i].end);
		if (v->vm_start != r[i].start || v->vm_end != r[i].end ||
		    v->vm_flags != r[i].flags) {
			mm_dump(mm);
			fail_msg("VMA #%zu is [%#llx, %#llx) %#lx, expected "
				 "[%#llx, %#llx) %#lx", i,
				 (unsigned long long)v->vm_start,
				 (unsigned long long)v->vm_end, v->vm_flags,
				 (unsigned long long)r[i].start,
				 (unsigned long long)r[i].end, r[i].flags);
		}
	}
	if (v) {
		mm_dump(mm);
		fail_msg("more than %zu VMAs", n);
	}
	assert_int_equal(mm->map_count, n);
}

/* touch: fault the page at va as the MMU would (translate, fault, retry);
 * returns the do_page_fault result (0 when the access then succeeds). */
static inline int touch(struct mm_struct *mm, vaddr_t va, unsigned access,
			paddr_t *pa)
{
	paddr_t p;
	unsigned f;
	int err, tries;

	for (tries = 0; tries < 3; tries++) {
		f = fake_translate(mm->pgt, va, access, &p);
		if (!f) {
			if (pa)
				*pa = p;
			return 0;
		}
		err = do_page_fault(mm, va, f);
		if (err)
			return err;
	}
	fail_msg("access %#x at %#llx still faults after 3 tries", access,
		 (unsigned long long)va);
	return -1;
}

/* host_ptr: where the fake RAM behind pa lives on the host. */
static inline uint8_t *host_ptr(paddr_t pa)
{
	return arch_phys_to_virt(pa);
}

#endif
