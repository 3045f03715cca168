// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs: the proxy (`cokernel run`) maps its enclave's job region into its own
 * address space (docs/run.md). COKERNEL_IOC_JOB_ATTACH binds an open
 * /dev/cokernel to one running enclave; mmap() on that file then maps part of
 * the job region -- and nothing else -- with remap_pfn_range(). While any such
 * mapping exists the enclave cannot be destroyed (EBUSY), so its memory never
 * goes back to Linux while a process still maps it.
 *
 * The proxy's file (COKERNEL_JOB_ATTACH_PROXY) ties the job to the proxy's
 * life: COKERNEL_IOC_JOB_START rings the doorbell for it, and its release --
 * normal exit, SIGKILL, anything -- tells the co-kernel to end the job it
 * started; with COKERNEL_JOB_ATTACH_TEMPORARY the release destroys the
 * enclave too. Both are decided by the open file, not by the credentials of
 * whoever holds it now: the proxy drops to the user's after attaching.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/version.h>

#include <cokernel/job.h>

#include "boot.h"
#include "cokernel.h"

struct ck_job_file {
	int id;
	u32 flags;	/* COKERNEL_JOB_ATTACH_* */
	u64 phys;
	u64 size;
};

/* The region of e (ck_table_lock held): 0 when there is none. */
static u64 ck_job_region(const struct ck_enclave *e, u64 *size)
{
	const struct cokernel_mem_range *last = &e->ranges[e->nranges - 1];

	return cokernel_job_region(last->start, last->size, size);
}

int ck_job_attach(struct file *file, struct cokernel_job_attach *a)
{
	struct ck_job_file *jf;
	struct ck_enclave *e;
	u64 phys, size = 0;
	int ret;

	if (a->flags & ~COKERNEL_JOB_ATTACH_FLAGS_ALL) {
		pr_info("job attach: unknown flags %#x\n", a->flags & ~COKERNEL_JOB_ATTACH_FLAGS_ALL);
		return -EINVAL;
	}
	jf = kzalloc(sizeof(*jf), GFP_KERNEL);
	if (!jf)
		return -ENOMEM;
	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(a->id);
	if (!e) {
		pr_info("job attach: no enclave %d\n", a->id);
		ret = -ENOENT;
		goto out;
	}
	ck_boot_update_state(e);
	if (e->state != COKERNEL_STATE_RUNNING) {
		pr_info("job attach: enclave %d is %s, not running\n", a->id, cokernel_state_name(e->state));
		ret = -ESRCH;
		goto out;
	}
	phys = ck_job_region(e, &size);
	if (!phys) {
		pr_info("job attach: enclave %d has no room for a job region\n", a->id);
		ret = -ENOSPC;
		goto out;
	}
	if ((a->flags & COKERNEL_JOB_ATTACH_PROXY) && e->job_proxy) {
		pr_info("job attach: enclave %d already has a proxy (a job is running)\n", a->id);
		ret = -EBUSY;
		goto out;
	}
	if ((a->flags & COKERNEL_JOB_ATTACH_TEMPORARY) && e->temp_owner) {
		pr_info("job attach: enclave %d is already temporary\n", a->id);
		ret = -EBUSY;
		goto out;
	}
	jf->id = a->id;
	jf->flags = a->flags;
	jf->phys = phys;
	jf->size = size;
	/* One attachment per open file; the misc core left our miscdevice here. */
	spin_lock(&file->f_lock);
	if (file->private_data && ((unsigned long)file->private_data & 1)) {
		spin_unlock(&file->f_lock);
		pr_info("job attach: this file is already attached\n");
		ret = -EBUSY;
		goto out;
	}
	file->private_data = (void *)((unsigned long)jf | 1);
	spin_unlock(&file->f_lock);
	if (a->flags & COKERNEL_JOB_ATTACH_PROXY)
		e->job_proxy = file;
	if (a->flags & COKERNEL_JOB_ATTACH_TEMPORARY)
		e->temp_owner = file;
	jf = NULL;
	a->region_size = size;
	a->ctl_offset = size - COKERNEL_JOB_CTL_SIZE;
	ret = 0;
out:
	mutex_unlock(&ck_table_lock);
	kfree(jf);
	return ret;
}

static struct ck_job_file *ck_job_file(struct file *file)
{
	unsigned long p = (unsigned long)READ_ONCE(file->private_data);

	return (p & 1) ? (struct ck_job_file *)(p & ~1ul) : NULL;
}

static void ck_job_vm_open(struct vm_area_struct *vma)
{
	struct ck_enclave *e = vma->vm_private_data;

	atomic_inc(&e->job_maps);
}

static void ck_job_vm_close(struct vm_area_struct *vma)
{
	struct ck_enclave *e = vma->vm_private_data;

	atomic_dec(&e->job_maps);
}

static const struct vm_operations_struct ck_job_vm_ops = {
	.open = ck_job_vm_open,
	.close = ck_job_vm_close,
};

int ck_job_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ck_job_file *jf = ck_job_file(file);
	u64 len = vma->vm_end - vma->vm_start;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct ck_enclave *e;
	int ret;

	if (!jf) {
		pr_info("mmap: attach the file to an enclave's job first (COKERNEL_IOC_JOB_ATTACH)\n");
		return -EINVAL;
	}
	if (vma->vm_pgoff >= (jf->size >> PAGE_SHIFT) || len > jf->size - off) {
		pr_info("mmap: offset 0x%llx + 0x%llx outside the job region (0x%llx bytes)\n", off, len, jf->size);
		return -EINVAL;
	}
	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(jf->id);
	if (!e || e->state != COKERNEL_STATE_RUNNING) {
		mutex_unlock(&ck_table_lock);
		pr_info("mmap: enclave %d is gone or not running\n", jf->id);
		return -ESRCH;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
#endif
	ret = remap_pfn_range(vma, vma->vm_start, (jf->phys + off) >> PAGE_SHIFT, len, vma->vm_page_prot);
	if (!ret) {
		vma->vm_private_data = e;
		vma->vm_ops = &ck_job_vm_ops;
		atomic_inc(&e->job_maps);
	}
	mutex_unlock(&ck_table_lock);
	return ret;
}

int ck_job_start(struct file *file, const struct cokernel_job_start *s)
{
	struct ck_job_file *jf = ck_job_file(file);
	struct ck_enclave *e;
	int ret;

	if (s->flags || s->pad) {
		pr_info("job start: flags and pad must be 0\n");
		return -EINVAL;
	}
	if (!jf || !(jf->flags & COKERNEL_JOB_ATTACH_PROXY)) {
		pr_info("job start: attach the file as the proxy first (COKERNEL_JOB_ATTACH_PROXY)\n");
		return -EINVAL;
	}
	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(jf->id);
	if (!e || e->job_proxy != file)
		ret = -ESRCH;
	else
		ret = ck_boot_job_command(e, COKERNEL_CMD_PING);
	mutex_unlock(&ck_table_lock);
	return ret;
}

int ck_job_wait(struct file *file, struct cokernel_job_wait *w)
{
	struct ck_job_file *jf = ck_job_file(file);
	int ret = 0;

	if (w->pad || !w->timeout_us || w->timeout_us > USEC_PER_SEC) {
		pr_info("job wait: timeout_us must be 1..1000000 and pad 0\n");
		return -EINVAL;
	}
	if (!jf || !(jf->flags & COKERNEL_JOB_ATTACH_PROXY)) {
		pr_info("job wait: attach the file as the proxy first (COKERNEL_JOB_ATTACH_PROXY)\n");
		return -EINVAL;
	}
	if (ck_notify_count() == (unsigned long)w->count)
		ret = ck_notify_wait_interruptible((unsigned long)w->count, w->timeout_us);
	w->count = ck_notify_count();
	return ret;
}

/*
 * The proxy's file goes away, however its process ended. A job it started
 * must not wait forever for answers: COKERNEL_CMD_JOB_END (a no-op for a
 * co-kernel whose job already exited). A temporary enclave is destroyed
 * instead, which stops its job with it.
 */
static void ck_job_detach(struct file *file, const struct ck_job_file *jf)
{
	struct ck_enclave *e;
	bool destroy;

	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(jf->id);
	if (e && e->job_proxy == file) {
		e->job_proxy = NULL;
		if (e->temp_owner != file)
			ck_boot_job_command(e, COKERNEL_CMD_JOB_END);
	}
	destroy = e && e->temp_owner == file;
	mutex_unlock(&ck_table_lock);
	/*
	 * This file's mappings are gone (each held a reference to it); another
	 * process that maps the region makes the destroy fail: say so, and let
	 * DESTROY reclaim it later.
	 */
	if (destroy && ck_enclave_destroy(jf->id, file) == -EBUSY) {
		mutex_lock(&ck_table_lock);
		e = ck_enclave_lookup(jf->id);
		if (e && e->temp_owner == file)
			e->temp_owner = NULL;
		mutex_unlock(&ck_table_lock);
		pr_warn("enclave %d: temporary, but another process maps its job memory; left in place (cokernel destroy %d)\n",
			jf->id, jf->id);
	}
}

int ck_job_release(struct inode *inode, struct file *file)
{
	struct ck_job_file *jf = ck_job_file(file);

	if (jf && jf->flags)
		ck_job_detach(file, jf);
	kfree(jf);
	return 0;
}
