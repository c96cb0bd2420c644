/*
 * bench/args.c, lib/cmdline.c and lib/parse.c: table-driven good and bad command lines
 * (every key, defaults, loader words, each kind of error with its message),
 * and the number parser's edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bench/args.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "tests/unit/capture.h"


static void test_defaults(void **state)
{
	static const char *const empty[] = { "", " ", "\t\n", "   \r\n" };

	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		struct cmdline cl;
		const char *why = NULL;

		memset(&cl, 0x5a, sizeof(cl));
		assert_int_equal(cmdline_parse(empty[i], &cl, &why), 0);
		assert_int_equal(cl.run, RUN_BENCH);
		assert_string_equal(cl.suite, "default");
		assert_string_equal(cl.pattern, "");
		assert_int_equal(cl.pages, 0);
		assert_int_equal(cl.iters, 0);
		assert_int_equal(cl.seed, 1);
		assert_false(cl.stages);
		assert_int_equal(cl.given, 0);
		assert_int_equal(cl.skipped, 0);
	}
}

static void test_good_lines(void **state)
{
	static const struct {
		const char *line;
		enum run_mode run;
		const char *suite, *pattern;
		uint64_t pages, iters, seed;
		bool stages;
		unsigned given, skipped;
	} cases[] = {
		{ "run=none", RUN_NONE, "default", "", 0, 0, 1, false, CMDLINE_RUN, 0 },
		{ "run=tests", RUN_TESTS, "default", "", 0, 0, 1, false, CMDLINE_RUN, 0 },
		{ "run=bench", RUN_BENCH, "default", "", 0, 0, 1, false, CMDLINE_RUN, 0 },
		{ "run=anatomy", RUN_ANATOMY, "default", "", 0, 0, 1, false, CMDLINE_RUN, 0 },
		{ "run=crash", RUN_CRASH, "default", "", 0, 0, 1, false, CMDLINE_RUN, 0 },
		{ "  run=bench\tsuite=quick  ", RUN_BENCH, "quick", "", 0, 0, 1, false,
		  CMDLINE_RUN | CMDLINE_SUITE, 0 },
		{ "pattern=stride-16 pages=4096 iters=0x10 seed=18446744073709551615 stages=on",
		  RUN_BENCH, "default", "stride-16", 4096, 16, UINT64_MAX, true,
		  CMDLINE_PATTERN | CMDLINE_PAGES | CMDLINE_ITERS | CMDLINE_SEED | CMDLINE_STAGES, 0 },
		{ "stages=off seed=0", RUN_BENCH, "default", "", 0, 0, 0, false,
		  CMDLINE_STAGES | CMDLINE_SEED, 0 },
		{ "suite=ABCDEFGHIJKLMNOPQRSTUVWXYZ_-012", RUN_BENCH,
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-012", "", 0, 0, 1, false, CMDLINE_SUITE, 0 },
		{ "run=tests\n", RUN_TESTS, "default", "", 0, 0, 1, false, CMDLINE_RUN, 0 },
		/* What the Raspberry Pi firmware makes of a cmdline.txt. */
		{ "coherent_pool=1M 8250.nr_uarts=1 snd_bcm2835.enable_headphones=0 "
		  "bcm2708_fb.fbwidth=656 vc_mem.mem_base=0x3ec00000 "
		  "smsc95xx.macaddr=B8:27:EB:00:00:01 console=ttyS0,115200 console=tty1 "
		  "run=bench pages=64 root=/dev/mmcblk0p2 rootwait",
		  RUN_BENCH, "default", "", 64, 0, 1, false, CMDLINE_RUN | CMDLINE_PAGES, 10 },
		/* LAVA's stock U-Boot command sets (base-uboot.jinja2): ramdisk,
		 * nfs and nbd bootargs of a Raspberry Pi device type. */
		{ "console=ttyS1,115200n8 root=/dev/ram0 earlycon=uart8250,mmio32,0x3f215040 "
		  "ip=dhcp run=tests",
		  RUN_TESTS, "default", "", 0, 0, 1, false, CMDLINE_RUN, 4 },
		{ "console=ttyS1,115200n8 root=/dev/nfs rw nfsroot=10.0.2.2:/var/lib/lava/x,tcp,hard "
		  "ip=::10.0.2.1:255.255.255.0:::off:: run=none",
		  RUN_NONE, "default", "", 0, 0, 1, false, CMDLINE_RUN, 5 },
		{ "console=ttyS1,115200n8 rw nbd.server=10.0.2.2 nbd.port=10809 root=/dev/ram0 "
		  "ramdisk_size=16384 rootdelay=7 ip=dhcp verbose earlyprintk "
		  "systemd.log_color=false rw run=none",
		  RUN_NONE, "default", "", 0, 0, 1, false, CMDLINE_RUN, 12 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cmdline cl;
		const char *why = NULL;

		capture_reset();
		if (cmdline_parse(cases[i].line, &cl, &why))
			fail_msg("\"%s\": %s", cases[i].line, why);
		assert_int_equal(cl.run, cases[i].run);
		assert_string_equal(cl.suite, cases[i].suite);
		assert_string_equal(cl.pattern, cases[i].pattern);
		assert_int_equal(cl.pages, cases[i].pages);
		assert_int_equal(cl.iters, cases[i].iters);
		assert_int_equal(cl.seed, cases[i].seed);
		assert_int_equal(cl.stages, cases[i].stages);
		assert_int_equal(cl.given, cases[i].given);
		assert_int_equal(cl.skipped, cases[i].skipped);
		if (strstr(cases[i].line, "8250.nr_uarts")) {
			assert_non_null(strstr(captured, "faultline: command line: ignoring "
						     "loader word '8250.nr_uarts=1'\r\n"));
			assert_non_null(strstr(captured, "'rootwait'"));
		} else if (cases[i].skipped) {
			assert_non_null(strstr(captured, "faultline: command line: ignoring "
						     "loader word 'ip="));
		} else {
			assert_int_equal(ncaptured, 0);
		}
	}
	assert_string_equal(cmdline_run_name(RUN_TESTS), "tests");
	assert_string_equal(cmdline_run_name(RUN_NONE), "none");
	assert_string_equal(cmdline_run_name(RUN_BENCH), "bench");
}

/* The keys an unknown key's message lists (bench/args.c key_names). */
#define KEYS "run suite pattern pages iters seed stages mode counter vmas folio thp step cpus smp"

static void test_bad_lines(void **state)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
		{ "foo=1", "bad command line: unknown key 'foo' (keys: " KEYS ")" },
		{ "run=bench foo=1", "bad command line: unknown key 'foo' (keys: " KEYS ")" },
		{ "=5", "bad command line: unknown key '' (keys: " KEYS ")" },
		{ "Run=bench", "bad command line: unknown key 'Run' (keys: " KEYS ")" },
		{ "chatty", "bad command line: 'chatty' is not key=value" },
		{ "run", "bad command line: 'run' needs a value (run=...)" },
		{ "run=", "bad command line: empty value for 'run'" },
		{ "pages=", "bad command line: empty value for 'pages'" },
		{ "run=fast", "bad command line: run='fast' (expected bench, tests, anatomy, crash or none)" },
		{ "run=bench run=tests", "bad command line: key 'run' given twice" },
		{ "seed=1 seed=1", "bad command line: key 'seed' given twice" },
		{ "stages=yes", "bad command line: stages='yes' (expected on or off)" },
		{ "stages=ON", "bad command line: stages='ON' (expected on or off)" },
		{ "pages=12k", "bad command line: pages='12k' is not a number" },
		{ "pages=-1", "bad command line: pages='-1' is not a number" },
		{ "iters=0x", "bad command line: iters='0x' is not a number" },
		{ "iters=0xg", "bad command line: iters='0xg' is not a number" },
		{ "pages=0", "bad command line: pages=0 (must be at least 1)" },
		{ "iters=0x0", "bad command line: iters=0x0 (must be at least 1)" },
		{ "seed=18446744073709551616",
		  "bad command line: seed='18446744073709551616' does not fit in 64 bits" },
		{ "seed=0x10000000000000000",
		  "bad command line: seed='0x10000000000000000' does not fit in 64 bits" },
		{ "suite=a.b", "bad command line: suite='a.b' (names are [A-Za-z0-9_-]+)" },
		{ "pattern=seq,rev", "bad command line: pattern='seq,rev' (names are [A-Za-z0-9_-]+)" },
		{ "suite=ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123",
		  "bad command line: suite='ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123' is longer than 31 characters" },
		{ "run=tests=1", "bad command line: run='tests=1' (expected bench, tests, anatomy, crash or none)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cmdline cl;
		const char *why = NULL;
		int err = cmdline_parse(cases[i].line, &cl, &why);

		if (err != -EINVAL || !why || strcmp(why, cases[i].why) != 0)
			fail_msg("\"%s\": returned %d, \"%s\"; expected \"%s\"", cases[i].line,
				 err, why ? why : "(none)", cases[i].why);
	}
}

/* mode= and counter=: every value, and each malformed one named. */
static void test_mode_and_counter(void **state)
{
	static const struct {
		const char *line;
		enum cmdline_mode mode;
		enum cmdline_counter counter;
		unsigned given;
	} good[] = {
		{ "run=bench", MODE_DEFAULT, COUNTER_DEFAULT, CMDLINE_RUN },
		{ "mode=icount", MODE_ICOUNT, COUNTER_DEFAULT, CMDLINE_MODE },
		{ "mode=tcg", MODE_TCG, COUNTER_DEFAULT, CMDLINE_MODE },
		{ "mode=hw counter=pmccntr", MODE_HW, COUNTER_PMCCNTR, CMDLINE_MODE | CMDLINE_COUNTER },
		{ "counter=cntvct", MODE_DEFAULT, COUNTER_CNTVCT, CMDLINE_COUNTER },
		{ "counter=inst mode=icount", MODE_ICOUNT, COUNTER_INST, CMDLINE_MODE | CMDLINE_COUNTER },
	};
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "mode=qemu", "bad command line: mode='qemu' (expected icount, tcg or hw)" },
		{ "mode=ICOUNT", "bad command line: mode='ICOUNT' (expected icount, tcg or hw)" },
		{ "counter=cycles", "bad command line: counter='cycles' (expected pmccntr, cntvct or inst)" },
		{ "counter=inst counter=inst", "bad command line: key 'counter' given twice" },
		{ "counter=", "bad command line: empty value for 'counter'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct cmdline cl;
		const char *why = NULL;

		if (cmdline_parse(good[i].line, &cl, &why))
			fail_msg("\"%s\": %s", good[i].line, why);
		assert_int_equal(cl.mode, good[i].mode);
		assert_int_equal(cl.counter, good[i].counter);
		assert_int_equal(cl.given, good[i].given);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cmdline cl;
		const char *why = NULL;
		int err = cmdline_parse(bad[i].line, &cl, &why);

		if (err != -EINVAL || !why || strcmp(why, bad[i].why) != 0)
			fail_msg("\"%s\": returned %d, \"%s\"; expected \"%s\"", bad[i].line,
				 err, why ? why : "(none)", bad[i].why);
	}
}

/*
 * An unknown key's message lists the keys, and each one listed is a key:
 * given without a value it is refused as needing one, not as unknown.
 */
static void test_unknown_lists_keys(void **state)
{
	struct cmdline cl;
	const char *why = NULL;
	char list[128], *k, *save = NULL;
	unsigned n = 0;

	assert_int_equal(cmdline_parse("nosuchkey=1", &cl, &why), -EINVAL);
	const char *at = strstr(why, "(keys: ");
	assert_non_null(at);
	snprintf(list, sizeof(list), "%s", at + 7);
	assert_true(strlen(list) > 1 && list[strlen(list) - 1] == ')');
	list[strlen(list) - 1] = '\0';
	for (k = strtok_r(list, " ", &save); k; k = strtok_r(NULL, " ", &save), n++) {
		char expect[64];

		assert_int_equal(cmdline_parse(k, &cl, &why), -EINVAL);
		snprintf(expect, sizeof(expect), "bad command line: '%s' needs a value (%s=...)", k, k);
		assert_string_equal(why, expect);
	}
	assert_int_equal(n, 15);
}

/* Control, escape and 8-bit bytes never reach the console raw: each is
 * quoted as \xNN (a backslash as \\), in the reason and in notes. */
static void test_escaped(void **state)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
		{ "foo\x1b[2J=1", "bad command line: unknown key 'foo\\x1b[2J' (keys: " KEYS ")" },
		{ "run=\x07" "bench", "bad command line: run='\\x07bench' (expected bench, tests, anatomy, crash or none)" },
		{ "suite=a\\b", "bad command line: suite='a\\\\b' (names are [A-Za-z0-9_-]+)" },
		{ "pages=1\x7f", "bad command line: pages='1\\x7f' is not a number" },
		{ "pattern=\xc3\xa9", "bad command line: pattern='\\xc3\\xa9' (names are [A-Za-z0-9_-]+)" },
		{ "\x01\x02", "bad command line: '\\x01\\x02' is not key=value" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cmdline cl;
		const char *why = NULL;
		int err = cmdline_parse(cases[i].line, &cl, &why);

		if (err != -EINVAL || !why || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: returned %d, \"%s\"; expected \"%s\"", i, err,
				 why ? why : "(none)", cases[i].why);
	}
	capture_reset();
	assert_int_equal(cmdline_parse("a.b=\x1b]0;x\x07 run=none", &(struct cmdline){ 0 }, NULL), 0);
	assert_non_null(strstr(captured, "ignoring loader word 'a.b=\\x1b]0;x\\x07'\r\n"));
	for (size_t i = 0; i < ncaptured; i++)
		assert_true(captured[i] == '\r' || captured[i] == '\n' ||
			    (captured[i] >= 0x20 && captured[i] < 0x7f));
}

/* Keys that tune the benchmark get a warning when there is none to tune. */
static void test_inapplicable_warned(void **state)
{
	struct cmdline cl;
	const char *why = NULL;

	capture_reset();
	assert_int_equal(cmdline_parse("run=tests stages=on pattern=seq iters=2", &cl, &why), 0);
	assert_non_null(strstr(captured, "faultline: command line: warning: pattern= does not "
					 "apply to run=tests (ignored)\r\n"));
	assert_non_null(strstr(captured, "warning: iters= does not apply to run=tests"));
	assert_non_null(strstr(captured, "warning: stages= does not apply to run=tests"));
	assert_null(strstr(captured, "run= does not apply"));
	capture_reset();
	assert_int_equal(cmdline_parse("suite=small run=none", &cl, &why), 0);
	assert_non_null(strstr(captured, "warning: suite= does not apply to run=none"));
	capture_reset();
	assert_int_equal(cmdline_parse("run=bench suite=small pattern=seq", &cl, &why), 0);
	assert_int_equal(ncaptured, 0);
	assert_int_equal(cmdline_parse("run=tests", &cl, &why), 0);
	assert_int_equal(ncaptured, 0);
}

/* vmas= is its own key: it sets the find_vma count, pages= does not. */
static void test_vmas(void **state)
{
	struct cmdline cl;
	const char *why = NULL;

	assert_int_equal(cmdline_parse("pages=64", &cl, &why), 0);
	assert_int_equal(cl.vmas, 0);
	assert_int_equal(cl.given, CMDLINE_PAGES);
	assert_int_equal(cmdline_parse("vmas=0x100 pages=8", &cl, &why), 0);
	assert_int_equal(cl.vmas, 256);
	assert_int_equal(cl.pages, 8);
	assert_int_equal(cl.given, CMDLINE_VMAS | CMDLINE_PAGES);
	assert_int_equal(cmdline_parse("vmas=0", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: vmas=0 (must be at least 1)");
	assert_int_equal(cmdline_parse("vmas=1 vmas=2", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: key 'vmas' given twice");
}

/* cpus=: 1 by default, a number or all, printed back; 0 and words named;
 * no warning under run=tests (it applies to every run mode). */
static void test_cpus(void **state)
{
	struct cmdline cl, back;
	const char *why = NULL;
	char buf[64];

	(void)state;
	assert_int_equal(cmdline_parse("", &cl, &why), 0);
	assert_int_equal(cl.cpus, 1);
	assert_false(cl.cpus_all);
	assert_int_equal(cmdline_parse("cpus=3", &cl, &why), 0);
	assert_int_equal(cl.cpus, 3);
	assert_false(cl.cpus_all);
	assert_int_equal(cl.given, CMDLINE_CPUS);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "cpus=3");
	assert_int_equal(cmdline_parse("cpus=all run=tests", &cl, &why), 0);
	assert_true(cl.cpus_all);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "run=tests cpus=all");
	assert_int_equal(cmdline_parse(buf, &back, &why), 0);
	assert_true(back.cpus_all);
	assert_int_equal(cmdline_parse("cpus=0", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: cpus=0 (at least 1 CPU runs the kernel)");
	assert_int_equal(cmdline_parse("cpus=two", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: cpus='two' (expected a number of CPUs or all)");
	assert_int_equal(cmdline_parse("cpus=-1", &cl, &why), -EINVAL);
	assert_int_equal(cmdline_parse("cpus=99999999999999999999", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: cpus='99999999999999999999' (expected a "
			    "number of CPUs or all)");
}

/* smp=: windows (default) or rate, printed back; anything else named; a
 * warning when the suite is not smp. */
static void test_smp(void **state)
{
	struct cmdline cl, back;
	const char *why = NULL;
	char buf[64];

	(void)state;
	assert_int_equal(cmdline_parse("", &cl, &why), 0);
	assert_false(cl.smp_rate);
	capture_reset();
	assert_int_equal(cmdline_parse("suite=smp smp=rate", &cl, &why), 0);
	assert_int_equal(ncaptured, 0);
	assert_true(cl.smp_rate);
	assert_int_equal(cl.given, CMDLINE_SUITE | CMDLINE_SMP);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "suite=smp smp=rate");
	assert_int_equal(cmdline_parse(buf, &back, &why), 0);
	assert_true(back.smp_rate);
	assert_int_equal(cmdline_parse("suite=smp smp=windows", &cl, &why), 0);
	assert_false(cl.smp_rate);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "suite=smp smp=windows");
	capture_reset();
	assert_int_equal(cmdline_parse("smp=rate", &cl, &why), 0);
	assert_non_null(strstr(captured, "faultline: command line: warning: smp= applies to "
				"suite=smp only, not suite=default (ignored)"));
	assert_int_equal(cmdline_parse("smp=fast", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: smp='fast' (expected windows or rate)");
	assert_int_equal(cmdline_parse("smp=rate smp=rate", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: key 'smp' given twice");
}

/* step=: page or 4k, printed back; anything else (a size like 16k) named. */
static void test_step(void **state)
{
	struct cmdline cl, back;
	const char *why = NULL;
	char buf[64];

	(void)state;
	assert_int_equal(cmdline_parse("", &cl, &why), 0);
	assert_false(cl.step_4k);
	assert_int_equal(cmdline_parse("step=4k", &cl, &why), 0);
	assert_true(cl.step_4k);
	assert_int_equal(cl.given, CMDLINE_STEP);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "step=4k");
	assert_int_equal(cmdline_parse(buf, &back, &why), 0);
	assert_true(back.step_4k);
	assert_int_equal(cmdline_parse("step=page pages=2", &cl, &why), 0);
	assert_false(cl.step_4k);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "pages=2 step=page");
	assert_int_equal(cmdline_parse("step=16k", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: step='16k' (expected page or 4k)");
	assert_int_equal(cmdline_parse("step=", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: empty value for 'step'");
	assert_int_equal(cmdline_parse("step=4k step=4k", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: key 'step' given twice");
}

/* thp=: always or never, printed back; anything else named. */
static void test_thp(void **state)
{
	struct cmdline cl, back;
	const char *why = NULL;
	char buf[64];

	assert_int_equal(cmdline_parse("", &cl, &why), 0);
	assert_false(cl.thp);
	assert_int_equal(cmdline_parse("thp=always", &cl, &why), 0);
	assert_true(cl.thp);
	assert_int_equal(cl.given, CMDLINE_THP);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "thp=always");
	assert_int_equal(cmdline_parse(buf, &back, &why), 0);
	assert_true(back.thp);
	assert_int_equal(cmdline_parse("thp=never pages=2", &cl, &why), 0);
	assert_false(cl.thp);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "pages=2 thp=never");
	assert_int_equal(cmdline_parse("thp=madvise", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: thp='madvise' (expected always or never)");
	assert_int_equal(cmdline_parse("thp=always thp=never", &cl, &why), -EINVAL);
	assert_string_equal(why, "bad command line: key 'thp' given twice");
	assert_int_equal(cmdline_parse("thp", &cl, &why), -EINVAL);
}

/* folio=: sizes to folio orders (4 KiB pages: 8k .. 1m), printed back canonically. */
static void test_folio(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "folio=4k", "bad command line: folio='4k': '4k' is outside 8k..1m "
			      "(2 pages to half a block at this granule)" },
		{ "folio=2m", "bad command line: folio='2m': '2m' is outside 8k..1m "
			      "(2 pages to half a block at this granule)" },
		{ "folio=24k", "bad command line: folio='24k': '24k' is not a power of two" },
		{ "folio=abc", "bad command line: folio='abc': 'abc' is not a size "
			       "(expected none, or sizes such as 16k,64k)" },
		{ "folio=,16k", "bad command line: folio=',16k': '' is not a size "
				"(expected none, or sizes such as 16k,64k)" },
		{ "folio=16k,16k", "bad command line: folio='16k,16k': '16k' listed twice" },
		{ "folio=16k,", "bad command line: folio='16k,' ends with a comma" },
		{ "folio=k", "bad command line: folio='k': 'k' is not a size "
			     "(expected none, or sizes such as 16k,64k)" },
		{ "folio=99999999999999999m", "bad command line: folio='99999999999999999m': "
					      "'99999999999999999m' is not a size "
					      "(expected none, or sizes such as 16k,64k)" },
	};
	struct cmdline cl, back;
	const char *why = NULL;
	char buf[128];

	assert_int_equal(cmdline_parse("folio=64k,16k", &cl, &why), 0);
	assert_int_equal(cl.folio_orders, BIT(2) | BIT(4));
	assert_int_equal(cl.given, CMDLINE_FOLIO);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "folio=16k,64k");
	assert_int_equal(cmdline_parse(buf, &back, &why), 0);
	assert_int_equal(back.folio_orders, cl.folio_orders);
	assert_int_equal(cmdline_parse("folio=8192,1M pages=4", &cl, &why), 0);
	assert_int_equal(cl.folio_orders, BIT(1) | BIT(8));
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "pages=4 folio=8k,1m");
	assert_int_equal(cmdline_parse("folio=none", &cl, &why), 0);
	assert_int_equal(cl.folio_orders, 0);
	cmdline_format(&cl, buf, sizeof(buf));
	assert_string_equal(buf, "folio=none");
	assert_int_equal(cmdline_parse("", &cl, &why), 0);
	assert_int_equal(cl.folio_orders, 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(cmdline_parse(bad[i].line, &cl, &why), -EINVAL);
		assert_string_equal(why, bad[i].why);
	}
}

static void test_parse_u64(void **state)
{
	static const struct {
		const char *s;
		int err;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 }, { "7", 0, 7 }, { "0x0", 0, 0 }, { "0XfF", 0, 255 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "00012", 0, 12 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "0x1ffffffffffffffff", -ERANGE, 0 },
		{ "", -EINVAL, 0 }, { "0x", -EINVAL, 0 }, { "x1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 }, { "+1", -EINVAL, 0 }, { "12a", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0xabcd;
		int err = parse_u64(cases[i].s, strlen(cases[i].s), &v);

		if (err != cases[i].err)
			fail_msg("parse_u64(\"%s\") = %d, expected %d", cases[i].s, err,
				 cases[i].err);
		assert_int_equal(v, err ? 0xabcd : cases[i].v); /* untouched on error */
	}
	/* Only `len` bytes count. */
	uint64_t v;

	assert_int_equal(parse_u64("123456", 3, &v), 0);
	assert_int_equal(v, 123);
	assert_string_equal(errno_name(-ERANGE), "ERANGE");
	assert_string_equal(errno_name(EINVAL), "EINVAL");
	assert_string_equal(errno_name(-9999), "E?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_unknown_lists_keys),
		cmocka_unit_test(test_mode_and_counter),
		cmocka_unit_test(test_vmas),
		cmocka_unit_test(test_folio),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_smp),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_inapplicable_warned),
		cmocka_unit_test(test_parse_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
