/*
 * Fake physical RAM for host tests: one anonymous mapping standing in for
 * the physical range [base, base + size). Physical addresses convert to
 * host pointers by offset, and any address outside the arena aborts: a wild
 * physical access in portable code is a test failure, not silent damage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "arch/fake.h"
#include "lib/errno.h"
#include "mm/arch.h"

static struct {
	uint8_t *mem;
	paddr_t base;
	uint64_t size;
} ram;

int fake_ram_init_at(paddr_t base, uint64_t size, struct mem_range *bank)
{
	void *mem;

	if (size == 0 || !IS_ALIGNED(base | size, PAGE_SIZE) || base + size < base)
		return -EINVAL;
	fake_ram_free();
	/* NORESERVE: a test may describe gigabytes and touch a few pages. */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return -ENOMEM;
	ram.mem = mem;
	ram.base = base;
	ram.size = size;
	if (bank) {
		bank->base = base;
		bank->size = size;
	}
	fake_tlb_reset();
	fake_stats_reset();
	return 0;
}

int fake_ram_init(uint64_t size, struct mem_range *bank)
{
	return fake_ram_init_at(FAKE_RAM_BASE, size, bank);
}

void fake_ram_free(void)
{
	if (ram.mem)
		munmap(ram.mem, ram.size);
	ram.mem = NULL;
	ram.size = 0;
	fake_tlb_reset();
}

void *arch_phys_to_virt(paddr_t pa)
{
	if (!ram.mem || pa < ram.base || pa - ram.base >= ram.size) {
		fprintf(stderr, "fake: physical address %#llx outside the RAM arena\n",
			(unsigned long long)pa);
		abort();
	}
	return ram.mem + (pa - ram.base);
}

paddr_t arch_virt_to_phys(const void *va)
{
	const uint8_t *p = va;

	if (!ram.mem || p < ram.mem || (uint64_t)(p - ram.mem) >= ram.size) {
		fprintf(stderr, "fake: pointer %p outside the RAM arena\n", va);
		abort();
	}
	return ram.base + (paddr_t)(p - ram.mem);
}
