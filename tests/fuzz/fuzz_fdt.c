/*
 * libFuzzer target for the device-tree reader (lib/fdt.c, lib/dt.c),
 * checked against Debian's libfdt on the same blob.
 *
 * Verdict on structure. faultline's fdt_open and libfdt's fdt_check_full
 * both decide whether a blob is well formed: a header whose blocks lie
 * inside totalsize (and totalsize inside the buffer), a reservation block
 * that ends inside the blob, a structure block of valid tokens with
 * balanced nesting, one root, and property names at valid string offsets.
 * They must agree, with these deliberate differences, where faultline is
 * the stricter (each is a reason it names; see lib/fdt.c):
 *
 *   - nesting deeper than 32 levels (MAX_DEPTH);
 *   - a property after a subnode in the same node (the spec's order), or
 *     before the root node opens (libfdt's fdt_check_full does not look at
 *     the depth of a property);
 *   - a node name that is empty or contains '/', or a named root;
 *   - no root node at all, or a second top-level node (libfdt's
 *     fdt_check_full accepts an empty structure block and siblings of
 *     the root);
 *   - a blob shorter than a version-17 header (40 bytes), or a totalsize
 *     of 2 GiB or more, or a misaligned reservation or structure block;
 *   - version < 16 or last_comp_version > 17 (libfdt: its own range);
 *   - in a version-16 blob, a property name that starts outside the
 *     strings block (libfdt's fdt_get_string bounds it by size_dt_strings
 *     from version 17 only, by the blob's end before);
 *   - a reservation block without its terminating {0, 0} entry inside the
 *     blob (libfdt 1.6's fdt_check_full checks only where it starts);
 *   - a property length of 2^31 or more: libfdt 1.6.1 wraps its offset
 *     and accepts the blob or loops forever (a libfdt bug, fixed upstream
 *     in fdt_next_tag); such blobs are checked by faultline alone.
 *
 * A blob faultline accepts must be one libfdt accepts: no exception.
 *
 * Content, where both accept: the same nodes in the same order (offsets,
 * names, depths), for every node the same properties (the value and length
 * fdt_prop finds for each name libfdt lists: the first of that name), the
 * same /memreserve/ entries, and the same phandle lookups. Then dt_parse
 * runs on it (under ASan/UBSan: no read outside the blob), and on what it
 * accepts, dt_device_at (the device windows cut out of RAM banks: any
 * node's reg, PCI bridge ranges) over every bank and dt_intc_at over the
 * console UART.
 *
 * Mutation: besides libFuzzer's byte-level mutations, a structure-aware
 * one (LLVMFuzzerCustomMutator, half of the time) that keeps the blob well
 * formed and rewrites the value of one property the hostile-boot classes
 * hang on: "reg", "ranges", "arm,primecell-periphid", "compatible",
 * "stdout-path", "status", "device_type", "no-map", "cpu-release-addr" --
 * the mailbox, mini UART, PL011/PrimeCell identity, /reserved-memory and
 * PCI nodes of the seed corpus (rpi-hostile, virt-hostile, rpi3, rpi4).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lib/dt.h"
#include "lib/errno.h"
#include "lib/fdt.h"

/* The build renames faultline's fdt_next_node (-Dfdt_next_node=...), which
 * libfdt also defines; FDT_MAGIC is defined by both. */
#undef fdt_next_node
#undef FDT_MAGIC
#define fl_next_node faultline_fdt_next_node
#include <libfdt.h>

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_fdt: " __VA_ARGS__);             \
			fprintf(stderr, "\n");                                 \
			abort();                                               \
		}                                                              \
	} while (0)

/* Reasons faultline may give for a blob libfdt accepts (the list above). */
static bool stricter(const uint8_t *blob, size_t size, const char *why)
{
	static const char *const ok[] = {
		"nested deeper than",
		"property after a subnode",
		"property outside a node",
		"bad node name",
		"root node named",
		"no root node",
		"node after the root node closed",
		"header alone is",
		"absurd totalsize",
		"misaligned",
		"reservation block offset",
		"reservation block runs past",
		"unsupported version",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strstr(why, ok[i]))
			return true;
	/* Version (header word 5) 16: libfdt lets a name run past the
	 * strings block, to the blob's end. */
	return strstr(why, "bad name offset") && size >= 24 &&
	       ((uint32_t)blob[20] << 24 | blob[21] << 16 | blob[22] << 8 | blob[23]) < 17;
}

/*
 * libfdt 1.6.1's fdt_next_tag adds a property's length to an int offset
 * unchecked: a length of 2^31 or more wraps, and fdt_check_full then
 * accepts the blob or loops forever. Such blobs are not given to libfdt.
 * Whether one is there does not depend on faultline's verdict (its first
 * complaint may be another one): the structure block's tokens are walked
 * here, within the blob, up to the first bad token.
 *
 *   FDT_BEGIN_NODE (1)  name, NUL, padding to 4
 *   FDT_PROP (3)        len, nameoff, value of len bytes, padding to 4
 *   FDT_END_NODE (2), FDT_NOP (4), FDT_END (9)
 */
static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool libfdt_wraps(const uint8_t *blob, size_t size)
{
	uint64_t off, end;

	if (size < 40)
		return false;
	off = be32_at(blob + 8);                  /* off_dt_struct */
	end = off + be32_at(blob + 36);           /* size_dt_struct (v17) */
	if (end > size)
		end = size;
	while (off + 4 <= end) {
		uint32_t tag = be32_at(blob + off);

		off += 4;
		if (tag == 1) {
			while (off < end && blob[off])
				off++;
			off = (off + 4) & ~3ull;
		} else if (tag == 3) {
			if (off + 8 > end)
				return false;
			uint32_t len = be32_at(blob + off);

			if (len >= 0x80000000u)
				return true;
			off += 8 + ((len + 3ull) & ~3ull);
		} else if (tag != 2 && tag != 4) {
			return false;
		}
	}
	return false;
}

/*
 * libfdt 1.6.1 also crashes (a NULL read inside fdt_check_full) or loops on
 * some blobs beyond the wrapped lengths above. Its verdict is taken under a
 * guard: SIGSEGV/SIGBUS and a CPU-time alarm (SIGVTALRM: libFuzzer's own
 * -timeout uses SIGALRM) jump back here, and such a blob is checked by
 * faultline alone. libfdt is not instrumented and keeps no state, so
 * leaving it by siglongjmp is safe; the handlers are installed only around
 * the call, so a fault in faultline's code still reaches the sanitizers.
 */
static sigjmp_buf libfdt_escape;

static void libfdt_trap(int sig)
{
	siglongjmp(libfdt_escape, sig);
}

static bool libfdt_verdict(const uint8_t *blob, size_t size, int *err)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGVTALRM };
	struct sigaction trap = { .sa_handler = libfdt_trap }, old[3];
	struct itimerval one = { .it_value = { .tv_sec = 1 } }, off = { 0 };
	volatile bool ok = true;

	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &trap, &old[i]);
	setitimer(ITIMER_VIRTUAL, &one, NULL);
	if (sigsetjmp(libfdt_escape, 1) == 0)
		*err = fdt_check_full(blob, size);
	else
		ok = false;
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return ok;
}

static void compare_content(const struct fdt *fl, const uint8_t *blob)
{
	/* libfdt's first node is fdt_next_node from -1 (its fdt_path_offset
	 * takes offset 0 for the root, wrong after a leading FDT_NOP). */
	int ldepth = -1, fdepth = 0;
	int lo = fdt_next_node(blob, -1, &ldepth);
	int fo = fdt_path(fl, "/");

	/* /memreserve/ entries. */
	int n = fdt_num_mem_rsv(blob);

	CHECK(n >= 0, "libfdt cannot count /memreserve/ (%d) in a blob it accepted", n);
	for (int i = 0; i <= n; i++) {
		uint64_t la = 0, ls = 0, a = 0, s = 0;
		int fe = fdt_rsv(fl, i, &a, &s);

		if (i == n) {
			CHECK(fe == -ENOENT, "faultline has a /memreserve/ entry %d, libfdt %d", i, n);
			break;
		}
		CHECK(fdt_get_mem_rsv(blob, i, &la, &ls) == 0, "libfdt rsv %d", i);
		CHECK(fe == 0 && a == la && s == ls, "/memreserve/ %d differs", i);
	}

	/* Nodes in document order. */
	CHECK(fo >= 0 && lo >= 0, "no root: faultline %d, libfdt %d", fo, lo);
	for (;;) {
		CHECK(lo == fo, "node offsets differ: libfdt %d, faultline %d", lo, fo);
		CHECK(ldepth == fdepth, "depths differ at %d: %d vs %d", lo, ldepth, fdepth);
		int len;
		const char *lname = fdt_get_name(blob, lo, &len);

		CHECK(lname && strcmp(lname, fdt_name(fl, fo)) == 0, "names differ at %d", lo);

		/* Properties: every one libfdt lists, looked up by name. */
		int p;

		fdt_for_each_property_offset(p, blob, lo) {
			const char *pname;
			int plen;
			const void *lv = fdt_getprop_by_offset(blob, p, &pname, &plen);
			uint32_t flen = 0;
			const void *fv;

			CHECK(lv && pname, "libfdt cannot read property at %d", p);
			fv = fdt_prop(fl, fo, pname, &flen);
			/* Both return the first property of a name. */
			const void *first = fdt_getprop(blob, lo, pname, &plen);

			CHECK(fv == first, "property %s of node %d: faultline %p, libfdt %p",
			      pname, lo, fv, first);
			CHECK(fv == NULL || (int)flen == plen, "length of %s differs", pname);
		}

		/* phandle lookups agree for this node's phandle. */
		uint32_t ph = fdt_get_phandle(blob, lo);

		if (ph != 0 && ph != 0xffffffffu)
			CHECK(fdt_node_by_phandle(fl, ph) == fdt_node_offset_by_phandle(blob, ph),
			      "phandle %u lookups differ", ph);

		lo = fdt_next_node(blob, lo, &ldepth);
		fo = fl_next_node(fl, fo, &fdepth);
		if (lo < 0 || ldepth <= 0) {
			CHECK(fo < 0 || fdepth <= 0, "faultline has a node after libfdt's last (%d)", fo);
			break;
		}
		CHECK(fo >= 0, "faultline ends before libfdt's node %d", lo);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy in its own allocation: ASan sees every read past the end. */
	uint8_t *blob = malloc(size ? size : 1);
	struct fdt fl;
	struct bootinfo bi;
	const char *why = "";
	int fe, le;

	memcpy(blob, data, size);
	fe = fdt_open(&fl, blob, size, &why);
	if (libfdt_wraps(blob, size))
		goto out;
	le = -FDT_ERR_TRUNCATED;
	if (size >= sizeof(struct fdt_header) && !libfdt_verdict(blob, size, &le))
		goto out; /* libfdt itself crashed or looped */

	if (fe == 0)
		CHECK(le == 0, "faultline accepts what libfdt refuses (%s)", fdt_strerror(le));
	else if (le == 0)
		CHECK(stricter(blob, size, why), "faultline refuses what libfdt accepts: %s", why);
	if (fe == 0 && le == 0)
		compare_content(&fl, blob);
out:
	if (dt_parse(blob, size, &bi, &why) == 0) {
		struct mem_range dev;
		const char *name = NULL;

		for (size_t i = 0; i < bi.nmem; i++)
			if (dt_device_at(&bi, bi.mem[i].base, bi.mem[i].size, &dev, &name))
				CHECK(name && (dev.base >= bi.mem[i].base ?
					       dev.base - bi.mem[i].base < bi.mem[i].size :
					       bi.mem[i].base - dev.base < dev.size),
				      "dt_device_at: a window that does not overlap the bank");
		if (bi.uart.found)
			dt_intc_at(&bi, bi.uart.base, bi.uart.size ? bi.uart.size : 0x1000);
	}
	free(blob);
	return 0;
}

/*
 * The structure-aware mutation (see the top): find, within the structure
 * block, the values of the properties named below, pick one, and rewrite
 * one of its 32-bit cells (or, for a string, one byte) with a value chosen
 * to hit a check: 0, all ones, a peripheral address, RAM, a PrimeCell ID,
 * or a random word. Lengths and offsets stay: the blob stays well formed.
 */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MUT_MAX 64

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static const char *const names[] = {
		"reg", "ranges", "arm,primecell-periphid", "compatible", "stdout-path",
		"status", "device_type", "no-map", "cpu-release-addr", "method",
	};
	static const uint32_t words[] = {
		0, 0xffffffffu, 0x7e00b880u, 0x7e200000u, 0x7e215040u, 0x3f000000u,
		0x09000000u, 0x09010000u, 0x0a000000u, 0x40000000u, 0x48000000u,
		0x80u, 0x100u, 0x00241011u, 0x00041031u, 0x00041061u, 0x40u, 0x1000u,
	};
	static const char *const strs[] = {
		"brcm,bcm2835-mbox", "brcm,bcm2835-aux-uart", "arm,pl011", "okay",
		"disabled", "pci", "memory", "serial1", "smc", "hvc",
	};
	uint32_t vals[MUT_MAX], lens[MUT_MAX], n = 0;
	uint64_t off, end, strings;
	unsigned r = seed;

	if ((seed & 1) || size < 40 || be32_at(data) != 0xd00dfeedu)
		return LLVMFuzzerMutate(data, size, max_size);
	off = be32_at(data + 8);
	strings = be32_at(data + 12);
	end = off + be32_at(data + 36);
	if (end > size)
		end = size;
	while (off + 4 <= end && n < MUT_MAX) {
		uint32_t tag = be32_at(data + off);

		off += 4;
		if (tag == 1) {
			while (off < end && data[off])
				off++;
			off = (off + 4) & ~3ull;
		} else if (tag == 3) {
			if (off + 8 > end)
				break;
			uint32_t len = be32_at(data + off), name = be32_at(data + off + 4);

			if (len >= 0x80000000u || off + 8 + len > end)
				break;
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
				size_t nl = strlen(names[i]) + 1;

				if (strings + name + nl <= size &&
				    memcmp(data + strings + name, names[i], nl) == 0) {
					vals[n] = (uint32_t)(off + 8);
					lens[n++] = len;
					break;
				}
			}
			off += 8 + ((len + 3ull) & ~3ull);
		} else if (tag != 2 && tag != 4) {
			break;
		}
	}
	if (n == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	r = r * 1103515245u + 12345u;
	uint32_t k = (r >> 8) % n, v = vals[k], len = lens[k];

	r = r * 1103515245u + 12345u;
	if (len >= 4 && (r & 0x100)) {
		uint32_t w = (r >> 12) % (len / 4);
		uint32_t x = (r >> 20) % (sizeof(words) / sizeof(words[0]) + 1);
		uint32_t val = x < sizeof(words) / sizeof(words[0]) ? words[x] : r * 2654435761u;

		data[v + 4 * w] = (uint8_t)(val >> 24);
		data[v + 4 * w + 1] = (uint8_t)(val >> 16);
		data[v + 4 * w + 2] = (uint8_t)(val >> 8);
		data[v + 4 * w + 3] = (uint8_t)val;
	} else if (len > 0) {
		const char *str = strs[(r >> 12) % (sizeof(strs) / sizeof(strs[0]))];
		size_t sl = strlen(str) + 1;

		if (sl <= len && (r & 0x200))
			memcpy(data + v, str, sl);  /* a string that fits, NUL included */
		else
			data[v + (r >> 16) % len] = (uint8_t)(r >> 24);
	}
	return size;
}
