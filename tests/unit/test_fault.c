/*
 * The fault path against the fake MMU: every access goes through
 * fake_translate (with its TLB), and a fault is handed to do_page_fault
 * exactly as the exception code would. Checks the zero page, private
 * pages, the zero-page replacement with break-before-make, faults outside
 * VMAs and against their protection, Access flag and spurious faults,
 * out-of-memory, and exact counts.
 */
#include "mm_test.h"
#include "lib/console.h"
#include "tests/unit/capture.h"


static vaddr_t map(struct mm_env *e, uint64_t pages, unsigned prot)
{
	vaddr_t va;

	assert_int_equal(do_mmap(&e->mm, 0, pages * PAGE_SIZE, prot,
				 MAP_PRIVATE | MAP_ANONYMOUS, &va), 0);
	return va;
}

/* Reads map the one zero page, read-only, and it stays zero. */
static void test_read_zero_page(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 8, PROT_READ | PROT_WRITE);
	size_t free0 = page_free_count();
	paddr_t pa;

	for (int i = 0; i < 8; i++) {
		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE + 8, FAULT_READ, &pa), 0);
		assert_int_equal(pa, e->mm.zero_pa + 8);
		assert_int_equal(host_ptr(pa)[0], 0);
	}
	assert_int_equal(e->mm.nr_fault_zero, 8);
	assert_int_equal(mm_resident_pages(&e->mm), 0);
	/* Only table pages were taken: one per level below the root. */
	assert_int_equal(free0 - page_free_count(), PGT_LEVELS - 1);
	assert_int_equal(mm_table_pages(&e->mm), PGT_LEVELS - 1);
	/* The MMU itself refuses a write through the zero-page entry. */
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_WRITE, &pa) &
				 FAULT_PERMISSION, FAULT_PERMISSION);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* A first write maps a private, zeroed page even where the RAM was dirty. */
static void test_write_private_zeroed(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 4, PROT_READ | PROT_WRITE);
	paddr_t pa[4];
	size_t free0;

	for (int i = 0; i < 4; i++) {
		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, &pa[i]), 0);
		assert_true(pa[i] != e->mm.zero_pa);
		for (int j = 0; j < i; j++)
			assert_true(pa[i] != pa[j]);
		memset(host_ptr(pa[i]), 0xa5, PAGE_SIZE);
	}
	assert_int_equal(e->mm.nr_fault_anon, 4);
	assert_int_equal(mm_resident_pages(&e->mm), 4);
	assert_int_equal(mm_check(&e->mm), 0);

	/* The dirty pages go back, and come back zeroed. */
	free0 = page_free_count();
	assert_int_equal(do_munmap(&e->mm, va, 4 * PAGE_SIZE), 0);
	assert_int_equal(mm_resident_pages(&e->mm), 0);
	/* Four data pages, the tables below the root, and the VMA pool's page. */
	assert_int_equal(page_free_count(), free0 + 4 + (PGT_LEVELS - 1) + 1);
	assert_int_equal(e->mm.vma_pool.nr_pages, 0);
	assert_int_equal(mm_table_pages(&e->mm), 0);
	va = map(e, 4, PROT_READ | PROT_WRITE);
	for (int i = 0; i < 4; i++) {
		paddr_t p;

		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, &p), 0);
		for (size_t k = 0; k < PAGE_SIZE; k++)
			if (host_ptr(p - p % PAGE_SIZE)[k])
				fail_msg("page %d byte %zu not zeroed", i, k);
	}
	assert_int_equal(mm_check(&e->mm), 0);
}

/* Read, then write: the zero page is replaced with break-before-make and
 * no stale translation survives in the TLB. */
static void test_read_then_write(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 2, PROT_READ | PROT_WRITE);
	paddr_t pa, pa2;

	assert_int_equal(touch(&e->mm, va, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_true(fake_tlb_cached(va));
	fake_stats_reset();
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	assert_true(pa != e->mm.zero_pa);
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_true(fake_stats.flush_leaf >= 1);
	host_ptr(pa)[0] = 42;
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_READ, &pa2), 0);
	assert_int_equal(pa2, pa);
	assert_int_equal(host_ptr(e->mm.zero_pa)[0], 0);
	assert_int_equal(e->mm.nr_fault_zero, 1);
	assert_int_equal(e->mm.nr_fault_cow, 1);
	assert_int_equal(e->mm.nr_fault_anon, 0);
	assert_int_equal(mm_resident_pages(&e->mm), 1);
	/* The other page still reads the zero page. */
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, &pa2), 0);
	assert_int_equal(pa2, e->mm.zero_pa);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* Accesses outside every VMA, or against its protection: -EFAULT, counted,
 * and nothing allocated. */
static void test_segv(void **state)
{
	struct mm_env *e = *state;
	vaddr_t r = map(e, 1, PROT_READ), none = map(e, 1, PROT_NONE);
	vaddr_t x = map(e, 1, PROT_EXEC), rw = map(e, 1, PROT_READ | PROT_WRITE);
	size_t free0 = page_free_count();

	assert_int_equal(touch(&e->mm, r - 16 * PAGE_SIZE, FAULT_READ, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, TASK_SIZE + PAGE_SIZE, FAULT_WRITE, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, 0x1000, FAULT_READ, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, r, FAULT_WRITE, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, r, FAULT_EXEC, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, none, FAULT_READ, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, x, FAULT_WRITE, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, rw, FAULT_EXEC, NULL), -EFAULT);
	assert_int_equal(do_page_fault(&e->mm, rw, FAULT_OTHER | FAULT_READ), -EFAULT);
	assert_int_equal(e->mm.nr_fault_segv, 9);
	assert_int_equal(page_free_count(), free0);

	/* Allowed ones work; a fetch from RX maps the zero page executable. */
	assert_int_equal(touch(&e->mm, x, FAULT_EXEC, NULL), 0);
	assert_int_equal(touch(&e->mm, r, FAULT_READ, NULL), 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

static void test_segv_report(void **state)
{
	struct mm_env *e = *state;
	vaddr_t r = map(e, 2, PROT_READ);
	char want[80];

	assert_int_equal(r, TASK_SIZE - 2 * PAGE_SIZE); /* top down from TASK_SIZE */
	capture_reset();
	segv_report(&e->mm, r + PAGE_SIZE + 5, FAULT_WRITE | FAULT_PERMISSION | 3u << FAULT_LEVEL_SHIFT);
	snprintf(want, sizeof(want), "segmentation fault: write at %#llx",
		 (unsigned long long)(r + PAGE_SIZE + 5));
	assert_non_null(strstr(captured, want));
	assert_non_null(strstr(captured, "permission fault, level 3"));
	assert_non_null(strstr(captured, "does not allow write"));
	snprintf(want, sizeof(want), "[%#llx, 0x800000000000) r--", (unsigned long long)r);
	assert_non_null(strstr(captured, want));
	capture_reset();
	segv_report(&e->mm, r - PAGE_SIZE, FAULT_READ | FAULT_TRANSLATION);
	assert_non_null(strstr(captured, "no area maps this address"));
	assert_non_null(strstr(captured, "below: none"));
	snprintf(want, sizeof(want), "above: [%#llx", (unsigned long long)r);
	assert_non_null(strstr(captured, want));
}

/* mprotect: losing write write-protects mapped pages at once (TLB too);
 * regaining it upgrades them on the next write, contents kept. */
static void test_mprotect_pages(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 2, PROT_READ | PROT_WRITE);
	paddr_t pa, pa2, z;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, &z), 0);
	host_ptr(pa)[1] = 7;
	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_WRITE, &pa2) & FAULT_PERMISSION,
			 FAULT_PERMISSION);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), -EFAULT);
	assert_int_equal(touch(&e->mm, va, FAULT_READ, &pa2), 0);
	assert_int_equal(pa2, pa);
	assert_int_equal(mm_check(&e->mm), 0);

	/* PROT_NONE keeps both pages behind entries the MMU faults on. */
	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_NONE), 0);
	for (vaddr_t a = va; a < va + 2 * PAGE_SIZE; a += PAGE_SIZE) {
		assert_int_equal(fake_translate(&e->pgt, a, FAULT_READ, &pa2) & FAULT_TRANSLATION,
				 FAULT_TRANSLATION);
		assert_int_equal(touch(&e->mm, a, FAULT_READ, NULL), -EFAULT);
	}
	assert_int_equal(mm_check(&e->mm), 0);

	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(e->mm.map_count, 1);
	fake_stats_reset();
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa2), 0);
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(pa2, pa);
	assert_int_equal(host_ptr(pa)[1], 7);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	/* The zero page came back read-only: a write replaces it. */
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, &pa2), 0);
	assert_int_equal(pa2, z);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_WRITE, &pa2), 0);
	assert_int_equal(e->mm.nr_fault_cow, 1);
	assert_int_equal(mm_check(&e->mm), 0);
}

#define LEVEL3 ((unsigned)PGT_LAST_LEVEL << FAULT_LEVEL_SHIFT)

/*
 * An Access flag fault (the fake's entries always have AF = 1, so the test
 * raises it as the exception code would on an entry with AF = 0) takes the
 * access-flag branch: the entry is rewritten as it was, with no page
 * allocated, no TLB maintenance needed and no break-before-make breach.
 * The MMU reports an Access flag fault before a Permission fault for the
 * same access (Arm ARM DDI0487, chapter D8, the prioritization of MMU
 * faults), so a write to the zero page may raise it first: it must not
 * replace the zero page; the Permission fault that follows does.
 */
static void test_access_flag(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 2, PROT_READ | PROT_WRITE);
	paddr_t pa, z;
	pte_t *slot, before;
	size_t free0;

	assert_int_equal(touch(&e->mm, va, FAULT_READ, &z), 0);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_WRITE, &pa), 0);
	host_ptr(pa)[0] = 0x5a;
	free0 = page_free_count();
	fake_stats_reset();

	slot = pgt_walk(&e->pgt, va);
	before = *slot;
	assert_int_equal(do_page_fault(&e->mm, va, FAULT_ACCESS_FLAG | FAULT_WRITE | LEVEL3), 0);
	assert_int_equal(*slot, before);
	assert_int_equal(e->mm.nr_fault_af, 1);
	assert_int_equal(e->mm.nr_fault_cow, 0);
	assert_int_equal(page_free_count(), free0);

	slot = pgt_walk(&e->pgt, va + PAGE_SIZE);
	before = *slot;
	assert_int_equal(do_page_fault(&e->mm, va + PAGE_SIZE, FAULT_ACCESS_FLAG | FAULT_READ | LEVEL3), 0);
	assert_int_equal(*slot, before);
	assert_int_equal(e->mm.nr_fault_af, 2);
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(fake_stats.flush_page, 0);

	/* Then the write's Permission fault replaces the zero page. */
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	assert_true((pa & PAGE_MASK) != e->mm.zero_pa);
	assert_int_equal(e->mm.nr_fault_cow, 1);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(host_ptr(pa)[0], 0x5a);
	assert_int_equal(e->mm.nr_fault_spurious, 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * A spurious fault: the TLB still holds a read-only translation after the
 * entry was made writable without TLB maintenance (as another observer
 * relaxing a permission may do). The entry already allows the write, so
 * the handler changes nothing but the TLB: it must drop the stale entry,
 * or the retried write faults again.
 */
static void test_spurious(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 1, PROT_READ | PROT_WRITE);
	paddr_t pa, pa2;
	pte_t *slot, relaxed;
	unsigned f;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	assert_int_equal(do_mprotect(&e->mm, va, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(&e->mm, va, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_READ, &pa2), 0);
	assert_true(fake_tlb_cached(va));

	slot = pgt_walk(&e->pgt, va);
	relaxed = arch_pte_leaf(pa, MM_READ | MM_WRITE, 3);
	*slot = relaxed; /* behind the fake's back: no flush, as a relaxation */
	f = fake_translate(&e->pgt, va, FAULT_WRITE, &pa2);
	assert_int_equal(f, FAULT_PERMISSION | FAULT_WRITE | LEVEL3);

	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va, f), 0);
	assert_int_equal(e->mm.nr_fault_spurious, 1);
	assert_int_equal(e->mm.nr_fault_wp, 0);
	assert_int_equal(*slot, relaxed);
	assert_int_equal(fake_stats.flush_leaf, 1);
	assert_false(fake_tlb_cached(va));
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_WRITE, &pa2), 0);
	assert_int_equal(pa2, pa);
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* Out of memory: -ENOMEM, counted, nothing corrupted; works again after. */
static void test_oom(void **state)
{
	struct mm_env *e = mm_env_new(2);
	vaddr_t va = map(e, 64, PROT_READ | PROT_WRITE);
	static paddr_t pages[1024];
	size_t n = 0, i, done = 0;
	paddr_t pa;

	while ((pa = page_alloc()))
		pages[n++] = pa;
	assert_int_equal(touch(&e->mm, va, FAULT_READ, NULL), -ENOMEM); /* tables */
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), -ENOMEM);
	assert_int_equal(e->mm.nr_fault_oom, 2);
	assert_int_equal(mm_check(&e->mm), 0);

	/* Give back a few pages: faults succeed until they run out again. */
	for (i = 0; i < 8; i++)
		page_free(pages[--n]);
	for (i = 0; i < 64; i++) {
		int err = touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, NULL);

		if (err) {
			assert_int_equal(err, -ENOMEM);
			break;
		}
		done++;
	}
	assert_int_equal(done, 8 - (PGT_LEVELS - 1)); /* the rest went to tables */
	assert_int_equal(mm_resident_pages(&e->mm), done);
	/* Read faults need no page once the tables exist. */
	assert_int_equal(touch(&e->mm, va + 63 * PAGE_SIZE, FAULT_READ, NULL), 0);
	/* A write after read needs one: refused, the zero page stays. */
	assert_int_equal(touch(&e->mm, va + 63 * PAGE_SIZE, FAULT_WRITE, NULL), -ENOMEM);
	assert_int_equal(fake_translate(&e->pgt, va + 63 * PAGE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(e->mm.nr_fault_oom, 4);
	assert_int_equal(mm_check(&e->mm), 0);
	while (n)
		page_free(pages[--n]);
	mm_env_free(e);
}

/* Stage stamps, when switched on, come in order. */
static void test_stamps(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map(e, 1, PROT_READ | PROT_WRITE);

	memset(fault_stamp, 0, sizeof(fault_stamp));
	fault_stamps_on = true;
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	fault_stamps_on = false;
	assert_true(fault_stamp[STAGE_LOOKUP] != 0);
	assert_true(fault_stamp[STAGE_LOOKUP] <= fault_stamp[STAGE_WALK]);
	assert_true(fault_stamp[STAGE_WALK] <= fault_stamp[STAGE_ALLOC]);
	assert_true(fault_stamp[STAGE_ALLOC] <= fault_stamp[STAGE_ZERO]);
	assert_true(fault_stamp[STAGE_ZERO] <= fault_stamp[STAGE_MAP]);
}

/*
 * Whether pc lies near fn: in its code (at most 64 KiB of it) or in the
 * 64 KiB before it, where mm/fault.c's out-of-line folio and block paths
 * (static, marked too) are.
 */
static bool in_fn(uintptr_t pc, int (*fn)(struct mm_struct *, vaddr_t, unsigned))
{
	return pc + (64u << 10) - (uintptr_t)fn < (128u << 10);
}

/*
 * The portable stage boundaries are marked (mm/fault.h), at addresses inside
 * the path (the kernel's -O2 keeps them in do_page_fault_nostamp alone, which
 * the in-guest test checks; the host's -O1 may leave dead copies in
 * do_page_fault); the arch's stages are not on the host.
 */
static void test_stage_marks(void **state)
{
	size_t per[NR_STAGES] = { 0 };

	assert_true(&__stop_fault_marks[0] > &__start_fault_marks[0]);
	for (const struct fault_mark *m = __start_fault_marks; m < __stop_fault_marks; m++) {
		uintptr_t pc = fault_mark_pc(m);

		assert_true(m->stage < NR_STAGES);
		assert_true(in_fn(pc, do_page_fault) || in_fn(pc, do_page_fault_nostamp));
		per[m->stage]++;
	}
	for (int s = STAGE_LOOKUP; s <= STAGE_MAP; s++)
		assert_true(per[s] >= 1);
	assert_int_equal(per[STAGE_ENTRY] + per[STAGE_DECODE] + per[STAGE_EXIT], 0);
}

/* Many pages: counts exact, every page back after munmap. */
static void test_counts(void **state)
{
	struct mm_env *e = *state;
	size_t free0 = page_free_count();
	vaddr_t va = map(e, 1024, PROT_READ | PROT_WRITE);

	for (int i = 0; i < 1024; i++)
		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, i % 3 ? FAULT_WRITE : FAULT_READ, NULL), 0);
	assert_int_equal(e->mm.nr_fault_zero, 342);
	assert_int_equal(e->mm.nr_fault_anon, 682);
	assert_int_equal(mm_resident_pages(&e->mm), 682);
	assert_int_equal(free0 - page_free_count(),
			 682 + mm_table_pages(&e->mm) + e->mm.vma_pool.nr_pages);
	assert_int_equal(mm_check(&e->mm), 0);
	assert_int_equal(do_munmap(&e->mm, va, 1024 * PAGE_SIZE), 0);
	assert_int_equal(page_free_count(), free0);
	assert_int_equal(mm_table_pages(&e->mm), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_read_zero_page),
		T(test_write_private_zeroed),
		T(test_read_then_write),
		T(test_segv),
		T(test_segv_report),
		T(test_mprotect_pages),
		T(test_access_flag),
		T(test_spurious),
		cmocka_unit_test(test_oom),
		T(test_stamps),
		T(test_counts),
		cmocka_unit_test(test_stage_marks),
	};

	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
