// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cokernel ioctls: decode (validate every field; may fail, changes
 * nothing) and hand over to the object that invokes them. User space is
 * untrusted; the errno of every check is listed in docs/module-interface.md.
 * The dispatch itself (lookup, capability, copy, header) is ioctl_table.c.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/mmzone.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "boot.h"
#include "cokernel.h"
#include "ioctl_table.h"

static bool ck_all_zero(const void *p, size_t len)
{
	return !len || memchr_inv(p, 0, len) == NULL;
}

static long ck_ioc_version(struct file *file, void *arg)
{
	struct cokernel_version *v = arg;

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
		pr_info("create: %u CPUs, must be 1..%u\n", c->ncpus, COKERNEL_MAX_ENCLAVE_CPUS);
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
	u64 bs = ck_block_size(), total = 0;
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
		if (check_add_overflow(s, size, &end) || end > (1ULL << MAX_PHYSMEM_BITS)) {
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
		total += size;
	}
	if (c->mem_size % bs || c->mem_size > total) {
		pr_info("create: mem_size %#llx must be a multiple of the block size %#llx and at most the candidates' %#llx bytes\n",
			c->mem_size, bs, total);
		return -EINVAL;
	}
	return 0;
}

static long ck_ioc_create(struct file *file, void *arg)
{
	struct cokernel_create *c = arg;
	int ret;

	if (c->flags & ~COKERNEL_CREATE_FLAGS_ALL) {
		pr_info("create: unknown flags %#x\n", c->flags & ~COKERNEL_CREATE_FLAGS_ALL);
		return -EINVAL;
	}
	ret = ck_check_create_cpus(c);
	if (!ret)
		ret = ck_check_create_ranges(c);
	if (!ret)
		ret = ck_enclave_create(file, c);
	return ret;
}

/* The enclave named by an ioctl, with a reference; logs and -ENOENT if none. */
static struct ck_enclave *ck_ioc_enclave(const char *what, s32 id, int *ret)
{
	struct ck_enclave *e = ck_enclave_get(id);

	*ret = e ? 0 : -ENOENT;
	if (!e)
		pr_info("%s: no enclave %d\n", what, id);
	return e;
}

static long ck_ioc_destroy(struct file *file, void *arg)
{
	struct cokernel_destroy *d = arg;
	struct ck_enclave *e;
	int ret;

	if (d->flags) {
		pr_info("destroy: unknown flags %#x\n", d->flags);
		return -EINVAL;
	}
	e = ck_ioc_enclave("destroy", d->id, &ret);
	if (!e)
		return ret;
	ret = ck_enclave_destroy(e, true);
	ck_enclave_put(e);
	return ret;
}

static long ck_ioc_keep(struct file *file, void *arg)
{
	struct cokernel_keep *k = arg;

	if (k->flags) {
		pr_info("keep: unknown flags %#x\n", k->flags);
		return -EINVAL;
	}
	return ck_enclave_keep(file, k->id);
}

static long ck_ioc_list(struct file *file, void *arg)
{
	struct cokernel_list *l = arg;

	if (l->pad) {
		pr_info("list: pad must be 0\n");
		return -EINVAL;
	}
	ck_enclave_list(l);
	return 0;
}

static long ck_ioc_info(struct file *file, void *arg)
{
	return ck_enclave_info(arg, capable(CAP_SYS_ADMIN));
}

static long ck_ioc_boot(struct file *file, void *arg)
{
	struct cokernel_boot *b = arg;
	struct ck_enclave *e;
	int ret;

	if (!b->image_size || b->image_size > CK_IMAGE_MAX) {
		pr_info("boot: image size %llu, must be 1..%u bytes\n", b->image_size, CK_IMAGE_MAX);
		return -EINVAL;
	}
	if (b->timeout_ms > COKERNEL_BOOT_TIMEOUT_MAX_MS) {
		pr_info("boot: timeout %u ms, at most %u\n", b->timeout_ms,
			COKERNEL_BOOT_TIMEOUT_MAX_MS);
		return -EINVAL;
	}
	if (strnlen(b->cmdline, sizeof(b->cmdline)) == sizeof(b->cmdline)) {
		pr_info("boot: command line not NUL-terminated\n");
		return -EINVAL;
	}
	e = ck_ioc_enclave("boot", b->id, &ret);
	if (!e)
		return ret;
	ret = ck_boot_enclave(e, b);
	ck_enclave_put(e);
	return ret;
}

static long ck_ioc_console(struct file *file, void *arg)
{
	struct cokernel_console_read *r = arg;
	struct ck_enclave *e;
	int ret;

	if (r->pad) {
		pr_info("console: pad must be 0\n");
		return -EINVAL;
	}
	e = ck_ioc_enclave("console", r->id, &ret);
	if (!e)
		return ret;
	ret = ck_console_read(e, r);
	ck_enclave_put(e);
	return ret;
}

static long ck_ioc_command(struct file *file, void *arg)
{
	struct cokernel_command *c = arg;
	struct ck_enclave *e;
	int ret;

	if (c->pad) {
		pr_info("command: pad must be 0\n");
		return -EINVAL;
	}
	if (c->cmd != COKERNEL_CMD_PING && c->cmd != COKERNEL_CMD_FAULT) {
		pr_info("command: unknown command %u\n", c->cmd);
		return -EINVAL;
	}
	if (c->cmd == COKERNEL_CMD_FAULT &&
	    (c->arg < COKERNEL_FAULT_PANIC || c->arg > COKERNEL_FAULT_STACK)) {
		pr_info("command: unknown fault kind %llu\n", c->arg);
		return -EINVAL;
	}
	e = ck_ioc_enclave("command", c->id, &ret);
	if (!e)
		return ret;
	ret = ck_user_command(e, c);
	ck_enclave_put(e);
	return ret;
}

static long ck_ioc_job_attach(struct file *file, void *arg)
{
	return ck_job_attach(file, arg);
}

static long ck_ioc_job_start(struct file *file, void *arg)
{
	return ck_job_start(file, arg);
}

static long ck_ioc_job_wait(struct file *file, void *arg)
{
	return ck_job_wait(file, arg);
}

static long ck_ioc_job_seal(struct file *file, void *arg)
{
	return ck_job_seal(file, arg);
}

static long ck_ioc_job_signal(struct file *file, void *arg)
{
	return ck_job_signal(file, arg);
}

#define CK_IOC(c, n, f, h) { .cmd = (c), .name = (n), .revision = COKERNEL_ABI_REVISION, \
			     .flags = (f), .handler = (h) }

static const struct ck_ioctl_desc ck_ioctls[] = {
	CK_IOC(COKERNEL_IOC_VERSION, "version", CK_IOC_OUT, ck_ioc_version),
	CK_IOC(COKERNEL_IOC_CREATE, "create", CK_IOC_ADMIN | CK_IOC_OUT, ck_ioc_create),
	CK_IOC(COKERNEL_IOC_DESTROY, "destroy", CK_IOC_ADMIN, ck_ioc_destroy),
	CK_IOC(COKERNEL_IOC_LIST, "list", CK_IOC_OUT, ck_ioc_list),
	CK_IOC(COKERNEL_IOC_INFO, "info", CK_IOC_OUT, ck_ioc_info),
	CK_IOC(COKERNEL_IOC_KEEP, "keep", CK_IOC_ADMIN, ck_ioc_keep),
	CK_IOC(COKERNEL_IOC_BOOT, "boot", CK_IOC_ADMIN, ck_ioc_boot),
	CK_IOC(COKERNEL_IOC_CONSOLE, "console", CK_IOC_ADMIN | CK_IOC_OUT, ck_ioc_console),
	CK_IOC(COKERNEL_IOC_COMMAND, "command", CK_IOC_ADMIN | CK_IOC_OUT, ck_ioc_command),
	CK_IOC(COKERNEL_IOC_JOB_ATTACH, "job attach", CK_IOC_ADMIN | CK_IOC_OUT, ck_ioc_job_attach),
	/* The file was attached by root; its holder may be the job's user now. */
	CK_IOC(COKERNEL_IOC_JOB_START, "job start", 0, ck_ioc_job_start),
	CK_IOC(COKERNEL_IOC_JOB_WAIT, "job wait", CK_IOC_OUT, ck_ioc_job_wait),
	CK_IOC(COKERNEL_IOC_JOB_SEAL, "job seal", 0, ck_ioc_job_seal),
	CK_IOC(COKERNEL_IOC_JOB_SIGNAL, "job signal", 0, ck_ioc_job_signal),
};

long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (cmd != COKERNEL_IOC_JOB_WAIT && cmd != COKERNEL_IOC_JOB_SIGNAL && ck_file_sealed(file)) {
		pr_info_ratelimited("ioctl %#x on a sealed proxy file: only JOB_WAIT and JOB_SIGNAL are taken\n",
				    cmd);
		return -EPERM;
	}
	return ck_ioctl_dispatch("cokernel", ck_ioctls, ARRAY_SIZE(ck_ioctls), file, cmd, arg);
}
