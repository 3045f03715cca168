/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every Linux interface the module uses that is not exported, or that
 * changed between the kernels it supports, is wrapped here (compat.c); the
 * rest of the module calls only these wrappers for them. Each wrapper says
 * which kernels it was checked against and what it does where the interface
 * is missing.
 *
 * Supported: Linux 6.1 to 6.12 (Debian 12's 6.1 and 6.12 kernels are built and
 * tested; docs/module-interface.md). linux-module/CMakeLists.txt reads the
 * two CK_LINUX_* lines below and refuses other kernels at configure time; the
 * #error is for a standalone make.
 */
#ifndef COKERNEL_COMPAT_H
#define COKERNEL_COMPAT_H

#include <linux/types.h>
#include <linux/version.h>

#define CK_LINUX_OLDEST KERNEL_VERSION(6, 1, 0)
#define CK_LINUX_NEWEST KERNEL_VERSION(6, 12, 255)

#if LINUX_VERSION_CODE < CK_LINUX_OLDEST || LINUX_VERSION_CODE > CK_LINUX_NEWEST
#error "cokernel.ko supports Linux 6.1 to 6.12 (linux-module/compat.h)"
#endif

struct mm_struct;
struct page;
struct vm_area_struct;

/* Resolves the symbols below once, at module load; never fails the load. */
void ck_compat_init(void);

/*
 * Linux's SMP trampoline: the page real_mode_header->trampoline_start (code)
 * and the page trampoline_pgd; 0, or -EOPNOTSUPP when real_mode_header was
 * not found (no kprobes, or kallsyms without data symbols).
 */
int ck_linux_trampoline(phys_addr_t *code, phys_addr_t *pgd);

/* Writes the local APIC's ICR (destination @apicid, xAPIC or x2APIC) and waits until it is sent. */
void ck_apic_send(u32 low, u32 apicid);

/* Whether Linux's APIC driver addresses IRQ destinations logically (flat mode). */
bool ck_apic_dest_logical(void);

/* vma->vm_flags |= set, &= ~clear, for a VMA being set up in ->mmap. */
void ck_vma_flags(struct vm_area_struct *vma, unsigned long set, unsigned long clear);

/* pin_user_pages_remote() on @mm (its mmap_lock held for reading), without the VMA array. */
long ck_pin_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long npages,
			      unsigned int gup_flags, struct page **pages);

#endif /* COKERNEL_COMPAT_H */
