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

struct pgtable {
	pte_t *root;          /* PGT_ROOT_LEVEL table (virtual address) */
	paddr_t root_pa;      /* its physical address (for TTBR0_EL1) */
	size_t table_pages;   /* table pages in use, root included */
};

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
 * pgt_unfold: if va's page is part of a contiguous range (MM_CONT), rewrite
 * the whole range without the hint: break every entry, flush the TLB over
 * the range, write each page back with the same output address and
 * attributes (Arm ARM D8.6.1: the entries of a range change together).
 * pgt_unmap and pgt_protect unfold the ranges their edges cut; the fault
 * path unfolds before changing one page of a range. Returns 1 when it
 * unfolded, 0 when there was nothing to do (no memory needed, cannot fail).
 */
int pgt_unfold(struct pgtable *pgt, vaddr_t va);

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
 * pgt_walk: the last-level entry slot for va, or NULL if a table is missing
 * (or a block maps va). Inline: it is most of the fault path's walk.
 */
static inline pte_t *pgt_walk(const struct pgtable *pgt, vaddr_t va)
{
	pte_t *table = pgt->root;

	for (int level = PGT_ROOT_LEVEL; level < PGT_LAST_LEVEL; level++) {
		pte_t e = table[pgt_index(va, level)];

		if (!arch_pte_is_table(e, level))
			return NULL;
		table = pgt_next(e);
	}
	return &table[pgt_index(va, PGT_LAST_LEVEL)];
}

/*
 * pgt_slot: the entry slot of `level` for va, or NULL if a table above it
 * is missing (or a block above it maps va). Inline, as pgt_walk.
 */
static inline pte_t *pgt_slot(const struct pgtable *pgt, vaddr_t va, int level)
{
	pte_t *table = pgt->root;

	for (int l = PGT_ROOT_LEVEL; l < level; l++) {
		pte_t e = table[pgt_index(va, l)];

		if (!arch_pte_is_table(e, l))
			return NULL;
		table = pgt_next(e);
	}
	return &table[pgt_index(va, level)];
}

/*
 * pgt_split_block: if a block (valid or kept) at BLOCK_LEVEL maps va,
 * replace it by a table of last-level entries with its attributes, each
 * mapping its page of the block's run, or all mapping `to` when `to` is not
 * 0 (the huge zero page becoming the zero page). A valid block is broken
 * first (invalid, TLBI, then the table: Arm ARM DDI0487 K.a D8.16.1
 * break-before-make). Returns 1 when it split, 0 when no block maps va, or
 * -ENOMEM (no table page; nothing changed).
 */
int pgt_split_block(struct pgtable *pgt, vaddr_t va, paddr_t to);

/*
 * pgt_check: verify table structure (invalid entries are 0 or kept, leaf
 * attributes allowed) and the table_pages count; 0 or -EINVAL.
 */
int pgt_check(const struct pgtable *pgt);

#endif
