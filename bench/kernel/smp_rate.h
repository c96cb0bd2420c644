/*
 * suite=smp smp=rate (issue 19): concurrent throughput. Every core of a case
 * faults its pages at the same time, each timing its own loop; faults/s and
 * time per fault per core and in total, at 1, 2 and 4 cores. See
 * bench/kernel/smp_rate.c and docs/bench.md ("Concurrent throughput").
 */
#ifndef BENCH_KERNEL_SMP_RATE_H
#define BENCH_KERNEL_SMP_RATE_H

#include "bench/args.h"
#include "bench/csv.h"

/* The CSV block's name. */
#define SMP_RATE_BLOCK "smp-rate"

/* Bytes each core faults per repetition unless pages= says (will-it-scale
 * page_fault1 maps 128 MiB; half that keeps 4 cores within 512 MiB). */
#define SMP_RATE_BYTES_DEFAULT (64ull << 20)
/* At most this many pages per core and repetition. */
#define SMP_RATE_PAGES_MAX (1u << 20)
/* Timed repetitions per case unless iters= says (after one untimed). */
#define SMP_RATE_REPS_DEFAULT 4

/*
 * smp_rate_run: run the rate cases (pattern= selects page_fault1, pft,
 * pft-interleaved, or a placement) and print the "smp-rate" CSV block.
 * 0, or -EINVAL (pages= out of range, a pattern= that matches nothing) /
 * -ENOMEM (a case does not fit) / -EIO (a case failed or leaked), with
 * *why set.
 */
int smp_rate_run(const struct cmdline *cl, const struct bench_meta *meta, const char **why);

#endif
