// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs: the proxy (`cokernel run`) maps its enclave's job space into its own
 * address space (docs/run.md). COKERNEL_IOC_JOB_ATTACH binds an open
 * /dev/cokernel to one running enclave -- the enclave itself, by reference,
 * not its id; mmap() on that file then maps part of the job space (all of
 * the enclave's memory but the co-kernel's reserve, cokernel_job_space() in
 * job.h) -- and nothing else -- with remap_pfn_range(), one call per
 * physically contiguous piece. While any such mapping exists the enclave
 * cannot be destroyed (EBUSY), so its memory never goes back to
 * Linux while a process still maps it; once it is destroyed, the file maps
 * nothing (ENODEV), whatever enclave gets the id next.
 *
 * The proxy's file (COKERNEL_JOB_ATTACH_PROXY) ties the job to the proxy's
 * life: COKERNEL_IOC_JOB_START rings the doorbell for it (once), and its
 * release -- normal exit, SIGKILL, anything -- tells the co-kernel to end
 * the job it started. After COKERNEL_IOC_JOB_SEAL the file takes JOB_WAIT
 * and nothing else, whoever holds it: the proxy drops to the user's
 * credentials after attaching, and what it keeps must not be worth stealing.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>

#include "boot.h"
#include "cokernel.h"
#include "compat.h"

bool ck_file_sealed(struct file *file)
{
	const struct ck_file *cf = file->private_data;

	return READ_ONCE(cf->sealed);
}

/* The attached enclave (a reference held by the file), or NULL. */
static struct ck_enclave *ck_file_job(struct file *file)
{
	struct ck_file *cf = file->private_data;

	return smp_load_acquire(&cf->job);
}

static int ck_job_attach_locked(struct file *file, struct ck_file *cf, struct ck_enclave *e,
				struct cokernel_job_attach *a)
{
	u64 size;

	if (ck_enclave_state(e) != COKERNEL_STATE_RUNNING) {
		pr_info("job attach: enclave %d is %s, not running\n", a->id,
			cokernel_state_name(ck_enclave_state(e)));
		return -ESRCH;
	}
	size = cokernel_job_space(e->ranges, e->nranges, cf->pieces);
	if (!size) {
		pr_info("job attach: enclave %d has no room for a job\n", a->id);
		return -ENOSPC;
	}
	if ((a->flags & COKERNEL_JOB_ATTACH_PROXY) && e->job_proxy) {
		pr_info("job attach: enclave %d already has a proxy (a job is running)\n", a->id);
		return -EBUSY;
	}
	if (a->flags & COKERNEL_JOB_ATTACH_PROXY) {
		e->job_proxy = file;
		spin_lock(&e->state_lock);
		e->proxy_pid = get_pid(task_tgid(current));
		spin_unlock(&e->state_lock);
	}
	cf->job_flags = a->flags;
	cf->npieces = e->nranges;
	cf->region_size = size;
	smp_store_release(&cf->job, e);	/* the caller's reference passes to the file */
	a->region_size = size;
	a->ctl_offset = size - COKERNEL_JOB_CTL_SIZE;
	return 0;
}

int ck_job_attach(struct file *file, struct cokernel_job_attach *a)
{
	struct ck_file *cf = file->private_data;
	struct ck_enclave *e;
	int ret;

	if (a->flags & ~COKERNEL_JOB_ATTACH_FLAGS_ALL) {
		pr_info("job attach: unknown flags %#x\n", a->flags & ~COKERNEL_JOB_ATTACH_FLAGS_ALL);
		return -EINVAL;
	}
	ret = mutex_lock_killable(&cf->lock);
	if (ret)
		return ret;
	if (cf->job) {
		pr_info("job attach: this file is already attached\n");
		ret = -EBUSY;
		goto out_file;
	}
	e = ck_enclave_get(a->id);
	if (!e) {
		pr_info("job attach: no enclave %d\n", a->id);
		ret = -ENOENT;
		goto out_file;
	}
	ret = mutex_lock_killable(&e->lock);
	if (!ret) {
		ret = ck_job_attach_locked(file, cf, e, a);
		mutex_unlock(&e->lock);
	}
	if (ret)
		ck_enclave_put(e);
out_file:
	mutex_unlock(&cf->lock);
	return ret;
}

static void ck_job_vm_open(struct vm_area_struct *vma)
{
	struct ck_enclave *e = vma->vm_private_data;

	spin_lock(&e->state_lock);
	e->job_maps++;
	spin_unlock(&e->state_lock);
}

static void ck_job_vm_close(struct vm_area_struct *vma)
{
	ck_enclave_unmapped(vma->vm_private_data);
}

static const struct vm_operations_struct ck_job_vm_ops = {
	.open = ck_job_vm_open,
	.close = ck_job_vm_close,
};

/* Maps job-space [off, off + len) at the start of vma, piece by piece. */
static int ck_job_remap(struct vm_area_struct *vma, const struct ck_file *cf, u64 off, u64 len)
{
	u32 i;
	int ret;

	for (i = 0; i < cf->npieces; i++) {
		const struct cokernel_job_piece *p = &cf->pieces[i];
		u64 from = max(off, p->off), to = min(off + len, p->off + p->size);

		if (from >= to)
			continue;
		ret = remap_pfn_range(vma, vma->vm_start + (from - off),
				      (p->phys + (from - p->off)) >> PAGE_SHIFT, to - from,
				      vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* Counts a new mapping unless the enclave is going or not running. */
static int ck_job_map_begin(struct ck_enclave *e)
{
	int ret = 0;

	spin_lock(&e->state_lock);
	if (e->gone || e->dying)
		ret = -ENODEV;
	else if (e->state != COKERNEL_STATE_RUNNING)
		ret = -ESRCH;
	else
		e->job_maps++;
	spin_unlock(&e->state_lock);
	return ret;
}

int ck_job_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ck_file *cf = file->private_data;
	struct ck_enclave *e = ck_file_job(file);
	u64 len = vma->vm_end - vma->vm_start;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	int ret;

	if (!e) {
		pr_info("mmap: attach the file to an enclave's job first (COKERNEL_IOC_JOB_ATTACH)\n");
		return -EINVAL;
	}
	if (READ_ONCE(cf->sealed)) {
		pr_info_ratelimited("mmap: the proxy file is sealed\n");
		return -EPERM;
	}
	if (vma->vm_pgoff >= (cf->region_size >> PAGE_SHIFT) || len > cf->region_size - off) {
		pr_info("mmap: offset 0x%llx + 0x%llx outside the job space (0x%llx bytes)\n", off, len,
			cf->region_size);
		return -EINVAL;
	}
	ret = ck_job_map_begin(e);
	if (ret) {
		pr_info("mmap: enclave %d is %s\n", e->id,
			ret == -ENODEV ? "destroyed (this file maps nothing any more)" : "not running");
		return ret;
	}
	ck_vma_flags(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY, 0);
	ret = ck_job_remap(vma, cf, off, len);
	if (ret) {
		ck_enclave_unmapped(e);
		return ret;
	}
	vma->vm_private_data = e;
	vma->vm_ops = &ck_job_vm_ops;
	return 0;
}

/* The proxy's file, with its enclave: NULL and -EINVAL if it is not one. */
static struct ck_enclave *ck_proxy_file(struct file *file, const char *what, int *ret)
{
	struct ck_file *cf = file->private_data;
	struct ck_enclave *e = ck_file_job(file);

	*ret = 0;
	if (!e || !(cf->job_flags & COKERNEL_JOB_ATTACH_PROXY)) {
		pr_info("%s: attach the file as the proxy first (COKERNEL_JOB_ATTACH_PROXY)\n", what);
		*ret = -EINVAL;
		return NULL;
	}
	return e;
}

int ck_job_start(struct file *file, const struct cokernel_job_start *s)
{
	struct ck_file *cf = file->private_data;
	struct ck_enclave *e;
	int ret;

	if (s->flags || s->pad) {
		pr_info("job start: flags and pad must be 0\n");
		return -EINVAL;
	}
	e = ck_proxy_file(file, "job start", &ret);
	if (!e)
		return ret;
	ret = mutex_lock_killable(&cf->lock);
	if (ret)
		return ret;
	if (cf->started) {
		pr_info("job start: this proxy file started its job already\n");
		ret = -EBUSY;
		goto out;
	}
	ret = mutex_lock_killable(&e->lock);
	if (ret)
		goto out;
	if (e->job_proxy != file)
		ret = -ESRCH;
	else
		ret = ck_job_command(e, COKERNEL_CMD_PING, 0, true);
	mutex_unlock(&e->lock);
	if (!ret)
		cf->started = true;
out:
	mutex_unlock(&cf->lock);
	return ret;
}

int ck_job_wait(struct file *file, struct cokernel_job_wait *w)
{
	int ret = 0;

	if (w->pad || !w->timeout_us || w->timeout_us > USEC_PER_SEC) {
		pr_info("job wait: timeout_us must be 1..1000000 and pad 0\n");
		return -EINVAL;
	}
	if (!ck_proxy_file(file, "job wait", &ret))
		return ret;
	if (ck_notify_count() == (unsigned long)w->count)
		ret = ck_notify_wait_interruptible((unsigned long)w->count, w->timeout_us);
	w->count = ck_notify_count();
	return ret;
}

int ck_job_seal(struct file *file, const struct cokernel_job_seal *s)
{
	struct ck_file *cf = file->private_data;
	int ret = 0;

	if (s->flags || s->pad) {
		pr_info("job seal: flags and pad must be 0\n");
		return -EINVAL;
	}
	if (!ck_proxy_file(file, "job seal", &ret))
		return ret;
	WRITE_ONCE(cf->sealed, true);
	return 0;
}

int ck_job_signal(struct file *file, const struct cokernel_job_signal *s)
{
	struct ck_enclave *e;
	int ret = 0;

	if (s->pad || s->signo < 1 || s->signo > 64) {
		pr_info("job signal: signo must be 1..64 and pad 0\n");
		return -EINVAL;
	}
	e = ck_proxy_file(file, "job signal", &ret);
	if (!e)
		return ret;
	ret = mutex_lock_killable(&e->lock);
	if (ret)
		return ret;
	if (e->job_proxy != file)
		ret = -ESRCH;
	else
		ret = ck_job_command(e, COKERNEL_CMD_JOB_SIGNAL, s->signo, true);
	mutex_unlock(&e->lock);
	return ret;
}

/*
 * The file goes away, however its process ended (its mappings went first:
 * each held a reference to it). A job its proxy started must not wait
 * forever for answers: COKERNEL_CMD_JOB_END (a no-op for a co-kernel whose
 * job already exited). A temporary enclave of this file is destroyed
 * afterwards instead (ck_file_release_temp), which stops the job with it.
 */
void ck_job_release(struct file *file, struct ck_file *cf)
{
	struct ck_enclave *e = cf->job;
	struct pid *pid = NULL;

	if (!e)
		return;
	cf->job = NULL;
	mutex_lock(&e->lock);
	if (e->job_proxy == file) {
		e->job_proxy = NULL;
		spin_lock(&e->state_lock);
		pid = e->proxy_pid;
		e->proxy_pid = NULL;
		spin_unlock(&e->state_lock);
		if (e->temp_owner != file)
			ck_job_command(e, COKERNEL_CMD_JOB_END, 0, false);
	}
	mutex_unlock(&e->lock);
	put_pid(pid);
	ck_enclave_put(e);
}
