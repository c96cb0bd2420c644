/*
 * Lock and allocator statistics (lib/lockstat.h, mm/page_alloc.c's cache
 * statistics, the ticket lock's counts): per-CPU counters summed on read,
 * the mm writers counting themselves one per call on the CPU that called,
 * the ticket count as the acquisitions and the wait loop's contention
 * counts under the interleaving scheduler, and the page caches' derived
 * hits against a count taken one by one (debug builds) over random
 * allocations and frees on every fake CPU, with refills, spills and runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/lockstat.h"
#include "mm/mm_lock.h"
#include "mm/percpu.h"
#include "tests/unit/mm_test.h"
#include <arch/fake.h>
#include <arch/sched.h>
#include <arch/spinlock.h>

#define MiB (1ull << 20)

/* ---- timed locks: per-CPU counts, summed on read */

static void test_timed_summed_on_read(void **state)
{
	static struct lockstat s;
	struct lockstat_sum sum;

	(void)state;
	assert_int_equal(sizeof(struct lockstat_cpu), 64); /* a line per CPU */
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		percpu_enter(cpu);
		for (unsigned i = 0; i <= cpu; i++) {
			lockstat_acquired(&s, lockstat_now(), cpu == 2);
			lockstat_released(&s);
		}
	}
	percpu_enter(0);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_int_equal(s.cpu[cpu].acquired, cpu + 1);
		assert_int_equal(s.cpu[cpu].contended, cpu == 2 ? 3 : 0);
	}
	lockstat_read(&s, &sum);
	assert_true(sum.timed);
	assert_int_equal(sum.acquired, NR_CPUS * (NR_CPUS + 1) / 2);
	assert_int_equal(sum.contended, 3);
	lockstat_reset(&s);
	lockstat_read(&s, &sum);
	assert_int_equal(sum.acquired + sum.contended + sum.wait + sum.hold, 0);
}

/* The mm writers count one acquisition per call, on the calling CPU. */
static void test_mm_writer_counts(void **state)
{
	struct mm_env *e = mm_env_new(16);
	struct lockstat_sum before, after;
	uint64_t cpu1 = mm_writer_lockstat.cpu[1].acquired;
	vaddr_t va;

	(void)state;
	lockstat_read(&mm_writer_lockstat, &before);
	assert_int_equal(do_mmap(&e->mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, &va), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0); /* faults take no lock */
	assert_int_equal(do_mprotect(&e->mm, va, PAGE_SIZE, PROT_READ), 0);
	percpu_enter(1);
	assert_int_equal(do_munmap(&e->mm, va, 4 * PAGE_SIZE), 0);
	percpu_enter(0);
	assert_int_equal(mm_check(&e->mm), 0);
	lockstat_read(&mm_writer_lockstat, &after);
	assert_int_equal(after.acquired - before.acquired, 4);
	assert_int_equal(after.contended, before.contended); /* one CPU at a time */
	assert_int_equal(mm_writer_lockstat.cpu[1].acquired - cpu1, 1);
	assert_true(after.hold >= before.hold);
	mm_env_free(e);
}

/* ---- the ticket lock: its tickets count acquisitions, its wait contention */

static arch_spinlock_t lock = ARCH_SPINLOCK_UNLOCKED;
static uint64_t under_lock;

static void counted_inc(unsigned cpu, void *arg)
{
	(void)cpu;
	for (unsigned i = 0; i < (unsigned)(uintptr_t)arg; i++) {
		arch_spin_lock_as(&lock, ARCH_LOCK_PAGE_RUN);
		arch_write_once(&under_lock, arch_read_once(&under_lock) + 1);
		arch_spin_unlock(&lock);
	}
}

/* contention: every CPU's counts of class cls, summed. */
static struct arch_lock_contention contention(unsigned cls)
{
	struct arch_lock_contention c = { 0, 0 };

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		c.contended += percpu_blocks[cpu].arch.lock[cls].contended;
		c.wait += percpu_blocks[cpu].arch.lock[cls].wait;
	}
	return c;
}

static void test_ticket_counts(void **state)
{
	struct arch_lock_contention c0 = contention(ARCH_LOCK_PAGE_RUN), c;
	uint64_t other = contention(ARCH_LOCK_OTHER).contended;
	uint64_t t0 = arch_spin_tickets(&lock), contended = 0, waits = 0;
	uint8_t in[256];

	(void)state;
	/* One CPU: every acquisition a ticket, none contended, a failed trylock none. */
	for (int i = 0; i < 5; i++) {
		arch_spin_lock_as(&lock, ARCH_LOCK_PAGE_RUN);
		assert_false(arch_spin_trylock(&lock));
		arch_spin_unlock(&lock);
	}
	assert_true(arch_spin_trylock(&lock));
	arch_spin_unlock(&lock);
	assert_int_equal(arch_spin_tickets(&lock) - t0, 6);
	c = contention(ARCH_LOCK_PAGE_RUN);
	assert_int_equal(c.contended, c0.contended);
	/* Every fake CPU, interleavings chosen by the input: the tickets count
	 * every acquisition; a contended one waited at least once. */
	for (unsigned k = 0; k < 16; k++) {
		struct fake_sched s = { .ncpus = NR_CPUS, .input = in, .len = sizeof(in) };
		uint32_t seed = 991 + k;

		for (size_t i = 0; i < sizeof(in); i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (uint8_t)(seed >> 16);
		}
		t0 = arch_spin_tickets(&lock);
		c0 = contention(ARCH_LOCK_PAGE_RUN);
		under_lock = 0;
		assert_int_equal(fake_sched_run(&s, counted_inc, (void *)(uintptr_t)20), 0);
		assert_int_equal(under_lock, 20 * NR_CPUS);
		assert_int_equal(arch_spin_tickets(&lock) - t0, 20 * NR_CPUS);
		c = contention(ARCH_LOCK_PAGE_RUN);
		assert_true(c.contended - c0.contended <= s.waits);
		assert_true(c.contended - c0.contended < 20 * NR_CPUS);
		contended += c.contended - c0.contended;
		waits += c.wait - c0.wait;
	}
	assert_true(contended > 0);
	assert_true(waits > 0);
	/* The other class saw none of it. */
	assert_int_equal(contention(ARCH_LOCK_OTHER).contended, other);
}

/* ---- the page caches */

/* check_cache: CPU cpu's derived hits against its one-by-one count. */
static void check_cache(unsigned cpu)
{
	struct page_cache_stats st;

	page_alloc_cache_stats(cpu, &st);
	assert_int_equal(st.hits + st.refills, st.handed_debug);
	assert_true(st.refills <= st.refill_pages && st.refill_pages <= 64 * st.refills);
	assert_true(st.spills <= st.spill_pages && st.spill_pages <= 64 * st.spills);
	assert_true(st.held <= 64);
}

static void test_cache_stats_scripted(void **state)
{
	struct mem_range bank;
	struct page_cache_stats st;
	paddr_t p[3];

	(void)state;
	assert_int_equal(fake_ram_init(4 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	for (int i = 0; i < 3; i++)
		p[i] = page_alloc();
	page_alloc_cache_stats(0, &st);
	assert_int_equal(st.refills, 1);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.held, st.refill_pages - 3);
	page_free(p[1]); /* in the cached word: to the cache */
	page_alloc_cache_stats(0, &st);
	assert_int_equal(st.frees, 1);
	assert_int_equal(st.held, st.refill_pages - 2);
	assert_int_equal(page_alloc(), p[1]); /* the lowest again: a hit */
	page_alloc_cache_stats(0, &st);
	assert_int_equal(st.hits, 3);
	page_alloc_drain(); /* the word goes back whole: a spill */
	page_alloc_cache_stats(0, &st);
	assert_int_equal(st.spills, 1);
	assert_int_equal(st.spill_pages, st.refill_pages - 3);
	assert_int_equal(st.held, 0);
	check_cache(0);
	for (int i = 0; i < 3; i++)
		page_free(p[i]);
	fake_ram_free();
}

/* A run that fails with pages in this CPU's cache spills the cache and
 * searches again: two run-lock acquisitions, one spill. */
static void test_run_spill(void **state)
{
	struct mem_range bank;
	struct page_cache_stats st;
	struct lockstat_sum l0, l1;
	size_t total, n = 0;
	paddr_t *pages, a;

	(void)state;
	assert_int_equal(fake_ram_init(MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	total = page_total_count();
	pages = calloc(total, sizeof(*pages));
	assert_non_null(pages);
	page_alloc_run_lockstat(&l0);
	a = page_alloc_run(2);
	assert_true(a != 0);
	page_alloc_run_lockstat(&l1);
	assert_int_equal(l1.acquired - l0.acquired, 1);
	assert_false(l1.timed);
	page_free_run(a, 2);
	while ((a = page_alloc()) != 0)
		pages[n++] = a;
	assert_int_equal(n, total);
	/* Two pages back to the map (the cache has no word), then one into the
	 * cache by a refill: the map holds one free page, the cache one. */
	page_free(pages[n - 1]);
	page_free(pages[n - 2]);
	pages[n - 1] = page_alloc();
	n--;
	page_alloc_cache_stats(0, &st);
	assert_int_equal(st.held, 1);
	page_alloc_run_lockstat(&l0);
	assert_int_equal(page_alloc_run(2), 0);
	page_alloc_run_lockstat(&l1);
	assert_int_equal(l1.acquired - l0.acquired, 2); /* search, then search_again */
	assert_int_equal(l1.contended, l0.contended);
	page_alloc_cache_stats(0, &st);
	assert_int_equal(st.spills, 1);
	assert_int_equal(st.spill_pages, 1);
	check_cache(0);
	for (size_t i = 0; i < n; i++)
		page_free(pages[i]);
	page_alloc_drain();
	assert_int_equal(page_free_count(), total);
	free(pages);
	fake_ram_free();
}

/* Random allocations and frees on every fake CPU (one thread playing each
 * in turn), with runs and drains: the derived hits stay exact. */
static void test_cache_stats_random(void **state)
{
	enum { HELD = 2048 };
	struct mem_range bank;
	paddr_t *held = calloc(HELD, sizeof(*held));
	size_t n = 0;
	uint32_t seed = 12345;

	(void)state;
	assert_non_null(held);
	assert_int_equal(fake_ram_init(16 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	for (int step = 0; step < 20000; step++) {
		unsigned r;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		percpu_enter(r % NR_CPUS);
		if (r % 100 == 0) {
			percpu_enter(0);
			page_alloc_drain();
		} else if (r % 50 == 1) {
			paddr_t a = page_alloc_run(1 + (r >> 12) % 3);

			if (a)
				page_free_run(a, 1 + (r >> 12) % 3);
		} else if (n < HELD && (n == 0 || r % 3 != 0)) {
			paddr_t a = page_alloc();

			if (a)
				held[n++] = a;
		} else if (n) {
			size_t i = (r >> 4) % n;

			page_free(held[i]);
			held[i] = held[--n];
		}
		if (step % 1000 == 999)
			for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
				check_cache(cpu);
	}
	percpu_enter(0);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		struct page_cache_stats st;

		check_cache(cpu);
		page_alloc_cache_stats(cpu, &st);
		assert_true(st.refills > 0 && st.hits > 0);
	}
	while (n)
		page_free(held[--n]);
	page_alloc_drain();
	assert_int_equal(page_free_count(), page_total_count());
	free(held);
	fake_ram_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timed_summed_on_read),
		cmocka_unit_test(test_mm_writer_counts),
		cmocka_unit_test(test_ticket_counts),
		cmocka_unit_test(test_cache_stats_scripted),
		cmocka_unit_test(test_run_spill),
		cmocka_unit_test(test_cache_stats_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
