/*
 * AArch64 spinlock: a ticket lock, as arm64 Linux had it before qspinlock
 * (arch/arm64/include/asm/spinlock.h, v4.x), with the exclusives every
 * ARMv8.0 core has (the Cortex-A53 of the Pi 3 has no LSE atomics):
 *
 *   lock    LDAXR/STXR takes a ticket (next += 1) with acquire; while the
 *           owner half is not our ticket, WFE until the lock's cache line
 *           changes (the exclusive load of the owner arms the monitor, and
 *           the unlocking store clears it, which sends the event), then
 *           reload it with LDAXRH (acquire)
 *   unlock  STLRH owner + 1 (release): everything in the critical section
 *           is visible before the next owner sees its turn
 *
 * The lock word: owner in bits [15:0], next in bits [31:16]; unlocked when
 * they are equal. Nothing runs concurrently yet (one CPU): the guest tests
 * the single-CPU behaviour, and the fake's C11 version of the same
 * algorithm (arch/fake/include/arch/spinlock.h) runs under ThreadSanitizer
 * on real threads.
 */
#ifndef ARCH_AARCH64_SPINLOCK_H
#define ARCH_AARCH64_SPINLOCK_H

#include "lib/types.h"

typedef struct {
	uint16_t owner;
	uint16_t next;
} __attribute__((aligned(4))) arch_spinlock_t;

#define ARCH_SPINLOCK_UNLOCKED ((arch_spinlock_t){ 0, 0 })

static inline void arch_spin_lock(arch_spinlock_t *lock)
{
	unsigned tmp;
	uint32_t old, newv;

	__asm__ volatile(
		"	prfm	pstl1strm, [%3]\n"
		"1:	ldaxr	%w0, [%3]\n"
		"	add	%w1, %w0, #0x10000\n"
		"	stxr	%w2, %w1, [%3]\n"
		"	cbnz	%w2, 1b\n"
		/* Our ticket is old's next half; is it the owner already? */
		"	eor	%w1, %w0, %w0, ror #16\n"
		"	cbz	%w1, 3f\n"
		"	sevl\n"
		"2:	wfe\n"
		"	ldaxrh	%w2, [%3]\n"
		"	eor	%w1, %w2, %w0, lsr #16\n"
		"	cbnz	%w1, 2b\n"
		"3:"
		: "=&r"(old), "=&r"(newv), "=&r"(tmp)
		: "r"(lock)
		: "memory");
}

/* arch_spin_trylock: take the lock if it is free; whether it was taken. */
static inline bool arch_spin_trylock(arch_spinlock_t *lock)
{
	unsigned tmp;
	uint32_t old;

	__asm__ volatile(
		"	prfm	pstl1strm, [%2]\n"
		"1:	ldaxr	%w0, [%2]\n"
		"	eor	%w1, %w0, %w0, ror #16\n"
		"	cbnz	%w1, 2f\n"
		"	add	%w0, %w0, #0x10000\n"
		"	stxr	%w1, %w0, [%2]\n"
		"	cbnz	%w1, 1b\n"
		"2:"
		: "=&r"(old), "=&r"(tmp)
		: "r"(lock)
		: "memory");
	return tmp == 0;
}

static inline void arch_spin_unlock(arch_spinlock_t *lock)
{
	uint16_t owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);

	__asm__ volatile("stlrh %w1, [%0]" :: "r"(&lock->owner), "r"(owner + 1) : "memory");
}

/* arch_spin_is_locked: whether someone holds it (a snapshot, for assertions). */
static inline bool arch_spin_is_locked(arch_spinlock_t *lock)
{
	arch_spinlock_t v = { __atomic_load_n(&lock->owner, __ATOMIC_RELAXED),
			      __atomic_load_n(&lock->next, __ATOMIC_RELAXED) };

	return v.owner != v.next;
}

#endif
