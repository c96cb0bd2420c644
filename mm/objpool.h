/*
 * A pool of fixed-size objects carved from whole pages of page_alloc, for
 * objects the kernel needs in numbers (VMAs: 100,000 of them fit in 8 MiB).
 * A page goes back to page_alloc as soon as its last object is freed, so
 * the free-page count is exact after every free.
 *
 * Each pool page:
 *
 *   +-------------------------+ 4 KiB aligned
 *   | struct objpool_page     |  partial-list links, free list, in-use count
 *   +-------------------------+
 *   | object 0 | object 1 |...|  obj_size bytes each (free ones hold the
 *   +-------------------------+  free-list link in their first word)
 */
#ifndef MM_OBJPOOL_H
#define MM_OBJPOOL_H

#include "lib/types.h"

struct objpool_page;

struct objpool {
	size_t obj_size;              /* >= sizeof(void *), multiple of 8 */
	struct objpool_page *partial; /* pages with at least one free object */
	size_t nr_pages;              /* pages held */
	size_t nr_objs;               /* objects handed out */
};

/* objpool_init: an empty pool of obj_size-byte objects. */
void objpool_init(struct objpool *pool, size_t obj_size);

/* objpool_alloc: one object (contents undefined), or NULL when no page is left. */
void *objpool_alloc(struct objpool *pool);

/* objpool_free: give back an object from objpool_alloc of this pool. */
void objpool_free(struct objpool *pool, void *obj);

/* objpool_per_page: how many objects one page holds. */
size_t objpool_per_page(const struct objpool *pool);

#endif
