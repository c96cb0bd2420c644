/*
 * Symbolic names of the error numbers of lib/errno.h, for messages.
 */
#include "lib/errno.h"

const char *errno_name(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "OK";
	case ENOENT:
		return "ENOENT";
	case EIO:
		return "EIO";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EEXIST:
		return "EEXIST";
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case ERANGE:
		return "ERANGE";
	case ENOTSUP:
		return "ENOTSUP";
	default:
		return "E?";
	}
}
