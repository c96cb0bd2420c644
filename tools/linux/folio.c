/*
 * Page sizes on the Linux side: which anonymous folio size a fault may
 * allocate (multi-size THP, Linux 6.8+, and PMD-size THP), set through
 * sysfs from the program's folio= argument, and the counters Linux keeps
 * of what its faults allocated.
 *
 * The switches (Documentation/admin-guide/mm/transhuge.rst):
 *
 *   /sys/kernel/mm/transparent_hugepage/
 *     enabled                        always | madvise | [never]
 *                                    (the "top-level": PMD THP, and every
 *                                    size whose own switch says inherit)
 *     hpage_pmd_size                 the PMD size in bytes (2 MiB on 4K)
 *     hugepages-<kB>kB/enabled       always | inherit | madvise | never
 *     hugepages-<kB>kB/stats/anon_fault_alloc
 *                                    folios of that size a fault allocated
 *   /proc/vmstat thp_fault_alloc     PMD-size folios a fault allocated
 *   /proc/self/status VmPTE          this process's page tables, kB
 *
 * folio= and what is written (every size not named is set to never, so one
 * size at a time is possible, whatever the defaults):
 *
 *   none         enabled=never, every hugepages-*: never (and the process
 *                sets PR_SET_THP_DISABLE): base-page faults only
 *   thp-always   enabled=always, the PMD size: inherit, the others: never
 *   <size>       enabled=never, hugepages-<size>: always, others: never
 *                (<size>: 16k ... 1m, 2m, ...: a directory the kernel has)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#undef BLOCK_SIZE /* <sys/mount.h>'s; lib/types.h has its own, unrelated */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/printf.h"
#include "lib/string.h"
#include "tools/linux/linux.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

static char folio_name[16] = "none";
static uint64_t folio_kib;  /* the size whose stats count; 0: none */

/* Write s to path; 0 or -1 after saying why. */
static int put_raw(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, s, strlen(s));
		close(fd);
	}
	if (n != (ssize_t)strlen(s)) {
		info("cannot write '%s' to %s", s, path);
		return -1;
	}
	return 0;
}

/*
 * Select mode s in switch file path ("always [never]" style); 0 or -1
 * after saying why. A switch already at s is left alone: some sizes'
 * switches refuse every write (8 KiB on a 4K kernel: anonymous folios
 * are never order 1) yet already say never.
 */
static int put(const char *path, const char *s)
{
	char cur[128], want[32];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, cur, sizeof(cur) - 1);
		close(fd);
	}
	cur[n > 0 ? n : 0] = '\0';
	ksnprintf(want, sizeof(want), "[%s]", s);
	if (strstr(cur, want))
		return 0;
	return put_raw(path, s);
}

/* The first number in file path (after `key` and a space, if key); 0 if none. */
static uint64_t read_number(const char *path, const char *key)
{
	static char buf[16384]; /* not on the stack: no stack fault here */
	char *p = buf;
	uint64_t v = 0;
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (key) {
		size_t k = strlen(key);

		for (p = buf; *p; p++)
			if ((p == buf || p[-1] == '\n') && !strncmp(p, key, k) &&
			    (p[k] == ' ' || p[k] == '\t'))
				break;
		if (!*p)
			return 0;
		p += k;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

/* "16k" -> 16, "2m" -> 2048; 0 if s is no size. */
static uint64_t size_kib(const char *s)
{
	size_t n = strlen(s);
	uint64_t v;

	if (n < 2 || parse_u64(s, n - 1, &v) < 0 || v == 0)
		return 0;
	if (s[n - 1] == 'k')
		return v;
	if (s[n - 1] == 'm')
		return v * 1024;
	return 0;
}

/* kib as the row's folio name: "64k", "2m". */
static void name_of(uint64_t kib, char *buf, size_t len)
{
	if (kib >= 1024 && kib % 1024 == 0)
		ksnprintf(buf, len, "%llum", (unsigned long long)(kib >> 10));
	else
		ksnprintf(buf, len, "%lluk", (unsigned long long)kib);
}

/* Whether name is a hugepages-<kB>kB directory; its kB in *kib. */
static bool size_dir(const char *name, uint64_t *kib)
{
	size_t n = strlen(name);

	return n > 12 && !strncmp(name, "hugepages-", 10) &&
	       !strcmp(name + n - 2, "kB") &&
	       parse_u64(name + 10, n - 12, kib) == 0;
}

int linux_folio_set(const char *folio)
{
	uint64_t want = 0, pmd_kib, kib, zero_was;
	char path[128], sizes[160] = "";
	size_t len = 0;
	bool found = false;
	struct dirent *e;
	DIR *d;

	/* As /init nothing is mounted; as an ordinary program sysfs is. */
	if (access("/sys/kernel", F_OK) < 0) {
		mkdir("/sys", 0555);
		if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
			info("cannot mount sysfs on /sys: %s", strerror(errno));
			return -1;
		}
	}
	if (strcmp(folio, "none") && strcmp(folio, "thp-always") &&
	    !(want = size_kib(folio))) {
		info("bad value for folio: '%s' (none, thp-always or a size: 16k, 64k, 2m...)",
		     folio);
		return -1;
	}
	d = opendir(THP_DIR);
	if (!d) {
		if (!strcmp(folio, "none"))
			return 0; /* no THP in this kernel: base pages anyway */
		info("folio=%s: this kernel has no %s (CONFIG_TRANSPARENT_HUGEPAGE off)",
		     folio, THP_DIR);
		return -1;
	}
	pmd_kib = read_number(THP_DIR "/hpage_pmd_size", NULL) >> 10;
	while ((e = readdir(d))) {
		const char *mode = "never";

		if (!size_dir(e->d_name, &kib))
			continue;
		/* Sizes only for shmem/files (8 KiB on 4K) have no enabled. */
		ksnprintf(path, sizeof(path), THP_DIR "/%s/enabled", e->d_name);
		if (access(path, F_OK) < 0)
			continue;
		if (want == kib) {
			mode = "always";
			found = true;
		} else if (!strcmp(folio, "thp-always") && kib == pmd_kib) {
			mode = "inherit";
		}
		if (put(path, mode) < 0) {
			closedir(d);
			return -1;
		}
		if (len < sizeof(sizes) - 12) {
			char one[16];

			name_of(kib, one, sizeof(one));
			ksnprintf(sizes + len, sizeof(sizes) - len, "%s%s",
				  len ? " " : "", one);
			len = strlen(sizes);
		}
	}
	closedir(d);
	if (want && !found) {
		info("folio=%s: this kernel offers no hugepages-%llukB (it has: %s)",
		     folio, (unsigned long long)want, sizes);
		return -1;
	}
	if (put(THP_DIR "/enabled", strcmp(folio, "thp-always") ? "never" : "always") < 0)
		return -1;
	/*
	 * A read fault where a PMD folio may go maps the huge zero page when
	 * use_zero_page is 1 (Linux's built-in default), else it allocates a
	 * folio. This Debian kernel boots with 0; the comparison wants the
	 * zero page, as for base pages, so it is set (the info line says so).
	 */
	zero_was = read_number(THP_DIR "/use_zero_page", NULL);
	if (zero_was != 1 && put_raw(THP_DIR "/use_zero_page", "1") < 0)
		return -1;
	if (want)
		folio_kib = want;
	else if (!strcmp(folio, "thp-always"))
		folio_kib = pmd_kib;
	if (want)
		name_of(want, folio_name, sizeof(folio_name));
	else
		ksnprintf(folio_name, sizeof(folio_name), "%s", folio);
	info("folio %s: %s/enabled %s; hugepages-*kB/enabled never%s%s (sizes: %s); "
	     "use_zero_page %llu",
	     folio_name, THP_DIR, strcmp(folio, "thp-always") ? "never" : "always",
	     want ? " except " : (!strcmp(folio, "thp-always") ? " except the PMD size: inherit" : ""),
	     want ? "that size: always" : "", sizes,
	     (unsigned long long)read_number(THP_DIR "/use_zero_page", NULL));
	if (zero_was != 1)
		info("use_zero_page was %llu: set to 1", (unsigned long long)zero_was);
	return 0;
}

const char *linux_folio_name(void)
{
	return folio_name;
}

const char *linux_granule_name(void)
{
	static char buf[16];

	name_of((uint64_t)getpagesize() >> 10, buf, sizeof(buf));
	return buf;
}

void linux_folio_stats(struct linux_folio_stats *s)
{
	char path[128];

	s->folio_allocs = 0;
	if (folio_kib) {
		ksnprintf(path, sizeof(path),
			  THP_DIR "/hugepages-%llukB/stats/anon_fault_alloc",
			  (unsigned long long)folio_kib);
		s->folio_allocs = read_number(path, NULL);
	}
	s->thp_fault_alloc = read_number("/proc/vmstat", "thp_fault_alloc");
}

/*
 * VmPTE of /proc/self/status is this process's page-table bytes
 * (mm_pgtables_bytes(), an exact per-mm count, in kB) whereas /proc/vmstat
 * nr_page_table_pages lags by the per-CPU vmstat threshold.
 */
uint64_t linux_table_pages(void)
{
	return (read_number("/proc/self/status", "VmPTE:") << 10) /
	       (uint64_t)getpagesize();
}
