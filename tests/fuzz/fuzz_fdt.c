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
 * runs on it (under ASan/UBSan: no read outside the blob).
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
static bool stricter(const char *why)
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
	return false;
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
		CHECK(stricter(why), "faultline refuses what libfdt accepts: %s", why);
	if (fe == 0 && le == 0)
		compare_content(&fl, blob);
out:
	dt_parse(blob, size, &bi, &why);
	free(blob);
	return 0;
}
