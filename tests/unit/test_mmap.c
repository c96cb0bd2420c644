/*
 * mmap, munmap and mprotect on VMA layouts, table-driven: each case is a
 * sequence of calls with their expected results, then the exact list of
 * [start, end) and flags the mm must hold (mm_check runs after every call).
 * Then top-down placement and hints, PROT_NONE keeping pages and contents,
 * and every operation under memory exhaustion (error => layout unchanged).
 */
#include "mm_test.h"

#define R VM_READ
#define RW (VM_READ | VM_WRITE)
#define RX (VM_READ | VM_EXEC)
#define NONE 0ul
#define AP MAP_PRIVATE | MAP_ANONYMOUS
#define FIX MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED

enum kind { END, MMAP, MUNMAP, MPROTECT };

struct op {
	enum kind kind;
	vaddr_t addr;
	uint64_t len;
	unsigned prot;
	unsigned flags; /* mmap only */
	int err;
};

struct layout_case {
	const char *name;
	struct op ops[8];
	struct range want[6];
	size_t nwant;
};

static const struct layout_case cases[] = {
	{ "one mapping", {
		{ MMAP, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 1 },
	{ "length rounds up to pages", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE + 1, PROT_READ, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 2 * PAGE_SIZE, R } }, 1 },
	{ "write implies read, exec implies read", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_WRITE, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_EXEC, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, RW }, { LAYOUT_VA + 2 * PAGE_SIZE, LAYOUT_VA + 3 * PAGE_SIZE, RX } }, 2 },
	{ "equal neighbours merge", {
		{ MMAP, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 4 * PAGE_SIZE, R } }, 1 },
	{ "different neighbours stay apart", {
		{ MMAP, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 2 * PAGE_SIZE, R }, { LAYOUT_VA + 2 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 2 },
	{ "filling a hole merges three", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 3 * PAGE_SIZE, R } }, 1 },
	{ "MAP_FIXED over the middle splits", {
		{ MMAP, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 },
		{ MMAP, LAYOUT_VA + PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, RW }, { LAYOUT_VA + PAGE_SIZE, LAYOUT_VA + 2 * PAGE_SIZE, R }, { LAYOUT_VA + 2 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 3 },
	{ "MAP_FIXED over several replaces them", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_EXEC, FIX, 0 },
		{ MMAP, LAYOUT_VA + 4 * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA, 5 * PAGE_SIZE, PROT_WRITE, FIX, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 5 * PAGE_SIZE, RW } }, 1 },
	{ "MAP_FIXED_NOREPLACE refuses an overlap", {
		{ MMAP, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, AP | MAP_FIXED_NOREPLACE, -EEXIST },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ, AP | MAP_FIXED_NOREPLACE, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 3 * PAGE_SIZE, R } }, 1 },
	{ "bad mmap arguments", {
		{ MMAP, LAYOUT_VA + 1, PAGE_SIZE, PROT_READ, FIX, -EINVAL },
		{ MMAP, LAYOUT_VA, 0, PROT_READ, FIX, -EINVAL },
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_WRITE | PROT_EXEC, FIX, -EINVAL },
		{ MMAP, LAYOUT_VA, PAGE_SIZE, 0x8, FIX, -EINVAL },
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, MAP_FIXED | MAP_ANONYMOUS, -EINVAL },
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX | 0x01 /* MAP_SHARED */, -EINVAL },
		{ MMAP, 0x1000, PAGE_SIZE, PROT_READ, FIX, -EINVAL },
		{ MMAP, TASK_SIZE - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, FIX, -EINVAL } },
	  { { 0 } }, 0 },
	{ "munmap the middle splits", {
		{ MMAP, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 },
		{ MUNMAP, LAYOUT_VA + PAGE_SIZE, 2 * PAGE_SIZE, 0, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, RW }, { LAYOUT_VA + 3 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 2 },
	{ "munmap head and tail", {
		{ MMAP, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MUNMAP, LAYOUT_VA, PAGE_SIZE, 0, 0, 0 },
		{ MUNMAP, LAYOUT_VA + 3 * PAGE_SIZE, PAGE_SIZE, 0, 0, 0 } },
	  { { LAYOUT_VA + PAGE_SIZE, LAYOUT_VA + 3 * PAGE_SIZE, R } }, 1 },
	{ "munmap across holes removes several and trims", {
		{ MMAP, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 3 * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 5 * PAGE_SIZE, PAGE_SIZE, PROT_EXEC, FIX, 0 },
		{ MMAP, LAYOUT_VA + 7 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MUNMAP, LAYOUT_VA + PAGE_SIZE, 7 * PAGE_SIZE, 0, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, R }, { LAYOUT_VA + 8 * PAGE_SIZE, LAYOUT_VA + 9 * PAGE_SIZE, R } }, 2 },
	{ "munmap of a hole, and bad munmaps", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MUNMAP, LAYOUT_VA + 4 * PAGE_SIZE, PAGE_SIZE, 0, 0, 0 },
		{ MUNMAP, LAYOUT_VA + 1, PAGE_SIZE, 0, 0, -EINVAL },
		{ MUNMAP, LAYOUT_VA, 0, 0, 0, -EINVAL },
		{ MUNMAP, 0x1000, PAGE_SIZE, 0, 0, -EINVAL } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, R } }, 1 },
	{ "mprotect the middle splits in three", {
		{ MMAP, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 },
		{ MPROTECT, LAYOUT_VA + PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, RW }, { LAYOUT_VA + PAGE_SIZE, LAYOUT_VA + 3 * PAGE_SIZE, R }, { LAYOUT_VA + 3 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 3 },
	{ "mprotect back merges into one", {
		{ MMAP, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 },
		{ MPROTECT, LAYOUT_VA + PAGE_SIZE, 2 * PAGE_SIZE, PROT_NONE, 0, 0 },
		{ MPROTECT, LAYOUT_VA + PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 1 },
	{ "mprotect a head joins the previous VMA", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + PAGE_SIZE, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, 0 },
		{ MPROTECT, LAYOUT_VA + PAGE_SIZE, PAGE_SIZE, PROT_READ, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 2 * PAGE_SIZE, R }, { LAYOUT_VA + 2 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, RW } }, 2 },
	{ "mprotect across VMAs unifies them", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + PAGE_SIZE, PAGE_SIZE, PROT_EXEC, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_NONE, FIX, 0 },
		{ MPROTECT, LAYOUT_VA, 3 * PAGE_SIZE, PROT_WRITE, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 3 * PAGE_SIZE, RW } }, 1 },
	{ "mprotect over a hole fails and changes nothing", {
		{ MMAP, LAYOUT_VA, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MMAP, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MPROTECT, LAYOUT_VA, 3 * PAGE_SIZE, PROT_WRITE, 0, -ENOMEM },
		{ MPROTECT, LAYOUT_VA + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_WRITE, 0, -ENOMEM },
		{ MPROTECT, LAYOUT_VA - PAGE_SIZE, 2 * PAGE_SIZE, PROT_WRITE, 0, -ENOMEM } },
	  { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, R }, { LAYOUT_VA + 2 * PAGE_SIZE, LAYOUT_VA + 3 * PAGE_SIZE, R } }, 2 },
	{ "bad mprotects", {
		{ MMAP, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, FIX, 0 },
		{ MPROTECT, LAYOUT_VA + 1, PAGE_SIZE, PROT_READ, 0, -EINVAL },
		{ MPROTECT, LAYOUT_VA, PAGE_SIZE, PROT_WRITE | PROT_EXEC, 0, -EINVAL },
		{ MPROTECT, LAYOUT_VA, PAGE_SIZE, 0x10, 0, -EINVAL },
		{ MPROTECT, LAYOUT_VA, 0, PROT_WRITE, 0, 0 },
		{ MPROTECT, LAYOUT_VA, PAGE_SIZE, PROT_READ, 0, 0 } },
	  { { LAYOUT_VA, LAYOUT_VA + 2 * PAGE_SIZE, R } }, 1 },
};

static int run_op(struct mm_struct *mm, const struct op *op)
{
	vaddr_t out = 0;
	int err;

	switch (op->kind) {
	case MMAP:
		err = do_mmap(mm, op->addr, op->len, op->prot, op->flags, &out);
		if (!err && (op->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			assert_int_equal(out, op->addr);
		return err;
	case MUNMAP:
		return do_munmap(mm, op->addr, op->len);
	case MPROTECT:
		return do_mprotect(mm, op->addr, op->len, op->prot);
	default:
		fail();
	}
	return 0;
}

static void test_layouts(void **state)
{
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct mm_env *e = mm_env_new(4);

		for (const struct op *op = cases[c].ops; op->kind != END; op++) {
			int err = run_op(&e->mm, op);

			if (err != op->err)
				fail_msg("%s: op #%td returned %d, expected %d",
					 cases[c].name, op - cases[c].ops, err, op->err);
			assert_int_equal(mm_check(&e->mm), 0);
		}
		expect_layout(&e->mm, cases[c].want, cases[c].nwant);
		mm_env_free(e);
	}
}

/* Without MAP_FIXED: top-down from TASK_SIZE, equal neighbours merged. */
/*
 * mprotect's checks come in Linux 6.12's order (do_mprotect_pkey), so each
 * combination of bad arguments gets Linux's answer: the PROT_GROWS* pair,
 * then alignment, then len == 0 (0 whatever prot is), then a wrapping end,
 * then prot, then the VMAs. Layout (P a page): [LAYOUT_VA, +2P) R, a hole,
 * [+3P, +4P) R.
 */
static void test_mprotect_order(void **state)
{
	static const struct {
		vaddr_t addr;
		uint64_t len;
		unsigned prot;
		int err;
	} calls[] = {
		{ LAYOUT_VA, 0, 0x100, 0 },                     /* len checked before prot */
		{ LAYOUT_VA, 0, PROT_WRITE | PROT_EXEC, 0 },
		{ LAYOUT_VA, 0, PROT_GROWSDOWN, 0 },
		{ LAYOUT_VA + 5 * PAGE_SIZE, 0, 0x100, 0 },             /* nothing mapped: still 0 */
		{ LAYOUT_VA + 1, 0, 0x100, -EINVAL },           /* alignment before len */
		{ LAYOUT_VA, 0, PROT_GROWSDOWN | PROT_GROWSUP, -EINVAL }, /* before all */
		{ LAYOUT_VA + 1, PAGE_SIZE, PROT_GROWSDOWN | PROT_GROWSUP, -EINVAL },
		{ LAYOUT_VA, ~0ull, 0x100, -ENOMEM },           /* PAGE_ALIGN(len) wraps to 0 */
		{ LAYOUT_VA, 0 - LAYOUT_VA, 0x100, -ENOMEM },           /* start + len wraps to 0 */
		{ LAYOUT_VA, 0 - LAYOUT_VA - PAGE_SIZE, 0x100, -EINVAL },       /* no wrap: prot next */
		{ LAYOUT_VA, 0 - LAYOUT_VA - PAGE_SIZE, PROT_READ, -ENOMEM },
		{ LAYOUT_VA + 5 * PAGE_SIZE, PAGE_SIZE, 0x100, -EINVAL },       /* prot before the VMAs */
		{ LAYOUT_VA + 5 * PAGE_SIZE, PAGE_SIZE, PROT_GROWSDOWN | PROT_READ, -ENOMEM },
		{ LAYOUT_VA + 5 * PAGE_SIZE, PAGE_SIZE, PROT_GROWSUP | PROT_READ, -ENOMEM },
		{ LAYOUT_VA, PAGE_SIZE, PROT_GROWSDOWN | PROT_READ, -EINVAL },
		{ LAYOUT_VA + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_GROWSDOWN | PROT_READ, -EINVAL },
		{ LAYOUT_VA + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_GROWSUP | PROT_READ, -ENOMEM },
		{ LAYOUT_VA, PAGE_SIZE, PROT_GROWSUP | PROT_READ, -EINVAL },
		{ LAYOUT_VA + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ, -ENOMEM },
		{ LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ, -ENOMEM },       /* the hole */
		{ LAYOUT_VA, PAGE_SIZE, PROT_SEM | PROT_READ, -EINVAL }, /* faultline's own refusals */
		{ LAYOUT_VA, PAGE_SIZE, PROT_WRITE | PROT_EXEC, -EINVAL },
		{ LAYOUT_VA, 1, PROT_READ | PROT_WRITE, 0 },
	};
	struct mm_env *e = *state;
	vaddr_t va;

	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, FIX, &va), 0);
	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA + 3 * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, &va), 0);
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		int err = do_mprotect(&e->mm, calls[i].addr, calls[i].len, calls[i].prot);

		if (err != calls[i].err)
			fail_msg("call #%zu: mprotect(%#llx, %#llx, %#x) returned %d, expected %d",
				 i, (unsigned long long)calls[i].addr,
				 (unsigned long long)calls[i].len, calls[i].prot, err,
				 calls[i].err);
		assert_int_equal(mm_check(&e->mm), 0);
	}
	const struct range want[] = { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, RW }, { LAYOUT_VA + PAGE_SIZE, LAYOUT_VA + 2 * PAGE_SIZE, R },
				      { LAYOUT_VA + 3 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, R } };
	expect_layout(&e->mm, want, 3);
}

static void test_top_down(void **state)
{
	struct mm_env *e = *state;
	vaddr_t a, b, c;

	assert_int_equal(do_mmap(&e->mm, 0, 4 * PAGE_SIZE, PROT_READ, AP, &a), 0);
	assert_int_equal(a, TASK_SIZE - 4 * PAGE_SIZE);
	assert_int_equal(do_mmap(&e->mm, 0, PAGE_SIZE, PROT_READ, AP, &b), 0);
	assert_int_equal(b, a - PAGE_SIZE);
	assert_int_equal(do_mmap(&e->mm, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, AP, &c), 0);
	assert_int_equal(c, b - 2 * PAGE_SIZE);
	const struct range want[] = { { c, b, RW }, { b, TASK_SIZE, R } };
	expect_layout(&e->mm, want, 2);

	/* A hole left by munmap is found again once the cache is past it. */
	assert_int_equal(do_munmap(&e->mm, a, PAGE_SIZE), 0);
	assert_int_equal(do_mmap(&e->mm, 0, PAGE_SIZE, PROT_EXEC, AP, &a), 0);
	assert_int_equal(a, TASK_SIZE - 4 * PAGE_SIZE);
	assert_int_equal(mm_check(&e->mm), 0);
}

static void test_hints(void **state)
{
	struct mm_env *e = *state;
	vaddr_t a, b;

	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ, AP, &a), 0);
	assert_int_equal(a, LAYOUT_VA);
	/* Occupied: placed elsewhere, not over it. */
	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA + PAGE_SIZE, PAGE_SIZE, PROT_WRITE, AP, &b), 0);
	assert_int_equal(b, TASK_SIZE - PAGE_SIZE);
	/* Unaligned hints round up; hints in the heap's room are ignored. */
	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA + 4 * PAGE_SIZE + 5, PAGE_SIZE, PROT_EXEC, AP, &a), 0);
	assert_int_equal(a, LAYOUT_VA + 5 * PAGE_SIZE);
	assert_int_equal(do_mmap(&e->mm, MM_HEAP_BASE, PAGE_SIZE, PROT_EXEC, AP, &a), 0);
	assert_true(a >= MM_MMAP_MIN);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* No free range big enough: -ENOMEM, nothing changed. */
static void test_no_room(void **state)
{
	struct mm_env *e = *state;
	vaddr_t a;

	assert_int_equal(do_mmap(&e->mm, 0, TASK_SIZE, PROT_READ, AP, &a), -ENOMEM);
	assert_int_equal(do_mmap(&e->mm, 0, TASK_SIZE - MM_MMAP_MIN, PROT_READ, AP, &a), 0);
	assert_int_equal(a, MM_MMAP_MIN);
	assert_int_equal(do_mmap(&e->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, AP, &a), -ENOMEM);
	assert_int_equal(e->mm.map_count, 1);
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * PROT_NONE keeps the pages: every access faults (the VMA allows none),
 * they stay resident and counted, and mprotect back gives the same pages
 * with their contents. munmap, or MAP_FIXED over them, frees them.
 */
static void test_prot_none_keeps_pages(void **state)
{
	struct mm_env *e = *state;
	struct mm_struct *mm = &e->mm;
	paddr_t pa[4], got;
	unsigned attrs;
	size_t free_before;
	vaddr_t va;

	assert_int_equal(do_mmap(mm, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, &va), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(touch(mm, LAYOUT_VA + i * PAGE_SIZE, FAULT_WRITE, &pa[i]), 0);
		host_ptr(pa[i])[i + 1] = (uint8_t)(0xa0 + i);
	}
	assert_int_equal(touch(mm, LAYOUT_VA + 3 * PAGE_SIZE, FAULT_READ, &pa[3]), 0);
	assert_int_equal(pa[3], mm->zero_pa);
	free_before = page_free_count();

	assert_int_equal(do_mprotect(mm, LAYOUT_VA + PAGE_SIZE, 3 * PAGE_SIZE, PROT_NONE), 0);
	const struct range none[] = { { LAYOUT_VA, LAYOUT_VA + PAGE_SIZE, RW }, { LAYOUT_VA + PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE, NONE } };
	expect_layout(mm, none, 2);
	assert_int_equal(mm_check(mm), 0);
	assert_int_equal(mm_resident_pages(mm), 3);
	assert_int_equal(page_free_count(), free_before);
	for (int i = 1; i < 4; i++) {
		for (unsigned access = FAULT_READ; access <= FAULT_EXEC; access <<= 1) {
			assert_int_equal(fake_translate(&e->pgt, LAYOUT_VA + i * PAGE_SIZE, access, NULL),
					 FAULT_TRANSLATION | access | 3u << FAULT_LEVEL_SHIFT);
			assert_int_equal(touch(mm, LAYOUT_VA + i * PAGE_SIZE, access, NULL), -EFAULT);
		}
		assert_int_equal(pgt_lookup(&e->pgt, LAYOUT_VA + i * PAGE_SIZE, &got, &attrs, NULL), 0);
		assert_int_equal(got, pa[i]);
		assert_int_equal(attrs, MM_NONE);
	}
	assert_int_equal(mm->nr_fault_segv, 9);
	assert_int_equal(touch(mm, LAYOUT_VA, FAULT_WRITE, &got), 0); /* untouched neighbour */
	assert_int_equal(got, pa[0]);

	/* Back: one VMA, the same pages, the contents intact. */
	assert_int_equal(do_mprotect(mm, LAYOUT_VA, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	const struct range rw[] = { { LAYOUT_VA, LAYOUT_VA + 4 * PAGE_SIZE, RW } };
	expect_layout(mm, rw, 1);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(touch(mm, LAYOUT_VA + i * PAGE_SIZE, FAULT_READ, &got), 0);
		assert_int_equal(got, pa[i]);
		if (i < 3)
			assert_int_equal(host_ptr(got)[i + 1], 0xa0 + i);
	}
	assert_int_equal(touch(mm, LAYOUT_VA + PAGE_SIZE, FAULT_WRITE, &got), 0);
	assert_int_equal(got, pa[1]);
	assert_int_equal(mm->nr_fault_wp, 1);
	assert_int_equal(page_free_count(), free_before);
	assert_int_equal(mm_check(mm), 0);

	/* MAP_FIXED over a PROT_NONE page frees it; the new page starts zeroed. */
	assert_int_equal(do_mprotect(mm, LAYOUT_VA + PAGE_SIZE, 2 * PAGE_SIZE, PROT_NONE), 0);
	assert_int_equal(do_mmap(mm, LAYOUT_VA + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE, FIX, &va), 0);
	assert_int_equal(mm->nr_pages_freed, 1);
	assert_int_equal(touch(mm, LAYOUT_VA + 2 * PAGE_SIZE, FAULT_READ, &got), 0);
	assert_int_equal(got, mm->zero_pa);
	assert_int_equal(mm_check(mm), 0);

	/* munmap of a PROT_NONE range frees its pages, then everything goes. */
	assert_int_equal(do_munmap(mm, LAYOUT_VA + PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(mm->nr_pages_freed, 2);
	assert_int_equal(mm_resident_pages(mm), 1);
	assert_int_equal(do_munmap(mm, LAYOUT_VA, 4 * PAGE_SIZE), 0);
	assert_int_equal(mm_resident_pages(mm), 0);
	assert_int_equal(mm_table_pages(mm), 0);
	assert_int_equal(page_free_count() + mm->vma_pool.nr_pages, e->free_at_start);
	assert_int_equal(mm_check(mm), 0);
}

/* A copy of the layout, to prove a failed call changed nothing. */
static size_t snapshot(struct mm_struct *mm, struct range *r, size_t max)
{
	size_t n = 0;

	for (struct vm_area_struct *v = mm->mmap; v && n < max; v = v->vm_next, n++)
		r[n] = (struct range){ v->vm_start, v->vm_end, v->vm_flags };
	return n;
}

/* Take every free page; returns how many, to give back with undrain. */
static size_t drain(paddr_t *pages, size_t max)
{
	size_t n = 0;
	paddr_t pa;

	while (n < max && (pa = page_alloc()))
		pages[n++] = pa;
	return n;
}

static void undrain(paddr_t *pages, size_t n)
{
	while (n)
		page_free(pages[--n]);
}

/*
 * With no free page, creating VMAs eventually fails for want of a VMA
 * object: each failure must be -ENOMEM with the layout untouched, and so
 * must splits by munmap and mprotect.
 */
static void test_out_of_vmas(void **state)
{
	struct mm_env *e = mm_env_new(4);
	static paddr_t pages[1024];
	static struct range before[1024], after[1024]; /* a pool page of VMAs, 64 KiB too */
	size_t n, nb, na, made = 0;
	vaddr_t va;
	int err;

	n = drain(pages, ARRAY_SIZE(pages));
	assert_int_equal(page_free_count(), 0);
	for (;;) {
		nb = snapshot(&e->mm, before, ARRAY_SIZE(before));
		err = do_mmap(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, &va);
		assert_int_equal(mm_check(&e->mm), 0);
		if (err)
			break;
		made++;
	}
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(made, 0); /* no pool page yet, and none to be had */

	/* Give the pool one page and fill it. */
	page_free(pages[--n]);
	for (;;) {
		err = do_mmap(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, &va);
		if (err)
			break;
		made++;
	}
	assert_int_equal(err, -ENOMEM);
	assert_true(made > 10);
	nb = snapshot(&e->mm, before, ARRAY_SIZE(before));
	assert_int_equal(nb, made);

	/* Splits need a VMA: refused, nothing changed. */
	assert_int_equal(do_munmap(&e->mm, LAYOUT_VA, PAGE_SIZE), 0); /* frees one VMA */
	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, 3 * PAGE_SIZE, PROT_WRITE, FIX, &va), 0);
	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, PAGE_SIZE, PROT_READ, FIX, &va), -ENOMEM);
	nb = snapshot(&e->mm, before, ARRAY_SIZE(before));
	assert_int_equal(do_munmap(&e->mm, LAYOUT_VA + (2 * made + 1) * PAGE_SIZE, PAGE_SIZE), -ENOMEM);
	assert_int_equal(do_mprotect(&e->mm, LAYOUT_VA + (2 * made + 1) * PAGE_SIZE, PAGE_SIZE, PROT_READ), -ENOMEM);
	assert_int_equal(do_mprotect(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, PAGE_SIZE, PROT_READ), -ENOMEM);
	na = snapshot(&e->mm, after, ARRAY_SIZE(after));
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, nb * sizeof(before[0]));
	assert_int_equal(mm_check(&e->mm), 0);

	/* Splits that are not needed still work: whole-VMA changes. */
	assert_int_equal(do_mprotect(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, 3 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(do_munmap(&e->mm, LAYOUT_VA + 2 * made * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	assert_int_equal(mm_check(&e->mm), 0);
	undrain(pages, n);
	mm_env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test_setup_teardown(test_mprotect_order, mm_env_setup,
						mm_env_teardown),
		cmocka_unit_test_setup_teardown(test_top_down, mm_env_setup, mm_env_teardown),
		cmocka_unit_test_setup_teardown(test_hints, mm_env_setup, mm_env_teardown),
		cmocka_unit_test_setup_teardown(test_no_room, mm_env_setup, mm_env_teardown),
		cmocka_unit_test_setup_teardown(test_prot_none_keeps_pages, mm_env_setup,
						mm_env_teardown),
		cmocka_unit_test(test_out_of_vmas),
	};

	return cmocka_run_group_tests_name("mmap", tests, NULL, NULL);
}
