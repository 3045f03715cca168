// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xemem: the XEMEM shared-memory service (docs/module-interface.md,
 * "/dev/xemem"). Mode 0666: every process may export and attach memory; the
 * permission checks (segment mode bits against the caller's uid and groups)
 * are made per request.
 *
 * Each ioctl copies its structure in, checks the header and every field
 * (decode, may fail) before anything changes (invoke, xemem_seg.c and
 * xemem_attach.c). Rejections log one rate-limited line.
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

#include "xemem.h"

#define xemem_reject(fmt, ...) pr_info_ratelimited(fmt, ##__VA_ARGS__)

static int xemem_check_hdr(const struct cokernel_hdr *hdr, size_t size, const char *what)
{
	if (hdr->signature != COKERNEL_SIGNATURE) {
		xemem_reject("%s: bad signature %#x, expected %#x\n", what, hdr->signature,
			     COKERNEL_SIGNATURE);
		return -EINVAL;
	}
	if (hdr->revision != COKERNEL_ABI_REVISION) {
		xemem_reject("%s: ABI revision %u, module speaks %u\n", what, hdr->revision,
			     COKERNEL_ABI_REVISION);
		return -EINVAL;
	}
	if (hdr->size != size) {
		xemem_reject("%s: structure size %u, module expects %zu\n", what, hdr->size, size);
		return -EINVAL;
	}
	return 0;
}

static int xemem_ioc_make(struct xemem_ctx *ctx, struct xemem_make *m)
{
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
	return xemem_seg_make(ctx, m);
}

static int xemem_ioc_get(struct xemem_ctx *ctx, struct xemem_get *g)
{
	if (g->flags != XEMEM_RDONLY && g->flags != XEMEM_RDWR) {
		xemem_reject("get: flags %#x, must be XEMEM_RDONLY or XEMEM_RDWR\n", g->flags);
		return -EINVAL;
	}
	if (g->permit_type || g->permit_value) {
		xemem_reject("get: permit_type and permit_value must be 0\n");
		return -EINVAL;
	}
	return xemem_seg_get(ctx, g);
}

static int xemem_ioc_attach(struct file *file, struct xemem_ctx *ctx, struct xemem_attach *a)
{
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
	return xemem_attach(file, ctx, a);
}

static int xemem_ioc_lookup(struct xemem_lookup *l)
{
	if (!xemem_valid_name(l->name, false)) {
		xemem_reject("lookup: name must be non-empty printable ASCII without spaces, NUL-terminated, zero-padded\n");
		return -EINVAL;
	}
	return xemem_seg_lookup(l);
}

static void xemem_ioc_stats(struct xemem_stats *s)
{
	s->segments = atomic64_read(&xemem_stat.segments);
	s->apids = atomic64_read(&xemem_stat.apids);
	s->attachments = atomic64_read(&xemem_stat.attachments);
	s->pinned_pages = atomic64_read(&xemem_stat.pinned_pages);
	s->pins_total = atomic64_read(&xemem_stat.pins_total);
	s->unpins_total = atomic64_read(&xemem_stat.unpins_total);
	s->faults_total = atomic64_read(&xemem_stat.faults_total);
	s->invalidations_total = atomic64_read(&xemem_stat.invalidations_total);
}

static const char *xemem_ioc_name(unsigned int cmd)
{
	switch (cmd) {
	case XEMEM_IOC_VERSION: return "version";
	case XEMEM_IOC_MAKE: return "make";
	case XEMEM_IOC_REMOVE: return "remove";
	case XEMEM_IOC_GET: return "get";
	case XEMEM_IOC_RELEASE: return "release";
	case XEMEM_IOC_ATTACH: return "attach";
	case XEMEM_IOC_DETACH: return "detach";
	case XEMEM_IOC_LOOKUP: return "lookup";
	case XEMEM_IOC_LIST: return "list";
	case XEMEM_IOC_STATS: return "stats";
	default: return NULL;
	}
}

static long xemem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xemem_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;
	const char *name = xemem_ioc_name(cmd);
	size_t size = _IOC_SIZE(cmd);
	void *buf;
	int ret;

	if (!name)
		return -ENOTTY;
	buf = memdup_user(uarg, size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = xemem_check_hdr(buf, size, name);
	if (ret)
		goto out;

	switch (cmd) {
	case XEMEM_IOC_VERSION: {
		struct xemem_version *v = buf;

		v->version = XEMEM_VERSION;
		v->abi_revision = COKERNEL_ABI_REVISION;
		break;
	}
	case XEMEM_IOC_MAKE:
		ret = xemem_ioc_make(ctx, buf);
		break;
	case XEMEM_IOC_REMOVE:
		ret = xemem_seg_remove(((struct xemem_remove *)buf)->segid);
		break;
	case XEMEM_IOC_GET:
		ret = xemem_ioc_get(ctx, buf);
		break;
	case XEMEM_IOC_RELEASE:
		ret = xemem_seg_release(ctx, ((struct xemem_release *)buf)->apid);
		break;
	case XEMEM_IOC_ATTACH:
		ret = xemem_ioc_attach(file, ctx, buf);
		break;
	case XEMEM_IOC_DETACH:
		ret = xemem_detach(((struct xemem_detach *)buf)->vaddr);
		break;
	case XEMEM_IOC_LOOKUP:
		ret = xemem_ioc_lookup(buf);
		break;
	case XEMEM_IOC_LIST:
		ret = xemem_seg_list(buf);
		break;
	default: /* XEMEM_IOC_STATS */
		xemem_ioc_stats(buf);
		break;
	}
	/* _IOW requests (remove, release, detach) have nothing to give back */
	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, buf, size))
		ret = -EFAULT;
out:
	kfree(buf);
	return ret;
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
