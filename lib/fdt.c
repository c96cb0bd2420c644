/*
 * Flattened device tree reader (Devicetree Specification v0.4, chapter 5).
 *
 * Blob layout (all integers big-endian, all offsets from the blob's start):
 *
 *   +----------------------+ 0
 *   | struct fdt_header    |   40 bytes (36 before version 17)
 *   +----------------------+ off_mem_rsvmap (8-byte aligned)
 *   | reservation block    |   {be64 address, be64 size} ... {0, 0}
 *   |                      |   (ends at the first size 0, as libfdt and Linux)
 *   +----------------------+ off_dt_struct (4-byte aligned)
 *   | structure block      |   tokens, each 4-byte aligned:
 *   |                      |     FDT_BEGIN_NODE name\0 [pad]
 *   |                      |     FDT_PROP be32 len, be32 nameoff, value [pad]
 *   |                      |     FDT_END_NODE, FDT_NOP, ... FDT_END
 *   +----------------------+ off_dt_strings
 *   | strings block        |   property names, NUL-terminated
 *   +----------------------+ totalsize
 *
 * fdt_open checks the header and walks the whole structure block once, so a
 * blob it accepts has every token, name and value inside its block, balanced
 * nesting, properties before subnodes and valid name offsets. Every other
 * function still bounds-checks each read (next_token), so a wrong node offset
 * from a caller gives "not found", never a read outside the blob.
 *
 * A node is named by the offset of its FDT_BEGIN_NODE token from the start of
 * the structure block, as in libfdt. Integers are read byte by byte: the blob
 * may sit at any alignment and the kernel runs with strict alignment checks.
 */
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/fdt.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "lib/string.h"

/* Header fields: byte offsets of big-endian 32-bit words (spec 5.2). */
#define H_MAGIC 0
#define H_TOTALSIZE 4
#define H_OFF_DT_STRUCT 8
#define H_OFF_DT_STRINGS 12
#define H_OFF_MEM_RSVMAP 16
#define H_VERSION 20
#define H_LAST_COMP_VERSION 24
#define H_BOOT_CPUID_PHYS 28
#define H_SIZE_DT_STRINGS 32
#define H_SIZE_DT_STRUCT 36 /* version 17 */
#define HEADER_SIZE_V16 36
#define HEADER_SIZE_V17 40

/* Structure block tokens (spec 5.4.1). */
#define FDT_BEGIN_NODE 0x1
#define FDT_END_NODE 0x2
#define FDT_PROP 0x3
#define FDT_NOP 0x4
#define FDT_END 0x9

/* next_token's complaints about a malformed token (never valid tokens). */
#define BAD_TRUNCATED (-1) /* token or its header runs past the block */
#define BAD_NAME (-2)      /* node name not terminated inside the block */
#define BAD_VALUE (-3)     /* property value runs past the block */
#define BAD_TOKEN (-4)     /* unknown token value */

#define MAX_DEPTH 32 /* deeper nesting is rejected (real trees use < 10) */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Whether [off, off + n) lies inside a block of `size` bytes (no overflow). */
static bool fits(uint64_t off, uint64_t n, uint64_t size)
{
	return off <= size && n <= size - off;
}

static const uint8_t *struct_at(const struct fdt *fdt, uint32_t off)
{
	return fdt->blob + fdt->off_struct + off;
}

/*
 * next_token: the token at structure offset `off` (a valid token value, or a
 * BAD_* code) and, in *next, the offset of the token after it.
 */
static int next_token(const struct fdt *fdt, int off, int *next)
{
	uint32_t o = (uint32_t)off, tag, len, end;
	const uint8_t *p;

	if (off < 0 || (o & 3) || !fits(o, 4, fdt->size_struct))
		return BAD_TRUNCATED;
	tag = be32(struct_at(fdt, o));
	switch (tag) {
	case FDT_BEGIN_NODE:
		p = struct_at(fdt, o + 4);
		len = (uint32_t)strnlen((const char *)p, fdt->size_struct - (o + 4));
		if (len == fdt->size_struct - (o + 4))
			return BAD_NAME;
		end = o + 4 + len + 1;
		break;
	case FDT_PROP:
		if (!fits(o, 12, fdt->size_struct))
			return BAD_TRUNCATED;
		len = be32(struct_at(fdt, o + 4));
		if (!fits(o + 12, len, fdt->size_struct))
			return BAD_VALUE;
		end = o + 12 + len;
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		end = o + 4;
		break;
	default:
		return BAD_TOKEN;
	}
	/* end <= size_struct <= totalsize < 2^31, so this cannot overflow. */
	*next = (int)ALIGN_UP(end, 4u);
	return (int)tag;
}

/* A property's name, or NULL if its name offset is bad. */
static const char *prop_name(const struct fdt *fdt, int prop)
{
	uint32_t nameoff = be32(struct_at(fdt, (uint32_t)prop + 8));

	/* A name is terminated inside the block iff it starts before the
	 * block's last NUL (strings_end, found once by fdt_open): O(1), so a
	 * long unterminated tail cannot make every lookup scan it. */
	if (nameoff >= fdt->strings_end)
		return NULL;
	return (const char *)fdt->blob + fdt->off_strings + nameoff;
}

static int check_header(struct fdt *fdt, const uint8_t *b, size_t bufsize, const char **why)
{
	uint32_t total, version, last_comp, hsize;

	if (bufsize < 4)
		return reject(why, "device tree: truncated (%zu bytes)", bufsize);
	if (be32(b + H_MAGIC) != FDT_MAGIC)
		return reject(why, "device tree: bad magic 0x%08x (expected 0x%08x)",
			    be32(b + H_MAGIC), FDT_MAGIC);
	if (bufsize < HEADER_SIZE_V17)
		return reject(why, "device tree: truncated (%zu bytes, header alone is %u)",
			    bufsize, HEADER_SIZE_V17);
	total = be32(b + H_TOTALSIZE);
	version = be32(b + H_VERSION);
	last_comp = be32(b + H_LAST_COMP_VERSION);
	/* last_comp_version above version is a contradiction (libfdt refuses it). */
	if (version < 16 || last_comp > 17 || last_comp > version)
		return reject(why, "device tree: unsupported version %u (last compatible %u)",
			    version, last_comp);
	hsize = version >= 17 ? HEADER_SIZE_V17 : HEADER_SIZE_V16;
	if (total < hsize || total > 0x7fffffffu)
		return reject(why, "device tree: absurd totalsize %u", total);
	if (total > bufsize)
		return reject(why, "device tree: truncated (totalsize %u > %zu bytes available)",
			    total, bufsize);

	fdt->blob = b;
	fdt->size = total;
	fdt->off_struct = be32(b + H_OFF_DT_STRUCT);
	fdt->off_strings = be32(b + H_OFF_DT_STRINGS);
	fdt->size_strings = be32(b + H_SIZE_DT_STRINGS);
	fdt->off_rsvmap = be32(b + H_OFF_MEM_RSVMAP);
	/* Before version 17 the structure block size is not recorded. */
	fdt->size_struct = version >= 17 ? be32(b + H_SIZE_DT_STRUCT)
					 : total - MIN(total, fdt->off_struct);

	if (fdt->off_struct < hsize || (fdt->off_struct & 3) ||
	    !fits(fdt->off_struct, fdt->size_struct, total))
		return reject(why, "device tree: structure block (offset %u, size %u) "
			    "outside the blob (%u bytes) or misaligned",
			    fdt->off_struct, fdt->size_struct, total);
	if (fdt->off_strings < hsize || !fits(fdt->off_strings, fdt->size_strings, total))
		return reject(why, "device tree: strings block (offset %u, size %u) "
			    "outside the blob (%u bytes)",
			    fdt->off_strings, fdt->size_strings, total);
	if (fdt->off_rsvmap < hsize || (fdt->off_rsvmap & 7))
		return reject(why, "device tree: reservation block offset %u is bad",
			    fdt->off_rsvmap);
	/* The end of the last NUL-terminated string (0: none): see prop_name. */
	for (uint32_t n = fdt->size_strings; n > 0; n--) {
		if (b[fdt->off_strings + n - 1] == '\0') {
			fdt->strings_end = n;
			break;
		}
	}
	for (uint32_t o = fdt->off_rsvmap;; o += 16) {
		if (!fits(o, 16, total))
			return reject(why, "device tree: reservation block runs past "
				    "the end (no terminating entry)");
		/* The spec ends the list with {0, 0}; libfdt (fdt_num_mem_rsv)
		 * and Linux (early_init_fdt_scan_reserved_mem) stop at the first
		 * size 0 whatever its address, and so does faultline. */
		if (be64(b + o + 8) == 0)
			break;
	}
	return 0;
}

/* Prove the structure block well formed (see the comment at the top). */
static int check_structure(const struct fdt *fdt, const char **why)
{
	uint64_t child_seen = 0; /* bit d: the open node at depth d has a child */
	int depth = 0, off = 0, next, tag;
	bool root_done = false;

	for (;; off = next) {
		tag = next_token(fdt, off, &next);
		switch (tag) {
		case BAD_TRUNCATED:
			if (depth > 0)
				return reject(why, "device tree: node never closed "
					    "(structure block ends at depth %d)", depth);
			return reject(why, "device tree: structure block ends without FDT_END");
		case BAD_NAME:
			return reject(why, "device tree: unterminated node name at "
				    "structure offset %d", off);
		case BAD_VALUE:
			return reject(why, "device tree: property at structure offset %d "
				    "runs past the end (length %u)", off,
				    be32(struct_at(fdt, (uint32_t)off + 4)));
		case BAD_TOKEN:
			return reject(why, "device tree: bad token 0x%08x at structure offset %d",
				    be32(struct_at(fdt, (uint32_t)off)), off);
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)struct_at(fdt, (uint32_t)off + 4);

			if (root_done)
				return reject(why, "device tree: node after the root node closed");
			if (depth == 0 && name[0] != '\0')
				return reject(why, "device tree: root node named '%s'", name);
			if (depth > 0 && (name[0] == '\0' || strchr(name, '/')))
				return reject(why, "device tree: bad node name '%s' at "
					    "structure offset %d", name, off);
			if (depth >= MAX_DEPTH)
				return reject(why, "device tree: nodes nested deeper than %d",
					    MAX_DEPTH);
			if (depth > 0)
				child_seen |= BIT(depth);
			depth++;
			child_seen &= ~BIT(depth);
			break;
		}
		case FDT_PROP:
			if (depth == 0)
				return reject(why, "device tree: property outside a node at "
					    "structure offset %d", off);
			if (child_seen & BIT(depth))
				return reject(why, "device tree: property after a subnode at "
					    "structure offset %d", off);
			if (!prop_name(fdt, off))
				return reject(why, "device tree: property at structure offset %d "
					    "has a bad name offset %u", off,
					    be32(struct_at(fdt, (uint32_t)off + 8)));
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return reject(why, "device tree: unbalanced FDT_END_NODE at "
					    "structure offset %d", off);
			if (--depth == 0)
				root_done = true;
			break;
		case FDT_NOP:
			/* libfdt's fdt_check_full allows only FDT_END here. */
			if (root_done)
				return reject(why, "device tree: FDT_NOP after the root node "
					    "closed at structure offset %d", off);
			break;
		case FDT_END:
			if (depth > 0)
				return reject(why, "device tree: node never closed "
					    "(FDT_END at depth %d)", depth);
			if (!root_done)
				return reject(why, "device tree: no root node");
			return 0;
		}
	}
}

int fdt_open(struct fdt *fdt, const void *blob, size_t bufsize, const char **why)
{
	int err;

	memset(fdt, 0, sizeof(*fdt));
	err = check_header(fdt, blob, bufsize, why);
	if (!err)
		err = check_structure(fdt, why);
	if (err)
		memset(fdt, 0, sizeof(*fdt));
	return err;
}

/* The root node: the first FDT_BEGIN_NODE (after any NOPs). */
static int root_node(const struct fdt *fdt)
{
	int off = 0, next, tag;

	while ((tag = next_token(fdt, off, &next)) == FDT_NOP)
		off = next;
	return tag == FDT_BEGIN_NODE ? off : -ENOENT;
}

/* The offset of the first token after a node's name (its first property). */
static int node_body(const struct fdt *fdt, int node)
{
	int next;

	return next_token(fdt, node, &next) == FDT_BEGIN_NODE ? next : -ENOENT;
}

const char *fdt_name(const struct fdt *fdt, int node)
{
	if (node_body(fdt, node) < 0)
		return "";
	return (const char *)struct_at(fdt, (uint32_t)node + 4);
}

/* prop_n: fdt_prop for a name of `n` bytes (not NUL-terminated). */
static const void *prop_n(const struct fdt *fdt, int node, const char *name, size_t n,
			  uint32_t *len)
{
	int off = node_body(fdt, node), next, tag;

	for (; off >= 0; off = next) {
		tag = next_token(fdt, off, &next);
		if (tag == FDT_NOP)
			continue;
		if (tag != FDT_PROP)
			break;
		const char *pn = prop_name(fdt, off);

		if (pn && strncmp(pn, name, n) == 0 && pn[n] == '\0') {
			if (len)
				*len = be32(struct_at(fdt, (uint32_t)off + 4));
			return struct_at(fdt, (uint32_t)off + 12);
		}
	}
	return NULL;
}

const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
	return prop_n(fdt, node, name, strlen(name), len);
}

int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	uint32_t len;
	const uint8_t *p = fdt_prop(fdt, node, name, &len);

	if (!p)
		return -ENOENT;
	if (len != 4)
		return -EINVAL;
	*out = be32(p);
	return 0;
}

int fdt_prop_u64(const struct fdt *fdt, int node, const char *name, uint64_t *out)
{
	uint32_t len;
	const uint8_t *p = fdt_prop(fdt, node, name, &len);

	if (!p)
		return -ENOENT;
	if (len != 4 && len != 8)
		return -EINVAL;
	*out = len == 4 ? be32(p) : be64(p);
	return 0;
}

const char *fdt_prop_str(const struct fdt *fdt, int node, const char *name)
{
	uint32_t len;
	const char *s = fdt_prop(fdt, node, name, &len);

	if (!s || len == 0 || strnlen(s, len) == len)
		return NULL;
	return s;
}

bool fdt_compatible(const struct fdt *fdt, int node, const char *compat)
{
	uint32_t len;
	const char *s = fdt_prop(fdt, node, "compatible", &len);

	/* A stringlist: NUL-terminated strings back to back (spec 2.2.4.1). */
	while (s && len > 0) {
		size_t n = strnlen(s, len);

		if (n < len && strcmp(s, compat) == 0)
			return true;
		n = MIN(n + 1, len);
		s += n;
		len -= (uint32_t)n;
	}
	return false;
}

int fdt_next_node(const struct fdt *fdt, int node, int *depth)
{
	int off = node_body(fdt, node), next, tag;

	for (; off >= 0; off = next) {
		tag = next_token(fdt, off, &next);
		switch (tag) {
		case FDT_BEGIN_NODE:
			++*depth;
			return off;
		case FDT_END_NODE:
			--*depth;
			break;
		case FDT_PROP:
		case FDT_NOP:
			break;
		default: /* FDT_END or malformed */
			return -ENOENT;
		}
	}
	return -ENOENT;
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	int depth = 0, off = fdt_next_node(fdt, node, &depth);

	return off >= 0 && depth == 1 ? off : -ENOENT;
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
	int depth = 0, off = node;

	/* Skip node's subtree: the next node at depth 0 is its sibling. */
	do {
		off = fdt_next_node(fdt, off, &depth);
	} while (off >= 0 && depth > 0);
	return off >= 0 && depth == 0 ? off : -ENOENT;
}

int fdt_parent(const struct fdt *fdt, int node)
{
	int stack[MAX_DEPTH + 1];
	int depth = 0, off = root_node(fdt);

	/* The nesting depth was bounded by fdt_open; walk down from the root. */
	while (off >= 0 && depth >= 0 && depth <= MAX_DEPTH) {
		stack[depth] = off;
		if (off == node)
			return depth > 0 ? stack[depth - 1] : -ENOENT;
		off = fdt_next_node(fdt, off, &depth);
	}
	return -ENOENT;
}

/*
 * A node's phandle: its "phandle" property, or the "linux,phandle" older dtc
 * versions wrote when that is absent or not one cell (libfdt's
 * fdt_get_phandle; Linux's of/fdt.c reads both); 0 for none.
 */
static uint32_t node_phandle(const struct fdt *fdt, int node)
{
	uint32_t v;

	if (fdt_prop_u32(fdt, node, "phandle", &v) == 0 ||
	    fdt_prop_u32(fdt, node, "linux,phandle", &v) == 0)
		return v;
	return 0;
}

int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle)
{
	int depth = 0, off = root_node(fdt);

	if (phandle == 0 || phandle == 0xffffffffu)
		return -ENOENT;
	for (; off >= 0 && depth >= 0; off = fdt_next_node(fdt, off, &depth))
		if (node_phandle(fdt, off) == phandle)
			return off;
	return -ENOENT;
}

/* The child of `node` matching a path component of `n` bytes, or -ENOENT.
 * "memory" matches "memory@40000000" when the component has no unit address. */
static int child_named(const struct fdt *fdt, int node, const char *comp, size_t n)
{
	bool unit = memchr(comp, '@', n) != NULL;

	for (int c = fdt_first_child(fdt, node); c >= 0; c = fdt_next_sibling(fdt, c)) {
		const char *name = fdt_name(fdt, c);

		if (strncmp(name, comp, n) == 0 &&
		    (name[n] == '\0' || (!unit && name[n] == '@')))
			return c;
	}
	return -ENOENT;
}

/* Follow the components of `path` (separated by '/') down from `node`. */
static int walk_path(const struct fdt *fdt, int node, const char *path)
{
	while (node >= 0 && *path) {
		const char *end = strchr(path, '/');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		if (n > 0)
			node = child_named(fdt, node, path, n);
		path += n;
		if (*path == '/')
			path++;
	}
	return node;
}

int fdt_path(const struct fdt *fdt, const char *path)
{
	int root = root_node(fdt);
	const char *rest, *alias;
	uint32_t len;
	int aliases;

	if (path[0] == '/')
		return walk_path(fdt, root, path);
	/* "serial0" or "serial0/child": an alias, then a relative path. */
	rest = strchr(path, '/');
	if (!rest)
		rest = path + strlen(path);
	aliases = child_named(fdt, root, "aliases", 7);
	if (aliases < 0)
		return -ENOENT;
	alias = prop_n(fdt, aliases, path, (size_t)(rest - path), &len);
	if (!alias || len == 0 || strnlen(alias, len) == len || alias[0] != '/')
		return -ENOENT;
	return walk_path(fdt, walk_path(fdt, root, alias), rest);
}

/* A node's own #address-cells / #size-cells (for its children's reg). */
static int own_cells(const struct fdt *fdt, int node, uint32_t *ac, uint32_t *sc)
{
	int err;

	*ac = 2; /* defaults: spec 2.3.5 */
	*sc = 1;
	if (node < 0)
		return 0;
	err = fdt_prop_u32(fdt, node, "#address-cells", ac);
	if (err && err != -ENOENT)
		return err;
	err = fdt_prop_u32(fdt, node, "#size-cells", sc);
	if (err && err != -ENOENT)
		return err;
	return *ac == 0 || *ac > 2 || *sc > 2 ? -EINVAL : 0;
}

int fdt_cells(const struct fdt *fdt, int node, uint32_t *addr_cells, uint32_t *size_cells)
{
	return own_cells(fdt, fdt_parent(fdt, node), addr_cells, size_cells);
}

int fdt_bus_cells(const struct fdt *fdt, int bus, uint32_t *addr_cells, uint32_t *size_cells)
{
	return own_cells(fdt, bus, addr_cells, size_cells);
}

/* A number of `cells` (0 to 2) 32-bit cells. */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 2 ? be64(p) : cells == 1 ? be32(p) : 0;
}

int fdt_reg(const struct fdt *fdt, int node, int i, uint64_t *addr, uint64_t *size)
{
	uint32_t ac, sc;
	int err = fdt_cells(fdt, node, &ac, &sc);

	if (err)
		return err;
	return fdt_reg_cells(fdt, node, ac, sc, i, addr, size);
}

int fdt_reg_cells(const struct fdt *fdt, int node, uint32_t ac, uint32_t sc, int i,
		  uint64_t *addr, uint64_t *size)
{
	uint32_t len, entry;
	const uint8_t *p;

	assert(ac >= 1 && ac <= 2 && sc <= 2);
	p = fdt_prop(fdt, node, "reg", &len);
	if (!p)
		return -ENOENT;
	entry = 4 * (ac + sc);
	if (len % entry)
		return -EINVAL;
	if (i < 0 || (uint32_t)i >= len / entry)
		return -ENOENT;
	p += (uint32_t)i * entry;
	*addr = read_cells(p, ac);
	*size = read_cells(p + 4 * ac, sc);
	return 0;
}

/*
 * Map *addr through the "ranges" of `bus` (whose parent is `up`): triples of
 * (child address, parent address, size), sized by the bus's #address-cells,
 * the parent's #address-cells and the bus's #size-cells. An empty "ranges" is
 * the identity (spec 2.3.8); a missing one means no translation.
 */
static int map_ranges(const struct fdt *fdt, int bus, int up, uint64_t *addr)
{
	uint32_t cac, csc, pac, psc, len, entry;
	const uint8_t *r = fdt_prop(fdt, bus, "ranges", &len);

	if (!r || own_cells(fdt, bus, &cac, &csc) || own_cells(fdt, up, &pac, &psc))
		return -EINVAL;
	if (len == 0)
		return 0;
	entry = 4 * (cac + pac + csc);
	if (len % entry)
		return -EINVAL;
	for (; len > 0; len -= entry, r += entry) {
		uint64_t child = read_cells(r, cac);
		uint64_t parent = read_cells(r + 4 * cac, pac);
		uint64_t size = read_cells(r + 4 * (cac + pac), csc);

		if (*addr >= child && *addr - child < size) {
			*addr = *addr - child + parent;
			return 0;
		}
	}
	return -EINVAL;
}

int fdt_translate(const struct fdt *fdt, int node, uint64_t addr, uint64_t *out)
{
	int bus = fdt_parent(fdt, node), up, err;

	/* Up through every bus below the root; the root's space is the CPU's. */
	for (; bus >= 0 && (up = fdt_parent(fdt, bus)) >= 0; bus = up) {
		err = map_ranges(fdt, bus, up, &addr);
		if (err)
			return err;
	}
	*out = addr;
	return 0;
}

int fdt_rsv(const struct fdt *fdt, int i, uint64_t *addr, uint64_t *size)
{
	/* fdt_open proved the terminated list lies inside the blob. */
	for (uint32_t o = fdt->off_rsvmap; i >= 0 && fits(o, 16, fdt->size); o += 16, i--) {
		uint64_t a = be64(fdt->blob + o), s = be64(fdt->blob + o + 8);

		if (s == 0)
			break;
		if (i == 0) {
			*addr = a;
			*size = s;
			return 0;
		}
	}
	return -ENOENT;
}
