// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the tests of what the module does when Linux refuses to
 * take something back (tests/qemu/test_leftover.sh): the next N give-backs of
 * a CPU or a memory block fail with -EIO as if add_cpu() or the block's online
 * had failed, and the enclave stays listed as leftover.
 *
 *   echo 2 > /sys/module/cokernel/parameters/inject_give_failures
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "cokernel.h"

static atomic_t ck_inject_give = ATOMIC_INIT(0);

static int ck_inject_set(const char *val, const struct kernel_param *kp)
{
	int n, ret = kstrtoint(val, 0, &n);

	if (ret || n < 0)
		return -EINVAL;
	atomic_set(&ck_inject_give, n);
	return 0;
}

static int ck_inject_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&ck_inject_give));
}

static const struct kernel_param_ops ck_inject_ops = {
	.set = ck_inject_set,
	.get = ck_inject_get,
};
module_param_cb(inject_give_failures, &ck_inject_ops, NULL, 0600);
MODULE_PARM_DESC(inject_give_failures,
		 "tests only: make the next N CPU or memory block give-backs fail (the enclave stays as leftover)");

int ck_inject_give_failure(void)
{
	int old = atomic_read(&ck_inject_give);

	while (old > 0) {
		if (atomic_try_cmpxchg(&ck_inject_give, &old, old - 1)) {
			pr_info("injected failure of a give-back (inject_give_failures)\n");
			return -EIO;
		}
	}
	return 0;
}
