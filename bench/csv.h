/*
 * CSV rows of the benchmark results, formatted without a C library so the
 * same code serves the kernel and the Linux comparison program.
 *
 * Summary (one row per case): the contract's columns first, in its order,
 *   board,cpu,mode,counter,unit,pattern,access,pages,samples,faults,
 *   pages_allocated,min,p50,p90,p99,max,mean,stddev
 * then
 *   p99.9, stage_<name>_p50 for entry decode lookup walk alloc zero map exit
 *   eret (empty when stages are off), staged_p50 (p50 with stamps on),
 *   baseline_p50 (the pattern's no-fault re-touch), floor_sum, floor_ratio
 *   (p50 / floor_sum, two decimals), el, cntfrq, stages, build, unstable,
 *   granule (the translation granule: 4k, 16k, 64k), folio (the largest
 *   folio size the case ran with, or none), per_4k_p50 (p50 divided by the
 *   4 KiB units one fault mapped: pages_allocated x page size / faults, a
 *   page for zero-page reads; two decimals; empty without faults),
 *   table_pages (translation-table pages one repetition's touches added;
 *   empty when unknown).
 * After the page-size columns (bench_page_header), what was measured
 * (bench_run_header): toolchain (the compiler that built this code and its
 * version, "gcc-12.2.0", "clang-16.0.6"), ram_mib (MiB of RAM the kernel
 * manages), iters (the case's measured repetitions; empty for floors and
 * find_vma), step (page or 4k), thp (always or never: whether the case's
 * faults may map a block). The host appends qemu and date
 * (docs/contract.md).
 * Raw (one row per sample, the first BENCH_RAW_MAX of each case):
 *   board,mode,unit,pattern,access,pages,sample,page,latency,latency_staged,
 *   stage_<name> for each stage (empty when stages are off), then the keys
 *   that tell a case's rows from another's: cpu, counter, granule, folio,
 *   build, rep (the measured repetition the samples come from: 1, the
 *   first after the warm-up).
 */
#ifndef BENCH_CSV_H
#define BENCH_CSV_H

#include "lib/types.h"
#include "bench/bench.h"

#define CSV_LINE_MAX 1024

/* One line under construction; fields are separated as they are added. */
struct csv_line {
	char buf[CSV_LINE_MAX];
	size_t len;
	unsigned fields;
	bool overflow;       /* a field did not fit: the line is unusable */
};

/* Per-run metadata repeated on every summary row. */
struct bench_meta {
	const char *board;   /* "qemu-virt" */
	const char *cpu;     /* "cortex-a72" (from MIDR_EL1) */
	const char *mode;    /* "icount", "tcg" or "hw" */
	const char *counter; /* "pmccntr" or "cntvct" */
	const char *unit;    /* "instructions", "cycles" or "ticks" */
	unsigned el;         /* exception level the benchmarks run at */
	uint64_t cntfrq;     /* CNTFRQ_EL0 */
	bool stages;         /* stage stamps taken */
	const char *build;   /* build id */
	const char *granule; /* "4k", "16k", "64k" */
	const char *folio;   /* every row's folio column, when the run sets the
			        folio size itself (Linux: sysfs); NULL: the case's */
	uint64_t page_bytes; /* bytes of one page that pages_allocated counts
				(Linux: the kernel's page size); 0: PAGE_SIZE */
	uint64_t ram_bytes;  /* RAM the kernel manages */
	bool step_4k;        /* step=4k: pages= counts 4 KiB */
	const char *thp;     /* every row's thp column, when the run sets it
				itself (Linux: sysfs); NULL: the row's */
};

/* One summary row: a case's result, or a floor / find_vma measurement. */
struct bench_row {
	const char *pattern;
	const char *access;
	uint64_t pages;
	uint64_t samples, faults, pages_allocated;
	const struct stats *lat;
	const uint64_t *stage_p50;  /* BENCH_NR_STAGES values, or NULL */
	uint64_t staged_p50;        /* with stage_p50 */
	uint64_t baseline_p50;      /* 0: none */
	uint64_t floor_sum;         /* 0: no ratio */
	bool unstable;
	unsigned folio;             /* folio orders the case ran with (0: none) */
	uint64_t table_pages;       /* ENV_UNKNOWN: unknown */
	unsigned iters;             /* measured repetitions (0: not a case) */
	bool thp;                   /* the case's faults may map a block */
};

/* csv_reset: start an empty line. */
void csv_reset(struct csv_line *l);
/* csv_str: add a text field (must not contain ',' or newlines). */
void csv_str(struct csv_line *l, const char *s);
/* csv_u64: add a decimal field. */
void csv_u64(struct csv_line *l, uint64_t v);
/* csv_fixed2: add v / 100 with two decimals ("3.07"). */
void csv_fixed2(struct csv_line *l, uint64_t v);
/* csv_empty: add an empty field. */
void csv_empty(struct csv_line *l);
/* csv_size: add 2^shift bytes as "16k" or "2m" (shift >= 10), "none" for 0. */
void csv_size(struct csv_line *l, unsigned shift);

/* bench_summary_header / bench_raw_header: the header rows. */
void bench_summary_header(struct csv_line *l);
void bench_raw_header(struct csv_line *l);

/* bench_summary_row: format one summary row. */
void bench_summary_row(struct csv_line *l, const struct bench_meta *m,
		       const struct bench_row *row);

/*
 * The page-size columns, after a summary row's own (docs/contract.md):
 * fault_p50, pages_per_fault, cost_per_4k, folio_allocs, thp_fault_alloc.
 */
struct bench_page_row {
	bool counted;           /* false: every column empty (not a fault case) */
	uint64_t faults;        /* 0: fault_p50 .. cost_per_4k empty */
	uint64_t mapped_4k;     /* 4 KiB units the samples mapped */
	uint64_t fault_p50;     /* p50 of the whole-folio faults, else of all */
	uint64_t cost_4k_x100;  /* faults' cost per 4 KiB mapped, x100 */
	uint64_t folio_allocs;  /* faults that mapped a folio */
	uint64_t thp_fault_alloc; /* faults that mapped a block (PMD) */
};

/* bench_page_header: add the page-size column names to l. */
void bench_page_header(struct csv_line *l);

/* bench_page_row: add p's page-size columns to l (pages_per_fault =
 * mapped_4k / faults, two decimals). */
void bench_page_row(struct csv_line *l, const struct bench_page_row *p);

/* The compiler that built this file, "gcc-12.2.0" or "clang-16.0.6". */
extern const char bench_toolchain[];

/* bench_run_header: add the what-was-measured column names to l:
 * toolchain, ram_mib, iters, step, thp. */
void bench_run_header(struct csv_line *l);

/* bench_run_row: add those columns of m and row to l. */
void bench_run_row(struct csv_line *l, const struct bench_meta *m,
		   const struct bench_row *row);

/* bench_raw_row: format raw row `i` of a case result; folio: the folio
 * orders the case ran with, as bench_row.folio. */
void bench_raw_row(struct csv_line *l, const struct bench_meta *m,
		   const struct bench_case *c, unsigned folio,
		   const struct bench_result *r, size_t i);

#endif
