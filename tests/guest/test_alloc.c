/*
 * In-guest tests of the physical page allocator on the real RAM of the
 * machine: every page can be had exactly once, runs are contiguous, and
 * everything given back is counted back.
 */
#include "tests/guest/ktest.h"

#include "boot/image.h"
#include "mm/arch.h"
#include "mm/page_alloc.h"
#include "tests/guest/probe.h"

/*
 * Each allocated page is stamped with (next, MAGIC ^ pa ^ nonce): the list
 * of pages lives in the pages themselves, and a page handed out twice is
 * caught by finding its own stamp already there.
 */
#define STAMP_MAGIC 0x6661756c746c696eull /* "faultlin" */

struct stamp {
	paddr_t next;
	uint64_t tag;
};

/*
 * Whether [pa, pa + size) is RAM the allocator may hand out: every page
 * mapped by the kernel's identity map as RAM (mmu_init maps exactly the
 * RAM banks read/write, normal memory) and outside the kernel image.
 */
static bool in_ram(paddr_t pa, uint64_t size)
{
	paddr_t img = (paddr_t)__image_start, img_end = (paddr_t)__image_end;

	if (pa < img_end && pa + size > img)
		return false;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		paddr_t out;
		unsigned attrs;

		if (pgt_lookup(&kernel_pgt, pa + off, &out, &attrs, NULL) != 0 ||
		    out != pa + off ||
		    (attrs & (MM_WRITE | MM_DEVICE | MM_EXEC)) != MM_WRITE)
			return false;
	}
	return true;
}

KTEST(alloc_every_page_once)
{
	size_t free0 = page_free_count(), total = page_total_count();
	uint64_t nonce = arch_counter();
	paddr_t head = 0, pa;
	size_t n = 0, bad_range = 0, dup = 0;

	KASSERT(free0 > 0);
	KASSERT_LE(free0, total);
	while ((pa = page_alloc()) != 0) {
		struct stamp *s = arch_phys_to_virt(pa);

		if (!IS_ALIGNED(pa, PAGE_SIZE) || !in_ram(pa, PAGE_SIZE)) {
			if (bad_range++ == 0)
				ktest_note("page %#llx outside RAM", (unsigned long long)pa);
			continue; /* never touch it */
		}
		if (s->tag == (STAMP_MAGIC ^ pa ^ nonce) && dup++ == 0)
			ktest_note("page %#llx handed out twice", (unsigned long long)pa);
		s->next = head;
		s->tag = STAMP_MAGIC ^ pa ^ nonce;
		head = pa;
		n++;
		if (n > total) /* a cycle: stop before looping forever */
			break;
	}
	KEXPECT_EQ(bad_range, 0);
	KEXPECT_EQ(dup, 0);
	KEXPECT_EQ(n, free0);
	KEXPECT_EQ(page_free_count(), 0);
	KEXPECT_EQ(page_alloc(), 0);       /* exhausted: clean 0, no state change */
	KEXPECT_EQ(page_alloc_run(1), 0);
	KEXPECT_EQ(page_free_count(), 0);

	for (pa = head; pa != 0;) {
		struct stamp *s = arch_phys_to_virt(pa);
		paddr_t next = s->next;

		s->tag = 0;
		page_free(pa);
		pa = next;
	}
	KEXPECT_EQ(page_free_count(), free0);
	KEXPECT_EQ(page_total_count(), total);
}

KTEST(alloc_contiguous_runs)
{
	static const size_t sizes[] = {1, 2, 7, 64, 512};
	size_t free0 = page_free_count();

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		paddr_t pa = page_alloc_run(n);

		KASSERT_NE(pa, 0);
		KEXPECT(IS_ALIGNED(pa, PAGE_SIZE));
		KEXPECT(in_ram(pa, n * PAGE_SIZE));
		KEXPECT_EQ(page_free_count(), free0 - n);
		for (size_t j = 0; j < n; j++)
			KEXPECT(!page_is_free(pa + j * PAGE_SIZE));
		page_free_run(pa, n);
		KEXPECT_EQ(page_free_count(), free0);
		for (size_t j = 0; j < n; j++)
			KEXPECT(page_is_free(pa + j * PAGE_SIZE));
	}
}

KTEST(alloc_run_too_big_fails_cleanly)
{
	size_t free0 = page_free_count();

	KEXPECT_EQ(page_alloc_run(page_total_count() + 1), 0);
	KEXPECT_EQ(page_free_count(), free0);
}
