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

#include "cokernel.h"
#include "xemem.h"

static const struct file_operations ck_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = ck_ioctl,
	.compat_ioctl = compat_ptr_ioctl,	/* layouts are 32/64-bit neutral */
	.llseek = noop_llseek,
	.mmap = ck_job_mmap,
	.release = ck_job_release,
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

	ret = ck_cpus_guard_init();
	if (ret)
		return ret;
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
	pr_info("unloaded\n");
}

module_init(ck_init);
module_exit(ck_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Co-kernel runtime: partitions CPUs and memory into enclaves");
MODULE_AUTHOR("cokernel project");
