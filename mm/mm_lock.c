/*
 * The writers' side of mm/mm_lock.h, and the faults' wait for a writer.
 */
#include "mm/mm_lock.h"

void mm_fault_wait(struct mm_struct *mm, uint64_t *in_fault)
{
	uint64_t seq;

	for (;;) {
		/* Step aside, so that the writer's wait for this CPU ends. */
		arch_store_release(in_fault, 0);
		mm->nr_fault_retry++;
		while ((seq = arch_load_acquire(&mm->wr.seq)) & 1)
			arch_cmpwait(&mm->wr.seq, seq);
		arch_store_sc(in_fault, 1);
		if (!(arch_load_sc(&mm->wr.seq) & 1))
			return;
	}
}

void mm_write_lock(struct mm_struct *mm)
{
	unsigned self = (unsigned)arch_cpu_id();

	arch_spin_lock(&mm->wr.lock);
	arch_store_sc(&mm->wr.seq, mm->wr.seq + 1);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		uint64_t *in_fault = &mm->pcpu[cpu].pcpu_in_fault;

		if (cpu == self)
			continue;
		while (arch_load_sc(in_fault))
			arch_cmpwait(in_fault, 1);
	}
}

void mm_write_unlock(struct mm_struct *mm)
{
	arch_store_sc(&mm->wr.seq, mm->wr.seq + 1);
	arch_send_event();
	arch_spin_unlock(&mm->wr.lock);
}
