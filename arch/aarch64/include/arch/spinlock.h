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
 * The lock word is 64 bits: owner in bits [15:0], next in bits [31:16],
 * and above them the rest of a 48-bit count of the tickets ever taken
 * (next is its low half). The lock compares owner with next's 16 bits
 * only, so tickets wrap at 16 bits as Linux's do, and the count is each
 * acquisition's ADD carrying on into the high bits: the same instructions
 * as a 32-bit word, and an exact count of acquisitions
 * (arch_spin_tickets) for lib/lockstat.h with no store of its own.
 *
 * arch_spin_lock_as counts contention where it happens, in the wait: a
 * CPU whose ticket is not served at once adds one to its own count of
 * contended acquisitions of the lock's class and the CNTVCT_EL0 ticks it
 * waited to its own sum (struct arch_percpu, lock[class]). The
 * uncontended path is unchanged, seven instructions, and writes nothing
 * more: this is how a lock that a fault takes (the page allocator's run
 * lock) is counted for lib/lockstat.h at no cost to the fault.
 *
 * The fake's C11 version of the same algorithm
 * (arch/fake/include/arch/spinlock.h) runs under ThreadSanitizer on real
 * threads.
 */
#ifndef ARCH_AARCH64_SPINLOCK_H
#define ARCH_AARCH64_SPINLOCK_H

#include "lib/types.h"
#include <arch/percpu.h>

typedef struct {
	uint16_t owner;   /* bits [15:0]: the ticket being served */
	uint16_t next;    /* bits [31:16]: the next ticket to hand out */
	uint32_t next_hi; /* bits [63:32]: next's carries, the count's high part */
} __attribute__((aligned(8))) arch_spinlock_t;

#define ARCH_SPINLOCK_UNLOCKED ((arch_spinlock_t){ 0, 0, 0 })

static inline void arch_spin_lock(arch_spinlock_t *lock)
{
	unsigned tmp;
	uint64_t old, newv;

	__asm__ volatile(
		"	prfm	pstl1strm, [%3]\n"
		"1:	ldaxr	%0, [%3]\n"
		"	add	%1, %0, #0x10000\n"
		"	stxr	%w2, %1, [%3]\n"
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

/*
 * arch_spin_lock_as(lock, cls): arch_spin_lock, its contended path
 * counted: when the ticket is not served at once, this CPU adds one to
 * its count of contended acquisitions of class cls (ARCH_LOCK_*, a
 * constant) and the CNTVCT_EL0 ticks it waited to its sum, in its block
 * (struct arch_percpu, lock[cls]), found through TPIDR_EL1 with the
 * registers the wait uses anyway. The wait and the counting are out of
 * line (.text.arch_spin_wait); in line are the same seven instructions as
 * arch_spin_lock's uncontended path, and as many bytes as its whole asm,
 * so that the code around it, and what a fault executes, do not change.
 */
#define arch_spin_lock_as(lock, cls)                                           \
	do {                                                                   \
		uint64_t __old, __newv, __tmp;                                 \
		__asm__ volatile(                                              \
			"	prfm	pstl1strm, [%3]\n"                     \
			"1:	ldaxr	%0, [%3]\n"                            \
			"	add	%1, %0, #0x10000\n"                    \
			"	stxr	%w2, %1, [%3]\n"                       \
			"	cbnz	%w2, 1b\n"                             \
			"	eor	%w1, %w0, %w0, ror #16\n"              \
			"	cbz	%w1, 3f\n"                             \
			"	b	4f\n"                                  \
			"	nop\n	nop\n	nop\n	nop\n"                 \
			"	.pushsection .text.arch_spin_wait, \"ax\"\n"  \
			"4:	mrs	%1, tpidr_el1\n"                       \
			"	isb\n"                                         \
			"	mrs	%2, cntvct_el0\n"                      \
			"	str	%2, [%1, %6]\n"                        \
			"	sevl\n"                                        \
			"2:	wfe\n"                                         \
			"	ldaxrh	%w2, [%3]\n"                           \
			"	eor	%w1, %w2, %w0, lsr #16\n"              \
			"	cbnz	%w1, 2b\n"                             \
			"	isb\n"                                         \
			"	mrs	%1, cntvct_el0\n"                      \
			"	mrs	%2, tpidr_el1\n"                       \
			"	ldr	%0, [%2, %6]\n"                        \
			"	sub	%1, %1, %0\n"                          \
			"	ldr	%0, [%2, %5]\n"                        \
			"	add	%0, %0, %1\n"                          \
			"	str	%0, [%2, %5]\n"                        \
			"	ldr	%0, [%2, %4]\n"                        \
			"	add	%0, %0, #1\n"                          \
			"	str	%0, [%2, %4]\n"                        \
			"	b	3f\n"                                  \
			"	.popsection\n"                                 \
			"3:"                                                   \
			: "=&r"(__old), "=&r"(__newv), "=&r"(__tmp)            \
			: "r"(lock), "i"(ARCH_LOCK_OFFSET(cls)),               \
			  "i"(ARCH_LOCK_OFFSET(cls) + 8),                      \
			  "i"(__builtin_offsetof(struct arch_percpu, lock_t0)) \
			: "memory");                                           \
	} while (0)

/* arch_spin_trylock: take the lock if it is free; whether it was taken. */
static inline bool arch_spin_trylock(arch_spinlock_t *lock)
{
	unsigned tmp;
	uint64_t old;

	__asm__ volatile(
		"	prfm	pstl1strm, [%2]\n"
		"1:	ldaxr	%0, [%2]\n"
		"	eor	%w1, %w0, %w0, ror #16\n"
		"	cbnz	%w1, 2f\n"
		"	add	%0, %0, #0x10000\n"
		"	stxr	%w1, %0, [%2]\n"
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

/* arch_spin_tickets: tickets ever taken, i.e. acquisitions (mod 2^48; a
 * snapshot: exact when nobody is taking it). */
static inline uint64_t arch_spin_tickets(const arch_spinlock_t *lock)
{
	uint64_t v;

	__asm__ volatile("ldr	%0, [%1]" : "=r"(v) : "r"(lock) : "memory");
	return v >> 16;
}

/* arch_spin_is_locked: whether someone holds it (a snapshot, for assertions). */
static inline bool arch_spin_is_locked(arch_spinlock_t *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&lock->next, __ATOMIC_RELAXED);
}

#endif
