// SPDX-License-Identifier: GPL-2.0
/*
 * cokernel.ko: module init/exit and the /dev/cokernel misc device.
 *
 * The module takes CPUs and memory away from Linux and holds them as an
 * enclave for a co-kernel (see docs/module-interface.md).
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cokernel.h"
#include "compat.h"
#include "xemem.h"

static int ck_open(struct inode *inode, struct file *file)
{
	struct ck_file *cf = kzalloc(sizeof(*cf), GFP_KERNEL);

	if (!cf)
		return -ENOMEM;
	mutex_init(&cf->lock);
	file->private_data = cf;	/* was our miscdevice (misc_open) */
	return 0;
}

/* The job attachment first (JOB_END), then a temporary enclave (destroy). */
static int ck_release(struct inode *inode, struct file *file)
{
	struct ck_file *cf = file->private_data;

	ck_job_release(file, cf);
	ck_file_release_temp(file, cf);
	kfree(cf);
	return 0;
}

static const struct file_operations ck_fops = {
	.owner = THIS_MODULE,
	.open = ck_open,
	.release = ck_release,
	.unlocked_ioctl = ck_ioctl,
	.compat_ioctl = compat_ptr_ioctl,	/* layouts are 32/64-bit neutral */
	.llseek = noop_llseek,
	.mmap = ck_job_mmap,
};

static struct miscdevice ck_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cokernel",
	.fops = &ck_fops,
	.mode = 0600,
};

static int __init ck_init(void)
{
	int ret;

	ck_compat_init();
	ck_wq = alloc_workqueue("cokernel", WQ_UNBOUND, 0);
	if (!ck_wq)
		return -ENOMEM;
	ret = ck_cpus_guard_init();
	if (ret)
		goto err_wq;
	ret = ck_mem_guard_init();
	if (ret)
		goto err_cpus;
	ret = ck_proc_init();
	if (ret)
		goto err_mem;
	ret = xemem_init();
	if (ret)
		goto err_proc;
	/* Last: user space can reach us only once everything is set up. */
	ret = misc_register(&ck_miscdev);
	if (ret) {
		pr_err("cannot register /dev/cokernel: %d\n", ret);
		goto err_xemem;
	}
	pr_info("loaded: ABI revision %u, memory block size %llu MiB\n",
		COKERNEL_ABI_REVISION, ck_block_size() >> 20);
	return 0;

err_xemem:
	xemem_exit();
err_proc:
	ck_proc_exit();
err_mem:
	ck_mem_guard_exit();
err_cpus:
	ck_cpus_guard_exit();
err_wq:
	destroy_workqueue(ck_wq);
	return ret;
}

/*
 * Every enclave holds a module reference, so exit runs only when no enclave
 * exists and nothing is claimed.
 */
static void __exit ck_exit(void)
{
	misc_deregister(&ck_miscdev);
	xemem_exit();
	ck_proc_exit();
	ck_mem_guard_exit();
	ck_cpus_guard_exit();
	destroy_workqueue(ck_wq);	/* waits for a deferred destroy that dropped the last reference */
	pr_info("unloaded\n");
}

module_init(ck_init);
module_exit(ck_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Co-kernel runtime: partitions CPUs and memory into enclaves");
MODULE_AUTHOR("cokernel project");
