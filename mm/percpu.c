/*
 * The per-CPU blocks (see percpu.h). Block 0 is the boot CPU's: its cpu
 * field is 0 from BSS, so it serves before anything runs (boot/entry.S
 * points TPIDR_EL1 at it; the fake's threads start on it).
 */
#include "mm/percpu.h"
#include "lib/assert.h"

static_assert(offsetof(struct percpu, arch) == 0, "the arch part comes first");

struct percpu percpu_blocks[NR_CPUS];

void percpu_enter(unsigned cpu)
{
	assert(cpu < NR_CPUS);
	percpu_blocks[cpu].arch.cpu = cpu;
	arch_percpu_set(&percpu_blocks[cpu].arch);
}
