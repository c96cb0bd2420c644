/*
 * Fake CPU services for host tests: a host clock as the counter, memset as
 * page zeroing (checked against the RAM arena). A run of many pages (a
 * block: up to 512 MiB at 64 KiB) is zeroed by dropping its host pages
 * instead (MADV_DONTNEED on the arena's private anonymous mapping: they read
 * back as zeros), so that block faults cost a test no gigabytes of memset.
 */
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mm/arch.h"
#include "mm/percpu.h"
#include <arch/atomic.h>

/* A thread runs on the boot CPU's block until it calls percpu_enter. */
_Thread_local struct arch_percpu *fake_percpu = &percpu_blocks[0].arch;

uint64_t arch_counter(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t arch_read_cntvct(void)
{
	return arch_counter();
}

/* From this many bytes on, a run is zeroed by dropping its host pages. */
#define ZERO_DROP_BYTES (1ull << 20)

void arch_zero_pages(void *page, size_t n)
{
	size_t host = (size_t)sysconf(_SC_PAGESIZE);

	if (n * PAGE_SIZE >= ZERO_DROP_BYTES && IS_ALIGNED((uintptr_t)page | n * PAGE_SIZE, host)) {
		/* Both ends inside the arena (arch_virt_to_phys aborts otherwise). */
		paddr_t pa = arch_virt_to_phys(page);

		(void)arch_virt_to_phys((uint8_t *)page + n * PAGE_SIZE - 1);
		if (!IS_ALIGNED(pa, PAGE_SIZE) || madvise(page, n * PAGE_SIZE, MADV_DONTNEED))
			__builtin_trap();
		return;
	}
	for (size_t i = 0; i < n; i++)
		arch_zero_page((uint8_t *)page + i * PAGE_SIZE);
}

void arch_zero_page(void *page)
{
	/* Both ends must be inside the arena; arch_virt_to_phys aborts otherwise. */
	paddr_t pa = arch_virt_to_phys(page);

	(void)arch_virt_to_phys((uint8_t *)page + PAGE_SIZE - 1);
	if (!IS_ALIGNED(pa, PAGE_SIZE))
		__builtin_trap();
	memset(page, 0, PAGE_SIZE);
}

/* <arch/atomic.h>: the fake has one path (C11); the flag only mirrors the choice. */
bool arch_lse;
void (*fake_step_hook)(void);
void (*fake_wait_hook)(void);

void arch_atomics_init(bool force_llsc)
{
	arch_lse = !force_llsc;
}
