/*
 * Test helpers of the fake arch: a RAM arena at fake physical addresses, a
 * software MMU that translates through the page tables and a small TLB, and
 * counters of the maintenance the portable code performed.
 *
 * The TLB (one per fake CPU) caches leaf translations (pages and blocks, as
 * hardware does) and only forgets them on arch_tlb_flush_*, so a missing flush shows up as a
 * stale translation in fake_translate. Entry writes are checked for
 * break-before-make: replacing a valid entry by a different valid one, or
 * re-validating a broken entry before any TLB flush, counts a violation.
 * Every entry counts as accessed (AF = 1): there are no access-flag faults.
 */
#ifndef ARCH_FAKE_FAKE_H
#define ARCH_FAKE_FAKE_H

#include "lib/types.h"
#include "mm/page_alloc.h"

struct pgtable;

#define FAKE_RAM_BASE 0x40000000ull
#define FAKE_TLB_ENTRIES 64

/*
 * fake_ram_init: set up a zeroed arena of `size` bytes (page multiple) at
 * fake physical address FAKE_RAM_BASE and describe it in *bank. 0, -EINVAL
 * (size) or -ENOMEM. Replaces any previous arena; resets the TLB and stats.
 */
int fake_ram_init(uint64_t size, struct mem_range *bank);

/* fake_ram_init_at: as fake_ram_init, with the arena at physical `base`. */
int fake_ram_init_at(paddr_t base, uint64_t size, struct mem_range *bank);

/* fake_ram_free: release the arena (arch_phys_to_virt then aborts). */
void fake_ram_free(void);

/*
 * fake_translate: what the MMU would do for an access (FAULT_READ,
 * FAULT_WRITE or FAULT_EXEC) to va: 0 and *pa, or the FAULT_* flags (kind |
 * access | level << FAULT_LEVEL_SHIFT) of the fault it would raise. Looks
 * in the TLB first and fills it after a walk, like hardware.
 */
unsigned fake_translate(const struct pgtable *pgt, vaddr_t va, unsigned access,
			paddr_t *pa);

/*
 * Each fake CPU (arch_cpu_id(): a thread's, or the one percpu_enter
 * chose) has its own TLB: fake_translate fills the caller's, fake_tlb_cached
 * and fake_tlb_count read it, and the arch_tlb_flush_* broadcasts drop
 * every CPU's entries.
 *
 * fake_tlb_broadcast_broken: while true, the broadcasts act on the
 * caller's TLB only (a missing IS: what a test shows the fake catches).
 */
extern bool fake_tlb_broadcast_broken;

/*
 * fake_tlb_stale: how many of cpu's TLB entries no longer match a walk of
 * pgt (the translation was removed or changed and that CPU was not told).
 */
unsigned fake_tlb_stale(const struct pgtable *pgt, unsigned cpu);

/* fake_tlb_reset: forget every cached translation, on every CPU (not counted as a flush). */
void fake_tlb_reset(void);

/* fake_tlb_cached: whether the TLB holds a translation for va. */
bool fake_tlb_cached(vaddr_t va);

/* fake_tlb_count: how many cached translations overlap [va, end). */
unsigned fake_tlb_count(vaddr_t va, vaddr_t end);

/* What the portable code did to the "hardware". */
struct fake_stats {
	uint64_t pte_writes;     /* arch_pte_write + arch_pte_write_table + arch_pte_set */
	uint64_t flush_page;     /* arch_tlb_flush_page (leaf and walks) */
	uint64_t flush_leaf;     /* arch_tlb_flush_leaf and _leaf_local */
	uint64_t flush_range;    /* arch_tlb_flush_leaves calls */
	uint64_t flush_all;      /* arch_tlb_flush_all, also from large ranges */
	uint64_t tlbi_ops;       /* single-VA invalidations, from any call */
	uint64_t syncs;          /* arch_pte_sync */
	uint64_t bbm_violations; /* valid -> other valid without break + flush */
	uint64_t tlb_hits, tlb_misses;
};
extern struct fake_stats fake_stats;

/* fake_stats_reset: zero every counter and empty the maintenance log. */
void fake_stats_reset(void);

/*
 * The maintenance log: every entry store, barrier, TLBI and cache operation
 * the seam performed, in order, as the aarch64 seam would issue them (the
 * barriers of each operation included), so a test can assert the order,
 * the kinds, the operands and local against broadcast.
 */
enum fake_op_kind {
	FAKE_OP_STORE,     /* an entry stored; operand: the new entry */
	FAKE_OP_DSB,       /* DSB; bar: its domain and type */
	FAKE_OP_DMB,       /* DMB; bar as for DSB */
	FAKE_OP_ISB,
	FAKE_OP_TLBI_VA,   /* TLBI VAE1(IS): leaf and cached walks; operand: the VA */
	FAKE_OP_TLBI_VAL,  /* TLBI VALE1(IS): the leaf only; operand: the VA */
	FAKE_OP_TLBI_ALL,  /* TLBI VMALLE1IS */
	FAKE_OP_SYNC_EXEC, /* DC CVAU + IC IVAU; operand: physical address, size: bytes */
};
enum fake_barrier { FAKE_BAR_NONE, FAKE_BAR_ISHST, FAKE_BAR_ISH, FAKE_BAR_NSHST, FAKE_BAR_NSH };
struct fake_op {
	enum fake_op_kind kind;
	uint64_t operand;
	uint64_t size;
	bool broadcast;        /* TLBI: the IS form (all CPUs) */
	enum fake_barrier bar; /* DSB, DMB */
};
#define FAKE_OPS_MAX 32768
extern struct fake_op fake_ops[FAKE_OPS_MAX];
extern size_t fake_nops; /* ops since fake_ops_reset (only the first FAKE_OPS_MAX kept) */

/* fake_ops_reset: empty the log. */
void fake_ops_reset(void);

/* fake_ops_count: logged ops of `kind` (and, for DSB/DMB, barrier `bar`; FAKE_BAR_NONE: any). */
size_t fake_ops_count(enum fake_op_kind kind, enum fake_barrier bar);

#endif
