/*
 * The fake with several CPUs: each has its own TLB (arch/fake/mmu.c), the
 * arch_tlb_flush_* broadcasts drop every CPU's entries, and a broadcast
 * that reaches only the caller (fake_tlb_broadcast_broken: a TLBI without
 * IS) leaves another CPU with a stale translation, which the fake shows:
 * fake_tlb_stale counts it and that CPU still translates through it.
 *
 *   unmap    CPU 1 caches a written page; CPU 0 unmaps it
 *   protect  CPU 1 caches a writable page; CPU 0 makes it read-only
 *   cow      CPU 1 caches the zero page; CPU 0 writes it (replacement)
 *
 * Each runs with the broadcasts working (no stale entry, CPU 1 faults or
 * sees the new page) and broken (one stale entry on CPU 1, which then
 * translates through it).
 */
#include "mm_test.h"
#include "mm/percpu.h"

#define FIX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static void map_fixed(struct mm_struct *mm, vaddr_t va, uint64_t len, unsigned prot)
{
	vaddr_t out;

	assert_int_equal(do_mmap(mm, va, len, prot, FIX, &out), 0);
}

/* CPU `cpu` reads (or writes) va through its TLB: the fake_translate result, *pa set. */
static unsigned on_cpu(unsigned cpu, struct mm_env *e, vaddr_t va, unsigned access, paddr_t *pa)
{
	unsigned r;

	percpu_enter(cpu);
	r = fake_translate(&e->pgt, va, access, pa);
	percpu_enter(0);
	return r;
}

enum change { UNMAP, PROTECT, COW };

static void run(struct mm_env *e, enum change how, bool broken)
{
	struct mm_struct *mm = &e->mm;
	vaddr_t va = LAYOUT_VA;
	paddr_t pa1 = 0, pa = 0;

	map_fixed(mm, va, PAGE_SIZE, PROT_READ | PROT_WRITE);
	assert_int_equal(do_page_fault(mm, va, how == COW ? FAULT_READ : FAULT_WRITE), 0);
	/* CPU 1 caches the translation. */
	assert_int_equal(on_cpu(1, e, va, FAULT_READ, &pa1), 0);
	percpu_enter(1);
	assert_true(fake_tlb_cached(va));
	percpu_enter(0);
	assert_false(fake_tlb_cached(va)); /* CPU 0's TLB is its own */
	assert_int_equal(fake_tlb_stale(&e->pgt, 1), 0);

	fake_tlb_broadcast_broken = broken;
	switch (how) {
	case UNMAP:
		assert_int_equal(do_munmap(mm, va, PAGE_SIZE), 0);
		break;
	case PROTECT:
		assert_int_equal(do_mprotect(mm, va, PAGE_SIZE, PROT_READ), 0);
		break;
	case COW:
		assert_int_equal(pa1, mm->zero_pa);
		assert_int_equal(do_page_fault(mm, va, FAULT_WRITE), 0);
		break;
	}
	fake_tlb_broadcast_broken = false;

	if (!broken) {
		assert_int_equal(fake_tlb_stale(&e->pgt, 1), 0);
		switch (how) {
		case UNMAP:
			assert_int_equal(on_cpu(1, e, va, FAULT_READ, &pa) & FAULT_TRANSLATION,
					 FAULT_TRANSLATION);
			break;
		case PROTECT:
			assert_int_equal(on_cpu(1, e, va, FAULT_WRITE, &pa) & FAULT_PERMISSION,
					 FAULT_PERMISSION);
			break;
		case COW:
			assert_int_equal(on_cpu(1, e, va, FAULT_READ, &pa), 0);
			assert_int_not_equal(pa, mm->zero_pa);
			break;
		}
		return;
	}
	/* The change did not reach CPU 1: its entry is stale, and it uses it. */
	assert_int_equal(fake_tlb_stale(&e->pgt, 1), 1);
	assert_int_equal(fake_tlb_stale(&e->pgt, 0), 0);
	assert_int_equal(on_cpu(1, e, va, how == PROTECT ? FAULT_WRITE : FAULT_READ, &pa), 0);
	assert_int_equal(pa, pa1);
	fake_tlb_reset();
}

#define CASE(name, how, broken)                                       \
	static void name(void **state)                                \
	{                                                             \
		run(*state, how, broken);                             \
	}
CASE(test_unmap_broadcast, UNMAP, false)
CASE(test_unmap_local_only_caught, UNMAP, true)
CASE(test_protect_broadcast, PROTECT, false)
CASE(test_protect_local_only_caught, PROTECT, true)
CASE(test_cow_broadcast, COW, false)
CASE(test_cow_local_only_caught, COW, true)

/* Each CPU fills only its own TLB, and a reset forgets them all. */
static void test_tlbs_are_per_cpu(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = LAYOUT_VA;
	paddr_t pa;

	map_fixed(&e->mm, va, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	assert_int_equal(do_page_fault(&e->mm, va, FAULT_WRITE), 0);
	assert_int_equal(do_page_fault(&e->mm, va + PAGE_SIZE, FAULT_WRITE), 0);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		assert_int_equal(on_cpu(cpu, e, va + (cpu & 1) * PAGE_SIZE, FAULT_READ, &pa), 0);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		percpu_enter(cpu);
		assert_int_equal(fake_tlb_count(va, va + 2 * PAGE_SIZE), 1);
		assert_true(fake_tlb_cached(va + (cpu & 1) * PAGE_SIZE));
		assert_false(fake_tlb_cached(va + !(cpu & 1) * PAGE_SIZE));
	}
	percpu_enter(0);
	fake_tlb_reset();
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		percpu_enter(cpu);
		assert_int_equal(fake_tlb_count(va, va + 2 * PAGE_SIZE), 0);
	}
	percpu_enter(0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_tlbs_are_per_cpu),
		T(test_unmap_broadcast),
		T(test_unmap_local_only_caught),
		T(test_protect_broadcast),
		T(test_protect_local_only_caught),
		T(test_cow_broadcast),
		T(test_cow_local_only_caught),
	};

	return cmocka_run_group_tests_name("tlb_cpus", tests, NULL, NULL);
}
