/*
 * The in-guest test runner: KTAP version 1 on the console (the format of
 * Linux's Documentation/dev-tools/ktap.rst, without subtests), read back by
 * tools/console.py. Every test is checked for leaked pages afterwards.
 */
#include "tests/guest/ktest.h"

#include <stdarg.h>

#include "lib/printf.h"
#include "mm/page_alloc.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static bool failed;       /* the running test has failed */
static char skip_why[96]; /* the running test skipped itself, and why */

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failed = true;
	kprintf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

void ktest_note(const char *fmt, ...)
{
	va_list ap;

	kprintf("# ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

void ktest_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(skip_why, sizeof(skip_why), fmt, ap);
	va_end(ap);
}

/* Run one test; true if it passed and gave back every page it took. */
static bool run_one(const struct ktest *t)
{
	size_t before = page_free_count(), after;

	failed = false;
	skip_why[0] = '\0';
	t->fn();
	after = page_free_count();
	if (after != before) {
		kprintf("# %s: leaked %lld pages (%zu free before, %zu after)\n",
			t->name, (long long)before - (long long)after, before, after);
		failed = true;
	}
	return !failed;
}

int ktest_run_all(void)
{
	size_t n = (size_t)(__ktests_end - __ktests_start);
	int nfailed = 0;
	size_t nskipped = 0;

	kprintf("KTAP version 1\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct ktest *t = &__ktests_start[i];
		bool ok = run_one(t);

		if (ok && skip_why[0]) {
			kprintf("ok %zu %s # SKIP %s\n", i + 1, t->name, skip_why);
			nskipped++;
			continue;
		}
		kprintf("%s %zu %s\n", ok ? "ok" : "not ok", i + 1, t->name);
		nfailed += !ok;
	}
	kprintf("# %zu tests: %zu passed, %d failed, %zu skipped\n", n,
		n - (size_t)nfailed - nskipped, nfailed, nskipped);
	return nfailed;
}
