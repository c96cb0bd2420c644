/*
 * Physical page allocator over every RAM bank: one bitmap per bank (bit set =
 * page free), a next-free hint per bank, exact counts, and a page cache per
 * CPU (one bitmap word of up to 64 free pages, taken whole with one atomic
 * swap). Page frame 0 is never managed, so a return of 0 always means "no
 * page".
 *
 * Several CPUs may call every function below at once, except
 * page_alloc_init, page_alloc_drain and the queries (page_free_count,
 * page_is_free, page_alloc_report), which want a quiescent point: no CPU
 * inside the allocator. What is exact when:
 *   - page_free_count / page_total_count are exact at any quiescent point
 *     (pages held in per-CPU caches count as free); while CPUs allocate,
 *     page_free_count is a snapshot of no particular instant.
 *   - page_alloc returns 0 when the bitmaps have no free word and this
 *     CPU's cache is empty: free pages cached by other CPUs (at most 64
 *     each) are not taken from them. With one CPU, 0 means none is free.
 *   - page_alloc_run / page_alloc_aligned search the bitmaps (after giving
 *     back this CPU's own cache when the first search fails): a run that
 *     needs pages cached by another CPU fails, as Linux's does when the
 *     pages sit on other CPUs' per-CPU lists. page_alloc_drain first, at a
 *     quiescent point, makes every free page visible to runs again.
 *
 * Debug builds (-DFAULTLINE_DEBUG) fill freed pages with PAGE_POISON and
 * keep two more bitmaps, of managed pages and of pages handed out (written
 * with atomics), so that a double free or a free of a page that was never
 * handed out asserts, on any CPU.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include "lib/mem_range.h"
#include "lib/types.h"
#include "mm/geometry.h"

#define PAGE_ALLOC_MAX_BANKS 8 /* as many as the device tree reports: DT_MAX_MEM */
#define PAGE_POISON 0xaa /* byte pattern of freed pages in debug builds */

/*
 * page_alloc_init: manage the pages of `banks` minus `reserved` (both lists of
 * byte ranges, any order, overlaps allowed; partial pages are left out). The
 * bitmaps are carved from the free RAM itself and reported as reserved.
 * Returns 0, -EINVAL (no bank, > PAGE_ALLOC_MAX_BANKS, empty bank) or -ENOMEM
 * (no room for the bitmaps). Re-initialising discards all previous state.
 */
int page_alloc_init(const struct mem_range *banks, size_t nbanks,
		    const struct mem_range *reserved, size_t nreserved);

/* page_alloc: one free page, or 0 when none is left (no message, no state change). */
paddr_t page_alloc(void);

/* page_alloc_run: `n` physically contiguous free pages, or 0 if no run fits. */
paddr_t page_alloc_run(size_t n);

/*
 * page_alloc_aligned: 2^order physically contiguous free pages whose first
 * address is a multiple of their size (a folio or a block), or 0 if no such
 * run is free. Order 0 is page_alloc. Freed with page_free_run or page by
 * page.
 */
paddr_t page_alloc_aligned(unsigned order);

/* page_free: give back a page from page_alloc/page_alloc_run (to this CPU's cache
 * when it lies in the cached word, else to the bitmap); double free asserts. */
void page_free(paddr_t pa);

/* page_free_run: give back `n` contiguous pages (to the bitmap). */
void page_free_run(paddr_t pa, size_t n);

/* page_free_count: pages free now, cached ones included (exact when quiescent). */
size_t page_free_count(void);

/* page_total_count: pages managed (free or allocated). */
size_t page_total_count(void);

/* page_is_free: whether a managed page is free, in a bitmap or a cache (tests
 * and leak checks, at a quiescent point). */
bool page_is_free(paddr_t pa);

/*
 * page_alloc_drain: give every CPU's cached pages back to the bitmaps (at a
 * quiescent point: no CPU inside the allocator). Counts do not change; runs
 * and page_is_free then see every free page in the bitmaps.
 */
void page_alloc_drain(void);

/*
 * page_alloc_smp: from now on the bitmaps are written with atomics (swap,
 * OR, compare-and-swap) and a lock orders runs, so that other CPUs may call
 * in. Before it one CPU runs, maybe with the MMU off (the boot tables),
 * where exclusives need not work, so the allocator uses plain stores. The
 * kernel calls it once the MMU is on; host builds start with it on.
 */
void page_alloc_smp(void);

/*
 * One CPU's page cache, counted since page_alloc_init (exact at a
 * quiescent point; see page_alloc.c): pages its fast path handed out
 * (hits), words it took from the maps (refills, each also handing out one
 * page) and the pages they held, words it gave back with pages in them
 * (spills) and those pages, pages page_free put into it, pages it holds.
 * Every page it handed out is hits + refills.
 */
struct page_cache_stats {
	uint64_t hits, refills, refill_pages, spills, spill_pages, frees, held;
#ifdef FAULTLINE_DEBUG
	uint64_t handed_debug; /* counted one by one (debug builds): hits + refills */
#endif
};

/* page_alloc_cache_stats: CPU cpu's cache statistics into *out (cpu < NR_CPUS). */
void page_alloc_cache_stats(unsigned cpu, struct page_cache_stats *out);

struct lockstat_sum;

/*
 * page_alloc_run_lockstat: the run lock's statistics (lib/lockstat.h,
 * contended: acquisitions are its tickets since page_alloc_smp, contended
 * and wait from its wait loop, hold not measured: timed false).
 */
void page_alloc_run_lockstat(struct lockstat_sum *out);

/* page_alloc_report: print banks, free/total counts to the console. */
void page_alloc_report(void);

/* page_alloc_bitmap_range: where page_alloc_init put the bitmaps (a reserved range). */
void page_alloc_bitmap_range(struct mem_range *out);

#endif
