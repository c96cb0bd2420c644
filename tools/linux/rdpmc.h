/*
 * Reading a perf event's count from user space without a system call: the
 * perf_event_mmap_page protocol (include/uapi/linux/perf_event.h, "user
 * space reading"), as Linux's tools/lib/perf/mmap.c does it.
 *
 * The kernel publishes, in the first page mmap()ed from the event's fd,
 * which hardware counter holds the event and what to add to it:
 *
 *   lock       seqlock: the kernel bumps it around every update of the page
 *   index      0: the event is not on a counter now (count = offset alone);
 *              else the counter, arm64 numbering (armv8pmu_user_event_idx):
 *                32      PMCCNTR_EL0, the cycle counter
 *                n < 32  PMEVCNTR<n-1>_EL0, event counter n-1
 *   offset     signed, added to the counter's value
 *   pmc_width  bits the counter implements (64 with attr.config1 bit 0,
 *              else 32): its value is sign-extended from that width
 *   cap_user_rdpmc  the counter may be read at EL0 (PMUSERENR_EL0.ER/CR
 *              set for this task: perf_user_access=1 and attr.config1 bit 1)
 *
 *   do {
 *       seq = lock; barrier
 *       idx = index; count = offset
 *       if (cap_user_rdpmc && idx) count += sext(read counter idx, pmc_width)
 *       barrier
 *   } while (lock != seq)
 *
 * Header-only and free of system registers: the counter read is a function
 * the caller passes (an MRS on arm64, a fake in the host test), and with a
 * constant argument the compiler inlines it.
 */
#ifndef TOOLS_LINUX_RDPMC_H
#define TOOLS_LINUX_RDPMC_H

#include <linux/perf_event.h>
#include <stdint.h>

/* perf_event_mmap_page.index of the cycle counter PMCCNTR_EL0 on arm64. */
#define RDPMC_INDEX_CYCLES 32u

/* A read of hardware counter `index` (the page's numbering, never 0). */
typedef uint64_t (*rdpmc_counter_fn)(uint32_t index);

/* rdpmc_sext: v sign-extended from its low `width` bits (0 or >= 64: v as is). */
static inline uint64_t rdpmc_sext(uint64_t v, unsigned width)
{
	unsigned shift;

	if (width == 0 || width >= 64)
		return v;
	shift = 64 - width;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* rdpmc_read: the event's count now, by the seqlock protocol above. */
static inline uint64_t rdpmc_read(const volatile struct perf_event_mmap_page *pc,
				  rdpmc_counter_fn counter)
{
	uint32_t seq, idx;
	uint64_t count;

	do {
		seq = pc->lock;
		__asm__ volatile("" ::: "memory");
		idx = pc->index;
		count = (uint64_t)pc->offset;
		if (pc->cap_user_rdpmc && idx)
			count += rdpmc_sext(counter(idx), pc->pmc_width);
		__asm__ volatile("" ::: "memory");
	} while (pc->lock != seq);
	return count;
}

#endif
