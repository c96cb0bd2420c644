/*
 * run=anatomy: one fault of each kind, made to be traced instruction by
 * instruction from the host (make anatomy, tools/anatomy/, docs/anatomy.md).
 *
 * For each kind, in this order: write (first store to an anonymous page),
 * read (first load: the zero page), read-then-write (store to a page mapped
 * to the zero page) and retouch (store to a mapped page: no fault, the
 * control), anatomy_run() maps a fresh region and touches ANATOMY_WARM pages
 * of it that way (warm-up: caches, TLB, the region's tables). Then, back to
 * back, it touches one more page of each region through the one access
 * instruction that carries a global label:
 *
 *   anatomy_store   the store of the traced write, read-then-write, retouch
 *   anatomy_load    the load of the traced read
 *
 * A debugger breaks there; the instruction after the label is where the
 * trace ends. Each traced touch is timed and reported:
 *
 *   faultline: anatomy kind=write count=287 overhead=9 counter=...
 *
 * count = (t1 - t0) - overhead, where t0/t1 are env_counter() around the
 * access and overhead is the same code with no access in it (minimum of
 * ANATOMY_CALIBRATE runs): the instructions the access retired, itself
 * included once. Built into faultline and into the Linux program of
 * tools/anatomy/, so both kernels run the same instructions around the fault.
 */
#ifndef BENCH_ANATOMY_H
#define BENCH_ANATOMY_H

#include "lib/types.h"

#define ANATOMY_WARM 14
#define ANATOMY_CALIBRATE 256

enum anatomy_kind {
	ANATOMY_WRITE, ANATOMY_READ, ANATOMY_RW, ANATOMY_RETOUCH,
	ANATOMY_NR_KINDS
};

/* anatomy_kind_name: the CSV access name of kind k ("write", ...). */
const char *anatomy_kind_name(enum anatomy_kind k);

/* anatomy_run: trace targets for every kind, one report line each; 0 or -ENOMEM. */
int anatomy_run(void);

/*
 * The pieces of anatomy_run for the concurrent part on several cores
 * (bench/kernel/anatomy_smp.c): the same touches, the timed one through
 * its own labelled instructions, anatomy_smp_store and anatomy_smp_load,
 * which every core executes.
 */

/* anatomy_overhead: the timed code with no access in it (minimum of
 * ANATOMY_CALIBRATE runs), in counter ticks. */
uint64_t anatomy_overhead(void);

/* anatomy_prepare: what kind k does to page p before its timed touch. */
void anatomy_prepare(volatile uint64_t *p, enum anatomy_kind k);

/* anatomy_warm: a warm-up touch of kind k (prepared, timed access, unlabelled). */
void anatomy_warm(volatile uint64_t *p, enum anatomy_kind k);

/* anatomy_touch_concurrent: t1 - t0 around kind k's access of p (prepared
 * already) through anatomy_smp_store or anatomy_smp_load. */
uint64_t anatomy_touch_concurrent(volatile uint64_t *p, enum anatomy_kind k);

#endif
