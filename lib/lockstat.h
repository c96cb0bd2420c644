/*
 * Lock statistics, Linux's lock_stat in miniature: for each lock the
 * acquisitions, the contended ones (the lock was not free at the first
 * look, so the CPU waited), and the time spent waiting for it and holding
 * it, in CNTVCT_EL0 ticks (arch_read_cntvct: one count for every CPU,
 * there on every core, PMU or not; under QEMU -icount a tick is 16
 * instructions of the whole machine; on the fake, host nanoseconds). Each
 * CPU counts on a cache line of its own (struct lockstat_cpu); a reader
 * sums the CPUs (lockstat_read), exact at a quiescent point, as Linux's
 * percpu counters are read.
 *
 * Two ways to count, by where the lock is taken:
 *
 *   timed      locks off the fault path (the mm writers', the console's):
 *              the lock's code calls lockstat_acquired once it holds the
 *              lock and lockstat_released before it lets go, so every
 *              acquisition is counted and its wait and hold timed.
 *   contended  a ticket lock a fault may take (the page allocator's run
 *              lock: folio and block faults): the lock's own wait loop
 *              counts its contended acquisitions and their waits in the
 *              CPU's block (<arch/spinlock.h>, arch_spin_lock_as), and
 *              its acquisitions are its ticket count (arch_spin_tickets),
 *              so the uncontended path is what it was and writes nothing
 *              more. Its hold is not measured (a counter read there would
 *              lengthen every folio fault).
 */
#ifndef LIB_LOCKSTAT_H
#define LIB_LOCKSTAT_H

#include "lib/types.h"
#include <arch/cpu.h>
#include <arch/percpu.h>

/* One CPU's counts of one lock: written by that CPU only. */
struct lockstat_cpu {
	uint64_t acquired;  /* timed locks: acquisitions by this CPU */
	uint64_t contended; /* acquisitions that found the lock held and waited */
	uint64_t wait;      /* ticks from asking to holding, every acquisition */
	uint64_t hold;      /* ticks from holding to letting go */
	uint64_t since;     /* when this CPU took it (timed) */
} __attribute__((aligned(64)));

/* One lock's (or one class of locks': every mm's writer lock) counts. */
struct lockstat {
	struct lockstat_cpu cpu[NR_CPUS];
};

/* What a reader gets: the CPUs' counts summed. */
struct lockstat_sum {
	uint64_t acquired, contended, wait, hold;
	bool timed; /* every acquisition timed (wait and hold); else only the
		       contended waits, and hold is not measured */
};

/* lockstat_this: the calling CPU's counts of s. */
static inline struct lockstat_cpu *lockstat_this(struct lockstat *s)
{
	return &s->cpu[arch_cpu_id()];
}

/* lockstat_now: a timestamp for lockstat_acquired (CNTVCT_EL0, serialised). */
static inline uint64_t lockstat_now(void)
{
	return arch_read_cntvct();
}

/*
 * lockstat_acquired: the calling CPU holds a timed lock it asked for at t0
 * (lockstat_now); contended: it had to wait. Counts the acquisition, its
 * wait, and starts its hold.
 */
static inline void lockstat_acquired(struct lockstat *s, uint64_t t0, bool contended)
{
	struct lockstat_cpu *c = lockstat_this(s);
	uint64_t now = arch_read_cntvct();

	c->acquired++;
	c->contended += contended;
	c->wait += now - t0;
	c->since = now;
}

/* lockstat_released: the calling CPU lets go of a timed lock: its hold ends. */
static inline void lockstat_released(struct lockstat *s)
{
	struct lockstat_cpu *c = lockstat_this(s);

	c->hold += arch_read_cntvct() - c->since;
}

/* lockstat_read: a timed lock's counts s, summed over the CPUs, into *out. */
void lockstat_read(const struct lockstat *s, struct lockstat_sum *out);

/* lockstat_reset: every CPU's counts of s back to 0 (a quiescent point). */
void lockstat_reset(struct lockstat *s);

#endif
