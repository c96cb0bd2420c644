/*
 * The writers' side of mm/mm_lock.h, and the faults' wait for a writer.
 * The writers count themselves in mm_writer_lockstat (lib/lockstat.h,
 * timed): an acquisition is contended when the lock was held by another
 * writer or a CPU had to be waited for to leave a fault; its wait runs
 * from the call to the quiescent point, its hold from there to the
 * unlock. The faults' side counts nothing new (nr_fault_retry is theirs).
 */
#include "mm/mm_lock.h"

struct lockstat mm_writer_lockstat;

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
	uint64_t t0 = lockstat_now();
	bool contended = !arch_spin_trylock(&mm->wr.lock);

	if (contended)
		arch_spin_lock(&mm->wr.lock);
	arch_store_sc(&mm->wr.seq, mm->wr.seq + 1);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		uint64_t *in_fault = &mm->pcpu[cpu].pcpu_in_fault;

		if (cpu == self)
			continue;
		while (arch_load_sc(in_fault)) {
			contended = true;
			arch_cmpwait(in_fault, 1);
		}
	}
	lockstat_acquired(&mm_writer_lockstat, t0, contended);
}

void mm_write_unlock(struct mm_struct *mm)
{
	lockstat_released(&mm_writer_lockstat);
	arch_store_sc(&mm->wr.seq, mm->wr.seq + 1);
	arch_send_event();
	arch_spin_unlock(&mm->wr.lock);
}
