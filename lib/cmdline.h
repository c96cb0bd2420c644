/*
 * A command line of space-separated key=value words (the kernel's
 * /chosen/bootargs): the generic tokenizer. The caller names its keys and
 * parses their values (faultline's keys: bench/args.h). Each key may appear
 * once. An unknown key (the reason lists the known ones), a word without
 * '=', an empty value or a repeated key is an error.
 *
 * Loaders' words. The Raspberry Pi firmware prepends its own words to
 * cmdline.txt ("coherent_pool=1M 8250.nr_uarts=1 ... console=ttyS0,115200"),
 * and a cmdline.txt written for Linux may carry "root=... rootwait". These
 * are skipped, each with a "faultline: command line: ignoring ..." note:
 *   - any word whose key contains a '.' (a Linux module parameter, such as
 *     "8250.nr_uarts=1", "bcm2708_fb.fbwidth=656", "vc_mem.mem_base=...",
 *     "smsc95xx.macaddr=...", "fsck.repair=yes");
 *   - a word whose key is one of CMDLINE_FIRMWARE_KEYS below, with or
 *     without a value ("console=ttyS0,115200", "rootwait").
 * Anything else that is not one of the caller's keys is an error.
 *
 * Quoting. Words are quoted in messages (and so in the done line) as
 * printable ASCII: bytes outside 0x20-0x7e as \xNN, a backslash as \\, at
 * most 48 bytes of a word.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include "lib/types.h"

/* Keys loaders add that are skipped (see above); a NULL-terminated list. */
#define CMDLINE_FIRMWARE_KEYS                                                 \
	"console", "earlycon", "earlyprintk", "coherent_pool", "cma", "root", \
	"rootfstype", "rootwait", "rootdelay", "rw", "ro", "quiet", "splash", \
	"loglevel", "init", "elevator", "kgdboc", "video", "fbcon", "pci",    \
	"numa", "numa_policy",                                                \
	/* words LAVA's stock U-Boot command sets add (base-uboot.jinja2) */  \
	"ip", "nfsroot", "ramdisk_size", "verbose", NULL

/* A caller's keys. */
struct cmdline_keys {
	const char *const *names; /* names[k] sets bit k of *given */
	unsigned count;           /* at most 32 */
	/*
	 * set: key k's value v[0..n) (not empty) into ctx. Returns 0, or
	 * -EINVAL with *why set (reject(), quoting words with cmdline_esc).
	 */
	int (*set)(void *ctx, unsigned k, const char *v, size_t n, const char **why);
};

/*
 * cmdline_tokenize: each word of `line` in turn: a loader's word is skipped
 * (a console note; *skipped counts them), key=value of one of `keys` goes
 * to keys->set and sets its bit in *given. Returns 0, or -EINVAL with *why
 * set to a line such as "bad command line: unknown key 'foo' (keys: ...)"
 * (printable ASCII; valid until the next call).
 */
int cmdline_tokenize(const char *line, const struct cmdline_keys *keys, void *ctx,
		     unsigned *given, unsigned *skipped, const char **why);

/*
 * cmdline_esc: v[0..n) (at most 48 bytes of it) as printable ASCII (see
 * Quoting above), in one of two static buffers used in turn, so one message
 * may quote two words.
 */
const char *cmdline_esc(const char *v, size_t n);

/* cmdline_equals: whether v[0..n) is the NUL-terminated word w. */
bool cmdline_equals(const char *v, size_t n, const char *w);

/*
 * cmdline_set_name: a name value ([A-Za-z0-9_-]+, at most size - 1
 * characters) into dst. Returns 0 or -EINVAL with *why set.
 */
int cmdline_set_name(char *dst, size_t size, const char *key, const char *v, size_t n,
		     const char **why);

/*
 * cmdline_set_number: a decimal or 0x-hexadecimal value of at least min into
 * *dst. Returns 0 or -EINVAL with *why set.
 */
int cmdline_set_number(uint64_t *dst, uint64_t min, const char *key, const char *v, size_t n,
		       const char **why);

#endif
