/*
 * Physical page allocator: one bitmap per RAM bank, bit i set = page i of
 * the bank free. All bitmaps sit together in one run of pages carved from
 * free RAM at init ("the bitmap range", reserved like the kernel image):
 *
 *   bitmap range: | bank 0 map | [bank 0 owned] | bank 1 map | [bank 1 owned] | ...
 *
 * ([owned] maps, bit set = page managed, exist in debug builds only.)
 *
 * page_alloc() is on the page-fault path. Each bank keeps a hint, a word
 * index below which every word is 0, and `cur` is a bank below which every
 * bank is full, so the common case is: load the hint word, take its lowest
 * set bit (count trailing zeroes), store. Frees lower the hints again, which
 * keeps allocations packed at low addresses.
 *
 * Init costs one store per 64 pages (the bitmap fill) plus one word per 64
 * reserved pages; nothing loops over every page of RAM.
 */
#include "mm/page_alloc.h"

#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/arch.h"

#define WORD_BITS 64
#define ALIGNED_ORDERS 16 /* orders 1..16 keep a hint of their own */
#define PA_LIMIT BIT(48) /* what the translation tables can map */

#ifdef FAULTLINE_DEBUG
#define MAPS_PER_BANK 2 /* free map + owned map */
#else
#define MAPS_PER_BANK 1
#endif

struct bank {
	paddr_t base;   /* address of bit 0 (page aligned) */
	size_t pages;   /* pages spanned, bits in the map */
	size_t words;   /* words of the map */
	size_t nfree;   /* bits set */
	size_t managed; /* pages managed (free or allocated) */
	size_t hint;    /* word index: every word below it is 0 */
	size_t ahint[ALIGNED_ORDERS]; /* word index: no word below it holds a
					 free aligned run of 2^(k+1) pages */
	uint64_t *map;  /* bit set: page free */
#ifdef FAULTLINE_DEBUG
	uint64_t *owned; /* bit set: page managed, i.e. not reserved */
#endif
};

static struct bank banks[PAGE_ALLOC_MAX_BANKS];
static size_t nbanks;
static struct mem_range bitmaps;

/* Before init: a bank without a free page, so page_alloc() finds nothing. */
static uint64_t no_pages;
static struct bank empty = { .map = &no_pages, .words = 1 };
static struct bank *cur = &empty; /* every bank below it is full */

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

static bool test_bit(const uint64_t *map, size_t i)
{
	return map[i / WORD_BITS] & BIT(i % WORD_BITS);
}

/* Set (or clear) bits [from, to); returns how many were set before. */
static size_t assign_bits(uint64_t *map, size_t from, size_t to, bool set)
{
	size_t n = 0;

	while (from < to) {
		size_t i = from / WORD_BITS;
		size_t hi = MIN(to - i * WORD_BITS, WORD_BITS);
		uint64_t mask = word_mask(from % WORD_BITS, hi);

		n += popcount64(map[i] & mask);
		map[i] = set ? map[i] | mask : map[i] & ~mask;
		from = i * WORD_BITS + hi;
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
	w = (map[i] ^ flip) & (~0ull << (start % WORD_BITS));
	while (!w) {
		if (++i * WORD_BITS >= nbits)
			return nbits;
		w = map[i] ^ flip;
	}
	return MIN(i * WORD_BITS + ctz64(w), nbits);
}

static paddr_t bank_end(const struct bank *b)
{
	return b->base + ((paddr_t)b->pages << PAGE_SHIFT);
}

static struct bank *bank_of(paddr_t pa)
{
	for (size_t k = 0; k < nbanks; k++)
		if (pa - banks[k].base < (paddr_t)banks[k].pages << PAGE_SHIFT)
			return &banks[k];
	return NULL;
}

static paddr_t take(struct bank *b, size_t word)
{
	uint64_t w = b->map[word];

	b->map[word] = w & (w - 1);
	b->nfree--;
	return b->base + (((paddr_t)word * WORD_BITS + ctz64(w)) << PAGE_SHIFT);
}

/* page_alloc's slow path: the hint word is empty; move hints and cur on. */
static __attribute__((noinline)) paddr_t alloc_slow(void)
{
	for (size_t k = 0; k < nbanks; k++) {
		struct bank *b = &banks[k];
		size_t i = b->hint;

		if (b->nfree == 0)
			continue;
		while (!b->map[i])
			i++;
		b->hint = i;
		cur = b;
		return take(b, i);
	}
	return 0;
}

paddr_t page_alloc(void)
{
	struct bank *b = cur;

	if (unlikely(!b->map[b->hint]))
		return alloc_slow();
	return take(b, b->hint);
}

paddr_t page_alloc_run(size_t n)
{
	if (n == 0)
		return 0;
	for (size_t k = 0; k < nbanks; k++) {
		struct bank *b = &banks[k];
		size_t i = b->hint * WORD_BITS;

		while (b->nfree >= n && i < b->pages) {
			size_t s = find_bit(b->map, b->pages, i, true);
			size_t e = find_bit(b->map, b->pages, s, false);

			if (e - s >= n) {
				assign_bits(b->map, s, s + n, false);
				b->nfree -= n;
				return b->base + ((paddr_t)s << PAGE_SHIFT);
			}
			i = e;
		}
	}
	return 0;
}

/*
 * The first free aligned run of n = 2^order pages in bank b by whole words:
 * within a word (n <= 64), a group of n bits at a multiple of n is free when
 * its lowest bit survives folding the word onto itself (w &= w >> 1, >> 2,
 * ... >> n/2); above 64 pages, n / 64 consecutive full words at a multiple
 * of n / 64. One pass from the hint, a load and a test per full word. Bit i
 * of the bank must be aligned as page i's address is (checked by caller).
 */
static paddr_t alloc_aligned_words(struct bank *b, unsigned order)
{
	size_t n = (size_t)1 << order;

	if (n <= WORD_BITS && order <= ALIGNED_ORDERS) {
		uint64_t groups = n == WORD_BITS ? 1 : ~0ull / ((1ull << n) - 1); /* bit 0, n, 2n.. */

		size_t *hint = &b->ahint[order - 1];

		for (size_t i = MAX(b->hint, *hint); i < b->words; i++) {
			uint64_t x = b->map[i];

			for (size_t sh = 1; sh < n && x; sh <<= 1)
				x &= x >> sh;
			x &= groups;
			if (x) {
				size_t bit = i * WORD_BITS + ctz64(x);

				*hint = i;
				if (bit + n > b->pages)
					return 0;
				assign_bits(b->map, bit, bit + n, false);
				b->nfree -= n;
				return b->base + ((paddr_t)bit << PAGE_SHIFT);
			}
		}
		*hint = b->words; /* none left: frees lower it again */
		return 0;
	}
	for (size_t i = ALIGN_UP(b->hint, n / WORD_BITS); i + n / WORD_BITS <= b->words;
	     i += n / WORD_BITS) {
		size_t k = 0;

		while (k < n / WORD_BITS && b->map[i + k] == ~0ull)
			k++;
		if (k == n / WORD_BITS && (i + k) * WORD_BITS <= b->pages) {
			assign_bits(b->map, i * WORD_BITS, (i + k) * WORD_BITS, false);
			b->nfree -= n;
			return b->base + ((paddr_t)i * WORD_BITS << PAGE_SHIFT);
		}
	}
	return 0;
}

paddr_t page_alloc_aligned(unsigned order)
{
	size_t n = (size_t)1 << order;
	paddr_t align = (paddr_t)n << PAGE_SHIFT;

	if (order >= 40)
		return 0;
	if (order == 0) /* any page is aligned to itself (and ahint has no order 0) */
		return page_alloc();
	for (size_t k = 0; k < nbanks; k++) {
		struct bank *b = &banks[k];
		size_t i = b->hint * WORD_BITS;

		if (b->nfree < n)
			continue;
		if (IS_ALIGNED(b->base, align)) { /* bit i aligned as page i */
			paddr_t pa = alloc_aligned_words(b, order);

			if (pa)
				return pa;
			continue;
		}
		while (b->nfree >= n && i < b->pages) {
			size_t s = find_bit(b->map, b->pages, i, true);
			size_t e = find_bit(b->map, b->pages, s, false);
			/* the first page of [s, e) whose address is aligned */
			paddr_t pa = ALIGN_UP(b->base + ((paddr_t)s << PAGE_SHIFT), align);
			size_t a = (size_t)((pa - b->base) >> PAGE_SHIFT);

			if (s < b->pages && a < e && e - a >= n) {
				assign_bits(b->map, a, a + n, false);
				b->nfree -= n;
				return pa;
			}
			i = e;
		}
	}
	return 0;
}

#ifdef FAULTLINE_DEBUG
static void poison(paddr_t pa, size_t n)
{
	uint64_t *p = arch_phys_to_virt(pa);
	uint64_t pattern = 0x0101010101010101ull * PAGE_POISON;

	for (size_t i = 0; i < n * PAGE_SIZE / sizeof(*p); i++)
		p[i] = pattern;
}
#endif

/* Account for pages [i, i + n) of bank b having become free. */
static void freed(struct bank *b, size_t i, size_t n)
{
	b->nfree += n;
	if (i / WORD_BITS < b->hint)
		b->hint = i / WORD_BITS;
	for (int k = 0; k < ALIGNED_ORDERS; k++)
		if (i / WORD_BITS < b->ahint[k])
			b->ahint[k] = i / WORD_BITS;
	if (b < cur)
		cur = b;
}

#ifdef FAULTLINE_DEBUG
/* Debug builds: every page of the run must be managed and allocated; then poison it. */
static void check_free(const struct bank *b, size_t i, size_t n)
{
	for (size_t j = i; j < i + n; j++) {
		assert(test_bit(b->owned, j) && "free of a page the allocator does not manage");
		assert(!test_bit(b->map, j) && "double free");
	}
	poison(b->base + ((paddr_t)i << PAGE_SHIFT), n);
}
#else
static inline void check_free(const struct bank *b, size_t i, size_t n)
{
}
#endif

void page_free(paddr_t pa)
{
	struct bank *b = bank_of(pa);
	size_t i;
	uint64_t *w, bit;

	assert(b && IS_ALIGNED(pa, PAGE_SIZE) && "free of an unmanaged address");
	i = (pa - b->base) >> PAGE_SHIFT;
	check_free(b, i, 1);
	w = &b->map[i / WORD_BITS];
	bit = BIT(i % WORD_BITS);
	assert(!(*w & bit) && "double free");
	*w |= bit;
	freed(b, i, 1);
}

void page_free_run(paddr_t pa, size_t n)
{
	struct bank *b = bank_of(pa);
	size_t i, already;

	if (n == 0)
		return;
	assert(b && IS_ALIGNED(pa, PAGE_SIZE) && "free of an unmanaged address");
	assert(n <= (bank_end(b) - pa) >> PAGE_SHIFT && "run beyond its bank");
	i = (pa - b->base) >> PAGE_SHIFT;
	check_free(b, i, n);
	already = assign_bits(b->map, i, i + n, true);
	assert(already == 0 && "double free");
	(void)already;
	freed(b, i, n);
}

size_t page_free_count(void)
{
	size_t n = 0;

	for (size_t k = 0; k < nbanks; k++)
		n += banks[k].nfree;
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

	return b && test_bit(b->map, (pa - b->base) >> PAGE_SHIFT);
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
			b->nfree -= assign_bits(b->map, (s - b->base) >> PAGE_SHIFT,
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
#endif
		for (size_t i = 0; i < b->words; i++)
			b->map[i] = ~0ull;
		if (b->pages % WORD_BITS)
			b->map[b->words - 1] = BIT(b->pages % WORD_BITS) - 1;
		b->nfree = b->pages;
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

		b->managed = b->nfree;
		b->hint = 0;
		for (int o = 0; o < ALIGNED_ORDERS; o++)
			b->ahint[o] = 0;
#ifdef FAULTLINE_DEBUG
		for (size_t i = 0; i < b->words; i++)
			b->owned[i] = b->map[i];
#endif
	}
	cur = &banks[0];
	return 0;
}

void page_alloc_report(void)
{
	for (size_t k = 0; k < nbanks; k++) {
		const struct bank *b = &banks[k];

		info("ram bank %zu: %#llx-%#llx, %zu pages managed, %zu free", k,
		     (unsigned long long)b->base, (unsigned long long)bank_end(b),
		     b->managed, b->nfree);
	}
	info("page allocator: %zu of %zu pages free (%llu KiB), bitmaps at %#llx-%#llx",
	     page_free_count(), page_total_count(),
	     (unsigned long long)page_free_count() * (PAGE_SIZE / 1024),
	     (unsigned long long)bitmaps.base,
	     (unsigned long long)(bitmaps.base + bitmaps.size));
}
