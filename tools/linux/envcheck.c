/*
 * Self-check of env_linux.c, run in the guest with run=tests: the fault and
 * allocation counts the benchmark rows report must match what the accesses
 * did (a write fault allocates a page, a read fault maps the zero page and
 * allocates none, a re-touch takes no fault), the counter must advance, and
 * the break and unmapping must behave as Linux documents. It also prints the
 * per-fault p50 of the three basic faults as a quick sanity figure.
 */
#include <errno.h>
#include <stdint.h>

#include "bench/env.h"
#include "lib/printf.h"
#include "tools/linux/linux.h"

#define PAGES 256u

static unsigned passed, failed;

static void check(bool ok, const char *what, uint64_t got, uint64_t want)
{
	if (ok) {
		passed++;
		info("envcheck ok   %s", what);
	} else {
		failed++;
		info("envcheck FAIL %s: got %llu, want %llu", what,
		    (unsigned long long)got, (unsigned long long)want);
	}
}

/* Within slack above want: the program's own stack may fault once or twice. */
static void check_about(const char *what, uint64_t got, uint64_t want)
{
	check(got >= want && got <= want + 2, what, got, want);
}

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

enum touch { TOUCH_READ, TOUCH_WRITE };

/* Touch PAGES pages of r once each; per-touch latencies into lat, sorted. */
static void touch(volatile char *r, enum touch how, uint64_t *lat)
{
	for (unsigned i = 0; i < PAGES; i++) {
		volatile char *p = r + i * PAGE_SIZE;
		uint64_t t0, t1;

		t0 = env_counter();
		if (how == TOUCH_WRITE)
			*p = 1;
		else
			(void)*p;
		t1 = env_counter();
		lat[i] = t1 - t0;
	}
	sort(lat, PAGES);
}

static void faults_and_pages(void)
{
	static uint64_t w[PAGES], r[PAGES], rw[PAGES], re[PAGES];
	uint64_t f0, a0, a1;
	char *m;

	m = env_map(PAGES * PAGE_SIZE, ENV_PROT_READ | ENV_PROT_WRITE);
	check(m != NULL, "env_map gives a mapping", m != NULL, 1);
	if (!m)
		return;
	f0 = env_faults();
	a0 = env_pages_allocated();
	touch(m, TOUCH_WRITE, w);
	check_about("write: one fault per page", env_faults() - f0, PAGES);
	check_about("write: one page allocated per fault",
		    env_pages_allocated() - a0, PAGES);

	f0 = env_faults();
	a0 = env_pages_allocated();
	touch(m, TOUCH_WRITE, re);
	check_about("retouch: no faults", env_faults() - f0, 0);
	check_about("retouch: no pages", env_pages_allocated() - a0, 0);

	a0 = env_pages_allocated();
	check(env_unmap(m, PAGES * PAGE_SIZE) == 0, "env_unmap succeeds", 0, 0);
	a1 = env_pages_allocated();
	check(a1 == a0, "unmapping does not lower the allocation count", a1, a0);
	check(env_unmap(m + 1, PAGE_SIZE) == -EINVAL,
	      "env_unmap of an unaligned address is -EINVAL", 0, 0);

	m = env_map(PAGES * PAGE_SIZE, ENV_PROT_READ | ENV_PROT_WRITE);
	if (!m)
		return;
	f0 = env_faults();
	a0 = env_pages_allocated();
	touch(m, TOUCH_READ, r);
	check_about("read: one fault per page", env_faults() - f0, PAGES);
	check_about("read: zero page, nothing allocated",
		    env_pages_allocated() - a0, 0);
	f0 = env_faults();
	a0 = env_pages_allocated();
	touch(m, TOUCH_WRITE, rw);
	check_about("read-then-write: one fault per page", env_faults() - f0,
		    PAGES);
	check_about("read-then-write: one page allocated per fault",
		    env_pages_allocated() - a0, PAGES);
	env_unmap(m, PAGES * PAGE_SIZE);

	/* Fewer pages than Linux's per-CPU RSS batch: exact only if summed. */
	m = env_map(5 * PAGE_SIZE, ENV_PROT_READ | ENV_PROT_WRITE);
	if (m) {
		a0 = env_pages_allocated();
		for (unsigned i = 0; i < 5; i++)
			((volatile char *)m)[i * PAGE_SIZE] = 1;
		check_about("5 writes: 5 pages (exact RSS sum)",
			    env_pages_allocated() - a0, 5);
		env_unmap(m, 5 * PAGE_SIZE);
	}

	info("envcheck p50 %s: write %llu, read %llu, "
	    "read-then-write %llu, retouch %llu (cntfrq %llu Hz)",
	    linux_counter_name(linux_counter_now()),
	    (unsigned long long)w[PAGES / 2], (unsigned long long)r[PAGES / 2],
	    (unsigned long long)rw[PAGES / 2], (unsigned long long)re[PAGES / 2],
	    (unsigned long long)linux_counter_freq());
}

static void brk_moves(void)
{
	char *base = env_brk(NULL);
	uint64_t n = 16, a0, a1;
	char *top;

	check(base != NULL, "env_brk(NULL) gives the break", base != NULL, 1);
	top = env_brk(base + n * PAGE_SIZE);
	check(top == base + n * PAGE_SIZE, "env_brk grows the break",
	      (uint64_t)(top - base), n * PAGE_SIZE);
	if (top != base + n * PAGE_SIZE)
		return;
	a0 = env_pages_allocated();
	for (uint64_t i = 0; i < n; i++)
		((volatile char *)base)[i * PAGE_SIZE] = 1;
	a1 = env_pages_allocated();
	check_about("brk: one page allocated per touched page", a1 - a0, n);
	top = env_brk(base);
	check(top == base, "env_brk shrinks the break", (uint64_t)top,
	      (uint64_t)base);
	check(env_pages_allocated() >= a1,
	      "shrinking does not lower the allocation count",
	      env_pages_allocated(), a1);
}

/*
 * Which PMU counters Linux lets EL0 read (a note, not a check: a kernel
 * without perf_user_access still runs, on CNTVCT_EL0), and that each one
 * offered advances. Leaves env_counter() on the counter it found.
 */
static void pmu_counters(void)
{
	static const enum linux_counter pmu[] = { LINUX_PMCCNTR, LINUX_INST };
	enum linux_counter was = linux_counter_now();

	for (size_t i = 0; i < ARRAY_SIZE(pmu); i++) {
		uint64_t c0, c1;
		volatile unsigned spin = 0;

		if (linux_counter_use(pmu[i]) < 0) {
			info("envcheck note %s not offered: %s",
			     linux_counter_name(pmu[i]), linux_pmu_why_not());
			continue;
		}
		c0 = env_counter();
		while (spin < 1000)
			spin++;
		c1 = env_counter();
		check(c1 > c0 + 1000, "a PMU counter read at EL0 advances",
		      c1 - c0, 1001);
		info("envcheck note %s offered (%u-bit): 1000 loop iterations count %llu",
		     linux_counter_name(pmu[i]), linux_pmu_width(),
		     (unsigned long long)(c1 - c0));
	}
	linux_counter_use(was);
}

static void counter_and_ram(void)
{
	uint64_t c0 = env_counter(), c1;
	volatile unsigned spin = 0;

	while (spin < 100000)
		spin++;
	c1 = env_counter();
	check(c1 > c0, "the counter advances", c1 - c0, 1);
	check(linux_counter_freq() != 0, "CNTFRQ_EL0 is set",
	      linux_counter_freq(), 1);
	check(env_ram_bytes() >= 16 * 1024 * 1024,
	      "env_ram_bytes leaves room to benchmark", env_ram_bytes() >> 20,
	      16);
}

int envcheck_run(void)
{
	pmu_counters();
	faults_and_pages();
	brk_moves();
	counter_and_ram();
	info("envcheck %u passed, %u failed", passed, failed);
	return failed ? -1 : 0;
}
