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

/*
 * CLIDR_EL1 (Arm ARM D24.2): Ctype<n>, bits [3n-1:3n-3] for level n = 1..7:
 * 0 no cache, 1 instruction only, 2 data only, 3 separate, 4 unified.
 * CCSIDR_EL1 of the cache CSSELR_EL1 selects (Level [3:1], InD [0] = 0 for
 * data or unified): LineSize [2:0] = log2(bytes) - 4 in both formats;
 * without FEAT_CCIDX Associativity [12:3] and NumSets [27:13], with it
 * (ID_AA64MMFR2_EL1.CCIDX [23:20] = 1) Associativity [23:3] and NumSets
 * [55:32], each one less than the count.
 */
uint64_t cpu_ccsidr_bytes(uint64_t ccsidr, bool ccidx)
{
	uint64_t line = 16ull << (ccsidr & 7);
	uint64_t ways = ccidx ? (ccsidr >> 3 & 0x1fffff) + 1 : (ccsidr >> 3 & 0x3ff) + 1;
	uint64_t sets = ccidx ? (ccsidr >> 32 & 0xffffff) + 1 : (ccsidr >> 13 & 0x7fff) + 1;

	return line * ways * sets;
}

uint64_t cpu_cache_bytes(void)
{
	uint64_t clidr = read_sysreg(clidr_el1), best = 0;
	bool ccidx = sysreg_field(read_sysreg(id_aa64mmfr2_el1), 20, 4) == 1;

	for (unsigned level = 1; level <= 7; level++) {
		unsigned ctype = (clidr >> (3 * (level - 1))) & 7;

		if (ctype < 2 || ctype > 4)
			continue;
		write_sysreg(csselr_el1, (uint64_t)(level - 1) << 1);
		isb();
		best = MAX(best, cpu_ccsidr_bytes(read_sysreg(ccsidr_el1), ccidx));
	}
	return best;
}
