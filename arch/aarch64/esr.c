/*
 * ESR_EL1 decoding through tables: exception class names by EC, and the
 * 6-bit fault status codes (DFSC/IFSC) by value, with their FAULT_* kind and
 * table-walk level (Arm ARM DDI0487 K.a, D24.2 "ESR_EL1", ISS encoding for
 * an exception from a Data Abort; Linux arch/arm64/mm/fault.c fault_info[]).
 * No hardware access: the host unit test links this file unchanged.
 */
#include "arch/aarch64/esr.h"
#include "lib/errno.h"
#include "lib/assert.h"
#include "lib/printf.h"

/* The fast path in vectors.S/esr_dabt_flags adds w to FAULT_READ. */
static_assert(FAULT_READ == 1 && FAULT_WRITE == 2, "esr_dabt_flags arithmetic");

static const char *const class_names[64] = {
	[0x00] = "Unknown reason",
	[0x01] = "Trapped WFI/WFE",
	[0x03] = "Trapped MCR/MRC (coproc 0b1111)",
	[0x04] = "Trapped MCRR/MRRC (coproc 0b1111)",
	[0x05] = "Trapped MCR/MRC (coproc 0b1110)",
	[0x06] = "Trapped LDC/STC",
	[0x07] = "SVE/SIMD/FP access trap",
	[0x08] = "Trapped VMRS",
	[0x09] = "Pointer authentication trap",
	[0x0a] = "Trapped LD64B/ST64B",
	[0x0c] = "Trapped MRRC (coproc 0b1110)",
	[0x0d] = "Branch Target Exception",
	[0x0e] = "Illegal Execution state",
	[0x11] = "SVC (AArch32)",
	[0x12] = "HVC (AArch32)",
	[0x13] = "SMC (AArch32)",
	[0x15] = "SVC (AArch64)",
	[0x16] = "HVC (AArch64)",
	[0x17] = "SMC (AArch64)",
	[0x18] = "Trapped MSR/MRS/System instruction",
	[0x19] = "SVE access trap",
	[0x1a] = "Trapped ERET",
	[0x1b] = "TSTART access trap",
	[0x1c] = "Pointer authentication failure",
	[0x1d] = "SME access trap",
	[0x1f] = "IMPLEMENTATION DEFINED (EL3)",
	[0x20] = "Instruction Abort, lower EL",
	[0x21] = "Instruction Abort, same EL",
	[0x22] = "PC alignment fault",
	[0x24] = "Data Abort, lower EL",
	[0x25] = "Data Abort, same EL",
	[0x26] = "SP alignment fault",
	[0x27] = "Memory Operation exception",
	[0x28] = "Trapped floating-point exception (AArch32)",
	[0x2c] = "Trapped floating-point exception (AArch64)",
	[0x2d] = "Guarded Control Stack exception",
	[0x2f] = "SError exception",
	[0x30] = "Breakpoint, lower EL",
	[0x31] = "Breakpoint, same EL",
	[0x32] = "Software Step, lower EL",
	[0x33] = "Software Step, same EL",
	[0x34] = "Watchpoint, lower EL",
	[0x35] = "Watchpoint, same EL",
	[0x38] = "BKPT (AArch32)",
	[0x3a] = "Vector Catch (AArch32)",
	[0x3c] = "BRK (AArch64)",
};

#define LVL(n) ((uint16_t)((n) << FAULT_LEVEL_SHIFT))
#define TRANS FAULT_TRANSLATION
#define PERM FAULT_PERMISSION
#define ACCESS FAULT_ACCESS_FLAG
#define OTHER FAULT_OTHER
#define RESERVED { "reserved fault status code", OTHER }

/*
 * All 64 codes are listed, so a lookup never needs a check. Level -1 codes
 * (FEAT_LPA2, 52-bit tables) cannot occur with our 48-bit tables; they are
 * fatal (FAULT_OTHER) like every fault that is not the MMU's.
 */
const struct esr_fsc esr_fsc_table[64] = {
	[0x00] = { "address size fault, level 0", OTHER | LVL(0) },
	[0x01] = { "address size fault, level 1", OTHER | LVL(1) },
	[0x02] = { "address size fault, level 2", OTHER | LVL(2) },
	[0x03] = { "address size fault, level 3", OTHER | LVL(3) },
	[0x04] = { "translation fault, level 0", TRANS | LVL(0) },
	[0x05] = { "translation fault, level 1", TRANS | LVL(1) },
	[0x06] = { "translation fault, level 2", TRANS | LVL(2) },
	[0x07] = { "translation fault, level 3", TRANS | LVL(3) },
	[0x08] = { "access flag fault, level 0", ACCESS | LVL(0) },
	[0x09] = { "access flag fault, level 1", ACCESS | LVL(1) },
	[0x0a] = { "access flag fault, level 2", ACCESS | LVL(2) },
	[0x0b] = { "access flag fault, level 3", ACCESS | LVL(3) },
	[0x0c] = { "permission fault, level 0", PERM | LVL(0) },
	[0x0d] = { "permission fault, level 1", PERM | LVL(1) },
	[0x0e] = { "permission fault, level 2", PERM | LVL(2) },
	[0x0f] = { "permission fault, level 3", PERM | LVL(3) },
	[0x10] = { "synchronous external abort", OTHER },
	[0x11] = { "synchronous tag check fault", OTHER },
	[0x12] = RESERVED,
	[0x13] = { "synchronous external abort on table walk, level -1", OTHER },
	[0x14] = { "synchronous external abort on table walk, level 0", OTHER | LVL(0) },
	[0x15] = { "synchronous external abort on table walk, level 1", OTHER | LVL(1) },
	[0x16] = { "synchronous external abort on table walk, level 2", OTHER | LVL(2) },
	[0x17] = { "synchronous external abort on table walk, level 3", OTHER | LVL(3) },
	[0x18] = { "synchronous parity or ECC error", OTHER },
	[0x19] = RESERVED,
	[0x1a] = RESERVED,
	[0x1b] = { "synchronous parity or ECC error on table walk, level -1", OTHER },
	[0x1c] = { "synchronous parity or ECC error on table walk, level 0", OTHER | LVL(0) },
	[0x1d] = { "synchronous parity or ECC error on table walk, level 1", OTHER | LVL(1) },
	[0x1e] = { "synchronous parity or ECC error on table walk, level 2", OTHER | LVL(2) },
	[0x1f] = { "synchronous parity or ECC error on table walk, level 3", OTHER | LVL(3) },
	[0x20] = RESERVED,
	[0x21] = { "alignment fault", OTHER },
	[0x22] = { "granule protection fault on table walk, level -1", OTHER },
	[0x23] = { "granule protection fault on table walk, level 0", OTHER | LVL(0) },
	[0x24] = { "granule protection fault on table walk, level 1", OTHER | LVL(1) },
	[0x25] = { "granule protection fault on table walk, level 2", OTHER | LVL(2) },
	[0x26] = { "granule protection fault on table walk, level 3", OTHER | LVL(3) },
	[0x27] = RESERVED,
	[0x28] = { "granule protection fault, not on table walk", OTHER },
	[0x29] = { "address size fault, level -1", OTHER },
	[0x2a] = RESERVED,
	[0x2b] = { "translation fault, level -1", OTHER },
	[0x2c] = RESERVED,
	[0x2d] = RESERVED,
	[0x2e] = RESERVED,
	[0x2f] = RESERVED,
	[0x30] = { "TLB conflict abort", OTHER },
	[0x31] = { "unsupported atomic hardware update fault", OTHER },
	[0x32] = RESERVED,
	[0x33] = RESERVED,
	[0x34] = { "IMPLEMENTATION DEFINED fault (lockdown)", OTHER },
	[0x35] = { "IMPLEMENTATION DEFINED fault (unsupported exclusive or atomic access)", OTHER },
	[0x36] = RESERVED,
	[0x37] = RESERVED,
	[0x38] = RESERVED,
	[0x39] = RESERVED,
	[0x3a] = RESERVED,
	[0x3b] = RESERVED,
	[0x3c] = RESERVED,
	[0x3d] = RESERVED,
	[0x3e] = RESERVED,
	[0x3f] = RESERVED,
};

static const char *fsc_name(unsigned fsc)
{
	return esr_fsc_table[fsc & ISS_FSC_MASK].name;
}

static unsigned fsc_flags(unsigned fsc)
{
	return esr_fsc_table[fsc & ISS_FSC_MASK].flags;
}

const char *esr_class_name(unsigned ec)
{
	const char *name = ec < ARRAY_SIZE(class_names) ? class_names[ec] : NULL;

	return name ? name : "reserved EC";
}

bool esr_is_abort(uint64_t esr)
{
	unsigned ec = ESR_EC(esr);

	return ec == EC_IABT_LOW || ec == EC_IABT_CUR || ec == EC_DABT_LOW ||
	       ec == EC_DABT_CUR;
}

bool esr_is_external(uint64_t esr)
{
	unsigned fsc = (unsigned)(esr & ISS_FSC_MASK);

	/* Arm ARM D24.2.40 (ESR_ELx), ISS encoding for a Data Abort: DFSC. */
	return esr_is_abort(esr) && (fsc == 0x10 || (fsc >= 0x13 && fsc <= 0x17));
}

const char *esr_abort_reason(uint64_t esr, int err)
{
	if (esr_is_external(esr))
		return fsc_name((unsigned)esr);
	if (err == -EFAULT)
		return "segmentation fault";
	if (err == -ENOMEM)
		return "out of memory";
	return fsc_name((unsigned)esr);
}

unsigned esr_fault_flags(uint64_t esr)
{
	unsigned ec = ESR_EC(esr);
	unsigned fsc = (unsigned)(esr & ISS_FSC_MASK);

	if (ec == EC_IABT_LOW || ec == EC_IABT_CUR)
		return fsc_flags(fsc) | FAULT_EXEC;
	if (ec == EC_DABT_LOW || ec == EC_DABT_CUR) {
		bool write = (esr & ISS_DA_WnR) && !(esr & ISS_DA_CM);

		return fsc_flags(fsc) | (write ? FAULT_WRITE : FAULT_READ);
	}
	return 0;
}

static unsigned bit(uint64_t esr, uint64_t mask)
{
	return (esr & mask) ? 1 : 0;
}

int esr_describe(uint64_t esr, char *buf, size_t size)
{
	unsigned ec = ESR_EC(esr);
	uint32_t iss = ESR_ISS(esr);
	unsigned fsc = iss & ISS_FSC_MASK;
	int n = ksnprintf(buf, size, "EC 0x%02x (%s) IL=%u ISS 0x%07x", ec,
			  esr_class_name(ec), bit(esr, ESR_IL), (unsigned)iss);
	size_t used = (size_t)n < size ? (size_t)n : size;

	switch (ec) {
	case EC_DABT_LOW:
	case EC_DABT_CUR:
		if (iss & ISS_DA_ISV)
			n += ksnprintf(buf + used, size - used,
				       ": ISV=1 SAS=%u SSE=%u SRT=%u SF=%u AR=%u",
				       (unsigned)(iss >> ISS_DA_SAS_SHIFT) & 3,
				       bit(iss, ISS_DA_SSE),
				       (unsigned)(iss >> ISS_DA_SRT_SHIFT) & 31,
				       bit(iss, ISS_DA_SF), bit(iss, ISS_DA_AR));
		else
			n += ksnprintf(buf + used, size - used, ": ISV=0");
		used = (size_t)n < size ? (size_t)n : size;
		n += ksnprintf(buf + used, size - used,
			       " FnV=%u EA=%u CM=%u S1PTW=%u WnR=%u DFSC=0x%02x (%s)",
			       bit(iss, ISS_DA_FnV), bit(iss, ISS_DA_EA),
			       bit(iss, ISS_DA_CM), bit(iss, ISS_DA_S1PTW),
			       bit(iss, ISS_DA_WnR), fsc, fsc_name(fsc));
		break;
	case EC_IABT_LOW:
	case EC_IABT_CUR:
		n += ksnprintf(buf + used, size - used,
			       ": FnV=%u EA=%u S1PTW=%u IFSC=0x%02x (%s)",
			       bit(iss, ISS_DA_FnV), bit(iss, ISS_DA_EA),
			       bit(iss, ISS_DA_S1PTW), fsc, fsc_name(fsc));
		break;
	case EC_SVC64:
	case EC_HVC64:
	case EC_SMC64:
	case EC_BRK64:
		n += ksnprintf(buf + used, size - used, ": imm16=0x%04x",
			       (unsigned)(iss & 0xffff));
		break;
	default:
		break;
	}
	return n;
}
