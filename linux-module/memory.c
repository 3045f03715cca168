// SPDX-License-Identifier: GPL-2.0
/*
 * Memory claims and the memory hotplug guard.
 *
 * User space offlines memory blocks through sysfs
 * (/sys/devices/system/memory/memoryN/state) before CREATE.  CREATE publishes
 * the ranges as claims and then checks that every memory block in them is
 * present, offline RAM.  A memory notifier refuses MEM_GOING_ONLINE for any
 * range that overlaps a claim, so "echo online > .../memoryN/state" fails
 * with -EBUSY while an enclave holds the block.  DESTROY drops the claims;
 * user space onlines the blocks afterwards.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/notifier.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "cokernel.h"

#ifndef CONFIG_MEMORY_HOTPLUG
#error "cokernel needs CONFIG_MEMORY_HOTPLUG (memory blocks are offlined through sysfs)"
#endif
#ifndef CONFIG_SPARSEMEM
#error "cokernel needs CONFIG_SPARSEMEM"
#endif

/*
 * ck_mem_lock protects the claims and the "online in progress" record.  It is
 * taken by the notifier (under the kernel's memory hotplug locks) and by
 * CREATE/DESTROY (under ck_table_lock); never the other way round.
 */
static DEFINE_SPINLOCK(ck_mem_lock);
static const struct ck_enclave *ck_mem_claims[COKERNEL_MAX_ENCLAVES];

/*
 * The range between MEM_GOING_ONLINE and MEM_ONLINE/MEM_CANCEL_ONLINE.  The
 * kernel serialises onlining (mem_hotplug_lock), so one record is enough.
 * CREATE refuses ranges that overlap it: such a block is about to be online
 * even though pfn_to_online_page() does not say so yet.
 */
static bool ck_onlining;
static unsigned long ck_onlining_start, ck_onlining_end;	/* pfns, [start, end) */

u64 ck_block_size(void)
{
	return memory_block_size_bytes();
}

static bool ck_overlap(u64 a_start, u64 a_end, u64 b_start, u64 b_end)
{
	return a_start < b_end && b_start < a_end;
}

/* Caller holds ck_mem_lock.  Returns the claiming enclave or NULL. */
static const struct ck_enclave *ck_mem_find_claim(u64 start, u64 end)
{
	const struct ck_enclave *e;
	unsigned int id;
	u32 i;

	for (id = 0; id < COKERNEL_MAX_ENCLAVES; id++) {
		e = ck_mem_claims[id];
		if (!e)
			continue;
		for (i = 0; i < e->nranges; i++) {
			u64 s = e->ranges[i].start;

			if (ck_overlap(start, end, s, s + e->ranges[i].size))
				return e;
		}
	}
	return NULL;
}

static int ck_mem_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	const struct memory_notify *arg = data;
	unsigned long end_pfn = arg->start_pfn + arg->nr_pages;
	const struct ck_enclave *e;
	int ret = NOTIFY_OK;

	spin_lock(&ck_mem_lock);
	switch (action) {
	case MEM_GOING_ONLINE:
		e = ck_mem_find_claim(PFN_PHYS(arg->start_pfn), PFN_PHYS(end_pfn));
		if (e) {
			pr_info_ratelimited("refusing to online memory [%#llx-%#llx]: it is held by enclave %d (destroy the enclave first)\n",
					    PFN_PHYS(arg->start_pfn),
					    PFN_PHYS(end_pfn) - 1, e->id);
			ret = notifier_from_errno(-EBUSY);
			break;
		}
		ck_onlining = true;
		ck_onlining_start = arg->start_pfn;
		ck_onlining_end = end_pfn;
		break;
	case MEM_ONLINE:
	case MEM_CANCEL_ONLINE:
		/* CANCEL also follows our own refusal, which recorded nothing. */
		if (ck_onlining && ck_onlining_start == arg->start_pfn &&
		    ck_onlining_end == end_pfn)
			ck_onlining = false;
		break;
	default:
		break;
	}
	spin_unlock(&ck_mem_lock);
	return ret;
}

static struct notifier_block ck_mem_nb = {
	.notifier_call = ck_mem_notify,
	.priority = INT_MAX,	/* refuse before anybody else does work */
};

int ck_mem_guard_init(void)
{
	int ret = register_memory_notifier(&ck_mem_nb);

	if (ret)
		pr_err("cannot install the memory hotplug guard: %d\n", ret);
	return ret;
}

void ck_mem_guard_exit(void)
{
	unregister_memory_notifier(&ck_mem_nb);
}

/*
 * Every memory block of [start, start + size) must be present RAM that is
 * offline.  Online state is kept per section and blocks are whole sections,
 * so one pfn per section is enough.  A block with holes cannot be offlined
 * (offline_pages() refuses), and all boot memory starts online, so an offline
 * block whose first page is RAM is RAM throughout.
 */
static int ck_mem_check_range(u64 start, u64 size)
{
	unsigned long pfn = PHYS_PFN(start);
	unsigned long end = PHYS_PFN(start + size);
	u64 bs = ck_block_size();

	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		if (!pfn_valid(pfn) || !page_is_ram(pfn)) {
			pr_info("create: %#llx (memory block %llu) is not present RAM\n",
				(u64)PFN_PHYS(pfn), (u64)PFN_PHYS(pfn) / bs);
			return -EINVAL;
		}
		if (pfn_to_online_page(pfn)) {
			pr_info("create: memory block %llu (%#llx) is online; offline it through /sys/devices/system/memory first\n",
				(u64)PFN_PHYS(pfn) / bs, (u64)PFN_PHYS(pfn));
			return -EBUSY;
		}
		cond_resched();
	}
	return 0;
}

/*
 * Claim the memory of @e; all or nothing.  Publishing the claim first and
 * checking afterwards closes the race with a concurrent online: it either
 * finished (the block reads online), is in flight (ck_onlining) or starts
 * later (the notifier sees the claim).  Caller holds ck_table_lock.
 */
int ck_mem_claim(struct ck_enclave *e)
{
	const struct ck_enclave *other;
	u32 i;
	int ret = 0;

	spin_lock(&ck_mem_lock);
	for (i = 0; i < e->nranges; i++) {
		u64 s = e->ranges[i].start, end = s + e->ranges[i].size;

		other = ck_mem_find_claim(s, end);
		if (other) {
			pr_info("create: memory [%#llx-%#llx] overlaps enclave %d\n",
				s, end - 1, other->id);
			ret = -EBUSY;
			break;
		}
		if (ck_onlining &&
		    ck_overlap(s, end, PFN_PHYS(ck_onlining_start),
			       PFN_PHYS(ck_onlining_end))) {
			pr_info("create: memory [%#llx-%#llx] is being onlined right now\n",
				s, end - 1);
			ret = -EBUSY;
			break;
		}
	}
	if (!ret)
		ck_mem_claims[e->id] = e;
	spin_unlock(&ck_mem_lock);
	if (ret)
		return ret;

	for (i = 0; i < e->nranges; i++) {
		ret = ck_mem_check_range(e->ranges[i].start,
					 e->ranges[i].size);
		if (ret) {
			ck_mem_release(e);
			return ret;
		}
	}
	return 0;
}

void ck_mem_release(struct ck_enclave *e)
{
	spin_lock(&ck_mem_lock);
	if (ck_mem_claims[e->id] == e)
		ck_mem_claims[e->id] = NULL;
	spin_unlock(&ck_mem_lock);
}
