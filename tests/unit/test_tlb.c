/*
 * TLB and barrier maintenance as real cores need it (issue 17, section 2),
 * asserted on the fake arch's maintenance log (<arch/fake.h>): the kind,
 * operand and scope (local or broadcast) of every TLBI, the barriers and
 * their domains, and their order against the entry stores. Each test
 * fails when its item is undone:
 *  - leaf-only changes use TLBI VALE1IS, table changes TLBI VAE1IS;
 *  - spurious and Access flag fixes are local (TLBI VALE1, DSB NSH), at
 *    the last level and at a block;
 *  - a range flush falls back to a whole-TLB flush only beyond one table's
 *    worth of entries (PGT_FLUSH_MAX_OPS = PGT_PTES, Linux's MAX_DVM_OPS);
 *  - one DSB ISHST after a batch of entry stores (a folio, a protect);
 *  - mprotect(PROT_EXEC) cleans the D-cache and invalidates the I-cache
 *    for the pages it makes executable, before their entries.
 */
#include "mm_test.h"

#define LEVEL3 ((unsigned)PGT_LAST_LEVEL << FAULT_LEVEL_SHIFT)
#define LEVEL2 ((unsigned)BLOCK_LEVEL << FAULT_LEVEL_SHIFT)

/*
 * The log as text, one word per op: ST (an entry store), DSB.ISHST, DSB.ISH,
 * DSB.NSHST, DSB.NSH, DMB.ISHST, ISB, VAE1IS@n, VALE1IS@n, VALE1@n (n: the
 * operand's page index from base, "+" when the operand is not the page's
 * first byte), VMALLE1IS, SYNC@n/pages.
 */
static const char *ops(vaddr_t base)
{
	static char buf[16384];
	static const char *const bar[] = { "", "ISHST", "ISH", "NSHST", "NSH" };
	size_t len = 0;

	buf[0] = 0;
	assert_true(fake_nops <= FAKE_OPS_MAX);
	for (size_t i = 0; i < fake_nops && len < sizeof(buf) - 64; i++) {
		const struct fake_op *o = &fake_ops[i];
		const char *sep = len ? " " : "";
		uint64_t off = o->operand - base;

		switch (o->kind) {
		case FAKE_OP_STORE:
			len += snprintf(buf + len, sizeof(buf) - len, "%sST", sep);
			break;
		case FAKE_OP_DSB:
		case FAKE_OP_DMB:
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s.%s", sep,
					o->kind == FAKE_OP_DSB ? "DSB" : "DMB", bar[o->bar]);
			break;
		case FAKE_OP_ISB:
			len += snprintf(buf + len, sizeof(buf) - len, "%sISB", sep);
			break;
		case FAKE_OP_TLBI_VA:
		case FAKE_OP_TLBI_VAL:
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s%s@%llu%s", sep,
					o->kind == FAKE_OP_TLBI_VA ? "VAE1" : "VALE1",
					o->broadcast ? "IS" : "",
					(unsigned long long)(off / PAGE_SIZE),
					off % PAGE_SIZE ? "+" : "");
			break;
		case FAKE_OP_TLBI_ALL:
			len += snprintf(buf + len, sizeof(buf) - len, "%sVMALLE1IS", sep);
			break;
		case FAKE_OP_SYNC_EXEC:
			len += snprintf(buf + len, sizeof(buf) - len, "%sSYNC@%llu/%llu", sep,
					(unsigned long long)(off / PAGE_SIZE),
					(unsigned long long)(o->size / PAGE_SIZE));
			break;
		}
	}
	return buf;
}

static vaddr_t map_at(struct mm_env *e, vaddr_t va, uint64_t len, unsigned prot)
{
	vaddr_t out;

	assert_int_equal(do_mmap(&e->mm, va, len, prot,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out), 0);
	return out;
}

/* The sequence of a break-before-make of one leaf at page n: leaf-only, broadcast. */
#define BBM_LEAF(n) "ST DSB.ISHST VALE1IS@" #n " DSB.ISH ISB ST DSB.ISHST"
/* A local fix of this CPU's entry for page n (the fault address, in page n). */
#define LOCAL_FIX(n) "DSB.NSHST VALE1@" #n "+ DSB.NSH ISB"

/* Copy-on-write of the zero page: break, VALE1IS (not VAE1IS), make. */
static void test_cow_leaf_only(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, NULL), 0);
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + PAGE_SIZE, FAULT_PERMISSION | FAULT_WRITE |
				       LEVEL3), 0);
	assert_int_equal(e->mm.nr_fault_cow, 1);
	assert_string_equal(ops(va), BBM_LEAF(1));
	assert_int_equal(fake_stats.bbm_violations, 0);
}

/* A write upgrade after mprotect, one page: the same leaf-only sequence. */
static void test_upgrade_leaf_only(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 8, FAULT_PERMISSION | FAULT_WRITE | LEVEL3), 0);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	/* the operand is the fault address: its page's (the arch clears the offset) */
	assert_string_equal(ops(va), "ST DSB.ISHST VALE1IS@0+ DSB.ISH ISB ST DSB.ISHST");
}

/* Spurious and Access flag faults on a page: this CPU only (VALE1, DSB NSH). */
static void test_local_fixes_page(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 8, FAULT_PERMISSION | FAULT_WRITE | LEVEL3), 0);
	assert_int_equal(e->mm.nr_fault_spurious, 1);
	assert_string_equal(ops(va), LOCAL_FIX(0));

	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 8, FAULT_ACCESS_FLAG | FAULT_READ | LEVEL3), 0);
	assert_int_equal(e->mm.nr_fault_af, 1);
	assert_string_equal(ops(va), "ST " LOCAL_FIX(0));
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* Room for a block and the huge zero page at every granule. */
static int thp_setup(void **state)
{
	*state = mm_env_new(MAX(16 * (PAGE_SIZE >> 12), 3 * (BLOCK_SIZE >> 20) + 8));
	mm_set_thp(&((struct mm_env *)*state)->mm, true);
	return 0;
}

/*
 * The block half of present_leaf: Access flag and spurious faults on a
 * block are fixed locally and change nothing else; a write upgrade of a
 * block is a leaf-only break-before-make of the block entry; a block split
 * (mprotect of half of it) drops the cached walks too (VAE1IS).
 */
static void test_block_branches(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, BLOCK_SIZE, PROT_READ | PROT_WRITE);
	paddr_t pa, pa2;
	int level = 0;
	unsigned attrs;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	assert_int_equal(e->mm.nr_fault_thp, 1);
	assert_int_equal(pgt_lookup(&e->pgt, va, NULL, &attrs, &level), 0);
	assert_int_equal(level, BLOCK_LEVEL);

	/* Access flag on the block: rewritten, fixed locally. */
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 3 * PAGE_SIZE + 8,
				       FAULT_ACCESS_FLAG | FAULT_WRITE | LEVEL2), 0);
	assert_int_equal(e->mm.nr_fault_af, 1);
	assert_int_equal(e->mm.nr_fault_cow + e->mm.nr_fault_wp + e->mm.nr_fault_spurious, 0);
	assert_string_equal(ops(va), "ST " LOCAL_FIX(3));

	/* Spurious on the block: the entry allows the write; a local fix only. */
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 5 * PAGE_SIZE + 8,
				       FAULT_PERMISSION | FAULT_WRITE | LEVEL2), 0);
	assert_int_equal(e->mm.nr_fault_spurious, 1);
	assert_string_equal(ops(va), LOCAL_FIX(5));
	assert_int_equal(pgt_lookup(&e->pgt, va, &pa2, NULL, &level), 0);
	assert_int_equal(level, BLOCK_LEVEL);
	assert_int_equal(pa2, pa);

	/* Write upgrade of the block after mprotect: leaf-only break-before-make. */
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ | PROT_WRITE), 0);
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 7 * PAGE_SIZE,
				       FAULT_PERMISSION | FAULT_WRITE | LEVEL2), 0);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	assert_string_equal(ops(va), "ST DSB.ISHST VALE1IS@7 DSB.ISH ISB ST DSB.ISHST");

	/* A split: the block's slot becomes a table: VAE1IS, after the break. */
	fake_stats_reset();
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE / 2, PROT_READ), 0);
	assert_int_equal(strncmp(ops(va), "ST DSB.ISHST VAE1IS@0 DSB.ISH ISB DMB.ISHST ST DSB.ISHST ",
				 57), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VA, FAKE_BAR_NONE), 1);
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * The flush-everything threshold (Linux's __flush_tlb_range_limit_excess):
 * one fewer than a table's worth of single-VA invalidations (PGT_PTES) is
 * still a range flush; a table's worth is one TLBI VMALLE1IS.
 */
static void test_flush_threshold(void **state)
{
	vaddr_t va = LAYOUT_VA;

	(void)state;
	fake_stats_reset();
	assert_int_equal(pgt_flush_range(va, va + (PGT_PTES - 1) * PAGE_SIZE, PAGE_SHIFT, false),
			 PGT_PTES - 1);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VAL, FAKE_BAR_NONE), PGT_PTES - 1);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_ALL, FAKE_BAR_NONE), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_NONE), 2);

	fake_stats_reset();
	assert_int_equal(pgt_flush_range(va, va + PGT_PTES * PAGE_SIZE, PAGE_SHIFT, false), 1);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VAL, FAKE_BAR_NONE), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_ALL, FAKE_BAR_NONE), 1);
	assert_string_equal(ops(va), "DSB.ISHST VMALLE1IS DSB.ISH ISB");
	assert_int_equal(pgt_flush_range(va, va, PAGE_SHIFT, false), 0);
}

/*
 * munmap of a written range that empties its last-level table (and the
 * tables above it): every leaf broken and every emptied table unlinked
 * first, then one range flush that drops the cached walks too (VAE1IS per
 * page, no whole-TLB flush even at 16K where n is 128), one DSB ISH, then
 * the pages and tables freed; a barrier last.
 */
static void test_unmap_leaves_then_table(void **state)
{
	struct mm_env *e = *state;
	size_t n = MAX(64u, CONT_PTES);
	vaddr_t va = map_at(e, LAYOUT_VA, n * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct pgt_tlb_stats before = pgt_tlb_stats_sum(&e->pgt), after;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	fake_stats_reset();
	assert_int_equal(do_munmap(&e->mm, va, n * PAGE_SIZE), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_ALL, FAKE_BAR_NONE), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VAL, FAKE_BAR_NONE), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VA, FAKE_BAR_NONE), n);
	assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_ISH), 1);
	/* n breaks and the tables' unlinks, each a store with no barrier, then the flush */
	assert_int_equal(strncmp(ops(va), "ST ST", 5), 0);
	assert_non_null(strstr(ops(va), "ST DSB.ISHST VAE1IS@0 VAE1IS@1 "));
	assert_string_equal(ops(va) + strlen(ops(va)) - 21, "DSB.ISH ISB DSB.ISHST");
	assert_int_equal(pgt_table_pages(&e->pgt), 1);
	after = pgt_tlb_stats_sum(&e->pgt);
	assert_int_equal(after.flushes - before.flushes, 1);
	assert_int_equal(after.tlbis - before.tlbis, n);
	assert_int_equal(after.flush_all - before.flush_all, 0);
}

/*
 * One DSB ISH per munmap and per mprotect, whatever its size: 1, 16, 64
 * and PGT_PTES - 1 pages take one TLBI each, PGT_PTES pages one TLBI
 * VMALLE1IS. The pages written are all released.
 */
static void test_one_flush_per_op(void **state)
{
	static const size_t sizes[] = { 1, 16, 64, PGT_PTES - 1, PGT_PTES };
	struct mm_env *e = *state;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (int prot = 0; prot < 2; prot++) {
			size_t n = sizes[s];
			vaddr_t va = map_at(e, LAYOUT_VA + BLOCK_SIZE, n * PAGE_SIZE,
					    PROT_READ | PROT_WRITE);
			size_t free0;
			bool all = n >= PGT_FLUSH_MAX_OPS;

			/* past 64 pages, reads (the zero page): a table's worth of
			   data pages does not fit the fake RAM with 64 KiB pages */
			for (size_t i = 0; i < n; i++)
				assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE,
						       n > 64 ? FAULT_READ : FAULT_WRITE, NULL), 0);
			free0 = page_free_count();
			fake_stats_reset();
			if (prot)
				assert_int_equal(do_mprotect(&e->mm, va, n * PAGE_SIZE,
							     n > 64 ? PROT_NONE : PROT_READ), 0);
			else
				assert_int_equal(do_munmap(&e->mm, va, n * PAGE_SIZE), 0);
			assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_ISH), 1);
			assert_int_equal(fake_ops_count(FAKE_OP_TLBI_ALL, FAKE_BAR_NONE), all);
			assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VAL, FAKE_BAR_NONE) +
					 fake_ops_count(FAKE_OP_TLBI_VA, FAKE_BAR_NONE), all ? 0 : n);
			assert_int_equal(fake_stats.bbm_violations, 0);
			if (prot) {
				assert_int_equal(page_free_count(), free0);
				assert_int_equal(do_munmap(&e->mm, va, n * PAGE_SIZE), 0);
			} else {
				assert_true(page_free_count() >= free0 + (n > 64 ? 0 : n));
			}
			assert_int_equal(mm_check(&e->mm), 0);
		}
	}
}

/*
 * A block (2 MiB with 4 KiB pages) write-protected, then unmapped: one
 * TLBI each (a leaf: VALE1IS), one DSB ISH each, its pages given back.
 */
static void test_block_one_flush(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, BLOCK_SIZE, PROT_READ | PROT_WRITE);
	size_t free0;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_thp, 1);
	for (int prot = 1; prot >= 0; prot--) {
		free0 = page_free_count();
		fake_stats_reset();
		if (prot)
			assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ), 0);
		else
			assert_int_equal(do_munmap(&e->mm, va, BLOCK_SIZE), 0);
		assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_ISH), 1);
		assert_int_equal(fake_ops_count(FAKE_OP_TLBI_ALL, FAKE_BAR_NONE), 0);
		assert_int_equal(fake_ops_count(FAKE_OP_TLBI_VAL, FAKE_BAR_NONE) +
				 fake_ops_count(FAKE_OP_TLBI_VA, FAKE_BAR_NONE), 1);
		assert_int_equal(fake_stats.bbm_violations, 0);
		assert_true(page_free_count() >= free0 + (prot ? 0 : BLOCK_SIZE / PAGE_SIZE));
	}
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * A folio: every slot claimed (ARCH_PTE_BUSY by compare-and-swap, so that
 * no other CPU's fault takes one of them meanwhile), every entry stored,
 * then one DSB ISHST for the run (not one per entry), and the Contiguous
 * bit on exactly the whole aligned ranges.
 */
static void test_folio_one_barrier(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, 2 * CONT_PTE_SIZE, PROT_READ | PROT_WRITE);
	size_t n = CONT_PTES;
	unsigned attrs;

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_PTE_BITS) | BIT(1)), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_READ, NULL), 0); /* the page table exists */
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + CONT_PTE_SIZE, FAULT_TRANSLATION | FAULT_WRITE |
				       LEVEL3), 0);
	assert_int_equal(e->mm.nr_fault_folio, 1);
	assert_int_equal(fake_ops_count(FAKE_OP_STORE, FAKE_BAR_NONE), 2 * n);
	assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_NONE), 1);
	assert_int_equal(fake_ops[fake_nops - 1].kind, FAKE_OP_DSB);
	assert_int_equal(fake_ops[fake_nops - 1].bar, FAKE_BAR_ISHST);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pgt_lookup(&e->pgt, va + CONT_PTE_SIZE + i * PAGE_SIZE, NULL, &attrs,
					    NULL), 0);
		assert_true(attrs & MM_CONT);
	}
	/* An order-1 folio (smaller than a range): no Contiguous bit, one barrier. */
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va + 2 * PAGE_SIZE, FAULT_TRANSLATION | FAULT_WRITE |
				       LEVEL3), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_STORE, FAKE_BAR_NONE), 2 * 2);
	assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_NONE), 1);
	assert_int_equal(pgt_lookup(&e->pgt, va + 2 * PAGE_SIZE, NULL, &attrs, NULL), 0);
	assert_false(attrs & MM_CONT);
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * pgt_install_run alone: a run that starts inside a range and is aligned
 * in PA as in VA gets the bit on the whole ranges it covers only.
 */
static void test_install_run_partial(void **state)
{
	struct pgtable *pgt = &((struct mm_env *)*state)->pgt;
	vaddr_t va = LAYOUT_VA + 2 * BLOCK_SIZE + (CONT_PTES - 1) * PAGE_SIZE;
	size_t n = CONT_PTES + 2; /* the last page of one range, one whole, one of the next */
	paddr_t pa = page_alloc_aligned(CONT_PTE_BITS + 1) + (CONT_PTES - 1) * PAGE_SIZE;
	int err = 0;
	pte_t *first = pgt_walk_alloc(pgt, va, &err);
	unsigned attrs;

	assert_non_null(first);
	fake_stats_reset();
	pgt_install_run(first, va, pa, n, MM_READ | MM_WRITE);
	assert_int_equal(fake_ops_count(FAKE_OP_DSB, FAKE_BAR_NONE), 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pgt_lookup(pgt, va + i * PAGE_SIZE, NULL, &attrs, NULL), 0);
		assert_int_equal(!!(attrs & MM_CONT), i >= 1 && i <= CONT_PTES);
	}
	assert_int_equal(pgt_check(pgt), 0);
	assert_int_equal(pgt_unmap(pgt, va, n * PAGE_SIZE, NULL, NULL), 0);
	page_free_run(pa - (CONT_PTES - 1) * PAGE_SIZE, BIT(CONT_PTE_BITS + 1));
}

/*
 * mprotect over written pages: the breaks and the makes carry no barrier
 * each; the range flush begins with one, the protect ends with one.
 */
static void test_protect_batched(void **state)
{
	struct mm_env *e = *state;
	size_t n = 8;
	vaddr_t va = map_at(e, LAYOUT_VA, n * PAGE_SIZE, PROT_READ | PROT_WRITE);

	for (size_t i = 0; i < n; i++)
		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	fake_stats_reset();
	assert_int_equal(do_mprotect(&e->mm, va, n * PAGE_SIZE, PROT_READ), 0);
	assert_string_equal(ops(va), "ST ST ST ST ST ST ST ST DSB.ISHST VALE1IS@0 VALE1IS@1 VALE1IS@2 "
				     "VALE1IS@3 VALE1IS@4 VALE1IS@5 VALE1IS@6 VALE1IS@7 DSB.ISH ISB "
				     "ST ST ST ST ST ST ST ST DSB.ISHST ISB");
}

/*
 * mprotect(PROT_EXEC) of written pages: each page's D-cache cleaned to PoU
 * and I-cache invalidated before its executable entry is made; pages
 * already executable are not synchronised again.
 */
static void test_exec_sync(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	paddr_t pa[2];
	char want[256];

	for (int i = 0; i < 2; i++)
		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, &pa[i]), 0);
	fake_stats_reset();
	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_READ | PROT_EXEC), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_SYNC_EXEC, FAKE_BAR_NONE), 2);
	snprintf(want, sizeof(want), "DSB.ISH ISB SYNC@%llu/1 ST SYNC@%llu/1 ST DSB.ISHST ISB",
		 (unsigned long long)((pa[0] - va) / PAGE_SIZE),
		 (unsigned long long)((pa[1] - va) / PAGE_SIZE));
	assert_non_null(strstr(ops(va), want));
	assert_int_equal(touch(&e->mm, va, FAULT_EXEC, NULL), 0);

	/* Already executable: nothing to synchronise. */
	fake_stats_reset();
	assert_int_equal(do_mprotect(&e->mm, va, 2 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(fake_ops_count(FAKE_OP_SYNC_EXEC, FAKE_BAR_NONE), 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* With stamps, the zeroing is complete (DSB) before the ZERO stamp, ahead of the map. */
static void test_stamped_zero_completes(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, NULL), 0); /* the table */
	fault_stamps_on = true;
	fake_stats_reset();
	assert_int_equal(do_page_fault(&e->mm, va, FAULT_TRANSLATION | FAULT_WRITE | LEVEL3), 0);
	fault_stamps_on = false;
	assert_string_equal(ops(va), "DSB.ISHST ST DSB.ISHST");
}

#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
#define TT(f) cmocka_unit_test_setup_teardown(f, thp_setup, mm_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cow_leaf_only),
		T(test_upgrade_leaf_only),
		T(test_local_fixes_page),
		TT(test_block_branches),
		T(test_flush_threshold),
		T(test_unmap_leaves_then_table),
		T(test_one_flush_per_op),
		TT(test_block_one_flush),
		T(test_folio_one_barrier),
		T(test_install_run_partial),
		T(test_protect_batched),
		T(test_exec_sync),
		T(test_stamped_zero_completes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
