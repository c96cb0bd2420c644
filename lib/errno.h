/*
 * Error numbers returned as negative values (-EINVAL, ...) by every fallible
 * function. The values are Linux's, so they also match a host <errno.h>.
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define ENOENT 2  /* no such entry (device-tree node, property) */
#define EIO 5     /* device or hardware did not answer */
#define EAGAIN 11 /* another CPU got there first: try again */
#define ENOMEM 12 /* out of memory (pages, table pages, VMA slots) */
#define EFAULT 14 /* bad address: no VMA, or the VMA forbids the access */
#define EBUSY 16  /* range already in use */
#define EEXIST 17 /* mapping already exists */
#define EINVAL 22 /* invalid argument: alignment, range, value */
#define ENOSPC 28 /* no room: no free address range */
#define ERANGE 34 /* value out of range */
#define ENOTSUP 95 /* not supported by this hardware or build */

/* errno_name: the symbolic name of a (positive or negative) error number. */
const char *errno_name(int err);

#endif
