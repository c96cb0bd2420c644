/*
 * In-guest tests of the PMU's INST_RETIRED counter (arch/aarch64/pmu.c) and
 * of counter=inst on the command line. QEMU offers the event only under
 * -icount; elsewhere the tests check that it is reported absent.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/pmu.h"
#include "arch/aarch64/sysreg.h"
#include "bench/args.h"
#include "lib/errno.h"
#include "lib/string.h"

#define LOOPS 1000

/* What the PMU offers, read from the ID and PMU registers directly. */
static bool inst_offered(void)
{
	unsigned ver = sysreg_field(read_sysreg(id_aa64dfr0_el1), ID_AA64DFR0_PMUVer_SHIFT, 4);

	if (ver == 0 || ver == ID_AA64DFR0_PMUVer_IMPDEF)
		return false;
	return sysreg_field(read_sysreg(pmcr_el0), PMCR_EL0_N_SHIFT, 5) > 0 &&
	       (read_sysreg(pmceid0_el0) & BIT(PMU_EVENT_INST_RETIRED));
}

KTEST(pmu_inst_where_offered)
{
	bool offered = inst_offered();

	KEXPECT_EQ(pmu_inst(), offered);
	if (!offered)
		ktest_note("INST_RETIRED not offered here");
}

KTEST(pmu_inst_counts_a_known_loop)
{
	uint64_t n = LOOPS;
	uint32_t t0, t1;

	if (!pmu_inst()) {
		ktest_note("skipped: no INST_RETIRED");
		return;
	}
	KEXPECT_EQ(read_sysreg(pmevtyper0_el0) & 0xffff, PMU_EVENT_INST_RETIRED);
	KEXPECT_EQ(read_sysreg(pmcntenset_el0) & BIT(0), BIT(0));
	t0 = pmu_inst_read();
	__asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
	t1 = pmu_inst_read();
	/* 2 instructions per iteration, plus the reads' own few. */
	KEXPECT_GE((uint32_t)(t1 - t0), 2 * LOOPS);
	KEXPECT_LE((uint32_t)(t1 - t0), 2 * LOOPS + 16);
}

KTEST(cmdline_counter_inst)
{
	struct cmdline cl;
	const char *why = NULL;

	KEXPECT_EQ(cmdline_parse("counter=inst", &cl, &why), 0);
	KEXPECT_EQ(cl.counter, COUNTER_INST);
	KEXPECT_EQ(cl.given, CMDLINE_COUNTER);
	KEXPECT_EQ(cmdline_parse("counter=instructions", &cl, &why), -EINVAL);
	KEXPECT(why && strcmp(why, "bad command line: counter='instructions' "
			      "(expected pmccntr, cntvct or inst)") == 0);
}
