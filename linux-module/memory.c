// SPDX-License-Identifier: GPL-2.0
/*
 * Memory claims and the memory hotplug guard.
 *
 * CREATE claims each memory block before it takes it offline (memblock.c);
 * a memory notifier refuses MEM_GOING_ONLINE for any range that overlaps a
 * claim, so "echo online > .../memoryN/state" fails with -EBUSY while an
 * enclave holds the block.  DESTROY drops each claim just before it onlines
 * the block.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/notifier.h>
#include <linux/printk.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "cokernel.h"

#ifndef CONFIG_MEMORY_HOTPLUG
#error "cokernel needs CONFIG_MEMORY_HOTPLUG (memory blocks are offlined through sysfs)"
#endif
#ifndef CONFIG_SPARSEMEM
#error "cokernel needs CONFIG_SPARSEMEM"
#endif

/* One claimed range (a memory block, usually). */
struct ck_claim {
	struct list_head link;
	const struct ck_enclave *e;
	u64 start, end;	/* bytes, [start, end) */
};

/*
 * ck_mem_lock protects the claims and the "online in progress" record.  It is
 * taken by the notifier (under the kernel's memory hotplug locks) and by
 * CREATE/DESTROY around their block state changes; never the other way round.
 */
static DEFINE_SPINLOCK(ck_mem_lock);
static LIST_HEAD(ck_mem_claims);

/*
 * The range between MEM_GOING_ONLINE and MEM_ONLINE/MEM_CANCEL_ONLINE.  The
 * kernel serialises onlining (mem_hotplug_lock), so one record is enough.
 * A claim refuses ranges that overlap it: such a block is about to be online
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

/* Caller holds ck_mem_lock.  Returns the claim that overlaps or NULL. */
static const struct ck_claim *ck_mem_find_claim(u64 start, u64 end)
{
	const struct ck_claim *c;

	list_for_each_entry(c, &ck_mem_claims, link)
		if (ck_overlap(start, end, c->start, c->end))
			return c;
	return NULL;
}

static int ck_mem_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	const struct memory_notify *arg = data;
	unsigned long end_pfn = arg->start_pfn + arg->nr_pages;
	const struct ck_claim *c;
	int ret = NOTIFY_OK;

	spin_lock(&ck_mem_lock);
	switch (action) {
	case MEM_GOING_ONLINE:
		c = ck_mem_find_claim(PFN_PHYS(arg->start_pfn), PFN_PHYS(end_pfn));
		if (c) {
			pr_info_ratelimited("refusing to online memory [%#llx-%#llx]: it is held by enclave %d (destroy the enclave first)\n",
					    PFN_PHYS(arg->start_pfn),
					    PFN_PHYS(end_pfn) - 1, c->e->id);
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
 * Every section of [start, start + size) must be present RAM.  Online state
 * is kept per section and blocks are whole sections, so one pfn per section
 * is enough.  A block with holes cannot be offlined (offline_pages()
 * refuses), and all boot memory starts online, so an offline block whose
 * first page is RAM is RAM throughout.
 */
int ck_mem_check_ram(u64 start, u64 size)
{
	unsigned long pfn = PHYS_PFN(start), end = PHYS_PFN(start + size);

	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		if (!pfn_valid(pfn) || !page_is_ram(pfn)) {
			pr_info("create: %#llx (memory block %llu) is not present RAM\n",
				(u64)PFN_PHYS(pfn), (u64)PFN_PHYS(pfn) / ck_block_size());
			return -EINVAL;
		}
	}
	return 0;
}

bool ck_mem_range_offline(u64 start, u64 size)
{
	unsigned long pfn = PHYS_PFN(start), end = PHYS_PFN(start + size);

	for (; pfn < end; pfn += PAGES_PER_SECTION)
		if (pfn_to_online_page(pfn))
			return false;
	return true;
}

/*
 * Claims [start, start + size) for @e: from now on the guard refuses to
 * online it.  Publishing the claim before the caller checks the block's state
 * closes the race with a concurrent online: it either finished (the block
 * reads online), is in flight (ck_onlining) or starts later (the notifier
 * sees the claim).
 */
int ck_mem_claim_range(struct ck_enclave *e, u64 start, u64 size)
{
	struct ck_claim *c = kmalloc(sizeof(*c), GFP_KERNEL);
	const struct ck_claim *other;
	u64 end = start + size;
	int ret = 0;

	if (!c)
		return -ENOMEM;
	c->e = e;
	c->start = start;
	c->end = end;
	spin_lock(&ck_mem_lock);
	other = ck_mem_find_claim(start, end);
	if (other) {
		pr_info("create: memory [%#llx-%#llx] overlaps enclave %d\n", start, end - 1,
			other->e->id);
		ret = -EBUSY;
	} else if (ck_onlining &&
		   ck_overlap(start, end, PFN_PHYS(ck_onlining_start), PFN_PHYS(ck_onlining_end))) {
		pr_info("create: memory [%#llx-%#llx] is being onlined right now\n", start, end - 1);
		ret = -EBUSY;
	} else {
		list_add_tail(&c->link, &ck_mem_claims);
		c = NULL;
	}
	spin_unlock(&ck_mem_lock);
	kfree(c);
	return ret;
}

void ck_mem_unclaim_range(struct ck_enclave *e, u64 start, u64 size)
{
	struct ck_claim *c, *found = NULL;

	spin_lock(&ck_mem_lock);
	list_for_each_entry(c, &ck_mem_claims, link) {
		if (c->e == e && c->start == start && c->end == start + size) {
			list_del(&c->link);
			found = c;
			break;
		}
	}
	spin_unlock(&ck_mem_lock);
	WARN_ON(!found);
	kfree(found);
}
