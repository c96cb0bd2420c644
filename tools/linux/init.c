/*
 * The static Linux program of `make compare`: the benchmark patterns of
 * bench/ as a Linux process. It runs either as /init of a small initramfs
 * (QEMU, `make compare`) or as an ordinary program (a Raspberry Pi under
 * Raspberry Pi OS; see docs/compare.md).
 *
 * Its arguments are the faultline command-line keys (docs/contract.md), given as
 * separate words: the kernel hands everything after "--" on its command line
 * to /init as argv, so the same words work in both settings:
 *
 *   /init run=bench suite=smoke board=qemu-virt mode=icount
 *
 * and three of its own: counter=pmccntr|inst|cntvct (default: PMCCNTR_EL0
 * when Linux lets EL0 read it, else CNTVCT_EL0), config=NAME (the name
 * of the kernel's configuration, recorded in every row's linux_config) and
 * folio=none|thp-always|<size> (the anonymous folio size faults may
 * allocate, set through sysfs by folio.c; without it the process disables
 * THP for itself and leaves sysfs alone).
 *
 * Output follows the faultline console protocol: "faultline: " lines, CSV
 * blocks between "faultline-csv begin/end <name>" lines, and a last line
 * "faultline: done status=ok|fail (<reason>)". As /init it then powers the
 * machine off.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#undef BLOCK_SIZE /* <linux/fs.h>'s; mm/geometry.h has its own, unrelated */
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "bench/env.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "tools/linux/linux.h"
#include <arch/atomic.h>
#include "tools/linux/pid1.h"

/* The value of `key=...` in word w, or NULL if w is not that key. */
static const char *value_of(const char *w, const char *key)
{
	size_t n = strlen(key);

	return strncmp(w, key, n) == 0 && w[n] == '=' ? w + n + 1 : NULL;
}

/* Whether s is a non-empty run of lower-case letters, digits and '-'. */
static bool plain_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return false;
	return true;
}

/* Parse argv into o; 0, or -1 after naming the bad word. */
static int parse_args(int argc, char **argv, struct linux_opts *o)
{
	static const char *const u64_keys[] = { "pages", "iters", "seed", "tasks",
						"mb", "runs", "secs" };
	uint64_t *u64_vals[] = { &o->pages, &o->iters, &o->seed, &o->tasks,
				 &o->mb, &o->runs, &o->secs };

	for (int i = 1; i < argc; i++) {
		const char *w = argv[i], *v;
		bool done = false;

		for (size_t k = 0; k < ARRAY_SIZE(u64_keys) && !done; k++) {
			v = value_of(w, u64_keys[k]);
			if (!v)
				continue;
			if (parse_u64(v, strlen(v), u64_vals[k]) < 0 ||
			    *u64_vals[k] == 0) {
				info("bad value for %s: '%s' (a positive number)",
				     u64_keys[k], v);
				return -1;
			}
			done = true;
		}
		if (done)
			continue;
		if ((v = value_of(w, "run"))) {
			if (strcmp(v, "bench") && strcmp(v, "tests") &&
			    strcmp(v, "smp") && strcmp(v, "none")) {
				info("bad value for run: '%s' (bench, smp, tests or none)", v);
				return -1;
			}
			o->run = v;
		} else if ((v = value_of(w, "suite"))) {
			o->suite = v;
		} else if ((v = value_of(w, "pattern"))) {
			o->pattern = v;
		} else if ((v = value_of(w, "board"))) {
			o->board = v;
		} else if ((v = value_of(w, "mode"))) {
			if (strcmp(v, "icount") && strcmp(v, "tcg") && strcmp(v, "hw")) {
				info("bad value for mode: '%s' (icount, tcg or hw)", v);
				return -1;
			}
			o->mode = v;
		} else if ((v = value_of(w, "counter"))) {
			if (strcmp(v, "pmccntr") && strcmp(v, "inst") &&
			    strcmp(v, "cntvct")) {
				info("bad value for counter: '%s' (pmccntr, inst or cntvct)", v);
				return -1;
			}
			o->counter = v;
		} else if ((v = value_of(w, "config"))) {
			if (!plain_name(v)) {
				info("bad value for config: '%s' (lower-case letters, digits, '-')", v);
				return -1;
			}
			o->config = v;
		} else if ((v = value_of(w, "folio"))) {
			if (!plain_name(v)) {
				info("bad value for folio: '%s' (none, thp-always or a size: 16k, 64k, 2m...)", v);
				return -1;
			}
			o->folio = v;
		} else if ((v = value_of(w, "thp"))) {
			if (strcmp(v, "never") && strcmp(v, "always") && strcmp(v, "both")) {
				info("bad value for thp: '%s' (never, always or both)", v);
				return -1;
			}
			o->thp = v;
		} else if ((v = value_of(w, "warmup"))) {
			if (strcmp(v, "serial") && strcmp(v, "concurrent")) {
				info("bad value for warmup: '%s' (serial or concurrent)", v);
				return -1;
			}
			o->warmup = v;
		} else if ((v = value_of(w, "crng"))) {
			if (strcmp(v, "seed") && strcmp(v, "leave")) {
				info("bad value for crng: '%s' (seed or leave)", v);
				return -1;
			}
			o->crng = v;
		} else if ((v = value_of(w, "stages"))) {
			if (strcmp(v, "off")) {
				info("stages=%s: Linux has no fault-path stamps, only stages=off", v);
				return -1;
			}
		} else {
			info("unknown argument '%s'", w);
			return -1;
		}
	}
	return 0;
}

/*
 * Make env_counter() read the counter named by counter= (NULL: PMCCNTR_EL0
 * if Linux lets EL0 read it, else CNTVCT_EL0, saying why); 0, or -ENODEV
 * when a counter asked for by name is not offered.
 */
static int choose_counter(const char *name)
{
	if (!name) {
		if (linux_counter_use(LINUX_PMCCNTR) == 0)
			return 0;
		info("PMCCNTR_EL0 not readable (%s): counting CNTVCT_EL0 ticks",
		     linux_pmu_why_not());
		return linux_counter_use(LINUX_CNTVCT);
	}
	if (!strcmp(name, "pmccntr"))
		return linux_counter_use(LINUX_PMCCNTR);
	if (!strcmp(name, "inst"))
		return linux_counter_use(LINUX_INST);
	return linux_counter_use(LINUX_CNTVCT);
}

int main(int argc, char **argv)
{
	struct linux_opts o = {
		.run = "bench", .suite = "default", .board = "linux",
		.mode = "hw", .seed = 1,
	};
	bool pid1 = getpid() == 1;
	struct utsname u;
	int ret = -1;

	if (pid1 && pid1_setup() < 0)
		return 1; /* no console to say why; the kernel panics */
	arch_atomics_init(false);
	if (parse_args(argc, argv, &o) < 0) {
		info("done status=fail (bad arguments)");
		goto out;
	}
	/*
	 * Without folio= (or with folio=none) every fault is a base-page
	 * fault, as in faultline, whatever the kernel's transparent-huge-page
	 * default (mmap'ed regions and the heap alike). With a folio size the
	 * process must not opt out: PR_SET_THP_DISABLE turns off every size.
	 */
	if ((!o.folio || !strcmp(o.folio, "none")) &&
	    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		info("warning: PR_SET_THP_DISABLE failed; huge pages may skew the results");
	if (o.folio && linux_folio_set(o.folio) < 0) {
		info("done status=fail (folio=%s not set)", o.folio);
		goto out;
	}
	if (choose_counter(o.counter) < 0) {
		info("done status=fail (counter=%s not offered: %s)", o.counter,
		     linux_pmu_why_not());
		goto out;
	}
	uname(&u);
	info("linux %s %s, granule %s, folio %s, board %s, cpu %s, mode %s, "
	     "counter %s (cntfrq %llu Hz), %llu MiB free",
	     u.release, u.machine, linux_granule_name(), linux_folio_name(),
	     o.board, linux_cpu_name(), o.mode,
	     linux_counter_name(linux_counter_now()),
	     (unsigned long long)linux_counter_freq(),
	     (unsigned long long)(env_ram_bytes() >> 20));
	if (!strcmp(o.run, "tests"))
		ret = envcheck_run();
	else if (!strcmp(o.run, "bench"))
		ret = linux_bench(&o);
	else if (!strcmp(o.run, "smp"))
		ret = linux_smp(&o);
	else
		ret = 0;
	if (ret == 0)
		info("done status=ok");
	else
		info("done status=fail (%s)", !strcmp(o.run, "tests") ?
		     "envcheck failed" : !strcmp(o.run, "smp") ?
		     "smp benchmark failed" : "benchmark failed");
out:
	if (pid1)
		pid1_poweroff();
	return ret == 0 ? 0 : 1;
}
