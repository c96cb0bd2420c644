/*
 * The fake's atomics (the <arch/atomic.h> half of the seam): the same
 * operations and orderings as arch/aarch64's, on the compiler's __atomic
 * builtins, so host tests run them on real threads under ThreadSanitizer.
 *
 * Every operation first calls fake_step(): a point where another fake CPU
 * may take the next step. Unset (NULL hook), it does nothing; the
 * interleaving tests set fake_step_hook to a scheduler that decides, from
 * their input, which fake CPU runs next (arch/fake/sched.c: <arch/sched.h>).
 */
#ifndef ARCH_FAKE_ATOMIC_H
#define ARCH_FAKE_ATOMIC_H

#include <sched.h>

#include "lib/types.h"

extern bool arch_lse; /* which path the aarch64 build would take (unused here) */
void arch_atomics_init(bool force_llsc);

/* The interleaving point: NULL outside the interleaving tests. */
extern void (*fake_step_hook)(void);
/* A fake CPU's wait for an event (arch_wait_event): the scheduler's, or NULL. */
extern void (*fake_wait_hook)(void);

static inline void fake_step(void)
{
	if (fake_step_hook)
		fake_step_hook();
}

static inline uint64_t arch_read_once(const uint64_t *p)
{
	fake_step();
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void arch_write_once(uint64_t *p, uint64_t v)
{
	fake_step();
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline uint64_t arch_load_acquire(const uint64_t *p)
{
	fake_step();
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void arch_store_release(uint64_t *p, uint64_t v)
{
	fake_step();
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Sequentially consistent store and load (C11 seq_cst): a store then a load stay in order. */
static inline void arch_store_sc(uint64_t *p, uint64_t v)
{
	fake_step();
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static inline uint64_t arch_load_sc(const uint64_t *p)
{
	fake_step();
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void arch_smp_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void arch_smp_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void arch_smp_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline uint64_t arch_xchg(uint64_t *p, uint64_t v)
{
	fake_step();
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

static inline bool arch_cmpxchg(uint64_t *p, uint64_t *expected, uint64_t desired)
{
	fake_step();
	return __atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_ACQUIRE);
}

static inline void arch_atomic_or(uint64_t *p, uint64_t v)
{
	fake_step();
	__atomic_fetch_or(p, v, __ATOMIC_RELEASE);
}

static inline uint64_t arch_fetch_add(uint64_t *p, uint64_t v)
{
	fake_step();
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/* A fake CPU that waits lets the others run (a host may have fewer cores;
 * under the interleaving scheduler, it waits until another CPU stepped). */
static inline void arch_wait_event(void)
{
	if (fake_wait_hook)
		fake_wait_hook();
	else
		sched_yield();
}

static inline void arch_send_event(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* arch_cmpwait: a waiting fake CPU lets the others run. */
static inline void arch_cmpwait(const uint64_t *p, uint64_t v)
{
	(void)p;
	(void)v;
	arch_wait_event();
}

#endif
