/*
 * bench/env.h for the host unit tests: anonymous mmap, brk, the monotonic
 * clock in nanoseconds and the process's minor-fault count, so the portable
 * pattern code runs end to end on the build machine. The kernel has its own
 * environment (bench/kernel/env_kernel.c); each build declares the one it
 * links (Makefile, tests/unit/rules.mk).
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench/env.h"

void *env_map(uint64_t bytes, unsigned prot)
{
	int p = PROT_NONE;

	if (prot & ENV_PROT_READ)
		p |= PROT_READ;
	if (prot & ENV_PROT_WRITE)
		p |= PROT_WRITE;
	void *m = mmap(NULL, bytes, p, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	/* One fault per 4 KiB page, as in the kernel: no transparent huge pages. */
	madvise(m, bytes, MADV_NOHUGEPAGE);
	return m;
}

int env_unmap(void *p, uint64_t bytes)
{
	return munmap(p, bytes) ? -1 : 0;
}

void *env_brk(void *addr)
{
	return (void *)syscall(SYS_brk, addr);
}

uint64_t env_counter(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t env_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_minflt;
}

uint64_t env_pages_allocated(void)
{
	return 0; /* not known to a Linux process */
}

uint64_t env_table_pages(void)
{
	return ENV_UNKNOWN; /* not known to a host process */
}

/* The build machine's largest cache, as glibc reports it (0: unknown). */
uint64_t env_cache_bytes(void)
{
	long best = 0;
	const int names[] = { _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE,
			      _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL4_CACHE_SIZE };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long v = sysconf(names[i]);
		if (v > best)
			best = v;
	}
	return (uint64_t)best;
}

uint64_t env_ram_bytes(void)
{
	return 256ull << 20;
}
