/*
 * In-guest tests of synchronous exceptions: each access the memory map
 * forbids traps, and the decoded cause (exception class, fault kind and
 * level, read or write, FAR) is exactly the one the access must give.
 * The faults are caught with expect_fault_begin/end (arch/aarch64/expect.h).
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/image.h"
#include "arch/aarch64/sysreg.h"
#include "mm/page_alloc.h"
#include "tests/guest/probe.h"

static const uint64_t ro_value = 0x5eed; /* .rodata */

/* Check one caught fault against what the access must have reported. */
#define EXPECT_ABORT(f, ec_, va, kind, access)                                  \
	do {                                                                    \
		KEXPECT_EQ((f).ec, ec_);                                        \
		KEXPECT_EQ((f).far, (uint64_t)(va));                            \
		KEXPECT_EQ((f).flags & (FAULT_TRANSLATION | FAULT_PERMISSION |  \
					FAULT_ACCESS_FLAG | FAULT_OTHER), kind); \
		KEXPECT_EQ((f).flags & (FAULT_READ | FAULT_WRITE | FAULT_EXEC), access); \
		KEXPECT_EQ(FAULT_LEVEL((f).flags), walk_level((vaddr_t)(va)));  \
		KEXPECT_EQ((f).esr & ISS_FSC_MASK,                              \
			   ((kind) == FAULT_PERMISSION ? FSC_PERMISSION : FSC_TRANSLATION) | \
			   (uint64_t)walk_level((vaddr_t)(va)));                 \
	} while (0)

KTEST(trap_write_to_rodata)
{
	volatile uint64_t *p = (volatile uint64_t *)&ro_value;
	struct expected_fault f = {0};

	expect_fault_begin();
	*p = 1;
	KASSERT(expect_fault_end(&f));
	EXPECT_ABORT(f, EC_DABT_CUR, p, FAULT_PERMISSION, FAULT_WRITE);
	KEXPECT(f.esr & ISS_DA_WnR);
	KEXPECT(!(f.esr & ISS_DA_FnV));
	KEXPECT_EQ(*p, 0x5eed);
}

KTEST(trap_write_to_text)
{
	volatile uint32_t *p = (volatile uint32_t *)__text_start;
	uint32_t before = *p;
	struct expected_fault f = {0};

	expect_fault_begin();
	*p = 0;
	KASSERT(expect_fault_end(&f));
	EXPECT_ABORT(f, EC_DABT_CUR, p, FAULT_PERMISSION, FAULT_WRITE);
	KEXPECT_EQ(*p, before);
}

KTEST(trap_read_stack_guard)
{
	volatile uint64_t *p = (volatile uint64_t *)(__stack_guard + 64);
	struct expected_fault f = {0};

	expect_fault_begin();
	(void)*p;
	KASSERT(expect_fault_end(&f));
	EXPECT_ABORT(f, EC_DABT_CUR, p, FAULT_TRANSLATION, FAULT_READ);
	KEXPECT(!(f.esr & ISS_DA_WnR));
	KEXPECT_EQ(walk_level((vaddr_t)p), 3); /* the stack's own table */
}

KTEST(trap_write_page_zero)
{
	volatile uint64_t *p = opaque(16);
	struct expected_fault f = {0};

	expect_fault_begin();
	*p = 1;
	KASSERT(expect_fault_end(&f));
	EXPECT_ABORT(f, EC_DABT_CUR, p, FAULT_TRANSLATION, FAULT_WRITE);
}

/* AArch64 "mov w0, #42" and "ret". */
#define INSN_MOV_W0_42 0x52800540u
#define INSN_RET 0xd65f03c0u

/* Make the instructions just written to [p, p + 8) visible to fetches
 * (Arm ARM B2.4.4, "Concurrent modification and execution of instructions"). */
static void sync_icache(const void *p)
{
	__asm__ volatile("dc cvau, %0\n\tdsb ish\n\tic ivau, %0\n\tdsb ish\n\tisb"
			 : : "r"(p) : "memory");
}

KTEST(trap_exec_from_data_page)
{
	paddr_t pa = page_alloc();
	uint32_t *code = arch_phys_to_virt(pa);
	int (*fn)(void) = (int (*)(void))(uintptr_t)code;
	int (*alias)(void) = (int (*)(void))(uintptr_t)TEST_VA;
	struct expected_fault f = {0};

	KASSERT_NE(pa, 0);
	code[0] = INSN_MOV_W0_42;
	code[1] = INSN_RET;
	sync_icache(code);

	/* The RAM mapping is execute-never: the call traps at its first fetch. */
	expect_fault_begin();
	int r = fn();
	KEXPECT(expect_fault_end(&f));
	EXPECT_ABORT(f, EC_IABT_CUR, code, FAULT_PERMISSION, FAULT_EXEC);
	KEXPECT_EQ(f.elr, (uint64_t)(uintptr_t)code);
	(void)r;

	/* Control: the same page mapped read-only and executable runs. */
	KASSERT_EQ(pgt_map(&kernel_pgt, TEST_VA, pa, PAGE_SIZE, MM_READ | MM_EXEC, PGT_NO_BLOCKS), 0);
	sync_icache((const void *)TEST_VA);
	KEXPECT_EQ(alias(), 42);
	KEXPECT_EQ(pgt_unmap(&kernel_pgt, TEST_VA, PAGE_SIZE, NULL, NULL), 0);
	page_free(pa);
}

/* SError is unmasked once the vectors are in (boot/entry.S), so an
 * asynchronous abort is taken and reported, and none is pending now. */
KTEST(trap_serror_unmasked)
{
	uint64_t daif, isr;

	__asm__ volatile("mrs %0, daif" : "=r"(daif));
	__asm__ volatile("mrs %0, isr_el1" : "=r"(isr));
	KEXPECT_EQ(daif & DAIF_A, 0);
	KEXPECT_EQ(isr & ISR_EL1_A, 0);
}

/*
 * The floor benchmark's vector table (bench/kernel/floors.c) returns at
 * once from its synchronous slot for kernel code (the SVC it times) and
 * sends every other slot to the kernel's vectors: an SError (slots 3, 7,
 * 11, 15) is then reported, not swallowed by an ERET. The slots are read
 * back (B to exception_vectors + the same offset), and one is taken: a BRK
 * on SP_EL1 with the floor table installed arrives at slot 4 and must reach
 * the kernel's handler (which an armed expect_fault_begin catches); an ERET
 * there would return to the BRK for ever.
 */
KTEST(floor_vectors_pass_the_rest_on)
{
	extern char bench_floor_vectors[], exception_vectors[];
	const uint32_t *slot = (const uint32_t *)bench_floor_vectors;
	struct expected_fault f;
	uint64_t old = read_sysreg(vbar_el1);
	bool caught;

	KEXPECT_EQ(slot[0], 0xd69f03e0u); /* ERET */
	/* (KASSERT: with an ERET in slot 4, taking the BRK below would hang.) */
	for (unsigned n = 1; n < 16; n++) {
		uint32_t insn = slot[n * 0x80 / 4];
		int64_t off = (int64_t)((uint64_t)(insn & 0x3ffffff) << 38) >> 36;

		KASSERT_EQ(insn >> 26, 0x05u); /* B imm26 */
		KASSERT_EQ((uint64_t)((uintptr_t)&slot[n * 0x80 / 4] + off),
			   (uint64_t)(uintptr_t)exception_vectors + n * 0x80);
	}

	write_sysreg(vbar_el1, (uint64_t)(uintptr_t)bench_floor_vectors);
	isb();
	expect_fault_begin();
	/* On SP_EL1 (no stack use in between): the exception goes to slot 4. */
	__asm__ volatile("msr spsel, #1\n\t"
			 "brk #0x4f4c\n\t"
			 "msr spsel, #0" ::: "memory");
	caught = expect_fault_end(&f);
	write_sysreg(vbar_el1, old);
	isb();
	KEXPECT(caught);
	KEXPECT_EQ(f.ec, EC_BRK64);
	KEXPECT_EQ(f.esr & 0xffff, 0x4f4cu);
}
