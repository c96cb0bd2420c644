/*
 * Translation tables of the geometry in mm/geometry.h: the granule of
 * <arch/page.h>, 48-bit VA, levels PGT_ROOT_LEVEL to PGT_LAST_LEVEL (3).
 * With the 4 KiB granule:
 *
 *   VA bits: | 47..39 | 38..30 | 29..21 | 20..12 | 11..0  |
 *            | L0 idx | L1 idx | L2 idx | L3 idx | offset |
 *
 * The last level holds pages; this library maps blocks at BLOCK_LEVEL (2:
 * 2 MiB with 4 KiB pages) and only splits blocks it finds at other levels.
 * Table pages come from
 * page_alloc() and go back when a table empties. Changing a live (valid)
 * entry to another valid one uses break-before-make: invalidate, TLB flush,
 * write the new entry. Attributes are the portable MM_* of mm/arch.h.
 *
 * This library is the only writer of live entries and the only caller of
 * the arch's TLB maintenance (as Hafnium's mm_replace_entry and Linux's
 * set_ptes/contpte_convert): the fault path installs into empty slots
 * (pgt_install, pgt_install_run), replaces one entry (pgt_replace),
 * rewrites a contiguous range (pgt_rewrite_cont), and fixes its own CPU's
 * stale entries (pgt_touch, pgt_fix_spurious), all declared below. Leaf
 * changes flush with leaf-only invalidations (TLBI VALE1IS), table changes
 * with ones that drop cached walks too (TLBI VAE1IS); a batch of entry
 * stores pays one barrier.
 *
 * Contiguous ranges (MM_CONT, mm/geometry.h CONT_PTES): the fault path maps
 * large folios as whole ranges of last-level entries with the Contiguous
 * bit. unmap and protect unfold a range their edges cut (pgt_unfold), and
 * change the ranges they cover whole all at once, keeping the bit (kept
 * entries never have it). pgt_check verifies every range is consistent.
 *
 * MM_NONE makes kept entries (PROT_NONE): invalid, so every access faults,
 * but still holding their pages. Every function here treats a kept entry as
 * a mapped leaf: map refuses to map over it, lookup reports it (attrs ==
 * MM_NONE), unmap releases its page, protect converts it both ways, check
 * accepts it.
 */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H

#include "mm/arch.h"
#include <arch/percpu.h>

/*
 * The TLB maintenance of unmaps and protects (pgt_unmap, pgt_protect), one
 * CPU's: range flushes (each one DSB ISH), TLBI instructions in them, and
 * those that fell back to flushing everything (one TLBI VMALLE1IS each).
 * The faults' own maintenance is not counted.
 */
struct pgt_tlb_stats {
	uint64_t flushes, tlbis, flush_all;
};

struct pgtable {
	pte_t *root;          /* PGT_ROOT_LEVEL table (virtual address) */
	paddr_t root_pa;      /* its physical address (for TTBR0_EL1) */
	/* Table pages in use, root included: pgt_table_pages(). Each CPU
	   counts the tables it links and frees in its own line (faults on
	   several CPUs link tables at once); the sum is exact. */
	struct {
		int64_t n;
		struct pgt_tlb_stats tlb;
	} __attribute__((aligned(64))) tables[NR_CPUS];
};

/* pgt_table_pages: the table pages in use, root included (the per-CPU counts summed). */
static inline uint64_t pgt_table_pages(const struct pgtable *pgt)
{
	int64_t sum = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		sum += pgt->tables[cpu].n;
	return (uint64_t)sum;
}

/* Flags for pgt_map. */
#define PGT_NO_BLOCKS BIT(0) /* map with pages only */

/* pgt_init: allocate an empty root table. 0 or -ENOMEM. */
int pgt_init(struct pgtable *pgt);

/* pgt_destroy: free every table page (not the mapped pages). */
void pgt_destroy(struct pgtable *pgt);

/*
 * pgt_map: map [va, va+size) to [pa, pa+size) with attrs, using blocks
 * (BLOCK_SIZE) where both addresses are aligned and flags allow. va, pa,
 * size must be page aligned; no page of the range may be mapped already.
 * Returns 0, or on error with nothing of the range left mapped:
 *   -EINVAL  alignment, range outside PGT_VA_BITS or 48-bit PA, attributes
 *            not allowed (MM_WRITE with MM_EXEC, MM_NONE with others),
 *            unknown flags
 *   -EEXIST  a page of the range is mapped (kept pages too)
 *   -ENOMEM  no page for a table
 */
int pgt_map(struct pgtable *pgt, vaddr_t va, paddr_t pa, uint64_t size,
	    unsigned attrs, unsigned flags);

/* Called by pgt_unmap for each page it unmaps, once no TLB holds it. */
typedef void (*pgt_release_fn)(paddr_t pa, void *ctx);

/*
 * pgt_unmap: unmap every mapped page (kept ones too) of [va, va+size),
 * splitting blocks that straddle the edges, flushing the TLB, freeing
 * emptied tables, and calling release (if not NULL) with each unmapped
 * page's physical address. Unmapped holes are fine. Returns 0, or with
 * nothing changed:
 *   -EINVAL  va or size not page aligned, size 0, range outside PGT_VA_BITS
 *   -ENOMEM  no page for a table that a block split needs
 */
int pgt_unmap(struct pgtable *pgt, vaddr_t va, uint64_t size,
	      pgt_release_fn release, void *ctx);

/*
 * pgt_protect: set attrs on every mapped page of [va, va+size) (splitting
 * blocks at the edges), with break-before-make and TLB maintenance. attrs
 * MM_NONE makes the pages kept (a break: the TLB is flushed); other attrs
 * make kept pages valid again with the same output addresses (no flush:
 * they were in no TLB). Returns 0, or with nothing changed:
 *   -EINVAL  range as for pgt_unmap, or attributes not allowed
 *   -ENOMEM  no page for a table that a block split needs
 */
int pgt_protect(struct pgtable *pgt, vaddr_t va, uint64_t size, unsigned attrs);

/*
 * pgt_lookup: translate va. Returns 0 and fills pa (of va itself, offset
 * included), attrs and level (of the leaf) for any non-NULL out pointer, or
 * -ENOENT when va is not mapped. A kept entry is mapped: attrs is MM_NONE
 * (the MMU would fault on it, pa is the page it keeps).
 */
int pgt_lookup(const struct pgtable *pgt, vaddr_t va, paddr_t *pa,
	       unsigned *attrs, int *level);

/*
 * pgt_walk_alloc: the last-level entry slot for va, allocating intermediate
 * tables as needed (the fault path). NULL with -ENOMEM in *err when a table
 * page cannot be had, or -EEXIST when a block already covers va.
 */
pte_t *pgt_walk_alloc(struct pgtable *pgt, vaddr_t va, int *err);

/*
 * pgt_alloc_to: from a slot pgt_descend returned (slot of `level` for va),
 * the tables missing down to level `stop` allocated, the slot of `stop`
 * returned. Safe against other CPUs' faults: a table is zeroed, then linked
 * by compare-and-swap from empty; the CPU that loses the race frees its own
 * page and goes on through the winner's table. On success *err is the
 * number of such races lost (0 almost always); NULL with *err -ENOMEM (no
 * page), -EEXIST (a leaf maps va) or -EAGAIN (another CPU is changing the
 * slot: ARCH_PTE_BUSY).
 */
pte_t *pgt_alloc_to(struct pgtable *pgt, pte_t *slot, int level, vaddr_t va, int stop,
		    int *err);

/* pgt_alloc_from: pgt_alloc_to the last level. */
static inline pte_t *pgt_alloc_from(struct pgtable *pgt, pte_t *slot, int level, vaddr_t va,
				    int *err)
{
	return pgt_alloc_to(pgt, slot, level, va, PGT_LAST_LEVEL, err);
}

/*
 * pgt_unfold: if va's page is part of a contiguous range (MM_CONT), rewrite
 * the whole range without the hint: break every entry, flush the TLB over
 * the range, write each page back with the same output address and
 * attributes (Arm ARM D8.6.1: the entries of a range change together).
 * pgt_unmap and pgt_protect unfold the ranges their edges cut; the fault
 * path unfolds before changing one page of a range. Returns 1 when it
 * unfolded, 0 when there was nothing to do (no memory needed, cannot fail).
 */
int pgt_unfold(struct pgtable *pgt, vaddr_t va);

/*
 * From this many single-VA invalidations on, a range flush drops the whole
 * TLB instead: one table's worth of entries, as Linux arm64's MAX_DVM_OPS
 * (PTRS_PER_PTE: 512, 2048 or 8192 with the 4K, 16K or 64K granule;
 * __flush_tlb_range_limit_excess: end - start >= MAX_DVM_OPS * stride).
 */
#define PGT_FLUSH_MAX_OPS PGT_PTES

/* pgt_flush_ops: the single-VA invalidations [va, end) takes, leaves of 1 << shift bytes. */
static inline uint64_t pgt_flush_ops(vaddr_t va, vaddr_t end, unsigned shift)
{
	va = ALIGN_DOWN(va, BIT(shift));
	return end > va ? ((end - va - 1) >> shift) + 1 : 0;
}

/*
 * pgt_flush_range: the range-flush policy (Linux's __flush_tlb_range):
 * drop every TLB entry of [va, end) whose leaves are 1 << shift bytes, one
 * invalidation per leaf (arch_tlb_flush_leaves: leaf only, or with `walks`
 * the cached walks too, when tables were freed), or arch_tlb_flush_all()
 * when that would take PGT_FLUSH_MAX_OPS or more. Returns the TLBI
 * instructions issued (0 for an empty range, which does nothing).
 */
unsigned pgt_flush_range(vaddr_t va, vaddr_t end, unsigned shift, bool walks);

/* pgt_tlb_stats_sum: every CPU's unmap and protect TLB maintenance, summed. */
static inline struct pgt_tlb_stats pgt_tlb_stats_sum(const struct pgtable *pgt)
{
	struct pgt_tlb_stats s = { 0 };

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		s.flushes += pgt->tables[cpu].tlb.flushes;
		s.tlbis += pgt->tables[cpu].tlb.tlbis;
		s.flush_all += pgt->tables[cpu].tlb.flush_all;
	}
	return s;
}

/* Index of va's entry in a table of `level`: VA bits [level_shift + PGT_LEVEL_BITS - 1 : level_shift]. */
static inline size_t pgt_index(vaddr_t va, int level)
{
	return (va >> level_shift(level)) & (PGT_PTES - 1);
}

/* The next-level table a table entry points to. */
static inline pte_t *pgt_next(pte_t e)
{
	return arch_phys_to_virt(arch_pte_table_addr(e));
}

/*
 * pgt_descend: the one descent from the root for va. It goes down table
 * entries and stops at level `stop`, or above it at the first entry that is
 * not a table: a leaf (valid or kept) or an empty slot. Returns that slot
 * and its level in *level (*level < stop: a leaf or an empty slot). va must
 * be below BIT(PGT_VA_BITS). Inline with a constant `stop`, it is the
 * fault path's walk; every single-address lookup here is a wrapper of it.
 */
static inline __attribute__((always_inline)) pte_t *
pgt_descend(const struct pgtable *pgt, vaddr_t va, int stop, int *level)
{
	pte_t *table = pgt->root;

	/* Unrolled: the levels are few and the fault path walks them all. */
#pragma GCC unroll 4
	for (int l = PGT_ROOT_LEVEL; l < stop; l++) {
		pte_t *slot = &table[pgt_index(va, l)];
		pte_t e = arch_pte_read(slot);

		if (!arch_pte_is_table(e, l)) {
			*level = l;
			return slot;
		}
		table = pgt_next(e);
	}
	*level = stop;
	return &table[pgt_index(va, stop)];
}

/*
 * pgt_slot: the entry slot of `level` for va, or NULL if a table above it
 * is missing (or a leaf above it maps va).
 */
static inline __attribute__((always_inline)) pte_t *pgt_slot(const struct pgtable *pgt, vaddr_t va, int level)
{
	int l;
	pte_t *slot = pgt_descend(pgt, va, level, &l);

	return l == level ? slot : NULL;
}

/*
 * pgt_walk: the last-level entry slot for va, or NULL if a table is missing
 * (or a block maps va): the fault path's walk.
 */
static inline __attribute__((always_inline)) pte_t *pgt_walk(const struct pgtable *pgt, vaddr_t va)
{
	return pgt_slot(pgt, va, PGT_LAST_LEVEL);
}

/* ---------------------------------------------------------------------------
 * Edits of single entries for the fault path: slots it found with the walks
 * above, entries it built with arch_pte_leaf. Only these (and the range
 * operations above) write entries a walker may be using.
 *
 * Several CPUs fault in one mm at once, with no lock (mm/mm_lock.h keeps
 * the writers out): each edit here is a compare-and-swap from the entry
 * the fault read, so of two faults on one entry exactly one changes it and
 * the other is told (false): it gives back what it allocated and returns,
 * and its access faults again or finds the winner's entry. An edit that
 * needs a break (break-before-make) swaps in ARCH_PTE_BUSY, flushes, then
 * stores the new entry: while BUSY, no other edit can succeed, so no
 * second writer can slip in between the break and the make.
 */

/*
 * pgt_wait_busy: wait while slot holds ARCH_PTE_BUSY (another CPU's fault
 * between its break and its make): WFE, woken by the owner's store to the
 * slot (arch_cmpwait). Never waits for long: the owner only flushes the
 * TLB and stores.
 */
static inline void pgt_wait_busy(pte_t *slot)
{
	while (arch_pte_read(slot) == ARCH_PTE_BUSY)
		arch_cmpwait(slot, ARCH_PTE_BUSY);
}

/*
 * pgt_install: write e into the slot (of any level) if it is still empty
 * (compare-and-swap from 0): no TLB holds an invalid entry, so no break and
 * no flush; one barrier (DSB ISHST), and the ERET that ends the fault
 * synchronises. false: another CPU's fault filled or claimed it first.
 */
static inline bool pgt_install(pte_t *slot, pte_t e)
{
	pte_t old = 0;

	if (unlikely(!arch_pte_cmpxchg(slot, &old, e)))
		return false;
	arch_pte_publish();
	return true;
}

/* Store n last-level entries from slot for the pages from pa, attrs alike (no barrier). */
static inline __attribute__((always_inline)) void pgt_set_run(pte_t *slot, paddr_t pa, size_t n,
							      unsigned attrs)
{
	/* A no-op (attrs are anonymous memory's) that lets the compiler
	   compute the attribute bits once, out of the loop. */
	attrs &= MM_READ | MM_WRITE | MM_EXEC | MM_CONT;
	for (pte_t *end = slot + n; slot < end; slot++, pa += PAGE_SIZE) {
#ifdef FAULTLINE_HOST
		assert(!arch_pte_present(arch_pte_read(slot)));
#endif
		arch_pte_set(slot, arch_pte_leaf(pa, attrs, PGT_LAST_LEVEL));
	}
}

/* pgt_install_run's general case (a run not a folio's): in pgtable.c. */
void pgt_set_run_split(pte_t *first, vaddr_t va, paddr_t pa, size_t n, unsigned attrs);

/*
 * pgt_claim_run: claim n last-level slots from `first` for a run, each by
 * compare-and-swap from empty to ARCH_PTE_BUSY (in pgtable.c). false, with
 * the slots it claimed emptied again, when one of them was not empty.
 */
bool pgt_claim_run(pte_t *first, size_t n);

/*
 * pgt_install_run: map n empty last-level slots from `first` (the slot of
 * va) to the pages from pa with attrs: the Contiguous bit (MM_CONT) on
 * exactly the entries of the contiguous ranges the run covers whole with an
 * aligned output run (Linux's set_ptes with contpte folding), none on the
 * others; attrs are anonymous memory's (no MM_CONT, MM_NONE or MM_DEVICE).
 * One DSB ISHST for the whole run. A folio (naturally aligned, a power of
 * two of pages) is one loop: all of it contiguous ranges, or none. The
 * slots are claimed first (pgt_claim_run; one page: pgt_install): false
 * when another CPU's fault had taken one of them, nothing changed.
 */
static inline bool pgt_install_run(pte_t *first, vaddr_t va, paddr_t pa, size_t n,
				   unsigned attrs)
{
#ifdef FAULTLINE_HOST
	assert(!(attrs & (MM_CONT | MM_NONE | MM_DEVICE)));
#endif
	if (n == 1)
		return pgt_install(first, arch_pte_leaf(pa, attrs, PGT_LAST_LEVEL));
	if (!pgt_claim_run(first, n))
		return false;
	if (n < CONT_PTES)
		pgt_set_run(first, pa, n, attrs);
	else if (likely(!((va | pa | n * PAGE_SIZE) & (CONT_PTE_SIZE - 1))))
		pgt_set_run(first, pa, n, attrs | MM_CONT);
	else
		pgt_set_run_split(first, va, pa, n, attrs);
	arch_pte_publish();
	return true;
}

/*
 * pgt_replace: replace the entry `old` at slot (of `level`, mapping va) by
 * e, if slot still holds old. A valid old entry is broken first (Arm ARM
 * DDI0487 K.a D8.16.1 break-before-make): swapped for ARCH_PTE_BUSY, its
 * leaf flushed on every CPU (TLBI VALE1IS: no table changed, the walk
 * caches stay), then e written. Not for an entry of a contiguous range
 * (see pgt_rewrite_cont). false: another CPU changed the slot first.
 */
static inline bool pgt_replace(pte_t *slot, int level, vaddr_t va, pte_t old, pte_t e)
{
#ifdef FAULTLINE_HOST
	assert(!arch_pte_valid(old) || !arch_pte_is_table(old, level));
	assert(level != PGT_LAST_LEVEL || !arch_pte_valid(old) ||
	       !(arch_pte_attrs(old, level) & MM_CONT));
#endif
	if (!arch_pte_valid(old)) {
		if (!arch_pte_cmpxchg(slot, &old, e))
			return false;
		arch_pte_publish();
		return true;
	}
	if (!arch_pte_cmpxchg(slot, &old, ARCH_PTE_BUSY))
		return false;
	arch_tlb_flush_leaf(va);
	arch_pte_write(slot, e);
	return true;
}

/*
 * pgt_rewrite_cont: give every entry of the contiguous range holding va
 * (slot: va's last-level slot, a valid entry with MM_CONT) attrs, keeping
 * the output addresses and the Contiguous bit: every entry broken (swapped
 * for ARCH_PTE_BUSY), the range flushed (leaf only), every entry made
 * (Linux's contpte_convert; Arm ARM D8.6.1: the entries of a range change
 * together). false when another CPU changed an entry of the range first:
 * the entries already taken are put back (after a flush) as they were.
 */
bool pgt_rewrite_cont(pte_t *slot, vaddr_t va, unsigned attrs);

/*
 * pgt_touch: an Access flag fault's fix: rewrite the leaf `old` at slot as
 * e (its Access flag set by arch_pte_leaf; only the flag changes, so no
 * break) and drop this CPU's stale entry for va (TLBI VALE1, DSB NSH:
 * local). false: another CPU changed the slot first.
 */
static inline bool pgt_touch(pte_t *slot, vaddr_t va, pte_t old, pte_t e)
{
	if (!arch_pte_cmpxchg(slot, &old, e))
		return false;
	arch_tlb_flush_leaf_local(va);
	return true;
}

/*
 * pgt_fix_spurious: a fault on an entry that already allows the access:
 * this CPU held a stale translation; drop it locally (TLBI VALE1, DSB NSH).
 */
static inline void pgt_fix_spurious(vaddr_t va)
{
	arch_tlb_flush_leaf_local(va);
}

/*
 * pgt_flush_all: drop every translation of every CPU (TLBI VMALLE1IS): a
 * benchmark's TLB-cold start, no entry changed.
 */
static inline void pgt_flush_all(void)
{
	arch_tlb_flush_all();
}

/*
 * pgt_split_block: if a block (valid or kept) at BLOCK_LEVEL maps va,
 * replace it by a table of last-level entries with its attributes, each
 * mapping its page of the block's run, or all mapping `to` when `to` is not
 * 0 (the huge zero page becoming the zero page). A valid block is broken
 * first (ARCH_PTE_BUSY by compare-and-swap, TLBI VAE1IS, then the table:
 * Arm ARM DDI0487 K.a D8.16.1 break-before-make). Returns 1 when it split,
 * 0 when no block maps va, -ENOMEM (no table page; nothing changed), or
 * -EAGAIN (another CPU changed the block's slot first; nothing changed).
 */
int pgt_split_block(struct pgtable *pgt, vaddr_t va, paddr_t to);

/* ---------------------------------------------------------------------------
 * Cuts: the leaves (blocks, contiguous ranges) that the edges of a range
 * cut, split before an unmap or protect of the range, Hafnium's prepare/
 * commit: prepare takes every table page the splits need, or none; commit
 * then cannot fail, and neither can the pgt_unmap/pgt_protect that follow.
 */
#define PGT_MAX_CUTS (2 * (PGT_LAST_LEVEL - PGT_ROOT_LEVEL - 1)) /* per edge: one per level with blocks */
struct pgt_cut {
	vaddr_t va, end;
	int n;
	struct {
		int level;    /* of the leaf to split */
		vaddr_t base; /* its VA */
		paddr_t page; /* the table page that replaces it */
	} at[PGT_MAX_CUTS];
	/* A block whose output address is alias_from splits into entries that
	   all map alias_to (the huge zero page into zero pages); 0: none. */
	paddr_t alias_from, alias_to;
};

/*
 * pgt_cut_prepare: find the leaves the edges of [va, end) cut and take a
 * table page for each split. 0, or -ENOMEM with nothing taken. va and end
 * page aligned, va < end <= BIT(PGT_VA_BITS).
 */
int pgt_cut_prepare(struct pgtable *pgt, vaddr_t va, vaddr_t end, struct pgt_cut *cut);

/* pgt_cut_commit: split what prepare found (upper levels first), unfold the cut ranges. */
void pgt_cut_commit(struct pgtable *pgt, struct pgt_cut *cut);

/* pgt_cut_abort: give back the pages prepare took. */
void pgt_cut_abort(struct pgt_cut *cut);

/*
 * pgt_cont_ok: whether the contiguous range holding the last-level slot of
 * va is consistent (Arm ARM D8.6.1): every entry valid with MM_CONT and the
 * same attributes, output addresses one run aligned to the range's size.
 */
bool pgt_cont_ok(const pte_t *slot, vaddr_t va);

/*
 * pgt_check: verify table structure (invalid entries are 0 or kept, leaf
 * attributes allowed) and pgt_table_pages(); 0 or -EINVAL.
 */
int pgt_check(const struct pgtable *pgt);

#endif
