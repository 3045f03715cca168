// SPDX-License-Identifier: GPL-2.0
/*
 * The low pages that start an enclave CPU.
 *
 * A CPU started by SIPI begins in real mode at a page below 1 MiB, and the
 * 32-bit part of the trampoline can load only a 32-bit CR3.  Linux reserves
 * all of the first 1 MiB at boot, so no allocator hands such a page out.
 * Two ways, in this order:
 *
 *  - trampoline_phys=ADDR (module parameter): two pages at ADDR that the
 *    administrator reserved for us, e.g. with memmap=8K$0x90000 on the
 *    kernel command line.  Used as is.
 *  - otherwise: borrow Linux's own SMP trampoline (real_mode_header's
 *    trampoline_start page and trampoline_pgd page; compat.c finds them).
 *    The caller holds cpus_read_lock(), so Linux cannot start a CPU while the
 *    pages hold our code; both pages are restored byte for byte before the
 *    lock is dropped.  Our code, not Linux's, runs on the page: it never takes
 *    the trampoline_header->lock that Linux's trampoline takes from 6.5 on
 *    (parallel CPU bring-up), and that lock lies on another page (after
 *    trampoline_pgd), which is not touched.
 *
 * If neither works the boot fails with a message naming the module parameter.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "boot.h"
#include "compat.h"

static unsigned long trampoline_phys;
module_param(trampoline_phys, ulong, 0444);
MODULE_PARM_DESC(trampoline_phys,
		 "physical address of two reserved pages below 1 MiB for the CPU start trampoline (e.g. memmap=8K$0x90000); 0: borrow Linux's SMP trampoline");

static void *ck_map_low_page(phys_addr_t phys)
{
	struct page *page;

	if (!pfn_valid(PHYS_PFN(phys)))
		return NULL;
	page = pfn_to_page(PHYS_PFN(phys));
	/* A new writable alias: Linux maps its trampoline text read-only. */
	return vmap(&page, 1, VM_MAP, PAGE_KERNEL);
}

int ck_lowmem_acquire(struct ck_lowmem *lm)
{
	memset(lm, 0, sizeof(*lm));
	if (trampoline_phys) {
		lm->code_phys = trampoline_phys;
		lm->pgd_phys = trampoline_phys + PAGE_SIZE;
	} else {
		if (ck_linux_trampoline(&lm->code_phys, &lm->pgd_phys)) {
			pr_err("boot: cannot locate Linux's real-mode trampoline; reserve two pages below 1 MiB (memmap=8K$0x90000) and load the module with trampoline_phys=0x90000\n");
			return -EOPNOTSUPP;
		}
		lm->borrowed = true;
	}
	if (!PAGE_ALIGNED(lm->code_phys) || lm->code_phys >= SZ_1M ||
	    !PAGE_ALIGNED(lm->pgd_phys) || lm->pgd_phys >= SZ_4G ||
	    lm->code_phys == lm->pgd_phys) {
		pr_err("boot: unusable trampoline pages %pa and %pa (need page-aligned pages below 1 MiB)\n",
		       &lm->code_phys, &lm->pgd_phys);
		return -EINVAL;
	}
	lm->saved = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
	lm->code = ck_map_low_page(lm->code_phys);
	lm->pgd = ck_map_low_page(lm->pgd_phys);
	if (!lm->saved || !lm->code || !lm->pgd) {
		pr_err("boot: cannot map the trampoline pages %pa and %pa\n",
		       &lm->code_phys, &lm->pgd_phys);
		ck_lowmem_release(lm);
		return -ENOMEM;
	}
	memcpy(lm->saved, lm->code, PAGE_SIZE);
	memcpy(lm->saved + PAGE_SIZE, lm->pgd, PAGE_SIZE);
	return 0;
}

void ck_lowmem_release(struct ck_lowmem *lm)
{
	if (lm->saved && lm->code && lm->pgd) {
		memcpy(lm->code, lm->saved, PAGE_SIZE);
		memcpy(lm->pgd, lm->saved + PAGE_SIZE, PAGE_SIZE);
	}
	if (lm->code)
		vunmap(lm->code);
	if (lm->pgd)
		vunmap(lm->pgd);
	kfree(lm->saved);
	memset(lm, 0, sizeof(*lm));
}
