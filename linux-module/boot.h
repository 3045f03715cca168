/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boot step and the co-kernel's channels (docs/boot-protocol.md):
 *
 *  image.c      checks of the co-kernel ELF and its headers (host-testable)
 *  boot_pt.c    the boot page tables
 *  trampoline.c the page below 1 MiB that starts a CPU
 *  cpu_start.c  INIT/SIPI through the local APIC, starting and stopping CPUs
 *  boot.c       loading an enclave: layout, boot parameters, start, teardown
 *  command.c    the command channel (control block + doorbell IPI)
 *  console.c    the console ring reader (the ring logic: console_ring.h)
 *  notify.c     the Linux IRQ the co-kernel signals
 *
 * Locking: the functions taking a struct ck_enclave are called with e->lock
 * held unless they say otherwise; the notification IRQ handler touches only
 * its own counter and wait queue.
 */
#ifndef COKERNEL_BOOT_INTERNAL_H
#define COKERNEL_BOOT_INTERNAL_H

#include <linux/types.h>

#include <cokernel/boot.h>

struct ck_enclave;

#define CK_IMAGE_MAX (64u << 20)
#define CK_CMD_TIMEOUT_MS 2000u

/* A booted co-kernel: its area in the enclave's first memory range. */
struct ck_boot {
	void *area;		/* ranges[0].start .. free_phys, mapped */
	u64 area_phys;
	u64 area_size;
	struct cokernel_boot_params *bp;
	struct cokernel_control *ctl;
	struct cokernel_console *con;
	bool irq_held;
};

/* boot.c */
int ck_boot_enclave(struct ck_enclave *e, const struct cokernel_boot *req);	/* takes e->lock */
void ck_boot_teardown(struct ck_enclave *e);
bool ck_boot_panicked(const struct ck_boot *b);

/* cpu_start.c */
int ck_cpus_start(struct ck_enclave *e, struct ck_boot *b, const struct cokernel_image_header *ih,
		  u64 pml4_phys, u64 stacks_phys, unsigned int cpu_timeout_ms);
void ck_cpus_stop(const struct ck_enclave *e);	/* INIT every CPU */
void ck_cpu_doorbell(const struct ck_enclave *e);	/* the command IPI to the first CPU */
u32 ck_linux_dest_mode(void);	/* COKERNEL_DEST_LOGICAL or _PHYSICAL, as Linux programs its APIC */

/* boot_pt.c: page-table pages come from a pool in the boot area */
struct ck_pt {
	u8 *va;
	u64 pa;
	u32 used;
	u32 npages;
};
int ck_build_page_tables(const struct ck_enclave *e, struct ck_pt *pt, u64 apic_phys);

/* command.c */
int ck_send_command(struct ck_enclave *e, u32 cmd, u64 arg, unsigned int timeout_ms,
		    bool interruptible, s32 *result, u64 *ns);
int ck_user_command(struct ck_enclave *e, struct cokernel_command *c);	/* takes e->lock */
/* PING, JOB_END or JOB_SIGNAL: 0, the co-kernel's negative answer, or the module's error. */
int ck_job_command(struct ck_enclave *e, u32 cmd, u64 arg, bool interruptible);

/* console.c */
int ck_console_read(struct ck_enclave *e, struct cokernel_console_read *r);	/* takes e->lock */

/* trampoline.c: the page below 1 MiB that starts a CPU, and its PML4 page */
struct ck_lowmem {
	phys_addr_t code_phys;	/* SIPI target, page aligned, below 1 MiB */
	phys_addr_t pgd_phys;	/* page aligned, below 4 GiB */
	void *code;		/* writable mappings of both */
	void *pgd;
	void *saved;		/* both pages as they were, restored on release */
	bool borrowed;		/* Linux's own trampoline pages */
};
int ck_lowmem_acquire(struct ck_lowmem *lm);	/* caller holds cpus_read_lock() */
void ck_lowmem_release(struct ck_lowmem *lm);

/* notify.c */
int ck_notify_hold(void);	/* one reference per booted enclave */
void ck_notify_put(void);
int ck_notify_get(u32 *vector, u32 *apic_id);	/* current vector and destination */
unsigned long ck_notify_count(void);
void ck_notify_wait(unsigned long since, unsigned int timeout_us);
int ck_notify_wait_interruptible(unsigned long since, unsigned int timeout_us);

#endif /* COKERNEL_BOOT_INTERNAL_H */
