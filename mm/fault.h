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
 * The stages of the fault path, in order, defined once: X(NAME, name) for
 * each, NAME giving STAGE_NAME and name the stage's name in CSV columns
 * (bench/bench.h builds its stage parts and names from this list too).
 */
#define FAULT_STAGES(X)                                                        \
	X(ENTRY, entry)   /* first instruction of the exception vector */     \
	X(DECODE, decode) /* ESR/FAR decoded into flags */                    \
	X(LOOKUP, lookup) /* find_vma and permission check done */            \
	X(WALK, walk)     /* last-level slot found (tables allocated) */      \
	X(ALLOC, alloc)   /* data page allocated */                           \
	X(ZERO, zero)     /* data page zeroed */                              \
	X(MAP, map)       /* PTE installed, TLB maintenance done */           \
	X(EXIT, exit)     /* just before ERET */

/*
 * Stage timestamps of the last fault, taken when fault_stamps_on: the arch
 * vector writes STAGE_ENTRY and STAGE_EXIT, the portable path the others.
 * Both are this CPU's (mm/percpu.h): the names stand for its block's
 * fields, so `fault_stamp[STAGE_ZERO] = t` and `fault_stamps_on = true`
 * read and write the calling CPU's copy.
 */
enum fault_stage {
#define FAULT_STAGE_ENUM(NAME, name) STAGE_##NAME,
	FAULT_STAGES(FAULT_STAGE_ENUM)
#undef FAULT_STAGE_ENUM
	NR_STAGES
};
#include "mm/percpu.h"
#define fault_stamp (this_cpu()->stamp)
#define fault_stamps_on (this_cpu()->stamps_on)

/*
 * Stage marks: at each stamp site, FAULT_MARK(stage) records the site's
 * address and stage in a table, at build time and with no instruction in
 * the path, so that an instruction trace of a fault taken without stamps
 * can still be cut into stages. One entry, in section fault_marks (the
 * kernel's linker script keeps it between __start_fault_marks and
 * __stop_fault_marks; on the host the linker provides those symbols):
 *
 *   31..................0 31.........0
 *  | pc - &entry.pc_offset |   stage    |
 *
 * The offset is PC-relative (no relocation, position independent): the pc
 * is where the stage begins in the code, in whichever copy of the path the
 * mark was compiled into. arch/aarch64/vectors.S emits the same entries.
 */
struct fault_mark {
	int32_t pc_offset;
	uint32_t stage;
};

#define FAULT_MARK(stage)                                                     \
	__asm__ volatile("1:\n\t"                                             \
			 ".pushsection fault_marks, \"a\"\n\t"                 \
			 ".balign 4\n\t"                                       \
			 ".long 1b - .\n\t"                                    \
			 ".long %c0\n\t"                                       \
			 ".popsection" :: "i"(stage))

/*
 * FAULT_MARK_AFTER(stage, value): the same, once value is computed (an
 * operand of the empty asm: the compiler cannot move the work that makes
 * it below the mark; still no instruction).
 */
#define FAULT_MARK_AFTER(stage, value)                                        \
	__asm__ volatile("1:\n\t"                                             \
			 ".pushsection fault_marks, \"a\"\n\t"                 \
			 ".balign 4\n\t"                                       \
			 ".long 1b - .\n\t"                                    \
			 ".long %c0\n\t"                                       \
			 ".popsection" :: "i"(stage), "r"(value))

extern const struct fault_mark __start_fault_marks[], __stop_fault_marks[];

/* fault_mark_pc: the code address a mark points to. */
static inline uintptr_t fault_mark_pc(const struct fault_mark *m)
{
	return (uintptr_t)&m->pc_offset + (intptr_t)m->pc_offset;
}

#endif
