/*
 * AArch64 atomics and barriers for SMP (the <arch/atomic.h> half of the
 * seam; the fake's is on C11 atomics). Two implementations of each
 * read-modify-write, chosen at run time by arch_lse (Linux chooses by
 * patching the code, its "alternatives"; here it is one load and one
 * branch):
 *
 *   LSE (FEAT_LSE, ARMv8.1: ID_AA64ISAR0_EL1.Atomic >= 0b0010, Arm ARM
 *        D24.2): one instruction, CASAL, SWPAL, LDSETL, LDADDAL
 *   LL/SC (every ARMv8.0 core: the Cortex-A53 of the Pi 3, the A72 of
 *        the Pi 4): a load-exclusive/store-exclusive loop, LDAXR/STLXR
 *
 * Ordering, as Linux's: xchg, cmpxchg and fetch_add are fully ordered
 * (acquire and release: the A and L forms), atomic_or is a release (a page
 * handed back: what was written to it is ordered before). Every operand is
 * a naturally aligned 64-bit word in Normal memory (the MMU must be on:
 * exclusives need it, and LSE atomics to Device memory are not atomic).
 */
#ifndef ARCH_AARCH64_ATOMIC_H
#define ARCH_AARCH64_ATOMIC_H

#include "lib/types.h"

/* Whether the core has the LSE atomics: set once at boot (arch_atomics_init). */
extern bool arch_lse;

/* arch_atomics_init: read ID_AA64ISAR0_EL1 and choose (force_llsc: the
 * exclusives even on an LSE core, so that both paths can be tested). */
void arch_atomics_init(bool force_llsc);

/* READ_ONCE/WRITE_ONCE for 64-bit words: one access, never torn or merged. */
static inline uint64_t arch_read_once(const uint64_t *p)
{
	return *(const volatile uint64_t *)p;
}

static inline void arch_write_once(uint64_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* arch_load_acquire: LDAR; later accesses are ordered after it. */
static inline uint64_t arch_load_acquire(const uint64_t *p)
{
	uint64_t v;

	__asm__ volatile("ldar %0, %1" : "=r"(v) : "Q"(*p) : "memory");
	return v;
}

/* arch_store_release: STLR; earlier accesses are ordered before it. */
static inline void arch_store_release(uint64_t *p, uint64_t v)
{
	__asm__ volatile("stlr %x1, %0" : "=Q"(*p) : "rZ"(v) : "memory");
}

/*
 * arch_store_sc / arch_load_sc: sequentially consistent store and load
 * (C11's memory_order_seq_cst, which arm64 compilers emit as these): STLR
 * and LDAR. Besides release and acquire, a STLR followed by a LDAR in
 * program order are observed in that order (Arm ARM B2.3, the
 * "Release-Consistent, sequentially consistent" ordering of LDAR after
 * STLR), so a store then a load of another location needs no DMB between
 * them: the handshake of mm/mm_lock.h costs no barrier on the fault path.
 */
static inline void arch_store_sc(uint64_t *p, uint64_t v)
{
	__asm__ volatile("stlr %x1, %0" : "=Q"(*p) : "rZ"(v) : "memory");
}

static inline uint64_t arch_load_sc(const uint64_t *p)
{
	uint64_t v;

	__asm__ volatile("ldar %0, %1" : "=r"(v) : "Q"(*p) : "memory");
	return v;
}

/* Barriers between CPUs (the Inner Shareable domain): full, loads, stores. */
static inline void arch_smp_mb(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}

static inline void arch_smp_rmb(void)
{
	__asm__ volatile("dmb ishld" ::: "memory");
}

static inline void arch_smp_wmb(void)
{
	__asm__ volatile("dmb ishst" ::: "memory");
}

/* arch_xchg: store v, return the old value; fully ordered. */
static inline uint64_t arch_xchg(uint64_t *p, uint64_t v)
{
	uint64_t old;
	unsigned tmp;

	if (arch_lse) {
		__asm__ volatile(".arch_extension lse\n\tswpal %2, %0, %1"
				 : "=&r"(old), "+Q"(*p) : "r"(v) : "memory");
		return old;
	}
	__asm__ volatile("1:	ldaxr	%0, %2\n"
			 "	stlxr	%w1, %3, %2\n"
			 "	cbnz	%w1, 1b"
			 : "=&r"(old), "=&r"(tmp), "+Q"(*p) : "r"(v) : "memory");
	return old;
}

/*
 * arch_cmpxchg: if *p == *expected, store desired and return true; else
 * return false with the value seen in *expected. Fully ordered either way
 * (as Linux's cmpxchg when it succeeds; a failed one orders at least its
 * load as an acquire).
 */
static inline bool arch_cmpxchg(uint64_t *p, uint64_t *expected, uint64_t desired)
{
	uint64_t old = *expected, seen;
	unsigned tmp;

	if (arch_lse) {
		seen = old;
		__asm__ volatile(".arch_extension lse\n\tcasal %0, %2, %1"
				 : "+&r"(seen), "+Q"(*p) : "r"(desired) : "memory");
	} else {
		__asm__ volatile("1:	ldaxr	%0, %2\n"
				 "	cmp	%0, %3\n"
				 "	b.ne	2f\n"
				 "	stlxr	%w1, %4, %2\n"
				 "	cbnz	%w1, 1b\n"
				 "2:"
				 : "=&r"(seen), "=&r"(tmp), "+Q"(*p)
				 : "r"(old), "r"(desired)
				 : "cc", "memory");
	}
	*expected = seen;
	return seen == old;
}

/* arch_atomic_or: *p |= v, a release (no value returned). */
static inline void arch_atomic_or(uint64_t *p, uint64_t v)
{
	uint64_t old, newv;
	unsigned tmp;

	if (arch_lse) {
		__asm__ volatile(".arch_extension lse\n\tstsetl %1, %0"
				 : "+Q"(*p) : "r"(v) : "memory");
		return;
	}
	__asm__ volatile("1:	ldxr	%0, %3\n"
			 "	orr	%1, %0, %4\n"
			 "	stlxr	%w2, %1, %3\n"
			 "	cbnz	%w2, 1b"
			 : "=&r"(old), "=&r"(newv), "=&r"(tmp), "+Q"(*p) : "r"(v) : "memory");
}

/* arch_fetch_add: *p += v, return the old value; fully ordered. */
static inline uint64_t arch_fetch_add(uint64_t *p, uint64_t v)
{
	uint64_t old, newv;
	unsigned tmp;

	if (arch_lse) {
		__asm__ volatile(".arch_extension lse\n\tldaddal %2, %0, %1"
				 : "=&r"(old), "+Q"(*p) : "r"(v) : "memory");
		return old;
	}
	__asm__ volatile("1:	ldaxr	%0, %3\n"
			 "	add	%1, %0, %4\n"
			 "	stlxr	%w2, %1, %3\n"
			 "	cbnz	%w2, 1b"
			 : "=&r"(old), "=&r"(newv), "=&r"(tmp), "+Q"(*p) : "r"(v) : "memory");
	return old;
}

/*
 * Waiting. arch_wait_event: WFE, until an event (SEV from another CPU, or
 * the exclusive monitor of a location this CPU loaded exclusively being
 * cleared by another's store). arch_send_event: DSB ISHST (the stores the
 * waiters will look for are visible first), then SEV. Every wait loop is
 *   while (!cond) arch_wait_event();
 * with the waker storing, then arch_send_event(). Under QEMU -icount a WFE
 * ends the vCPU's slice, so a waiting core burns no instructions.
 */
static inline void arch_wait_event(void)
{
	__asm__ volatile("wfe" ::: "memory");
}

static inline void arch_send_event(void)
{
	__asm__ volatile("dsb ishst\n\tsev" ::: "memory");
}

/*
 * arch_cmpwait: wait, if *p still holds v, until it may have changed (Linux
 * arm64's __cmpwait): LDXR arms the exclusive monitor on *p, and another
 * CPU's store to it clears the monitor, which is an event that ends the
 * WFE. May return early (any event); callers re-check in a loop:
 *   while (arch_load_acquire(p) == v) arch_cmpwait(p, v);
 */
static inline void arch_cmpwait(const uint64_t *p, uint64_t v)
{
	uint64_t tmp;

	__asm__ volatile("	sevl\n"
			 "	wfe\n"
			 "	ldxr	%0, %1\n"
			 "	eor	%0, %0, %2\n"
			 "	cbnz	%0, 1f\n"
			 "	wfe\n"
			 "1:"
			 : "=&r"(tmp) : "Q"(*p), "r"(v) : "memory");
}

#endif
