/*
 * The static Linux program that runs the benchmark patterns for
 * `make compare` (tools/linux/): what its files share beyond bench/env.h.
 */
#ifndef TOOLS_LINUX_LINUX_H
#define TOOLS_LINUX_LINUX_H

#include "lib/types.h"

struct perf_event_mmap_page;

/* The latency counter env_counter() reads (pmu.c, env_linux.c). */
enum linux_counter {
	LINUX_CNTVCT,   /* CNTVCT_EL0: always readable; 1/cntfrq s per tick */
	LINUX_PMCCNTR,  /* PMCCNTR_EL0 through perf (cycles; instructions under icount) */
	LINUX_INST,     /* an event counter on INST_RETIRED through perf */
};

/* The program's arguments (faultline command-line keys; see init.c). */
struct linux_opts {
	const char *run;     /* "bench", "smp", "tests" or "none" */
	const char *suite;   /* bench_suite() name */
	const char *pattern; /* only cases of this pattern (NULL: all) */
	const char *board;   /* CSV "board": where this runs ("qemu-virt") */
	const char *mode;    /* CSV "mode": "icount", "tcg" or "hw" */
	uint64_t pages;      /* override every case's page count (0: no) */
	uint64_t iters;      /* override every case's repetitions (0: no) */
	uint64_t seed;       /* random patterns */
	const char *counter; /* "pmccntr", "inst", "cntvct" (NULL: best offered) */
	const char *config;  /* a name for the kernel's configuration, or NULL */
	const char *folio;   /* folio= (folio.c), or NULL: THP off for the process */
	/* run=smp (smp.c) */
	uint64_t tasks;      /* tasks (0: one per online CPU) */
	const char *thp;     /* never, always or both (NULL: never) */
	uint64_t mb;         /* MiB each task faults (0: 128) */
	uint64_t runs;       /* tcg: runs (0: 10) */
	uint64_t secs;       /* tcg: seconds per run (0: 1) */
	const char *warmup;  /* icount: serial (NULL) or concurrent */
	const char *crng;    /* seed (NULL: seed the CRNG if not ready) or leave */
};

/* linux_bench: run suite o->suite and print its CSV blocks; 0 if every case ran. */
int linux_bench(const struct linux_opts *o);

struct bench_meta;
struct csv_line;

/* linux_meta: the metadata every row of this run repeats (board, counter, unit, ...). */
void linux_meta(struct bench_meta *m, const struct linux_opts *o);

/* linux_csv_header: the Linux summary header (summary, resolution,
 * linux_config, cmdline, page-size, what-was-measured, kernel_release). */
void linux_csv_header(struct csv_line *l);

/* linux_csv_config: add a row's resolution, linux_config and cmdline. */
void linux_csv_config(struct csv_line *l, const struct bench_meta *m,
		      const struct linux_opts *o);

/* linux_release: uname -r, CSV-safe. */
const char *linux_release(void);

/* linux_prepare: map the program's code and grow the stack now, so no
 * measured sample takes a fault on either. */
void linux_prepare(void);

/* linux_smp: run the SMP cases (smp.c) and print their CSV block; 0 if all ran. */
int linux_smp(const struct linux_opts *o);

/* linux_counter_freq: CNTFRQ_EL0, the frequency env_counter() ticks at. */
uint64_t linux_counter_freq(void);

/*
 * linux_pmu_open: open counter c (LINUX_PMCCNTR or LINUX_INST) on this task
 * for EL0 reads, closing the one opened before; its perf_event_mmap_page,
 * or NULL (linux_pmu_why_not says why).
 */
const volatile struct perf_event_mmap_page *linux_pmu_open(enum linux_counter c);

/*
 * linux_pmu_open_thread: open counter c on the calling thread alone, apart
 * from linux_pmu_open's event (each thread of an SMP case counts its own,
 * on the CPU it is pinned to); its page, or NULL (linux_pmu_why_not says
 * why). The event stays open as long as the thread lives.
 */
const volatile struct perf_event_mmap_page *linux_pmu_open_thread(enum linux_counter c);

/* linux_pmu_read: the count of the event whose page is pc, read at EL0 (rdpmc.h). */
uint64_t linux_pmu_read(const volatile struct perf_event_mmap_page *pc);

/* linux_pmu_close: close the event linux_pmu_open opened, if any. */
void linux_pmu_close(void);

/* linux_pmu_width: the open event's counter width in bits (0: none open). */
unsigned linux_pmu_width(void);

/* linux_pmu_why_not: why the last linux_pmu_open failed (NULL if it did not). */
const char *linux_pmu_why_not(void);

/*
 * linux_counter_use: make env_counter() read c; 0, or -ENODEV if the PMU
 * does not offer it (env_counter() then reads CNTVCT_EL0).
 */
int linux_counter_use(enum linux_counter c);

/* linux_counter_now: the counter env_counter() reads. */
enum linux_counter linux_counter_now(void);

/* linux_counter_name: the CSV "counter" value of c ("pmccntr", "inst_retired", "cntvct"). */
const char *linux_counter_name(enum linux_counter c);

/* linux_cpu_name: the core's name from MIDR_EL1 ("cortex-a72"). */
const char *linux_cpu_name(void);

/*
 * linux_folio_set: mount sysfs and enable exactly the anonymous folio size
 * named by folio ("none", "thp-always", "64k", "2m"...; see folio.c); 0, or
 * -1 after saying why (a bad name, a size the kernel lacks, sysfs refused).
 */
int linux_folio_set(const char *folio);

/* linux_folio_name: the CSV "folio" value: "none", "thp-always", "64k"... */
const char *linux_folio_name(void);

/* linux_granule_name: the CSV "granule" value from getpagesize(): "4k", "16k", "64k". */
const char *linux_granule_name(void);

/* What Linux counted of the folios its faults allocated, so far. */
struct linux_folio_stats {
	uint64_t folio_allocs;    /* hugepages-<folio>kB/stats/anon_fault_alloc (0: none) */
	uint64_t thp_fault_alloc; /* /proc/vmstat thp_fault_alloc (PMD size) */
};

/* linux_folio_stats: read the counters into s (0 where Linux has none). */
void linux_folio_stats(struct linux_folio_stats *s);

/* linux_table_pages: this process's page-table pages (VmPTE), in granule pages. */
uint64_t linux_table_pages(void);

/*
 * The faulting samples of one case (env_linux.c). bench/patterns.c reads
 * env_faults() just before and just after each timed access, with exactly
 * the two counter reads of the access between them; env_faults() sees that
 * and, when the count moved, records the sample's raw latency.
 */
struct linux_fault_log {
	uint64_t per_rep;     /* samples per repetition (the case's pages) */
	uint64_t total;       /* samples of the case, warm-up included */
	uint64_t samples;     /* timed samples seen, warm-up included */
	uint64_t faults;      /* faults inside measured samples */
	uint64_t n;           /* latencies in lat[] (measured faulting samples) */
	uint64_t max;         /* room in lat[] */
	uint64_t *lat;        /* raw latency (overhead not subtracted) */
	struct linux_folio_stats at_measure; /* at the end of the warm-up */
	struct linux_folio_stats at_end;     /* after the last sample */
	uint64_t table_base;  /* linux_table_pages() when the region was mapped */
	uint64_t table_peak;  /* the most a repetition's touches added */
};

/*
 * linux_fault_log_start: log the samples of the next case into l (lat[]
 * holds l->max entries, pre-faulted): reps repetitions of per_rep samples
 * after a warm-up one; NULL stops logging.
 */
void linux_fault_log_start(struct linux_fault_log *l, uint64_t per_rep,
			   uint64_t reps);

/* envcheck_run: check env_linux.c against what the patterns rely on; 0 if all passed. */
int envcheck_run(void);

#endif
