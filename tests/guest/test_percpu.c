/*
 * In-guest tests of the per-CPU block and the spinlock (arch/aarch64/
 * include/arch/{percpu,spinlock}.h): TPIDR_EL1 points to the boot CPU's
 * block; with another block installed, a fault's stamps (written by the
 * exception vectors and the C path), its counters and the expected-fault
 * state go to that block, and the boot CPU's are untouched; the ticket
 * lock's single-CPU behaviour (the fake's copy of the algorithm runs on
 * threads under ThreadSanitizer on the host).
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/expect.h"
#include "arch/aarch64/sysreg.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/percpu.h"
#include <arch/spinlock.h>

#define UNSTAMPED UINT64_MAX

KTEST(percpu_boot_cpu_block)
{
	KEXPECT_EQ(read_sysreg(tpidr_el1), (uint64_t)(uintptr_t)&percpu_blocks[0]);
	KEXPECT_EQ(arch_cpu_id(), 0);
	KEXPECT(this_cpu() == &percpu_blocks[0]);
}

KTEST(percpu_fault_state_goes_to_this_cpu)
{
	struct mm_struct *mm = current_mm;
	uint64_t anon0 = mm_counter(mm, nr_fault_anon);
	uint64_t anon_cpu0 = mm->pcpu[0].pcpu_nr_fault_anon;
	uint64_t anon_cpu1 = mm->pcpu[1].pcpu_nr_fault_anon;
	uint64_t stamp0[NR_STAGES];
	struct expected_fault f;
	vaddr_t va = 0;
	bool caught;

	KASSERT_EQ(do_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, &va), 0);
	for (int i = 0; i < NR_STAGES; i++)
		stamp0[i] = percpu_blocks[0].stamp[i];

	percpu_blocks[0].arch.expect_taken = false;
	/* Act as CPU 1 for one stamped write fault and one caught fault. */
	percpu_enter(1);
	for (int i = 0; i < NR_STAGES; i++)
		fault_stamp[i] = UNSTAMPED; /* (a PMU that does not count stamps 0) */
	fault_stamps_on = true;
	expect_fault_begin();
	*(volatile uint64_t *)va = 1;   /* read-only VMA: not resolved */
	caught = expect_fault_end(&f);
	fault_stamps_on = false;
	percpu_enter(0);

	KEXPECT(caught);
	KEXPECT_EQ(f.far, va);
	KEXPECT(!percpu_blocks[0].arch.expect_taken);
	KEXPECT_EQ(mm_counter(mm, nr_fault_segv) - mm->pcpu[0].pcpu_nr_fault_segv,
		   mm->pcpu[1].pcpu_nr_fault_segv);
	KEXPECT_GE(mm->pcpu[1].pcpu_nr_fault_segv, 1);
	/* The vector's entry stamp and the C path's lookup stamp, in CPU 1's block. */
	KEXPECT_NE(percpu_blocks[1].stamp[STAGE_ENTRY], UNSTAMPED);
	KEXPECT_NE(percpu_blocks[1].stamp[STAGE_DECODE], UNSTAMPED);
	KEXPECT_LE(percpu_blocks[1].stamp[STAGE_ENTRY], percpu_blocks[1].stamp[STAGE_DECODE]);
	for (int i = 0; i < NR_STAGES; i++)
		KEXPECT_EQ(percpu_blocks[0].stamp[i], stamp0[i]);
	KEXPECT(!percpu_blocks[0].stamps_on);

	/* A resolved write fault as CPU 1: its exit stamp and counter there. */
	KASSERT_EQ(do_mprotect(mm, va, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	percpu_enter(1);
	fault_stamp[STAGE_EXIT] = UNSTAMPED;
	fault_stamps_on = true;
	*(volatile uint64_t *)va = 2;
	fault_stamps_on = false;
	percpu_enter(0);
	KEXPECT_NE(percpu_blocks[1].stamp[STAGE_EXIT], UNSTAMPED);
	KEXPECT_LE(percpu_blocks[1].stamp[STAGE_ENTRY], percpu_blocks[1].stamp[STAGE_EXIT]);
	KEXPECT_EQ(mm->pcpu[1].pcpu_nr_fault_anon, anon_cpu1 + 1);
	KEXPECT_EQ(mm->pcpu[0].pcpu_nr_fault_anon, anon_cpu0);
	KEXPECT_EQ(mm_counter(mm, nr_fault_anon), anon0 + 1);
	KEXPECT_EQ(mm_check(mm), 0);
	KEXPECT_EQ(do_munmap(mm, va, PAGE_SIZE), 0);
	/* The unmapped VMA is in no CPU's lookup cache. */
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		KEXPECT(!mm->pcpu[cpu].pcpu_vmacache || mm->pcpu[cpu].pcpu_vmacache->vm_start != va);
}

KTEST(spinlock_single_cpu)
{
	static arch_spinlock_t l = ARCH_SPINLOCK_UNLOCKED;

	KEXPECT(!arch_spin_is_locked(&l));
	arch_spin_lock(&l);
	KEXPECT(arch_spin_is_locked(&l));
	KEXPECT_EQ(l.next, 1);
	KEXPECT_EQ(l.owner, 0);
	KEXPECT(!arch_spin_trylock(&l));
	KEXPECT_EQ(l.next, 1);          /* a failed trylock takes no ticket */
	arch_spin_unlock(&l);
	KEXPECT(!arch_spin_is_locked(&l));
	KEXPECT(arch_spin_trylock(&l));
	KEXPECT_EQ(l.next, 2);
	arch_spin_unlock(&l);
	arch_spin_lock_as(&l, ARCH_LOCK_OTHER); /* the counted lock: a ticket too */
	arch_spin_unlock(&l);
	KEXPECT_EQ(arch_spin_tickets(&l), 3);
	/* Tickets wrap at 16 bits; the count carries on above them. */
	l.owner = l.next = 0xffff;
	arch_spin_lock(&l);
	KEXPECT_EQ(l.next, 0);
	KEXPECT(arch_spin_is_locked(&l));
	arch_spin_unlock(&l);
	KEXPECT_EQ(l.owner, 0);
	KEXPECT(!arch_spin_is_locked(&l));
	KEXPECT_EQ(arch_spin_tickets(&l), 0x10000);
	arch_spin_lock_as(&l, ARCH_LOCK_OTHER);
	KEXPECT_EQ(l.next, 1);
	arch_spin_unlock(&l);
	KEXPECT_EQ(arch_spin_tickets(&l), 0x10001);
}
