// SPDX-License-Identifier: GPL-2.0
/*
 * The enclave table: create, destroy, list and describe enclaves.
 *
 * Arguments reach these functions already validated by ioctl.c (header,
 * flags, counts, CPU numbers, range alignment).  What depends on the state
 * of the system (CPU online, resources already held) is checked here, under
 * ck_table_lock.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "boot.h"
#include "cokernel.h"

DEFINE_MUTEX(ck_table_lock);
static struct ck_enclave *ck_enclaves[COKERNEL_MAX_ENCLAVES];

struct ck_enclave *ck_enclave_lookup(int id)
{
	lockdep_assert_held(&ck_table_lock);
	if (id < 0 || id >= (int)COKERNEL_MAX_ENCLAVES)
		return NULL;
	return ck_enclaves[id];
}

static u64 ck_enclave_mem_bytes(const struct ck_enclave *e)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < e->nranges; i++)
		total += e->ranges[i].size;
	return total;
}

int ck_enclave_create(const struct cokernel_create *req, s32 *out_id)
{
	struct ck_enclave *e;
	int id, ret;
	u32 i;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->ncpus = req->ncpus;
	e->nranges = req->nranges;
	memcpy(e->cpus, req->cpus, sizeof(e->cpus[0]) * req->ncpus);
	memcpy(e->ranges, req->ranges, sizeof(e->ranges[0]) * req->nranges);
	for (i = 0; i < e->ncpus; i++)
		cpumask_set_cpu(e->cpus[i], &e->cpumask);

	mutex_lock(&ck_table_lock);
	for (id = 0; id < (int)COKERNEL_MAX_ENCLAVES; id++)
		if (!ck_enclaves[id])
			break;
	if (id == (int)COKERNEL_MAX_ENCLAVES) {
		pr_info("create: all %u enclave slots are in use\n",
			COKERNEL_MAX_ENCLAVES);
		ret = -ENOSPC;
		goto out_free;
	}
	e->id = id;

	for (i = 0; i < e->ncpus; i++) {
		unsigned int cpu = e->cpus[i];

		if (ck_cpu_claimed(cpu)) {
			pr_info("create: CPU %u is already held by an enclave\n", cpu);
			ret = -EBUSY;
			goto out_free;
		}
		if (!cpu_online(cpu)) {
			pr_info("create: CPU %u is offline; the module takes online CPUs offline itself\n",
				cpu);
			ret = -EINVAL;
			goto out_free;
		}
	}

	/* Memory first: it is only checked, so failing there costs nothing. */
	ret = ck_mem_claim(e);
	if (ret)
		goto out_free;
	ret = ck_cpus_take(e);
	if (ret)
		goto out_release_mem;

	e->state = COKERNEL_STATE_PARTITIONED;
	ck_enclaves[id] = e;
	__module_get(THIS_MODULE);	/* rmmod refuses while enclaves exist */
	pr_info("enclave %d created: CPUs %*pbl, %llu MiB in %u range(s), state %s\n",
		id, cpumask_pr_args(&e->cpumask), ck_enclave_mem_bytes(e) >> 20,
		e->nranges, cokernel_state_name(e->state));
	mutex_unlock(&ck_table_lock);
	*out_id = id;
	return 0;

out_release_mem:
	ck_mem_release(e);
out_free:
	mutex_unlock(&ck_table_lock);
	kfree(e);
	return ret;
}

/* DESTROY, or (owner not NULL) the release of a temporary enclave's file. */
int ck_enclave_destroy(s32 id, const struct file *owner)
{
	struct ck_enclave *e;

	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(id);
	if (!e || (owner && e->temp_owner != owner)) {
		mutex_unlock(&ck_table_lock);
		pr_info("destroy: no enclave %d\n", id);
		return -ENOENT;
	}
	if (atomic_read(&e->job_maps)) {
		mutex_unlock(&ck_table_lock);
		pr_info("destroy: enclave %d: a process still maps its job memory (cokernel run)\n", id);
		return -EBUSY;
	}
	/* Stop the co-kernel (INIT its CPUs) before Linux gets anything back. */
	ck_boot_teardown(e);
	/* Claims first, so the guards let Linux take the resources back. */
	ck_mem_release(e);
	ck_cpus_give(e);
	ck_enclaves[id] = NULL;
	mutex_unlock(&ck_table_lock);

	pr_info("enclave %d destroyed: CPUs %*pbl given back, %llu MiB released (online it through /sys/devices/system/memory)\n",
		id, cpumask_pr_args(&e->cpumask), ck_enclave_mem_bytes(e) >> 20);
	kfree(e);
	module_put(THIS_MODULE);
	return 0;
}

void ck_enclave_list(struct cokernel_list *list)
{
	u32 n = 0, id;

	for (id = 0; id < COKERNEL_MAX_ENCLAVES; id++)
		list->ids[id] = -1;
	mutex_lock(&ck_table_lock);
	for (id = 0; id < COKERNEL_MAX_ENCLAVES; id++)
		if (ck_enclaves[id])
			list->ids[n++] = id;
	mutex_unlock(&ck_table_lock);
	list->count = n;
}

int ck_enclave_info(struct cokernel_info *info)
{
	struct ck_enclave *e;

	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(info->id);
	if (!e) {
		mutex_unlock(&ck_table_lock);
		return -ENOENT;
	}
	ck_boot_update_state(e);
	info->state = e->state;
	info->ncpus = e->ncpus;
	info->nranges = e->nranges;
	memset(info->cpus, 0, sizeof(info->cpus));
	memset(info->ranges, 0, sizeof(info->ranges));
	memcpy(info->cpus, e->cpus, sizeof(info->cpus[0]) * e->ncpus);
	memcpy(info->ranges, e->ranges, sizeof(info->ranges[0]) * e->nranges);
	mutex_unlock(&ck_table_lock);
	return 0;
}

/* The boot-step ioctls: look the enclave up and hand it to boot.c. */
int ck_enclave_boot(const struct cokernel_boot *req)
{
	struct ck_enclave *e;
	int ret;

	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(req->id);
	ret = e ? ck_boot_enclave(e, req) : -ENOENT;
	mutex_unlock(&ck_table_lock);
	return ret;
}

int ck_enclave_console(struct cokernel_console_read *r)
{
	struct ck_enclave *e;
	int ret;

	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(r->id);
	ret = e ? ck_boot_console_read(e, r) : -ENOENT;
	mutex_unlock(&ck_table_lock);
	return ret;
}

int ck_enclave_command(struct cokernel_command *c)
{
	struct ck_enclave *e;
	int ret;

	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(c->id);
	ret = e ? ck_boot_command(e, c) : -ENOENT;
	mutex_unlock(&ck_table_lock);
	return ret;
}
