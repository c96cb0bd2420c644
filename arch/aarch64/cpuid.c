/*
 * Known cores by MIDR_EL1 Implementer and PartNum (Arm's Technical
 * Reference Manuals, "MIDR_EL1"; QEMU's "max" reports implementer 0).
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/sysreg.h"

struct cpu_id {
	uint8_t implementer;
	uint16_t partnum;
	const char *name;
};

static const struct cpu_id cpus[] = {
	{ 0x41, 0xd03, "cortex-a53" },
	{ 0x41, 0xd04, "cortex-a35" },
	{ 0x41, 0xd05, "cortex-a55" },
	{ 0x41, 0xd07, "cortex-a57" },
	{ 0x41, 0xd08, "cortex-a72" },
	{ 0x41, 0xd09, "cortex-a73" },
	{ 0x41, 0xd0a, "cortex-a75" },
	{ 0x41, 0xd0b, "cortex-a76" },
	{ 0x41, 0xd0c, "neoverse-n1" },
	{ 0x41, 0xd0d, "cortex-a77" },
	{ 0x41, 0xd40, "neoverse-v1" },
	{ 0x41, 0xd41, "cortex-a78" },
	{ 0x41, 0xd44, "cortex-x1" },
	{ 0x41, 0xd46, "cortex-a510" },
	{ 0x41, 0xd47, "cortex-a710" },
	{ 0x41, 0xd49, "neoverse-n2" },
	{ 0x41, 0xd4f, "neoverse-v2" },
	{ 0x00, 0x051, "qemu-max" },
};

const char *cpu_name(uint64_t midr)
{
	unsigned impl = sysreg_field(midr, MIDR_Implementer_SHIFT, 8);
	unsigned part = sysreg_field(midr, MIDR_PartNum_SHIFT, 12);

	for (size_t i = 0; i < ARRAY_SIZE(cpus); i++)
		if (cpus[i].implementer == impl && cpus[i].partnum == part)
			return cpus[i].name;
	return NULL;
}

unsigned cpu_pa_bits(void)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned parange = sysreg_field(read_sysreg(id_aa64mmfr0_el1),
					ID_AA64MMFR0_PARange_SHIFT, 4);

	/* Values above 0b0110 are reserved: assume no more than 52 bits. */
	return bits[MIN(parange, ARRAY_SIZE(bits) - 1)];
}
