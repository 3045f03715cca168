/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cokernel.ko internal interfaces.
 *
 * Objects:
 *  - struct ck_enclave: one enclave. Reference counted: the enclave table
 *    holds one reference while the enclave is listed, every open file bound
 *    to it (creator of a temporary enclave, job attachment) holds one, and a
 *    pending deferred destroy holds one. The struct outlives its destroy
 *    until the last reference goes, so a stale file finds it marked gone
 *    instead of finding whatever enclave got the id next.
 *  - struct ck_file: the state of one open /dev/cokernel.
 *
 * Locking (outer to inner):
 *  - e->lock (mutex): serialises the operations on one enclave: boot,
 *    commands, job attach/start/release, destroy. Every wait under it is
 *    bounded; ioctls take it killably. Never taken under mmap_lock, and
 *    nothing under it touches user memory.
 *  - ck_table_lock (spinlock, enclave.c): the id table and its references.
 *  - e->state_lock (spinlock): state, gone, the CPU and range lists once
 *    published, job_maps against destroy, the boot pointer for readers that
 *    do not hold e->lock (/proc/cokernel, INFO, mmap).
 *  - The CPU hotplug guard reads the CPU claims (atomic bit ops); the memory
 *    hotplug guard reads the memory claims under a spinlock private to
 *    memory.c. Neither takes any lock above: they run under the kernel's
 *    hotplug locks, which remove_cpu()/add_cpu() and memory block state
 *    changes take while we hold e->lock.
 */
#ifndef COKERNEL_INTERNAL_H
#define COKERNEL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <cokernel/abi.h>
#include <cokernel/boot.h>
#include <cokernel/job.h>

struct ck_boot;
struct ck_memblk;
struct file;
struct pid;

struct ck_enclave {
	struct kref ref;
	struct mutex lock;
	spinlock_t state_lock;
	int id;
	u32 state;		/* enum cokernel_enclave_state (state_lock) */
	bool gone;		/* destroyed: out of the table, holds nothing (state_lock) */
	bool dying;		/* destroy under way: no new job mapping (state_lock) */
	bool destroy_unmapped;	/* temporary, its owner left: destroy when the last mapping goes */
	u32 ncpus;
	u32 nranges;
	u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];	/* in the order user space gave */
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
	struct cpumask cpumask;	/* the CPUs still held, as a mask */
	struct ck_memblk *blocks;	/* the memory blocks held (memblock.c) */
	u32 nblocks;
	struct ck_boot *boot;	/* booted co-kernel (boot.c), or NULL */
	int job_maps;		/* proxy mappings of the job space (state_lock) */
	struct file *job_proxy;	/* attached as the proxy, or NULL (e->lock) */
	struct pid *proxy_pid;	/* its process, for INFO (state_lock) */
	struct file *temp_owner; /* its release destroys the enclave, or NULL (e->lock) */
	struct work_struct destroy_work;
};

/* One open /dev/cokernel (file->private_data). */
struct ck_file {
	struct mutex lock;		/* the fields below */
	struct ck_enclave *temp;	/* the temporary enclave it created (a reference) */
	struct ck_enclave *job;		/* the enclave it is attached to (a reference) */
	u32 job_flags;			/* COKERNEL_JOB_ATTACH_* */
	struct cokernel_job_piece pieces[COKERNEL_MAX_MEM_RANGES];	/* the job space of ->job */
	u32 npieces;
	u64 region_size;		/* its size */
	bool started;			/* JOB_START done */
	bool sealed;			/* JOB_SEAL done: JOB_WAIT only */
};

/* enclave.c */
struct ck_enclave *ck_enclave_get(int id);	/* a reference, or NULL */
void ck_enclave_put(struct ck_enclave *e);
int ck_enclave_create(struct file *file, struct cokernel_create *req);
int ck_enclave_destroy(struct ck_enclave *e, bool from_ioctl);
int ck_enclave_keep(struct file *file, s32 id);
void ck_enclave_list(struct cokernel_list *list);
int ck_enclave_info(struct cokernel_info *info, bool show_addresses);
u32 ck_enclave_state(struct ck_enclave *e);	/* refreshed from the co-kernel */
void ck_enclave_set_state(struct ck_enclave *e, u32 state);
void ck_file_release_temp(struct file *file, struct ck_file *cf);
void ck_enclave_unmapped(struct ck_enclave *e);	/* a job mapping went away */
extern struct workqueue_struct *ck_wq;

/* cpus.c */
int ck_cpus_guard_init(void);
void ck_cpus_guard_exit(void);
int ck_cpus_take(struct ck_enclave *e);
int ck_cpus_give(struct ck_enclave *e);		/* 0, or how many stayed offline */

/* memory.c: the claims and the guard */
int ck_mem_guard_init(void);
void ck_mem_guard_exit(void);
u64 ck_block_size(void);
int ck_mem_claim_range(struct ck_enclave *e, u64 start, u64 size);
void ck_mem_unclaim_range(struct ck_enclave *e, u64 start, u64 size);
bool ck_mem_range_offline(u64 start, u64 size);
int ck_mem_check_ram(u64 start, u64 size);

/* memblock.c: memory blocks offlined and onlined by the module */
int ck_memblk_take(struct ck_enclave *e, const struct cokernel_mem_range *cand, u32 ncand,
		   u64 want);
int ck_memblk_give(struct ck_enclave *e);	/* 0, or how many stayed offline */
void ck_memblk_free(struct ck_enclave *e);

/* ioctl.c */
long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* job.c */
struct inode;
struct vm_area_struct;
int ck_job_attach(struct file *file, struct cokernel_job_attach *a);
int ck_job_start(struct file *file, const struct cokernel_job_start *s);
int ck_job_wait(struct file *file, struct cokernel_job_wait *w);
int ck_job_seal(struct file *file, const struct cokernel_job_seal *s);
int ck_job_signal(struct file *file, const struct cokernel_job_signal *s);
int ck_job_mmap(struct file *file, struct vm_area_struct *vma);
void ck_job_release(struct file *file, struct ck_file *cf);
bool ck_file_sealed(struct file *file);

/* inject.c: tests only; -EIO when a give-back is to fail (module parameter inject_give_failures) */
int ck_inject_give_failure(void);

/* procfs.c */
int ck_proc_init(void);
void ck_proc_exit(void);

#endif /* COKERNEL_INTERNAL_H */
