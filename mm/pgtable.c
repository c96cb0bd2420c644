/*
 * The translation-table library (see mm/pgtable.h): tables of PGT_PTES
 * entries from PGT_ROOT_LEVEL to PGT_LAST_LEVEL, pages at the last level and
 * blocks at BLOCK_LEVEL (mm/geometry.h: 512 entries, 4 KiB pages and 2 MiB
 * blocks with the 4 KiB granule). It reads and
 * writes entries only through the arch seam (mm/arch.h), so the same code
 * runs on the AArch64 MMU and on the host's fake one.
 *
 * Rules kept by every operation:
 *  - Break-before-make: a valid entry is only ever replaced by an invalid
 *    one; the TLB is flushed for its VA; only then is a new valid entry
 *    written (Arm ARM, "Using break-before-make when updating translation
 *    table entries").
 *  - A page is released, and a table page freed, only after the TLB flush
 *    that removes every cached use of it.
 *  - Operations that can fail allocate first and change nothing on error:
 *    unmap and protect take the tables their edge splits need (a cut:
 *    pgt_cut_prepare, at most PGT_MAX_CUTS) before touching an entry; map
 *    undoes what it did.
 *  - pgt_table_pages() counts every table page reachable from the root,
 *    exactly (each CPU its own part).
 *  - A kept entry (MM_NONE, mm/arch.h) is a leaf like any other: it holds its
 *    page, blocks tables from emptying, is split, protected and unmapped.
 *    Being invalid, it is never in a TLB: making it valid again or clearing
 *    it needs no flush; making a valid entry kept is a break and does.
 */
#include "mm/pgtable.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/page_alloc.h"
#include <arch/atomic.h>

#define PTRS PGT_PTES
#define LAST PGT_LAST_LEVEL
#define VA_LIMIT BIT(PGT_VA_BITS)
#define PA_LIMIT BIT(48)
#define MM_ALL (MM_READ | MM_WRITE | MM_EXEC | MM_DEVICE)
/*
 * Entries changed per TLB flush: at least one contiguous range, so that all
 * the entries of a range are broken before any of them is made again.
 */
#define CHUNK MAX(64u, CONT_PTES)

static_assert(PTRS * sizeof(pte_t) == PAGE_SIZE, "a table fills one page");
static_assert(PTRS % CHUNK == 0 && CHUNK % CONT_PTES == 0,
	      "chunks tile a table, contiguous ranges tile a chunk");

/* Bytes one entry of `level` covers. */
static inline vaddr_t entry_size(int level)
{
	return level_size(level);
}

/*
 * Attributes a caller may ask for: MM_NONE alone (kept), or readable
 * (always, at EL1), never writable and executable. MM_CONT is never asked
 * for: only the fault path sets it, on whole ranges (see unfold()).
 */
static bool attrs_ok(unsigned attrs)
{
	if (attrs == MM_NONE)
		return true;
	return (attrs & MM_READ) && !(attrs & ~MM_ALL) &&
	       !((attrs & MM_WRITE) && (attrs & MM_EXEC)) &&
	       !((attrs & MM_DEVICE) && (attrs & MM_EXEC));
}

static bool range_ok(vaddr_t va, uint64_t size)
{
	return size && IS_ALIGNED(va | size, PAGE_SIZE) && va < VA_LIMIT &&
	       size <= VA_LIMIT - va;
}

unsigned pgt_flush_range(vaddr_t va, vaddr_t end, unsigned shift, bool walks)
{
	uint64_t ops = pgt_flush_ops(va, end, shift);

	if (!ops)
		return 0;
	if (ops >= PGT_FLUSH_MAX_OPS) {
		arch_tlb_flush_all();
		return 1;
	}
	arch_tlb_flush_leaves(va, end, shift, walks);
	return (unsigned)ops;
}

/* A zeroed table page, counted; 0 when memory is out. */
static paddr_t table_alloc(struct pgtable *pgt)
{
	paddr_t pa = page_alloc();

	if (likely(pa)) {
		arch_zero_page(arch_phys_to_virt(pa));
		pgt->tables[arch_cpu_id()].n++;
	}
	return pa;
}

static void table_free(struct pgtable *pgt, paddr_t pa)
{
	page_free(pa);
	pgt->tables[arch_cpu_id()].n--;
}

int pgt_init(struct pgtable *pgt)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		pgt->tables[cpu].n = 0;
	pgt->root_pa = table_alloc(pgt);
	if (!pgt->root_pa) {
		pgt->root = NULL;
		return -ENOMEM;
	}
	pgt->root = arch_phys_to_virt(pgt->root_pa);
	return 0;
}

static void free_tables(struct pgtable *pgt, pte_t *table, int level)
{
	for (size_t i = 0; i < PTRS; i++) {
		pte_t e = table[i];

		if (arch_pte_is_table(e, level)) {
			free_tables(pgt, pgt_next(e), level + 1);
			table_free(pgt, arch_pte_addr(e, level));
		}
	}
}

void pgt_destroy(struct pgtable *pgt)
{
	if (!pgt->root)
		return;
	/* The tables must not be live; drop any walks cached from them anyway. */
	arch_tlb_flush_all();
	free_tables(pgt, pgt->root, PGT_ROOT_LEVEL);
	table_free(pgt, pgt->root_pa);
	assert(pgt_table_pages(pgt) == 0);
	pgt->root = NULL;
	pgt->root_pa = 0;
}

/* ---------------------------------------------------------------------------
 * Single-address walks (the fault path).
 */

pte_t *pgt_alloc_to(struct pgtable *pgt, pte_t *slot, int level, vaddr_t va, int stop,
		    int *err)
{
	int lost = 0;

	for (; level < stop; level++) {
		pte_t e = arch_pte_read(slot);

		if (!arch_pte_is_table(e, level)) {
			paddr_t pa;
			pte_t seen = 0;

			if (arch_pte_present(e)) {
				*err = -EEXIST; /* a leaf maps va */
				return NULL;
			}
			if (e) { /* another CPU's fault is at work here */
				pgt_wait_busy(slot);
				*err = -EAGAIN;
				return NULL;
			}
			pa = table_alloc(pgt);
			if (!pa) {
				*err = -ENOMEM;
				return NULL;
			}
			/* The zeroed table before its link, for every observer
			   (Linux's pmd_install: smp_wmb, then populate). */
			arch_smp_wmb();
			e = arch_pte_table(pa);
			if (arch_pte_cmpxchg(slot, &seen, e)) {
				arch_pte_publish();
			} else { /* another CPU linked a table first: use it */
				table_free(pgt, pa);
				lost++;
				if (!arch_pte_is_table(seen, level)) {
					if (!arch_pte_present(seen))
						pgt_wait_busy(slot);
					*err = arch_pte_present(seen) ? -EEXIST : -EAGAIN;
					return NULL;
				}
				e = seen;
			}
		}
		slot = &pgt_next(e)[pgt_index(va, level + 1)];
	}
	*err = lost;
	return slot;
}

/* pgt_walk_alloc's slow path: one descent, then the missing tables below where it stopped. */
static __attribute__((noinline)) pte_t *walk_alloc_slow(struct pgtable *pgt, vaddr_t va,
							int *err)
{
	int level;
	pte_t *slot = pgt_descend(pgt, va, LAST, &level);

	return pgt_alloc_from(pgt, slot, level, va, err);
}

pte_t *pgt_walk_alloc(struct pgtable *pgt, vaddr_t va, int *err)
{
	pte_t *slot;

	assert(va < VA_LIMIT);
	slot = pgt_walk(pgt, va);
	return likely(slot) ? slot : walk_alloc_slow(pgt, va, err);
}

int pgt_lookup(const struct pgtable *pgt, vaddr_t va, paddr_t *pa,
	       unsigned *attrs, int *level)
{
	int l;
	const pte_t *slot = va < VA_LIMIT ? pgt_descend(pgt, va, LAST, &l) : NULL;
	pte_t e = slot ? arch_pte_read(slot) : 0;

	if (!arch_pte_present(e))
		return -ENOENT;
	if (pa)
		*pa = arch_pte_addr(e, l) + (va & (entry_size(l) - 1));
	if (attrs)
		*attrs = arch_pte_attrs(e, l);
	if (level)
		*level = l;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Mapping.
 */

/* Whether any page of [va, end) is mapped below `table` (of `level`). */
static bool any_mapped(const pte_t *table, int level, vaddr_t va, vaddr_t end)
{
	while (va < end) {
		pte_t e = table[pgt_index(va, level)];
		vaddr_t next = MIN(end, ALIGN_DOWN(va, entry_size(level)) + entry_size(level));

		if (arch_pte_is_table(e, level)) {
			if (any_mapped(pgt_next(e), level + 1, va, next))
				return true;
		} else if (arch_pte_present(e)) {
			return true;
		}
		va = next;
	}
	return false;
}

/* Map [va, end) -> pa below `table`; every slot met is invalid or a table. */
static int map_range(struct pgtable *pgt, pte_t *table, int level, vaddr_t va,
		     vaddr_t end, paddr_t pa, unsigned attrs, unsigned flags)
{
	vaddr_t size = entry_size(level);

	while (va < end) {
		pte_t *slot = &table[pgt_index(va, level)];
		vaddr_t next = MIN(end, ALIGN_DOWN(va, size) + size);
		pte_t e = *slot;

		if (level == LAST) {
			arch_pte_set(slot, arch_pte_leaf(pa, attrs, LAST));
		} else if (level == BLOCK_LEVEL && !(flags & PGT_NO_BLOCKS) && !arch_pte_present(e) &&
			   next - va == size && IS_ALIGNED(pa, size)) {
			arch_pte_set(slot, arch_pte_leaf(pa, attrs, BLOCK_LEVEL));
		} else {
			int err;

			if (!arch_pte_present(e)) {
				paddr_t t = table_alloc(pgt);

				if (!t)
					return -ENOMEM;
				e = arch_pte_table(t);
				arch_pte_write_table(slot, e);
			}
			err = map_range(pgt, pgt_next(e), level + 1, va, next, pa,
					attrs, flags);
			if (err)
				return err;
		}
		pa += next - va;
		va = next;
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Unmapping and protection changes: split the blocks cut by the range's
 * edges, then visit every entry of the range twice around one TLB flush.
 */

/*
 * Tables an op may unlink before its flush; one more and the op flushes
 * early to free them (Linux flushes early too, when its mmu_gather's batch
 * pages run out): 32 last-level tables are 64 MiB with 4 KiB pages.
 */
#define GATHER_TABLES 32

/*
 * A gather: what one op has broken and not yet flushed (Linux's struct
 * mmu_gather): the VAs of the leaves broken, the smallest of them (one TLBI
 * per leaf of that size), whether a table was unlinked (the cached walks go
 * too), and the unlinked tables, freed with their pages after the flush.
 */
struct gather {
	vaddr_t start, end;
	unsigned shift;
	bool walks;
	unsigned ntables;
	struct {
		paddr_t pa;
		int level;
		size_t first, last; /* its entries the op covered: the only present ones */
	} table[GATHER_TABLES];
};

struct op {
	struct pgtable *pgt;
	bool unmap;             /* else: protect */
	unsigned attrs;         /* protect: the new attributes */
	pgt_release_fn release; /* unmap: told of each unmapped page */
	void *ctx;
	struct gather g;
};

static void release_leaf(const struct op *op, pte_t e, int level)
{
	paddr_t pa = arch_pte_addr(e, level);

	if (!op->release)
		return;
	for (vaddr_t off = 0; off < entry_size(level); off += PAGE_SIZE)
		op->release(pa + off, op->ctx);
}

/* gather_add: the TLB entries of [va, end), leaves of 1 << shift bytes, go in op's flush. */
static void gather_add(struct op *op, vaddr_t va, vaddr_t end, unsigned shift)
{
	op->g.start = MIN(op->g.start, va);
	op->g.end = MAX(op->g.end, end);
	op->g.shift = MIN(op->g.shift, shift);
}

/*
 * release_table: after the flush, give back every page entries first ..
 * last of the unlinked table at pa (of `level`) still map (it has no other
 * present entry: only_inside), then the table itself. They are leaves: a
 * table below it was emptied, unlinked and gathered first.
 */
static void release_table(struct op *op, paddr_t pa, int level, size_t first, size_t last)
{
	pte_t *t = arch_phys_to_virt(pa);

	for (size_t i = first; i <= last; i++) {
		assert(!arch_pte_is_table(t[i], level));
		if (arch_pte_present(t[i]))
			release_leaf(op, t[i], level);
	}
	table_free(op->pgt, pa);
}

/*
 * gather_flush: one TLB flush for everything op has broken since the last
 * (pgt_flush_range: a TLBI per leaf, or the whole TLB past the threshold),
 * counted in this CPU's pgt_tlb_stats, then the unlinked tables freed.
 */
static void gather_flush(struct op *op)
{
	struct gather *g = &op->g;
	struct pgt_tlb_stats *st = &op->pgt->tables[arch_cpu_id()].tlb;

	if (g->start < g->end) {
		st->flushes++;
		st->flush_all += pgt_flush_ops(g->start, g->end, g->shift) >= PGT_FLUSH_MAX_OPS;
		st->tlbis += pgt_flush_range(g->start, g->end, g->shift, g->walks);
	}
	for (unsigned i = 0; i < g->ntables; i++)
		release_table(op, g->table[i].pa, g->table[i].level, g->table[i].first,
			      g->table[i].last);
	*g = (struct gather){ .start = VA_LIMIT, .end = 0, .shift = 63 };
}

/*
 * What the first pass does with one entry of the range, decided before
 * anything is written (as TF-A's xlat_tables_map_region_action() decides
 * for xlat_tables_map_region()).
 */
enum action {
	ACT_SKIP,    /* a hole, a leaf already as asked, or a table still in use */
	ACT_RECURSE, /* a table not visited yet: carry the op out below it first */
	ACT_REWRITE, /* a kept leaf: in no TLB, so rewritten (or cleared) at once */
	ACT_BREAK,   /* a valid leaf: made invalid now, finished after the flush */
	ACT_UNLINK,  /* a table the op empties: unlinked now, freed after the flush */
};

/*
 * only_inside: whether every present entry of table t (of `level`, its
 * entry 0 at VA span) lies inside [va, end), the first pass having been
 * carried out below it: the op empties it. Inside, a leaf is wholly in the
 * range (the edges were cut) and a table wholly in it was unlinked, so
 * only the two edge entries (a table the range only partly covers) and the
 * entries outside are read.
 */
static bool only_inside(const pte_t *t, int level, vaddr_t span, vaddr_t va, vaddr_t end)
{
	size_t first = (va - span) >> level_shift(level);
	size_t last = (end - 1 - span) >> level_shift(level);

	if (arch_pte_is_table(t[first], level) || arch_pte_is_table(t[last], level))
		return false;
	for (size_t i = 0; i < first; i++)
		if (arch_pte_present(t[i]))
			return false;
	for (size_t i = last + 1; i < PTRS; i++)
		if (arch_pte_present(t[i]))
			return false;
	return true;
}

/*
 * decide: the first pass's action for entry e of `level` at VA eva, the op
 * covering [va, end) of it; `visited` says whether the op has already been
 * carried out below it (a table only).
 */
static enum action decide(const struct op *op, pte_t e, int level, vaddr_t eva, vaddr_t va,
			  vaddr_t end, bool visited)
{
	if (arch_pte_is_table(e, level)) {
		if (!visited)
			return ACT_RECURSE;
		return op->unmap && only_inside(pgt_next(e), level + 1, eva, va, end) ? ACT_UNLINK
										      : ACT_SKIP;
	}
	if (!arch_pte_present(e))
		return ACT_SKIP;
	if (!op->unmap && (arch_pte_attrs(e, level) & ~MM_CONT) == op->attrs)
		return ACT_SKIP;
	return arch_pte_valid(e) ? ACT_BREAK : ACT_REWRITE;
}

/*
 * made: what a leaf e becomes once no TLB holds it: 0 (unmap) or the same
 * output address with the new attributes (protect; a kept entry for MM_NONE).
 * A page of a contiguous range keeps MM_CONT: the range lies wholly inside
 * the op (its edges were unfolded), so every entry of it is broken in the
 * first pass, before any is made in the second, and all are made alike.
 */
static pte_t made(const struct op *op, pte_t e, int level)
{
	unsigned cont;

	if (op->unmap)
		return 0;
	cont = op->attrs != MM_NONE ? arch_pte_attrs(e, level) & MM_CONT : 0;
	return arch_pte_leaf(arch_pte_addr(e, level), op->attrs | cont, level);
}

/*
 * broken: what the first pass leaves in place of the valid leaf e until
 * the flush: an invalid entry that still holds what the second pass needs:
 * the made entry held invalid (protect), or e itself (unmap: its pages are
 * released then). A kept entry (MM_NONE) is already final.
 */
static pte_t broken(const struct op *op, pte_t e, int level)
{
	pte_t now = made(op, e, level);

	if (op->unmap)
		return arch_pte_mkinvalid(e);
	return arch_pte_valid(now) ? arch_pte_mkinvalid(now) : now;
}

/*
 * make: store the new leaf `now` at *slot (protect): in the second pass,
 * or at once for a kept entry. A leaf that becomes executable (`was_exec`:
 * whether the old one was) has its pages' data cleaned to the Point of
 * Unification and the I-cache invalidated first (mprotect(PROT_EXEC) after
 * writing code).
 */
static void make(const struct op *op, pte_t *slot, pte_t now, bool was_exec, int level)
{
	if (arch_pte_valid(now) && (op->attrs & MM_EXEC) && !was_exec)
		arch_sync_exec(arch_pte_addr(now, level), entry_size(level));
	arch_pte_set(slot, now);
}

/*
 * break_range: the first pass over [va, end) below `table` (of `level`; va
 * and end lie in its span and are leaf boundaries): every valid leaf the
 * op changes made invalid (broken()), every kept one rewritten at once,
 * every table the op empties unlinked, all gathered for one flush. Entry
 * stores carry no barrier of their own: the flush begins with one.
 */
static void break_range(struct op *op, pte_t *table, int level, vaddr_t va, vaddr_t end)
{
	vaddr_t size = entry_size(level);
	vaddr_t span = ALIGN_DOWN(va, size * PTRS); /* VA of entry 0 */
	size_t last = pgt_index(end - 1, level);

	for (size_t i = pgt_index(va, level); i <= last; i++) {
		pte_t e = table[i];
		vaddr_t eva = span + i * size, lo = MAX(va, eva), hi = MIN(end, eva + size);
		enum action act = decide(op, e, level, eva, lo, hi, false);

		if (act == ACT_RECURSE) {
			break_range(op, pgt_next(e), level + 1, lo, hi);
			act = decide(op, e, level, eva, lo, hi, true);
		}
		switch (act) {
		case ACT_SKIP:
		case ACT_RECURSE:
			break;
		case ACT_UNLINK:
			if (op->g.ntables == GATHER_TABLES)
				gather_flush(op);
			arch_pte_set(&table[i], 0);
			op->g.table[op->g.ntables].pa = arch_pte_addr(e, level);
			op->g.table[op->g.ntables].level = level + 1;
			op->g.table[op->g.ntables].first = pgt_index(lo, level + 1);
			op->g.table[op->g.ntables++].last = pgt_index(hi - 1, level + 1);
			/* the walks cached through it go too: a TLBI VAE1IS of any
			   VA it translated drops them (Arm ARM, TLBI VAE1IS) */
			op->g.walks = true;
			gather_add(op, lo, lo + 1, level_shift(level + 1));
			break;
		case ACT_REWRITE: /* a kept leaf: no TLB holds it */
			/* edges were split: a leaf changed lies wholly inside */
			assert(eva >= va && eva + size <= end);
			if (op->unmap) {
				arch_pte_set(&table[i], 0);
				release_leaf(op, e, level);
			} else {
				make(op, &table[i], made(op, e, level), false, level); /* kept: not executable */
			}
			break;
		case ACT_BREAK:
			assert(eva >= va && eva + size <= end);
			arch_pte_set(&table[i], broken(op, e, level));
			gather_add(op, eva, eva + size, level_shift(level));
			break;
		}
	}
}

/*
 * finish_range: the second pass, after the flush, over the leaves of
 * [va, end) still linked below `table`: an unmapped leaf cleared and its
 * pages released, a protected one made valid (held invalid by the first
 * pass: arch_pte_mkvalid). Kept entries that are final are left alone.
 */
static void finish_range(struct op *op, pte_t *table, int level, vaddr_t va, vaddr_t end)
{
	vaddr_t size = entry_size(level);
	vaddr_t span = ALIGN_DOWN(va, size * PTRS);
	size_t last = pgt_index(end - 1, level);

	for (size_t i = pgt_index(va, level); i <= last; i++) {
		pte_t e = table[i];
		vaddr_t eva = span + i * size;

		if (arch_pte_is_table(e, level)) {
			finish_range(op, pgt_next(e), level + 1, MAX(va, eva), MIN(end, eva + size));
		} else if (op->unmap && arch_pte_present(e)) {
			arch_pte_set(&table[i], 0);
			release_leaf(op, e, level);
		} else if (!op->unmap && arch_pte_present(e) && !arch_pte_valid(e)) {
			/* its attributes changed: executable now means not before
			   (MM_EXEC goes with neither MM_WRITE nor MM_DEVICE) */
			make(op, &table[i], arch_pte_mkvalid(e), false, level);
		}
	}
}

/*
 * apply: carry op out on [va, end) (leaf boundaries: the edges were cut):
 * break every entry it changes, one TLB flush for all of them (one DSB ISH
 * whatever the size; TLBIs one per leaf up to PGT_FLUSH_MAX_OPS, else one
 * for everything), then finish them and free what was unlinked: Linux's
 * tlb_gather_mmu .. tlb_finish_mmu. The caller ends with a barrier for the
 * second pass's stores.
 */
static void apply(struct op *op, vaddr_t va, vaddr_t end)
{
	op->g = (struct gather){ .start = VA_LIMIT, .end = 0, .shift = 63 };
	break_range(op, op->pgt->root, PGT_ROOT_LEVEL, va, end);
	gather_flush(op);
	if (op->unmap || op->attrs != MM_NONE)
		finish_range(op, op->pgt->root, PGT_ROOT_LEVEL, va, end);
}

/* ---------------------------------------------------------------------------
 * Splitting leaves, and contiguous ranges.
 */

/*
 * split_leaf: replace the leaf e at *slot (of `level` < LAST, mapping base;
 * valid or kept) by the table in `page`, filled with entries of level + 1
 * mapping the same run with the same attributes, or all mapping `to` when
 * it is not 0. The table is filled with plain stores (not live yet) and
 * linked after a break (the leaf swapped for ARCH_PTE_BUSY) and a flush of
 * the old leaf and of the walks through its slot (TLBI VAE1IS: a table
 * takes its place). false, nothing changed, when the slot no longer held e
 * (another CPU's fault changed it).
 */
static bool split_leaf(struct pgtable *pgt, pte_t *slot, pte_t e, int level, vaddr_t base,
		       paddr_t page, paddr_t to)
{
	pte_t *t = arch_phys_to_virt(page);
	vaddr_t sub = entry_size(level + 1);
	paddr_t pa;
	unsigned attrs;

	assert(level < LAST && arch_pte_present(e) && !arch_pte_is_table(e, level));
	pa = arch_pte_addr(e, level);
	attrs = arch_pte_attrs(e, level);
	for (size_t i = 0; i < PTRS; i++)
		t[i] = arch_pte_leaf(to ? to : pa + i * sub, attrs, level + 1);
	if (!arch_pte_cmpxchg(slot, &e, ARCH_PTE_BUSY))
		return false;
	if (arch_pte_valid(e)) /* a kept block is in no TLB */
		arch_tlb_flush_page(base);
	arch_pte_write_table(slot, arch_pte_table(page));
	pgt->tables[arch_cpu_id()].n++;
	return true;
}

int pgt_split_block(struct pgtable *pgt, vaddr_t va, paddr_t to)
{
	pte_t *slot = va < VA_LIMIT ? pgt_slot(pgt, va, BLOCK_LEVEL) : NULL;
	pte_t e = slot ? arch_pte_read(slot) : 0;
	paddr_t page;

	if (!arch_pte_present(e) || arch_pte_is_table(e, BLOCK_LEVEL))
		return 0;
	page = page_alloc();
	if (!page)
		return -ENOMEM;
	if (!split_leaf(pgt, slot, e, BLOCK_LEVEL, ALIGN_DOWN(va, BLOCK_SIZE), page, to)) {
		page_free(page);
		return -EAGAIN;
	}
	return 1;
}

/*
 * rewrite_cont: the contiguous range from `first` (mapping base): every
 * entry broken, the range flushed (leaf only), every entry made with the
 * same output address and attrs(old entry) (Linux's contpte_convert). One
 * barrier for the made entries.
 */
/*
 * make_cont: the make half of a range's rewrite, once no TLB holds it:
 * entry i of the range from `first` becomes old[i]'s output address with
 * `set` (0: old[i]'s attributes) less `clear`; one barrier for the range.
 */
static void make_cont(pte_t *first, const pte_t *old, unsigned set, unsigned clear)
{
	for (size_t i = 0; i < CONT_PTES; i++) {
		unsigned attrs = set ? set : arch_pte_attrs(old[i], LAST);

		arch_pte_set(&first[i], arch_pte_leaf(arch_pte_addr(old[i], LAST),
						      attrs & ~clear, LAST));
	}
	arch_pte_publish();
}

static void rewrite_cont(pte_t *first, vaddr_t base, unsigned set, unsigned clear)
{
	pte_t old[CONT_PTES];

	for (size_t i = 0; i < CONT_PTES; i++) {
		old[i] = first[i];
		arch_pte_set(&first[i], 0);
	}
	pgt_flush_range(base, base + CONT_PTE_SIZE, PAGE_SHIFT, false);
	make_cont(first, old, set, clear);
}

bool pgt_rewrite_cont(pte_t *slot, vaddr_t va, unsigned attrs)
{
	vaddr_t base = ALIGN_DOWN(va, CONT_PTE_SIZE);
	pte_t *first = slot - pgt_index(va, LAST) % CONT_PTES, old[CONT_PTES];
	size_t taken;

	assert(attrs != MM_NONE);
	/* Break: take every entry of the range, each as it was read. */
	for (taken = 0; taken < CONT_PTES; taken++) {
		old[taken] = arch_pte_read(&first[taken]);
		if (!arch_pte_valid(old[taken]) || !(arch_pte_attrs(old[taken], LAST) & MM_CONT) ||
		    !arch_pte_cmpxchg(&first[taken], &old[taken], ARCH_PTE_BUSY))
			break;
	}
	if (taken == 0)
		return false;
	pgt_flush_range(base, base + CONT_PTE_SIZE, PAGE_SHIFT, false);
	if (taken < CONT_PTES) { /* another CPU changed the range: put it back */
		for (size_t i = 0; i < taken; i++)
			arch_pte_set(&first[i], old[i]);
		arch_pte_publish();
		return false;
	}
	make_cont(first, old, attrs | MM_CONT, 0);
	return true;
}

bool pgt_claim_run(pte_t *first, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pte_t seen = 0;

		if (!arch_pte_cmpxchg(&first[i], &seen, ARCH_PTE_BUSY)) {
			while (i--) /* never valid: no TLB holds them */
				arch_pte_set(&first[i], 0);
			return false;
		}
	}
	return true;
}

int pgt_unfold(struct pgtable *pgt, vaddr_t va)
{
	pte_t *slot = va < VA_LIMIT ? pgt_walk(pgt, va) : NULL;

	if (!slot || !arch_pte_valid(*slot) ||
	    !(arch_pte_attrs(*slot, LAST) & MM_CONT))
		return 0;
	rewrite_cont(slot - pgt_index(va, LAST) % CONT_PTES, ALIGN_DOWN(va, CONT_PTE_SIZE), 0,
		     MM_CONT);
	return 1;
}

void pgt_set_run_split(pte_t *first, vaddr_t va, paddr_t pa, size_t n, unsigned attrs)
{
	/* The whole ranges: [head, tail) of the run, if VA and PA agree on the range offset. */
	size_t head = n, tail = n;

	if (!((va ^ pa) & (CONT_PTE_SIZE - 1))) {
		head = MIN(n, (ALIGN_UP(va, CONT_PTE_SIZE) - va) / PAGE_SIZE);
		tail = head + ALIGN_DOWN(n - head, CONT_PTES);
	}
	pgt_set_run(first, pa, head, attrs);
	pgt_set_run(first + head, pa + head * PAGE_SIZE, tail - head, attrs | MM_CONT);
	pgt_set_run(first + tail, pa + tail * PAGE_SIZE, n - tail, attrs);
}

/*
 * Add the cuts that make `a` a leaf boundary to cut->at[0..n): the leaf
 * mapping a, and below it the leaves its splits will create, at each level
 * where a is not aligned.
 */
static void find_cuts(const struct pgtable *pgt, vaddr_t a, struct pgt_cut *cut)
{
	int level;
	const pte_t *slot;

	if (a >= VA_LIMIT)
		return;
	slot = pgt_descend(pgt, a, LAST, &level);
	if (!arch_pte_present(*slot))
		return;
	for (int l = level; l < LAST && !IS_ALIGNED(a, entry_size(l)); l++) {
		vaddr_t base = ALIGN_DOWN(a, entry_size(l));
		int j = 0;

		while (j < cut->n && (cut->at[j].level != l || cut->at[j].base != base))
			j++;
		if (j == cut->n) {
			assert(cut->n < PGT_MAX_CUTS);
			cut->at[cut->n].level = l;
			cut->at[cut->n].base = base;
			cut->at[cut->n].page = 0;
			cut->n++;
		}
	}
}

int pgt_cut_prepare(struct pgtable *pgt, vaddr_t va, vaddr_t end, struct pgt_cut *cut)
{
	assert(va < end && end <= VA_LIMIT);
	cut->va = va;
	cut->end = end;
	cut->n = 0;
	cut->alias_from = cut->alias_to = 0;
	find_cuts(pgt, va, cut);
	find_cuts(pgt, end, cut);
	for (int i = 0; i < cut->n; i++) {
		cut->at[i].page = page_alloc();
		if (!cut->at[i].page) {
			pgt_cut_abort(cut);
			return -ENOMEM;
		}
	}
	return 0;
}

void pgt_cut_abort(struct pgt_cut *cut)
{
	for (int i = 0; i < cut->n; i++)
		if (cut->at[i].page)
			page_free(cut->at[i].page);
	cut->n = 0;
}

void pgt_cut_commit(struct pgtable *pgt, struct pgt_cut *cut)
{
	/* Upper leaves first: a lower cut lies inside one. */
	for (int level = PGT_ROOT_LEVEL; level < LAST; level++) {
		for (int i = 0; i < cut->n; i++) {
			int l;
			pte_t *slot;
			paddr_t to = 0;

			if (cut->at[i].level != level)
				continue;
			bool split;

			slot = pgt_descend(pgt, cut->at[i].base, level, &l);
			assert(l == level);
			if (cut->alias_from && level == BLOCK_LEVEL &&
			    arch_pte_addr(*slot, level) == cut->alias_from)
				to = cut->alias_to;
			/* A writer: no fault runs (mm/mm_lock.h), so the swap succeeds. */
			split = split_leaf(pgt, slot, *slot, level, cut->at[i].base,
					   cut->at[i].page, to);
			assert(split);
			(void)split;
		}
	}
	cut->n = 0;
	if (!IS_ALIGNED(cut->va, CONT_PTE_SIZE))
		pgt_unfold(pgt, cut->va);
	if (!IS_ALIGNED(cut->end, CONT_PTE_SIZE))
		pgt_unfold(pgt, cut->end);
}

/* Split and unfold what the edges of [va, end) cut; 0 or -ENOMEM with nothing changed. */
static int cut_edges(struct pgtable *pgt, vaddr_t va, vaddr_t end)
{
	struct pgt_cut cut;
	int err = pgt_cut_prepare(pgt, va, end, &cut);

	if (!err)
		pgt_cut_commit(pgt, &cut);
	return err;
}

int pgt_map(struct pgtable *pgt, vaddr_t va, paddr_t pa, uint64_t size,
	    unsigned attrs, unsigned flags)
{
	int err;

	if (!range_ok(va, size) || !IS_ALIGNED(pa, PAGE_SIZE) || pa >= PA_LIMIT ||
	    size > PA_LIMIT - pa || !attrs_ok(attrs) || (flags & ~PGT_NO_BLOCKS))
		return -EINVAL;
	if (any_mapped(pgt->root, PGT_ROOT_LEVEL, va, va + size))
		return -EEXIST;
	err = map_range(pgt, pgt->root, PGT_ROOT_LEVEL, va, va + size, pa, attrs, flags);
	if (err) {
		/* Undo: our own leaves only (the range was empty), and the tables they emptied. */
		struct op op = { .pgt = pgt, .unmap = true };

		apply(&op, va, va + size);
		arch_pte_publish();
		return err;
	}
	arch_pte_sync();
	return 0;
}

int pgt_unmap(struct pgtable *pgt, vaddr_t va, uint64_t size,
	      pgt_release_fn release, void *ctx)
{
	struct op op = { .pgt = pgt, .unmap = true, .release = release, .ctx = ctx };
	int err;

	if (!range_ok(va, size))
		return -EINVAL;
	err = cut_edges(pgt, va, va + size);
	if (err)
		return err;
	apply(&op, va, va + size);
	arch_pte_publish();
	return 0;
}

int pgt_protect(struct pgtable *pgt, vaddr_t va, uint64_t size, unsigned attrs)
{
	struct op op = { .pgt = pgt, .attrs = attrs };
	int err;

	if (!range_ok(va, size) || !attrs_ok(attrs))
		return -EINVAL;
	err = cut_edges(pgt, va, va + size);
	if (err)
		return err;
	apply(&op, va, va + size);
	arch_pte_sync();
	return 0;
}

/* ---------------------------------------------------------------------------
 * Consistency check (tests, and the kernel's self-checks).
 */

bool pgt_cont_ok(const pte_t *slot, vaddr_t va)
{
	const pte_t *first = slot - pgt_index(va, LAST) % CONT_PTES;
	paddr_t pa;
	unsigned attrs;

	if (!arch_pte_valid(first[0]))
		return false;
	pa = arch_pte_addr(first[0], LAST);
	attrs = arch_pte_attrs(first[0], LAST);
	if (!(attrs & MM_CONT) || !IS_ALIGNED(pa, CONT_PTE_SIZE))
		return false;
	for (size_t k = 0; k < CONT_PTES; k++)
		if (!arch_pte_valid(first[k]) || arch_pte_attrs(first[k], LAST) != attrs ||
		    arch_pte_addr(first[k], LAST) != pa + k * PAGE_SIZE)
			return false;
	return true;
}

static int check_table(const pte_t *table, int level, vaddr_t span, size_t *tables)
{
	for (size_t i = 0; i < PTRS; i++) {
		pte_t e = table[i];
		vaddr_t va = span + i * entry_size(level);
		int err;

		if (!arch_pte_present(e)) {
			if (e != 0)
				goto bad;
			continue;
		}
		if (arch_pte_is_table(e, level)) {
			paddr_t t = arch_pte_addr(e, level);

			if (!IS_ALIGNED(t, PAGE_SIZE) || page_is_free(t))
				goto bad;
			++*tables;
			err = check_table(pgt_next(e), level + 1, va, tables);
			if (err)
				return err;
			continue;
		}
		if (level == PGT_ROOT_LEVEL || !attrs_ok(arch_pte_attrs(e, level) & ~MM_CONT) ||
		    !IS_ALIGNED(arch_pte_addr(e, level), entry_size(level)))
			goto bad;
		if ((arch_pte_attrs(e, level) & MM_CONT) &&
		    (level != LAST || !pgt_cont_ok(&table[i], va)))
			goto bad;
		continue;
bad:
		info("pgt_check: bad level-%d entry %#llx for va %#llx", level,
		     (unsigned long long)e, (unsigned long long)va);
		return -EINVAL;
	}
	return 0;
}

int pgt_check(const struct pgtable *pgt)
{
	size_t tables = 1;
	int err;

	if (!pgt->root || arch_virt_to_phys(pgt->root) != pgt->root_pa) {
		info("pgt_check: root %p does not match root_pa %#llx", (void *)pgt->root,
		     (unsigned long long)pgt->root_pa);
		return -EINVAL;
	}
	err = check_table(pgt->root, PGT_ROOT_LEVEL, 0, &tables);
	if (err)
		return err;
	if (tables != pgt_table_pages(pgt)) {
		info("pgt_check: %zu table pages reachable, the counts say %llu", tables,
		     (unsigned long long)pgt_table_pages(pgt));
		return -EINVAL;
	}
	return 0;
}
