/*
 * The fake's per-CPU block and spinlock on real threads, under
 * ThreadSanitizer (built with clang -fsanitize=thread: tests/unit/rules.mk).
 * A fake CPU is a thread that called percpu_enter; TSan reports any two
 * threads touching the same data without an order between them, and a
 * report fails the binary (exit code 66).
 *
 *   spinlock     NR_CPUS threads increment one plain counter under the lock:
 *                the total is exact and TSan sees the lock order every
 *                access (a lock that did not would be a data race)
 *   trylock      fails while another thread holds the lock, succeeds after
 *   percpu       each thread increments its CPU's copy of an mm's counters
 *                with plain ++, no lock: no race, because the copies are
 *                different (were they one, TSan would report it), and the
 *                sum over CPUs is exact; arch_cpu_id() is the thread's CPU
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mm/mm.h"
#include "mm/percpu.h"
#include <arch/spinlock.h>

#define ROUNDS 5000

static arch_spinlock_t lock = ARCH_SPINLOCK_UNLOCKED;
static uint64_t shared;          /* only under lock */
static struct mm_struct mm;      /* only its per-CPU counters are used */
static unsigned seen_cpu[NR_CPUS];

static void *locker(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	percpu_enter(cpu);
	for (int i = 0; i < ROUNDS; i++) {
		arch_spin_lock(&lock);
		shared++;
		arch_spin_unlock(&lock);
	}
	return NULL;
}

static void run_threads(void *(*fn)(void *))
{
	pthread_t t[NR_CPUS];

	for (unsigned i = 0; i < NR_CPUS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, fn, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < NR_CPUS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

static void test_spinlock(void **state)
{
	(void)state;
	shared = 0;
	run_threads(locker);
	assert_int_equal(shared, (uint64_t)NR_CPUS * ROUNDS);
	assert_false(arch_spin_is_locked(&lock));
}

static void *holder_try(void *arg)
{
	(void)arg;
	percpu_enter(1);
	return (void *)(uintptr_t)arch_spin_trylock(&lock);
}

static void test_trylock(void **state)
{
	pthread_t t;
	void *got;

	(void)state;
	arch_spin_lock(&lock);
	assert_true(arch_spin_is_locked(&lock));
	assert_int_equal(pthread_create(&t, NULL, holder_try, NULL), 0);
	assert_int_equal(pthread_join(t, &got), 0);
	assert_false((uintptr_t)got);            /* held by this thread */
	arch_spin_unlock(&lock);
	assert_int_equal(pthread_create(&t, NULL, holder_try, NULL), 0);
	assert_int_equal(pthread_join(t, &got), 0);
	assert_true((uintptr_t)got);             /* free: taken by the other */
	assert_true(arch_spin_is_locked(&lock));
	arch_spin_unlock(&lock);
	assert_false(arch_spin_is_locked(&lock));
}

static void *counter(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	struct mm_struct *m = &mm;

	percpu_enter(cpu);
	seen_cpu[cpu] = (unsigned)arch_cpu_id();
	for (unsigned i = 0; i < ROUNDS * (cpu + 1); i++)
		m->nr_fault_anon++;   /* this CPU's copy, as the fault path does */
	m->nr_pages_freed += cpu;
	return NULL;
}

static void test_percpu_counters(void **state)
{
	uint64_t want = 0, freed = 0;

	(void)state;
	run_threads(counter);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_int_equal(seen_cpu[cpu], cpu);
		assert_int_equal(mm.pcpu[cpu].pcpu_nr_fault_anon, (uint64_t)ROUNDS * (cpu + 1));
		want += (uint64_t)ROUNDS * (cpu + 1);
		freed += cpu;
	}
	assert_int_equal(mm_counter(&mm, nr_fault_anon), want);
	assert_int_equal(mm_counter(&mm, nr_pages_freed), freed);
	/* This (main) thread never entered a CPU: it is the boot CPU, 0. */
	assert_int_equal(arch_cpu_id(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spinlock),
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_percpu_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
