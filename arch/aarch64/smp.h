/*
 * Secondary CPUs: starting them (PSCI CPU_ON on QEMU virt, the spin table on
 * the Raspberry Pi), and the small portable API the rest of the kernel uses
 * to run work on them.
 *
 * The API (any CPU count, 1 included; CPU 0 is the boot CPU):
 *
 *   smp_cpus_online()        how many CPUs run the kernel (1 until smp_boot)
 *   smp_run(n, fn, arg)      run fn(arg) on CPUs 0..n-1 at once, CPU 0 (the
 *                            caller) included; return when all have finished
 *   smp_barrier()            inside fn: wait until every participant of the
 *                            current smp_run has reached it (to start a
 *                            measurement on all cores together)
 *
 * An idle secondary waits in WFE on its mailbox word (a sequence number
 * CPU 0 bumps, then SEV). Every wait here is WFE, woken by SEV: under QEMU
 * -icount a spinning core burns its whole time slice.
 *
 * Stopping (arch/aarch64/stop.c): the first CPU to stop claims the stop
 * (smp_stop_claim); every other CPU parks, at its next wait or at once if it
 * calls stop itself, in a WFI loop with interrupts masked, and only the
 * claimer prints the done line and powers off.
 *
 * The block the secondary entry (boot/entry.S) reads with its MMU and
 * caches off is struct smp_boot_params: the boot CPU writes it and cleans
 * it to the Point of Coherency before it starts any CPU.
 */
#ifndef ARCH_AARCH64_SMP_H
#define ARCH_AARCH64_SMP_H

#include <arch/percpu.h> /* NR_CPUS */

/* struct smp_boot_params offsets, for boot/entry.S. */
#define SMP_PARAM_MAIR 0
#define SMP_PARAM_TCR 8
#define SMP_PARAM_TTBR0 16
#define SMP_PARAM_SCTLR 24
#define SMP_PARAM_CPU 32      /* struct smp_cpu_boot cpu[NR_CPUS] */
#define SMP_CPU_MPIDR 0
#define SMP_CPU_EXC_TOP 8
#define SMP_CPU_STACK_TOP 16
#define SMP_CPU_PERCPU 24
#define SMP_CPU_SHIFT 5       /* 32 bytes per CPU */

#ifndef __ASSEMBLY__
#include "lib/dt.h"
#include "lib/types.h"

struct smp_cpu_boot {
	uint64_t mpidr;     /* MPIDR_EL1 & MPIDR_AFF_MASK of this CPU */
	uint64_t exc_top;   /* its exception stack (SP_EL1) top */
	uint64_t stack_top; /* its kernel stack (SP_EL0) top */
	uint64_t percpu;    /* &percpu_blocks[cpu]: TPIDR_EL1 */
};

struct smp_boot_params {
	uint64_t mair, tcr, ttbr0, sctlr; /* the boot CPU's, once its MMU is on */
	struct smp_cpu_boot cpu[NR_CPUS];
};

/* How the secondaries were started, for the boot report. */
enum smp_method {
	SMP_METHOD_NONE,       /* one CPU: nothing started */
	SMP_METHOD_PSCI,       /* PSCI CPU_ON */
	SMP_METHOD_SPIN_TABLE, /* the spin table's release addresses */
};

/* smp_cpus_wanted: cpus=N|all against the tree: the number of CPUs to run
 * (all: the tree's CPU nodes, at least 1, at most NR_CPUS, with a console
 * note when capped or when the tree lists none). Returns 0 or -EINVAL with
 * *why: cpus above the tree's CPU count or above NR_CPUS. */
int smp_cpus_wanted(const struct bootinfo *bi, uint64_t cpus, bool all, unsigned *n,
		    const char **why);

/*
 * smp_boot: start CPUs 1..n-1 of the tree (boot CPU first, then tree order),
 * each by its node's enable-method, and wait (bounded: SMP_ONLINE_TIMEOUT_MS
 * by CNTVCT_EL0, in WFE) for each to come online. After the MMU is on and
 * the page allocator works (stacks come from it). Returns 0, or -EINVAL /
 * -EIO / -ETIMEDOUT / -ENOMEM with *why naming the CPU and what went wrong
 * (the PSCI error code, an unknown enable-method, a release address outside
 * RAM or inside the kernel or the allocator's RAM, a CPU that never came).
 */
int smp_boot(const struct bootinfo *bi, unsigned n, const char **why);

#define SMP_ONLINE_TIMEOUT_MS 2000

/*
 * One secondary CPU's bring-up, in CNTVCT_EL0 ticks (one count for every
 * CPU; at CNTFRQ_EL0): from its release (CPU 0 just before PSCI CPU_ON, or
 * before the spin-table release-address write and SEV) to its first C
 * code (to_entry), and to its announcement, just before its online bit
 * (to_online: its MMU, stacks, vectors and PMU are up).
 */
struct smp_bringup {
	uint64_t mpidr;
	uint64_t to_entry, to_online;
};

/* smp_bringup_of: CPU cpu's bring-up (1 <= cpu < smp_cpus_online()); 0 or -EINVAL. */
int smp_bringup_of(unsigned cpu, struct smp_bringup *out);

/* smp_cpus_online: how many CPUs run the kernel (1 before smp_boot). */
unsigned smp_cpus_online(void);

/* smp_cpus_requested: how many CPUs smp_boot was asked for (1 before). */
unsigned smp_cpus_requested(void);

/* smp_method_name: "none", "psci" or "spin-table": how the others started. */
const char *smp_method_name(void);

/*
 * smp_run: run fn(arg) on CPUs 0..ncpus-1 at once (the caller, which must be
 * CPU 0, runs it too) and return when every one has returned. Returns 0, or
 * -EINVAL (ncpus 0 or above smp_cpus_online()) or -EPERM (not CPU 0, or
 * inside another smp_run) with nothing run.
 */
int smp_run(unsigned ncpus, void (*fn)(void *arg), void *arg);

/* smp_barrier: wait until every participant of the current smp_run has
 * called it (outside smp_run: returns at once). */
void smp_barrier(void);

/*
 * smp_stop_claim: the calling CPU wants to stop the machine. The first
 * caller (or that same CPU again) gets true, after the other online CPUs
 * have parked or SMP_PARK_TIMEOUT_MS went by; any other CPU parks (never
 * returns).
 */
bool smp_stop_claim(void);

#define SMP_PARK_TIMEOUT_MS 100

/* smp_stack_of: which of CPU cpu's stacks holds [fp, fp + 16): 1 the kernel
 * stack, 2 the exception stack, 0 neither (secondaries; the boot CPU's
 * stacks are the image's). */
int smp_stack_of(unsigned cpu, uint64_t fp);

/* smp_guard_of: whether addr lies in the guard page below a secondary's
 * kernel stack (1) or exception stack (2), else 0. */
int smp_guard_of(uint64_t addr);

/* smp_secondary_main: a secondary CPU's C entry (boot/entry.S), MMU on, on
 * its own stacks, TPIDR_EL1 and VBAR_EL1 set. */
NORETURN void smp_secondary_main(unsigned cpu);

/* The entry points of boot/entry.S, by physical address (identity map). */
void secondary_entry_psci(void);
void secondary_entry_spin(void);

extern struct smp_boot_params smp_boot_params;
#endif

#endif
