/*
 * The portable benchmark core: access patterns over fresh anonymous memory,
 * timed one access at a time, with integer statistics and CSV rows.
 *
 * It reaches its operating system only through bench/env.h, so the same code
 * runs inside faultline (bench/kernel/env_kernel.c, driven by
 * bench/kernel/main.c) and as a static Linux program (tools/linux/env_linux.c).
 * Entry points for a driver:
 *
 *   n = bench_suite(name, &cases)            the cases of a named suite
 *   bench_calibrate(&hooks)                  counter-read overhead
 *   bench_run_case(&cases[i], &hooks, &res)  run one case (0 or -errno)
 *   bench_summary_row / bench_raw_row        format its CSV rows
 *   bench_release(&res)                      give its sample memory back
 *
 * One sample is the latency of one access instruction:
 *
 *   t0 = env_counter(); <one load or store>; t1 = env_counter();
 *   latency = t1 - t0 - overhead   (overhead: min of back-to-back reads)
 *
 * With stage stamps (hooks->stamps_arm set), the fault path's timestamps
 * split t1 - t0 into BENCH_NR_STAGES consecutive parts that sum to it:
 *
 *   t0   ENTRY  DECODE  LOOKUP  WALK  ALLOC  ZERO  MAP  EXIT    t1
 *   |entry|decode|lookup |walk |alloc|zero |map |exit |eret |
 *
 * A stamp a fault did not take (no ALLOC on a zero-page read) is 0 and
 * counts as equal to the stamp before it, so its part is 0.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include "lib/types.h"
#include "bench/stats.h"
#include "mm/fault.h"

/*
 * Stage parts of one sample (see the picture above): one per stamp of
 * mm/fault.h's FAULT_STAGES list, BS_ENTRY .. BS_EXIT, then the ERET.
 */
enum bench_stage {
#define BENCH_STAGE_ENUM(NAME, name) BS_##NAME,
	FAULT_STAGES(BENCH_STAGE_ENUM)
#undef BENCH_STAGE_ENUM
	BS_ERET,
	BENCH_NR_STAGES
};
/* Stamps the fault path takes: ENTRY .. EXIT. */
#define BENCH_NR_STAMPS NR_STAGES

/* bench_stage_name: "entry", "decode", ..., "eret", for CSV column names. */
extern const char *const bench_stage_name[BENCH_NR_STAGES];

/* What the timed instruction does (the CSV "access" column). */
enum bench_access {
	ACCESS_READ,      /* first touch by a load: zero-page fault */
	ACCESS_WRITE,     /* first touch by a store: private page */
	ACCESS_RW,        /* store to a page read-faulted before the sample */
	ACCESS_RETOUCH,   /* store to a page written before: no fault */
};

/* How the touched pages are laid out and ordered. */
enum bench_kind {
	KIND_SEQ,     /* pages 0, 1, 2, ... */
	KIND_REVERSE, /* pages n-1, ..., 0 */
	KIND_RANDOM,  /* a seeded random permutation of 0..n-1 */
	KIND_STRIDE,  /* pages 0, N, 2N, ... of a region N times as large */
	KIND_SPARSE,  /* a seeded random 1-in-N subset, ascending */
	KIND_BRK,     /* grow the break by N pages, touch them, repeat */
	KIND_CHURN,   /* per sample: map one page, touch it, unmap it */
};

/* Variants that disturb the machine before every sample. */
#define COLD_TLB BIT(0)   /* hooks->tlb_cold() (skipped where absent) */
#define COLD_CACHE BIT(1) /* stream through a buffer larger than the caches */

struct bench_case {
	const char *pattern;     /* CSV name: "seq", "stride-16", "seq-tlbcold" */
	enum bench_kind kind;
	unsigned param;          /* N of stride-N, sparse-N, brk-grow-N */
	enum bench_access access;
	uint64_t pages;          /* pages touched per repetition */
	unsigned reps;           /* measured repetitions (one warm-up more) */
	unsigned cold;           /* COLD_* */
	unsigned folio;          /* folio orders the case runs with (bit k:
				    2^k pages, mm_set_folios; BENCH_FOLIO_NONE:
				    base pages); 0: the command line's
				    folio=. With folios, seq, reverse
				    and random touch the first page of each
				    chunk of the largest folio's size, so that
				    every touch is one fault of one folio */
	bool thp;                /* the case runs with thp=always (whatever
				    thp= says), and seq, reverse and random
				    touch the first page of each block: every
				    touch is one fault of one block */
	bool step_4k;            /* seq, reverse, random, stride and sparse
				    count pages (and touch) in 4 KiB units
				    whatever PAGE_SIZE is (step=4k), as the
				    Linux program does; the same at 4K */
};

/*
 * 4 KiB, whatever PAGE_SIZE is: the unit of bench_case.step_4k (step=4k),
 * of bench_result.mapped_4k and of the CSV's cost_per_4k column.
 */
#define BENCH_UNIT_4K 4096u

/* bench_case.folio of a case that runs with base pages whatever folio= says. */
#define BENCH_FOLIO_NONE BIT(0)

/* What the driver's OS adds; any hook may be NULL. */
struct bench_hooks {
	uint64_t overhead;              /* counter-read overhead (calibrated) */
	uint64_t seed;                  /* random patterns */
	void (*stamps_arm)(void);       /* clear the stamps and start taking them */
	void (*stamps_take)(uint64_t stamp[BENCH_NR_STAMPS]); /* stop; copy them */
	void (*tlb_cold)(void);         /* invalidate the whole TLB */
};

/* Measured repetitions a case may ask for. */
#define BENCH_REPS_MAX 32

/* Raw rows kept per case (the first samples of the first measured rep). */
#define BENCH_RAW_MAX 256
/* Samples of the stage pass (one extra repetition with stamps on). */
#define BENCH_STAGE_MAX 4096

struct bench_raw {
	uint32_t page;                  /* page index touched */
	uint64_t latency;               /* timing pass */
	uint64_t latency_staged;        /* stage pass (0 without stages) */
	uint64_t stage[BENCH_NR_STAGES];
};

struct bench_result {
	uint64_t samples;               /* timed accesses, warm-up excluded */
	uint64_t faults;                /* env_faults() during them */
	uint64_t pages_allocated;       /* env_pages_allocated() during them */
	uint64_t table_pages;           /* env_table_pages() one repetition's
					   touches added (ENV_UNKNOWN: unknown) */
	/*
	 * The measured samples that faulted, classified by the data pages
	 * their fault allocated (more than one: a whole folio or block):
	 */
	uint64_t fault_samples;         /* samples whose env_faults() moved */
	uint64_t mapped_4k;             /* 4 KiB units the samples mapped: touched,
					   or allocated where that is more */
	uint64_t folio_allocs;          /* ... that allocated more than one page
					   (a folio or a block, as Linux's mTHP
					   anon_fault_alloc counts the PMD size) */
	uint64_t block_allocs;          /* ... that allocated a block (PMD) */
	uint64_t fault_p50;             /* p50 of the whole-folio ones, else of all */
	uint64_t cost_4k_x100;          /* (whole-folio x their p50 + others x
					   theirs) / 4 KiB units touched, x100 */
	struct stats lat;
	bool unstable;                  /* repetitions' medians disagree */
	bool staged;                    /* stage_p50 and raw[].stage are valid */
	uint64_t staged_p50;            /* p50 of the stage pass itself */
	uint64_t stage_p50[BENCH_NR_STAGES];
	size_t nraw;
	struct bench_raw *raw;          /* env_map'ed; bench_release frees */
};

/*
 * bench_evict_bytes: the cold-cache variants' eviction buffer: twice the
 * largest cache the core reports (env_cache_bytes), 4 MiB when it reports
 * none, at most 64 MiB, whole pages.
 */
uint64_t bench_evict_bytes(void);

/* bench_folio_step: pages between two touches of c's seq, reverse, random (1 without folios). */
uint64_t bench_folio_step(const struct bench_case *c);

/* bench_suite: the cases of suite `name` in *cases; their count, 0 if unknown. */
size_t bench_suite(const char *name, const struct bench_case **cases);

/*
 * bench_suite_vma_counts: the find_vma VMA counts of suite `name` in
 * *counts (the short list for small and guard); their count, 0 if unknown.
 */
size_t bench_suite_vma_counts(const char *name, const uint64_t **counts);

/* bench_suite_names: the suites' names, "default, small, folio, guard". */
const char *bench_suite_names(void);

/*
 * bench_timed: one timed access to p, a load (ACCESS_READ) or a store of 1
 * (the others) between two env_counter() reads; returns t1 - t0 and stores
 * the two readings.
 */
uint64_t bench_timed(volatile uint64_t *p, enum bench_access a, uint64_t *t0out,
		     uint64_t *t1out);

/* bench_calibrate: the counter-read overhead: min of many back-to-back reads. */
uint64_t bench_calibrate(void);

/* Largest span (pages of address space a repetition maps, gaps included):
 * the touch order holds page indices in 32 bits. */
#define BENCH_SPAN_MAX 0xffffffffull

/*
 * What faults may map while a case runs, and what the allocator holds:
 * the folio orders and thp switch the mm runs the case with (the case's
 * own, else the command line's), and the free bytes, which bound how many
 * folios or blocks of one size can be had (a fault that cannot get one
 * falls back to the next size down, and at last to a base page).
 */
struct bench_room {
	unsigned folio_orders;  /* bit k: a write fault may map 2^k pages */
	bool thp;               /* a fault may map a block */
	uint64_t free;          /* bytes the page allocator holds */
};

/* What one run of a case takes at most, in bytes (tables: in pages). */
struct bench_footprint {
	uint64_t scratch;       /* order, samples, stage arrays, raw rows */
	uint64_t data;          /* the data pages one repetition maps */
	uint64_t tables;        /* translation-table pages both may add */
	uint64_t total;         /* scratch + data + tables x PAGE_SIZE */
};

/*
 * bench_case_footprint: the most memory one run of c takes under m, in *f:
 * its scratch, the data one repetition maps and the tables of both. A write touch counts what it
 * may really map: a block, else the largest folio that can be had (as many
 * as lie naturally aligned inside the region and in m->free; the case's own
 * folio or block at least once), else a base page; never more than the
 * region. Every size is computed with overflow checks. 0; -EINVAL if c is
 * malformed (no pages, reps outside 1..BENCH_REPS_MAX, a stride, sparse or
 * brk step of 0); -ERANGE if a size overflows 64 bits or the span exceeds
 * BENCH_SPAN_MAX pages.
 */
int bench_case_footprint(const struct bench_case *c, const struct bench_room *m,
			 struct bench_footprint *f);

/*
 * bench_case_need: bench_case_footprint with c's own folio and thp, and
 * every folio or block that may be mapped counted.
 */
int bench_case_need(const struct bench_case *c, uint64_t *bytes);

/*
 * bench_case_fits: whether c, with its own folio and thp, fits in `bytes`
 * (its footprint with `bytes` free is at most `bytes`).
 */
bool bench_case_fits(const struct bench_case *c, uint64_t bytes);

/*
 * What of the command line a case depends on (c as the run tunes it, with
 * pages= applied), as BENCH_USES_* bits: pages= and iters= size every case;
 * seed= orders random and sparse; step= counts the units of seq, reverse,
 * random, stride and sparse; stages= splits the faults of any access but
 * retouch; folio= (sizes `folio_orders`, 0 for none) reaches a write or
 * re-touch case without a folio of its own whose region holds the smallest
 * size, churn excepted (one page per mapping); thp= one without its own
 * thp whose region holds a block, churn excepted.
 */
#define BENCH_USES_PAGES BIT(0)  /* pages=, iters= */
#define BENCH_USES_SEED BIT(1)
#define BENCH_USES_STEP BIT(2)
#define BENCH_USES_STAGES BIT(3)
#define BENCH_USES_FOLIO BIT(4)
#define BENCH_USES_THP BIT(5)
unsigned bench_case_uses(const struct bench_case *c, unsigned folio_orders);

/*
 * bench_run_case: run c (a warm-up repetition, c->reps measured ones, then
 * a stage pass if hooks->stamps_arm) and fill r. Every mapping it makes is
 * unmapped before it returns. 0, -EINVAL (bad case), -ERANGE (sizes
 * overflow, see bench_case_need) or -ENOMEM.
 */
int bench_run_case(const struct bench_case *c, const struct bench_hooks *h,
		   struct bench_result *r);

/* bench_release: unmap r's raw rows. */
void bench_release(struct bench_result *r);

/* bench_access_name: the CSV "access" value. */
const char *bench_access_name(enum bench_access a);

#endif
