// SPDX-License-Identifier: GPL-2.0
/* The table-driven ioctl dispatch (ioctl_table.h). */
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ioctl_table.h"

int ck_check_hdr(const char *device, const char *name, const struct cokernel_hdr *hdr,
		 u16 revision, size_t size)
{
	if (hdr->signature != COKERNEL_SIGNATURE) {
		pr_info_ratelimited("%s: %s: bad signature %#x, expected %#x\n", device, name,
				    hdr->signature, COKERNEL_SIGNATURE);
		return -EINVAL;
	}
	if (hdr->revision != revision) {
		pr_info_ratelimited("%s: %s: ABI revision %u, module speaks %u\n", device, name,
				    hdr->revision, revision);
		return -EINVAL;
	}
	if (hdr->size != size) {
		pr_info_ratelimited("%s: %s: structure size %u, module expects %zu\n", device, name,
				    hdr->size, size);
		return -EINVAL;
	}
	return 0;
}

long ck_ioctl_dispatch(const char *device, const struct ck_ioctl_desc *table, size_t n,
		       struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct ck_ioctl_desc *d = NULL;
	size_t size = _IOC_SIZE(cmd), i;
	void *buf;
	long ret;

	for (i = 0; i < n; i++) {
		if (table[i].cmd == cmd) {
			d = &table[i];
			break;
		}
	}
	if (!d)
		return -ENOTTY;
	if ((d->flags & CK_IOC_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (size < sizeof(struct cokernel_hdr))
		return -ENOTTY;	/* cannot happen for a table entry; keeps the header read in bounds */
	buf = memdup_user(uarg, size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = ck_check_hdr(device, d->name, buf, d->revision, size);
	if (!ret)
		ret = d->handler(file, buf);
	if (!ret && (d->flags & CK_IOC_OUT) && copy_to_user(uarg, buf, size))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}
