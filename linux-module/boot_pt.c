// SPDX-License-Identifier: GPL-2.0
/*
 * The boot page tables (docs/boot-protocol.md, "Virtual layout"): an identity
 * map of the first 2 MiB for the trampoline, the image window at
 * COKERNEL_LINK_BASE, every enclave range at COKERNEL_PHYSMAP_BASE + phys,
 * and the local APIC's page uncached at COKERNEL_APIC_VIRT. 2 MiB pages only;
 * the tables come from a fixed pool in the boot area.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/printk.h>

#include "boot.h"
#include "cokernel.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define SZ_2M_ULL (2ULL << 20)

static u64 *ck_pt_child(struct ck_pt *pt, u64 *table, unsigned int idx)
{
	u64 *child;

	if (table[idx] & PTE_P)
		return (u64 *)(pt->va + ((table[idx] & PTE_ADDR_MASK) - pt->pa));
	if (pt->used == pt->npages)
		return NULL;
	child = (u64 *)(pt->va + (u64)pt->used * PAGE_SIZE);
	table[idx] = (pt->pa + (u64)pt->used * PAGE_SIZE) | PTE_P | PTE_W;
	pt->used++;
	return child;
}

/* Maps one 2 MiB page: virt -> phys with the given extra flags. */
static int ck_pt_map_2m(struct ck_pt *pt, u64 virt, u64 phys, u64 flags)
{
	u64 *pml4 = (u64 *)pt->va, *pdpt, *pd;

	pdpt = ck_pt_child(pt, pml4, (virt >> 39) & 511);
	pd = pdpt ? ck_pt_child(pt, pdpt, (virt >> 30) & 511) : NULL;
	if (!pd) {
		pr_err("boot: out of page-table pages (%u)\n", pt->npages);
		return -ENOMEM;
	}
	pd[(virt >> 21) & 511] = phys | PTE_P | PTE_W | PTE_PS | flags;
	return 0;
}

int ck_build_page_tables(const struct ck_enclave *e, struct ck_pt *pt, u64 apic_phys)
{
	u64 window = min_t(u64, e->ranges[0].size, COKERNEL_IMAGE_WINDOW);
	u64 off;
	u32 i;
	int ret;

	pt->used = 1; /* the PML4 */
	/* The trampoline runs in the first 2 MiB while it turns paging on. */
	ret = ck_pt_map_2m(pt, 0, 0, 0);
	for (off = 0; !ret && off < window; off += SZ_2M_ULL)
		ret = ck_pt_map_2m(pt, COKERNEL_LINK_BASE + off, e->ranges[0].start + off, 0);
	for (i = 0; !ret && i < e->nranges; i++)
		for (off = 0; !ret && off < e->ranges[i].size; off += SZ_2M_ULL)
			ret = ck_pt_map_2m(pt, COKERNEL_PHYSMAP_BASE + e->ranges[i].start + off,
					   e->ranges[i].start + off, 0);
	if (!ret)
		ret = ck_pt_map_2m(pt, COKERNEL_APIC_VIRT, apic_phys & ~(SZ_2M_ULL - 1),
				   PTE_PCD | PTE_PWT);
	return ret;
}
