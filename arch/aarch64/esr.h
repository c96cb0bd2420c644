/*
 * ESR_ELx decoding (Arm ARM DDI0487 K.a, D24.2 "ESR_EL1", and the ISS
 * encodings of D24.2 per exception class). Pure: no hardware access, so the
 * host unit tests compile esr.c as is.
 *
 *   63..56  55..32  31..26  25  24..0
 *  | RES0  | ISS2  |  EC   | IL |  ISS  |
 *
 * ISS of a Data Abort (EC 0x24/0x25):
 *
 *   24  23..22 21  20..16 15 14  13   12..11 10  9  8  7     6   5..0
 *  |ISV| SAS  |SSE| SRT  |SF|AR|VNCR|  SET |FnV|EA|CM|S1PTW|WnR| DFSC |
 *
 * ISS of an Instruction Abort (EC 0x20/0x21):
 *
 *   24..13  12..11 10  9  8..7 (7 = S1PTW)  5..0
 *  |  RES0 |  SET |FnV|EA| ...             | IFSC |
 */
#ifndef ARCH_AARCH64_ESR_H
#define ARCH_AARCH64_ESR_H

#include "lib/types.h"
#include "mm/fault.h"

#define ESR_EC_SHIFT 26
#define ESR_EC(esr) ((unsigned)((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_IL BIT(25)
#define ESR_ISS(esr) ((uint32_t)((esr) & GENMASK(24, 0)))

/* Exception classes faultline treats specially (ESR_EL1.EC). */
#define EC_UNKNOWN 0x00  /* e.g. an UNDEFINED instruction */
#define EC_SVC64 0x15
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYS64 0x18    /* trapped MSR, MRS or System instruction */
#define EC_IABT_LOW 0x20 /* Instruction Abort from a lower EL */
#define EC_IABT_CUR 0x21 /* Instruction Abort taken without a change in EL */
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24 /* Data Abort from a lower EL */
#define EC_DABT_CUR 0x25 /* Data Abort taken without a change in EL */
#define EC_SP_ALIGN 0x26
#define EC_SERROR 0x2f
#define EC_BRK64 0x3c

/* Data Abort ISS fields. */
#define ISS_DA_ISV BIT(24)
#define ISS_DA_SAS_SHIFT 22 /* 2 bits: access size log2 */
#define ISS_DA_SSE BIT(21)
#define ISS_DA_SRT_SHIFT 16 /* 5 bits: transfer register */
#define ISS_DA_SF BIT(15)
#define ISS_DA_AR BIT(14)
#define ISS_DA_VNCR BIT(13)
#define ISS_DA_FnV BIT(10)  /* FAR not valid */
#define ISS_DA_EA BIT(9)
#define ISS_DA_CM BIT(8)    /* cache maintenance */
#define ISS_DA_S1PTW BIT(7) /* on a stage 2 walk of a stage 1 table */
#define ISS_DA_WnR BIT(6)   /* write, not read */
#define ISS_FSC_MASK 0x3f   /* DFSC / IFSC */

/* One fault status code: its description and its FAULT_* kind and level. */
struct esr_fsc {
	const char *name;
	uint16_t flags;
};

/* esr_fsc_table: every 6-bit DFSC/IFSC value, as Linux's fault_info[]. */
extern const struct esr_fsc esr_fsc_table[64];

/* esr_class_name: the name of an exception class ("reserved EC" if none). */
const char *esr_class_name(unsigned ec);

/* esr_is_abort: whether the class is an Instruction or Data Abort. */
bool esr_is_abort(uint64_t esr);

/* esr_is_external: whether an abort's DFSC/IFSC is a synchronous external
 * abort (0b010000, or on a translation table walk, 0b010011..0b010111):
 * the memory system refused the access, so it is not a segmentation fault. */
bool esr_is_external(uint64_t esr);

/* esr_abort_reason: what the done line calls an abort the fault path
 * refused with `err`: the FSC's name for an external abort, else
 * "segmentation fault" (-EFAULT), "out of memory" (-ENOMEM) or the FSC's name. */
const char *esr_abort_reason(uint64_t esr, int err);

/*
 * esr_dabt_flags: FAULT_* flags of a Data Abort: the kind and level from
 * DFSC, and FAULT_WRITE if WnR && !CM (a cache maintenance instruction
 * reports WnR = 1 but writes nothing), else FAULT_READ.
 */
static inline unsigned esr_dabt_flags(uint64_t esr)
{
	unsigned w = (unsigned)((esr & (ISS_DA_WnR | ISS_DA_CM)) == ISS_DA_WnR);

	/* FAULT_READ (1) + w is FAULT_WRITE (2) for a write. */
	return esr_fsc_table[esr & ISS_FSC_MASK].flags + FAULT_READ + w;
}

/* esr_fault_flags: FAULT_* flags of any abort (FAULT_EXEC for instruction
 * aborts); 0 for other classes. */
unsigned esr_fault_flags(uint64_t esr);

/*
 * esr_describe: "EC 0x25 (Data Abort, same EL) IL=1 ISS 0x45: ..., WnR=1,
 * DFSC=0x05 (translation fault, level 1)" into buf (NUL-terminated).
 * Returns the length the whole text needs, as ksnprintf.
 */
int esr_describe(uint64_t esr, char *buf, size_t size);

#endif
