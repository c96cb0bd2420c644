/*
 * faultline's command-line keys (/chosen/bootargs), as in the external
 * contract; the words are split by the generic tokenizer in lib/cmdline.h
 * (which also skips the loaders' words and quotes words in messages):
 *
 *   run=bench|tests|anatomy|none  what to do (default bench); anatomy:
 *                          one fault of each kind for make anatomy
 *   suite=NAME             benchmark suite (default "default")
 *   pattern=P              only cases of this access pattern (default: all)
 *   pages=N                pages per case (default: the suite's)
 *   vmas=N                 find_vma scaling at N VMAs only (default: the
 *                          suite's counts, 1 .. 100,000)
 *   iters=N                iterations per case (default: the suite's)
 *   seed=N                 random seed (default 1)
 *   stages=on|off          per-stage timestamps (default off)
 *   folio=none|S[,S...]    large folios a write fault may map (default
 *                          none: base pages only). Each S is a size in
 *                          bytes with an optional k or m suffix (16k, 64k,
 *                          2m), a power of two from 2 pages to half a block
 *                          (8k .. 1m with 4 KiB pages), each listed once
 *   thp=always|never       whether a fault maps a whole block (2m, 32m,
 *                          512m with 4K, 16K, 64K pages) where its VMA
 *                          covers one and no table is under it (default
 *                          never); Linux's transparent_hugepage/enabled
 *   step=page|4k           what one of pages= counts in seq, reverse,
 *                          random, stride and sparse: a base page (default)
 *                          or 4 KiB whatever the granule, as the Linux
 *                          program touches (same as page at 4K)
 *   mode=icount|tcg|hw     how the counts were made, for the CSV: QEMU with
 *                          -icount, QEMU without, hardware (default: tcg on
 *                          qemu-virt, hw elsewhere; the host runner says)
 *   counter=pmccntr|cntvct|inst  the benchmark counter (default: PMCCNTR_EL0
 *                          if the PMU counts, else CNTVCT_EL0; inst: the
 *                          INST_RETIRED event, where the PMU offers it)
 *   cpus=N|all             CPUs that run the kernel (default 1; all: the
 *                          tree's CPU nodes, at most NR_CPUS). Checked
 *                          against the tree at boot (arch/aarch64/smp.h);
 *                          applies to every run mode
 *   smp=windows|rate       suite=smp's measurement: windows (default), one
 *                          core at a time with the peers parked; rate, every
 *                          core faulting at once, faults/s per core
 *                          (bench/kernel/smp_rate.h)
 *
 * NAME and P are [A-Za-z0-9_-]+, at most CMDLINE_NAME_MAX - 1 characters. N is
 * decimal or 0x-hexadecimal, at least 1 (seed: any 64-bit value). Each key may
 * appear once. An unknown key (the reason lists the known ones), a word
 * without '=', an empty or malformed
 * value, a number that overflows or a repeated key is an error: nothing is
 * silently defaulted. Keys other than run= tune the benchmark: with
 * run=tests or run=none each one given gets a warning line
 * ("command line: warning: pattern= does not apply to run=tests (ignored)").
 */
#ifndef BENCH_ARGS_H
#define BENCH_ARGS_H

#include "lib/cmdline.h"
#include "lib/types.h"

#define CMDLINE_NAME_MAX 32

enum run_mode {
	RUN_BENCH, /* run a benchmark suite (default) */
	RUN_TESTS, /* run the in-guest test suite */
	RUN_NONE,  /* boot, report, stop */
	RUN_ANATOMY, /* one fault of each kind, for tracing (bench/anatomy.h) */
	RUN_CRASH, /* an undefined instruction on the last CPU online: the crash path's test */
};

/* Bits of cmdline.given: which keys appeared on the line. */
#define CMDLINE_RUN BIT(0)
#define CMDLINE_SUITE BIT(1)
#define CMDLINE_PATTERN BIT(2)
#define CMDLINE_PAGES BIT(3)
#define CMDLINE_ITERS BIT(4)
#define CMDLINE_SEED BIT(5)
#define CMDLINE_STAGES BIT(6)
#define CMDLINE_MODE BIT(7)
#define CMDLINE_COUNTER BIT(8)
#define CMDLINE_VMAS BIT(9)
#define CMDLINE_FOLIO BIT(10)
#define CMDLINE_THP BIT(11)
#define CMDLINE_STEP BIT(12)
#define CMDLINE_CPUS BIT(13)
#define CMDLINE_SMP BIT(14)

/* mode= values; MODE_DEFAULT when not given. */
enum cmdline_mode { MODE_DEFAULT, MODE_ICOUNT, MODE_TCG, MODE_HW };

/* counter= values; COUNTER_DEFAULT when not given. */
enum cmdline_counter { COUNTER_DEFAULT, COUNTER_PMCCNTR, COUNTER_CNTVCT, COUNTER_INST };

struct cmdline {
	enum run_mode run;
	char suite[CMDLINE_NAME_MAX];   /* "default" unless given */
	char pattern[CMDLINE_NAME_MAX]; /* "" = every pattern */
	uint64_t pages;                 /* 0 = the suite's default */
	uint64_t iters;                 /* 0 = the suite's default */
	uint64_t vmas;                  /* 0 = the suite's find_vma counts */
	uint64_t seed;                  /* 1 unless given */
	unsigned folio_orders;          /* folio=: bit k for 2^k pages (mm_set_folios) */
	bool stages;                    /* off unless given */
	bool thp;                       /* thp=always; never unless given */
	bool step_4k;                   /* step=4k; page unless given */
	enum cmdline_mode mode;         /* MODE_DEFAULT unless given */
	enum cmdline_counter counter;   /* COUNTER_DEFAULT unless given */
	uint64_t cpus;                  /* cpus=N: 1 unless given (0 never) */
	bool cpus_all;                  /* cpus=all */
	bool smp_rate;                  /* smp=rate; windows unless given */
	unsigned given;                 /* CMDLINE_* bits of the keys given */
	unsigned skipped;               /* loaders' words skipped */
};

/*
 * cmdline_parse: parse `line` into *cl (defaults first, then the words).
 * Returns 0, or -EINVAL with *why set to a line such as
 * "bad command line: unknown key 'foo' (keys: run suite ...)" (printable
 * ASCII: an unknown key's reason lists the keys; valid until the
 * next call; print it with info()). Skipped loader words and keys that do
 * not apply to the run are noted on the console.
 */
int cmdline_parse(const char *line, struct cmdline *cl, const char **why);

/*
 * cmdline_format: the keys cl->given names, as a command line that
 * cmdline_parse turns back into *cl (loader words are not kept), in buf of
 * `size` bytes. Returns the length it needs (as snprintf: the text is cut
 * short, still NUL-terminated, when that is >= size).
 */
int cmdline_format(const struct cmdline *cl, char *buf, size_t size);

/* cmdline_run_name: "bench", "tests", "anatomy", "crash" or "none". */
const char *cmdline_run_name(enum run_mode run);

#endif
