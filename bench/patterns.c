/*
 * The access patterns and the timing loop (portable: bench/env.h only).
 *
 * A case runs 1 + reps repetitions over fresh memory; the first is a
 * warm-up and is discarded. Each repetition maps its region, prepares it
 * (read-then-write pre-reads every page, re-touch pre-writes them), times
 * one access per touched page in the pattern's order, and unmaps it. With
 * stamp hooks, one more repetition runs with the fault path's stage stamps
 * on, for the stage breakdown; its latencies are reported apart
 * (staged_p50) so the headline numbers carry no stamping cost.
 *
 * Every measured sample that faulted is classified from the fault and
 * allocation counts around it (env_faults(), env_pages_allocated()): a
 * fault that allocated more than one base page mapped a whole folio (a
 * block when it allocated a block's worth), any other is a base-page or
 * zero-page fault. Their latencies give fault_p50 and cost_4k_x100.
 */
#include "bench/bench.h"
#include "bench/env.h"
#include "lib/errno.h"
#include "mm/mm.h"

#define CALIBRATE_READS 1024
#define EVICT_DEFAULT (4ull << 20) /* > the L2 of every supported core: when the OS cannot tell */
#define EVICT_MAX (64ull << 20)    /* past this a sweep costs more than it tells */
#define EVICT_STRIDE 64            /* smallest cache line of them */
#define UNSTABLE_PERMILLE 50       /* rep medians spread > 5 % of p50 */
#define UNSTABLE_SLACK 2           /* ... and by more than 2 counts */

const char *const bench_stage_name[BENCH_NR_STAGES] = {
#define BENCH_STAGE_NAME(NAME, name) [BS_##NAME] = #name,
	FAULT_STAGES(BENCH_STAGE_NAME)
#undef BENCH_STAGE_NAME
	[BS_ERET] = "eret",
};

const char *bench_access_name(enum bench_access a)
{
	switch (a) {
	case ACCESS_READ: return "read";
	case ACCESS_WRITE: return "write";
	case ACCESS_RW: return "read-then-write";
	case ACCESS_RETOUCH: return "retouch";
	}
	return "?";
}

/* xorshift64* (Vigna): a small, seedable, portable generator. */
static uint64_t rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_seed(uint64_t seed, const char *name)
{
	uint64_t s = seed ^ 0x9e3779b97f4a7c15ull;

	while (*name)  /* FNV-1a of the pattern name: cases differ */
		s = (s ^ (uint8_t)*name++) * 0x100000001b3ull;
	return s ? s : 1;
}

uint64_t bench_calibrate(void)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < CALIBRATE_READS; i++) {
		uint64_t t0 = env_counter();
		uint64_t t1 = env_counter();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

/*
 * Bytes one of c->pages counts (one "unit"): 4 KiB with step_4k in the
 * mapped-region patterns, else a base page. The touch order holds units.
 */
static bool is_region(const struct bench_case *c)
{
	return c->kind == KIND_SEQ || c->kind == KIND_REVERSE || c->kind == KIND_RANDOM ||
	       c->kind == KIND_STRIDE || c->kind == KIND_SPARSE;
}

static uint64_t unit_bytes(const struct bench_case *c)
{
	return c->step_4k && is_region(c) ? BENCH_UNIT_4K : PAGE_SIZE;
}

/*
 * Units of address space a repetition maps (the touched ones and gaps) in
 * *out; false if that overflows 64 bits. Every size below comes from
 * pages= and iters= of the command line, so each product is checked.
 */
static bool span_pages(const struct bench_case *c, uint64_t *out)
{
	switch (c->kind) {
	case KIND_SEQ:
	case KIND_REVERSE:
	case KIND_RANDOM:
		return !__builtin_mul_overflow(c->pages, bench_folio_step(c), out);
	case KIND_STRIDE:
	case KIND_SPARSE:
		return !__builtin_mul_overflow(c->pages, (uint64_t)c->param, out);
	case KIND_CHURN:
		*out = 1;
		return true;
	default:
		*out = c->pages;
		return true;
	}
}

/* Scratch memory per case: order, samples, stage arrays, raw rows. */
struct scratch {
	uint32_t *order;     /* unit index of each touch */
	uint64_t *lat;       /* (reps) x (pages) latencies */
	uint64_t *flat;      /* faulting samples' latencies: whole-folio
				faults from the front, others from the back */
	uint64_t nbig, nother;
	uint64_t *part[BENCH_NR_STAGES + 1]; /* stage pass: parts, then total */
	uint8_t *evict;      /* COLD_CACHE buffer, bench_evict_bytes() long */
	uint64_t evict_len;
	uint64_t nstage;
	void *mem;
	uint64_t bytes;
};

/* The eviction buffer: env_cache_bytes is CLIDR_EL1/CCSIDR_EL1 in the
 * kernel, sysfs on Linux. */
uint64_t bench_evict_bytes(void)
{
	uint64_t cache = env_cache_bytes();
	uint64_t b = cache ? MIN(2 * cache, EVICT_MAX) : EVICT_DEFAULT;

	return ALIGN_UP(b, PAGE_SIZE);
}

/* a + b and a * b into *sum; false (and *sum unchanged) on overflow. */
static bool add_to(uint64_t *sum, uint64_t a, uint64_t b)
{
	uint64_t prod, t;

	if (__builtin_mul_overflow(a, b, &prod) || __builtin_add_overflow(*sum, prod, &t))
		return false;
	*sum = t;
	return true;
}

/*
 * Scratch bytes of a case (order, latencies, fault latencies, stage
 * arrays, raw rows, eviction buffer) in *out, page-aligned; false on
 * overflow.
 *
 *   | order: pages x 4, 8-aligned | lat: reps x pages x 8 |
 *   | flat: reps x pages x 8 |
 *   | part[0..NR_STAGES]: nstage x 8 each | raw rows | evict buffer |
 */
static bool scratch_bytes(const struct bench_case *c, uint64_t *nstage, uint64_t *out)
{
	uint64_t n = c->pages, b = 0, lat;

	*nstage = MIN(n, (uint64_t)BENCH_STAGE_MAX);
	if (!add_to(&b, n, 4) || !add_to(&b, 1, 7))
		return false;
	b &= ~7ull;
	if (__builtin_mul_overflow(n, (uint64_t)c->reps, &lat) || !add_to(&b, lat, 8) ||
	    !add_to(&b, lat, 8) ||
	    !add_to(&b, *nstage, 8 * (BENCH_NR_STAGES + 1)) ||
	    !add_to(&b, BENCH_RAW_MAX, sizeof(struct bench_raw)) ||
	    !add_to(&b, (c->cold & COLD_CACHE) ? bench_evict_bytes() : 0, 1) ||
	    !add_to(&b, PAGE_SIZE - 1, 1))
		return false;
	*out = b & ~(uint64_t)(PAGE_SIZE - 1);
	return true;
}

/* Bytes of the address space one repetition of c maps; false on overflow. */
static bool region_bytes(const struct bench_case *c, uint64_t *out)
{
	uint64_t span, b;

	if (c->kind == KIND_BRK)
		return !__builtin_mul_overflow(c->pages, PAGE_SIZE, out);
	if (c->kind == KIND_CHURN) {
		*out = PAGE_SIZE;
		return true;
	}
	if (!span_pages(c, &span) || __builtin_mul_overflow(span, unit_bytes(c), &b) ||
	    b > UINT64_MAX - (PAGE_SIZE - 1))
		return false;
	*out = ALIGN_UP(b, PAGE_SIZE);
	return true;
}

/* The size of the case's own folio or block (c->folio, c->thp), or 0. */
static uint64_t own_size(const struct bench_case *c)
{
	unsigned orders = c->folio & ~BENCH_FOLIO_NONE;

	if (c->thp)
		return BLOCK_SIZE;
	return orders ? PAGE_SIZE << (31 - __builtin_clz(orders)) : 0;
}

/*
 * How many mappings of `size` bytes (a folio or a block) the touches left
 * can get: each lies naturally aligned inside the region (at most
 * region / size of them) and in the allocator's memory (at most
 * free / size; the case's own size counts at least once: a case that
 * cannot map one of its own folio measures something else).
 */
static uint64_t can_map(const struct bench_case *c, const struct bench_room *m,
			uint64_t region, uint64_t size, uint64_t touches)
{
	uint64_t runs = m->free / size;

	if (size == own_size(c) && !runs)
		runs = 1;
	return MIN(touches, MIN(region / size, runs));
}

/*
 * Data bytes one repetition maps at most (see bench_case_footprint): a
 * write (or the pre-write of a re-touch) maps the largest block or folio
 * that can be had, then the next size down, then a base page; a read maps
 * the zero page (the huge zero page, one block, with thp); a write after a
 * read replaces one zero page (the huge zero page is split first). All of
 * it lies inside the region. False on overflow.
 */
static bool data_bytes(const struct bench_case *c, const struct bench_room *m,
		       uint64_t region, uint64_t *out)
{
	uint64_t touches = c->pages, data = 0;
	bool thp = m->thp && c->kind != KIND_CHURN;

	if (c->kind == KIND_CHURN) /* one page, mapped and unmapped per sample */
		touches = 1;
	if (c->access == ACCESS_READ || c->access == ACCESS_RW) {
		if (c->access == ACCESS_RW &&
		    __builtin_mul_overflow(touches, PAGE_SIZE, &data))
			data = UINT64_MAX;
		data = MIN(data, region);
		if (thp && can_map(c, m, region, BLOCK_SIZE, 1)) /* the huge zero page */
			data += BLOCK_SIZE;
		*out = data;
		return true;
	}
	if (thp) {
		uint64_t n = can_map(c, m, region, BLOCK_SIZE, touches);

		data += n * BLOCK_SIZE; /* n <= region / BLOCK_SIZE */
		touches -= n;
	}
	for (int o = FOLIO_MAX_ORDER; o >= 1 && c->kind != KIND_CHURN; o--) {
		uint64_t n, size = PAGE_SIZE << o;

		if (!(m->folio_orders & BIT(o)))
			continue;
		n = can_map(c, m, region, size, touches);
		if (n && !add_to(&data, n, size))
			return false;
		touches -= n;
	}
	if (!add_to(&data, touches, PAGE_SIZE))
		data = UINT64_MAX;
	*out = MIN(data, region);
	return true;
}

/*
 * Table pages that mapping `bytes` with at most `touches` faults may add:
 * at each level below the root, one table per span of the level above it
 * that the range crosses (at most bytes / span + 2), and never more than
 * one per fault.
 */
static uint64_t tables_for(uint64_t bytes, uint64_t touches)
{
	uint64_t n = 0;

	for (int level = PGT_ROOT_LEVEL + 1; level <= PGT_LAST_LEVEL; level++)
		n += MIN(touches, bytes / level_size(level - 1) + 2);
	return n;
}

int bench_case_footprint(const struct bench_case *c, const struct bench_room *m,
			 struct bench_footprint *f)
{
	bool needs_param = c->kind == KIND_STRIDE || c->kind == KIND_SPARSE ||
			   c->kind == KIND_BRK;
	uint64_t span, nstage, scratch, region, data, tables, total = 0;

	if (c->pages == 0 || c->reps == 0 || c->reps > BENCH_REPS_MAX ||
	    (needs_param && c->param == 0))
		return -EINVAL;
	if (!span_pages(c, &span) || span > BENCH_SPAN_MAX ||
	    !scratch_bytes(c, &nstage, &scratch) || !region_bytes(c, &region) ||
	    !data_bytes(c, m, region, &data))
		return -ERANGE;
	/* the region's tables (churn: a fresh mapping per touch), the scratch
	 * mapping's, the raw rows' */
	tables = tables_for(region, c->kind == KIND_CHURN ? UINT64_MAX : c->pages) +
		 tables_for(scratch, UINT64_MAX) + tables_for(PAGE_SIZE, UINT64_MAX);
	if (!add_to(&total, 1, scratch) || !add_to(&total, 1, data) ||
	    !add_to(&total, tables, PAGE_SIZE))
		return -ERANGE;
	*f = (struct bench_footprint){ .scratch = scratch, .data = data, .tables = tables,
				       .total = total };
	return 0;
}

unsigned bench_case_uses(const struct bench_case *c, unsigned folio_orders)
{
	unsigned uses = BENCH_USES_PAGES;
	uint64_t region = 0;
	bool write = c->access == ACCESS_WRITE || c->access == ACCESS_RETOUCH;
	uint64_t smallest = PAGE_SIZE << (folio_orders ? __builtin_ctz(folio_orders) : 1);

	if (!region_bytes(c, &region)) /* sizes overflow: the case fails anyway */
		region = 0;
	if (c->kind == KIND_RANDOM || c->kind == KIND_SPARSE)
		uses |= BENCH_USES_SEED;
	if (is_region(c))
		uses |= BENCH_USES_STEP;
	if (c->access != ACCESS_RETOUCH)
		uses |= BENCH_USES_STAGES;
	if (!c->folio && write && c->kind != KIND_CHURN && region >= smallest)
		uses |= BENCH_USES_FOLIO;
	if (!c->thp && c->kind != KIND_CHURN && region >= BLOCK_SIZE)
		uses |= BENCH_USES_THP;
	return uses;
}

/* The room a case makes for itself: its own folio and thp, and `free` bytes. */
static struct bench_room own_room(const struct bench_case *c, uint64_t free)
{
	return (struct bench_room){ .folio_orders = c->folio & ~BENCH_FOLIO_NONE,
				    .thp = c->thp, .free = free };
}

int bench_case_need(const struct bench_case *c, uint64_t *bytes)
{
	struct bench_room m = own_room(c, UINT64_MAX);
	struct bench_footprint f;
	int err = bench_case_footprint(c, &m, &f);

	if (!err)
		*bytes = f.total;
	return err;
}

bool bench_case_fits(const struct bench_case *c, uint64_t bytes)
{
	struct bench_room m = own_room(c, bytes);
	struct bench_footprint f;

	return bench_case_footprint(c, &m, &f) == 0 && f.total <= bytes;
}

static int scratch_get(const struct bench_case *c, struct scratch *s,
		       struct bench_result *r)
{
	uint64_t n = c->pages;

	if (!scratch_bytes(c, &s->nstage, &s->bytes))
		return -ERANGE;
	s->mem = env_map(s->bytes, ENV_PROT_READ | ENV_PROT_WRITE);
	if (!s->mem)
		return -ENOMEM;
	/* Fault everything in now, so no timed access shares a fault. */
	for (uint64_t off = 0; off < s->bytes; off += PAGE_SIZE)
		*(volatile uint64_t *)((uint8_t *)s->mem + off) = 0;

	uint8_t *p = s->mem;
	s->order = (uint32_t *)p;
	p += ALIGN_UP(n * 4, 8);
	s->lat = (uint64_t *)p;
	p += n * c->reps * 8;
	s->flat = (uint64_t *)p;
	p += n * c->reps * 8;
	s->nbig = s->nother = 0;
	for (int i = 0; i <= BENCH_NR_STAGES; i++) {
		s->part[i] = (uint64_t *)p;
		p += s->nstage * 8;
	}
	r->raw = (struct bench_raw *)p;
	p += BENCH_RAW_MAX * sizeof(struct bench_raw);
	s->evict = (c->cold & COLD_CACHE) ? p : NULL;
	s->evict_len = s->evict ? bench_evict_bytes() : 0;
	return 0;
}

uint64_t bench_folio_step(const struct bench_case *c)
{
	unsigned orders = c->folio & ~BENCH_FOLIO_NONE;

	if (c->thp)
		orders = BIT(BLOCK_SHIFT - PAGE_SHIFT); /* a block */
	if (!orders || (c->kind != KIND_SEQ && c->kind != KIND_REVERSE &&
			c->kind != KIND_RANDOM))
		return 1;
	return 1ull << (31 - __builtin_clz(orders));
}

/* The order of touches: page indices into the region. */
static void make_order(const struct bench_case *c, uint64_t seed, uint32_t *o)
{
	uint64_t n = c->pages, rs = rnd_seed(seed, c->pattern);

	for (uint64_t i = 0; i < n; i++) {
		switch (c->kind) {
		case KIND_REVERSE:
			o[i] = (uint32_t)(n - 1 - i);
			break;
		case KIND_STRIDE:
			o[i] = (uint32_t)(i * c->param);
			break;
		case KIND_SPARSE: /* one random page in each group of param */
			o[i] = (uint32_t)(i * c->param + rnd_next(&rs) % c->param);
			break;
		case KIND_CHURN:
			o[i] = 0;
			break;
		default:
			o[i] = (uint32_t)i;
		}
	}
	if (c->kind == KIND_RANDOM) { /* Fisher-Yates */
		for (uint64_t i = n - 1; i > 0 && n > 1; i--) {
			uint64_t j = rnd_next(&rs) % (i + 1);
			uint32_t t = o[i];
			o[i] = o[j];
			o[j] = t;
		}
	}
	for (uint64_t i = 0; i < n && bench_folio_step(c) > 1; i++)
		o[i] *= (uint32_t)bench_folio_step(c); /* span_pages checked the product */
}

/* The disturbances of a cold variant, before a sample. */
static void make_cold(const struct bench_case *c, const struct bench_hooks *h,
		      const struct scratch *s)
{
	if ((c->cold & COLD_CACHE) && s->evict) {
		volatile uint8_t *e = s->evict;
		for (uint64_t off = 0; off < s->evict_len; off += EVICT_STRIDE)
			(void)e[off];
	}
	if ((c->cold & COLD_TLB) && h->tlb_cold)
		h->tlb_cold();
}

uint64_t bench_timed(volatile uint64_t *p, enum bench_access a, uint64_t *t0out,
		    uint64_t *t1out)
{
	uint64_t t0, t1;

	if (a == ACCESS_READ) {
		t0 = env_counter();
		(void)*p;
		t1 = env_counter();
	} else {
		t0 = env_counter();
		*p = 1;
		t1 = env_counter();
	}
	*t0out = t0;
	*t1out = t1;
	return t1 - t0;
}

/* Split t1 - t0 into stage parts from the fault path's stamps. */
static void split(const uint64_t stamp[BENCH_NR_STAMPS], uint64_t t0,
		  uint64_t t1, uint64_t part[BENCH_NR_STAGES])
{
	uint64_t prev = t0;

	for (int k = 0; k < BENCH_NR_STAMPS; k++) {
		uint64_t t = stamp[k] ? stamp[k] : prev;
		part[k] = t >= prev ? t - prev : 0;
		prev = MAX(t, prev);
	}
	part[BS_ERET] = t1 >= prev ? t1 - prev : 0;
}

struct run {
	const struct bench_case *c;
	const struct bench_hooks *h;
	struct scratch *s;
	struct bench_result *r;
};

/* Prepare, time and record the touch of one page at p. */
static void one(struct run *x, volatile uint64_t *p, uint64_t i, int rep,
		bool staged)
{
	const struct bench_case *c = x->c;
	const struct bench_hooks *h = x->h;
	uint64_t t0, t1, d, stamp[BENCH_NR_STAMPS];

	if (c->access == ACCESS_RW)
		(void)*p;
	else if (c->access == ACCESS_RETOUCH)
		*p = 0;
	make_cold(c, h, x->s);

	uint64_t f = env_faults(), a = env_pages_allocated();
	if (staged)
		h->stamps_arm();
	d = bench_timed(p, c->access, &t0, &t1);
	if (staged)
		h->stamps_take(stamp);
	d = d > h->overhead ? d - h->overhead : 0;

	if (staged) {
		if (i < x->s->nstage) {
			uint64_t part[BENCH_NR_STAGES];
			split(stamp, t0, t1, part);
			for (int k = 0; k < BENCH_NR_STAGES; k++)
				x->s->part[k][i] = part[k];
			x->s->part[BENCH_NR_STAGES][i] = d;
			if (i < x->r->nraw) {
				x->r->raw[i].latency_staged = d;
				for (int k = 0; k < BENCH_NR_STAGES; k++)
					x->r->raw[i].stage[k] = part[k];
			}
		}
		return;
	}
	if (rep == 0)
		return; /* warm-up */
	f = env_faults() - f;
	a = env_pages_allocated() - a;
	x->r->faults += f;
	x->r->pages_allocated += a;
	if (f) { /* classify the fault by the data pages it allocated */
		struct scratch *s = x->s;
		uint64_t cap = c->pages * c->reps; /* one entry per measured sample at most */

		if (a > 1)
			s->flat[s->nbig++] = d;
		else
			s->flat[cap - 1 - s->nother++] = d;
		if (a > 1)
			x->r->folio_allocs++;
		if (a >= BIT(BLOCK_SHIFT - PAGE_SHIFT))
			x->r->block_allocs++;
	}
	x->s->lat[(uint64_t)(rep - 1) * c->pages + i] = d;
	if (rep == 1 && i < BENCH_RAW_MAX) {
		x->r->raw[i].page = x->s->order[i];
		x->r->raw[i].latency = d;
	}
}

/* One repetition of a mapped-region pattern. */
static int rep_region(struct run *x, int rep, bool staged)
{
	const struct bench_case *c = x->c;
	uint64_t span = 0;
	uint8_t *base;

	(void)span_pages(c, &span); /* checked by bench_case_need */
	uint64_t unit = unit_bytes(c);
	uint64_t bytes = ALIGN_UP(span * unit, PAGE_SIZE);
	base = env_map(bytes, ENV_PROT_READ | ENV_PROT_WRITE);
	if (!base)
		return -ENOMEM;
	uint64_t tables = env_table_pages();
	for (uint64_t i = 0; i < c->pages; i++)
		one(x, (volatile uint64_t *)(base + (uint64_t)x->s->order[i] * unit),
		    i, rep, staged);
	if (rep == 1 && !staged)
		x->r->table_pages = tables == ENV_UNKNOWN ? ENV_UNKNOWN
							: env_table_pages() - tables;
	return env_unmap(base, bytes);
}

/* One repetition of brk-grow-N: grow by N pages, touch them, repeat. */
static int rep_brk(struct run *x, int rep, bool staged)
{
	const struct bench_case *c = x->c;
	uint8_t *start = env_brk(NULL);
	uint8_t *base = (uint8_t *)ALIGN_UP((uintptr_t)start, PAGE_SIZE);
	uint64_t done = 0;
	int err = 0;

	while (done < c->pages) {
		uint64_t n = MIN((uint64_t)c->param, c->pages - done);
		uint8_t *want = base + (done + n) * PAGE_SIZE;

		if (env_brk(want) != want) {
			err = -ENOMEM;
			break;
		}
		for (uint64_t i = done; i < done + n; i++)
			one(x, (volatile uint64_t *)(base + i * PAGE_SIZE), i,
			    rep, staged);
		done += n;
	}
	if (env_brk(start) != start && !err)
		err = -ENOMEM;
	return err;
}

/* One repetition of churn: map, touch, unmap one page per sample. */
static int rep_churn(struct run *x, int rep, bool staged)
{
	for (uint64_t i = 0; i < x->c->pages; i++) {
		uint8_t *p = env_map(PAGE_SIZE, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!p)
			return -ENOMEM;
		one(x, (volatile uint64_t *)p, i, rep, staged);
		int err = env_unmap(p, PAGE_SIZE);
		if (err)
			return err;
	}
	return 0;
}

static int rep_any(struct run *x, int rep, bool staged)
{
	switch (x->c->kind) {
	case KIND_BRK:
		return rep_brk(x, rep, staged);
	case KIND_CHURN:
		return rep_churn(x, rep, staged);
	default:
		return rep_region(x, rep, staged);
	}
}

/*
 * fault_p50 and cost_4k_x100 of r from the classified fault latencies:
 * the p50 of the whole-folio faults (else of all), and each kind's p50
 * weighted by its count over the 4 KiB units mapped (rounded): those
 * touched, or those allocated where that is more (touches one per folio
 * or block, which skip the rest of it).
 */
static void fault_costs(const struct bench_case *c, struct scratch *s,
			struct bench_result *r)
{
	uint64_t cap = c->pages * c->reps, nb = s->nbig, no = s->nother;
	uint64_t *other = s->flat + cap - no;
	uint64_t touched = r->samples * (unit_bytes(c) / BENCH_UNIT_4K);
	uint64_t mapped = MAX(touched, r->pages_allocated * (PAGE_SIZE / BENCH_UNIT_4K));

	r->mapped_4k = mapped;
	if (!nb && !no)
		return;
	stats_sort(s->flat, nb);
	stats_sort(other, no);
	uint64_t pb = nb ? stats_rank(s->flat, nb, 500) : 0;
	uint64_t po = no ? stats_rank(other, no, 500) : 0;

	r->fault_samples = nb + no;
	r->fault_p50 = nb ? pb : po;
	r->cost_4k_x100 = ((nb * pb + no * po) * 100 + mapped / 2) / mapped;
}

int bench_run_case(const struct bench_case *c, const struct bench_hooks *h,
		   struct bench_result *r)
{
	struct scratch s;
	struct run x = { c, h, &s, r };
	uint64_t rep_p50[BENCH_REPS_MAX];
	int err;

	uint64_t need;

	*r = (struct bench_result){ .table_pages = ENV_UNKNOWN };
	err = bench_case_need(c, &need);
	if (err)
		return err;
	err = scratch_get(c, &s, r);
	if (err)
		return err;
	r->nraw = MIN(c->pages, (uint64_t)BENCH_RAW_MAX);
	make_order(c, h->seed, s.order);

	for (unsigned rep = 0; rep <= c->reps && !err; rep++) {
		err = rep_any(&x, (int)rep, false);
		if (rep > 0 && !err) {
			uint64_t *v = s.lat + (uint64_t)(rep - 1) * c->pages;
			stats_sort(v, c->pages);
			rep_p50[rep - 1] = stats_rank(v, c->pages, 500);
		}
	}
	r->staged = h->stamps_arm && h->stamps_take &&
		    c->access != ACCESS_RETOUCH && !err;
	if (r->staged) {
		err = rep_any(&x, 1, true);
		for (int k = 0; k <= BENCH_NR_STAGES && !err; k++) {
			uint64_t n = MIN(c->pages, s.nstage);
			stats_sort(s.part[k], n);
			uint64_t p50 = stats_rank(s.part[k], n, 500);
			if (k < BENCH_NR_STAGES)
				r->stage_p50[k] = p50;
			else
				r->staged_p50 = p50;
		}
	}
	if (!err) {
		r->samples = c->pages * c->reps;
		fault_costs(c, &s, r);
		stats_compute(s.lat, r->samples, &r->lat);
		r->unstable = stats_unstable(rep_p50, c->reps, r->lat.p50,
					     UNSTABLE_PERMILLE, UNSTABLE_SLACK);
	}
	/* Keep the raw rows: move them to their own mapping. */
	struct bench_raw *raw = NULL;
	uint64_t rawbytes = ALIGN_UP(r->nraw * sizeof(*raw), PAGE_SIZE);
	if (!err && r->nraw) {
		raw = env_map(rawbytes, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!raw)
			err = -ENOMEM;
		else
			for (size_t i = 0; i < r->nraw; i++)
				raw[i] = r->raw[i];
	}
	int uerr = env_unmap(s.mem, s.bytes);
	r->raw = raw;
	if (err || uerr) {
		bench_release(r);
		return err ? err : uerr;
	}
	return 0;
}

void bench_release(struct bench_result *r)
{
	if (r->raw)
		env_unmap(r->raw,
			  ALIGN_UP(r->nraw * sizeof(*r->raw), PAGE_SIZE));
	r->raw = NULL;
	r->nraw = 0;
}
