/*
 * The fault path's entry edits when another CPU got there first, each race
 * staged by hand on one thread: the entry is changed between the fault's
 * read and its compare-and-swap (or left ARCH_PTE_BUSY, as another CPU's
 * break would leave it), and the edit must notice, change nothing, give
 * back what it took and count the lost race. (Races on real threads and
 * replayed interleavings: tests/unit/tsan/, tests/fuzz/.)
 *
 *   install_taken        pgt_install into a slot another CPU filled: false
 *   replace_stale        pgt_replace / pgt_touch with an entry that changed
 *   claim_run_partial    a folio's claim meets a taken slot: all released
 *   rewrite_cont_stale   a contiguous range with one entry changed: put back
 *   alloc_busy           pgt_alloc_to through a BUSY slot: waits, -EAGAIN
 *   fault_on_busy        a fault on a BUSY last-level slot waits until the
 *                        owner (another thread) writes it, then ends: lost
 *   fault_on_busy_table  a fault whose table slot is BUSY: waits, lost, no
 *                        table of its own left behind
 *   writer_waits_fault   mm_write_lock waits while another CPU is in a fault
 */
#include <pthread.h>
#include <unistd.h>

#include "mm_test.h"
#include "mm/mm_lock.h"

#define LEVEL3 ((unsigned)PGT_LAST_LEVEL << FAULT_LEVEL_SHIFT)

static vaddr_t map_rw(struct mm_env *e, uint64_t len)
{
	vaddr_t out;

	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out), 0);
	return out;
}

static pte_t *slot_of(struct mm_env *e, vaddr_t va)
{
	int err = 0;
	pte_t *slot = pgt_walk_alloc(&e->pgt, va, &err);

	assert_non_null(slot);
	return slot;
}

static void test_install_taken(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, PAGE_SIZE);
	pte_t *slot = slot_of(e, va);
	pte_t theirs = arch_pte_leaf(e->mm.zero_pa, MM_READ, PGT_LAST_LEVEL);

	assert_true(pgt_install(slot, theirs));
	assert_false(pgt_install(slot, arch_pte_leaf(e->mm.zero_pa, MM_READ | MM_WRITE,
						     PGT_LAST_LEVEL)));
	assert_int_equal(arch_pte_read(slot), theirs);
	assert_int_equal(pgt_unmap(&e->pgt, va, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(do_munmap(&e->mm, va, PAGE_SIZE), 0);
}

static void test_replace_stale(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, PAGE_SIZE);
	paddr_t pa = page_alloc();
	pte_t *slot = slot_of(e, va);
	pte_t seen = arch_pte_leaf(e->mm.zero_pa, MM_READ, PGT_LAST_LEVEL);
	pte_t now = arch_pte_leaf(e->mm.zero_pa, MM_READ | MM_EXEC, PGT_LAST_LEVEL);

	assert_true(pgt_install(slot, now)); /* the entry changed after "seen" was read */
	assert_false(pgt_replace(slot, PGT_LAST_LEVEL, va, seen,
				 arch_pte_leaf(pa, MM_READ | MM_WRITE, PGT_LAST_LEVEL)));
	assert_false(pgt_touch(slot, va, seen, seen));
	assert_int_equal(arch_pte_read(slot), now);
	/* With the entry it holds, the same replace succeeds. */
	assert_true(pgt_replace(slot, PGT_LAST_LEVEL, va, now,
				arch_pte_leaf(pa, MM_READ | MM_WRITE, PGT_LAST_LEVEL)));
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(pgt_unmap(&e->pgt, va, PAGE_SIZE, NULL, NULL), 0);
	page_free(pa);
	assert_int_equal(do_munmap(&e->mm, va, PAGE_SIZE), 0);
}

static void test_claim_run_partial(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, 8 * PAGE_SIZE);
	pte_t *first = slot_of(e, va);
	pte_t theirs = arch_pte_leaf(e->mm.zero_pa, MM_READ, PGT_LAST_LEVEL);

	assert_true(pgt_install(&first[5], theirs));
	assert_false(pgt_claim_run(first, 8));
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(arch_pte_read(&first[i]), i == 5 ? theirs : 0);
	assert_int_equal(pgt_unmap(&e->pgt, va, 8 * PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(do_munmap(&e->mm, va, 8 * PAGE_SIZE), 0);
}

static void test_rewrite_cont_stale(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, CONT_PTE_SIZE);
	pte_t *first, before[CONT_PTES];

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_PTE_BITS)), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_folio, 1);
	assert_int_equal(do_mprotect(&e->mm, va, CONT_PTE_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(&e->mm, va, CONT_PTE_SIZE, PROT_READ | PROT_WRITE), 0);
	first = slot_of(e, va);
	for (size_t i = 0; i < CONT_PTES; i++)
		before[i] = arch_pte_read(&first[i]);
	/* Another CPU is between a break and a make of the last entry. */
	arch_pte_set(&first[CONT_PTES - 1], ARCH_PTE_BUSY);
	arch_tlb_flush_leaf(va + (CONT_PTES - 1) * PAGE_SIZE);
	assert_false(pgt_rewrite_cont(&first[0], va, MM_READ | MM_WRITE));
	for (size_t i = 0; i + 1 < CONT_PTES; i++)
		assert_int_equal(arch_pte_read(&first[i]), before[i]);
	arch_pte_set(&first[CONT_PTES - 1], before[CONT_PTES - 1]);
	assert_true(pgt_rewrite_cont(&first[0], va, MM_READ | MM_WRITE));
	assert_true(pgt_cont_ok(&first[0], va));
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_int_equal(do_munmap(&e->mm, va, CONT_PTE_SIZE), 0);
	assert_int_equal(mm_set_folios(&e->mm, 0), 0);
}

/* Another CPU's fault, between its break and its make: after a while it stores `then`. */
struct owner {
	pte_t *slot;
	pte_t then;
	int stored;
};

static void *owner_main(void *arg)
{
	struct owner *o = arg;

	percpu_enter(2);
	usleep(20000);
	__atomic_store_n(&o->stored, 1, __ATOMIC_RELEASE);
	arch_pte_set(o->slot, o->then);
	return NULL;
}

static void test_alloc_busy(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = LAYOUT_VA;
	int level, err = 0;
	pte_t *slot = pgt_descend(&e->pgt, va, PGT_LAST_LEVEL, &level);
	size_t tables = pgt_table_pages(&e->pgt), free = page_free_count();

	struct owner o = { .slot = slot, .then = 0 };
	pthread_t t;

	assert_int_equal(arch_pte_read(slot), 0);
	arch_pte_set(slot, ARCH_PTE_BUSY);
	assert_int_equal(pthread_create(&t, NULL, owner_main, &o), 0);
	assert_null(pgt_alloc_from(&e->pgt, slot, level, va, &err));
	assert_int_equal(err, -EAGAIN); /* after the owner wrote the slot */
	assert_int_equal(__atomic_load_n(&o.stored, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(pgt_table_pages(&e->pgt), tables);
	assert_int_equal(page_free_count(), free);
}

static void test_fault_on_busy(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, PAGE_SIZE);
	pte_t *slot = slot_of(e, va);
	size_t free = page_free_count();
	uint64_t lost = e->mm.nr_fault_lost;
	struct owner o = { .slot = slot, .then = 0 };
	pthread_t t;

	arch_pte_set(slot, ARCH_PTE_BUSY);
	assert_int_equal(pthread_create(&t, NULL, owner_main, &o), 0);
	assert_int_equal(do_page_fault(&e->mm, va, FAULT_TRANSLATION | FAULT_WRITE | LEVEL3), 0);
	/* It returned only once the owner had written the slot. */
	assert_int_equal(__atomic_load_n(&o.stored, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(e->mm.nr_fault_lost, lost + 1);
	assert_int_equal(e->mm.nr_fault_anon, 0);
	assert_int_equal(page_free_count(), free);
	/* The retry maps it. */
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_anon, 1);
	assert_int_equal(mm_check(&e->mm), 0);
	assert_int_equal(do_munmap(&e->mm, va, PAGE_SIZE), 0);
}

static void test_fault_on_busy_table(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, PAGE_SIZE);
	int level;
	pte_t *slot = pgt_descend(&e->pgt, va, PGT_LAST_LEVEL, &level);
	size_t free = page_free_count();
	struct owner o = { .slot = slot, .then = 0 };
	pthread_t t;

	assert_true(level < PGT_LAST_LEVEL);
	arch_pte_set(slot, ARCH_PTE_BUSY);
	assert_int_equal(pthread_create(&t, NULL, owner_main, &o), 0);
	assert_int_equal(do_page_fault(&e->mm, va, FAULT_TRANSLATION | FAULT_READ |
				       ((unsigned)level << FAULT_LEVEL_SHIFT)), 0);
	assert_int_equal(__atomic_load_n(&o.stored, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(e->mm.nr_fault_lost, 1);
	assert_int_equal(page_free_count(), free); /* no table left behind */
	assert_int_equal(touch(&e->mm, va, FAULT_READ, NULL), 0);
	assert_int_equal(e->mm.nr_fault_zero, 1);
	assert_int_equal(do_munmap(&e->mm, va, PAGE_SIZE), 0);
}

/* A fake CPU inside a fault of the mm while a writer on another thread waits. */
struct writer {
	struct mm_struct *mm;
	vaddr_t va;
	int done;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	percpu_enter(1);
	assert_int_equal(do_munmap(w->mm, w->va, PAGE_SIZE), 0);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_writer_waits_fault(void **state)
{
	struct mm_env *e = *state;
	struct writer w = { .mm = &e->mm, .va = map_rw(e, PAGE_SIZE) };
	uint64_t *in_fault = &e->mm.pcpu[0].pcpu_in_fault;
	pthread_t t;

	mm_fault_enter(&e->mm, in_fault); /* CPU 0 is inside a fault */
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	for (int i = 0; i < 50; i++) {
		usleep(1000);
		assert_int_equal(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), 0);
	}
	assert_true(mm_write_locked(&e->mm)); /* it took the lock and waits for CPU 0 */
	mm_fault_exit(in_fault);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.done, 1);
	assert_false(mm_write_locked(&e->mm));
	assert_null(find_vma(&e->mm, w.va));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_install_taken),     T(test_replace_stale),   T(test_claim_run_partial),
		T(test_rewrite_cont_stale), T(test_alloc_busy),      T(test_fault_on_busy),
		T(test_fault_on_busy_table), T(test_writer_waits_fault),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
