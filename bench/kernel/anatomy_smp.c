/*
 * run=anatomy's concurrent part (see bench/kernel/anatomy_smp.h): every
 * online CPU faults its interleaved pages of one region at once, between
 * the labels a tracer turns its log on and off at.
 */
#include "arch/aarch64/smp.h"
#include "bench/anatomy.h"
#include "bench/env.h"
#include "bench/kernel/anatomy_smp.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include <arch/atomic.h>
#include <arch/percpu.h>

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

/* The kinds traced on several cores: the faults (the control, retouch, has none). */
static const enum anatomy_kind smp_kinds[] = { ANATOMY_WRITE, ANATOMY_READ, ANATOMY_RW };

/* What every CPU of one kind's smp_run reads and writes. */
static struct {
	enum anatomy_kind kind;
	unsigned cpus;
	uint8_t *base;
	uint64_t parked;         /* CPUs other than 0 waiting at the gate */
	uint64_t gate;           /* bumped by CPU 0 to let them go */
	struct {                 /* each core's own, in lines of its own */
		uint64_t overhead;
		uint64_t count[ANATOMY_SMP_TOUCHES];
	} __attribute__((aligned(64))) core[NR_CPUS];
} run;

/* anatomy_smp_begin / _end: one labelled instruction each, run by CPU 0
 * only; a tracer's breakpoints (the labels exist exactly once). */
static NOINLINE void mark_begin(void)
{
	__asm__ volatile(".globl anatomy_smp_begin\nanatomy_smp_begin:\n\tnop" ::: "memory");
}

static NOINLINE void mark_end(void)
{
	__asm__ volatile(".globl anatomy_smp_end\nanatomy_smp_end:\n\tnop" ::: "memory");
}

/* page_of: the page index of core i's j-th touch (interleaved placement). */
static uint64_t page_of(unsigned i, uint64_t j)
{
	return j * run.cpus + i;
}

/* at: the word core i's j-th touch accesses. */
static volatile uint64_t *at(unsigned i, uint64_t j)
{
	return (volatile uint64_t *)(run.base + page_of(i, j) * PAGE_SIZE);
}

/*
 * gate: CPU 0 waits until every other CPU waits here, calls `then` if any,
 * YIELDs once, and lets them go; CPU 0 goes on first. Under -icount the
 * YIELD ends CPU 0's turn and each other vCPU runs to its WFE, wherever a
 * debugger's stop at `then` left it (QEMU may run another vCPU a few
 * instructions before the machine stops, as much as the host's timing
 * allows). So what follows starts the same way in every run (unlike after
 * smp_barrier, where the last to arrive goes first).
 */
static void gate(unsigned me, void (*then)(void))
{
	if (me == 0) {
		while (arch_load_acquire(&run.parked) != run.cpus - 1)
			arch_wait_event();
		arch_write_once(&run.parked, 0);
		if (then)
			then();
		__asm__ volatile("yield" ::: "memory");
		arch_store_release(&run.gate, run.gate + 1);
		arch_send_event();
		return;
	}
	uint64_t g = arch_load_acquire(&run.gate);

	arch_fetch_add(&run.parked, 1);
	arch_send_event();
	while (arch_load_acquire(&run.gate) == g)
		arch_wait_event();
}

/* worker: one CPU's part of a kind (smp_run's fn on every online CPU). */
static void worker(void *arg)
{
	unsigned me = (unsigned)arch_cpu_id();
	enum anatomy_kind k = run.kind;

	(void)arg;
	run.core[me].overhead = anatomy_overhead();
	gate(me, NULL);
	for (uint64_t j = 0; j < ANATOMY_SMP_WARM; j++)
		anatomy_warm(at(me, j), k);
	for (uint64_t j = 0; j < ANATOMY_SMP_TOUCHES; j++)
		anatomy_prepare(at(me, ANATOMY_SMP_WARM + j), k);
	gate(me, mark_begin); /* the others wait at the gate: a tracer's log on */
	for (uint64_t j = 0; j < ANATOMY_SMP_TOUCHES; j++) {
		run.core[me].count[j] = anatomy_touch_concurrent(at(me, ANATOMY_SMP_WARM + j), k);
		__asm__ volatile("yield" ::: "memory"); /* -icount: the next core's turn */
	}
	smp_barrier();
	if (me == 0)
		mark_end();
}

int anatomy_smp_run(void)
{
	unsigned cpus = smp_cpus_online();
	uint64_t bytes = (uint64_t)(ANATOMY_SMP_WARM + ANATOMY_SMP_TOUCHES) * cpus * PAGE_SIZE;

	for (size_t i = 0; i < ARRAY_SIZE(smp_kinds); i++) {
		const char *name = anatomy_kind_name(smp_kinds[i]);
		int err;

		run.kind = smp_kinds[i];
		run.cpus = cpus;
		run.base = env_map(bytes, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!run.base) {
			info("anatomy-smp: kind=%s: no memory for the region", name);
			return -ENOMEM;
		}
		err = smp_run(cpus, worker, NULL);
		env_unmap(run.base, bytes);
		if (err) {
			info("anatomy-smp: kind=%s: smp_run: %s", name, errno_name(err));
			return err;
		}
		for (unsigned c = 0; c < cpus; c++)
			for (uint64_t j = 0; j < ANATOMY_SMP_TOUCHES; j++) {
				uint64_t d = run.core[c].count[j], o = run.core[c].overhead;

				info("anatomy-smp kind=%s cpus=%u cpu=%u touch=%llu page=%llu "
				     "count=%llu overhead=%llu", name, cpus, c,
				     (unsigned long long)j,
				     (unsigned long long)page_of(c, ANATOMY_SMP_WARM + j),
				     (unsigned long long)(d > o ? d - o : 0),
				     (unsigned long long)o);
			}
	}
	return 0;
}
