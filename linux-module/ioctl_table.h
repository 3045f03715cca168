/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One table-driven ioctl dispatch for /dev/cokernel and /dev/xemem: look the
 * command up (unknown: ENOTTY), check the caller (CAP_SYS_ADMIN where the
 * entry says so), copy the structure in, check its header (signature, the
 * revision of the header that defines it, exact size), call the handler,
 * copy it back if the entry returns data. Handlers get a kernel copy and
 * never touch the user's argument themselves.
 */
#ifndef COKERNEL_IOCTL_TABLE_H
#define COKERNEL_IOCTL_TABLE_H

#include <linux/types.h>

#include <cokernel/abi.h>

struct file;

#define CK_IOC_ADMIN (1u << 0)	/* CAP_SYS_ADMIN, checked before anything else */
#define CK_IOC_OUT (1u << 1)	/* copy the structure back on success */

struct ck_ioctl_desc {
	unsigned int cmd;
	const char *name;	/* for the log line of a rejection */
	u16 revision;		/* the hdr.revision the structure must carry */
	u16 flags;		/* CK_IOC_* */
	long (*handler)(struct file *file, void *arg);
};

/* Checks a structure's header; logs "<device>: <name>: ..." and returns
 * -EINVAL on a mismatch. */
int ck_check_hdr(const char *device, const char *name, const struct cokernel_hdr *hdr,
		 u16 revision, size_t size);

long ck_ioctl_dispatch(const char *device, const struct ck_ioctl_desc *table, size_t n,
		       struct file *file, unsigned int cmd, unsigned long arg);

#endif /* COKERNEL_IOCTL_TABLE_H */
