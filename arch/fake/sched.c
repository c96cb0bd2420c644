/*
 * The fake's interleaving scheduler (the contract: <arch/sched.h>): fake
 * CPUs on host threads, one running at a time, the baton passed at
 * interleaving points as the input decides.
 *
 * State: one run at a time (`run`), guarded by `baton`; `current` is the
 * CPU that may run. A CPU gives the baton away by setting `current` and
 * signalling that CPU's condition variable, then sleeps on its own until
 * `current` is itself again. The main thread sleeps on `all_done`.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/errno.h"
#include "mm/percpu.h"
#include <arch/atomic.h>
#include <arch/sched.h>

#define NONE (-1)

static pthread_mutex_t baton = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn[NR_CPUS];
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static pthread_once_t turn_once = PTHREAD_ONCE_INIT;

static struct fake_sched *run;       /* the run under way, or NULL */
static fake_cpu_fn *run_fn;
static void *run_arg;
static int current = NONE;           /* who holds the baton */
static bool done[NR_CPUS];
static bool waiting[NR_CPUS];
static unsigned ndone, nstarted;
static size_t pos;                   /* next input byte */
static unsigned quantum;             /* points left before the next decision */

static _Thread_local int me = NONE;  /* this thread's CPU, if scheduled */

int fake_sched_cpu(void)
{
	return me;
}

bool fake_sched_others(void)
{
	bool others;

	if (me == NONE)
		return false;
	pthread_mutex_lock(&baton);
	others = ndone + 1 < run->ncpus;
	pthread_mutex_unlock(&baton);
	return others;
}

static void turn_init(void)
{
	for (unsigned i = 0; i < NR_CPUS; i++)
		pthread_cond_init(&turn[i], NULL);
}

/* FNV-1a over one byte. */
static uint64_t fnv(uint64_t h, uint8_t b)
{
	return (h ^ b) * 0x100000001b3ull;
}

/* Record that cpu passed an interleaving point (under baton). */
static void record(unsigned cpu)
{
	struct fake_sched *s = run;
	uint64_t n = s->cpu_steps[cpu]++;

	if (s->steps < s->trace_cap)
		s->trace[s->steps] = (uint8_t)cpu;
	s->hash = fnv(s->hash, (uint8_t)cpu);
	for (int i = 0; i < 8; i++)
		s->hash = fnv(s->hash, (uint8_t)(n >> (8 * i)));
	if (++s->steps > s->max_steps) {
		fprintf(stderr, "fake_sched: %llu steps and %u of %u CPUs still running "
			"(a deadlock or livelock)\n", (unsigned long long)s->steps - 1,
			s->ncpus - ndone, s->ncpus);
		abort();
	}
}

/* Whether cpu may take the next step. */
static bool runnable(unsigned cpu)
{
	return !done[cpu] && !waiting[cpu];
}

/*
 * Choose who takes the next step, `from` having just passed a point (or
 * NONE at the start): the input's choice among the runnable CPUs, or, with
 * the input used up, `from` if it may go on, else the next runnable one
 * after it. Every CPU still running waits: all wake. NONE when all are done.
 */
static int choose(int from)
{
	struct fake_sched *s = run;
	unsigned cands[NR_CPUS], n = 0;

	if (ndone == s->ncpus)
		return NONE;
	for (unsigned c = 0; c < s->ncpus; c++)
		n += runnable(c);
	if (!n)
		for (unsigned c = 0; c < s->ncpus; c++)
			waiting[c] = false;
	if (from != NONE && runnable((unsigned)from) && quantum) {
		quantum--;
		return from;
	}
	n = 0;
	for (unsigned c = 0; c < s->ncpus; c++)
		if (runnable(c))
			cands[n++] = c;
	if (pos < s->len) {
		uint8_t b = s->input[pos++];

		s->decisions++;
		quantum = b >> 2;
		return (int)cands[(b & 3) % n];
	}
	quantum = ~0u;
	if (from != NONE && runnable((unsigned)from))
		return from;
	for (unsigned k = 1; k <= s->ncpus; k++) {
		unsigned c = (from == NONE ? s->ncpus - 1 : (unsigned)from) + k;

		if (runnable(c % s->ncpus))
			return (int)(c % s->ncpus);
	}
	return (int)cands[0];
}

/* Give the baton to `next` (under baton); the caller then sleeps or leaves. */
static void hand_to(int next)
{
	if (next != current && current != NONE && next != NONE)
		run->switches++;
	current = next;
	if (next == NONE)
		pthread_cond_signal(&all_done);
	else
		pthread_cond_signal(&turn[next]);
}

/* Sleep until this CPU holds the baton (under baton). */
static void wait_turn(void)
{
	while (current != me)
		pthread_cond_wait(&turn[me], &baton);
}

/* fake_step_hook: an interleaving point of the calling CPU. */
static void step_hook(void)
{
	if (me == NONE)
		return;
	pthread_mutex_lock(&baton);
	record((unsigned)me);
	for (unsigned c = 0; c < run->ncpus; c++)
		if (c != (unsigned)me)
			waiting[c] = false; /* what they wait for may have changed */
	hand_to(choose(me));
	wait_turn();
	pthread_mutex_unlock(&baton);
}

/* fake_wait_hook: the calling CPU waits for an event (WFE). */
static void wait_hook(void)
{
	if (me == NONE)
		return;
	pthread_mutex_lock(&baton);
	record((unsigned)me);
	run->waits++;
	waiting[me] = true;
	hand_to(choose(me));
	wait_turn();
	pthread_mutex_unlock(&baton);
}

/* A fake CPU's thread: enter the CPU, wait for the baton, run, hand it on. */
static void *cpu_thread(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	percpu_enter(cpu);
	me = (int)cpu;
	pthread_mutex_lock(&baton);
	nstarted++;
	pthread_cond_signal(&all_done);
	wait_turn();
	pthread_mutex_unlock(&baton);

	run_fn(cpu, run_arg);

	pthread_mutex_lock(&baton);
	done[cpu] = true;
	ndone++;
	hand_to(choose(me));
	pthread_mutex_unlock(&baton);
	me = NONE;
	return NULL;
}

int fake_sched_run(struct fake_sched *s, fake_cpu_fn *fn, void *arg)
{
	pthread_t t[NR_CPUS];
	unsigned made = 0;
	int err = 0;

	if (!s || !fn || s->ncpus == 0 || s->ncpus > NR_CPUS || (s->len && !s->input) ||
	    (s->trace_cap && !s->trace))
		return -EINVAL;
	pthread_once(&turn_once, turn_init);
	pthread_mutex_lock(&baton);
	if (run) {
		pthread_mutex_unlock(&baton);
		return -EINVAL;
	}
	run = s;
	run_fn = fn;
	run_arg = arg;
	s->steps = s->switches = s->waits = s->decisions = 0;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		s->cpu_steps[c] = 0;
		done[c] = c >= s->ncpus;
		waiting[c] = false;
	}
	if (!s->max_steps)
		s->max_steps = FAKE_SCHED_MAX_STEPS;
	s->hash = 0xcbf29ce484222325ull;
	ndone = nstarted = 0;
	pos = 0;
	quantum = 0;
	current = NONE;
	fake_step_hook = step_hook;
	fake_wait_hook = wait_hook;
	pthread_mutex_unlock(&baton);

	for (; made < s->ncpus; made++)
		if (pthread_create(&t[made], NULL, cpu_thread, (void *)(uintptr_t)made)) {
			err = -ENOMEM;
			break;
		}

	pthread_mutex_lock(&baton);
	while (nstarted < made)
		pthread_cond_wait(&all_done, &baton);
	if (err) {
		/* The threads made run alone, in order: no interleaving. */
		for (unsigned c = made; c < s->ncpus; c++) {
			done[c] = true;
			ndone++;
		}
		pos = s->len;
	}
	hand_to(choose(NONE));
	while (ndone < s->ncpus)
		pthread_cond_wait(&all_done, &baton);
	fake_step_hook = NULL;
	fake_wait_hook = NULL;
	run = NULL;
	current = NONE;
	pthread_mutex_unlock(&baton);
	for (unsigned c = 0; c < made; c++)
		pthread_join(t[c], NULL);
	return err;
}
