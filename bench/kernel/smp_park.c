/*
 * Parking the CPUs a measurement leaves out (smp_park.h): WFI woken by a
 * GICv2 SGI (arch/aarch64/gic.h), with the same probe suite=smp's windows
 * use, or WFE woken by SEV.
 */
#include "arch/aarch64/gic.h"
#include "arch/aarch64/smp.h"
#include "bench/kernel/smp_park.h"
#include "boot/main.h"
#include "lib/printf.h"
#include <arch/atomic.h>

static bool wfi;

enum { RUNNING = 1, PARKED = 2 };
/* Each CPU's state, RUNNING or PARKED, in a line of its own. */
static struct {
	uint64_t state;
} __attribute__((aligned(64))) cpus[NR_CPUS];
/* CPUs whose self-sent SGI did not come back (probe), as bits. */
static uint64_t failed;

/* probe: on every online CPU: its GIC interface on, an SGI to itself. */
static void probe(void *arg)
{
	(void)arg;
	gic_cpu_init();
	gic_ack();
	if (!gic_self_test())
		arch_atomic_or(&failed, BIT(arch_cpu_id()));
}

bool smp_park_init(unsigned online, const char **why)
{
	static char buf[80];

	wfi = false;
	if (online < 2) {
		*why = "one CPU online";
		return false;
	}
	if (gic_init(boot_info(), why))
		return false;
	failed = 0;
	if (smp_run(online, probe, NULL)) {
		*why = "smp_run refused the GIC probe";
		gic_exit();
		return false;
	}
	if (failed) {
		ksnprintf(buf, sizeof(buf), "the GIC did not deliver an SGI to CPUs 0x%llx",
			  (unsigned long long)failed);
		*why = buf;
		gic_exit();
		return false;
	}
	wfi = true;
	return true;
}

bool smp_park_wfi(void)
{
	return wfi;
}

void smp_park_cpu(void)
{
	arch_store_release(&cpus[arch_cpu_id()].state, RUNNING);
	if (!wfi)
		return;
	gic_cpu_init();
	gic_ack(); /* nothing stale wakes the first WFI */
}

/*
 * A WFI completes on a pending interrupt with PSTATE.I masked: no handler,
 * the woken CPU acknowledges the SGI itself (GICC_IAR, GICC_EOIR).
 */
void smp_park_halt(void)
{
	unsigned me = arch_cpu_id();

	arch_store_release(&cpus[me].state, PARKED);
	if (wfi) {
		__asm__ volatile("dsb sy\n\twfi" ::: "memory");
		gic_ack();
	} else {
		arch_wait_event();
	}
	arch_store_release(&cpus[me].state, RUNNING);
}

void smp_park_wait(const uint64_t *flag)
{
	while (!arch_load_acquire(flag))
		smp_park_halt();
}

void smp_park_settle(unsigned online, uint64_t skip)
{
	skip |= BIT(arch_cpu_id());
	for (unsigned p = 0; p < online; p++)
		while (!(skip & BIT(p)) && arch_load_acquire(&cpus[p].state) != PARKED)
			arch_wait_event();
	__asm__ volatile("yield" ::: "memory");
}

void smp_park_done(void)
{
	if (wfi)
		gic_ack();
}

void smp_park_wake(unsigned cpu)
{
	if (wfi)
		gic_send_sgi(cpu);
	else
		arch_send_event();
}

void smp_park_exit(void)
{
	if (wfi)
		gic_exit();
	wfi = false;
}
