/*
 * A range of physical bytes: a RAM bank, a reserved region, a device window.
 * The device tree (lib/dt.h) reports them, the page allocator
 * (mm/page_alloc.h) and the boot page tables take them.
 */
#ifndef LIB_MEM_RANGE_H
#define LIB_MEM_RANGE_H

#include "lib/types.h"

struct mem_range {
	paddr_t base;
	uint64_t size;
};

#endif
