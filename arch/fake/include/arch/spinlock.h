/*
 * The fake's spinlock: the same ticket lock as arch/aarch64's, on C11
 * atomics, so host tests can take it from real threads (a fake CPU is a
 * thread: arch/fake/include/arch/percpu.h) and ThreadSanitizer checks that
 * it orders what it protects (tests/unit/tsan/). Each access to the lock
 * is an interleaving point (fake_step, <arch/atomic.h>), and a contended
 * lock waits with arch_wait_event, so under the interleaving scheduler
 * (<arch/sched.h>) a waiter lets the holder run.
 */
#ifndef ARCH_FAKE_SPINLOCK_H
#define ARCH_FAKE_SPINLOCK_H

#include <stdatomic.h>

#include "lib/types.h"
#include <arch/atomic.h>

typedef struct {
	_Atomic uint16_t owner;
	_Atomic uint16_t next;
} arch_spinlock_t;

#define ARCH_SPINLOCK_UNLOCKED ((arch_spinlock_t){ 0, 0 })

static inline void arch_spin_lock(arch_spinlock_t *lock)
{
	uint16_t ticket;

	fake_step();
	ticket = atomic_fetch_add_explicit(&lock->next, 1, memory_order_relaxed);
	for (;;) {
		fake_step();
		if (atomic_load_explicit(&lock->owner, memory_order_acquire) == ticket)
			return;
		arch_wait_event(); /* a host with fewer cores than fake CPUs */
	}
}

static inline bool arch_spin_trylock(arch_spinlock_t *lock)
{
	uint16_t owner, expect;

	fake_step();
	owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
	expect = owner;
	fake_step();

	/* Free when next == owner: take ticket owner, if no one else did. */
	return atomic_compare_exchange_strong_explicit(&lock->next, &expect,
						       (uint16_t)(owner + 1),
						       memory_order_acquire,
						       memory_order_relaxed) &&
	       atomic_load_explicit(&lock->owner, memory_order_acquire) == owner;
}

static inline void arch_spin_unlock(arch_spinlock_t *lock)
{
	uint16_t owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);

	fake_step();
	atomic_store_explicit(&lock->owner, (uint16_t)(owner + 1), memory_order_release);
}

static inline bool arch_spin_is_locked(arch_spinlock_t *lock)
{
	fake_step();
	return atomic_load_explicit(&lock->owner, memory_order_relaxed) !=
	       atomic_load_explicit(&lock->next, memory_order_relaxed);
}

#endif
