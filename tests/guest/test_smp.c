/*
 * In-guest tests of SMP bring-up and the run API (arch/aarch64/smp.h), on
 * as many CPUs as cpus= started (with cpus=1, the default, they run on the
 * boot CPU alone and still check the API): every requested CPU is online
 * with its own index, TPIDR_EL1 block, MPIDR and stack; smp_run runs fn on
 * each participant exactly once; a spinlock-protected plain counter and
 * arch_fetch_add / arch_cmpxchg counters incremented by every CPU are
 * exact (on an LSE core also with the exclusives forced, then restored);
 * smp_barrier holds every CPU until all have arrived.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/image.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/sysreg.h"
#include "lib/errno.h"
#include "mm/percpu.h"
#include <arch/atomic.h>
#include <arch/spinlock.h>

#define ROUNDS 2000 /* per CPU: enough to collide, short under TCG */

struct seen {
	uint64_t hits;  /* times fn ran on this CPU */
	uint64_t id;    /* arch_cpu_id() there */
	uint64_t tpidr; /* TPIDR_EL1 there */
	uint64_t mpidr; /* MPIDR_EL1 affinity there */
	uint64_t sp;    /* an address on its stack */
	uint64_t nested; /* smp_run called from there */
} __attribute__((aligned(64)));

static struct seen seen[NR_CPUS];

static void record(void *arg)
{
	volatile uint64_t local = 0;
	unsigned cpu = (unsigned)arch_cpu_id();
	struct seen *s = &seen[cpu];

	(void)arg;
	arch_fetch_add(&s->hits, 1);
	s->id = cpu;
	s->tpidr = read_sysreg(tpidr_el1);
	s->mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	s->sp = (uint64_t)(uintptr_t)&local;
	if (cpu != 0)
		s->nested = (uint64_t)smp_run(1, record, NULL);
}

KTEST(smp_every_cpu_online_with_its_own_state)
{
	unsigned n = smp_cpus_online();

	KASSERT(n >= 1 && n <= NR_CPUS);
	KEXPECT_EQ(n, smp_cpus_requested());
	ktest_note("%u CPU%s online (%s)", n, n == 1 ? "" : "s", smp_method_name());
	for (unsigned i = 0; i < NR_CPUS; i++)
		seen[i] = (struct seen){ .id = UINT64_MAX };
	KASSERT_EQ(smp_run(n, record, NULL), 0);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		KEXPECT_EQ(seen[i].hits, i < n ? 1 : 0);
		if (i >= n)
			continue;
		KEXPECT_EQ(seen[i].id, i);
		KEXPECT_EQ(seen[i].tpidr, (uint64_t)(uintptr_t)&percpu_blocks[i]);
		if (i == 0) {
			KEXPECT(seen[i].sp >= (uint64_t)__stack_bottom &&
				seen[i].sp < (uint64_t)__stack_top);
		} else {
			KEXPECT_EQ(smp_stack_of(i, seen[i].sp), 1);
			KEXPECT_EQ(seen[i].nested, (uint64_t)-EPERM);
		}
		for (unsigned j = 0; j < i; j++) {
			KEXPECT_NE(seen[i].mpidr, seen[j].mpidr);
			KEXPECT_NE(seen[i].sp, seen[j].sp);
		}
	}
}

KTEST(smp_run_refuses_bad_counts)
{
	unsigned n = smp_cpus_online();

	for (unsigned i = 0; i < NR_CPUS; i++)
		seen[i] = (struct seen){ 0 };
	KEXPECT_EQ(smp_run(0, record, NULL), -EINVAL);
	KEXPECT_EQ(smp_run(n + 1, record, NULL), -EINVAL);
	for (unsigned i = 0; i < NR_CPUS; i++)
		KEXPECT_EQ(seen[i].hits, 0);
	/* Fewer than online: only the first ones run it. */
	KASSERT_EQ(smp_run(1, record, NULL), 0);
	KEXPECT_EQ(seen[0].hits, 1);
	for (unsigned i = 1; i < NR_CPUS; i++)
		KEXPECT_EQ(seen[i].hits, 0);
}

static arch_spinlock_t lock = ARCH_SPINLOCK_UNLOCKED;
static uint64_t locked_count; /* plain loads and stores, under `lock` */
static uint64_t atomic_count __attribute__((aligned(64)));
static uint64_t cas_count __attribute__((aligned(64)));

static void increment(void *arg)
{
	(void)arg;
	smp_barrier(); /* all start together: the most collisions */
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t old;

		arch_spin_lock(&lock);
		locked_count = *(volatile uint64_t *)&locked_count + 1;
		arch_spin_unlock(&lock);
		arch_fetch_add(&atomic_count, 1);
		old = arch_read_once(&cas_count);
		while (!arch_cmpxchg(&cas_count, &old, old + 1))
			;
	}
}

/* counters: run increment on every CPU; the three counts must be exact. */
static void counters(const char *how)
{
	unsigned n = smp_cpus_online();

	locked_count = atomic_count = cas_count = 0;
	KASSERT_EQ(smp_run(n, increment, NULL), 0);
	KEXPECT_EQ(locked_count, (uint64_t)n * ROUNDS);
	KEXPECT_EQ(atomic_count, (uint64_t)n * ROUNDS);
	KEXPECT_EQ(cas_count, (uint64_t)n * ROUNDS);
	KEXPECT(!arch_spin_is_locked(&lock));
	ktest_note("%s: %u CPUs x %d rounds", how, n, ROUNDS);
}

KTEST(smp_counters_exact)
{
	counters(arch_lse ? "LSE" : "exclusives");
}

KTEST(smp_counters_exact_exclusives_forced)
{
	bool lse = arch_lse;

	if (!lse) {
		ktest_skip("the core has no LSE atomics: the exclusives ran already");
		return;
	}
	arch_atomics_init(true);
	counters("exclusives forced");
	arch_atomics_init(false);
	KEXPECT(arch_lse);
}

static uint64_t phase[NR_CPUS] __attribute__((aligned(64)));
static uint64_t barrier_misses __attribute__((aligned(64)));

static void phases(void *arg)
{
	unsigned cpu = (unsigned)arch_cpu_id(), n = *(unsigned *)arg;

	for (uint64_t r = 1; r <= 200; r++) {
		arch_store_release(&phase[cpu], r);
		smp_barrier();
		for (unsigned j = 0; j < n; j++)
			if (arch_load_acquire(&phase[j]) != r)
				arch_fetch_add(&barrier_misses, 1);
		smp_barrier(); /* nobody starts round r + 1 before all checked r */
	}
}

KTEST(smp_barrier_holds_everyone)
{
	unsigned n = smp_cpus_online();

	barrier_misses = 0;
	for (unsigned i = 0; i < NR_CPUS; i++)
		phase[i] = 0;
	KASSERT_EQ(smp_run(n, phases, &n), 0);
	KEXPECT_EQ(barrier_misses, 0);
	for (unsigned i = 0; i < n; i++)
		KEXPECT_EQ(phase[i], 200);
}
