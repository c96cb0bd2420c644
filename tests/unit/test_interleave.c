/*
 * The fake's interleaving scheduler (arch/fake/sched.c, <arch/sched.h>)
 * on its own: fake CPUs as threads with one running at a time, the next
 * step's CPU chosen by an input, against the atomics, the fake spinlock
 * and small lock-free toys. The CPUs' functions only record; every check
 * runs on the main thread (cmocka's failures longjmp).
 *
 *   replay        the same input twice: the same trace, hash and result
 *   inputs        different inputs: different interleavings (hashes)
 *   lost_update   a racy read-then-write counter: the serial order keeps
 *                 both increments, the input that interleaves the reads
 *                 loses one, and the inputs over {0, 1}^6 reach both
 *   spinlock      4 CPUs increment under the fake spinlock with racy
 *                 read/write: exact for every input; contention is seen
 *                 (waits) and a contended waiter does not stop the holder
 *   cmpxchg       a lock-free counter: exact, and some input makes a
 *                 compare-and-swap fail and retry
 *   stack         a Treiber stack: two CPUs push, one pops concurrently:
 *                 every node is popped or left exactly once
 *   wait          a CPU waiting for a flag (arch_wait_event) while the
 *                 input always prefers it: the setter still runs
 *   cpus          each thread is its fake CPU (arch_cpu_id); the main
 *                 thread is none of the scheduler's
 *   args          bad runs refused with -EINVAL
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "mm/percpu.h"
#include <arch/atomic.h>
#include <arch/sched.h>
#include <arch/spinlock.h>

#define TRACE 4096

static uint8_t trace[TRACE];

/* n pseudo-random input bytes from seed (an LCG: the test's own). */
static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

static void sched_init(struct fake_sched *s, unsigned ncpus, const uint8_t *in, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->ncpus = ncpus;
	s->input = in;
	s->len = len;
	s->trace = trace;
	s->trace_cap = TRACE;
}

/* ---- a racy counter: read, then write back + 1 (two interleaving points) */

static uint64_t racy;

static void racy_inc(unsigned cpu, void *arg)
{
	unsigned rounds = (unsigned)(uintptr_t)arg;

	(void)cpu;
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t v = arch_read_once(&racy);

		arch_write_once(&racy, v + 1);
	}
}

static void test_replay(void **state)
{
	uint8_t in[256], trace1[TRACE];
	struct fake_sched a, b;
	uint64_t r1;

	(void)state;
	fill(in, sizeof(in), 7);
	racy = 0;
	sched_init(&a, 3, in, sizeof(in));
	assert_int_equal(fake_sched_run(&a, racy_inc, (void *)(uintptr_t)100), 0);
	r1 = racy;
	memcpy(trace1, trace, TRACE);

	racy = 0;
	sched_init(&b, 3, in, sizeof(in));
	assert_int_equal(fake_sched_run(&b, racy_inc, (void *)(uintptr_t)100), 0);
	assert_int_equal(a.steps, 600);          /* 2 points per round, 3 CPUs */
	assert_int_equal(b.steps, a.steps);
	assert_int_equal(b.hash, a.hash);
	assert_int_equal(b.switches, a.switches);
	assert_true(a.switches > 10);            /* it did interleave */
	assert_memory_equal(trace, trace1, a.steps);
	assert_int_equal(racy, r1);
	assert_true(r1 < 300);                   /* and lost updates on the way */
	for (unsigned c = 0; c < 3; c++)
		assert_int_equal(a.cpu_steps[c], 200);
}

static void test_inputs(void **state)
{
	uint64_t hashes[32];
	uint8_t in[64];
	struct fake_sched s;

	(void)state;
	for (unsigned k = 0; k < 32; k++) {
		fill(in, sizeof(in), 1000 + k);
		racy = 0;
		sched_init(&s, 3, in, sizeof(in));
		assert_int_equal(fake_sched_run(&s, racy_inc, (void *)(uintptr_t)40), 0);
		hashes[k] = s.hash;
		for (unsigned j = 0; j < k; j++)
			if (hashes[j] == hashes[k])
				fail_msg("inputs %u and %u gave the same interleaving", j, k);
	}
	/* The first byte alone chooses the first CPU. */
	for (uint8_t first = 0; first < 2; first++) {
		sched_init(&s, 2, &first, 1);
		assert_int_equal(fake_sched_run(&s, racy_inc, (void *)(uintptr_t)1), 0);
		assert_int_equal(trace[0], first);
		assert_int_equal(s.decisions, 1);
	}
}

static void test_lost_update(void **state)
{
	/* CPU 0 reads, CPU 1 reads, CPU 0 writes, CPU 1 writes: one lost. */
	const uint8_t interleave[] = { 0, 1, 0, 1 };
	uint8_t in[6];
	bool seen[3] = { false };
	struct fake_sched s;

	(void)state;
	racy = 0;
	sched_init(&s, 2, NULL, 0);                 /* no input: CPU 0, then 1 */
	assert_int_equal(fake_sched_run(&s, racy_inc, (void *)(uintptr_t)1), 0);
	assert_int_equal(racy, 2);
	assert_int_equal(s.switches, 1);

	racy = 0;
	sched_init(&s, 2, interleave, sizeof(interleave));
	assert_int_equal(fake_sched_run(&s, racy_inc, (void *)(uintptr_t)1), 0);
	assert_int_equal(racy, 1);
	assert_memory_equal(trace, interleave, 4);

	for (unsigned bits = 0; bits < 64; bits++) {
		for (unsigned i = 0; i < 6; i++)
			in[i] = (bits >> i) & 1;
		racy = 0;
		sched_init(&s, 2, in, sizeof(in));
		assert_int_equal(fake_sched_run(&s, racy_inc, (void *)(uintptr_t)1), 0);
		assert_in_range(racy, 1, 2);
		seen[racy] = true;
	}
	assert_true(seen[1] && seen[2]);
}

/* ---- the fake spinlock */

static arch_spinlock_t lock = ARCH_SPINLOCK_UNLOCKED;
static uint64_t under_lock;

static void locked_inc(unsigned cpu, void *arg)
{
	unsigned rounds = (unsigned)(uintptr_t)arg;

	(void)cpu;
	for (unsigned i = 0; i < rounds; i++) {
		arch_spin_lock(&lock);
		uint64_t v = arch_read_once(&under_lock);

		arch_write_once(&under_lock, v + 1);
		arch_spin_unlock(&lock);
	}
}

static void test_spinlock(void **state)
{
	uint8_t in[512];
	struct fake_sched s;
	uint64_t waits = 0;

	(void)state;
	for (unsigned k = 0; k < 20; k++) {
		fill(in, sizeof(in), 77 + k);
		under_lock = 0;
		sched_init(&s, NR_CPUS, in, sizeof(in));
		assert_int_equal(fake_sched_run(&s, locked_inc, (void *)(uintptr_t)50), 0);
		assert_int_equal(under_lock, 50 * NR_CPUS);
		assert_false(arch_spin_is_locked(&lock));
		waits += s.waits;
	}
	assert_true(waits > 0); /* contention happened, and was waited out */

	/* Every byte prefers CPU 0 with no quantum: a waiter spins at most one
	 * point per step of the holder. */
	memset(in, 0, sizeof(in));
	under_lock = 0;
	sched_init(&s, 2, in, sizeof(in));
	assert_int_equal(fake_sched_run(&s, locked_inc, (void *)(uintptr_t)30), 0);
	assert_int_equal(under_lock, 60);
}

/* ---- a lock-free counter */

static uint64_t cas_counter, cas_retries;

static void cas_inc(unsigned cpu, void *arg)
{
	unsigned rounds = (unsigned)(uintptr_t)arg;

	(void)cpu;
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t old = arch_read_once(&cas_counter);

		while (!arch_cmpxchg(&cas_counter, &old, old + 1))
			arch_fetch_add(&cas_retries, 1);
	}
}

static void test_cmpxchg(void **state)
{
	uint8_t in[256];
	struct fake_sched s;
	uint64_t retries = 0;

	(void)state;
	for (unsigned k = 0; k < 20; k++) {
		fill(in, sizeof(in), 500 + k);
		cas_counter = cas_retries = 0;
		sched_init(&s, 3, in, sizeof(in));
		assert_int_equal(fake_sched_run(&s, cas_inc, (void *)(uintptr_t)40), 0);
		assert_int_equal(cas_counter, 120);
		retries += cas_retries;
	}
	assert_true(retries > 0);
}

/* ---- a Treiber stack: CPUs 0 and 1 push, CPU 2 pops */

#define NODES 20

struct node {
	uint64_t next;   /* a struct node *, as the seam's uint64_t */
	unsigned id;
};

static struct node nodes[2][NODES];
static uint64_t top;
static unsigned popped[2 * NODES], npopped;

static void stack_op(unsigned cpu, void *arg)
{
	(void)arg;
	if (cpu < 2) {
		for (unsigned i = 0; i < NODES; i++) {
			struct node *n = &nodes[cpu][i];
			uint64_t old = arch_load_acquire(&top);

			n->id = cpu * NODES + i;
			do
				n->next = old;
			while (!arch_cmpxchg(&top, &old, (uint64_t)(uintptr_t)n));
		}
		return;
	}
	for (unsigned tries = 0; tries < 4 * NODES && npopped < NODES; tries++) {
		uint64_t old = arch_load_acquire(&top);
		struct node *n;

		do {
			n = (struct node *)(uintptr_t)old;
		} while (n && !arch_cmpxchg(&top, &old, n->next));
		if (n)
			popped[npopped++] = n->id;
		else
			arch_wait_event(); /* empty: let a pusher run */
	}
}

static void test_stack(void **state)
{
	uint8_t in[300];
	struct fake_sched s;

	(void)state;
	for (unsigned k = 0; k < 20; k++) {
		unsigned count[2 * NODES] = { 0 };

		fill(in, sizeof(in), 900 + k);
		top = 0;
		npopped = 0;
		sched_init(&s, 3, in, sizeof(in));
		assert_int_equal(fake_sched_run(&s, stack_op, NULL), 0);
		for (unsigned i = 0; i < npopped; i++)
			count[popped[i]]++;
		for (struct node *n = (struct node *)(uintptr_t)top; n;
		     n = (struct node *)(uintptr_t)n->next)
			count[n->id]++;
		for (unsigned i = 0; i < 2 * NODES; i++)
			if (count[i] != 1)
				fail_msg("input %u: node %u seen %u times", k, i, count[i]);
	}
}

/* ---- waiting */

static uint64_t flag;
static unsigned spins;

static void waiter_setter(unsigned cpu, void *arg)
{
	(void)arg;
	if (cpu == 0) {
		while (!arch_load_acquire(&flag)) {
			spins++;
			arch_wait_event();
		}
		return;
	}
	for (unsigned i = 0; i < 10; i++)
		(void)arch_read_once(&flag);
	arch_store_release(&flag, 1);
}

static void test_wait(void **state)
{
	uint8_t in[64];
	struct fake_sched s;

	(void)state;
	memset(in, 0, sizeof(in)); /* always the first runnable CPU: 0 */
	flag = 0;
	spins = 0;
	sched_init(&s, 2, in, sizeof(in));
	assert_int_equal(fake_sched_run(&s, waiter_setter, NULL), 0);
	assert_int_equal(flag, 1);
	assert_true(s.waits > 0);
	assert_int_equal(s.waits, spins);
	assert_true(spins <= 12); /* one spin per step of the setter at most */
}

/* ---- identities and arguments */

static int seen_cpu[NR_CPUS], seen_sched[NR_CPUS];

static void who(unsigned cpu, void *arg)
{
	(void)arg;
	fake_step();
	seen_cpu[cpu] = (int)arch_cpu_id();
	seen_sched[cpu] = fake_sched_cpu();
}

static void test_cpus(void **state)
{
	struct fake_sched s;

	(void)state;
	sched_init(&s, NR_CPUS, NULL, 0);
	assert_int_equal(fake_sched_run(&s, who, NULL), 0);
	for (int c = 0; c < NR_CPUS; c++) {
		assert_int_equal(seen_cpu[c], c);
		assert_int_equal(seen_sched[c], c);
	}
	assert_int_equal(fake_sched_cpu(), -1);
	assert_null(fake_step_hook);
	fake_step(); /* outside a run: nothing */
}

static void test_args(void **state)
{
	struct fake_sched s;

	(void)state;
	sched_init(&s, 0, NULL, 0);
	assert_int_equal(fake_sched_run(&s, who, NULL), -EINVAL);
	sched_init(&s, NR_CPUS + 1, NULL, 0);
	assert_int_equal(fake_sched_run(&s, who, NULL), -EINVAL);
	sched_init(&s, 1, NULL, 5);
	assert_int_equal(fake_sched_run(&s, who, NULL), -EINVAL);
	sched_init(&s, 1, NULL, 0);
	assert_int_equal(fake_sched_run(&s, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_lost_update),
		cmocka_unit_test(test_spinlock),
		cmocka_unit_test(test_cmpxchg),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
