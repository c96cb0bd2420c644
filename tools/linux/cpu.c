/*
 * The CPU's name for the CSV "cpu" column. Linux traps and emulates EL0 reads
 * of MIDR_EL1 (Documentation/arch/arm64/cpu-feature-registers.rst), so the
 * program reads the same register the kernel reports.
 */
#include "lib/printf.h"
#include "tools/linux/linux.h"

/*
 * MIDR_EL1 (Arm ARM D24.2.104 / DDI0487 K.a):
 *
 *   31      24 23   20 19        16 15          4 3        0
 *  +----------+-------+------------+-------------+----------+
 *  |Implementer|Variant|Architecture|   PartNum   | Revision |
 *  +----------+-------+------------+-------------+----------+
 */
#define MIDR_IMPLEMENTER(m) (((m) >> 24) & 0xff)
#define MIDR_PARTNUM(m) (((m) >> 4) & 0xfff)
#define IMPL_ARM 0x41

static const struct {
	unsigned part;
	const char *name;
} arm_parts[] = {
	{ 0xd03, "cortex-a53" }, { 0xd04, "cortex-a35" },
	{ 0xd05, "cortex-a55" }, { 0xd07, "cortex-a57" },
	{ 0xd08, "cortex-a72" }, { 0xd09, "cortex-a73" },
	{ 0xd0a, "cortex-a75" }, { 0xd0b, "cortex-a76" },
	{ 0xd0c, "neoverse-n1" }, { 0xd0d, "cortex-a77" },
	{ 0xd40, "neoverse-v1" }, { 0xd41, "cortex-a78" },
	{ 0xd46, "cortex-a510" }, { 0xd47, "cortex-a710" },
	{ 0xd49, "neoverse-n2" }, { 0xd4f, "neoverse-v2" },
	{ 0xd80, "cortex-a520" }, { 0xd81, "cortex-a720" },
	{ 0xd8b, "cortex-a720ae" },
};

const char *linux_cpu_name(void)
{
	static char other[24];
	uint64_t midr;

	__asm__ volatile("mrs %0, midr_el1" : "=r"(midr));
	if (MIDR_IMPLEMENTER(midr) == IMPL_ARM) {
		for (size_t i = 0; i < ARRAY_SIZE(arm_parts); i++)
			if (arm_parts[i].part == MIDR_PARTNUM(midr))
				return arm_parts[i].name;
	}
	ksnprintf(other, sizeof(other), "midr-%08llx",
		  (unsigned long long)(midr & 0xffffffff));
	return other;
}
