/*
 * bench/env.h inside faultline: memory comes from the one address space
 * (current_mm) through the same do_mmap/do_munmap/do_brk as any user of
 * mm/, so every first touch takes the real fault path; the counter is
 * PMCCNTR_EL0, CNTVCT_EL0 or PMEVCNTR0_EL0 counting INST_RETIRED, read
 * between ISBs.
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/sysreg.h"
#include "bench/env.h"
#include "bench/kernel/env_kernel.h"
#include "mm/arch.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"

/* Memory the benchmarks leave to the rest of the kernel: 1/8 of what is free. */
#define RAM_RESERVE_SHIFT 3

static enum env_counter_kind counter_kind = ENV_PMCCNTR;

/* INST_RETIRED extended to 64 bits: PMEVCNTR0_EL0 may be 32 bits wide, and
 * the benchmarks read it far more often than every 2^32 instructions. */
static uint64_t inst_high;
static uint32_t inst_last;

static uint64_t inst_count(void)
{
	uint32_t now = pmu_inst_read();

	if (now < inst_last)
		inst_high += 1ull << 32;
	inst_last = now;
	return inst_high | now;
}

const char *env_pmu_why_not(void)
{
	if (!pmu_counts())
		return "PMCCNTR_EL0 does not count (no PMU, or it did not start)";
	if (sysreg_field(read_sysreg(pmcr_el0), PMCR_EL0_N_SHIFT, 5) == 0)
		return "PMCR_EL0.N = 0";
	return NULL;
}

const char *env_inst_why_not(void)
{
	if (!pmu_inst())
		return "the PMU does not offer INST_RETIRED (event 0x08: no PMU, "
		       "PMCR_EL0.N = 0 or PMCEID0_EL0 bit 8 clear; QEMU has it "
		       "only under -icount)";
	return NULL;
}

void env_use_counter(enum env_counter_kind k)
{
	counter_kind = k;
}

enum env_counter_kind env_counter_kind(void)
{
	return counter_kind;
}

uint64_t env_counter(void)
{
	if (counter_kind == ENV_CNTVCT)
		return arch_read_cntvct();
	if (counter_kind == ENV_INST)
		return inst_count();
	return arch_counter();
}

void *env_map(uint64_t bytes, unsigned prot)
{
	unsigned p = PROT_NONE;
	vaddr_t va;

	if (prot & ENV_PROT_READ)
		p |= PROT_READ;
	if (prot & ENV_PROT_WRITE)
		p |= PROT_WRITE;
	if (do_mmap(current_mm, 0, bytes, p, MAP_PRIVATE | MAP_ANONYMOUS, &va))
		return NULL;
	return (void *)va;
}

int env_unmap(void *p, uint64_t bytes)
{
	return do_munmap(current_mm, (vaddr_t)p, ALIGN_UP(bytes, PAGE_SIZE));
}

void *env_brk(void *addr)
{
	return (void *)do_brk(current_mm, (vaddr_t)addr);
}

uint64_t env_faults(void)
{
	const struct mm_struct *mm = current_mm;

	return mm_counter(mm, nr_fault_zero) + mm_counter(mm, nr_fault_anon) +
	       mm_counter(mm, nr_fault_folio) + mm_counter(mm, nr_fault_cow) +
	       mm_counter(mm, nr_fault_wp) + mm_counter(mm, nr_fault_af) +
	       mm_counter(mm, nr_fault_spurious) + mm_counter(mm, nr_fault_segv) +
	       mm_counter(mm, nr_fault_oom) + mm_counter(mm, nr_fault_thp) +
	       mm_counter(mm, nr_fault_thp_zero) + mm_counter(mm, nr_fault_lost);
}

uint64_t env_pages_allocated(void)
{
	const struct mm_struct *mm = current_mm;

	return mm_counter(mm, nr_fault_anon) + mm_counter(mm, nr_fault_cow) +
	       mm_counter(mm, nr_folio_pages) + mm_counter(mm, nr_thp_pages);
}

uint64_t env_cpu_faults(unsigned cpu)
{
	const struct mm_pcpu *p = &current_mm->pcpu[cpu];

	return p->pcpu_nr_fault_zero + p->pcpu_nr_fault_anon + p->pcpu_nr_fault_folio +
	       p->pcpu_nr_fault_cow + p->pcpu_nr_fault_wp + p->pcpu_nr_fault_af +
	       p->pcpu_nr_fault_spurious + p->pcpu_nr_fault_segv + p->pcpu_nr_fault_oom +
	       p->pcpu_nr_fault_thp + p->pcpu_nr_fault_thp_zero + p->pcpu_nr_fault_lost;
}

uint64_t env_cpu_pages_allocated(unsigned cpu)
{
	const struct mm_pcpu *p = &current_mm->pcpu[cpu];

	return p->pcpu_nr_fault_anon + p->pcpu_nr_fault_cow + p->pcpu_nr_folio_pages +
	       p->pcpu_nr_thp_pages;
}

uint64_t env_table_pages(void)
{
	return mm_table_pages(current_mm);
}

/* From CLIDR_EL1 and CCSIDR_EL1 (arch/aarch64/cpuid.c). */
uint64_t env_cache_bytes(void)
{
	return cpu_cache_bytes();
}

uint64_t env_ram_bytes(void)
{
	uint64_t free = page_free_count() * PAGE_SIZE;

	return free - (free >> RAM_RESERVE_SHIFT);
}
