/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boot step: load the co-kernel into an enclave, start its CPUs through
 * the real-mode trampoline, talk to it (console, commands), stop it.
 * See docs/boot-protocol.md.
 *
 * Locking: every function here is called with ck_table_lock held, except the
 * notification IRQ handler, which touches only its own completion.
 */
#ifndef COKERNEL_BOOT_INTERNAL_H
#define COKERNEL_BOOT_INTERNAL_H

#include <linux/types.h>

#include <cokernel/boot.h>

struct ck_enclave;

/* boot.c */
int ck_boot_enclave(struct ck_enclave *e, const struct cokernel_boot *req);
void ck_boot_teardown(struct ck_enclave *e);
int ck_boot_console_read(struct ck_enclave *e, struct cokernel_console_read *r);
int ck_boot_command(struct ck_enclave *e, struct cokernel_command *c);
int ck_boot_job_command(struct ck_enclave *e, u32 cmd);	/* PING or JOB_END */
/* Refreshes e->state from the co-kernel's control block (failed on panic). */
void ck_boot_update_state(struct ck_enclave *e);
u32 ck_linux_dest_mode(void);	/* COKERNEL_DEST_LOGICAL or _PHYSICAL, as Linux programs its APIC */

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

/* notify.c: the Linux IRQ the co-kernel signals */
int ck_notify_hold(void);	/* one reference per booted enclave */
void ck_notify_put(void);
int ck_notify_get(u32 *vector, u32 *apic_id);	/* current vector and destination */
unsigned long ck_notify_count(void);
void ck_notify_wait(unsigned long since, unsigned int timeout_us);
int ck_notify_wait_interruptible(unsigned long since, unsigned int timeout_us);

#endif /* COKERNEL_BOOT_INTERNAL_H */
