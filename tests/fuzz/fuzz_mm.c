/*
 * libFuzzer target for mm/: an input is a program of 4-byte operations
 * (brk, mmap, munmap, mprotect, read, write, execute, settings) run against
 * the real mm over the fake MMU and, side by side, against a reference
 * model: one record per page of three windows (the heap: two blocks, 1024,
 * 4096 or 16384 pages at 4, 16 or 64 KiB; a fixed-mapping area and the top
 * of the mmap area: 64 pages each) holding its protection, whether it is
 * unmapped, untouched, mapped to the zero page (or the huge zero page's
 * block) or private, and one tracked byte. Pages under PROT_NONE keep their
 * state and byte: the MMU must fault on every access to them, yet the
 * tables must still hold them (pgt_lookup gives MM_NONE and the page), and
 * they come back with the next mprotect.
 *
 * After every operation: mm_check (tree, list, VMAs, counters, page
 * tables), then every modelled page through fake_translate (what the MMU
 * would do for a read and a write, including stale TLB entries), its
 * contents, and the page accounting (resident, table, huge zero and held
 * pages against the allocator's free count). Any disagreement aborts. The
 * heap is checked a block at a time where the tables allow (verify_block).
 *
 * Large folios: the input's length modulo 4 (the bytes after its last whole
 * operation) chooses the first folio orders (none, 2 pages, 4 pages and a
 * contiguous range, or every order from 2 pages to half a block); the
 * settings operation changes them. The target is built at every granule of
 * the fake (fuzz_mm_g14, fuzz_mm_g16). A first write then may map a folio:
 * the model checks that it covers only untouched pages of the faulting
 * page's VMA, that it is the largest enabled order that fits (or that the
 * allocator's fallback was counted), and marks its pages private and
 * zeroed; a write upgrade of a contiguous range makes all of its pages
 * writable.
 *
 * Blocks (thp=always, on at the start; Linux's PMD-sized THP): a fault in
 * the heap whose naturally aligned block one VMA allowing the access covers,
 * with nothing under the block's slot, must map a block (a write: fresh
 * zeroed pages; a read or fetch: the huge zero page) or count a fallback. A
 * write to the huge zero page splits its block into zero-page entries and
 * replaces one; a write to a block left read-only by mprotect makes the
 * whole block writable; munmap, mprotect, mmap(MAP_FIXED) and a brk shrink
 * split the blocks their edges cut (checked in the tables: no block left
 * at a cut edge; a huge zero block into zero-page entries). Memory: the fake RAM holds four aligned blocks and 768 pages,
 * all but 768 pages held back at the start, so that memory still runs out.
 *
 *   op byte: bits [2:0] operation, [4:3] window, [6:5] protection
 *   a, b, c: operands (page index, length, value); a's bit 7 switches the
 *   lookup cache, a's bit 6 raises an Access flag or spurious fault before
 *   a read, write or execute, b's bit 7 makes an mprotect of length 0
 *
 *   window 0, 1, 2: the heap's first 64 pages, the fixed area, the top;
 *   page a % 64, lengths 1 + b % 8 (mmap) or 1 + b % 16, brk to a % 72
 *   pages (and b * 29 % PAGE_SIZE bytes when b is odd)
 *   window 3: the whole heap at block scale: the page scaled(a[5:0]:x),
 *   the 14-bit fraction of the window (x is b for an access, else c), the
 *   same place at every granule; lengths (1 + b[3:0]) units of b[6:4]
 *   (1, 1, a contiguous range twice, then 1/16, 1/4, 1/2 and 1 block);
 *   brk to scaled(a[5:0]:c) + b[4:1] pages
 *   operation 0 with window 2: settings (op_settings): a folio orders,
 *   b thp and the memory held back
 *
 * FUZZ_MM_COUNTS=1 in the environment prints, after each input, how many
 * blocks, huge zero blocks and their splits, blocks split at an edge,
 * folios, fallbacks and out-of-memory faults it reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include "lib/errno.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

#define NWIN 3
#define WPAGES 64                     /* the fixed and top windows */
#define BLOCKP (1 << BLOCK_ORDER)     /* base pages in a block */
#define HPAGES (2 * BLOCKP)           /* the heap window: two blocks */
#define P PAGE_SIZE
#define FREE_PAGES 768                /* free at the start: memory runs out */
#define RAM (4 * BLOCK_SIZE + FREE_PAGES * P) /* room for aligned blocks */
#define RAM_PAGES (RAM / P)

static_assert(IS_ALIGNED(MM_HEAP_BASE, BLOCK_SIZE), "the heap window holds whole blocks");
static_assert(IS_ALIGNED(FAKE_RAM_BASE, BLOCK_SIZE), "the fake RAM holds aligned blocks");

enum state { UNMAPPED, UNTOUCHED, ZERO, PRIVATE };

struct page {
	enum state st;
	unsigned long flags; /* VM_* of its VMA */
	bool pte_w;          /* private page's entry writable */
	bool hz;             /* ZERO through the huge zero page's block */
	uint8_t val;         /* byte at offset off(page) */
};

static struct page heap[HPAGES], fixed[WPAGES], top[WPAGES];
static struct page *const model[NWIN] = { heap, fixed, top };
static const int npages[NWIN] = { HPAGES, WPAGES, WPAGES };
static int heap_hw; /* no heap page at or above it was ever mapped */
static const vaddr_t win_base[NWIN] = {
	MM_HEAP_BASE, 0x200000000000ull, TASK_SIZE - WPAGES * P,
};

/* Pages taken from the allocator to make memory short (see op_settings). */
static paddr_t held[RAM_PAGES];
static size_t nheld, held_pages;
static unsigned held_order[RAM_PAGES];
static const unsigned prots[4] = {
	PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
};

static struct pgtable pgt;
static struct mm_struct mm;
static size_t free0;
static uint64_t expect_af, expect_spurious; /* faults extra_fault raised */

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "fuzz_mm: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #c);                      \
			mm_dump(&mm);                                         \
			abort();                                              \
		}                                                             \
	} while (0)

static vaddr_t page_va(int w, int i)
{
	return win_base[w] + (vaddr_t)i * P;
}

static size_t off(int w, int i)
{
	return ((size_t)w * 977 + (size_t)i * 131) % (P - 1);
}

static uint8_t *host(paddr_t pa)
{
	return arch_phys_to_virt(pa & PAGE_MASK);
}

/*
 * A CPU access: translate, and on a fault call the handler and retry once.
 * The retry must succeed: a second fault would mean the handler left a
 * stale TLB entry behind. 0 and *pa, or the handler's error.
 */
static int access_va(vaddr_t va, unsigned access, paddr_t *pa)
{
	unsigned f = fake_translate(&pgt, va, access, pa);
	int err;

	if (!f)
		return 0;
	err = do_page_fault(&mm, va, f);
	if (err)
		return err;
	CHECK(fake_translate(&pgt, va, access, pa) == 0);
	return 0;
}

static void set_range(int w, int i, int n, enum state st, unsigned long flags)
{
	for (int k = i; k < i + n && k < npages[w]; k++)
		model[w][k] = (struct page){ .st = st, .flags = flags };
	if (w == 0 && st != UNMAPPED)
		heap_hw = MAX(heap_hw, MIN(i + n, HPAGES));
}

/* The pages of the heap window's block around page i: its first. */
static int block_of(int i)
{
	return i & ~(int)(BLOCKP - 1);
}

/* A block of the huge zero page around heap page i became zero-page entries. */
static void hz_split(int i)
{
	for (int k = block_of(i); k < block_of(i) + (int)BLOCKP; k++)
		heap[k].hz = false;
}

/* Whether a block leaf maps heap page i. */
static bool is_block(int i)
{
	int level = 0;

	return pgt_lookup(&pgt, page_va(0, i), NULL, NULL, &level) == 0 && level == BLOCK_LEVEL;
}

static uint64_t nr_edge_splits; /* blocks the model saw split at an edge */

/* Before an operation on pages [i, e): which edges cut a block (bit 0, 1). */
static unsigned edges_cut(int w, int i, int e)
{
	if (w != 0)
		return 0;
	return (i % BLOCKP && i < HPAGES && is_block(i)) |
	       (e % BLOCKP && e < HPAGES && is_block(e)) << 1;
}

/*
 * The operation on heap pages [i, e) succeeded: mm_split_edges split the
 * blocks its edges cut (`cut`, from edges_cut), into page entries, the
 * pages kept or gone as the operation says; a split changes no translation
 * but a huge zero block's (its pages become zero-page entries).
 */
static void edges_split(int w, int i, int e, unsigned cut)
{
	if (w != 0)
		return;
	for (int k = 0; k < 2; k++) {
		int edge = k ? e : i;

		if (!(cut & BIT(k)))
			continue;
		CHECK(!is_block(block_of(edge)) && !is_block(edge) && !is_block(edge - 1));
		nr_edge_splits++;
		hz_split(edge);
	}
}

/*
 * After an operation failed for want of memory: mm_split_edges takes both
 * edges' table pages or neither, so every huge zero block is still one.
 */
static void hz_kept(void)
{
	for (int b = 0; b < heap_hw; b += BLOCKP) {
		int level = 0;

		if (!heap[b].hz)
			continue;
		CHECK(pgt_lookup(&pgt, page_va(0, b), NULL, NULL, &level) == 0);
		CHECK(level == BLOCK_LEVEL);
	}
}

/* The pages the model holds outside mm: the huge zero page, the held pages. */
static size_t outside_pages(void)
{
	return (mm.huge_zero_pa ? BLOCKP : 0) + held_pages;
}

/* What the MMU must show for one page, and its contents: 1 if private. */
static size_t verify_page(int w, int i)
{
	const struct page *pg = &model[w][i];
	vaddr_t va = page_va(w, i);
	paddr_t pa;
	unsigned f = fake_translate(&pgt, va, FAULT_READ, &pa);

	if (pg->st == UNMAPPED || pg->st == UNTOUCHED) {
		CHECK(f & FAULT_TRANSLATION);
		return 0;
	}
	if (pg->flags & VM_ACCESS) {
		CHECK(f == 0);
		f = fake_translate(&pgt, va, FAULT_WRITE, NULL);
		CHECK(pg->pte_w ? f == 0 : (f & FAULT_PERMISSION) != 0);
	} else { /* PROT_NONE: kept */
		unsigned attrs;

		CHECK(f & FAULT_TRANSLATION);
		CHECK(fake_translate(&pgt, va, FAULT_WRITE, NULL) & FAULT_TRANSLATION);
		CHECK(pgt_lookup(&pgt, va, &pa, &attrs, NULL) == 0);
		CHECK(attrs == MM_NONE);
	}
	pa &= PAGE_MASK;
	if (pg->hz) /* the huge zero page, block mapped */
		CHECK(pg->st == ZERO && mm.huge_zero_pa && pa == mm.huge_zero_pa + (i % BLOCKP) * P);
	else
		CHECK((pa == mm.zero_pa) == (pg->st == ZERO));
	if (pg->st != PRIVATE)
		return 0;
	CHECK(!mm.huge_zero_pa || pa - mm.huge_zero_pa >= BLOCK_SIZE);
	CHECK(host(pa)[off(w, i)] == pg->val);
	CHECK(host(pa)[off(w, i) + 1] == 0);
	return 1;
}

/*
 * Heap pages [b, e) of one block, as verify_page checks each, in less time
 * where the tables allow (the window is thousands of pages at 64 KiB):
 *  - no page of it mapped in the model, no table or block under its slot,
 *    and no cached translation overlapping it: every access faults;
 *  - a valid block leaf, one cached translation that covers its first and
 *    last page (so the block's own), and the model's pages all alike: every
 *    page translates as the first, at its offset; contents page by page.
 * Else page by page. The number of private pages.
 */
static size_t verify_block(int b, int e)
{
	const struct page *first = &heap[b];
	vaddr_t va = page_va(0, b), end = page_va(0, e);
	const pte_t *slot = pgt_slot(&pgt, va, BLOCK_LEVEL);
	bool empty = true, alike = e - b == BLOCKP;
	size_t priv = 0;
	paddr_t pa;

	for (int k = b; k < e; k++) {
		const struct page *q = &heap[k];

		empty &= q->st == UNMAPPED || q->st == UNTOUCHED;
		alike &= q->st == first->st && q->flags == first->flags && q->pte_w == first->pte_w &&
			 q->hz == first->hz;
	}
	if (empty && (!slot || !arch_pte_present(*slot)) && fake_tlb_count(va, end) == 0)
		return 0;
	if (alike && slot && arch_pte_valid(*slot) && !arch_pte_is_table(*slot, BLOCK_LEVEL) &&
	    (first->st == ZERO || first->st == PRIVATE)) {
		priv = verify_page(0, b) + verify_page(0, e - 1);
		CHECK(fake_tlb_count(va, end) == 1);
		CHECK(fake_translate(&pgt, va, FAULT_READ, &pa) == 0);
		for (int k = b + 1; k < e - 1 && first->st == PRIVATE; k++) {
			const uint8_t *h = host(pa + (paddr_t)(k - b) * P);

			CHECK(h[off(0, k)] == heap[k].val && h[off(0, k) + 1] == 0);
			priv++;
		}
		return priv;
	}
	for (int k = b; k < e; k++)
		priv += verify_page(0, k);
	return priv;
}

/* Everything the MMU and the counters must show, page by page. */
static void verify(void)
{
	size_t priv = 0, tables = mm_table_pages(&mm); /* a walk: once */

	CHECK(mm_check(&mm) == 0);
	for (int b = 0; b < MAX(heap_hw, WPAGES); b += BLOCKP)
		priv += verify_block(b, MIN(b + BLOCKP, MAX(heap_hw, WPAGES)));
	for (int w = 1; w < NWIN; w++)
		for (int i = 0; i < npages[w]; i++)
			priv += verify_page(w, i);
	CHECK(mm_resident_pages(&mm) == priv);
	CHECK(mm.nr_fault_spurious == expect_spurious);
	CHECK(mm.nr_fault_af == expect_af);
	CHECK(fake_stats.bbm_violations == 0);
	CHECK(pgt_table_pages(&pgt) == 1 + tables);
	CHECK(free0 == page_free_count() + mm_resident_pages(&mm) + tables + mm.vma_pool.nr_pages +
			       outside_pages());
}

/* Whether every page of [i, i + n) of window w is mapped. */
static bool all_mapped(int w, int i, int n)
{
	for (int k = i; k < i + n; k++)
		if (model[w][k].st == UNMAPPED)
			return false;
	return true;
}

/* Whether no page of [i, i + n) of window w is mapped. */
static bool all_unmapped(int w, int i, int n)
{
	for (int k = i; k < i + n; k++)
		if (model[w][k].st != UNMAPPED)
			return false;
	return true;
}

/*
 * A fraction of `n` pages: the 14 bits a[5:0]:x over 2^14, so that an input
 * means the same place at every granule.
 */
static int scaled(uint8_t a, uint8_t x, int n)
{
	return (int)(((uint64_t)(((a & 0x3f) << 8) | x) * (uint64_t)n) >> 14);
}

static_assert(HPAGES <= 1 << 14, "a scaled index reaches every heap page");

/*
 * A page index: in the 64-page view, a % 64; at block scale (window field
 * 3: the whole heap window), scaled(a, x) of it: any of its pages.
 */
static int page_index(bool big, uint8_t a, uint8_t x)
{
	return big ? scaled(a, x, HPAGES) : a % WPAGES;
}

/*
 * A length in pages from b, clipped to the window: 1 .. small in the
 * 64-page view; at block scale (1 + b[3:0]) units of b[6:4]'s size, from a
 * page up to a block, so that a range may cover, cut or end in blocks.
 */
static int span(int w, bool big, int i, uint8_t b, int small)
{
	static const unsigned unit[8] = {
		1, 1, CONT_PTES, CONT_PTES, BLOCKP / 16, BLOCKP / 4, BLOCKP / 2, BLOCKP,
	};
	int n = big ? (int)((1 + (b & 15)) * unit[(b >> 4) & 7]) : 1 + b % small;

	return MIN(n, npages[w] - i);
}

static void op_brk(bool big, uint8_t a, uint8_t b, uint8_t c)
{
	vaddr_t old = mm.brk, oldal = ALIGN_UP(old, P);
	int pages = big ? scaled(a, c, HPAGES) + (b >> 1 & 15) : a % (WPAGES + 8);
	vaddr_t req = MM_HEAP_BASE + (vaddr_t)pages * P + (b & 1 ? b * 29 % P : 0);
	vaddr_t newal = ALIGN_UP(req, P), got;
	bool ok = req - MM_HEAP_BASE <= mm.brk_limit;
	int i0 = (int)((oldal - MM_HEAP_BASE) / P), i1 = (int)((newal - MM_HEAP_BASE) / P);
	unsigned cut;

	/*
	 * Linux 6.12: growing needs [oldbrk, newbrk + PAGE_SIZE) free (the page
	 * above the heap stays free; the page past the window always is);
	 * shrinking needs some page of [newbrk, oldbrk) mapped.
	 */
	if (ok && newal > oldal)
		for (int k = i0; k <= i1 && k < HPAGES; k++)
			ok &= heap[k].st == UNMAPPED;
	if (ok && newal < oldal)
		ok = !all_unmapped(0, i1, i0 - i1);
	cut = newal < oldal ? edges_cut(0, i1, i0) : 0;
	got = do_brk(&mm, req);
	if (!ok) {
		CHECK(got == old);
		return;
	}
	if (got == old && req != old) {
		CHECK(page_free_count() < 2); /* only out of memory (a table page per edge) may refuse */
		hz_kept();
		return;
	}
	CHECK(got == req);
	if (newal > oldal) {
		set_range(0, i0, i1 - i0, UNTOUCHED, VM_READ | VM_WRITE | VM_HEAP);
	} else if (newal < oldal) {
		edges_split(0, i1, i0, cut);
		set_range(0, i1, i0 - i1, UNMAPPED, 0);
	}
}

static void op_mmap_fixed(int w, bool big, unsigned prot, uint8_t a, uint8_t b, uint8_t c)
{
	int i = page_index(big, a, c), n = span(w, big, i, b, 8);
	unsigned cut = edges_cut(w, i, i + n);
	vaddr_t out;
	int err = do_mmap(&mm, page_va(w, i), (uint64_t)n * P, prot,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out);

	if (err) {
		CHECK(err == -ENOMEM && page_free_count() < 2);
		hz_kept();
		return;
	}
	CHECK(out == page_va(w, i));
	edges_split(w, i, i + n, cut);
	set_range(w, i, n, UNTOUCHED, prot | (prot ? VM_READ : 0));
}

static void op_mmap_any(unsigned prot, uint8_t b)
{
	int n = 1 + b % 8;
	vaddr_t va;
	int err = do_mmap(&mm, 0, (uint64_t)n * P, prot, MAP_PRIVATE | MAP_ANONYMOUS, &va);

	if (err) {
		CHECK(err == -ENOMEM && page_free_count() < 2);
		return;
	}
	CHECK(va >= MM_MMAP_MIN && va + n * P <= TASK_SIZE && IS_ALIGNED(va, P));
	if (va >= win_base[2]) {
		int i = (int)((va - win_base[2]) / P);

		for (int k = i; k < i + n; k++)
			CHECK(top[k].st == UNMAPPED);
		set_range(2, i, n, UNTOUCHED, prot | (prot ? VM_READ : 0));
	} else {
		err = do_munmap(&mm, va, (uint64_t)n * P); /* outside the model */
		CHECK(!err || (err == -ENOMEM && page_free_count() < 2));
	}
}

static void op_munmap(int w, bool big, uint8_t a, uint8_t b, uint8_t c)
{
	int i = page_index(big, a, c), n = span(w, big, i, b, 16);
	unsigned cut = edges_cut(w, i, i + n);
	int err = do_munmap(&mm, page_va(w, i), (uint64_t)n * P);

	if (err) {
		CHECK(err == -ENOMEM && page_free_count() < 2);
		hz_kept();
		return;
	}
	edges_split(w, i, i + n, cut);
	set_range(w, i, n, UNMAPPED, 0);
}

/*
 * mprotect of n pages; with b's top bit, of length 0 instead, which Linux
 * accepts whatever prot is (0x100 is no PROT_* bit), once start is aligned.
 */
static void op_mprotect(int w, bool big, unsigned prot, uint8_t a, uint8_t b, uint8_t c)
{
	int i = page_index(big, a, c), n = span(w, big, i, b, 16);
	unsigned long access = prot | (prot ? VM_READ : 0);
	unsigned cut;
	int err;

	if (b & 0x80) {
		err = do_mprotect(&mm, page_va(w, i) + (c & 1), 0, prot | (c & 2 ? 0x100 : 0));
		CHECK(err == (c & 1 ? -EINVAL : 0));
		return;
	}
	cut = edges_cut(w, i, i + n);
	err = do_mprotect(&mm, page_va(w, i), (uint64_t)n * P, prot);

	if (!all_mapped(w, i, n)) {
		CHECK(err == -ENOMEM);
		return;
	}
	if (err) {
		CHECK(err == -ENOMEM && page_free_count() < 2);
		hz_kept();
		return;
	}
	edges_split(w, i, i + n, cut);
	for (int k = i; k < i + n; k++) {
		struct page *pg = &model[w][k];
		unsigned long nf = (pg->flags & ~VM_ACCESS) | access;

		if (nf == pg->flags)
			continue;
		pg->flags = nf; /* state and contents stay, PROT_NONE or not */
		pg->pte_w = false;
	}
}

/* Give back every held page. */
static void release_held(void)
{
	while (nheld) {
		nheld--;
		page_free_run(held[nheld], (size_t)BIT(held_order[nheld]));
		held_pages -= (size_t)BIT(held_order[nheld]);
	}
}

/* Hold a run of 2^order pages (0: none to be had). */
static bool hold(paddr_t pa, unsigned order)
{
	if (!pa)
		return false;
	CHECK(nheld < RAM_PAGES);
	held[nheld] = pa;
	held_order[nheld++] = order;
	held_pages += BIT(order);
	return true;
}

/*
 * Hold pages until only `keep` are free (or none is): in the largest
 * aligned runs that fit, down from a block, so that few calls take and
 * give back thousands of pages.
 */
static void squeeze(size_t keep)
{
	for (int o = BLOCK_ORDER; o >= 0; o--)
		while (page_free_count() >= keep + BIT(o) &&
		       hold(o ? page_alloc_aligned((unsigned)o) : page_alloc(), (unsigned)o))
			;
}

/*
 * The settings operation (op 0, window field 2), Linux's sysfs switches at
 * run time: a[1:0] the folio orders (none; the one order 1 + a[7:2] mod
 * FOLIO_MAX_ORDER; all, 2 pages to half a block; that order and 1 + c mod
 * FOLIO_MAX_ORDER), b[1:0] thp (never, always, unchanged), b[2] gives the
 * held memory back, b[3] holds memory until c * 4 pages are free.
 */
static void op_settings(uint8_t a, uint8_t b, uint8_t c)
{
	unsigned one = BIT(1 + (a >> 2) % FOLIO_MAX_ORDER);
	unsigned orders[4] = { 0, one, FOLIO_ORDERS_ALL, one | BIT(1 + c % FOLIO_MAX_ORDER) };

	CHECK(mm_set_folios(&mm, orders[a & 3]) == 0);
	if ((b & 3) < 2)
		mm_set_thp(&mm, b & 1);
	if (b & 4)
		release_held();
	if (b & 8)
		squeeze((size_t)c * 4);
}

/*
 * With a's bit 6, before the access, a fault the MMU raises only in ways
 * the fake cannot (its entries always have AF = 1, and its TLB is exact),
 * on a page the access may touch: an Access flag fault, whose entry is
 * rewritten, or with c's bit 0 a permission fault on an entry that already
 * allows the access (a stale TLB entry), which only flushes. Neither
 * changes the page's state. The fault is reported at the leaf's level.
 */
static void extra_fault(int w, int i, unsigned access, uint8_t c)
{
	const struct page *pg = &model[w][i];
	unsigned lvl;
	int level = PGT_LAST_LEVEL;

	if ((pg->st != ZERO && pg->st != PRIVATE) || !(pg->flags & access))
		return;
	CHECK(pgt_lookup(&pgt, page_va(w, i), NULL, NULL, &level) == 0);
	lvl = (unsigned)level << FAULT_LEVEL_SHIFT;
	if (!(c & 1)) {
		CHECK(do_page_fault(&mm, page_va(w, i), FAULT_ACCESS_FLAG | access | lvl) == 0);
		expect_af++;
	} else if (access != FAULT_WRITE || pg->pte_w) {
		CHECK(do_page_fault(&mm, page_va(w, i), FAULT_PERMISSION | access | lvl) == 0);
		CHECK(!fake_tlb_cached(page_va(w, i)));
		expect_spurious++;
	}
}

/* The folio orders of an input of `size` bytes (see the top). */
static unsigned folio_orders_for(size_t size)
{
	static const unsigned orders[4] = {
		0, BIT(1), BIT(2) | BIT(CONT_PTE_BITS), FOLIO_ORDERS_ALL,
	};

	return orders[size % 4] & FOLIO_ORDERS_ALL;
}

/*
 * The largest enabled order whose aligned range around page i lies in the
 * window and holds only untouched pages of i's VMA (one VMA: equal
 * neighbours are always merged), or 0.
 */
static unsigned best_order(int w, int i)
{
	for (unsigned o = FOLIO_MAX_ORDER; o >= 1; o--) {
		int n = 1 << o, base = i & ~(n - 1);
		bool fits = (mm.folio_orders & BIT(o)) && base + n <= npages[w];

		for (int k = base; fits && k < base + n; k++)
			fits = model[w][k].st == UNTOUCHED && model[w][k].flags == model[w][i].flags;
		if (fits)
			return o;
	}
	return 0;
}

/*
 * After a first write to page i succeeded: the folio the fault mapped (if
 * any) covers untouched pages of the same VMA only, is no smaller than the
 * best fit unless the allocator fell back, and its pages become private.
 */
static void folio_written(int w, int i, uint64_t folios0, uint64_t pages0, uint64_t fallback0)
{
	unsigned best = best_order(w, i);
	uint64_t n = mm.nr_folio_pages - pages0;
	int base;

	if (mm.nr_fault_folio == folios0) {
		CHECK(n == 0);
		CHECK(best == 0 || mm.nr_folio_fallback > fallback0);
		return;
	}
	CHECK(mm.nr_fault_folio == folios0 + 1 && n >= 2 && (n & (n - 1)) == 0);
	CHECK(n <= (uint64_t)npages[w] && n <= BIT(FOLIO_MAX_ORDER));
	CHECK(n >= (1ull << best) || mm.nr_folio_fallback > fallback0);
	base = i & ~(int)(n - 1);
	for (int k = base; k < base + (int)n; k++) {
		struct page *q = &model[w][k];
		paddr_t pa;

		CHECK(q->st == UNTOUCHED && q->flags == model[w][i].flags);
		CHECK(pgt_lookup(&pgt, page_va(w, k), &pa, NULL, NULL) == 0);
		CHECK(host(pa)[off(w, k)] == 0);
		q->st = PRIVATE;
		q->val = 0;
		q->pte_w = true;
	}
}

/* A write upgrade of a contiguous range makes every page of it writable. */
static void cont_upgraded(int w, int i)
{
	int base = i & ~(int)(CONT_PTES - 1);

	for (int k = base; k < base + (int)CONT_PTES && k < npages[w]; k++) {
		CHECK(model[w][k].st == PRIVATE && model[w][k].flags == model[w][i].flags);
		model[w][k].pte_w = true;
	}
}

/*
 * Whether an access to page i must map a block (thp=always): a heap page
 * whose naturally aligned block one VMA allowing the access covers, with
 * no table or block under the block's slot yet (Linux: pmd_none).
 */
static bool block_due(int w, int i, unsigned access)
{
	const pte_t *slot;
	int b = block_of(i);

	if (w != 0 || !mm.thp)
		return false;
	for (int k = b; k < b + (int)BLOCKP; k++)
		if (heap[k].st == UNMAPPED || heap[k].flags != heap[i].flags ||
		    !(heap[k].flags & access))
			return false;
	slot = pgt_slot(&pgt, page_va(0, i), BLOCK_LEVEL);
	return !slot || !arch_pte_present(*slot);
}

/*
 * A fault mapped a block around heap page i: fresh zeroed pages for a
 * write, the huge zero page for a read or fetch; every page of it was
 * untouched.
 */
static void block_mapped(int i, bool write)
{
	int level = 0;

	CHECK(pgt_lookup(&pgt, page_va(0, i), NULL, NULL, &level) == 0 && level == BLOCK_LEVEL);
	for (int k = block_of(i); k < block_of(i) + (int)BLOCKP; k++) {
		struct page *q = &heap[k];

		CHECK(q->st == UNTOUCHED && q->flags == heap[i].flags);
		q->st = write ? PRIVATE : ZERO;
		q->val = 0;
		q->pte_w = write;
		q->hz = !write;
	}
}

/* A write upgrade of a block (after mprotect) makes every page of it writable. */
static void block_upgraded(int i)
{
	for (int k = block_of(i); k < block_of(i) + (int)BLOCKP; k++) {
		CHECK(heap[k].st == PRIVATE && heap[k].flags == heap[i].flags);
		heap[k].pte_w = true;
	}
}

static void op_access(int w, unsigned access, int i, uint8_t a, uint8_t c)
{
	struct page *pg = &model[w][i];
	bool allowed = pg->st != UNMAPPED && (pg->flags & access);
	bool write = access == FAULT_WRITE, was_hz = pg->hz, due;
	uint64_t folios0 = mm.nr_fault_folio, pages0 = mm.nr_folio_pages;
	uint64_t fallback0 = mm.nr_folio_fallback, thp0 = mm.nr_fault_thp;
	uint64_t thpz0 = mm.nr_fault_thp_zero, thpfb0 = mm.nr_thp_fallback;
	uint64_t zsplit0 = mm.nr_thp_zero_split;
	unsigned attrs = 0;
	int level = 0;
	paddr_t pa;
	int err;

	if (a & 0x40)
		extra_fault(w, i, access, c);
	if (pgt_lookup(&pgt, page_va(w, i), NULL, &attrs, &level))
		attrs = 0;
	due = allowed && block_due(w, i, access);
	err = access_va(page_va(w, i), access, &pa);

	if (!allowed) {
		CHECK(err == -EFAULT);
		return;
	}
	if (err) {
		CHECK(err == -ENOMEM && page_free_count() < 2);
		hz_kept();
		return;
	}
	CHECK(mm.nr_thp_zero_split == zsplit0 + (was_hz && write));
	if (mm.nr_fault_thp != thp0 || mm.nr_fault_thp_zero != thpz0) {
		CHECK(due && mm.nr_thp_fallback == thpfb0);
		CHECK(mm.nr_fault_thp + mm.nr_fault_thp_zero == thp0 + thpz0 + 1);
		CHECK((mm.nr_fault_thp != thp0) == write);
		block_mapped(i, write);
	} else {
		CHECK(mm.nr_thp_fallback == thpfb0 + due); /* no aligned run */
		if (write && pg->st == UNTOUCHED)
			folio_written(w, i, folios0, pages0, fallback0);
		else if (write && pg->st == PRIVATE && !pg->pte_w && level == BLOCK_LEVEL)
			block_upgraded(i);
		else if (write && pg->st == PRIVATE && !pg->pte_w && (attrs & MM_CONT))
			cont_upgraded(w, i);
	}
	if (was_hz && write)
		hz_split(i); /* zero-page entries, this one then replaced */
	if (write) {
		CHECK((pa & PAGE_MASK) != mm.zero_pa);
		host(pa)[off(w, i)] = c;
		pg->st = PRIVATE;
		pg->val = c;
		pg->pte_w = true;
	} else if (pg->st == UNTOUCHED) {
		CHECK((pa & PAGE_MASK) == mm.zero_pa);
		pg->st = ZERO;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_range bank;

	if (fake_ram_init(RAM, &bank) || page_alloc_init(&bank, 1, NULL, 0) ||
	    pgt_init(&pgt) || mm_init(&mm, &pgt))
		abort();
	size_t all = page_free_count() + 2;

	fake_stats_reset();
	mm.brk_limit = HPAGES * P;
	memset(heap, 0, sizeof(heap));
	memset(fixed, 0, sizeof(fixed));
	memset(top, 0, sizeof(top));
	heap_hw = 0;
	free0 = page_free_count();
	expect_af = expect_spurious = nr_edge_splits = 0;
	nheld = held_pages = 0;
	squeeze(FREE_PAGES);
	mm_set_thp(&mm, true);
	CHECK(mm_set_folios(&mm, folio_orders_for(size)) == 0);
	for (size_t pos = 0; pos + 4 <= size; pos += 4) {
		uint8_t op = data[pos], a = data[pos + 1], b = data[pos + 2], c = data[pos + 3];
		int field = (op >> 3) & 3, w = field == 3 ? 0 : field;
		bool big = field == 3; /* the heap window at block scale */
		unsigned prot = prots[(op >> 5) & 3];

		if (a & 0x80) /* sometimes switch the lookup cache */
			mm_set_vmacache(&mm, b & 1);
		switch (op & 7) {
		case 0:
			if (field == 2)
				op_settings(a, b, c);
			else
				op_brk(big, a, b, c);
			break;
		case 1: op_mmap_fixed(w, big, prot, a, b, c); break;
		case 2: op_mmap_any(prot, b); break;
		case 3: op_munmap(w, big, a, b, c); break;
		case 4: op_mprotect(w, big, prot, a, b, c); break;
		case 5: op_access(w, FAULT_READ, page_index(big, a, b), a, c); break;
		case 6: op_access(w, FAULT_WRITE, page_index(big, a, b), a, c); break;
		case 7: op_access(w, FAULT_EXEC, page_index(big, a, b), a, c); break;
		}
		verify();
	}
	release_held();
	if (getenv("FUZZ_MM_COUNTS")) /* which paths this input reached */
		printf("fuzz_mm: thp %llu, huge zero %llu, its splits %llu, edge splits %llu, "
		       "thp fallback %llu, folios %llu (%llu pages), folio fallback %llu, oom %llu\n",
		       (unsigned long long)mm.nr_fault_thp, (unsigned long long)mm.nr_fault_thp_zero,
		       (unsigned long long)mm.nr_thp_zero_split, (unsigned long long)nr_edge_splits,
		       (unsigned long long)mm.nr_thp_fallback, (unsigned long long)mm.nr_fault_folio,
		       (unsigned long long)mm.nr_folio_pages, (unsigned long long)mm.nr_folio_fallback,
		       (unsigned long long)mm.nr_fault_oom);
	mm_destroy(&mm);
	CHECK(page_free_count() == all - 1); /* only the root table is left */
	pgt_destroy(&pgt);
	CHECK(page_free_count() == all);
	fake_ram_free();
	return 0;
}
