/*
 * Cache maintenance by address for the boot path: what the kernel wrote
 * with the MMU and data cache off must not be shadowed by lines an earlier
 * boot stage left in the caches once SCTLR_EL1.C is set (see cache.S).
 */
#ifndef ARCH_AARCH64_CACHE_H
#define ARCH_AARCH64_CACHE_H

/* CTR_EL0.DminLine [19:16] (Arm ARM DDI0487 K.a, D24.2 "CTR_EL0"). */
#define CTR_EL0_DminLine_SHIFT 16
/* CTR_EL0.IminLine [3:0]: the smallest instruction cache line, log2 words. */
#define CTR_EL0_IminLine_MASK 0xf

#ifndef __ASSEMBLY__
#include "lib/types.h"

/* dcache_line_size: the smallest data cache line of the CPU, in bytes. */
size_t dcache_line_size(void);

/*
 * dcache_inval_poc: invalidate [start, end) to the Point of Coherency, a
 * partial line at either end cleaned first; ends with DSB SY. Returns the
 * number of lines operated on (0 when end <= start).
 */
size_t dcache_inval_poc(uintptr_t start, uintptr_t end);

/* dcache_clean_poc: clean [start, end) to the Point of Coherency (DC CVAC),
 * for a reader with its caches off; ends with DSB SY; returns the lines. */
size_t dcache_clean_poc(uintptr_t start, uintptr_t end);

/* icache_sync_range: make [start, end), written as data, safe to execute:
 * DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB. */
void icache_sync_range(uintptr_t start, uintptr_t end);

/* icache_inval_all: IC IALLU, DSB, ISB: no stale instruction on this CPU. */
void icache_inval_all(void);

#endif
#endif
