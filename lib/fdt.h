/*
 * A small flattened-device-tree reader that validates every offset before it
 * reads (Devicetree Specification v0.4, chapter 5: header, memory
 * reservation block, structure block, strings block). Nothing is written.
 */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include "lib/types.h"

#define FDT_MAGIC 0xd00dfeedu

struct fdt {
	const uint8_t *blob;
	uint32_t size;         /* totalsize, checked against the buffer */
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_rsvmap;
	uint32_t strings_end;  /* one past the strings block's last NUL (0: none) */
};

/*
 * fdt_open: check the header of a blob of at most `bufsize` bytes (magic,
 * version >= 16, last compatible <= 17 and <= version, every block inside totalsize and
 * totalsize <= bufsize, alignment) and walk the whole structure block once
 * to prove it well formed (tokens, nesting, names and property lengths in
 * bounds, string offsets valid). Returns 0 or -EINVAL and sets *why to a
 * human-readable reason.
 */
int fdt_open(struct fdt *fdt, const void *blob, size_t bufsize, const char **why);

/* fdt_path: offset of the node at an absolute path ("/chosen", "/"), or -ENOENT.
 * Also resolves an alias name ("serial0") through /aliases. */
int fdt_path(const struct fdt *fdt, const char *path);

/* fdt_first_child / fdt_next_sibling: iterate child nodes; -ENOENT at the end. */
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int node);

/* fdt_name: a node's name ("memory@40000000"); "" for the root. */
const char *fdt_name(const struct fdt *fdt, int node);

/* fdt_prop: a property's value and length, or NULL if absent. */
const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len);

/* fdt_prop_u32: read a one-cell property; 0, -ENOENT or -EINVAL (wrong size). */
int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);

/* fdt_prop_u64: read a one- or two-cell property; 0, -ENOENT or -EINVAL. */
int fdt_prop_u64(const struct fdt *fdt, int node, const char *name, uint64_t *out);

/* fdt_prop_str: a property as a NUL-terminated string inside its length, or NULL. */
const char *fdt_prop_str(const struct fdt *fdt, int node, const char *name);

/* fdt_compatible: whether a node's "compatible" list contains `compat`. */
bool fdt_compatible(const struct fdt *fdt, int node, const char *compat);

/* fdt_parent: the parent of a node, or -ENOENT for the root. */
int fdt_parent(const struct fdt *fdt, int node);

/*
 * fdt_next_node: the node after `node` in document order (depth first), or
 * -ENOENT at the end of the tree. *depth goes up by one entering a child and
 * down by one for each node closed; walking a subtree ends when it drops to
 * 0 or below. Walk the whole tree from fdt_path(fdt, "/") with *depth = 0.
 */
int fdt_next_node(const struct fdt *fdt, int node, int *depth);

/* fdt_node_by_phandle: the first node whose phandle ("phandle", else
 * "linux,phandle") is `phandle`, or -ENOENT. */
int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle);

/* fdt_cells: #address-cells / #size-cells that apply to node's "reg"
 * (from its parent; defaults 2 and 1). -EINVAL if either is > 2 or addr is 0. */
int fdt_cells(const struct fdt *fdt, int node, uint32_t *addr_cells, uint32_t *size_cells);

/* fdt_bus_cells: the #address-cells / #size-cells a node gives its children
 * (defaults 2 and 1; -EINVAL as fdt_cells). With fdt_reg_cells, a walk that
 * knows each node's parent reads "reg" without searching for the parent. */
int fdt_bus_cells(const struct fdt *fdt, int bus, uint32_t *addr_cells, uint32_t *size_cells);

/* fdt_reg_cells: fdt_reg with the cell counts given (from fdt_bus_cells of
 * the parent): constant work per call, not a walk from the root. */
int fdt_reg_cells(const struct fdt *fdt, int node, uint32_t addr_cells, uint32_t size_cells,
		  int i, uint64_t *addr, uint64_t *size);

/* fdt_reg: the i-th (address, size) of a node's "reg"; -ENOENT past the end,
 * -EINVAL if malformed. */
int fdt_reg(const struct fdt *fdt, int node, int i, uint64_t *addr, uint64_t *size);

/* fdt_translate: translate a bus address through the parents' "ranges" to
 * a CPU physical address; -EINVAL if no range covers it. */
int fdt_translate(const struct fdt *fdt, int node, uint64_t addr, uint64_t *out);

/* fdt_rsv: the i-th /memreserve/ entry; -ENOENT past the end. */
int fdt_rsv(const struct fdt *fdt, int i, uint64_t *addr, uint64_t *size);

#endif
