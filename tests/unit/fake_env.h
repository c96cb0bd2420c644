/*
 * Shared helpers for host tests that need "hardware": fake RAM handed to the
 * page allocator, running the allocator dry, and death tests for assert().
 * Include after <cmocka.h>.
 */
#ifndef TESTS_UNIT_FAKE_ENV_H
#define TESTS_UNIT_FAKE_ENV_H

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/fake.h"
#include "mm/page_alloc.h"

/* fake_env_init: `size` bytes of fake RAM, all of it given to the page allocator. */
static inline void fake_env_init(uint64_t size)
{
	struct mem_range bank;

	assert_int_equal(fake_ram_init(size, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
}

/* fake_env_free: drop the fake RAM (re-run fake_env_init before allocating again). */
static inline void fake_env_free(void)
{
	fake_ram_free();
}

/* A set of pages taken from the allocator, to run it dry and give them back. */
struct drained {
	paddr_t *pages;
	size_t n;
};

/* drain_leaving: allocate until only `keep` pages are left free. */
static inline struct drained drain_leaving(size_t keep)
{
	struct drained d = { 0 };
	size_t want = page_free_count() > keep ? page_free_count() - keep : 0;

	d.pages = calloc(want ? want : 1, sizeof(*d.pages));
	assert_non_null(d.pages);
	while (d.n < want) {
		d.pages[d.n] = page_alloc();
		assert_true(d.pages[d.n] != 0);
		d.n++;
	}
	assert_int_equal(page_free_count(), keep);
	return d;
}

/* undrain: give back what drain_leaving took. */
static inline void undrain(struct drained *d)
{
	while (d->n > 0)
		page_free(d->pages[--d->n]);
	free(d->pages);
	d->pages = NULL;
}

/*
 * expect_abort: run fn(arg) in a child process and check that it dies of
 * SIGABRT (a failed assert), not by returning or another signal.
 */
static inline void expect_abort(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, STDERR_FILENO); /* the expected assert message */
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

#endif
