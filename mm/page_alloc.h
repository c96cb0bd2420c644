/*
 * Physical page allocator over every RAM bank: one bitmap per bank (bit set =
 * page free), a next-free hint per bank, exact counts. Page frame 0 is never
 * managed, so a return of 0 always means "no page".
 *
 * Debug builds (-DFAULTLINE_DEBUG) fill freed pages with PAGE_POISON and
 * keep a second bitmap of managed pages, so that a double free or a free of
 * a page that was never handed out asserts.
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

/* page_free: give back a page from page_alloc/page_alloc_run; double free asserts. */
void page_free(paddr_t pa);

/* page_free_run: give back `n` contiguous pages. */
void page_free_run(paddr_t pa, size_t n);

/* page_free_count: pages free now. */
size_t page_free_count(void);

/* page_total_count: pages managed (free or allocated). */
size_t page_total_count(void);

/* page_is_free: whether a managed page is free (tests and leak checks). */
bool page_is_free(paddr_t pa);

/* page_alloc_report: print banks, free/total counts to the console. */
void page_alloc_report(void);

/* page_alloc_bitmap_range: where page_alloc_init put the bitmaps (a reserved range). */
void page_alloc_bitmap_range(struct mem_range *out);

#endif
