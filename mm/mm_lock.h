/*
 * How faults and the writers of an mm exclude each other, with no lock and
 * no shared store on the fault path (a per-CPU reader flag and a sequence
 * count: Linux's percpu_rw_semaphore, with the mm's seqcount as its gate).
 *
 *   fault (reader)                       writer (mmap, munmap, mprotect, brk)
 *   --------------                       ------------------------------------
 *   in_fault = 1  (STLR, own CPU's line) lock(mm->wr.lock)
 *   seq odd? (LDAR)                      seq += 1, odd (STLR)
 *     -> in_fault = 0, wait until seq    for each other CPU: wait until
 *        is even, retry                    in_fault == 0 (LDAR; LDXR + WFE)
 *   ... find_vma, entries by CAS ...     ... change VMAs, entries, free ...
 *   in_fault = 0  (STLR)                 seq += 1, even (STLR); SEV; unlock
 *
 * Each side stores, then loads what the other stores, with sequentially
 * consistent accesses (STLR then LDAR are ordered: <arch/atomic.h>
 * arch_store_sc): a Dekker handshake with no barrier instruction. A fault that sees seq even
 * has set in_fault where the writer will see it, so the writer waits for
 * it; a fault that begins later sees seq odd and waits. So a fault never
 * sees a VMA or an entry while a writer changes it, and a writer, once its
 * wait ends, has every CPU outside the fault path: a quiescent point for
 * all of them (the per-CPU epoch of issue 18), after which VMAs and table
 * pages are freed at once. A fault racing a munmap of its page therefore
 * either completes first or finds no VMA, as in Linux.
 *
 * Faults do not exclude each other: they change entries by
 * compare-and-swap (mm/pgtable.h), and the counters and VMA cache they
 * write are per CPU. A writer's own CPU is never in a fault of the mm.
 */
#ifndef MM_MM_LOCK_H
#define MM_MM_LOCK_H

#include "lib/lockstat.h"
#include "mm/mm.h"
#include <arch/atomic.h>

/* Every mm's writer lock, counted together (timed: lib/lockstat.h). */
extern struct lockstat mm_writer_lockstat;

/* The slow half of mm_fault_enter: a writer is at work; wait until it is done. */
void mm_fault_wait(struct mm_struct *mm, uint64_t *in_fault);

/*
 * mm_fault_enter: mark this CPU inside a fault of mm (in_fault: its own
 * per-CPU flag) once no writer is at work. Inline on the fault path: a
 * STLR, a LDAR and a test when no writer is.
 */
static inline __attribute__((always_inline)) void mm_fault_enter(struct mm_struct *mm,
								   uint64_t *in_fault)
{
	arch_store_sc(in_fault, 1);
	if (unlikely(arch_load_sc(&mm->wr.seq) & 1))
		mm_fault_wait(mm, in_fault);
}

/* mm_fault_exit: this CPU has left the fault (STLR: its accesses come first). */
static inline __attribute__((always_inline)) void mm_fault_exit(uint64_t *in_fault)
{
	arch_store_sc(in_fault, 0);
}

/*
 * mm_write_lock: take mm for a writer: the writers' lock, seq odd, then
 * wait until no other CPU is inside a fault of mm.
 */
void mm_write_lock(struct mm_struct *mm);

/* mm_write_unlock: seq even again (release), wake the waiting faults, unlock. */
void mm_write_unlock(struct mm_struct *mm);

/* mm_write_locked: whether a writer holds mm (for assertions). */
static inline bool mm_write_locked(struct mm_struct *mm)
{
	return arch_read_once(&mm->wr.seq) & 1;
}

#endif
