/*
 * libFuzzer target for mm/: an input is a program of 4-byte operations
 * (brk, mmap, munmap, mprotect, read, write, execute) run against the real
 * mm over the fake MMU and, side by side, against a reference model: one
 * record per page of three 64-page windows (the heap, a fixed-mapping area,
 * the top of the mmap area) holding its protection, whether it is unmapped,
 * untouched, mapped to the zero page or private, and one tracked byte.
 * Pages under PROT_NONE keep their state and byte: the MMU must fault on
 * every access to them, yet the tables must still hold them (pgt_lookup
 * gives MM_NONE and the page), and they come back with the next mprotect.
 *
 * After every operation: mm_check (tree, list, VMAs, counters, page
 * tables), then every modelled page through fake_translate (what the MMU
 * would do for a read and a write, including stale TLB entries), its
 * contents, and the page accounting. Any disagreement aborts.
 *
 * Large folios: the input's length modulo 4 (the bytes after its last whole
 * operation) chooses the folio orders (none, 2 pages, 4 pages and a
 * contiguous range where one fits a window, or every order that fits a
 * window). The target is built at every granule of the fake (fuzz_mm_g14,
 * fuzz_mm_g16). A first write then
 * may map a folio: the model checks that it covers only untouched pages of
 * the faulting page's VMA, that it is the largest enabled order that fits
 * (or that the allocator's fallback was counted), and marks its pages
 * private and zeroed; a write upgrade of a contiguous range makes all of
 * its pages writable.
 *
 *   op byte: bits [2:0] operation, [4:3] window, [6:5] protection
 *   a, b, c: operands (page index, length, value); a's bit 7 switches the
 *   lookup cache, a's bit 6 raises an Access flag or spurious fault before
 *   a read, write or execute, b's bit 7 makes an mprotect of length 0
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
#define WPAGES 64
#define P PAGE_SIZE
#define RAM ((3ull << 20) * (PAGE_SIZE >> 12)) /* 768 pages: memory runs out */

enum state { UNMAPPED, UNTOUCHED, ZERO, PRIVATE };

struct page {
	enum state st;
	unsigned long flags; /* VM_* of its VMA */
	bool pte_w;          /* private page's entry writable */
	uint8_t val;         /* byte at offset off(page) */
};

static struct page model[NWIN][WPAGES];
static const vaddr_t win_base[NWIN] = {
	MM_HEAP_BASE, 0x200000000000ull, TASK_SIZE - WPAGES * P,
};
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
	for (int k = i; k < i + n && k < WPAGES; k++)
		model[w][k] = (struct page){ .st = st, .flags = flags };
}

/* Everything the MMU and the counters must show, page by page. */
static void verify(void)
{
	size_t priv = 0;

	CHECK(mm_check(&mm) == 0);
	for (int w = 0; w < NWIN; w++) {
		for (int i = 0; i < WPAGES; i++) {
			const struct page *pg = &model[w][i];
			vaddr_t va = page_va(w, i);
			paddr_t pa;
			unsigned f = fake_translate(&pgt, va, FAULT_READ, &pa);

			switch (pg->st) {
			case UNMAPPED:
			case UNTOUCHED:
				CHECK(f & FAULT_TRANSLATION);
				break;
			case ZERO:
			case PRIVATE:
				if (pg->flags & VM_ACCESS) {
					CHECK(f == 0);
					f = fake_translate(&pgt, va, FAULT_WRITE, NULL);
					CHECK(pg->pte_w ? f == 0 : (f & FAULT_PERMISSION) != 0);
				} else { /* PROT_NONE: kept */
					unsigned attrs;

					CHECK(f & FAULT_TRANSLATION);
					CHECK(fake_translate(&pgt, va, FAULT_WRITE, NULL) &
					      FAULT_TRANSLATION);
					CHECK(pgt_lookup(&pgt, va, &pa, &attrs, NULL) == 0);
					CHECK(attrs == MM_NONE);
				}
				CHECK(((pa & PAGE_MASK) == mm.zero_pa) == (pg->st == ZERO));
				if (pg->st == PRIVATE) {
					CHECK(host(pa)[off(w, i)] == pg->val);
					CHECK(host(pa)[off(w, i) + 1] == 0);
					priv++;
				}
				break;
			}
		}
	}
	CHECK(mm_resident_pages(&mm) == priv);
	CHECK(mm.nr_fault_spurious == expect_spurious);
	CHECK(mm.nr_fault_af == expect_af);
	CHECK(fake_stats.bbm_violations == 0);
	CHECK(pgt.table_pages == 1 + mm_table_pages(&mm));
	CHECK(free0 == page_free_count() + mm_resident_pages(&mm) + mm_table_pages(&mm) +
			       mm.vma_pool.nr_pages);
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

static void op_brk(uint8_t a, uint8_t b)
{
	vaddr_t old = mm.brk, oldal = ALIGN_UP(old, P);
	vaddr_t req = MM_HEAP_BASE + (a % (WPAGES + 8)) * P + (b & 1 ? b * 29 % P : 0);
	vaddr_t newal = ALIGN_UP(req, P), got;
	bool ok = req - MM_HEAP_BASE <= mm.brk_limit;
	int i0 = (int)((oldal - MM_HEAP_BASE) / P), i1 = (int)((newal - MM_HEAP_BASE) / P);

	/*
	 * Linux 6.12: growing needs [oldbrk, newbrk + PAGE_SIZE) free (the page
	 * above the heap stays free; the page past the window always is);
	 * shrinking needs some page of [newbrk, oldbrk) mapped.
	 */
	if (ok && newal > oldal)
		for (int k = i0; k <= i1 && k < WPAGES; k++)
			ok &= model[0][k].st == UNMAPPED;
	if (ok && newal < oldal)
		ok = !all_unmapped(0, i1, i0 - i1);
	got = do_brk(&mm, req);
	if (!ok) {
		CHECK(got == old);
		return;
	}
	if (got == old && req != old) {
		CHECK(page_free_count() == 0); /* only out of memory may refuse */
		return;
	}
	CHECK(got == req);
	if (newal > oldal)
		set_range(0, i0, i1 - i0, UNTOUCHED, VM_READ | VM_WRITE | VM_HEAP);
	else if (newal < oldal)
		set_range(0, i1, i0 - i1, UNMAPPED, 0);
}

static void op_mmap_fixed(int w, unsigned prot, uint8_t a, uint8_t b)
{
	int i = a % WPAGES, n = MIN(1 + b % 8, WPAGES - i);
	vaddr_t out;
	int err = do_mmap(&mm, page_va(w, i), (uint64_t)n * P, prot,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out);

	if (err) {
		CHECK(err == -ENOMEM && page_free_count() == 0);
		return;
	}
	CHECK(out == page_va(w, i));
	set_range(w, i, n, UNTOUCHED, prot | (prot ? VM_READ : 0));
}

static void op_mmap_any(unsigned prot, uint8_t b)
{
	int n = 1 + b % 8;
	vaddr_t va;
	int err = do_mmap(&mm, 0, (uint64_t)n * P, prot, MAP_PRIVATE | MAP_ANONYMOUS, &va);

	if (err) {
		CHECK(err == -ENOMEM && page_free_count() == 0);
		return;
	}
	CHECK(va >= MM_MMAP_MIN && va + n * P <= TASK_SIZE && IS_ALIGNED(va, P));
	if (va >= win_base[2]) {
		int i = (int)((va - win_base[2]) / P);

		for (int k = i; k < i + n; k++)
			CHECK(model[2][k].st == UNMAPPED);
		set_range(2, i, n, UNTOUCHED, prot | (prot ? VM_READ : 0));
	} else {
		err = do_munmap(&mm, va, (uint64_t)n * P); /* outside the model */
		CHECK(!err || (err == -ENOMEM && page_free_count() == 0));
	}
}

static void op_munmap(int w, uint8_t a, uint8_t b)
{
	int i = a % WPAGES, n = MIN(1 + b % 16, WPAGES - i);
	int err = do_munmap(&mm, page_va(w, i), (uint64_t)n * P);

	if (err) {
		CHECK(err == -ENOMEM && page_free_count() == 0);
		return;
	}
	set_range(w, i, n, UNMAPPED, 0);
}

/*
 * mprotect of n pages; with b's top bit, of length 0 instead, which Linux
 * accepts whatever prot is (0x100 is no PROT_* bit), once start is aligned.
 */
static void op_mprotect(int w, unsigned prot, uint8_t a, uint8_t b, uint8_t c)
{
	int i = a % WPAGES, n = MIN(1 + b % 16, WPAGES - i);
	unsigned long access = prot | (prot ? VM_READ : 0);
	int err;

	if (b & 0x80) {
		err = do_mprotect(&mm, page_va(w, i) + (c & 1), 0, prot | (c & 2 ? 0x100 : 0));
		CHECK(err == (c & 1 ? -EINVAL : 0));
		return;
	}
	err = do_mprotect(&mm, page_va(w, i), (uint64_t)n * P, prot);

	if (!all_mapped(w, i, n)) {
		CHECK(err == -ENOMEM);
		return;
	}
	if (err) {
		CHECK(err == -ENOMEM && page_free_count() == 0);
		return;
	}
	for (int k = i; k < i + n; k++) {
		struct page *pg = &model[w][k];
		unsigned long nf = (pg->flags & ~VM_ACCESS) | access;

		if (nf == pg->flags)
			continue;
		pg->flags = nf; /* state and contents stay, PROT_NONE or not */
		pg->pte_w = false;
	}
}

/*
 * With a's bit 6, before the access, a fault the MMU raises only in ways
 * the fake cannot (its entries always have AF = 1, and its TLB is exact),
 * on a page the access may touch: an Access flag fault, whose entry is
 * rewritten, or with c's bit 0 a permission fault on an entry that already
 * allows the access (a stale TLB entry), which only flushes. Neither
 * changes the page's state.
 */
static void extra_fault(int w, int i, unsigned access, uint8_t c)
{
	const struct page *pg = &model[w][i];
	unsigned level3 = 3u << FAULT_LEVEL_SHIFT;

	if ((pg->st != ZERO && pg->st != PRIVATE) || !(pg->flags & access))
		return;
	if (!(c & 1)) {
		CHECK(do_page_fault(&mm, page_va(w, i), FAULT_ACCESS_FLAG | access | level3) == 0);
		expect_af++;
	} else if (access != FAULT_WRITE || pg->pte_w) {
		CHECK(do_page_fault(&mm, page_va(w, i), FAULT_PERMISSION | access | level3) == 0);
		CHECK(!fake_tlb_cached(page_va(w, i)));
		expect_spurious++;
	}
}

/* The folio orders of an input of `size` bytes (see the top). */
static unsigned folio_orders_for(size_t size)
{
	static const unsigned orders[4] = {
		0, BIT(1), BIT(2) | BIT(CONT_PTE_BITS), 0x7e /* 2 to 64 pages */
	};

	return orders[size % 4] & FOLIO_ORDERS_ALL & 0x7e; /* a folio fits a window */
}

/*
 * The largest enabled order whose aligned range around page i lies in the
 * window and holds only untouched pages of i's VMA (one VMA: equal
 * neighbours are always merged), or 0.
 */
static unsigned best_order(int w, int i)
{
	for (unsigned o = 6; o >= 1; o--) {
		int n = 1 << o, base = i & ~(n - 1);
		bool fits = (mm.folio_orders & BIT(o)) && base + n <= WPAGES;

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
	CHECK(n <= WPAGES);
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

	for (int k = base; k < base + (int)CONT_PTES && k < WPAGES; k++) {
		CHECK(model[w][k].st == PRIVATE && model[w][k].flags == model[w][i].flags);
		model[w][k].pte_w = true;
	}
}

static void op_access(int w, unsigned access, uint8_t a, uint8_t c)
{
	int i = a % WPAGES;
	struct page *pg = &model[w][i];
	bool allowed = pg->st != UNMAPPED && (pg->flags & access);
	uint64_t folios0 = mm.nr_fault_folio, pages0 = mm.nr_folio_pages;
	uint64_t fallback0 = mm.nr_folio_fallback;
	unsigned attrs = 0;
	paddr_t pa;
	int err;

	if (a & 0x40)
		extra_fault(w, i, access, c);
	if (pgt_lookup(&pgt, page_va(w, i), NULL, &attrs, NULL))
		attrs = 0;
	err = access_va(page_va(w, i), access, &pa);

	if (!allowed) {
		CHECK(err == -EFAULT);
		return;
	}
	if (err) {
		CHECK(err == -ENOMEM && page_free_count() == 0);
		return;
	}
	if (access == FAULT_WRITE && pg->st == UNTOUCHED)
		folio_written(w, i, folios0, pages0, fallback0);
	else if (access == FAULT_WRITE && pg->st == PRIVATE && !pg->pte_w && (attrs & MM_CONT))
		cont_upgraded(w, i);
	if (access == FAULT_WRITE) {
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
	mm.brk_limit = WPAGES * P;
	memset(model, 0, sizeof(model));
	free0 = page_free_count();
	expect_af = expect_spurious = 0;
	CHECK(mm_set_folios(&mm, folio_orders_for(size)) == 0);
	for (size_t pos = 0; pos + 4 <= size; pos += 4) {
		uint8_t op = data[pos], a = data[pos + 1], b = data[pos + 2], c = data[pos + 3];
		int w = (op >> 3) & 3;
		unsigned prot = prots[(op >> 5) & 3];

		if (w == NWIN)
			w = 1;
		if (a & 0x80) /* sometimes switch the lookup cache */
			mm_set_vmacache(&mm, b & 1);
		switch (op & 7) {
		case 0: op_brk(a, b); break;
		case 1: op_mmap_fixed(w, prot, a, b); break;
		case 2: op_mmap_any(prot, b); break;
		case 3: op_munmap(w, a, b); break;
		case 4: op_mprotect(w, prot, a, b, c); break;
		case 5: op_access(w, FAULT_READ, a, c); break;
		case 6: op_access(w, FAULT_WRITE, a, c); break;
		case 7: op_access(w, FAULT_EXEC, a, c); break;
		}
		verify();
	}
	mm_destroy(&mm);
	CHECK(page_free_count() == all - 1); /* only the root table is left */
	pgt_destroy(&pgt);
	CHECK(page_free_count() == all);
	fake_ram_free();
	return 0;
}
