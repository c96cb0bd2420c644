/*
 * In-guest tests of the physical page allocator on the real RAM of the
 * machine: every page can be had exactly once and lies in a RAM bank of the
 * device tree, runs are contiguous, and everything given back is counted
 * back; the per-CPU caches' swaps, ORs and run claims on the real atomics,
 * LSE where the core has them and the exclusives always.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/image.h"
#include "boot/main.h"
#include "mm/arch.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"
#include <arch/atomic.h>

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
 * Whether [pa, pa + size) is RAM the allocator may hand out: inside one
 * RAM bank of the device tree (boot_info) and outside the kernel image and
 * every reserved range the tree names.
 */
static bool in_ram(paddr_t pa, uint64_t size)
{
	const struct bootinfo *bi = boot_info();
	paddr_t img = (paddr_t)__image_start, img_end = (paddr_t)__image_end;
	bool in_bank = false;

	if (pa < img_end && pa + size > img)
		return false;
	for (size_t i = 0; i < bi->nrsv; i++)
		if (pa < bi->rsv[i].base + bi->rsv[i].size && pa + size > bi->rsv[i].base)
			return false;
	for (size_t i = 0; i < bi->nmem; i++)
		if (pa >= bi->mem[i].base && pa + size <= bi->mem[i].base + bi->mem[i].size)
			in_bank = true;
	return in_bank;
}

KTEST(alloc_every_page_once)
{
	size_t free0 = page_free_count(), total = page_total_count();
	uint64_t nonce = arch_counter();
	paddr_t head = 0, pa;
	size_t n = 0, bad_range = 0, dup = 0;

	KASSERT(free0 > 0);
	KASSERT_LE(free0, total);
	KASSERT_NE(boot_info()->nmem, 0);
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

/* The longest run of free pages in any RAM bank (page_is_free). */
static size_t longest_free_run(void)
{
	const struct bootinfo *bi = boot_info();
	size_t best = 0;

	for (size_t b = 0; b < bi->nmem; b++) {
		paddr_t pa = ALIGN_UP(bi->mem[b].base, PAGE_SIZE);
		size_t run = 0;

		for (; pa + PAGE_SIZE <= bi->mem[b].base + bi->mem[b].size; pa += PAGE_SIZE) {
			run = page_is_free(pa) ? run + 1 : 0;
			best = MAX(best, run);
		}
	}
	return best;
}

KTEST(alloc_contiguous_runs)
{
	static const size_t sizes[] = {1, 2, 7, 64, 512};
	size_t free0 = page_free_count(), longest = longest_free_run();

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];

		if (n > longest) { /* small or fragmented RAM: no such run exists */
			ktest_skip("no run of %zu free pages (the longest is %zu)", n, longest);
			return;
		}
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

#ifdef FAULTLINE_DEBUG
/* Debug builds: a freed page holds PAGE_POISON in every byte, so a stale
 * pointer into it reads garbage, not old data. */
KTEST(alloc_debug_poisons_freed_pages)
{
	paddr_t pa = page_alloc();
	volatile uint8_t *p;
	size_t bad = 0;

	KASSERT_NE(pa, 0);
	p = arch_phys_to_virt(pa);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		p[i] = (uint8_t)i;
	page_free(pa);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		bad += p[i] != PAGE_POISON;
	KEXPECT_EQ(bad, 0);
}
#endif

/*
 * One pass over the caches' atomics, the boot CPU playing CPUs 0 and 1 in
 * turn (percpu_enter; no fault is taken meanwhile): CPU 0 swaps words into
 * its cache, CPU 1 frees half of its pages to the map (OR) and takes some
 * back (a swap of a word other frees filled), runs claim bits by
 * compare-and-swap around CPU 1's word; counts exact at every step, every
 * page stamped and found intact, all of it back at the end.
 */
static void caches_pass(uint64_t nonce)
{
	enum { N = 200, M = 20 };
	static paddr_t held[N + M];
	size_t free0 = page_free_count(), n = 0, bad = 0;
	paddr_t run, folio;

	for (; n < N; n++) {
		held[n] = page_alloc();
		KASSERT_NE(held[n], 0);
		*(uint64_t *)arch_phys_to_virt(held[n]) = nonce ^ held[n];
	}
	KEXPECT_EQ(page_free_count(), free0 - N);
	percpu_enter(1);
	for (size_t i = 0; i < N; i += 2)
		page_free(held[i]);
	KEXPECT_EQ(page_free_count(), free0 - N / 2);
	for (size_t i = 0; i < M; i++) {
		held[N + i] = page_alloc();
		KASSERT_NE(held[N + i], 0);
		*(uint64_t *)arch_phys_to_virt(held[N + i]) = nonce ^ held[N + i];
	}
	KEXPECT_EQ(page_free_count(), free0 - N / 2 - M);
	percpu_enter(0);
	run = page_alloc_run(100);
	folio = page_alloc_aligned(4);
	KASSERT_NE(run, 0);
	KASSERT_NE(folio, 0);
	KEXPECT(IS_ALIGNED(folio, 16 * PAGE_SIZE));
	KEXPECT_EQ(page_free_count(), free0 - N / 2 - M - 100 - 16);
	for (size_t i = 0; i < N + M; i++) {
		if (i < N && i % 2 == 0)
			continue;
		bad += *(uint64_t *)arch_phys_to_virt(held[i]) != (nonce ^ held[i]);
		bad += (held[i] >= run && held[i] < run + 100 * PAGE_SIZE) ||
		       (held[i] >= folio && held[i] < folio + 16 * PAGE_SIZE);
	}
	KEXPECT_EQ(bad, 0);
	page_free_run(run, 100);
	page_free_run(folio, 16);
	for (size_t i = 0; i < N + M; i++)
		if (i >= N || i % 2)
			page_free(held[i]);
	page_alloc_drain();
	KEXPECT_EQ(page_free_count(), free0);
}

KTEST(alloc_caches_on_both_atomics)
{
	bool lse = arch_lse;

	caches_pass(arch_counter());
	arch_atomics_init(true); /* the exclusives, even on an LSE core */
	caches_pass(arch_counter() ^ 0x5a5a5a5a5a5a5a5aull);
	arch_atomics_init(false);
	KEXPECT_EQ(arch_lse, lse);
	percpu_enter(0);
}
