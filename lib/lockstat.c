/*
 * Lock statistics (see lockstat.h): the readers of the timed locks' counts.
 */
#include "lib/lockstat.h"

void lockstat_read(const struct lockstat *s, struct lockstat_sum *out)
{
	*out = (struct lockstat_sum){ .timed = true };
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct lockstat_cpu *c = &s->cpu[cpu];

		out->acquired += c->acquired;
		out->contended += c->contended;
		out->wait += c->wait;
		out->hold += c->hold;
	}
}

void lockstat_reset(struct lockstat *s)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		s->cpu[cpu] = (struct lockstat_cpu){ 0 };
}
