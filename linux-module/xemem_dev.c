// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xemem: the XEMEM shared-memory service (docs/module-interface.md,
 * "/dev/xemem"). Mode 0666: every process may export and attach memory; the
 * permission checks (segment mode bits against the caller's uid and groups)
 * are made per request.
 *
 * The dispatch (ioctl_table.c) copies each structure in and checks its
 * header; the handlers here check every field (decode, may fail) before
 * anything changes (invoke: xemem_seg.c, xemem_attach.c, xemem_life.c).
 * Rejections log one rate-limited line.
 */
#define pr_fmt(fmt) "xemem: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "ioctl_table.h"
#include "xemem.h"

#define xemem_reject(fmt, ...) pr_info_ratelimited(fmt, ##__VA_ARGS__)

static long xemem_ioc_make(struct file *file, void *arg)
{
	struct xemem_make *m = arg;
	bool whole = m->vaddr == 0 && m->size == XEMEM_MAXADDR;

	if (m->permit_type != XEMEM_PERMIT_MODE) {
		xemem_reject("make: permit_type %u, only XEMEM_PERMIT_MODE (1) is known\n",
			     m->permit_type);
		return -EINVAL;
	}
	if (m->permit_value & ~XEMEM_MODE_ALL) {
		xemem_reject("make: mode %#o has bits outside 0777\n", m->permit_value);
		return -EINVAL;
	}
	if (!whole) {
		if (!m->size || !PAGE_ALIGNED(m->vaddr) || !PAGE_ALIGNED(m->size)) {
			xemem_reject("make: [%#llx size %#llx] must be non-empty and page aligned\n",
				     m->vaddr, m->size);
			return -EINVAL;
		}
		if (m->vaddr >= TASK_SIZE || m->size > TASK_SIZE - m->vaddr) {
			xemem_reject("make: [%#llx size %#llx] is not in user space\n", m->vaddr,
				     m->size);
			return -EINVAL;
		}
	}
	if (!xemem_valid_name(m->name, true)) {
		xemem_reject("make: name must be printable ASCII without spaces, NUL-terminated, zero-padded\n");
		return -EINVAL;
	}
	return xemem_seg_make(file->private_data, m);
}

static long xemem_ioc_get(struct file *file, void *arg)
{
	struct xemem_get *g = arg;

	if (g->flags != XEMEM_RDONLY && g->flags != XEMEM_RDWR) {
		xemem_reject("get: flags %#x, must be XEMEM_RDONLY or XEMEM_RDWR\n", g->flags);
		return -EINVAL;
	}
	if (g->permit_type || g->permit_value) {
		xemem_reject("get: permit_type and permit_value must be 0\n");
		return -EINVAL;
	}
	return xemem_seg_get(file->private_data, g);
}

static long xemem_ioc_attach(struct file *file, void *arg)
{
	struct xemem_attach *a = arg;

	if (!a->size || !PAGE_ALIGNED(a->offset) || !PAGE_ALIGNED(a->size) ||
	    !PAGE_ALIGNED(a->vaddr)) {
		xemem_reject("attach: offset %#llx size %#llx vaddr %#llx must be page aligned, size > 0\n",
			     a->offset, a->size, a->vaddr);
		return -EINVAL;
	}
	if (a->size > TASK_SIZE || (a->vaddr && (a->vaddr >= TASK_SIZE ||
						 a->size > TASK_SIZE - a->vaddr))) {
		xemem_reject("attach: [%#llx size %#llx] is not in user space\n", a->vaddr, a->size);
		return -EINVAL;
	}
	return xemem_attach(file, file->private_data, a);
}

static long xemem_ioc_lookup(struct file *file, void *arg)
{
	struct xemem_lookup *l = arg;

	if (!xemem_valid_name(l->name, false)) {
		xemem_reject("lookup: name must be non-empty printable ASCII without spaces, NUL-terminated, zero-padded\n");
		return -EINVAL;
	}
	return xemem_seg_lookup(l);
}

static long xemem_ioc_stats(struct file *file, void *arg)
{
	struct xemem_stats *s = arg;

	s->segments = atomic64_read(&xemem_stat.segments);
	s->apids = atomic64_read(&xemem_stat.apids);
	s->attachments = atomic64_read(&xemem_stat.attachments);
	s->pinned_pages = atomic64_read(&xemem_stat.pinned_pages);
	s->pins_total = atomic64_read(&xemem_stat.pins_total);
	s->unpins_total = atomic64_read(&xemem_stat.unpins_total);
	s->faults_total = atomic64_read(&xemem_stat.faults_total);
	s->invalidations_total = atomic64_read(&xemem_stat.invalidations_total);
	return 0;
}

static long xemem_ioc_version(struct file *file, void *arg)
{
	struct xemem_version *v = arg;

	v->version = XEMEM_VERSION;
	v->abi_revision = COKERNEL_XEMEM_REVISION;
	return 0;
}

static long xemem_ioc_remove(struct file *file, void *arg)
{
	return xemem_seg_remove(((struct xemem_remove *)arg)->segid);
}

static long xemem_ioc_release(struct file *file, void *arg)
{
	return xemem_seg_release(file->private_data, ((struct xemem_release *)arg)->apid);
}

static long xemem_ioc_detach(struct file *file, void *arg)
{
	return xemem_detach(((struct xemem_detach *)arg)->vaddr);
}

static long xemem_ioc_list(struct file *file, void *arg)
{
	return xemem_seg_list(arg);
}

/* _IOW requests (remove, release, detach) have nothing to give back. */
#define XEMEM_IOC(c, n, f, h) { .cmd = (c), .name = (n), .revision = COKERNEL_XEMEM_REVISION, \
				.flags = (f), .handler = (h) }

static const struct ck_ioctl_desc xemem_ioctls[] = {
	XEMEM_IOC(XEMEM_IOC_VERSION, "version", CK_IOC_OUT, xemem_ioc_version),
	XEMEM_IOC(XEMEM_IOC_MAKE, "make", CK_IOC_OUT, xemem_ioc_make),
	XEMEM_IOC(XEMEM_IOC_REMOVE, "remove", 0, xemem_ioc_remove),
	XEMEM_IOC(XEMEM_IOC_GET, "get", CK_IOC_OUT, xemem_ioc_get),
	XEMEM_IOC(XEMEM_IOC_RELEASE, "release", 0, xemem_ioc_release),
	XEMEM_IOC(XEMEM_IOC_ATTACH, "attach", CK_IOC_OUT, xemem_ioc_attach),
	XEMEM_IOC(XEMEM_IOC_DETACH, "detach", 0, xemem_ioc_detach),
	XEMEM_IOC(XEMEM_IOC_LOOKUP, "lookup", CK_IOC_OUT, xemem_ioc_lookup),
	XEMEM_IOC(XEMEM_IOC_LIST, "list", CK_IOC_OUT, xemem_ioc_list),
	XEMEM_IOC(XEMEM_IOC_STATS, "stats", CK_IOC_OUT, xemem_ioc_stats),
};

static long xemem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return ck_ioctl_dispatch("xemem", xemem_ioctls, ARRAY_SIZE(xemem_ioctls), file, cmd, arg);
}

static int xemem_open(struct inode *inode, struct file *file)
{
	struct xemem_ctx *ctx = xemem_ctx_alloc();

	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return 0;
}

static int xemem_release(struct inode *inode, struct file *file)
{
	xemem_ctx_release(file->private_data);
	return 0;
}

static const struct file_operations xemem_fops = {
	.owner = THIS_MODULE,
	.open = xemem_open,
	.release = xemem_release,
	.unlocked_ioctl = xemem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,	/* layouts are 32/64-bit neutral */
	.mmap = xemem_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
	.llseek = noop_llseek,
};

static struct miscdevice xemem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xemem",
	.fops = &xemem_fops,
	.mode = 0666,
};

int xemem_init(void)
{
	int ret;

	xemem_wq = alloc_workqueue("xemem", 0, 0);
	if (!xemem_wq)
		return -ENOMEM;
	ret = misc_register(&xemem_miscdev);
	if (ret) {
		pr_err("cannot register /dev/xemem: %d\n", ret);
		destroy_workqueue(xemem_wq);
	}
	return ret;
}

/* Every open file holds the module, so nothing is left but queued kill work. */
void xemem_exit(void)
{
	misc_deregister(&xemem_miscdev);
	destroy_workqueue(xemem_wq);
}
