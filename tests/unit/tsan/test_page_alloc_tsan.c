/*
 * The page allocator on NR_CPUS real threads, under ThreadSanitizer (built
 * with clang -fsanitize=thread: tests/unit/rules.mk). Each thread is a fake
 * CPU (percpu_enter) and, in a random order of its own, allocates single
 * pages, runs and aligned runs, writes its id into every page it got,
 * checks the ids of what it holds, and frees in random order; some single
 * pages it passes to the next CPU through a mailbox, which frees them (a
 * free of another CPU's page: into the freeing CPU's cache or the map).
 * Then the main thread drains every cache and checks that the counts
 * balance.
 *
 * What fails it:
 *   - a page handed to two owners at once: the owner table (claimed with
 *     relaxed compare-and-swap, which gives TSan no order, so it does not
 *     hide the allocator's) finds the page taken, or a stamp is overwritten
 *   - an allocator that does not order a page's last owner's writes before
 *     its next owner's (a swap or OR without its acquire or release): TSan
 *     reports the two plain writes to the page as a race (exit code 66)
 *   - counts that do not balance after page_alloc_drain
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake.h"
#include "mm/arch.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"

#define RAM (2ull << 20) /* 512 pages: 8 map words, caches of 64 make it tight */
#define ROUNDS 20000
#define HOLD 48          /* the most pages a thread holds */
#define NOBODY 0

struct piece {
	paddr_t pa;
	size_t n; /* pages: 1 for page_alloc, more for a run */
};

static struct mem_range bank;
static int owner[RAM / PAGE_SIZE];   /* by page index from bank.base; 0: nobody */
static unsigned errors[NR_CPUS];   /* each thread's own count */
static int last[RAM / PAGE_SIZE];  /* the page's last owner (relaxed) */
static unsigned long got[NR_CPUS], runs[NR_CPUS], handed[NR_CPUS];
static pthread_barrier_t start; /* all CPUs start together */
static uint64_t mailbox[NR_CPUS]; /* a page passed to CPU i: pa | sender; 0: none */
static unsigned long passed[NR_CPUS];

static size_t index_of(paddr_t pa)
{
	return (size_t)((pa - bank.base) >> PAGE_SHIFT);
}

/* Claim (or release) the page for `me`; false if someone else had it. */
static bool own(paddr_t pa, int from, int to)
{
	return __atomic_compare_exchange_n(&owner[index_of(pa)], &from, to, false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void stamp(const struct piece *p, int me)
{
	for (size_t i = 0; i < p->n; i++) {
		int *w = arch_phys_to_virt(p->pa + i * PAGE_SIZE);

		int before = __atomic_exchange_n(&last[index_of(p->pa + i * PAGE_SIZE)], me,
						 __ATOMIC_RELAXED);

		if (!own(p->pa + i * PAGE_SIZE, NOBODY, me))
			errors[me - 1]++;
		if (before != NOBODY && before != me)
			handed[me - 1]++; /* a page another CPU had before */
		w[0] = me;                 /* plain writes: TSan checks their order */
		w[PAGE_SIZE / sizeof(int) - 1] = me;
	}
}

static bool intact(const struct piece *p, int me)
{
	bool ok = true;

	for (size_t i = 0; i < p->n; i++) {
		int *w = arch_phys_to_virt(p->pa + i * PAGE_SIZE);

		ok &= w[0] == me && w[PAGE_SIZE / sizeof(int) - 1] == me;
	}
	return ok;
}

static void give_back(struct piece *p, int me)
{
	if (!intact(p, me))
		errors[me - 1]++;
	for (size_t i = 0; i < p->n; i++)
		if (!own(p->pa + i * PAGE_SIZE, me, NOBODY))
			errors[me - 1]++;
	if (p->n == 1 && rand() % 2)
		page_free(p->pa);
	else
		page_free_run(p->pa, p->n);
}

/* Free a page another CPU passed on (`letter`: pa | its id), as CPU `me`. */
static void free_letter(uint64_t letter, int me)
{
	struct piece p = { letter & ~(uint64_t)(PAGE_SIZE - 1), 1 };
	int from = (int)(letter & (PAGE_SIZE - 1));

	if (!intact(&p, from) || !own(p.pa, from, NOBODY))
		errors[me - 1]++;
	page_free(p.pa);
}

/* Pass page pa (held by `me`) to the next CPU; free what was still there. */
static void pass_on(paddr_t pa, unsigned cpu, int me)
{
	uint64_t old = __atomic_exchange_n(&mailbox[(cpu + 1) % NR_CPUS], pa | (uint64_t)me,
					   __ATOMIC_ACQ_REL);

	passed[cpu]++;
	if (old)
		free_letter(old, me);
}

static void *cpu_main(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	int me = (int)cpu + 1;
	struct piece held[HOLD];
	size_t nheld = 0;
	unsigned seed = 12345u * me;

	percpu_enter(cpu);
	pthread_barrier_wait(&start);
	for (int r = 0; r < ROUNDS; r++) {
		unsigned dice = (unsigned)rand_r(&seed);
		struct piece p = { 0, 1 };
		uint64_t letter = __atomic_exchange_n(&mailbox[cpu], 0, __ATOMIC_ACQ_REL);

		if (letter)
			free_letter(letter, me);

		if (nheld == HOLD || (nheld > 0 && dice % 8 < 3)) {
			size_t k = (size_t)rand_r(&seed) % nheld;

			give_back(&held[k], me);
			held[k] = held[--nheld];
			continue;
		}
		switch (rand_r(&seed) % 16) {
		case 0: /* a run of 2..9 pages */
			p.n = 2 + (size_t)rand_r(&seed) % 8;
			p.pa = page_alloc_run(p.n);
			runs[cpu]++;
			break;
		case 1: /* a folio of 2, 4 or 8 pages */
			p.n = (size_t)2 << (rand_r(&seed) % 3);
			p.pa = page_alloc_aligned((unsigned)__builtin_ctzll(p.n));
			if (p.pa && !IS_ALIGNED(p.pa, p.n * PAGE_SIZE))
				errors[cpu]++;
			runs[cpu]++;
			break;
		default:
			p.pa = page_alloc();
			break;
		}
		if (!p.pa)
			continue; /* none free here now: the others hold them */
		got[cpu] += p.n;
		stamp(&p, me);
		if (p.n == 1 && dice % 4 == 0) {
			pass_on(p.pa, cpu, me);
			continue;
		}
		held[nheld++] = p;
		if (!intact(&held[(size_t)rand_r(&seed) % nheld], me))
			errors[cpu]++;
	}
	while (nheld > 0)
		give_back(&held[--nheld], me);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[NR_CPUS];
	size_t total;

	(void)state;
	assert_int_equal(fake_ram_init(RAM, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	page_alloc_smp();
	total = page_total_count();
	assert_int_equal(pthread_barrier_init(&start, NULL, NR_CPUS), 0);
	for (unsigned i = 0; i < NR_CPUS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, cpu_main, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < NR_CPUS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (unsigned i = 0; i < NR_CPUS; i++) /* letters nobody read */
		if (mailbox[i])
			free_letter(mailbox[i], 1);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		print_message("cpu %u: %lu pages handed out, %lu of them had been another CPU's, "
			      "%lu runs tried, %lu pages passed on\n", i, got[i], handed[i], runs[i],
			      passed[i]);
		assert_true(passed[i] > 0);
		assert_int_equal(errors[i], 0);
		assert_true(got[i] > ROUNDS / 4); /* every CPU did get pages */
		assert_true(runs[i] > 0);
		handed[0] += i ? handed[i] : 0;
	}
	assert_true(handed[0] > 0); /* pages did go from CPU to CPU */

	/* Quiescent: counts exact, cached pages included; then all in the map. */
	assert_int_equal(page_free_count(), total);
	page_alloc_drain();
	assert_int_equal(page_free_count(), total);
	for (size_t i = 0; i < RAM / PAGE_SIZE; i++)
		assert_int_equal(owner[i], NOBODY);
	/* Every page is in the map again: one run takes the whole bank. */
	assert_true(page_alloc_run(total) != 0);
	assert_int_equal(page_free_count(), 0);
	fake_ram_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("page_alloc_tsan", tests, NULL, NULL);
}
