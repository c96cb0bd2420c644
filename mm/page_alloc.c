/*
 * Physical page allocator: one bitmap per RAM bank, bit i set = page i of
 * the bank free, and a page cache per CPU. All bitmaps sit together in one
 * run of pages carved from free RAM at init ("the bitmap range", reserved
 * like the kernel image):
 *
 *   bitmap range: | bank 0 map | [owned] [given] | bank 1 map | [owned] [given] | ...
 *
 * ([owned], bit set = page managed, and [given], bit set = page handed out,
 * exist in debug builds only.)
 *
 * Every free page is in exactly one place: its bank's map, or the cache of
 * one CPU. A CPU's cache is one word of a map, taken whole with one swap
 * (arch_xchg to 0): page_alloc() then hands out its lowest set bit (count
 * trailing zeroes) with no atomic and no shared write; when it is empty the
 * slow path swaps the next word. page_free() puts a page into this CPU's
 * cache when it lies in the cached word's range, else into the map with an
 * atomic OR (a release: what the page held is ordered before). So the
 * shared map is written once per 64 allocations, not once per fault. A
 * cache never holds more than its word, so it never has to spill on a
 * free; it goes back to the map whole when a run on its CPU finds nothing
 * (search_again) and in page_alloc_drain.
 *
 * Counts are per CPU (struct page_counts: pages each CPU put into and took
 * out of each map, written only by their CPU), summed on read, plus the
 * pages the caches hold: exact whenever no CPU is inside the allocator.
 *
 * Hints: each CPU keeps, per bank, a word index below which every word was
 * 0 when it last looked (struct refill_hints, in a line of its own: a
 * refill writes no line another CPU's refill writes, but the map word it
 * swaps), and each bank one per aligned order; written by the slow paths
 * and lowered by frees to the map (every CPU's), never by page_alloc's
 * fast path. On one CPU they are exact; a race
 * between a free lowering one and a slow path raising it can leave one too
 * high, so a scan that finds nothing from its hint scans once from word 0
 * while the counts say the map still has free pages.
 *
 * Runs (page_alloc_run, page_alloc_aligned) hold run_lock, which orders
 * them against each other only: against the lock-free swaps and ORs they
 * claim their bits word by word with compare-and-swap and give back what
 * they claimed when a word changed under them. A folio or block fault
 * takes run_lock, so it is counted as a contended lock (lib/lockstat.h):
 * its wait loop counts the waits (arch_spin_lock_as, ARCH_LOCK_PAGE_RUN),
 * its tickets the acquisitions.
 *
 * Statistics (page_alloc_cache_stats), Linux's vmstat in miniature, with
 * nothing added to page_alloc's fast path: each cache counts, on its own
 * line, its refills and the pages they brought (the slow path, once per
 * word), its spills (words given back to the map with pages in them:
 * search_again, drain) and their pages, and the pages page_free put into
 * it (page_free's fast path: munmap's, off the fault path). Its hits, the
 * pages the fast path handed out, follow from these: every page that
 * entered the cache left it as a hit, a refill's own page or a spill, or
 * is in it still.
 *
 * Init costs one store per 64 pages (the bitmap fill) plus one word per 64
 * reserved pages; nothing loops over every page of RAM.
 */
#include "mm/page_alloc.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/lockstat.h"
#include "lib/printf.h"
#include "mm/arch.h"
#include "mm/percpu.h"
#include <arch/atomic.h>
#include <arch/spinlock.h>

#define WORD_BITS 64
#define ALIGNED_ORDERS 16 /* orders 1..16 keep a hint of their own */
#define PA_LIMIT BIT(48) /* what the translation tables can map */
#define CACHE_LINE 64 /* per-CPU data of different CPUs never shares a line */

#ifdef FAULTLINE_DEBUG
#define MAPS_PER_BANK 3 /* free map + owned map + given map */
#else
#define MAPS_PER_BANK 1
#endif

struct bank {
	paddr_t base;   /* address of bit 0 (page aligned) */
	size_t idx;     /* its index in banks[]: the counts' */
	size_t pages;   /* pages spanned, bits in the map */
	size_t words;   /* words of the map */
	size_t managed; /* pages managed (free or allocated) */
	size_t nfree0;  /* bits set in the map after init: the counts start there */
	uint64_t ahint[ALIGNED_ORDERS]; /* word index: no word below it held a
					   free aligned run of 2^(k+1) pages */
	uint64_t aseen[ALIGNED_ORDERS]; /* pages put into the map (all CPUs) when
					   ahint[k] was last set to "none" */
	uint64_t *map;  /* bit set: page free (and not in a cache) */
#ifdef FAULTLINE_DEBUG
	uint64_t *owned; /* bit set: page managed, i.e. not reserved */
	uint64_t *given; /* bit set: page handed out */
#endif
};

/*
 * One CPU's page cache: the free pages of one map word it took whole. Only
 * its CPU touches it, except page_alloc_drain and the counts at quiescent
 * points. span == 0: no word (frees go to the map).
 */
struct page_cache {
	uint64_t bits;     /* free pages held: bit i is page base + i pages */
	paddr_t base;      /* the word's first page */
	uint64_t span;     /* bytes of the word inside its bank (0: no word) */
	struct bank *bank; /* the word's bank */
	size_t word;       /* its index in bank->map */
	/* statistics (page_alloc_cache_stats) */
	uint64_t refills;      /* words taken in (alloc_refill) */
	uint64_t refill_pages; /* the free pages they held */
	uint64_t spills;       /* words given back with pages in them */
	uint64_t spill_pages;  /* the pages they held */
	uint64_t frees;        /* pages page_free put into the cache */
#ifdef FAULTLINE_DEBUG
	uint64_t handed;       /* pages handed out, one by one (tests) */
#endif
} __attribute__((aligned(CACHE_LINE)));

/* One CPU's counts of pages it put into / took out of each bank's map,
 * ever (they only grow; their difference is what counts). Written only by
 * their CPU; others read them. */
struct page_counts {
	uint64_t put[PAGE_ALLOC_MAX_BANKS];
	uint64_t got[PAGE_ALLOC_MAX_BANKS];
} __attribute__((aligned(CACHE_LINE)));

static struct bank banks[PAGE_ALLOC_MAX_BANKS];
static size_t nbanks;
static struct mem_range bitmaps;
static struct page_cache caches[NR_CPUS];
static struct page_counts counts[NR_CPUS];

/* One CPU's hints: per bank, a word index below which every word of the map
 * was 0 when this CPU last looked (lowered by every free to the map). Any
 * CPU's is a bound; each CPU scans from its own. */
static struct refill_hints {
	uint64_t word[PAGE_ALLOC_MAX_BANKS];
} __attribute__((aligned(CACHE_LINE))) hints[NR_CPUS];
static arch_spinlock_t run_lock = ARCH_SPINLOCK_UNLOCKED;

/*
 * Whether the maps are written with atomics: from page_alloc_smp() on. The
 * kernel allocates its boot tables with the MMU off, where memory is Device
 * memory and exclusives need not work; one CPU runs then, so plain
 * read-modify-writes are enough. The fake has no MMU to wait for.
 */
#ifdef FAULTLINE_HOST
static bool smp = true;
#else
static bool smp;
#endif

/* The index of w's lowest set bit (w != 0). */
static inline unsigned ctz64(uint64_t w)
{
	return (unsigned)__builtin_ctzll(w);
}

/* Bit counting without the SIMD CNT instruction (the kernel is built without FP/SIMD). */
static unsigned popcount64(uint64_t w)
{
	if (w == ~0ull)
		return WORD_BITS;
	w = w - ((w >> 1) & 0x5555555555555555ull);
	w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((w * 0x0101010101010101ull) >> 56);
}

/* Mask of bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static uint64_t word_mask(size_t lo, size_t hi)
{
	uint64_t upto = hi == WORD_BITS ? ~0ull : BIT(hi) - 1;

	return upto & (~0ull << lo);
}

/* The word of map bits [from, to) that holds `from`, its mask, and where the next word's part starts. */
static uint64_t part_mask(size_t from, size_t to, size_t *next)
{
	size_t i = from / WORD_BITS;
	size_t hi = MIN(to - i * WORD_BITS, WORD_BITS);

	*next = i * WORD_BITS + hi;
	return word_mask(from % WORD_BITS, hi);
}

/* Whether bit i of map is set (one racy read). */
static bool test_bit(const uint64_t *map, size_t i)
{
	return arch_read_once(&map[i / WORD_BITS]) & BIT(i % WORD_BITS);
}

/* Set (or clear) bits [from, to) with plain stores (init only); returns how many were set before. */
static size_t assign_bits(uint64_t *map, size_t from, size_t to, bool set)
{
	size_t n = 0;

	while (from < to) {
		size_t i = from / WORD_BITS, next;
		uint64_t mask = part_mask(from, to, &next);

		n += popcount64(map[i] & mask);
		map[i] = set ? map[i] | mask : map[i] & ~mask;
		from = next;
	}
	return n;
}

/* The first bit at or after `start` that is set (want = true) or clear; nbits if none. */
static size_t find_bit(const uint64_t *map, size_t nbits, size_t start, bool want)
{
	uint64_t flip = want ? 0 : ~0ull;
	size_t i = start / WORD_BITS;
	uint64_t w;

	if (start >= nbits)
		return nbits;
	w = (arch_read_once(&map[i]) ^ flip) & (~0ull << (start % WORD_BITS));
	while (!w) {
		if (++i * WORD_BITS >= nbits)
			return nbits;
		w = arch_read_once(&map[i]) ^ flip;
	}
	return MIN(i * WORD_BITS + ctz64(w), nbits);
}

/* The address after bank b's last page. */
static paddr_t bank_end(const struct bank *b)
{
	return b->base + ((paddr_t)b->pages << PAGE_SHIFT);
}

/* The bank that spans pa, or NULL. */
static struct bank *bank_of(paddr_t pa)
{
	for (size_t k = 0; k < nbanks; k++)
		if (pa - banks[k].base < (paddr_t)banks[k].pages << PAGE_SHIFT)
			return &banks[k];
	return NULL;
}

/* The address of page i of bank b. */
static paddr_t page_addr(const struct bank *b, size_t i)
{
	return b->base + ((paddr_t)i << PAGE_SHIFT);
}

/* ---------------------------------------------------------------------------
 * The maps' read-modify-writes: atomics once page_alloc_smp() ran, plain
 * ones before (one CPU, maybe with the MMU off).
 */

/* Take a whole map word: it becomes 0; returns what it held. Fully ordered. */
static uint64_t map_swap_out(uint64_t *w)
{
	uint64_t v;

	if (smp)
		return arch_xchg(w, 0);
	v = *w;
	*w = 0;
	return v;
}

/* Set bits in a map word: a release (the pages' contents are ordered before). */
static void map_or(uint64_t *w, uint64_t bits)
{
	if (smp)
		arch_atomic_or(w, bits);
	else
		*w |= bits;
}

/* Compare-and-swap a map word: as arch_cmpxchg. */
static bool map_cmpxchg(uint64_t *w, uint64_t *expected, uint64_t desired)
{
	if (smp)
		return arch_cmpxchg(w, expected, desired);
	if (*w != *expected) {
		*expected = *w;
		return false;
	}
	*w = desired;
	return true;
}

/* ---------------------------------------------------------------------------
 * Counts and hints.
 */

/* This CPU's counts. */
static struct page_counts *my_counts(void)
{
	return &counts[arch_cpu_id()];
}

/* This CPU put n pages into b's map (a release: the ORs before it are
 * visible to whoever sees the count, which the aligned scans rely on). */
static void count_put(struct page_counts *pc, const struct bank *b, uint64_t n)
{
	uint64_t *p = &pc->put[b->idx];

	arch_store_release(p, *p + n);
}

/* This CPU took n pages out of b's map. */
static void count_got(struct page_counts *pc, const struct bank *b, uint64_t n)
{
	uint64_t *p = &pc->got[b->idx];

	arch_write_once(p, *p + n);
}

/* Pages every CPU put into b's map, ever (grows with each free to the map). */
static uint64_t put_sum(const struct bank *b)
{
	uint64_t n = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		n += arch_load_acquire(&counts[cpu].put[b->idx]);
	return n;
}

/* Free pages in b's map: exact at a quiescent point, an estimate otherwise. */
static int64_t map_free(const struct bank *b)
{
	uint64_t n = b->nfree0 + put_sum(b);

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		n -= arch_read_once(&counts[cpu].got[b->idx]);
	return (int64_t)n;
}

/* Free pages the caches hold in bank b (quiescent points only). */
static size_t cached_free(const struct bank *b)
{
	size_t n = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (caches[cpu].span && caches[cpu].bank == b)
			n += popcount64(caches[cpu].bits);
	return n;
}

/* Word wi of b's map got free pages: lower the hints above it (releases:
 * a run that sees a lowered hint, or overwrites it, also sees the count
 * this CPU put before, see aligned_words). */
static void lower_hints(struct bank *b, uint64_t wi)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (wi < arch_read_once(&hints[cpu].word[b->idx]))
			arch_store_release(&hints[cpu].word[b->idx], wi);
	for (int k = 0; k < ALIGNED_ORDERS; k++)
		if (wi < arch_read_once(&b->ahint[k]))
			arch_store_release(&b->ahint[k], wi);
}

/* Put bits (n of them) of map word wi of b back (pages freed or a cache returned). */
static inline void map_put_bits(struct bank *b, size_t wi, uint64_t bits, uint64_t n,
				struct page_counts *pc)
{
	assert(!(arch_read_once(&b->map[wi]) & bits) && "double free");
	map_or(&b->map[wi], bits);
	count_put(pc, b, n);
	lower_hints(b, wi);
}

/* Put bits of map word wi of b back. */
static void map_put_word(struct bank *b, size_t wi, uint64_t bits, struct page_counts *pc)
{
	map_put_bits(b, wi, bits, popcount64(bits), pc);
}

/* ---------------------------------------------------------------------------
 * Debug builds: who holds each page, kept with atomics, and poisoning.
 */
#ifdef FAULTLINE_DEBUG
/* Mark pages [i, i + n) of b handed out (give) or back; assert each was in the other state. */
static void debug_mark(struct bank *b, size_t i, size_t n, bool give)
{
	for (size_t to = i + n, next; i < to; i = next) {
		size_t wi = i / WORD_BITS;
		uint64_t mask = part_mask(i, to, &next), old = arch_read_once(&b->given[wi]);

		assert((b->owned[wi] & mask) == mask &&
		       "free of a page the allocator does not manage");
		do {
			assert((give ? !(old & mask) : (old & mask) == mask) &&
			       (give ? "a free page handed out twice" : "double free"));
		} while (!map_cmpxchg(&b->given[wi], &old, give ? old | mask : old & ~mask));
	}
}

/* Fill n pages at pa with PAGE_POISON. */
static void poison(paddr_t pa, size_t n)
{
	uint64_t *p = arch_phys_to_virt(pa);
	uint64_t pattern = 0x0101010101010101ull * PAGE_POISON;

	for (size_t i = 0; i < n * PAGE_SIZE / sizeof(*p); i++)
		p[i] = pattern;
}

/* Pages [i, i + n) of b were free and are handed out now. */
static void debug_alloc(struct bank *b, size_t i, size_t n)
{
	debug_mark(b, i, n, true);
}

/* Every page of the run must be managed and handed out; then poison it. */
static void debug_free(struct bank *b, size_t i, size_t n)
{
	debug_mark(b, i, n, false);
	poison(page_addr(b, i), n);
}
#else
static inline void debug_alloc(struct bank *b, size_t i, size_t n)
{
}

static inline void debug_free(struct bank *b, size_t i, size_t n)
{
}
#endif

/* ---------------------------------------------------------------------------
 * Single pages: the per-CPU caches.
 */

/* Give cache c's pages back to their map (c empty, no word after). */
static void cache_return(struct page_cache *c, struct page_counts *pc)
{
	if (c->span && c->bits) {
		uint64_t n = popcount64(c->bits);

		c->spills++;
		c->spill_pages += n;
		map_put_bits(c->bank, c->word, c->bits, n, pc);
	}
	c->bits = 0;
	c->span = 0;
}

/* The lowest word of b's map at or after `from` that has a free page,
 * swapped out into *bits; b->words (and *bits 0) if none. */
static size_t swap_word(struct bank *b, size_t from, uint64_t *bits)
{
	for (size_t i = from; i < b->words; i++)
		if (arch_read_once(&b->map[i]) && (*bits = map_swap_out(&b->map[i])))
			return i;
	*bits = 0;
	return b->words;
}

/* Hand out the lowest page of cache c, whose bits w are not 0. */
static inline paddr_t cache_take(struct page_cache *c, uint64_t w)
{
	c->bits = w & (w - 1);
#ifdef FAULTLINE_DEBUG
	c->handed++;
#endif
	debug_alloc(c->bank, c->word * WORD_BITS + ctz64(w), 1);
	return c->base + ((paddr_t)ctz64(w) << PAGE_SHIFT);
}

/*
 * page_alloc's slow path: this CPU's cache is empty. Take the lowest word
 * with a free page of the lowest bank that has one (one swap) into it, and
 * a page from it. 0 if no map word has one: the cache is then left without
 * a word, so that frees go back to the map. (Its two counts take the
 * instructions that zeroing `bits` before each swap_word took: swap_word
 * clears it when it finds nothing. The usual refill fault is as long as
 * before; the rarer paths through here moved by a few instructions.)
 */
static __attribute__((noinline)) paddr_t alloc_refill(struct page_cache *c)
{
	struct page_counts *pc = my_counts();

	c->span = 0;
	for (size_t k = 0; k < nbanks; k++) {
		struct bank *b = &banks[k];
		uint64_t *h = &hints[c - caches].word[k], hint = arch_read_once(h), bits, n;
		size_t i;

		i = swap_word(b, hint, &bits);
		if (i == b->words && hint > 0 && map_free(b) > 0) /* a raced hint: look below it */
			i = swap_word(b, 0, &bits);
		if (i == b->words)
			continue;
		if (i != hint)
			arch_write_once(h, i);
		n = popcount64(bits);
		count_got(pc, b, n);
		c->bank = b;
		c->word = i;
		c->refills++;
		c->refill_pages += n;
		c->base = page_addr(b, i * WORD_BITS);
		c->span = (paddr_t)MIN(b->pages - i * WORD_BITS, WORD_BITS) << PAGE_SHIFT;
		return cache_take(c, bits);
	}
	return 0;
}

/* page_alloc: the lowest page of this CPU's cache; the slow path when it is empty. */
paddr_t page_alloc(void)
{
	struct page_cache *c = &caches[arch_cpu_id()];
	uint64_t w = c->bits;

	if (unlikely(!w))
		return alloc_refill(c);
	return cache_take(c, w);
}

/* Pages [i, i + n) of bank b back into its map, by this CPU. */
static void map_put(struct bank *b, size_t i, size_t n)
{
	struct page_counts *pc = my_counts();

	for (size_t to = i + n, next; i < to; i = next) {
		uint64_t mask = part_mask(i, to, &next);

		map_put_word(b, i / WORD_BITS, mask, pc);
	}
}

/* page_free's and page_free_run's way to the map. */
static __attribute__((noinline)) void free_to_map(paddr_t pa, size_t n)
{
	struct bank *b = bank_of(pa);
	size_t i;

	assert(b && IS_ALIGNED(pa, PAGE_SIZE) && "free of an unmanaged address");
	assert(n <= (bank_end(b) - pa) >> PAGE_SHIFT && "run beyond its bank");
	i = (pa - b->base) >> PAGE_SHIFT;
	debug_free(b, i, n);
	map_put(b, i, n);
}

/* page_free: into this CPU's cache when pa lies in its word, else to the map. */
void page_free(paddr_t pa)
{
	struct page_cache *c = &caches[arch_cpu_id()];
	paddr_t off = pa - c->base;
	uint64_t bit;

	if (unlikely(off >= c->span)) {
		free_to_map(pa, 1);
		return;
	}
	bit = BIT(off >> PAGE_SHIFT);
	assert(IS_ALIGNED(pa, PAGE_SIZE) && !(c->bits & bit) && "double free");
	debug_free(c->bank, c->word * WORD_BITS + (off >> PAGE_SHIFT), 1);
	c->bits |= bit;
	c->frees++;
}

void page_free_run(paddr_t pa, size_t n)
{
	if (n)
		free_to_map(pa, n);
}

/* ---------------------------------------------------------------------------
 * Runs: under run_lock, bits claimed by compare-and-swap.
 */

/* Claim bits `mask` of word wi of b's map by compare-and-swap; false,
 * with nothing changed, if one of them is not free (any more). */
static inline bool word_claim(struct bank *b, size_t wi, uint64_t mask)
{
	uint64_t old = arch_read_once(&b->map[wi]);

	do {
		if ((old & mask) != mask)
			return false;
	} while (!map_cmpxchg(&b->map[wi], &old, old & ~mask));
	return true;
}

/* Pages [s, s + n) of b were claimed by this CPU: count them, mark them. */
static inline void claimed(struct bank *b, size_t s, size_t n)
{
	count_got(my_counts(), b, n);
	debug_alloc(b, s, n);
}

/* Claim bits [s, s + n) of b's map word by word; false, with every word
 * claimed so far given back, if one of them is not free (any more). */
static bool map_claim(struct bank *b, size_t s, size_t n)
{
	size_t from, next;

	for (from = s; from < s + n; from = next)
		if (!word_claim(b, from / WORD_BITS, part_mask(from, s + n, &next)))
			goto undo;
	claimed(b, s, n);
	return true;
undo:
	for (size_t i = s; i < from; i = next)
		map_or(&b->map[i / WORD_BITS], part_mask(i, from, &next));
	return false;
}

/* First fit of n free pages in b's map from word `from`; 0 if none. */
static paddr_t run_scan(struct bank *b, size_t n, size_t from)
{
	size_t i = from * WORD_BITS;

	while (i < b->pages) {
		size_t s = find_bit(b->map, b->pages, i, true);
		size_t e = find_bit(b->map, b->pages, s, false);

		if (s >= b->pages)
			break;
		if (e - s < n)
			i = e;
		else if (map_claim(b, s, n))
			return page_addr(b, s);
		/* else: the run changed under us; look at it again */
	}
	return 0;
}

/* First fit of n pages aligned to `align` bytes in b's map, by runs; 0 if none. */
static paddr_t aligned_scan(struct bank *b, size_t n, paddr_t align, size_t from)
{
	size_t i = from * WORD_BITS;

	while (i < b->pages) {
		size_t s = find_bit(b->map, b->pages, i, true);
		size_t e = find_bit(b->map, b->pages, s, false);
		/* the first page of [s, e) whose address is aligned */
		paddr_t pa = ALIGN_UP(page_addr(b, s), align);
		size_t a = (size_t)((pa - b->base) >> PAGE_SHIFT);

		if (s >= b->pages)
			break;
		if (a >= e || e - a < n)
			i = e;
		else if (map_claim(b, a, n))
			return pa;
	}
	return 0;
}

/*
 * The first free aligned run of n = 2^order pages in bank b by whole words,
 * from word `from`: within a word (n <= 64), a group of n bits at a
 * multiple of n is free when its lowest bit survives folding the word onto
 * itself (w &= w >> 1, >> 2, ... >> n/2); above 64 pages, n / 64
 * consecutive full words at a multiple of n / 64. One pass, a load and a
 * test per full word. Bit i of the bank must be aligned as page i's address
 * is (checked by caller). *at: where the search stopped (a word index).
 */
static paddr_t aligned_words_scan(struct bank *b, unsigned order, size_t from, size_t *at)
{
	size_t n = (size_t)1 << order;

	if (n <= WORD_BITS) {
		uint64_t groups = n == WORD_BITS ? 1 : ~0ull / ((1ull << n) - 1); /* bit 0, n, 2n.. */

		for (size_t i = from; i < b->words; i++) {
			uint64_t x = arch_read_once(&b->map[i]);
			size_t bit;

			for (size_t sh = 1; sh < n && x; sh <<= 1)
				x &= x >> sh;
			x &= groups;
			if (!x)
				continue;
			bit = i * WORD_BITS + ctz64(x);
			*at = i;
			if (bit + n > b->pages)
				return 0;
			if (word_claim(b, i, word_mask(bit % WORD_BITS, bit % WORD_BITS + n))) {
				claimed(b, bit, n);
				return page_addr(b, bit);
			}
			i--; /* the word changed under us: look at it again */
		}
		*at = b->words;
		return 0;
	}
	for (size_t i = ALIGN_UP(from, n / WORD_BITS); i + n / WORD_BITS <= b->words;
	     i += n / WORD_BITS) {
		size_t k = 0;

		while (k < n / WORD_BITS && arch_read_once(&b->map[i + k]) == ~0ull)
			k++;
		if (k == n / WORD_BITS && (i + k) * WORD_BITS <= b->pages &&
		    map_claim(b, i * WORD_BITS, n))
			return page_addr(b, i * WORD_BITS);
	}
	*at = b->words;
	return 0;
}

/*
 * page_alloc_aligned in an aligned bank: from the order's hint (orders up
 * to 64 pages keep one); when that finds nothing, once more from word 0
 * unless no page came back to the map since a scan from word 0 last found
 * nothing (a free may have lowered the hint while a run raised it). The
 * count of pages put back is read before that scan, so a free it misses
 * counts as new next time.
 */
static paddr_t aligned_words(struct bank *b, unsigned order, uint64_t hint)
{
	size_t n = (size_t)1 << order, at;
	uint64_t seen;
	uint64_t *ahint = n <= WORD_BITS ? &b->ahint[order - 1] : NULL;
	size_t from = ahint ? MAX(hint, arch_read_once(ahint)) : hint;
	paddr_t pa = aligned_words_scan(b, order, from, &at);

	if (!pa && from > 0 && map_free(b) >= (int64_t)n) {
		seen = put_sum(b);
		if (!ahint || seen != b->aseen[order - 1]) {
			pa = aligned_words_scan(b, order, 0, &at);
			if (ahint && !pa)
				b->aseen[order - 1] = seen;
		}
	}
	if (ahint)
		arch_write_once(ahint, at);
	return pa;
}

/* One try at an aligned run in bank b from word `hint` (run_lock held). */
static paddr_t aligned_in_bank(struct bank *b, unsigned order, uint64_t hint)
{
	size_t n = (size_t)1 << order;
	paddr_t align = (paddr_t)n << PAGE_SHIFT, pa;

	if (IS_ALIGNED(b->base, align)) /* bit i aligned as page i */
		return aligned_words(b, order, hint);
	pa = aligned_scan(b, n, align, hint);
	if (!pa && hint > 0 && map_free(b) >= (int64_t)n)
		pa = aligned_scan(b, n, align, 0);
	return pa;
}

/* One try at a run of n pages in bank b from word `hint` (run_lock held). */
static paddr_t run_in_bank(struct bank *b, size_t n, uint64_t hint)
{
	paddr_t pa;

	pa = run_scan(b, n, hint);
	if (!pa && hint > 0 && map_free(b) >= (int64_t)n)
		pa = run_scan(b, n, 0);
	return pa;
}

/* Take run_lock (once other CPUs may call in: page_alloc_smp). */
static void run_lock_take(void)
{
	if (smp)
		arch_spin_lock_as(&run_lock, ARCH_LOCK_PAGE_RUN);
}

/* Drop run_lock. */
static void run_lock_drop(void)
{
	if (smp)
		arch_spin_unlock(&run_lock);
}

/* One search of every bank, lowest first, for an aligned run of 2^order
 * pages (order > 0) or a run of n pages (order 0). */
static paddr_t search(size_t n, unsigned order)
{
	paddr_t pa = 0;

	run_lock_take();
	for (size_t k = 0; k < nbanks && !pa; k++) {
		uint64_t h = arch_read_once(&hints[arch_cpu_id()].word[k]); /* this CPU's */

		pa = order ? aligned_in_bank(&banks[k], order, h) : run_in_bank(&banks[k], n, h);
	}
	run_lock_drop();
	return pa;
}

/*
 * A run found nothing: when this CPU's cache holds pages, they go back to
 * the map and the search runs once more, so that with one CPU a run fails
 * only when no such run is free.
 */
static __attribute__((noinline)) paddr_t search_again(size_t n, unsigned order)
{
	struct page_cache *c = &caches[arch_cpu_id()];

	if (!c->bits)
		return 0;
	cache_return(c, my_counts());
	return search(n, order);
}

paddr_t page_alloc_run(size_t n)
{
	paddr_t pa;

	if (n == 0)
		return 0;
	pa = search(n, 0);
	return pa ? pa : search_again(n, 0);
}

paddr_t page_alloc_aligned(unsigned order)
{
	paddr_t pa;

	if (order >= 40)
		return 0;
	if (order == 0) /* any page is aligned to itself (and ahint has no order 0) */
		return page_alloc();
	pa = search((size_t)1 << order, order);
	return pa ? pa : search_again((size_t)1 << order, order);
}

/* ---------------------------------------------------------------------------
 * Counts, drain, queries.
 */

void page_alloc_drain(void)
{
	struct page_counts *pc = my_counts();

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		cache_return(&caches[cpu], pc);
}

void page_alloc_smp(void)
{
	smp = true;
}

/* Free pages of bank b: in its map and in the caches. */
static size_t bank_free(const struct bank *b)
{
	return (size_t)map_free(b) + cached_free(b);
}

size_t page_free_count(void)
{
	size_t n = 0;

	for (size_t k = 0; k < nbanks; k++)
		n += bank_free(&banks[k]);
	return n;
}

size_t page_total_count(void)
{
	size_t n = 0;

	for (size_t k = 0; k < nbanks; k++)
		n += banks[k].managed;
	return n;
}

bool page_is_free(paddr_t pa)
{
	struct bank *b = bank_of(pa);
	size_t i;

	if (!b)
		return false;
	i = (pa - b->base) >> PAGE_SHIFT;
	if (test_bit(b->map, i))
		return true;
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct page_cache *c = &caches[cpu];

		if (c->span && c->bank == b && c->word == i / WORD_BITS &&
		    (c->bits & BIT(i % WORD_BITS)))
			return true;
	}
	return false;
}

void page_alloc_bitmap_range(struct mem_range *out)
{
	*out = bitmaps;
}

/* ---------------------------------------------------------------------------
 * Initialisation.
 */

/* The pages touched by [base, base + size), rounded outwards; false if empty. */
static bool pages_touched(const struct mem_range *r, paddr_t *start, paddr_t *end)
{
	paddr_t last;

	if (r->size == 0)
		return false;
	last = r->size - 1 > ~0ull - r->base ? ~0ull : r->base + r->size - 1;
	*start = ALIGN_DOWN(r->base, PAGE_SIZE);
	*end = ALIGN_DOWN(last, PAGE_SIZE) + PAGE_SIZE; /* 0 if it wraps: the top */
	if (*end == 0)
		*end = ~0ull & PAGE_MASK;
	return true;
}

/* Validate and sort the banks into nb[]. 0 or -EINVAL. */
static int read_banks(const struct mem_range *in, size_t n, struct bank *nb)
{
	if (!in || n == 0 || n > PAGE_ALLOC_MAX_BANKS)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		paddr_t start = ALIGN_UP(in[k].base, PAGE_SIZE), end;
		struct bank b = { 0 };
		size_t j;

		if (in[k].size == 0 || in[k].size > PA_LIMIT || in[k].base >= PA_LIMIT ||
		    in[k].base + in[k].size > PA_LIMIT)
			return -EINVAL;
		end = ALIGN_DOWN(in[k].base + in[k].size, PAGE_SIZE);
		if (end <= start)
			return -EINVAL; /* not one whole page */
		b.base = start;
		b.pages = (end - start) >> PAGE_SHIFT;
		b.words = (b.pages + WORD_BITS - 1) / WORD_BITS;
		/* Insertion sort by address; overlapping banks are an error. */
		for (j = k; j > 0 && nb[j - 1].base > start; j--)
			nb[j] = nb[j - 1];
		nb[j] = b;
		if ((j > 0 && bank_end(&nb[j - 1]) > start) ||
		    (j < k && bank_end(&nb[j]) > nb[j + 1].base))
			return -EINVAL;
	}
	return 0;
}

/*
 * First fit for `len` bytes of pages inside a bank, clear of every reserved
 * range and of page frame 0. The candidate only moves up, past the reserved
 * range it hit, so this ends after at most nrsv moves per bank.
 */
static bool find_room(const struct bank *nb, size_t n, const struct mem_range *rsv,
		      size_t nrsv, uint64_t len, paddr_t *out)
{
	for (size_t k = 0; k < n; k++) {
		paddr_t c = nb[k].base ? nb[k].base : PAGE_SIZE, end = bank_end(&nb[k]);
		size_t r = 0;

		while (c <= end && end - c >= len && r < nrsv) {
			paddr_t rs, re;

			if (pages_touched(&rsv[r], &rs, &re) && rs < c + len && c < re) {
				c = re;
				r = 0;
			} else {
				r++;
			}
		}
		if (c <= end && end - c >= len) {
			*out = c;
			return true;
		}
	}
	return false;
}

/* Take [start, end) out of every bank it meets: never handed out. */
static void reserve(paddr_t start, paddr_t end)
{
	for (size_t k = 0; k < nbanks; k++) {
		struct bank *b = &banks[k];
		paddr_t s = MAX(start, b->base), e = MIN(end, bank_end(b));

		if (s < e)
			b->nfree0 -= assign_bits(b->map, (s - b->base) >> PAGE_SHIFT,
					       (e - b->base) >> PAGE_SHIFT, false);
	}
}

int page_alloc_init(const struct mem_range *in, size_t n,
		    const struct mem_range *rsv, size_t nrsv)
{
	struct bank nb[PAGE_ALLOC_MAX_BANKS];
	uint64_t words = 0, len;
	paddr_t at;
	uint64_t *p;
	int err;

	if (nrsv && !rsv)
		return -EINVAL;
	err = read_banks(in, n, nb);
	if (err)
		return err;
	for (size_t k = 0; k < n; k++)
		words += nb[k].words * MAPS_PER_BANK;
	len = ALIGN_UP(words * sizeof(uint64_t), PAGE_SIZE);
	if (!find_room(nb, n, rsv, nrsv, len, &at))
		return -ENOMEM;

	/* Committed: the previous state is discarded from here on. */
	nbanks = n;
	bitmaps.base = at;
	bitmaps.size = len;
	p = arch_phys_to_virt(at);
	arch_inval_before_write(p, len);
	for (size_t k = 0; k < n; k++) {
		struct bank *b = &banks[k];

		*b = nb[k];
		b->map = p;
		p += b->words;
#ifdef FAULTLINE_DEBUG
		b->owned = p;
		p += b->words;
		b->given = p;
		p += b->words;
#endif
		for (size_t i = 0; i < b->words; i++)
			b->map[i] = ~0ull;
		if (b->pages % WORD_BITS)
			b->map[b->words - 1] = BIT(b->pages % WORD_BITS) - 1;
		b->nfree0 = b->pages;
	}

	for (size_t r = 0; r < nrsv; r++) {
		paddr_t rs, re;

		if (pages_touched(&rsv[r], &rs, &re))
			reserve(rs, re);
	}
	reserve(bitmaps.base, bitmaps.base + bitmaps.size);
	reserve(0, PAGE_SIZE);

	for (size_t k = 0; k < n; k++) {
		struct bank *b = &banks[k];

		b->managed = b->nfree0;
		b->idx = k;
		for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
			hints[cpu].word[k] = 0;
		for (int o = 0; o < ALIGNED_ORDERS; o++) {
			b->ahint[o] = 0;
			b->aseen[o] = 0;
		}
#ifdef FAULTLINE_DEBUG
		for (size_t i = 0; i < b->words; i++) {
			b->owned[i] = b->map[i];
			b->given[i] = 0;
		}
#endif
	}
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		caches[cpu] = (struct page_cache){ 0 };
		counts[cpu] = (struct page_counts){ { 0 }, { 0 } };
	}
	return 0;
}

void page_alloc_cache_stats(unsigned cpu, struct page_cache_stats *out)
{
	const struct page_cache *c = &caches[cpu];
	uint64_t held = c->span ? popcount64(c->bits) : 0;
	/* in: the refills' pages and the frees; out: handed out, spilled, held */
	uint64_t refills = c->refills, pages = c->refill_pages;
	uint64_t handed = pages + c->frees - c->spill_pages - held;

	*out = (struct page_cache_stats){
		.hits = handed - refills,
		.refills = refills,
		.refill_pages = pages,
		.spills = c->spills,
		.spill_pages = c->spill_pages,
		.frees = c->frees,
		.held = held,
#ifdef FAULTLINE_DEBUG
		.handed_debug = c->handed,
#endif
	};
}

void page_alloc_run_lockstat(struct lockstat_sum *out)
{
	*out = (struct lockstat_sum){ .acquired = arch_spin_tickets(&run_lock) };
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct arch_lock_contention *l = &percpu_blocks[cpu].arch.lock[ARCH_LOCK_PAGE_RUN];

		out->contended += arch_read_once(&l->contended);
		out->wait += arch_read_once(&l->wait);
	}
}

void page_alloc_report(void)
{
	for (size_t k = 0; k < nbanks; k++) {
		const struct bank *b = &banks[k];

		info("ram bank %zu: %#llx-%#llx, %zu pages managed, %zu free", k,
		     (unsigned long long)b->base, (unsigned long long)bank_end(b),
		     b->managed, bank_free(b));
	}
	info("page allocator: %zu of %zu pages free (%llu KiB), bitmaps at %#llx-%#llx",
	     page_free_count(), page_total_count(),
	     (unsigned long long)page_free_count() * (PAGE_SIZE / 1024),
	     (unsigned long long)bitmaps.base,
	     (unsigned long long)(bitmaps.base + bitmaps.size));
}
