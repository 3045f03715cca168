// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs: the proxy (`cokernel run`) maps its enclave's job region into its own
 * address space (docs/run.md). COKERNEL_IOC_JOB_ATTACH binds an open
 * /dev/cokernel to one running enclave; mmap() on that file then maps part of
 * the job region -- and nothing else -- with remap_pfn_range(). While any such
 * mapping exists the enclave cannot be destroyed (EBUSY), so its memory never
 * goes back to Linux while a process still maps it.
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

	if (a->pad) {
		pr_info("job attach: pad must be 0\n");
		return -EINVAL;
	}
	mutex_lock(&ck_table_lock);
	e = ck_enclave_lookup(a->id);
	if (!e) {
		mutex_unlock(&ck_table_lock);
		pr_info("job attach: no enclave %d\n", a->id);
		return -ENOENT;
	}
	ck_boot_update_state(e);
	if (e->state != COKERNEL_STATE_RUNNING) {
		mutex_unlock(&ck_table_lock);
		pr_info("job attach: enclave %d is %s, not running\n", a->id, cokernel_state_name(e->state));
		return -ESRCH;
	}
	phys = ck_job_region(e, &size);
	mutex_unlock(&ck_table_lock);
	if (!phys) {
		pr_info("job attach: enclave %d has no room for a job region\n", a->id);
		return -ENOSPC;
	}
	jf = kzalloc(sizeof(*jf), GFP_KERNEL);
	if (!jf)
		return -ENOMEM;
	jf->id = a->id;
	jf->phys = phys;
	jf->size = size;
	/* One attachment per open file; the misc core left our miscdevice here. */
	spin_lock(&file->f_lock);
	if (file->private_data && ((unsigned long)file->private_data & 1)) {
		spin_unlock(&file->f_lock);
		kfree(jf);
		pr_info("job attach: this file is already attached\n");
		return -EBUSY;
	}
	file->private_data = (void *)((unsigned long)jf | 1);
	spin_unlock(&file->f_lock);
	a->region_size = size;
	a->ctl_offset = size - COKERNEL_JOB_CTL_SIZE;
	return 0;
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

int ck_job_release(struct inode *inode, struct file *file)
{
	kfree(ck_job_file(file));
	return 0;
}
