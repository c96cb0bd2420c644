/*
 * CSV formatting of benchmark rows (column lists in bench/csv.h).
 */
#include "bench/csv.h"
#include "bench/env.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#if defined(__clang__)
const char bench_toolchain[] = "clang-" STR(__clang_major__) "." STR(__clang_minor__)
			       "." STR(__clang_patchlevel__);
#elif defined(__GNUC__)
const char bench_toolchain[] = "gcc-" STR(__GNUC__) "." STR(__GNUC_MINOR__)
			       "." STR(__GNUC_PATCHLEVEL__);
#else
const char bench_toolchain[] = "unknown";
#endif

static void put(struct csv_line *l, const char *s, size_t n)
{
	if (l->overflow || l->len + n + 1 > CSV_LINE_MAX) {
		l->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		l->buf[l->len++] = s[i];
	l->buf[l->len] = '\0';
}

static void sep(struct csv_line *l)
{
	if (l->fields++ > 0)
		put(l, ",", 1);
}

void csv_reset(struct csv_line *l)
{
	l->len = 0;
	l->fields = 0;
	l->overflow = false;
	l->buf[0] = '\0';
}

void csv_str(struct csv_line *l, const char *s)
{
	size_t n = 0;

	sep(l);
	while (s[n])
		n++;
	put(l, s, n);
}

/* Decimal digits of v into the end of tmp[24]; returns the first. */
static const char *digits(uint64_t v, char tmp[24])
{
	char *p = tmp + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

void csv_u64(struct csv_line *l, uint64_t v)
{
	char tmp[24];

	csv_str(l, digits(v, tmp));
}

void csv_fixed2(struct csv_line *l, uint64_t v)
{
	char tmp[24];
	const char *s = digits(v / 100, tmp);
	char frac[3] = { (char)('0' + v % 100 / 10), (char)('0' + v % 10), 0 };

	csv_str(l, s);
	put(l, ".", 1);
	put(l, frac, 2);
}

void csv_empty(struct csv_line *l)
{
	sep(l);
}

void csv_size(struct csv_line *l, unsigned shift)
{
	char tmp[24];

	if (!shift) {
		csv_str(l, "none");
		return;
	}
	csv_str(l, digits(1ull << (shift >= 20 ? shift - 20 : shift - 10), tmp));
	put(l, shift >= 20 ? "m" : "k", 1);
}

static void stage_columns(struct csv_line *l, const char *suffix)
{
	for (int s = 0; s < BENCH_NR_STAGES; s++) {
		char name[32];
		size_t n = 0;

		for (const char *p = "stage_"; *p; p++)
			name[n++] = *p;
		for (const char *p = bench_stage_name[s]; *p && n < 20; p++)
			name[n++] = *p;
		for (const char *p = suffix; *p && n < 31; p++)
			name[n++] = *p;
		name[n] = '\0';
		csv_str(l, name);
	}
}

void bench_summary_header(struct csv_line *l)
{
	static const char *const head[] = {
		"board", "cpu", "mode", "counter", "unit", "pattern", "access",
		"pages", "samples", "faults", "pages_allocated", "min", "p50",
		"p90", "p99", "max", "mean", "stddev", "p99.9",
	};
	static const char *const tail[] = {
		"staged_p50", "baseline_p50", "floor_sum", "floor_ratio", "el",
		"cntfrq", "stages", "build", "unstable", "granule", "folio",
		"per_4k_p50", "table_pages",
	};

	csv_reset(l);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		csv_str(l, head[i]);
	stage_columns(l, "_p50");
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		csv_str(l, tail[i]);
}

void bench_raw_header(struct csv_line *l)
{
	static const char *const head[] = {
		"board", "mode", "unit", "pattern", "access", "pages", "sample",
		"page", "latency", "latency_staged",
	};
	static const char *const keys[] = {
		"cpu", "counter", "granule", "folio", "build", "rep",
	};

	csv_reset(l);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		csv_str(l, head[i]);
	stage_columns(l, "");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		csv_str(l, keys[i]);
}

/* The folio column: m's when the run sets it, else the largest of orders. */
static void folio_column(struct csv_line *l, const struct bench_meta *m,
			 unsigned orders)
{
	if (m->folio)
		csv_str(l, m->folio);
	else
		csv_size(l, orders ? PAGE_SHIFT + 31 - (unsigned)__builtin_clz(orders) : 0);
}

void bench_summary_row(struct csv_line *l, const struct bench_meta *m,
		       const struct bench_row *row)
{
	const struct stats *s = row->lat;

	csv_reset(l);
	csv_str(l, m->board);
	csv_str(l, m->cpu);
	csv_str(l, m->mode);
	csv_str(l, m->counter);
	csv_str(l, m->unit);
	csv_str(l, row->pattern);
	csv_str(l, row->access);
	csv_u64(l, row->pages);
	csv_u64(l, row->samples);
	csv_u64(l, row->faults);
	csv_u64(l, row->pages_allocated);
	csv_u64(l, s->min);
	csv_u64(l, s->p50);
	csv_u64(l, s->p90);
	csv_u64(l, s->p99);
	csv_u64(l, s->max);
	csv_u64(l, s->mean);
	csv_u64(l, s->stddev);
	csv_u64(l, s->p999);
	for (int i = 0; i < BENCH_NR_STAGES; i++) {
		if (row->stage_p50)
			csv_u64(l, row->stage_p50[i]);
		else
			csv_empty(l);
	}
	if (row->stage_p50)
		csv_u64(l, row->staged_p50);
	else
		csv_empty(l);
	if (row->baseline_p50)
		csv_u64(l, row->baseline_p50);
	else
		csv_empty(l);
	if (row->floor_sum) {
		csv_u64(l, row->floor_sum);
		csv_fixed2(l, (s->p50 * 100 + row->floor_sum / 2) / row->floor_sum);
	} else {
		csv_empty(l);
		csv_empty(l);
	}
	csv_u64(l, m->el);
	csv_u64(l, m->cntfrq);
	csv_str(l, m->stages ? "on" : "off");
	csv_str(l, m->build);
	csv_u64(l, row->unstable);
	csv_str(l, m->granule ? m->granule : "");
	folio_column(l, m, row->folio);
	if (row->faults) {
		uint64_t page = m->page_bytes ? m->page_bytes : PAGE_SIZE;
		uint64_t mapped = (row->pages_allocated ? row->pages_allocated : row->faults) * page;
		csv_fixed2(l, (s->p50 * row->faults * BENCH_UNIT_4K * 100 + mapped / 2) / mapped);
	} else {
		csv_empty(l);
	}
	if (row->table_pages != ENV_UNKNOWN)
		csv_u64(l, row->table_pages);
	else
		csv_empty(l);
}

void bench_page_header(struct csv_line *l)
{
	static const char *const cols[] = {
		"fault_p50", "pages_per_fault", "cost_per_4k", "folio_allocs",
		"thp_fault_alloc",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		csv_str(l, cols[i]);
}

void bench_page_row(struct csv_line *l, const struct bench_page_row *p)
{
	if (p->counted && p->faults) {
		csv_u64(l, p->fault_p50);
		csv_fixed2(l, (p->mapped_4k * 100 + p->faults / 2) / p->faults);
		csv_fixed2(l, p->cost_4k_x100);
	} else {
		csv_empty(l);
		csv_empty(l);
		csv_empty(l);
	}
	if (p->counted) {
		csv_u64(l, p->folio_allocs);
		csv_u64(l, p->thp_fault_alloc);
	} else {
		csv_empty(l);
		csv_empty(l);
	}
}

void bench_run_header(struct csv_line *l)
{
	static const char *const cols[] = {
		"toolchain", "ram_mib", "iters", "step", "thp",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		csv_str(l, cols[i]);
}

void bench_run_row(struct csv_line *l, const struct bench_meta *m,
		   const struct bench_row *row)
{
	csv_str(l, bench_toolchain);
	csv_u64(l, m->ram_bytes >> 20);
	if (row->iters)
		csv_u64(l, row->iters);
	else
		csv_empty(l);
	csv_str(l, m->step_4k ? "4k" : "page");
	csv_str(l, m->thp ? m->thp : row->thp ? "always" : "never");
}

void bench_raw_row(struct csv_line *l, const struct bench_meta *m,
		   const struct bench_case *c, unsigned folio,
		   const struct bench_result *r, size_t i)
{
	const struct bench_raw *raw = &r->raw[i];

	csv_reset(l);
	csv_str(l, m->board);
	csv_str(l, m->mode);
	csv_str(l, m->unit);
	csv_str(l, c->pattern);
	csv_str(l, bench_access_name(c->access));
	csv_u64(l, c->pages);
	csv_u64(l, i);
	csv_u64(l, raw->page);
	csv_u64(l, raw->latency);
	if (r->staged)
		csv_u64(l, raw->latency_staged);
	else
		csv_empty(l);
	for (int s = 0; s < BENCH_NR_STAGES; s++) {
		if (r->staged)
			csv_u64(l, raw->stage[s]);
		else
			csv_empty(l);
	}
	csv_str(l, m->cpu);
	csv_str(l, m->counter);
	csv_str(l, m->granule ? m->granule : "");
	folio_column(l, m, folio);
	csv_str(l, m->build);
	csv_u64(l, 1); /* raw rows are the first measured repetition's */
}
