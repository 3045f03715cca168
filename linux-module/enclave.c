// SPDX-License-Identifier: GPL-2.0
/*
 * Enclaves: the table, references, create, destroy, keep, list and info.
 *
 * Arguments reach these functions already validated by ioctl.c (header,
 * flags, counts, CPU numbers, range alignment). What depends on the state of
 * the system (CPU online, memory blocks, resources already held) is checked
 * here. Locking: cokernel.h.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "boot.h"
#include "cokernel.h"

static DEFINE_SPINLOCK(ck_table_lock);
static struct ck_enclave *ck_enclaves[COKERNEL_MAX_ENCLAVES];
static DECLARE_BITMAP(ck_ids_busy, COKERNEL_MAX_ENCLAVES);	/* listed or being created */

struct workqueue_struct *ck_wq;

struct ck_enclave *ck_enclave_get(int id)
{
	struct ck_enclave *e = NULL;

	if (id < 0 || id >= (int)COKERNEL_MAX_ENCLAVES)
		return NULL;
	spin_lock(&ck_table_lock);
	if (ck_enclaves[id]) {
		e = ck_enclaves[id];
		kref_get(&e->ref);
	}
	spin_unlock(&ck_table_lock);
	return e;
}

static void ck_enclave_free(struct kref *ref)
{
	struct ck_enclave *e = container_of(ref, struct ck_enclave, ref);

	WARN_ON(!e->gone);
	ck_memblk_free(e);
	put_pid(e->proxy_pid);
	kfree(e);
}

void ck_enclave_put(struct ck_enclave *e)
{
	if (e)
		kref_put(&e->ref, ck_enclave_free);
}

static u64 ck_mem_bytes(const struct cokernel_mem_range *r, u32 n)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < n; i++)
		total += r[i].size;
	return total;
}

u32 ck_enclave_state(struct ck_enclave *e)
{
	u32 state;

	spin_lock(&e->state_lock);
	if (e->state == COKERNEL_STATE_RUNNING && e->boot && ck_boot_panicked(e->boot)) {
		e->state = COKERNEL_STATE_FAILED;
		pr_info("enclave %d failed: the co-kernel panicked (cokernel console %d)\n", e->id,
			e->id);
	}
	state = e->state;
	spin_unlock(&e->state_lock);
	return state;
}

void ck_enclave_set_state(struct ck_enclave *e, u32 state)
{
	spin_lock(&e->state_lock);
	e->state = state;
	spin_unlock(&e->state_lock);
}

static void ck_enclave_destroy_work(struct work_struct *work)
{
	struct ck_enclave *e = container_of(work, struct ck_enclave, destroy_work);

	ck_enclave_destroy(e, false);
	ck_enclave_put(e);	/* the work's reference */
}

static int ck_id_reserve(void)
{
	int id;

	spin_lock(&ck_table_lock);
	id = find_first_zero_bit(ck_ids_busy, COKERNEL_MAX_ENCLAVES);
	if (id < (int)COKERNEL_MAX_ENCLAVES)
		__set_bit(id, ck_ids_busy);
	else
		id = -ENOSPC;
	spin_unlock(&ck_table_lock);
	return id;
}

static void ck_id_release(int id)
{
	spin_lock(&ck_table_lock);
	ck_enclaves[id] = NULL;
	__clear_bit(id, ck_ids_busy);
	spin_unlock(&ck_table_lock);
}

/* The CPU list from e->cpumask (after a partial give-back), for readers. */
static void ck_publish_cpus(struct ck_enclave *e)
{
	u32 i, n = 0;

	spin_lock(&e->state_lock);
	for (i = 0; i < e->ncpus; i++)
		if (cpumask_test_cpu(e->cpus[i], &e->cpumask))
			e->cpus[n++] = e->cpus[i];
	memset(&e->cpus[n], 0, sizeof(e->cpus[0]) * (COKERNEL_MAX_ENCLAVE_CPUS - n));
	e->ncpus = n;
	spin_unlock(&e->state_lock);
}

int ck_enclave_create(struct file *file, struct cokernel_create *req)
{
	struct ck_file *cf = file->private_data;
	bool temporary = req->flags & COKERNEL_CREATE_TEMPORARY;
	struct ck_enclave *e;
	int ret;
	u32 i;

	ret = mutex_lock_killable(&cf->lock);
	if (ret)
		return ret;
	if (temporary && cf->temp) {
		pr_info("create: this file already owns temporary enclave %d\n", cf->temp->id);
		ret = -EBUSY;
		goto out_file;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		ret = -ENOMEM;
		goto out_file;
	}
	kref_init(&e->ref);	/* the table's */
	mutex_init(&e->lock);
	spin_lock_init(&e->state_lock);
	INIT_WORK(&e->destroy_work, ck_enclave_destroy_work);
	e->ncpus = req->ncpus;
	memcpy(e->cpus, req->cpus, sizeof(e->cpus[0]) * req->ncpus);
	e->id = ck_id_reserve();
	if (e->id < 0) {
		pr_info("create: all %u enclave slots are in use\n", COKERNEL_MAX_ENCLAVES);
		ret = e->id;
		kfree(e);
		goto out_file;
	}

	/* CPUs first: they are cheaper to give back than memory. */
	ret = ck_cpus_take(e);
	if (!ret) {
		ret = ck_memblk_take(e, req->ranges, req->nranges, req->mem_size);
		if (ret)
			ck_cpus_give(e);
	}
	if (ret && !e->nblocks && cpumask_empty(&e->cpumask)) {
		if (ret == -EINTR)
			pr_info("create: interrupted by a signal; everything went back\n");
		ck_id_release(e->id);
		ck_memblk_free(e);
		kfree(e);
		goto out_file;
	}
	if (ret) {
		/* The rollback left something offline: keep it listed, DESTROY retries. */
		ck_publish_cpus(e);
		e->state = COKERNEL_STATE_LEFTOVER;
		temporary = false;
	} else {
		e->state = COKERNEL_STATE_PARTITIONED;
	}
	if (temporary) {
		e->temp_owner = file;
		kref_get(&e->ref);
		cf->temp = e;
	}
	__module_get(THIS_MODULE);	/* rmmod refuses while enclaves exist */
	spin_lock(&ck_table_lock);
	ck_enclaves[e->id] = e;
	spin_unlock(&ck_table_lock);
	if (ret) {
		pr_warn("enclave %d: create failed (%d) and could not give everything back; listed as leftover (cokernel destroy %d retries)\n",
			e->id, ret, e->id);
		goto out_file;
	}
	pr_info("enclave %d created: CPUs %*pbl, %llu MiB in %u range(s), state %s%s\n", e->id,
		cpumask_pr_args(&e->cpumask), ck_mem_bytes(e->ranges, e->nranges) >> 20, e->nranges,
		cokernel_state_name(e->state), temporary ? ", temporary" : "");
	req->id = e->id;
	req->nranges = e->nranges;
	memset(req->ranges, 0, sizeof(req->ranges));
	for (i = 0; i < e->nranges; i++)
		req->ranges[i] = e->ranges[i];
out_file:
	mutex_unlock(&cf->lock);
	return ret;
}

/* Refuses (EBUSY) while the job space is mapped; with @defer, the last unmap destroys it. */
static int ck_destroy_begin(struct ck_enclave *e, bool defer)
{
	int maps;

	spin_lock(&e->state_lock);
	maps = e->job_maps;
	if (maps && defer)
		e->destroy_unmapped = true;
	if (!maps)
		e->dying = true;
	spin_unlock(&e->state_lock);
	if (!maps)
		return 0;
	if (defer)
		pr_warn("enclave %d: temporary, and a process still maps its job memory: destroyed when it unmaps\n",
			e->id);
	else
		pr_info("destroy: enclave %d: a process (cokernel run, pid %d) still maps its job memory; end it first\n",
			e->id, e->proxy_pid ? pid_nr(e->proxy_pid) : 0);
	return -EBUSY;
}

/* DESTROY, the release of a temporary enclave's file, or its deferred destroy. */
int ck_enclave_destroy(struct ck_enclave *e, bool from_ioctl)
{
	u64 mem;
	int ret, stuck;

	if (from_ioctl) {
		ret = mutex_lock_killable(&e->lock);
		if (ret)
			return ret;
	} else {
		mutex_lock(&e->lock);	/* a dying task's release must still get it */
	}
	if (e->gone) {
		ret = -ENOENT;
		goto out;
	}
	ret = ck_destroy_begin(e, !from_ioctl);
	if (ret)
		goto out;
	/* Stop the co-kernel (INIT its CPUs) before Linux gets anything back. */
	ck_boot_teardown(e);
	mem = ck_mem_bytes(e->ranges, e->nranges);
	stuck = ck_cpus_give(e);
	stuck += ck_memblk_give(e);
	ck_publish_cpus(e);
	if (stuck) {
		ck_enclave_set_state(e, COKERNEL_STATE_LEFTOVER);
		pr_warn("enclave %d: %d CPU(s) or memory block(s) did not go back to Linux; it stays listed as leftover (cokernel destroy %d retries)\n",
			e->id, stuck, e->id);
		ret = -EIO;
		goto out;
	}
	spin_lock(&e->state_lock);
	e->gone = true;
	spin_unlock(&e->state_lock);
	e->temp_owner = NULL;
	ck_id_release(e->id);
	pr_info("enclave %d destroyed: CPUs and %llu MiB of memory are back online\n", e->id,
		mem >> 20);
	mutex_unlock(&e->lock);
	module_put(THIS_MODULE);
	ck_enclave_put(e);	/* the table's reference; the caller still holds one */
	return 0;
out:
	mutex_unlock(&e->lock);
	return ret;
}

void ck_enclave_unmapped(struct ck_enclave *e)
{
	bool destroy;

	spin_lock(&e->state_lock);
	e->job_maps--;
	destroy = !e->job_maps && e->destroy_unmapped;
	if (destroy)
		e->destroy_unmapped = false;
	spin_unlock(&e->state_lock);
	if (destroy) {
		kref_get(&e->ref);
		queue_work(ck_wq, &e->destroy_work);
	}
}

int ck_enclave_keep(struct file *file, s32 id)
{
	struct ck_file *cf = file->private_data;
	struct ck_enclave *e;
	int ret;

	ret = mutex_lock_killable(&cf->lock);
	if (ret)
		return ret;
	e = cf->temp;
	if (!e || e->id != id || READ_ONCE(e->gone)) {
		pr_info("keep: enclave %d is not a temporary enclave of this file\n", id);
		ret = -EPERM;
		goto out;
	}
	ret = mutex_lock_killable(&e->lock);
	if (ret)
		goto out;
	e->temp_owner = NULL;
	mutex_unlock(&e->lock);
	cf->temp = NULL;
	ck_enclave_put(e);
	pr_info("enclave %d is permanent now\n", id);
out:
	mutex_unlock(&cf->lock);
	return ret;
}

/* The release of a file that created a temporary enclave: destroy it. */
void ck_file_release_temp(struct file *file, struct ck_file *cf)
{
	struct ck_enclave *e = cf->temp;
	bool ours;

	if (!e)
		return;
	cf->temp = NULL;
	mutex_lock(&e->lock);
	ours = e->temp_owner == file && !e->gone;
	e->temp_owner = NULL;
	mutex_unlock(&e->lock);
	if (ours)
		ck_enclave_destroy(e, false);
	ck_enclave_put(e);
}

void ck_enclave_list(struct cokernel_list *list)
{
	u32 n = 0, id;

	for (id = 0; id < COKERNEL_MAX_ENCLAVES; id++)
		list->ids[id] = -1;
	spin_lock(&ck_table_lock);
	for (id = 0; id < COKERNEL_MAX_ENCLAVES; id++)
		if (ck_enclaves[id])
			list->ids[n++] = id;
	spin_unlock(&ck_table_lock);
	list->count = n;
}

int ck_enclave_info(struct cokernel_info *info, bool show_addresses)
{
	struct ck_enclave *e = ck_enclave_get(info->id);
	u32 i;

	if (!e)
		return -ENOENT;
	info->state = ck_enclave_state(e);
	memset(info->cpus, 0, sizeof(info->cpus));
	memset(info->ranges, 0, sizeof(info->ranges));
	info->pad = 0;
	spin_lock(&e->state_lock);
	info->ncpus = e->ncpus;
	info->nranges = e->nranges;
	memcpy(info->cpus, e->cpus, sizeof(info->cpus[0]) * e->ncpus);
	memcpy(info->ranges, e->ranges, sizeof(info->ranges[0]) * e->nranges);
	info->flags = (READ_ONCE(e->temp_owner) ? COKERNEL_INFO_TEMPORARY : 0) |
		      (e->proxy_pid ? COKERNEL_INFO_JOB : 0);
	info->job_maps = e->job_maps;
	info->proxy_pid = e->proxy_pid ? pid_vnr(e->proxy_pid) : 0;
	spin_unlock(&e->state_lock);
	if (!show_addresses) {
		info->flags |= COKERNEL_INFO_ADDR_HIDDEN;
		for (i = 0; i < info->nranges; i++)
			info->ranges[i].start = 0;
	}
	ck_enclave_put(e);
	return 0;
}
