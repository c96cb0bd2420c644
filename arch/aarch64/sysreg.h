/*
 * AArch64 system registers: accessors and the fields faultline programs,
 * named exactly as in the Arm Architecture Reference Manual (DDI0487 K.a,
 * chapter D24 "AArch64 System Register Descriptions"; "D24.2" below is its
 * general system control registers section, each register under its name). Usable from C and
 * from assembly (constants only).
 */
#ifndef ARCH_AARCH64_SYSREG_H
#define ARCH_AARCH64_SYSREG_H

#include <arch/page.h> /* ARCH_PAGE_SHIFT, for TCR_EL1.TG0 */

#ifdef __ASSEMBLY__
#define SR_BIT(n) (1 << (n))
#define SR_U(x) (x)
#else
#include "lib/types.h"
#define SR_BIT(n) (1ull << (n))
#define SR_U(x) (x##ull)
#endif

/* ---------------------------------------------------------------------------
 * CurrentEL (D24.2): EL in bits [3:2].
 */
#define CurrentEL_EL_SHIFT 2

/* ---------------------------------------------------------------------------
 * SPSR_ELx, AArch64 state (D24.2): the PSTATE to return to.
 *
 *   31..28  27..22 21 20  ..  9 8 7 6 5  4  3..0
 *  | NZCV | ...   |SS|IL| .. |D|A|I|F|0|M[4]| M[3:0] |
 */
#define SPSR_D SR_BIT(9)
#define SPSR_A SR_BIT(8)
#define SPSR_I SR_BIT(7)
#define SPSR_F SR_BIT(6)
#define SPSR_DAIF (SPSR_D | SPSR_A | SPSR_I | SPSR_F)
#define SPSR_M_EL1t 0x4 /* EL1 with SP_EL0 */
#define SPSR_M_EL1h 0x5 /* EL1 with SP_EL1 */
#define SPSR_M_EL2h 0x9 /* EL2 with SP_EL2 */
#define SPSR_M_MASK 0xf

/* DAIF (C5.2.2): A [8] = SError masked. ISR_EL1 (D24.2): A [8] = an SError
 * is pending (taken as soon as PSTATE.A is clear). */
#define DAIF_A SR_BIT(8)
#define ISR_EL1_A SR_BIT(8)

/* ---------------------------------------------------------------------------
 * MPIDR_EL1 (D24.2): affinity levels, Aff3 apart from Aff2..Aff0.
 *
 *  63..40 39..32 31 30 29..25 24 23..16 15..8 7..0
 * | RES0 | Aff3 |1 | U | RES0 |MT| Aff2 | Aff1 | Aff0 |
 */
#define MPIDR_AFF_MASK SR_U(0xff00ffffff)

/* ---------------------------------------------------------------------------
 * MIDR_EL1 (D24.2).
 *
 *   31..24        23..20   19..16         15..4    3..0
 * | Implementer | Variant | Architecture | PartNum | Revision |
 */
#define MIDR_Implementer_SHIFT 24
#define MIDR_Variant_SHIFT 20
#define MIDR_PartNum_SHIFT 4
#define MIDR_Revision_SHIFT 0
#define MIDR_IMPL_ARM 0x41   /* Implementer 'A': Arm Limited */
#define MIDR_PART_A53 0xd03  /* PartNum of Cortex-A53, A57, A72 */
#define MIDR_PART_A57 0xd07
#define MIDR_PART_A72 0xd08

/*
 * CPUECTLR_EL1, S3_1_C15_C2_1: IMPLEMENTATION DEFINED, on Cortex-A53, A57
 * and A72 (their TRMs, "CPU Extended Control Register, EL1"). SMPEN [6]:
 * take part in coherency; must be 1 before caches and MMU are enabled.
 */
#define CPUECTLR_EL1 S3_1_C15_C2_1
#define CPUECTLR_EL1_SMPEN SR_BIT(6)

/* ---------------------------------------------------------------------------
 * ID_AA64PFR0_EL1 (D24.2): EL2 [11:8], EL3 [15:12]; 0 = not implemented.
 */
#define ID_AA64PFR0_EL2_SHIFT 8
#define ID_AA64PFR0_EL3_SHIFT 12

/* ID_AA64DFR0_EL1 (D24.2): PMUVer [11:8]; 0 = none, 0xf = IMPLEMENTATION
 * DEFINED (not the architected PMU). */
#define ID_AA64DFR0_PMUVer_SHIFT 8
#define ID_AA64DFR0_PMUVer_IMPDEF 0xf

/*
 * ID_AA64MMFR0_EL1 (D24.2):
 *
 *   31..28 TGran4   27..24 TGran64   23..20 TGran16   ...   3..0 PARange
 *
 * PARange: 0 = 32 bits, 1 = 36, 2 = 40, 3 = 42, 4 = 44, 5 = 48, 6 = 52.
 * Stage-1 granule support (note TGran16 counts the other way round):
 *   TGran4   0b0000 supported, 0b0001 supported with 52-bit addresses
 *            (FEAT_LPA2), 0b1111 not supported
 *   TGran64  0b0000 supported, 0b1111 not supported
 *   TGran16  0b0000 NOT supported, 0b0001 supported, 0b0010 supported with
 *            52-bit addresses (FEAT_LPA2)
 */
#define ID_AA64MMFR0_PARange_SHIFT 0
#define ID_AA64MMFR0_PARange_48 5
#define ID_AA64MMFR0_TGran4_SHIFT 28
#define ID_AA64MMFR0_TGran64_SHIFT 24
#define ID_AA64MMFR0_TGran16_SHIFT 20
#define ID_AA64MMFR0_TGran4_NI 0xf
#define ID_AA64MMFR0_TGran64_NI 0xf
#define ID_AA64MMFR0_TGran16_NI 0x0

/* ---------------------------------------------------------------------------
 * SCR_EL3 (D24.2): how EL3 configures the lower levels.
 */
#define SCR_EL3_NS SR_BIT(0)   /* lower ELs are Non-secure */
#define SCR_EL3_RES1 (SR_BIT(4) | SR_BIT(5))
#define SCR_EL3_SMD SR_BIT(7)  /* SMC disabled (we keep it enabled: PSCI) */
#define SCR_EL3_HCE SR_BIT(8)  /* HVC enabled */
#define SCR_EL3_RW SR_BIT(10)  /* next lower EL is AArch64 */

/* MDCR_EL3 (D24, debug registers): 0 = no trap of PMU/debug registers to
 * EL3 (TPM is bit 6), counting allowed in Non-secure state. */
#define MDCR_EL3_TPM SR_BIT(6)

/* CPTR_EL3 (D24.2): TFP [10], TTA [20], TCPAC [31]; 0 traps nothing. */
#define CPTR_EL3_TFP SR_BIT(10)

/* ---------------------------------------------------------------------------
 * HCR_EL2 (D24.2): RW [31] = EL1 is AArch64. Everything else 0: no
 * stage 2, no traps, E2H = 0 (not VHE).
 */
#define HCR_EL2_RW SR_BIT(31)

/* CNTHCTL_EL2 (D24, Generic Timer registers; layout with HCR_EL2.E2H == 0):
 * let EL1/EL0 read the physical counter and use the physical timer. */
#define CNTHCTL_EL2_EL1PCTEN SR_BIT(0)
#define CNTHCTL_EL2_EL1PCEN SR_BIT(1)

/*
 * MDCR_EL2 (D24, debug registers).
 *   4..0  HPMN    event counters visible to EL1/EL0 (we set PMCR_EL0.N)
 *   5     TPMCR   trap PMCR_EL0 (0: no)
 *   6     TPM     trap all PMU registers (0: no)
 *   7     HPME    enable counters HPMN.. for EL2 (0)
 */
#define MDCR_EL2_HPMN_MASK 0x1f
#define MDCR_EL2_TPMCR SR_BIT(5)
#define MDCR_EL2_TPM SR_BIT(6)

/* CPTR_EL2 (D24.2, HCR_EL2.E2H == 0 layout): RES1 bits [13:12], [9:0]
 * (with TZ [8] = trap SVE, TSM [12] = trap SME); TFP [10] = 0 lets EL1 use
 * FP/SIMD (not that it does); TTA [20], TCPAC [31] = 0. */
#define CPTR_EL2_RES1 SR_U(0x33ff)

/* SCTLR_EL2 (D24.2), MMU and caches off, little endian: its RES1 bits. */
#define SCTLR_EL2_RES1 SR_U(0x30c50830)

/*
 * SCTLR_EL1 (D24.2).
 *   0 M    stage 1 MMU enable         12 I    instruction cache enable
 *   1 A    alignment check            19 WXN  writable implies XN
 *   2 C    data cache enable          25 EE   EL1 big endian (0)
 *   3 SA   SP alignment check         11,20,22,23,28,29: RES1 in Armv8.0
 *   4 SA0  SP alignment check at EL0     (EOS, TSCXT, EIS, SPAN, nTLSMD, LSMAOE)
 */
#define SCTLR_EL1_M SR_BIT(0)
#define SCTLR_EL1_A SR_BIT(1)
#define SCTLR_EL1_C SR_BIT(2)
#define SCTLR_EL1_SA SR_BIT(3)
#define SCTLR_EL1_SA0 SR_BIT(4)
#define SCTLR_EL1_I SR_BIT(12)
#define SCTLR_EL1_WXN SR_BIT(19)
#define SCTLR_EL1_RES1 (SR_BIT(11) | SR_BIT(20) | SR_BIT(22) | SR_BIT(23) | \
			SR_BIT(28) | SR_BIT(29))
/* The value the entry code leaves: MMU and caches off, SP alignment checked. */
#define SCTLR_EL1_BOOT (SCTLR_EL1_RES1 | SCTLR_EL1_SA | SCTLR_EL1_SA0)

/*
 * TCR_EL1 (D24.2), the fields for TTBR0 (TTBR1 walks are disabled).
 *
 *   5..0 T0SZ   7 EPD0   9..8 IRGN0   11..10 ORGN0   13..12 SH0   15..14 TG0
 *   21..16 T1SZ   23 EPD1   31..30 TG1   34..32 IPS
 */
#define TCR_EL1_T0SZ_SHIFT 0
#define TCR_EL1_IRGN0_WBWA (SR_U(1) << 8)  /* Normal, Inner Write-Back RAWA */
#define TCR_EL1_ORGN0_WBWA (SR_U(1) << 10) /* Normal, Outer Write-Back RAWA */
#define TCR_EL1_SH0_INNER (SR_U(3) << 12)  /* Inner Shareable */
#define TCR_EL1_TG0_4K (SR_U(0) << 14)   /* TG0 = 0b00 */
#define TCR_EL1_TG0_64K (SR_U(1) << 14)  /* TG0 = 0b01 */
#define TCR_EL1_TG0_16K (SR_U(2) << 14)  /* TG0 = 0b10 */
#if ARCH_PAGE_SHIFT == 12
#define TCR_EL1_TG0_GRANULE TCR_EL1_TG0_4K /* the build's granule (<arch/page.h>) */
#elif ARCH_PAGE_SHIFT == 14
#define TCR_EL1_TG0_GRANULE TCR_EL1_TG0_16K
#else
#define TCR_EL1_TG0_GRANULE TCR_EL1_TG0_64K
#endif
#define TCR_EL1_T1SZ_SHIFT 16
#define TCR_EL1_EPD1 SR_BIT(23)
/* TG1 [31:30]: TTBR1's granule, encoded unlike TG0: 0b01 16 KiB, 0b10
 * 4 KiB, 0b11 64 KiB, 0b00 reserved. EPD1 disables TTBR1 walks, but TG1
 * still gets the build's granule, as Linux programs it (a reserved value is
 * treated as an IMPLEMENTATION DEFINED choice of granule). */
#define TCR_EL1_TG1_16K (SR_U(1) << 30)
#define TCR_EL1_TG1_4K (SR_U(2) << 30)
#define TCR_EL1_TG1_64K (SR_U(3) << 30)
#if ARCH_PAGE_SHIFT == 12
#define TCR_EL1_TG1_GRANULE TCR_EL1_TG1_4K
#elif ARCH_PAGE_SHIFT == 14
#define TCR_EL1_TG1_GRANULE TCR_EL1_TG1_16K
#else
#define TCR_EL1_TG1_GRANULE TCR_EL1_TG1_64K
#endif
#define TCR_EL1_IPS_SHIFT 32

/* ---------------------------------------------------------------------------
 * PMU (Arm ARM D24, Performance Monitors registers): PMCR_EL0,
 * PMCNTENSET_EL0, PMCCFILTR_EL0.
 *
 * PMCR_EL0:  0 E (enable)  1 P (reset event counters)  2 C (reset cycle
 *            counter)  6 LC (cycle counter overflows at 64 bits)
 *            15..11 N (number of event counters)
 */
#define PMCR_EL0_E SR_BIT(0)
#define PMCR_EL0_P SR_BIT(1)
#define PMCR_EL0_C SR_BIT(2)
#define PMCR_EL0_LC SR_BIT(6)
#define PMCR_EL0_N_SHIFT 11
#define PMCR_EL0_N_MASK 0x1f
#define PMCNTENSET_EL0_C SR_BIT(31)
/* PMCCFILTR_EL0: P [31] = 1 stops counting at EL1, U [30] = 1 stops at EL0,
 * NSH [27] = 0 stops at EL2. We count EL1 only. */
#define PMCCFILTR_EL0_P SR_BIT(31)
#define PMCCFILTR_EL0_U SR_BIT(30)
#define PMCCFILTR_EL0_EL1_ONLY PMCCFILTR_EL0_U

#ifndef __ASSEMBLY__

#define read_sysreg(r)                                           \
	({                                                       \
		uint64_t rd_v_;                                  \
		__asm__ volatile("mrs %0, " #r : "=r"(rd_v_));   \
		rd_v_;                                           \
	})

#define write_sysreg(r, v)                                                 \
	do {                                                               \
		uint64_t wr_v_ = (uint64_t)(v);                            \
		__asm__ volatile("msr " #r ", %x0" : : "rZ"(wr_v_) : "memory"); \
	} while (0)

static inline void isb(void)
{
	__asm__ volatile("isb" : : : "memory");
}

/* field: bits [shift + width - 1 : shift] of v. */
static inline unsigned sysreg_field(uint64_t v, unsigned shift, unsigned width)
{
	return (unsigned)((v >> shift) & ((1ull << width) - 1));
}

#endif /* !__ASSEMBLY__ */
#endif
