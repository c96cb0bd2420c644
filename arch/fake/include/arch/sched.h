/*
 * The fake's interleaving scheduler: K fake CPUs are host threads (each has
 * called percpu_enter(cpu)), but only one runs at a time. It holds the
 * baton (a mutex and one condition variable per CPU) and passes it on only
 * at an interleaving point: fake_step() (every <arch/atomic.h> operation,
 * every fake spinlock operation, every entry store and table walk of the
 * fake MMU) or arch_wait_event(). Which CPU takes the next step is decided
 * by an input byte stream, so the same input gives the same interleaving
 * and, the code being deterministic, the same result: a fuzzer's input can
 * choose the interleaving, and a failing one replays.
 *
 * Input encoding: at a decision, one byte b: the next CPU is the
 * (b & 3) % n-th of the n runnable CPUs (in CPU order), and it keeps the
 * baton for b >> 2 more interleaving points before the next decision. A
 * CPU that finishes, or waits, forces a decision. Once the input is used
 * up, the running CPU keeps the baton until it finishes or waits; then the
 * next runnable CPU in CPU order after it takes it.
 *
 * Waiting: a CPU in arch_wait_event (a contended fake spinlock, a WFE loop)
 * is not runnable until another CPU has passed an interleaving point (what
 * it waits for may then have changed: a real core's event). If every CPU
 * still running waits, all are woken (WFE may wake spuriously); a true
 * deadlock therefore runs on until the step limit, which aborts the process
 * with a message ("fake_sched: ... steps").
 *
 * Threads that are not the scheduler's (the test's main thread) pass
 * through the interleaving points untouched; outside fake_sched_run the
 * hooks are unset and the points cost one load.
 */
#ifndef ARCH_FAKE_SCHED_H
#define ARCH_FAKE_SCHED_H

#include "lib/types.h"
#include <arch/percpu.h>

/* The default step limit: interleaving points of all CPUs in one run. */
#define FAKE_SCHED_MAX_STEPS 10000000ull

/* A fake CPU's work: runs on its own thread, as CPU `cpu`. */
typedef void fake_cpu_fn(unsigned cpu, void *arg);

struct fake_sched {
	/* In: set by the caller. */
	unsigned ncpus;            /* 1 .. NR_CPUS */
	const uint8_t *input;      /* the decisions (may be NULL: len 0) */
	size_t len;
	uint64_t max_steps;        /* 0: FAKE_SCHED_MAX_STEPS */
	uint8_t *trace;            /* optional: the CPU of each step, */
	size_t trace_cap;          /* the first trace_cap of them */

	/* Out: what the run did. */
	uint64_t steps;            /* interleaving points passed, all CPUs */
	uint64_t cpu_steps[NR_CPUS];
	uint64_t switches;         /* times the baton went to another CPU */
	uint64_t waits;            /* arch_wait_event calls */
	uint64_t decisions;        /* input bytes used */
	uint64_t hash;             /* FNV-1a of the (cpu, cpu's step) sequence */
};

/*
 * fake_sched_run: run fn(cpu, arg) on s->ncpus fake CPUs (threads, CPUs 0
 * .. ncpus-1) under the baton, the interleaving chosen by s->input; return
 * when every one has returned, with s's out fields filled. 0, -EINVAL
 * (ncpus out of range, a run already under way) or -ENOMEM (no thread).
 */
int fake_sched_run(struct fake_sched *s, fake_cpu_fn *fn, void *arg);

/* fake_sched_cpu: the calling thread's fake CPU under the scheduler, or -1. */
int fake_sched_cpu(void);

/*
 * fake_sched_others: whether a fake CPU other than the caller is still
 * running (so that a CPU retrying an access another one is changing may
 * wait for it: arch_wait_event); false outside a run.
 */
bool fake_sched_others(void);

#endif
