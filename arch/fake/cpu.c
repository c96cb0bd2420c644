/*
 * Fake CPU services for host tests: a host clock as the counter, memset as
 * page zeroing (checked against the RAM arena).
 */
#include <string.h>
#include <time.h>

#include "mm/arch.h"

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

void arch_zero_pages(void *page, size_t n)
{
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
