/*
 * brk with Linux's semantics: the break is kept as asked, the heap covers
 * whole pages up to it, shrinking frees pages, and refused requests (below
 * start_brk, past the limit, up to within a page of another mapping,
 * shrinking over unmapped pages, out of memory) return the current break
 * and change nothing.
 */
#include "mm_test.h"

#define H MM_HEAP_BASE
#define HEAP (VM_READ | VM_WRITE | VM_HEAP)

static void test_initial(void **state)
{
	struct mm_env *e = *state;

	assert_int_equal(e->mm.start_brk, H);
	assert_int_equal(do_brk(&e->mm, 0), H);         /* brk(0) reads it */
	assert_int_equal(do_brk(&e->mm, H - 1), H);     /* below start_brk */
	assert_int_equal(do_brk(&e->mm, H), H);
	assert_int_equal(e->mm.map_count, 0);
}

static void test_grow_and_shrink(void **state)
{
	struct mm_env *e = *state;

	assert_int_equal(do_brk(&e->mm, H + 1), H + 1); /* exact value kept */
	const struct range one[] = { { H, H + PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, one, 1);
	assert_int_equal(do_brk(&e->mm, H + PAGE_SIZE), H + PAGE_SIZE);  /* same page */
	expect_layout(&e->mm, one, 1);
	assert_int_equal(do_brk(&e->mm, H + 3 * PAGE_SIZE + 5), H + 3 * PAGE_SIZE + 5);
	const struct range four[] = { { H, H + 4 * PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, four, 1);
	assert_int_equal(do_brk(&e->mm, H + 3 * PAGE_SIZE + 1), H + 3 * PAGE_SIZE + 1); /* same page */
	expect_layout(&e->mm, four, 1);
	assert_int_equal(do_brk(&e->mm, H + 2 * PAGE_SIZE), H + 2 * PAGE_SIZE);
	const struct range two[] = { { H, H + 2 * PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, two, 1);
	assert_int_equal(do_brk(&e->mm, H), H);
	expect_layout(&e->mm, NULL, 0);
}

/* Shrinking frees exactly the pages above the new break; growing again
 * gives fresh zeroed pages. */
static void test_shrink_frees(void **state)
{
	struct mm_env *e = *state;
	size_t free0;
	paddr_t pa;

	assert_int_equal(do_brk(&e->mm, H + 8 * PAGE_SIZE), H + 8 * PAGE_SIZE);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(touch(&e->mm, H + i * PAGE_SIZE, FAULT_WRITE, &pa), 0);
		host_ptr(pa)[0] = 0xee;
	}
	assert_int_equal(mm_resident_pages(&e->mm), 8);
	free0 = page_free_count();
	assert_int_equal(do_brk(&e->mm, H + 5 * PAGE_SIZE - 1), H + 5 * PAGE_SIZE - 1);
	assert_int_equal(mm_resident_pages(&e->mm), 5);
	assert_int_equal(page_free_count(), free0 + 3);
	assert_int_equal(touch(&e->mm, H + 5 * PAGE_SIZE, FAULT_READ, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, H + 4 * PAGE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(host_ptr(pa)[0], 0xee);
	assert_int_equal(do_brk(&e->mm, H + 8 * PAGE_SIZE), H + 8 * PAGE_SIZE);
	assert_int_equal(touch(&e->mm, H + 6 * PAGE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(mm_check(&e->mm), 0);
}

static void test_limit(void **state)
{
	struct mm_env *e = *state;

	e->mm.brk_limit = 16 * PAGE_SIZE;
	assert_int_equal(do_brk(&e->mm, H + 16 * PAGE_SIZE), H + 16 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, H + 16 * PAGE_SIZE + 1), H + 16 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, ~0ull), H + 16 * PAGE_SIZE);
	const struct range want[] = { { H, H + 16 * PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, want, 1);
}

/*
 * Linux keeps one free page between the heap and the next mapping
 * (newbrk + PAGE_SIZE > vm_start_gap(next) is refused): growing into a
 * mapping fails, and so does growing right up to it; up to one page below
 * it succeeds. The reproducer, in pages: a mapping at heap + 22
 * pages (0x16000 at 4 KiB), then brk(heap + 22 pages).
 */
static void test_into_mapping(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va;

	assert_int_equal(do_mmap(&e->mm, H + 22 * PAGE_SIZE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, &va), 0);
	assert_int_equal(do_brk(&e->mm, H + 22 * PAGE_SIZE), H);
	assert_int_equal(do_brk(&e->mm, H + 21 * PAGE_SIZE + 1), H);  /* its page touches it */
	assert_int_equal(do_brk(&e->mm, H + 2 * PAGE_SIZE), H + 2 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, H + 22 * PAGE_SIZE + 1), H + 2 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, H + 22 * PAGE_SIZE), H + 2 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, H + 21 * PAGE_SIZE), H + 21 * PAGE_SIZE); /* one page free */
	assert_int_equal(do_brk(&e->mm, H + 21 * PAGE_SIZE + 1), H + 21 * PAGE_SIZE);
	const struct range want[] = { { H, H + 21 * PAGE_SIZE, HEAP },
				      { H + 22 * PAGE_SIZE, H + 26 * PAGE_SIZE, VM_READ | VM_WRITE } };
	expect_layout(&e->mm, want, 2);
}

/*
 * A mapping over the top of the heap (MAP_FIXED across the break) blocks
 * growth even though it starts below the old break; shrinking over it
 * unmaps it as Linux's do_vmi_align_munmap does.
 */
static void test_mapping_over_break(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va;

	assert_int_equal(do_brk(&e->mm, H + 4 * PAGE_SIZE), H + 4 * PAGE_SIZE);
	assert_int_equal(do_mmap(&e->mm, H + 3 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &va), 0);
	assert_int_equal(do_brk(&e->mm, H + 8 * PAGE_SIZE), H + 4 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, H + 2 * PAGE_SIZE), H + 2 * PAGE_SIZE);
	const struct range want[] = { { H, H + 2 * PAGE_SIZE, HEAP },
				      { H + 4 * PAGE_SIZE, H + 5 * PAGE_SIZE, VM_READ } };
	expect_layout(&e->mm, want, 2);
}

/*
 * Shrinking over a range nothing maps is refused (Linux 6.1+: no VMA in
 * [newbrk, oldbrk) returns the old break), whether the unmapped part is all
 * of it or not. The reproducer: brk(+4P); munmap(+2P, 2P); brk(+2P).
 */
static void test_shrink_over_hole(void **state)
{
	struct mm_env *e = *state;

	assert_int_equal(do_brk(&e->mm, H + 4 * PAGE_SIZE), H + 4 * PAGE_SIZE);
	assert_int_equal(do_munmap(&e->mm, H + 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	assert_int_equal(do_brk(&e->mm, H + 2 * PAGE_SIZE), H + 4 * PAGE_SIZE);
	assert_int_equal(do_brk(&e->mm, H + 3 * PAGE_SIZE - 1), H + 4 * PAGE_SIZE);
	const struct range two[] = { { H, H + 2 * PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, two, 1);
	/* Part of [newbrk, oldbrk) mapped: allowed, the whole range goes. */
	assert_int_equal(do_brk(&e->mm, H + PAGE_SIZE), H + PAGE_SIZE);
	const struct range one[] = { { H, H + PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, one, 1);
	/* Within the same page: no mapping changes, always allowed. */
	assert_int_equal(do_brk(&e->mm, H + 1), H + 1);
	expect_layout(&e->mm, one, 1);
}

/* Part of the heap made read-only by mprotect: grow starts a new heap VMA,
 * shrink removes across both. */
static void test_after_mprotect(void **state)
{
	struct mm_env *e = *state;

	assert_int_equal(do_brk(&e->mm, H + 4 * PAGE_SIZE), H + 4 * PAGE_SIZE);
	assert_int_equal(do_mprotect(&e->mm, H + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(do_brk(&e->mm, H + 6 * PAGE_SIZE), H + 6 * PAGE_SIZE);
	const struct range three[] = { { H, H + 2 * PAGE_SIZE, HEAP },
				       { H + 2 * PAGE_SIZE, H + 4 * PAGE_SIZE, VM_READ | VM_HEAP },
				       { H + 4 * PAGE_SIZE, H + 6 * PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, three, 3);
	assert_int_equal(do_brk(&e->mm, H + PAGE_SIZE), H + PAGE_SIZE);
	const struct range one[] = { { H, H + PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, one, 1);
}

/* No page for a new heap VMA: refused, unchanged; extending needs none. */
static void test_oom(void **state)
{
	struct mm_env *e = mm_env_new(2);
	static paddr_t pages[1024];
	size_t n = 0;
	paddr_t pa;

	while ((pa = page_alloc()))
		pages[n++] = pa;
	assert_int_equal(do_brk(&e->mm, H + PAGE_SIZE), H);
	expect_layout(&e->mm, NULL, 0);
	page_free(pages[--n]);
	assert_int_equal(do_brk(&e->mm, H + PAGE_SIZE), H + PAGE_SIZE);
	assert_int_equal(page_free_count(), 0);
	assert_int_equal(do_brk(&e->mm, H + 9 * PAGE_SIZE), H + 9 * PAGE_SIZE);
	const struct range want[] = { { H, H + 9 * PAGE_SIZE, HEAP } };
	expect_layout(&e->mm, want, 1);
	while (n)
		page_free(pages[--n]);
	mm_env_free(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_initial),
		T(test_grow_and_shrink),
		T(test_shrink_frees),
		T(test_limit),
		T(test_into_mapping),
		T(test_mapping_over_break),
		T(test_shrink_over_hole),
		T(test_after_mprotect),
		cmocka_unit_test(test_oom),
	};

	return cmocka_run_group_tests_name("brk", tests, NULL, NULL);
}
