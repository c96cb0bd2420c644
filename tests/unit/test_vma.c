/*
 * The VMA set: find_vma's definition (first VMA ending above addr), its
 * one-entry cache (hits, switching off, never stale after unmap),
 * find_vma_prev, the mm_check checker catching damage, and 100,000 VMAs
 * on 128 MiB of RAM.
 */
#include "mm_test.h"

#define FIX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static void map_fixed(struct mm_struct *mm, vaddr_t va, uint64_t len, unsigned prot)
{
	vaddr_t out;

	assert_int_equal(do_mmap(mm, va, len, prot, FIX, &out), 0);
}

/* Layout: [LAYOUT_VA, LAYOUT_VA+2P) r, hole, [LAYOUT_VA+4P, LAYOUT_VA+5P) rw, [LAYOUT_VA+5P, LAYOUT_VA+6P) r. */
static void make_layout(struct mm_struct *mm)
{
	map_fixed(mm, LAYOUT_VA, 2 * PAGE_SIZE, PROT_READ);
	map_fixed(mm, LAYOUT_VA + 4 * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE);
	map_fixed(mm, LAYOUT_VA + 5 * PAGE_SIZE, PAGE_SIZE, PROT_READ);
}

static void test_find_vma(void **state)
{
	struct mm_env *e = *state;
	struct mm_struct *mm = &e->mm;
	struct vm_area_struct *prev;
	static const struct {
		vaddr_t addr, start; /* start 0: NULL */
	} want[] = {
		{ 0, LAYOUT_VA }, { LAYOUT_VA - 1, LAYOUT_VA }, { LAYOUT_VA, LAYOUT_VA }, { LAYOUT_VA + 2 * PAGE_SIZE - 1, LAYOUT_VA },
		{ LAYOUT_VA + 2 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE }, { LAYOUT_VA + 4 * PAGE_SIZE - 1, LAYOUT_VA + 4 * PAGE_SIZE },
		{ LAYOUT_VA + 4 * PAGE_SIZE, LAYOUT_VA + 4 * PAGE_SIZE }, { LAYOUT_VA + 5 * PAGE_SIZE, LAYOUT_VA + 5 * PAGE_SIZE },
		{ LAYOUT_VA + 6 * PAGE_SIZE - 1, LAYOUT_VA + 5 * PAGE_SIZE }, { LAYOUT_VA + 6 * PAGE_SIZE, 0 }, { ~0ull, 0 },
	};

	assert_null(find_vma(mm, LAYOUT_VA));
	make_layout(mm);
	for (int pass = 0; pass < 2; pass++) {
		mm_set_vmacache(mm, pass == 0);
		for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
			struct vm_area_struct *v = find_vma(mm, want[i].addr);

			if (!want[i].start)
				assert_null(v);
			else
				assert_int_equal(v->vm_start, want[i].start);
			if (pass == 1)
				assert_null(mm->vmacache);
		}
	}
	assert_int_equal(find_vma_prev(mm, LAYOUT_VA + 3 * PAGE_SIZE, &prev)->vm_start, LAYOUT_VA + 4 * PAGE_SIZE);
	assert_int_equal(prev->vm_start, LAYOUT_VA);
	assert_null(find_vma_prev(mm, LAYOUT_VA + 7 * PAGE_SIZE, &prev));
	assert_int_equal(prev->vm_start, LAYOUT_VA + 5 * PAGE_SIZE);
	assert_int_equal(find_vma_prev(mm, LAYOUT_VA, &prev)->vm_start, LAYOUT_VA);
	assert_null(prev);
}

/* The cache answers a repeat lookup and is never left pointing at a freed VMA. */
static void test_cache(void **state)
{
	struct mm_env *e = *state;
	struct mm_struct *mm = &e->mm;
	struct vm_area_struct *v;

	make_layout(mm);
	v = find_vma(mm, LAYOUT_VA + 4 * PAGE_SIZE + 8);
	assert_ptr_equal(mm->vmacache, v);
	assert_ptr_equal(find_vma(mm, LAYOUT_VA + 4 * PAGE_SIZE + 16), v);
	assert_int_equal(do_munmap(mm, LAYOUT_VA + 4 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_true(mm->vmacache != v);
	assert_int_equal(mm_check(mm), 0);
	assert_int_equal(find_vma(mm, LAYOUT_VA + 4 * PAGE_SIZE + 8)->vm_start, LAYOUT_VA + 5 * PAGE_SIZE);
	/* A merge frees the right-hand VMA: the cache must not keep it. */
	v = find_vma(mm, LAYOUT_VA + 5 * PAGE_SIZE);
	map_fixed(mm, LAYOUT_VA + 2 * PAGE_SIZE, 3 * PAGE_SIZE, PROT_READ);
	assert_true(mm->vmacache != v || v->vm_start == LAYOUT_VA);
	assert_int_equal(mm_check(mm), 0);
	assert_int_equal(mm->map_count, 1);
	assert_int_equal(find_vma(mm, LAYOUT_VA + 5 * PAGE_SIZE)->vm_start, LAYOUT_VA);
}

/* mm_check must notice damage, or every test that calls it proves nothing. */
static void test_check_catches(void **state)
{
	struct mm_env *e = *state;
	struct mm_struct *mm = &e->mm;
	struct vm_area_struct *v;

	make_layout(mm);
	assert_int_equal(mm_check(mm), 0);
	v = mm->mmap->vm_next;
	v->vm_start -= 3 * PAGE_SIZE; /* overlap */
	assert_int_equal(mm_check(mm), -EINVAL);
	v->vm_start += 3 * PAGE_SIZE;
	v->vm_next->vm_flags = v->vm_flags; /* unmerged neighbours */
	assert_int_equal(mm_check(mm), -EINVAL);
	v->vm_next->vm_flags = VM_READ;
	mm->map_count++;
	assert_int_equal(mm_check(mm), -EINVAL);
	mm->map_count--;
	mm->nr_fault_anon++;
	assert_int_equal(mm_check(mm), -EINVAL);
	mm->nr_fault_anon--;
	assert_int_equal(mm_check(mm), 0);
}

/* 100,000 VMAs (alternating protections, so none merge) on 128 MiB. */
static void test_100k(void **state)
{
	enum { N = 100000 };
	struct mm_env *e = mm_env_new(128);
	struct mm_struct *mm = &e->mm;
	unsigned seed = 1;

	for (size_t i = 0; i < N; i++)
		map_fixed(mm, LAYOUT_VA + i * PAGE_SIZE, PAGE_SIZE, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE);
	assert_int_equal(mm->map_count, N);
	assert_int_equal(mm_check(mm), 0);
	for (int k = 0; k < 10000; k++) {
		size_t i = (size_t)rand_r(&seed) % N;
		struct vm_area_struct *v = find_vma(mm, LAYOUT_VA + i * PAGE_SIZE + 123);

		assert_int_equal(v->vm_start, LAYOUT_VA + i * PAGE_SIZE);
	}
	/* Touch a few, punch holes, and take it all down: every page back. */
	for (size_t i = 0; i < N; i += 997)
		assert_int_equal(touch(mm, LAYOUT_VA + i * PAGE_SIZE, i & 1 ? FAULT_READ : FAULT_WRITE, NULL), 0);
	for (size_t i = 0; i < N; i += 3)
		assert_int_equal(do_munmap(mm, LAYOUT_VA + i * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(mm_check(mm), 0);
	assert_int_equal(do_munmap(mm, LAYOUT_VA, N * PAGE_SIZE), 0);
	assert_int_equal(mm->map_count, 0);
	mm_env_free(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_find_vma),
		T(test_cache),
		T(test_check_catches),
		cmocka_unit_test(test_100k),
	};

	return cmocka_run_group_tests_name("vma", tests, NULL, NULL);
}
