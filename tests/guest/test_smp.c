/*
 * In-guest tests of SMP bring-up and the run API (arch/aarch64/smp.h), on
 * as many CPUs as cpus= started (with cpus=1, the default, they run on the
 * boot CPU alone and still check the API): every requested CPU is online
 * with its own index, TPIDR_EL1 block, MPIDR and stack; smp_run runs fn on
 * each participant exactly once; a spinlock-protected plain counter and
 * arch_fetch_add / arch_cmpxchg counters incremented by every CPU are
 * exact (on an LSE core also with the exclusives forced, then restored);
 * smp_barrier holds every CPU until all have arrived; a secondary takes a
 * resolved write fault and a caught one on its own stacks and per-CPU
 * expected-fault state, and a store to the guard page below its kernel
 * stack faults.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/expect.h"
#include "arch/aarch64/image.h"
#include "arch/aarch64/mmu_boot.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/sysreg.h"
#include "lib/errno.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/percpu.h"
#include "mm/pgtable.h"
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

		if (i & 1) /* the counted lock (its waits counted) every other round */
			arch_spin_lock_as(&lock, ARCH_LOCK_OTHER);
		else
			arch_spin_lock(&lock);
		locked_count = *(volatile uint64_t *)&locked_count + 1;
		arch_spin_unlock(&lock);
		arch_fetch_add(&atomic_count, 1);
		old = arch_read_once(&cas_count);
		while (!arch_cmpxchg(&cas_count, &old, old + 1))
			;
	}
}

/* contended: every CPU's counted waits of the lock class OTHER. */
static uint64_t contended(void)
{
	uint64_t c = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		c += arch_read_once(&percpu_blocks[cpu].arch.lock[ARCH_LOCK_OTHER].contended);
	return c;
}

/* counters: run increment on every CPU; the three counts must be exact,
 * the lock's tickets one per acquisition, its counted waits at most the
 * counted acquisitions. */
static void counters(const char *how)
{
	unsigned n = smp_cpus_online();
	uint64_t t0 = arch_spin_tickets(&lock), c0 = contended();

	locked_count = atomic_count = cas_count = 0;
	KASSERT_EQ(smp_run(n, increment, NULL), 0);
	KEXPECT_EQ(locked_count, (uint64_t)n * ROUNDS);
	KEXPECT_EQ(atomic_count, (uint64_t)n * ROUNDS);
	KEXPECT_EQ(cas_count, (uint64_t)n * ROUNDS);
	KEXPECT(!arch_spin_is_locked(&lock));
	KEXPECT_EQ(arch_spin_tickets(&lock) - t0, (uint64_t)n * ROUNDS);
	KEXPECT(contended() - c0 <= (uint64_t)n * ROUNDS / 2);
	if (n == 1)
		KEXPECT_EQ(contended(), c0);
	ktest_note("%s: %u CPUs x %d rounds, %llu counted waits", how, n, ROUNDS,
		   (unsigned long long)(contended() - c0));
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

/* One secondary at a time (the others return at once): the mm is not yet
 * safe against concurrent faults (issue 18's later part), one CPU's are. */
struct one_fault {
	unsigned target;    /* the CPU that acts */
	vaddr_t va;         /* a read-write page for its write fault */
	bool caught;        /* its expected fault was caught */
	struct expected_fault f;
	uint64_t stack_ok;  /* smp_stack_of(target, its sp) */
	uintptr_t null8;    /* 8: in page 0 (a variable: no compiler warning) */
	uintptr_t guard;    /* a word of the guard page below its kernel stack */
	bool guard_caught;
	struct expected_fault g;
};

static void fault_on_target(void *arg)
{
	struct one_fault *o = arg;
	volatile uint64_t local = 0;

	if (arch_cpu_id() != o->target)
		return;
	*(volatile uint64_t *)o->va = o->target; /* a write fault, resolved */
	expect_fault_begin();
	(void)*(volatile uint64_t *)o->null8; /* page 0: unmapped, caught */
	o->caught = expect_fault_end(&o->f);
	expect_fault_begin();
	*(volatile uint64_t *)o->guard = 1; /* a stack overflow's first store */
	o->guard_caught = expect_fault_end(&o->g);
	o->stack_ok = (uint64_t)smp_stack_of(o->target, (uint64_t)(uintptr_t)&local);
}

KTEST(smp_secondaries_take_faults_on_their_own_state)
{
	struct mm_struct *mm = current_mm;
	unsigned n = smp_cpus_online();
	vaddr_t va = 0;

	if (n == 1) {
		ktest_skip("one CPU online (cpus=1)");
		return;
	}
	KASSERT_EQ(do_mmap(mm, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, &va), 0);
	percpu_blocks[0].arch.expect_taken = false;
	for (unsigned cpu = 1; cpu < n; cpu++) {
		uint64_t top = smp_boot_params.cpu[cpu].stack_top;
		struct one_fault o = { .target = cpu, .va = va + cpu * PAGE_SIZE,
					.null8 = 8 };

		/* The guard: the first unmapped page below the stack's top. */
		for (o.guard = top - 8; o.guard > top - (1u << 20); o.guard -= PAGE_SIZE)
			if (pgt_lookup(&kernel_pgt, o.guard, NULL, NULL, NULL) == -ENOENT)
				break;
		KEXPECT_EQ(smp_guard_of(o.guard), 1);

		KASSERT_EQ(smp_run(n, fault_on_target, &o), 0);
		KEXPECT(o.caught);
		KEXPECT_EQ(o.f.far, 8);
		KEXPECT_EQ(o.stack_ok, 1);
		KEXPECT(o.guard_caught);
		KEXPECT_EQ(o.g.far, o.guard);
		KEXPECT_EQ(*(volatile uint64_t *)(va + cpu * PAGE_SIZE), cpu);
		KEXPECT(!percpu_blocks[cpu].arch.expect_armed);
	}
	KEXPECT(!percpu_blocks[0].arch.expect_taken);
	KEXPECT_EQ(do_munmap(mm, va, n * PAGE_SIZE), 0);
}

static uint64_t runs_seen[NR_CPUS] __attribute__((aligned(64)));

static void count_run(void *arg)
{
	(void)arg;
	arch_fetch_add(&runs_seen[arch_cpu_id()], 1);
}

/* Back-to-back smp_runs: no mailbox bump is lost or run twice (a lost
 * wake-up would hang here, a doubled run shows in the counts). */
KTEST(smp_run_back_to_back)
{
	unsigned n = smp_cpus_online();

	for (unsigned i = 0; i < NR_CPUS; i++)
		runs_seen[i] = 0;
	for (int r = 0; r < 500; r++)
		KASSERT_EQ(smp_run(n - (unsigned)(r % n), count_run, NULL), 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t want = 0;

		for (int r = 0; r < 500; r++)
			want += i < n - (unsigned)(r % n);
		KEXPECT_EQ(runs_seen[i], want);
	}
}
