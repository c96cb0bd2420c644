/*
 * The portable fault path: the arch's exception code decodes ESR/FAR into
 * FAULT_* flags and calls do_page_fault(); everything after that is here and
 * in mm/ (find_vma -> handle_mm_fault -> do_anonymous_page), as in Linux.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include "lib/types.h"

struct mm_struct;

/* Access that faulted (exactly one of these). */
#define FAULT_READ BIT(0)
#define FAULT_WRITE BIT(1)
#define FAULT_EXEC BIT(2)
/* Kind of fault (exactly one of these). */
#define FAULT_TRANSLATION BIT(4) /* no valid entry */
#define FAULT_PERMISSION BIT(5)  /* entry forbids the access */
#define FAULT_ACCESS_FLAG BIT(6) /* AF = 0 and hardware does not set it */
#define FAULT_OTHER BIT(7)       /* alignment, external abort, ...: fatal */
/* Level of the table walk that faulted, bits [9:8]. */
#define FAULT_LEVEL_SHIFT 8
#define FAULT_LEVEL(f) (((f) >> FAULT_LEVEL_SHIFT) & 3)

/* The address space the fault handler serves (single address space). */
extern struct mm_struct *current_mm;

/*
 * do_page_fault: resolve a fault at addr in mm. Returns 0 when the access
 * can be retried, -EFAULT when no VMA allows it (a segmentation fault: the
 * caller reports it, or recovers if a fault was expected), -ENOMEM when a
 * page or table could not be had (nothing changed, mm still consistent).
 */
int do_page_fault(struct mm_struct *mm, vaddr_t addr, unsigned flags);

/*
 * do_page_fault_nostamp: do_page_fault for a caller that has found
 * fault_stamps_on false (the arch's data-abort fast path tests it once, at
 * the vector): the same path with no stamp taken or tested.
 */
int do_page_fault_nostamp(struct mm_struct *mm, vaddr_t addr, unsigned flags);

/*
 * segv_report: print a segmentation fault at addr (flags as for
 * do_page_fault): access, decoded cause, and the VMAs around addr.
 */
void segv_report(struct mm_struct *mm, vaddr_t addr, unsigned flags);

/*
 * Stage timestamps of the last fault, taken when fault_stamps_on: the arch
 * vector writes STAGE_ENTRY and STAGE_EXIT, the portable path the others.
 */
enum fault_stage {
	STAGE_ENTRY,  /* first instruction of the exception vector */
	STAGE_DECODE, /* ESR/FAR decoded into flags */
	STAGE_LOOKUP, /* find_vma and permission check done */
	STAGE_WALK,   /* level-3 slot found (tables allocated if needed) */
	STAGE_ALLOC,  /* data page allocated */
	STAGE_ZERO,   /* data page zeroed */
	STAGE_MAP,    /* PTE installed, TLB maintenance done */
	STAGE_EXIT,   /* just before ERET */
	NR_STAGES
};
extern uint64_t fault_stamp[NR_STAGES];
extern bool fault_stamps_on;

#endif
