/*
 * Expected faults (see expect.h). The state is this CPU's (its per-CPU
 * block, arch/aarch64/include/arch/percpu.h): a fault is taken on the CPU
 * that made the access, and the state changes only in program order around
 * the faulting access, so compiler barriers suffice.
 */
#include "arch/aarch64/esr.h"
#include "arch/aarch64/exception.h"
#include "arch/aarch64/expect.h"
#include <arch/percpu.h>

#define armed (arch_percpu_base()->expect_armed)
#define taken (arch_percpu_base()->expect_taken)
#define last (arch_percpu_base()->expect_last)

#define barrier() __asm__ volatile("" ::: "memory")

void expect_fault_begin(void)
{
	taken = false;
	armed = true;
	barrier();
}

bool expect_fault_end(struct expected_fault *out)
{
	barrier();
	armed = false;
	if (taken && out)
		*out = last;
	return taken;
}

bool expect_fault_take(struct exc_frame *f, unsigned flags, int result)
{
	if (!armed)
		return false;
	last = (struct expected_fault){
		.ec = ESR_EC(f->esr),
		.esr = f->esr,
		.far = f->far,
		.elr = f->elr,
		.flags = flags,
		.result = result,
	};
	taken = true;
	armed = false;
	if (last.ec == EC_IABT_CUR)
		f->elr = f->x[30];
	else
		f->elr += 4;
	return true;
}

bool expect_probe_read32(uintptr_t addr, uint32_t *val, struct expected_fault *f)
{
	uint32_t v = 0;

	expect_fault_begin();
	/* One load instruction: a fault resumes at the next one. */
	__asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	if (expect_fault_end(f))
		return true;
	*val = v;
	return false;
}
