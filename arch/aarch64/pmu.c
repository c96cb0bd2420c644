/*
 * PMU set-up and checks (see pmu.h).
 *
 * Event counter 0 (Arm ARM DDI0487 K.a, D24, Performance Monitors
 * registers):
 *
 *   PMCEID0_EL0   bit n: common event n (0x00-0x1f) is implemented
 *   PMEVTYPER0_EL0:
 *      31 30 29  28  27  26 25..16  15..0
 *     | P| U|NSK|NSU|NSH| M| ...   | evtCount |
 *     P = 1 filters out EL1, U = 1 EL0; NSK (when EL3 exists: Non-secure
 *     EL1 counts only if NSK == P, so 0 here), NSU likewise for EL0; NSH = 0
 *     filters out EL2; M = 0 (EL3 follows P). We count EL1 only: U = 1.
 *   PMCNTENSET_EL0   bit 0 = P0 enables event counter 0 (bit 31: the
 *                    cycle counter); PMCNTENCLR_EL0 the same layout
 *   PMEVCNTR0_EL0    the count (32 bits before FEAT_PMUv3p5)
 */
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/sysreg.h"
#include <arch/percpu.h>

#define PMEVTYPER_U BIT(30)
#define PMCNTEN_P0 BIT(0)

/* What pmu_init found, per CPU (each has its own PMU): its per-CPU block. */
#define counts (arch_percpu_base()->pmu_counts)
#define inst (arch_percpu_base()->pmu_inst)

static bool pmu_present(void)
{
	unsigned ver = sysreg_field(read_sysreg(id_aa64dfr0_el1),
				    ID_AA64DFR0_PMUVer_SHIFT, 4);

	return ver != 0 && ver != ID_AA64DFR0_PMUVer_IMPDEF;
}

/* A little work for a counter to count. */
static void spin(void)
{
	for (volatile int i = 0; i < 100; i++)
		;
}

/* Program event counter 0 with INST_RETIRED at EL1; whether it counts. */
static bool inst_init(void)
{
	uint32_t before, after;

	if (sysreg_field(read_sysreg(pmcr_el0), PMCR_EL0_N_SHIFT, 5) == 0)
		return false;
	if (!(read_sysreg(pmceid0_el0) & BIT(PMU_EVENT_INST_RETIRED)))
		return false;
	write_sysreg(pmcntenclr_el0, PMCNTEN_P0);
	isb();
	write_sysreg(pmevtyper0_el0, PMEVTYPER_U | PMU_EVENT_INST_RETIRED);
	__asm__ volatile("msr pmevcntr0_el0, xzr" ::: "memory"); /* (write_sysreg prints a constant 0 as "0") */
	write_sysreg(pmcntenset_el0, PMCNTEN_P0);
	before = pmu_inst_read();
	spin();
	after = pmu_inst_read();
	return after != before;
}

bool pmu_init(void)
{
	uint64_t before, after;

	counts = inst = false;
	if (!pmu_present())
		return false;
	write_sysreg(pmccfiltr_el0, PMCCFILTR_EL0_EL1_ONLY);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_EL0_E | PMCR_EL0_LC);
	write_sysreg(pmcntenset_el0, PMCNTENSET_EL0_C);
	isb();
	before = read_sysreg(pmccntr_el0);
	spin();
	isb();
	after = read_sysreg(pmccntr_el0);
	counts = after != before;
	inst = inst_init();
	return counts;
}

/*
 * Two NOP sleds, timed with PMCCNTR_EL0 between ISBs: each run executes the
 * same instructions around the sled (ISB, MRS, BL, the sled, RET, ISB,
 * MRS), so under QEMU -icount shift=0, where the cycle counter advances by
 * one per instruction, the long run counts exactly SLED_EXTRA more than the
 * short one, every time. Timing from a clock (TCG, hardware) does not give
 * one exact difference run after run: the host's time varies, and a real
 * core issues NOPs several at a time (Cortex-A53 two, A72 three).
 */
#define SLED_SHORT 512
#define SLED_EXTRA 1536
#define SLED_RUNS 8
#define STR_(x) #x
#define STR(x) STR_(x)

__asm__(".pushsection .text.pmu_sleds, \"ax\", %progbits\n"
	".balign 64\n"
	"pmu_sled_long:\n"
	".rept " STR(SLED_EXTRA) "\n"
	"nop\n"
	".endr\n"
	"pmu_sled_short:\n"
	".rept " STR(SLED_SHORT) "\n"
	"nop\n"
	".endr\n"
	"ret\n"
	".popsection\n");

/* PMCCNTR_EL0 counts across one call of the sled at `entry`. */
static uint64_t sled_time(uintptr_t entry)
{
	uint64_t t0, t1;

	__asm__ volatile("isb\n\t"
			 "mrs %0, pmccntr_el0\n\t"
			 "blr %2\n\t"
			 "isb\n\t"
			 "mrs %1, pmccntr_el0"
			 : "=&r"(t0), "=&r"(t1)
			 : "r"(entry)
			 : "x30", "memory");
	return t1 - t0;
}

bool pmu_icount(void)
{
	extern char pmu_sled_long[], pmu_sled_short[];
	bool exact = counts;

	if (!counts)
		return false;
	(void)sled_time((uintptr_t)pmu_sled_long); /* warm the I-cache, the TLB */
	for (int i = 0; i < SLED_RUNS && exact; i++) {
		uint64_t s = sled_time((uintptr_t)pmu_sled_short);
		uint64_t l = sled_time((uintptr_t)pmu_sled_long);

		exact = l - s == SLED_EXTRA;
	}
	return exact;
}

bool pmu_counts(void)
{
	return counts;
}

bool pmu_inst(void)
{
	return inst;
}

uint64_t pmu_cycles(void)
{
	if (!counts)
		return 0;
	isb();
	return read_sysreg(pmccntr_el0);
}
