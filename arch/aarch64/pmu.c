/*
 * PMU cycle counter set-up and check (see pmu.h).
 */
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/sysreg.h"

static bool counts;

static bool pmu_present(void)
{
	unsigned ver = sysreg_field(read_sysreg(id_aa64dfr0_el1),
				    ID_AA64DFR0_PMUVer_SHIFT, 4);

	return ver != 0 && ver != ID_AA64DFR0_PMUVer_IMPDEF;
}

bool pmu_init(void)
{
	uint64_t before, after;

	counts = false;
	if (!pmu_present())
		return false;
	write_sysreg(pmccfiltr_el0, PMCCFILTR_EL0_EL1_ONLY);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_EL0_E | PMCR_EL0_LC);
	write_sysreg(pmcntenset_el0, PMCNTENSET_EL0_C);
	isb();
	before = read_sysreg(pmccntr_el0);
	for (volatile int i = 0; i < 100; i++)
		;
	isb();
	after = read_sysreg(pmccntr_el0);
	counts = after != before;
	return counts;
}

bool pmu_counts(void)
{
	return counts;
}

uint64_t pmu_cycles(void)
{
	if (!counts)
		return 0;
	isb();
	return read_sysreg(pmccntr_el0);
}
