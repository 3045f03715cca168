/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cokernel.ko internal interfaces.
 *
 * Locking:
 *  - ck_table_lock (a mutex) serialises every change of the enclave table and
 *    every reader of it (ioctls, /proc/cokernel).  CREATE and DESTROY hold it
 *    while they call remove_cpu()/add_cpu().
 *  - The CPU hotplug guard reads ck_claimed_cpus (atomic cpumask ops) only.
 *  - The memory hotplug guard reads the memory claims under a spinlock that
 *    is private to memory.c.
 *  Neither guard ever takes ck_table_lock: they run under the kernel's
 *  hotplug locks, which remove_cpu()/add_cpu() take while we hold
 *  ck_table_lock.
 */
#ifndef COKERNEL_INTERNAL_H
#define COKERNEL_INTERNAL_H

#include <linux/cpumask.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <cokernel/abi.h>
#include <cokernel/boot.h>

struct seq_file;
struct ck_boot;
struct file;

/* One enclave: the CPUs and memory ranges it holds. */
struct ck_enclave {
	int id;
	u32 state;		/* enum cokernel_enclave_state */
	u32 ncpus;
	u32 nranges;
	u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];	/* in the order user space gave */
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
	struct cpumask cpumask;	/* the same CPUs as a mask */
	struct ck_boot *boot;	/* booted co-kernel (boot.c), or NULL */
	atomic_t job_maps;	/* proxy mappings of the job region (job.c) */
	struct file *job_proxy;	/* attached as the proxy, or NULL (job.c) */
	struct file *temp_owner; /* its release destroys the enclave, or NULL */
};

/* enclave.c */
extern struct mutex ck_table_lock;
struct ck_enclave *ck_enclave_lookup(int id);	/* ck_table_lock held */
int ck_enclave_create(const struct cokernel_create *req, s32 *id);
int ck_enclave_destroy(s32 id, const struct file *owner);
void ck_enclave_list(struct cokernel_list *list);
int ck_enclave_info(struct cokernel_info *info);
int ck_enclave_boot(const struct cokernel_boot *req);
int ck_enclave_console(struct cokernel_console_read *r);
int ck_enclave_command(struct cokernel_command *c);

/* cpus.c */
int ck_cpus_guard_init(void);
void ck_cpus_guard_exit(void);
bool ck_cpu_claimed(unsigned int cpu);
int ck_cpus_take(struct ck_enclave *e);
void ck_cpus_give(struct ck_enclave *e);

/* memory.c */
int ck_mem_guard_init(void);
void ck_mem_guard_exit(void);
u64 ck_block_size(void);
int ck_mem_claim(struct ck_enclave *e);
void ck_mem_release(struct ck_enclave *e);

/* ioctl.c */
long ck_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* job.c */
struct cokernel_job_attach;
struct cokernel_job_start;
struct cokernel_job_wait;
struct inode;
struct vm_area_struct;
int ck_job_attach(struct file *file, struct cokernel_job_attach *a);
int ck_job_start(struct file *file, const struct cokernel_job_start *s);
int ck_job_wait(struct file *file, struct cokernel_job_wait *w);
int ck_job_mmap(struct file *file, struct vm_area_struct *vma);
int ck_job_release(struct inode *inode, struct file *file);

/* procfs.c */
int ck_proc_init(void);
void ck_proc_exit(void);

#endif /* COKERNEL_INTERNAL_H */
