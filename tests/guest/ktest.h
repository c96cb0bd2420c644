/*
 * In-guest tests (run=tests): each test is a void function registered with
 * KTEST(name); the linker gathers the entries in the .ktests section
 * (__ktests_start..__ktests_end, boot/linker.ld) and ktest_run_all() runs
 * them in link order, reporting KTAP version 1 on the console:
 *
 *   KTAP version 1
 *   1..N
 *   # tests/guest/test_mmu.c:57: expected par_ro(va) == 1, got 0x0 (0) vs 0x1 (1)
 *   not ok 1 mmu_text_not_writable
 *   ok 2 mmu_data_writable
 *   ok 3 mm_100000_vmas # SKIP only 86050 of 100000 VMAs fit in 8 MiB
 *
 * A KEXPECT_* records a failure (file:line, the expression, both values) and
 * the test goes on; a KASSERT_* also returns from the test function, for
 * when nothing after it makes sense. A test that leaves page_free_count()
 * different from where it started fails as leaking.
 */
#ifndef TESTS_GUEST_KTEST_H
#define TESTS_GUEST_KTEST_H

#include "lib/types.h"

struct ktest {
	const char *name;
	void (*fn)(void);
};

/* KTEST(fn) { body }: define and register the test `fn`. */
#define KTEST(fn)                                                          \
	static void fn(void);                                              \
	static const struct ktest ktest_entry_##fn                         \
		__attribute__((used, section(".ktests"), aligned(8))) = {  \
			#fn, fn};                                          \
	static void fn(void)

/* ktest_run_all: run every registered test, print KTAP; returns the number
 * that failed. */
int ktest_run_all(void);

/* ktest_fail: mark the current test failed and print "# file:line: msg". */
void ktest_fail(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

/*
 * ktest_skip: the current test cannot run here (not enough RAM, no PMU);
 * the caller returns. Reported as KTAP's "ok N name # SKIP <reason>",
 * unless a check had already failed (then "not ok").
 */
void ktest_skip(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* ktest_note: print a "# " diagnostic line for the current test. */
void ktest_note(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Check that cond holds; `ret` is empty (KEXPECT) or `return` (KASSERT). */
#define KTEST_CHECK_(cond, ret)                                            \
	do {                                                               \
		if (!(cond)) {                                             \
			ktest_fail(__FILE__, __LINE__, "expected %s", #cond); \
			ret;                                               \
		}                                                          \
	} while (0)

/* Compare a and b (each evaluated once, as uint64_t) with op; sa, sb are
 * their source text, stringised before macro expansion. */
#define KTEST_CMP_(a, op, b, sa, sb, ret)                                  \
	do {                                                               \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);           \
		if (!(a_ op b_)) {                                         \
			ktest_fail(__FILE__, __LINE__,                     \
				   "expected %s %s %s, got %#llx (%lld) vs %#llx (%lld)", \
				   sa, #op, sb, (unsigned long long)a_,    \
				   (long long)a_, (unsigned long long)b_,  \
				   (long long)b_);                         \
			ret;                                               \
		}                                                          \
	} while (0)

#define KEXPECT(cond) KTEST_CHECK_(cond, (void)0)
#define KEXPECT_EQ(a, b) KTEST_CMP_(a, ==, b, #a, #b, (void)0)
#define KEXPECT_NE(a, b) KTEST_CMP_(a, !=, b, #a, #b, (void)0)
#define KEXPECT_LT(a, b) KTEST_CMP_(a, <, b, #a, #b, (void)0)
#define KEXPECT_LE(a, b) KTEST_CMP_(a, <=, b, #a, #b, (void)0)
#define KEXPECT_GE(a, b) KTEST_CMP_(a, >=, b, #a, #b, (void)0)

#define KASSERT(cond) KTEST_CHECK_(cond, return)
#define KASSERT_EQ(a, b) KTEST_CMP_(a, ==, b, #a, #b, return)
#define KASSERT_NE(a, b) KTEST_CMP_(a, !=, b, #a, #b, return)
#define KASSERT_LE(a, b) KTEST_CMP_(a, <=, b, #a, #b, return)

#endif
