/*
 * In-guest tests of the memory manager on the real MMU: the zero page,
 * private pages, the zero-page replacement, brk shrinking, accesses after
 * munmap, PROT_NONE keeping pages, Access flag and spurious faults,
 * 100,000 VMAs, and running out of memory.
 * Translations are read back with AT S1E1R/S1E1W (tests/guest/probe.h),
 * faults that must not be resolved are caught with expect_fault_begin/end.
 */
#include "tests/guest/ktest.h"

#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "tests/guest/probe.h"

#define AP (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

/* The physical page behind va for a read, or 0 if the walk faults. */
static paddr_t pa_of(const volatile void *va)
{
	uint64_t par = at_s1e1r(va);

	return par & PAR_F ? 0 : par & PAR_PA;
}

static bool writable(const volatile void *va)
{
	return !(at_s1e1w(va) & PAR_F);
}

static volatile uint8_t *map(uint64_t pages, unsigned prot)
{
	vaddr_t va = 0;

	if (do_mmap(current_mm, 0, pages * PAGE_SIZE, prot, AP, &va))
		return NULL;
	return (volatile uint8_t *)va;
}

KTEST(mm_read_faults_map_the_zero_page)
{
	enum { N = 16 };
	volatile uint8_t *p = map(N, RW);
	uint64_t zero0 = current_mm->nr_fault_zero;

	KASSERT(p);
	for (int i = 0; i < N; i++) {
		KEXPECT_EQ(p[i * PAGE_SIZE + 100], 0);
		KEXPECT_EQ(pa_of(p + i * PAGE_SIZE), current_mm->zero_pa);
		KEXPECT(!writable(p + i * PAGE_SIZE));
	}
	KEXPECT_EQ(current_mm->nr_fault_zero - zero0, N);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, N * PAGE_SIZE), 0);
}

KTEST(mm_first_write_gives_a_private_zeroed_page)
{
	enum { N = 4 };
	volatile uint8_t *p = map(N, RW);
	uint64_t anon0 = current_mm->nr_fault_anon;
	paddr_t pa[N];

	KASSERT(p);
	for (int i = 0; i < N; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + i * PAGE_SIZE);

		w[0] = 0xfeed0000u + i;
		pa[i] = pa_of(w);
		KEXPECT_NE(pa[i], 0);
		KEXPECT_NE(pa[i], current_mm->zero_pa);
		KEXPECT(writable(w));
		for (int j = 0; j < i; j++)
			KEXPECT_NE(pa[i], pa[j]);
		for (size_t k = 1; k < PAGE_SIZE / 8; k++)
			if (w[k]) {
				KEXPECT_EQ(w[k], 0);
				break;
			}
	}
	KEXPECT_EQ(current_mm->nr_fault_anon - anon0, N);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, N * PAGE_SIZE), 0);
}

KTEST(mm_write_after_read_replaces_the_zero_page)
{
	volatile uint64_t *p = (volatile uint64_t *)map(1, RW);
	const volatile uint64_t *zero;
	uint64_t cow0 = current_mm->nr_fault_cow;

	KASSERT(p);
	KEXPECT_EQ(p[3], 0);
	KEXPECT_EQ(pa_of(p), current_mm->zero_pa);
	p[3] = 42;
	KEXPECT_EQ(p[3], 42);
	KEXPECT_NE(pa_of(p), current_mm->zero_pa);
	KEXPECT(writable(p));
	KEXPECT_EQ(current_mm->nr_fault_cow - cow0, 1);
	zero = arch_phys_to_virt(current_mm->zero_pa);
	KEXPECT_EQ(zero[3], 0);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, PAGE_SIZE), 0);
}

KTEST(mm_brk_shrink_frees_pages)
{
	enum { N = 8 };
	vaddr_t start = do_brk(current_mm, 0);
	size_t free0 = page_free_count(), free1;
	volatile uint8_t *p = (volatile uint8_t *)start;

	KASSERT_EQ(do_brk(current_mm, start + N * PAGE_SIZE), start + N * PAGE_SIZE);
	for (int i = 0; i < N; i++)
		p[i * PAGE_SIZE] = 1;
	free1 = page_free_count();
	KEXPECT_LE(free1 + N, free0);
	KASSERT_EQ(do_brk(current_mm, start + 2 * PAGE_SIZE), start + 2 * PAGE_SIZE);
	KEXPECT_EQ(page_free_count(), free1 + N - 2);
	KEXPECT_EQ(pa_of(p + 2 * PAGE_SIZE), 0);
	KEXPECT_EQ(p[PAGE_SIZE], 1);
	KASSERT_EQ(do_brk(current_mm, start), start);
	KEXPECT_EQ(page_free_count(), free0);
	KEXPECT_EQ(mm_check(current_mm), 0);
}

KTEST(mm_access_after_munmap_is_caught)
{
	volatile uint64_t *p = (volatile uint64_t *)map(2, RW);
	struct expected_fault f = {0};
	uint64_t segv0 = current_mm->nr_fault_segv;

	KASSERT(p);
	p[0] = 1;
	KASSERT_EQ(do_munmap(current_mm, (vaddr_t)p, 2 * PAGE_SIZE), 0);
	uintptr_t gone = (uintptr_t)&p[1];
	expect_fault_begin();
	(void)*opaque(gone);
	KASSERT(expect_fault_end(&f));
	KEXPECT_EQ(f.result, -EFAULT);
	KEXPECT_EQ(f.far, gone);
	KEXPECT_EQ(f.flags & (FAULT_READ | FAULT_TRANSLATION), FAULT_READ | FAULT_TRANSLATION);
	KEXPECT_EQ(current_mm->nr_fault_segv - segv0, 1);

	/* A write to a read-only mapping too. */
	p = (volatile uint64_t *)map(1, PROT_READ);
	KASSERT(p);
	expect_fault_begin();
	*opaque((uintptr_t)p) = 1;
	KASSERT(expect_fault_end(&f));
	KEXPECT_EQ(f.result, -EFAULT);
	KEXPECT_EQ(f.flags & FAULT_WRITE, FAULT_WRITE);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, PAGE_SIZE), 0);
}

/*
 * PROT_NONE on the real MMU: the pages become invalid descriptors that keep
 * their output address (a kept entry, MM_NONE), so a read and a write each
 * take a level-3 translation fault that the fault path refuses (the VMA
 * allows nothing); mprotect back brings the same pages with their data;
 * munmap of the PROT_NONE range frees every page.
 */
KTEST(mm_prot_none_keeps_pages)
{
	enum { N = 4 };
	size_t free0 = page_free_count();
	volatile uint64_t *p = (volatile uint64_t *)map(N, RW);
	uint64_t segv0 = current_mm->nr_fault_segv, freed0;
	struct expected_fault f = {0};
	const size_t stride = PAGE_SIZE / sizeof(*p);
	size_t free1, resident;
	paddr_t pa[N], got;
	unsigned attrs;

	KASSERT(p);
	for (int i = 0; i < N; i++) {
		p[i * stride + i] = 0xc0de0000u + i;
		pa[i] = pa_of(&p[i * stride]);
		KEXPECT_NE(pa[i], 0);
	}
	free1 = page_free_count();
	resident = mm_resident_pages(current_mm);

	KASSERT_EQ(do_mprotect(current_mm, (vaddr_t)p, N * PAGE_SIZE, PROT_NONE), 0);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(page_free_count(), free1);
	KEXPECT_EQ(mm_resident_pages(current_mm), resident);
	for (int i = 0; i < N; i++) {
		uintptr_t va = (uintptr_t)&p[i * stride + i];

		KEXPECT_EQ(pa_of(&p[i * stride]), 0);
		KEXPECT_EQ(pgt_lookup(current_mm->pgt, va & PAGE_MASK, &got, &attrs, NULL), 0);
		KEXPECT_EQ(got, pa[i]);
		KEXPECT_EQ(attrs, MM_NONE);

		expect_fault_begin();
		(void)*opaque(va);
		KASSERT(expect_fault_end(&f));
		KEXPECT_EQ(f.result, -EFAULT);
		KEXPECT_EQ(f.far, va);
		KEXPECT_EQ(f.flags & (FAULT_READ | FAULT_WRITE | FAULT_TRANSLATION),
			   FAULT_READ | FAULT_TRANSLATION);
		KEXPECT_EQ(FAULT_LEVEL(f.flags), 3);

		expect_fault_begin();
		*opaque(va) = 0xbad;
		KASSERT(expect_fault_end(&f));
		KEXPECT_EQ(f.result, -EFAULT);
		KEXPECT_EQ(f.far, va);
		KEXPECT_EQ(f.flags & (FAULT_WRITE | FAULT_TRANSLATION),
			   FAULT_WRITE | FAULT_TRANSLATION);
		KEXPECT_EQ(FAULT_LEVEL(f.flags), 3);
	}
	KEXPECT_EQ(current_mm->nr_fault_segv - segv0, 2 * N);

	/* Read/write again: the same pages, the data intact, writable on demand. */
	KASSERT_EQ(do_mprotect(current_mm, (vaddr_t)p, N * PAGE_SIZE, RW), 0);
	for (int i = 0; i < N; i++) {
		KEXPECT_EQ(p[i * stride + i], 0xc0de0000u + i);
		KEXPECT_EQ(pa_of(&p[i * stride]), pa[i]);
		p[i * stride + i] += 1;
		KEXPECT_EQ(p[i * stride + i], 0xc0de0001u + i);
		KEXPECT(writable(&p[i * stride]));
	}
	KEXPECT_EQ(page_free_count(), free1);
	KEXPECT_EQ(mm_check(current_mm), 0);

	/* munmap of a PROT_NONE range gives every page (and table) back. */
	KASSERT_EQ(do_mprotect(current_mm, (vaddr_t)p, N * PAGE_SIZE, PROT_NONE), 0);
	freed0 = current_mm->nr_pages_freed;
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, N * PAGE_SIZE), 0);
	KEXPECT_EQ(current_mm->nr_pages_freed - freed0, N);
	KEXPECT_EQ(mm_resident_pages(current_mm), resident - N);
	KEXPECT_EQ(page_free_count(), free0);
	KEXPECT_EQ(mm_check(current_mm), 0);
}

/*
 * Clear AF in va's level-3 entry (TCR_EL1.HA is 0, so the MMU will not set
 * it again), through the one owner of live entries (break, flush, make:
 * more than AF alone needs, which is fine for a test).
 */
static void clear_af(vaddr_t va)
{
	pte_t *slot = pgt_walk(current_mm->pgt, va);

	pgt_replace(slot, PGT_LAST_LEVEL, va, *slot, *slot & ~ATTR_AF);
}

/*
 * A real Access flag fault: the handler's access-flag branch sets AF again
 * and the access completes. On the zero page a write raises the Access
 * flag fault first and then the Permission fault that replaces the page.
 */
KTEST(mm_access_flag_faults_are_resolved)
{
	volatile uint64_t *p = (volatile uint64_t *)map(2, RW);
	volatile uint64_t *q = p + PAGE_SIZE / 8;
	uint64_t af0 = current_mm->nr_fault_af, cow0;

	KASSERT(p);
	p[0] = 7;
	clear_af((vaddr_t)p);
	KEXPECT_EQ(*pgt_walk(current_mm->pgt, (vaddr_t)p) & ATTR_AF, 0);
	KEXPECT_EQ(p[0], 7);
	KEXPECT_EQ(current_mm->nr_fault_af - af0, 1);
	KEXPECT_NE(*pgt_walk(current_mm->pgt, (vaddr_t)p) & ATTR_AF, 0);
	KEXPECT(writable(p));

	KEXPECT_EQ(q[0], 0);
	KEXPECT_EQ(pa_of(q), current_mm->zero_pa);
	clear_af((vaddr_t)q);
	cow0 = current_mm->nr_fault_cow;
	q[0] = 9;
	KEXPECT_EQ(q[0], 9);
	KEXPECT_EQ(current_mm->nr_fault_af - af0, 2);
	KEXPECT_EQ(current_mm->nr_fault_cow - cow0, 1);
	KEXPECT_NE(pa_of(q), current_mm->zero_pa);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, 2 * PAGE_SIZE), 0);
}

/*
 * A spurious fault: the entry already allows the access. A read-only entry
 * under a writable VMA (left so by mprotect) is read, so the TLB may hold
 * it, then made writable in place without TLB maintenance: a permission
 * relaxation needs no break-before-make. A core that uses the stale entry
 * raises a Permission fault the handler answers with a TLB flush alone;
 * QEMU walks the tables again when its cached entry forbids the write, so
 * there the write just succeeds. Either way nothing is upgraded twice.
 * Then the fault a stale entry raises is handed to do_page_fault directly,
 * as the exception code would, so the branch runs on every machine.
 */
KTEST(mm_spurious_faults_only_flush)
{
	volatile uint64_t *p = (volatile uint64_t *)map(1, RW);
	uint64_t sp0 = current_mm->nr_fault_spurious, wp0;
	pte_t *slot, relaxed;
	paddr_t pa;

	KASSERT(p);
	p[0] = 3;
	pa = pa_of(p);
	KEXPECT_EQ(do_mprotect(current_mm, (vaddr_t)p, PAGE_SIZE, PROT_READ), 0);
	KEXPECT_EQ(do_mprotect(current_mm, (vaddr_t)p, PAGE_SIZE, RW), 0);
	KEXPECT(!writable(p));
	KEXPECT_EQ(p[0], 3);
	slot = pgt_walk(current_mm->pgt, (vaddr_t)p);
	relaxed = arch_pte_leaf(pa, MM_READ | MM_WRITE, 3);
	arch_pte_write(slot, relaxed);
	arch_pte_sync();
	wp0 = current_mm->nr_fault_wp;
	p[0] = 4;
	KEXPECT_EQ(p[0], 4);
	KEXPECT_EQ(current_mm->nr_fault_wp, wp0);
	KEXPECT_LE(current_mm->nr_fault_spurious - sp0, 1);
	ktest_note("write through a stale read-only TLB entry: %llu spurious fault(s)",
		   (unsigned long long)(current_mm->nr_fault_spurious - sp0));

	sp0 = current_mm->nr_fault_spurious;
	KEXPECT_EQ(do_page_fault(current_mm, (vaddr_t)p,
				 FAULT_PERMISSION | FAULT_WRITE | 3u << FAULT_LEVEL_SHIFT), 0);
	KEXPECT_EQ(current_mm->nr_fault_spurious - sp0, 1);
	KEXPECT_EQ(current_mm->nr_fault_wp, wp0);
	KEXPECT_EQ(*slot, relaxed);
	p[0] = 5;
	KEXPECT_EQ(p[0], 5);
	KEXPECT_EQ(pa_of(p), pa);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, PAGE_SIZE), 0);
}

KTEST(mm_100000_vmas)
{
	enum { N = 100000 };
	const vaddr_t base = 0x200000000000ull;
	size_t before = current_mm->map_count;
	vaddr_t va;

	for (size_t i = 0; i < N; i++) {
		int err = do_mmap(current_mm, base + i * PAGE_SIZE, PAGE_SIZE,
				  i & 1 ? PROT_READ : RW, AP | MAP_FIXED, &va);

		if (err == -ENOMEM) { /* a small machine: not a failure of mm/ */
			KEXPECT_EQ(do_munmap(current_mm, base, i * PAGE_SIZE), 0);
			KEXPECT_EQ(current_mm->map_count, before);
			KEXPECT_EQ(mm_check(current_mm), 0);
			ktest_skip("only %zu of %d VMAs fit in %zu free pages", i, N,
				   page_free_count());
			return;
		}
		if (err) {
			KEXPECT_EQ(err, 0);
			break;
		}
	}
	KEXPECT_EQ(current_mm->map_count - before, N);
	/* The reads below map the zero page: a few table pages. */
	if (page_free_count() < 64) {
		KEXPECT_EQ(do_munmap(current_mm, base, N * PAGE_SIZE), 0);
		ktest_skip("100000 VMAs left %zu free pages, too few to touch them",
			   page_free_count());
		return;
	}
	for (size_t i = 0; i < N; i += 7919) {
		struct vm_area_struct *v = find_vma(current_mm, base + i * PAGE_SIZE + 8);

		KASSERT(v);
		KEXPECT_EQ(v->vm_start, base + i * PAGE_SIZE);
		KEXPECT_EQ(((volatile uint8_t *)(base + i * PAGE_SIZE))[8], 0);
	}
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, base, N * PAGE_SIZE), 0);
	KEXPECT_EQ(current_mm->map_count, before);
}

/*
 * Out of memory: take all but a few free pages (in contiguous runs, so even
 * 4 GiB drains in a few hundred calls), then write-fault until the fault
 * path answers -ENOMEM. The kernel must keep going with a consistent mm,
 * and every page must come back.
 */
KTEST(mm_out_of_memory_is_reported_and_survived)
{
	enum { LEFT = 64, PAGES = 4 * LEFT };
	static struct {
		paddr_t pa;
		size_t n;
	} runs[512];
	volatile uint8_t *p = map(PAGES, RW);
	struct expected_fault f = {0};
	uint64_t oom0 = current_mm->nr_fault_oom;
	size_t nr = 0, n = 1u << 16, want;
	paddr_t pa;
	int i;

	KASSERT(p);
	while (page_free_count() > LEFT && nr < ARRAY_SIZE(runs) && n) {
		want = MIN(n, page_free_count() - LEFT);
		pa = page_alloc_run(want);
		if (!pa) {
			n = want / 2;
			continue;
		}
		runs[nr].pa = pa;
		runs[nr++].n = want;
	}
	KEXPECT_EQ(page_free_count(), LEFT);
	for (i = 0; i < PAGES; i++) {
		expect_fault_begin();
		*opaque((uintptr_t)(p + i * PAGE_SIZE)) = 1;
		if (expect_fault_end(&f))
			break;
	}
	KEXPECT_LT(i, PAGES);
	KEXPECT_EQ(f.result, -ENOMEM);
	KEXPECT_EQ(current_mm->nr_fault_oom - oom0, 1);
	KEXPECT_EQ(page_free_count(), 0);
	ktest_note("out of memory after %d pages: fault at 0x%llx answered %d", i,
		   (unsigned long long)f.far, f.result);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, PAGES * PAGE_SIZE), 0);
	while (nr--)
		page_free_run(runs[nr].pa, runs[nr].n);
	/* And memory works again. */
	p = map(1, RW);
	KASSERT(p);
	p[0] = 7;
	KEXPECT_EQ(p[0], 7);
	KEXPECT_EQ(do_munmap(current_mm, (vaddr_t)p, PAGE_SIZE), 0);
}
