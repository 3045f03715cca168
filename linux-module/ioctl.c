// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cokernel ioctls: copy in, validate every field, dispatch, copy out.
 *
 * User space is untrusted.  Every structure starts with struct cokernel_hdr,
 * which must carry COKERNEL_SIGNATURE, COKERNEL_ABI_REVISION and the exact
 * size of the structure.  The errno of every check is listed in
 * docs/module-interface.md.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/mmzone.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <cokernel/job.h>

#include "cokernel.h"

static int ck_check_hdr(const struct cokernel_hdr *hdr, size_t size,
			const char *what)
{
	if (hdr->signature != COKERNEL_SIGNATURE) {
		pr_info("%s: bad signature %#x, expected %#x\n", what,
			hdr->signature, COKERNEL_SIGNATURE);
		return -EINVAL;
	}
	if (hdr->revision != COKERNEL_ABI_REVISION) {
		pr_info("%s: ABI revision %u, module speaks %u\n", what,
			hdr->revision, COKERNEL_ABI_REVISION);
		return -EINVAL;
	}
	if (hdr->size != size) {
		pr_info("%s: structure size %u, module expects %zu\n", what,
			hdr->size, size);
		return -EINVAL;
	}
	return 0;
}

static bool ck_all_zero(const void *p, size_t len)
{
	return !len || memchr_inv(p, 0, len) == NULL;
}

static int ck_ioc_version(struct cokernel_version *v)
{
	int ret = ck_check_hdr(&v->hdr, sizeof(*v), "version");

	if (ret)
		return ret;
	v->abi_revision = COKERNEL_ABI_REVISION;
	v->max_enclaves = COKERNEL_MAX_ENCLAVES;
	v->max_enclave_cpus = COKERNEL_MAX_ENCLAVE_CPUS;
	v->max_mem_ranges = COKERNEL_MAX_MEM_RANGES;
	v->block_size = ck_block_size();
	return 0;
}

static int ck_check_create_cpus(const struct cokernel_create *c)
{
	u32 i, j;

	if (c->ncpus < 1 || c->ncpus > COKERNEL_MAX_ENCLAVE_CPUS) {
		pr_info("create: %u CPUs, must be 1..%u\n", c->ncpus,
			COKERNEL_MAX_ENCLAVE_CPUS);
		return -EINVAL;
	}
	if (!ck_all_zero(&c->cpus[c->ncpus],
			 sizeof(c->cpus[0]) * (COKERNEL_MAX_ENCLAVE_CPUS - c->ncpus))) {
		pr_info("create: cpus[] entries beyond ncpus must be 0\n");
		return -EINVAL;
	}
	for (i = 0; i < c->ncpus; i++) {
		u32 cpu = c->cpus[i];

		if (cpu >= nr_cpu_ids || !cpu_present(cpu)) {
			pr_info("create: CPU %u does not exist\n", cpu);
			return -ENODEV;
		}
		if (cpu == 0) {
			pr_info("create: CPU 0 is the boot CPU and stays with Linux\n");
			return -EPERM;
		}
		for (j = 0; j < i; j++) {
			if (c->cpus[j] == cpu) {
				pr_info("create: CPU %u is listed twice\n", cpu);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int ck_check_create_ranges(const struct cokernel_create *c)
{
	u64 bs = ck_block_size();
	u32 i, j;

	if (c->nranges < 1 || c->nranges > COKERNEL_MAX_MEM_RANGES) {
		pr_info("create: %u memory ranges, must be 1..%u\n", c->nranges,
			COKERNEL_MAX_MEM_RANGES);
		return -EINVAL;
	}
	if (!ck_all_zero(&c->ranges[c->nranges],
			 sizeof(c->ranges[0]) * (COKERNEL_MAX_MEM_RANGES - c->nranges))) {
		pr_info("create: ranges[] entries beyond nranges must be 0\n");
		return -EINVAL;
	}
	for (i = 0; i < c->nranges; i++) {
		u64 s = c->ranges[i].start, size = c->ranges[i].size, end;

		if (!size || s % bs || size % bs) {
			pr_info("create: range %u [%#llx size %#llx] must be non-empty and aligned to the memory block size %#llx\n",
				i, s, size, bs);
			return -EINVAL;
		}
		if (check_add_overflow(s, size, &end) ||
		    end > (1ULL << MAX_PHYSMEM_BITS)) {
			pr_info("create: range %u [%#llx size %#llx] is beyond physical memory\n",
				i, s, size);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			u64 os = c->ranges[j].start;

			if (s < os + c->ranges[j].size && os < end) {
				pr_info("create: ranges %u and %u overlap\n", j, i);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int ck_ioc_create(struct cokernel_create *c)
{
	int ret = ck_check_hdr(&c->hdr, sizeof(*c), "create");

	if (ret)
		return ret;
	if (c->flags & ~COKERNEL_CREATE_FLAGS_ALL) {
		pr_info("create: unknown flags %#x\n",
			c->flags & ~COKERNEL_CREATE_FLAGS_ALL);
		return -EINVAL;
	}
	if (!(c->flags & COKERNEL_CREATE_NO_BOOT)) {
		pr_info("create: COKERNEL_CREATE_NO_BOOT is required; boot with COKERNEL_IOC_BOOT afterwards\n");
		return -EOPNOTSUPP;
	}
	ret = ck_check_create_cpus(c);
	if (ret)
		return ret;
	ret = ck_check_create_ranges(c);
	if (ret)
		return ret;
	return ck_enclave_create(c, &c->id);
}

static int ck_ioc_destroy(struct cokernel_destroy *d)
{
	int ret = ck_check_hdr(&d->hdr, sizeof(*d), "destroy");

	if (ret)
		return ret;
	if (d->flags) {
		pr_info("destroy: unknown flags %#x\n", d->flags);
		return -EINVAL;
	}
	return ck_enclave_destroy(d->id, NULL);
}

static int ck_ioc_list(struct cokernel_list *l)
{
	int ret = ck_check_hdr(&l->hdr, sizeof(*l), "list");

	if (ret)
		return ret;
	if (l->pad) {
		pr_info("list: pad must be 0\n");
		return -EINVAL;
	}
	ck_enclave_list(l);
	return 0;
}

static int ck_ioc_boot(struct cokernel_boot *b)
{
	int ret = ck_check_hdr(&b->hdr, sizeof(*b), "boot");

	if (ret)
		return ret;
	return ck_enclave_boot(b);
}

static int ck_ioc_console(struct cokernel_console_read *r)
{
	int ret = ck_check_hdr(&r->hdr, sizeof(*r), "console");

	if (ret)
		return ret;
	if (r->pad) {
		pr_info("console: pad must be 0\n");
		return -EINVAL;
	}
	return ck_enclave_console(r);
}

static int ck_ioc_command(struct cokernel_command *c)
{
	int ret = ck_check_hdr(&c->hdr, sizeof(*c), "command");

	if (ret)
		return ret;
	if (c->pad) {
		pr_info("command: pad must be 0\n");
		return -EINVAL;
	}
	return ck_enclave_command(c);
}

static int ck_ioc_info(struct cokernel_info *info)
{
	int ret = ck_check_hdr(&info->hdr, sizeof(*info), "info");

	if (ret)
		return ret;
	return ck_enclave_info(info);
}

long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	size_t size = _IOC_SIZE(cmd);
	bool out = true;
	void *buf;
	int ret;

	switch (cmd) {
	case COKERNEL_IOC_VERSION:
	case COKERNEL_IOC_LIST:
	case COKERNEL_IOC_INFO:
		break;
	case COKERNEL_IOC_CREATE:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	case COKERNEL_IOC_DESTROY:
	case COKERNEL_IOC_BOOT:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		out = false;
		break;
	case COKERNEL_IOC_CONSOLE:
	case COKERNEL_IOC_COMMAND:
	case COKERNEL_IOC_JOB_ATTACH:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	case COKERNEL_IOC_JOB_START:
		/* The file was attached by root; its holder may be the user now. */
		out = false;
		break;
	case COKERNEL_IOC_JOB_WAIT:
		break;
	default:
		return -ENOTTY;
	}

	buf = memdup_user(uarg, size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	switch (cmd) {
	case COKERNEL_IOC_VERSION:
		ret = ck_ioc_version(buf);
		break;
	case COKERNEL_IOC_CREATE:
		ret = ck_ioc_create(buf);
		break;
	case COKERNEL_IOC_DESTROY:
		ret = ck_ioc_destroy(buf);
		break;
	case COKERNEL_IOC_LIST:
		ret = ck_ioc_list(buf);
		break;
	case COKERNEL_IOC_BOOT:
		ret = ck_ioc_boot(buf);
		break;
	case COKERNEL_IOC_CONSOLE:
		ret = ck_ioc_console(buf);
		break;
	case COKERNEL_IOC_COMMAND:
		ret = ck_ioc_command(buf);
		break;
	case COKERNEL_IOC_JOB_ATTACH:
		ret = ck_check_hdr(buf, size, "job attach");
		if (!ret)
			ret = ck_job_attach(file, buf);
		break;
	case COKERNEL_IOC_JOB_START:
		ret = ck_check_hdr(buf, size, "job start");
		if (!ret)
			ret = ck_job_start(file, buf);
		break;
	case COKERNEL_IOC_JOB_WAIT:
		ret = ck_check_hdr(buf, size, "job wait");
		if (!ret)
			ret = ck_job_wait(file, buf);
		break;
	default: /* COKERNEL_IOC_INFO */
		ret = ck_ioc_info(buf);
		break;
	}

	if (!ret && out && copy_to_user(uarg, buf, size))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}
