/*
 * lib/printf.c and lib/console.c against the C library's snprintf: every
 * combination of flags, width, precision, length modifier and conversion over
 * edge values, truncation at every buffer size, and the console path
 * (per-call buffering, long output split but complete, "\n" -> "\r\n"),
 * and the console lock: lines of fake CPUs on real threads never
 * interleave; a CPU that prints again while it holds the lock (an exception
 * report from inside a write) does not wait for itself; a holder that never
 * lets go is passed over when the wait hook says so (the stopping CPU).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/percpu.h"

/* ---- console capture (replaces console.c's weak host default) ---- */

static char captured[8192];
static size_t ncaptured;
static int nwrites;

static void (*in_write)(void); /* called inside the sink, once (the tests below) */

void console_fallback_write(const char *s, size_t n)
{
	void (*hook)(void) = in_write;

	assert_true(ncaptured + n <= sizeof(captured));
	for (size_t i = 0; i < n; i++) { /* byte by byte: room to interleave */
		captured[ncaptured++] = s[i];
		if ((i & 7) == 7)
			sched_yield();
	}
	nwrites++;
	if (hook) {
		in_write = NULL;
		hook();
	}
}

static void capture_reset(void)
{
	ncaptured = 0;
	nwrites = 0;
}

/* ---- comparison against snprintf ---- */

static int mismatches;

static void report(const char *fmt, const char *want, int wantn, const char *got, int gotn)
{
	if (mismatches++ < 20)
		print_error("format \"%s\": libc \"%s\" (%d), ours \"%s\" (%d)\n",
			    fmt, want, wantn, got, gotn);
}

static void compare(const char *fmt, const char *want, int wantn, const char *got, int gotn)
{
	if (wantn != gotn || strcmp(want, got) != 0)
		report(fmt, want, wantn, got, gotn);
}

/* Format one integer argument, as int (wide = false) or as a 64-bit type. */
static void check_int(const char *fmt, bool wide, uint64_t v)
{
	char want[256], got[256];
	int wn, gn;

	memset(got, 'X', sizeof(got));
	if (wide) {
		wn = snprintf(want, sizeof(want), fmt, (long long)v);
		gn = ksnprintf(got, sizeof(got), fmt, (long long)v);
	} else {
		wn = snprintf(want, sizeof(want), fmt, (int)v);
		gn = ksnprintf(got, sizeof(got), fmt, (int)v);
	}
	compare(fmt, want, wn, got, gn);
}

static const char *const int_flags[] = {
	"", "-", "0", "+", " ", "#", "-+", "0+", "0 ", "-0", "#0", "-#", "+ ",
};
static const char *const widths[] = { "", "1", "2", "5", "12", "24", "30" };
static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".12", ".25" };

static const struct {
	const char *mod;
	bool wide;
} lengths[] = {
	{ "", false }, { "hh", false }, { "h", false }, { "l", true },
	{ "ll", true }, { "z", true }, { "t", true }, { "j", true },
};

static const uint64_t int_values[] = {
	0, 1, 7, 8, 9, 10, 42, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff,
	0x12345678, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
	(uint64_t)-1, (uint64_t)-2, (uint64_t)-128, (uint64_t)-129,
	(uint64_t)INT32_MIN, (uint64_t)INT64_MIN, (uint64_t)INT64_MAX,
	UINT64_MAX - 1, 0xdeadbeefcafef00dull, 1000000000000000000ull,
};

static void test_integers(void **state)
{
	static const char convs[] = "diuxXo";
	char fmt[64];
	int n = 0;

	mismatches = 0;
	for (size_t c = 0; c < sizeof(convs) - 1; c++)
		for (size_t f = 0; f < ARRAY_SIZE(int_flags); f++)
			for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
				for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
					for (size_t l = 0; l < ARRAY_SIZE(lengths); l++) {
						/* '#' with d, i, u is undefined behaviour. */
						if (strchr(int_flags[f], '#') && strchr("diu", convs[c]))
							continue;
						snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]",
							 int_flags[f], widths[w], precs[p],
							 lengths[l].mod, convs[c]);
						for (size_t v = 0; v < ARRAY_SIZE(int_values); v++) {
							check_int(fmt, lengths[l].wide, int_values[v]);
							n++;
						}
					}
	print_message("%d integer cases\n", n);
	assert_int_equal(mismatches, 0);
}

static void test_star(void **state)
{
	static const int ws[] = { -12, -1, 0, 1, 7, 20 };
	static const int ps[] = { -5, -1, 0, 1, 4, 12 };
	char want[128], got[128];

	mismatches = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ws); i++)
		for (size_t j = 0; j < ARRAY_SIZE(ps); j++) {
			int wn = snprintf(want, sizeof(want), "%*.*d|%-*s|%0*x",
					  ws[i], ps[j], -42, ws[i], "ab", ws[i], 0xbeefu);
			int gn = ksnprintf(got, sizeof(got), "%*.*d|%-*s|%0*x",
					   ws[i], ps[j], -42, ws[i], "ab", ws[i], 0xbeefu);
			compare("%*.*d|%-*s|%0*x", want, wn, got, gn);
		}
	assert_int_equal(mismatches, 0);
}

static void test_strings_chars(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "with spaces in it",
					     "0123456789012345678901234567890123456789" };
	static const char *const sflags[] = { "", "-" };
	static const int chars[] = { 'a', 'Z', ' ', '%', '~' };
	char fmt[32], want[128], got[128];

	mismatches = 0;
	for (size_t f = 0; f < ARRAY_SIZE(sflags); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
				snprintf(fmt, sizeof(fmt), "<%%%s%s%ss>", sflags[f], widths[w], precs[p]);
				for (size_t s = 0; s < ARRAY_SIZE(strs); s++) {
					int wn = snprintf(want, sizeof(want), fmt, strs[s]);
					int gn = ksnprintf(got, sizeof(got), fmt, strs[s]);

					compare(fmt, want, wn, got, gn);
				}
			}
			snprintf(fmt, sizeof(fmt), "<%%%s%sc>", sflags[f], widths[w]);
			for (size_t c = 0; c < ARRAY_SIZE(chars); c++) {
				int wn = snprintf(want, sizeof(want), fmt, chars[c]);
				int gn = ksnprintf(got, sizeof(got), fmt, chars[c]);

				compare(fmt, want, wn, got, gn);
			}
		}
	assert_int_equal(mismatches, 0);
}

static void test_pointers(void **state)
{
	static const char *const fmts[] = { "%p", "%20p", "%-20p|", "%5p" };
	static int object;
	void *ptrs[] = { &object, (void *)(uintptr_t)0x1000, (void *)UINTPTR_MAX };
	char want[64], got[64];

	mismatches = 0;
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t p = 0; p < ARRAY_SIZE(ptrs); p++) {
			int wn = snprintf(want, sizeof(want), fmts[f], ptrs[p]);
			int gn = ksnprintf(got, sizeof(got), fmts[f], ptrs[p]);

			compare(fmts[f], want, wn, got, gn);
		}
	assert_int_equal(mismatches, 0);
}

/* Behaviour where we deliberately define what libc leaves open. */
static void test_fixed_outputs(void **state)
{
	enum { NONE, NULLPTR, INT, MINMAX };
	static const struct {
		const char *fmt; /* not a literal at the call: no compile-time check */
		int arg;
		const char *want;
	} cases[] = {
		{ "%s", NULLPTR, "(null)" },
		{ "%10s", NULLPTR, "    (null)" },
		{ "%.3s", NULLPTR, "(nu" },
		{ "%p", NULLPTR, "0x0" },
		{ "%9p", NULLPTR, "      0x0" },
		{ "%d%%", INT, "100%" },
		{ "%y", NONE, "%y" },
		{ "%5.2y|", NONE, "%5.2y|" },
		{ "end%", NONE, "end%" },
		{ "%lld %llu", MINMAX, "-9223372036854775808 18446744073709551615" },
		{ "%llx %llo", MINMAX, "8000000000000000 1777777777777777777777" },
	};
	char got[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *fmt = cases[i].fmt;
		int n = 0;

		switch (cases[i].arg) {
		case NONE:
			n = ksnprintf(got, sizeof(got), fmt, 0);
			break;
		case NULLPTR:
			n = ksnprintf(got, sizeof(got), fmt, NULL);
			break;
		case INT:
			n = ksnprintf(got, sizeof(got), fmt, 100);
			break;
		case MINMAX:
			n = ksnprintf(got, sizeof(got), fmt, (long long)INT64_MIN,
				      (unsigned long long)UINT64_MAX);
			break;
		}
		assert_string_equal(got, cases[i].want);
		assert_int_equal(n, (int)strlen(cases[i].want));
	}
}

/* Every buffer size from 0 to past the end: same bytes and return as libc. */
static void test_truncation(void **state)
{
	static const char fmt[] = "%s=%08llx %-6d|%+.3i %c";
	char want[64], got[64];
	int full = snprintf(NULL, 0, fmt, "key", 0xabcdefull, -17, 5, 'q');

	assert_int_equal(ksnprintf(NULL, 0, fmt, "key", 0xabcdefull, -17, 5, 'q'), full);
	for (size_t size = 0; size <= (size_t)full + 2; size++) {
		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		int wn = snprintf(want, size, fmt, "key", 0xabcdefull, -17, 5, 'q');
		int gn = ksnprintf(got, size, fmt, "key", 0xabcdefull, -17, 5, 'q');

		assert_int_equal(gn, wn);
		assert_memory_equal(got, want, sizeof(got)); /* nothing past size written */
	}
}

static void test_kprintf_console(void **state)
{
	char line[1000];
	int n;

	capture_reset();
	n = kprintf("a=%d\nb=%s\n", 5, "x");
	assert_int_equal(n, 8);
	assert_int_equal(ncaptured, 10);
	assert_memory_equal(captured, "a=5\r\nb=x\r\n", 10);

	/* Longer than kprintf's buffer: split into several writes, nothing lost. */
	memset(line, 'z', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	capture_reset();
	n = kprintf("<%s>", line);
	assert_int_equal(n, (int)sizeof(line) + 1);
	assert_int_equal(ncaptured, sizeof(line) + 1);
	assert_true(nwrites > 1);
	assert_int_equal(captured[0], '<');
	assert_int_equal(captured[ncaptured - 1], '>');
	for (size_t i = 1; i < ncaptured - 1; i++)
		assert_int_equal(captured[i], 'z');

	capture_reset();
	info("ram %zu MiB, %s", (size_t)512, errno_name(-EINVAL));
	captured[ncaptured] = '\0';
	assert_string_equal(captured, "faultline: ram 512 MiB, EINVAL\r\n");
}

static char drv_out[64];
static size_t drv_n;

static void drv_write(const struct console *con, const char *s, size_t n)
{
	assert_string_equal(con->name, "test");
	assert_true(drv_n + n <= sizeof(drv_out));
	memcpy(drv_out + drv_n, s, n);
	drv_n += n;
}

static void test_console_set(void **state)
{
	static const struct console con = { .name = "test", .write = drv_write };

	console_set(&con);
	capture_reset();
	drv_n = 0;
	kprintf("x\ny");
	console_set(NULL);
	assert_int_equal(ncaptured, 0);
	assert_int_equal(drv_n, 4);
	assert_memory_equal(drv_out, "x\r\ny", 4);
	kprintf("back");
	assert_int_equal(ncaptured, 4);
}

/* ---- the console lock ---- */

static int waits;

static bool wait_yield(void)
{
	waits++;
	sched_yield();
	return false;
}

static bool wait_take(void)
{
	waits++;
	return true;
}

#define LINES_PER_CPU 60

static void *print_lines(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	percpu_enter(cpu);
	for (int i = 0; i < LINES_PER_CPU; i++)
		kprintf("cpu %u line %02d end\n", cpu, i);
	return NULL;
}

/* Three fake CPUs print at once: every captured line is one whole line. */
static void test_console_lock_lines(void **state)
{
	pthread_t t[3];
	int seen[3] = { 0 };
	char *line, *save;

	(void)state;
	capture_reset();
	console_lock_enable(wait_yield);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, print_lines, (void *)(uintptr_t)(i + 1)), 0);
	for (unsigned i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	console_lock_enable(NULL);
	captured[ncaptured] = '\0';
	for (line = strtok_r(captured, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned cpu;
		int n, end = 0;

		assert_int_equal(sscanf(line, "cpu %u line %d end\r%n", &cpu, &n, &end), 2);
		assert_int_equal((size_t)end, strlen(line));
		assert_true(cpu >= 1 && cpu <= 3);
		assert_int_equal(n, seen[cpu - 1]++); /* each CPU's lines in order */
	}
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(seen[i], LINES_PER_CPU);
}

static void print_nested(void)
{
	kprintf("[nested]");
}

/* A CPU printing from inside its own write (a fault while it held the
 * lock) goes on without waiting. */
static void test_console_lock_owner_goes_on(void **state)
{
	(void)state;
	capture_reset();
	waits = 0;
	console_lock_enable(wait_take);
	in_write = print_nested;
	kprintf("outer");
	console_lock_enable(NULL);
	assert_int_equal(waits, 0);
	captured[ncaptured] = '\0';
	assert_string_equal(captured, "outer[nested]");
}

static void print_as_cpu2(void)
{
	percpu_enter(2);
	kprintf("[cpu2]");
	percpu_enter(0);
}

/* Another CPU that finds the lock held waits (the hook); when the hook
 * says take it (the stopping CPU, after its bounded wait), it prints. */
static void test_console_lock_passed_over(void **state)
{
	(void)state;
	capture_reset();
	waits = 0;
	console_lock_enable(wait_take);
	in_write = print_as_cpu2;
	kprintf("held");
	console_lock_enable(NULL);
	assert_int_equal(waits, 1);
	captured[ncaptured] = '\0';
	assert_string_equal(captured, "held[cpu2]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_fixed_outputs),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_kprintf_console),
		cmocka_unit_test(test_console_set),
		cmocka_unit_test(test_console_lock_lines),
		cmocka_unit_test(test_console_lock_owner_goes_on),
		cmocka_unit_test(test_console_lock_passed_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
