// SPDX-License-Identifier: GPL-2.0
/*
 * Memory blocks taken from Linux and given back by the module itself, so
 * that whatever happens to the process that asked (Ctrl-C, kill -9, a job
 * that misbehaves) the module owns every block it took and gives it back
 * when the enclave goes.
 *
 * A block changes state through its sysfs file
 * /sys/devices/system/memory/memoryN/state, the interface Linux offers for
 * it (the functions behind it are not exported). CREATE opens the file in
 * the caller's context (root) and keeps it open: writing to an open sysfs
 * file needs no permission check, so DESTROY can online the block from any
 * context, also from the release of a file whose holder is an unprivileged
 * user or a dying task.
 *
 * Each block is claimed (memory.c) before it goes offline and unclaimed just
 * before it goes online: in between the hotplug guard refuses anybody else's
 * online.
 */
#define pr_fmt(fmt) "cokernel: " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "cokernel.h"

#define CK_STATE_RETRIES 200	/* x ~5-15 ms: a contended device hotplug lock */

enum ck_zone { CK_ZONE_UNKNOWN, CK_ZONE_MOVABLE, CK_ZONE_NORMAL };

struct ck_memblk {
	u64 start;
	u8 zone;	/* enum ck_zone it was online in (unknown: it was offline already) */
	struct file *state;
};

static u32 ck_block_index(u64 start)
{
	return (u32)(start / ck_block_size());
}

/*
 * Writes @text to a block's state file: 0 or the error. The sysfs store
 * answers a contended device hotplug lock with -ERESTARTNOINTR after a short
 * sleep and marks the task as having a signal pending; retry here, and
 * recompute the pending flag, so that no caller mistakes it for a real
 * signal.
 */
static int ck_block_write(struct file *state, const char *text)
{
	size_t len = strlen(text);
	int i;
	ssize_t n = -ERESTARTNOINTR;

	for (i = 0; i < CK_STATE_RETRIES && n == -ERESTARTNOINTR; i++) {
		loff_t pos = 0;

		n = kernel_write(state, text, len, &pos);
		if (n == -ERESTARTNOINTR) {
			spin_lock_irq(&current->sighand->siglock);
			recalc_sigpending();
			spin_unlock_irq(&current->sighand->siglock);
			usleep_range(2000, 10000);
		}
	}
	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? (int)n : -EIO;
}

static struct file *ck_block_open(u64 start)
{
	char path[64];
	struct file *f;

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%u/state",
		 ck_block_index(start));
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		pr_info("create: cannot open %s: %ld (is sysfs mounted at /sys?)\n", path, PTR_ERR(f));
	return f;
}

static int ck_block_online(struct ck_memblk *b)
{
	static const char *const first[] = {
		[CK_ZONE_UNKNOWN] = "online",
		[CK_ZONE_MOVABLE] = "online_movable",
		[CK_ZONE_NORMAL] = "online_kernel",
	};
	int ret = ck_block_write(b->state, first[b->zone]);

	if (ret && b->zone != CK_ZONE_UNKNOWN)
		ret = ck_block_write(b->state, "online");
	return ret;
}

/* The zone of an online block, or CK_ZONE_UNKNOWN if it is offline. */
static u8 ck_block_zone(u64 start)
{
	struct page *page = pfn_to_online_page(PHYS_PFN(start));

	if (!page)
		return CK_ZONE_UNKNOWN;
	return zone_idx(page_zone(page)) == ZONE_MOVABLE ? CK_ZONE_MOVABLE : CK_ZONE_NORMAL;
}

/*
 * Takes one block: claim, open, offline. 0; -EAGAIN if it refused to go
 * offline (nothing changed, try another); another error otherwise.
 */
static int ck_block_take(struct ck_enclave *e, u64 start, struct ck_memblk *b)
{
	u64 bs = ck_block_size();
	int ret;

	ret = ck_mem_check_ram(start, bs);
	if (ret)
		return ret;
	ret = ck_mem_claim_range(e, start, bs);
	if (ret)
		return ret;
	b->start = start;
	b->state = ck_block_open(start);
	if (IS_ERR(b->state)) {
		ret = PTR_ERR(b->state);
		goto out_unclaim;
	}
	b->zone = ck_block_zone(start);
	if (b->zone != CK_ZONE_UNKNOWN) {
		ret = ck_block_write(b->state, "offline");
		if (ret) {
			pr_info("create: memory block %u refused to go offline: %d\n",
				ck_block_index(start), ret);
			ret = ret == -EINTR ? ret : -EAGAIN;
			goto out_close;
		}
	}
	if (!ck_mem_range_offline(start, bs)) {
		pr_info("create: memory block %u is online again\n", ck_block_index(start));
		ret = -EBUSY;
		if (b->zone != CK_ZONE_UNKNOWN)
			goto out_online;
		goto out_close;
	}
	return 0;

out_online:
	ck_mem_unclaim_range(e, start, bs);
	ck_block_online(b);
	filp_close(b->state, NULL);
	return ret;
out_close:
	filp_close(b->state, NULL);
out_unclaim:
	ck_mem_unclaim_range(e, start, bs);
	return ret;
}

static int ck_memblk_cmp(const void *a, const void *b)
{
	const struct ck_memblk *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* e->ranges from e->blocks (sorted by address): adjacent blocks merge. */
static int ck_memblk_ranges(struct ck_enclave *e, struct cokernel_mem_range *out, u32 *nout)
{
	u64 bs = ck_block_size();
	u32 i, n = 0;

	for (i = 0; i < e->nblocks; i++) {
		u64 s = e->blocks[i].start;

		if (n && out[n - 1].start + out[n - 1].size == s) {
			out[n - 1].size += bs;
			continue;
		}
		if (n == COKERNEL_MAX_MEM_RANGES)
			return -E2BIG;
		out[n].start = s;
		out[n].size = bs;
		n++;
	}
	*nout = n;
	return 0;
}

int ck_memblk_take(struct ck_enclave *e, const struct cokernel_mem_range *cand, u32 ncand,
		   u64 want)
{
	u64 bs = ck_block_size(), total = 0, off;
	u32 i, cap;
	int ret = 0;

	for (i = 0; i < ncand; i++)
		total += cand[i].size;
	cap = (u32)((want ? want : total) / bs);
	e->blocks = kvcalloc(cap, sizeof(*e->blocks), GFP_KERNEL);
	if (!e->blocks)
		return -ENOMEM;
	e->nblocks = 0;
	for (i = 0; i < ncand && e->nblocks < cap && !ret; i++) {
		for (off = 0; off < cand[i].size && e->nblocks < cap; off += bs) {
			if (signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			ret = ck_block_take(e, cand[i].start + off, &e->blocks[e->nblocks]);
			if (ret == -EAGAIN && want) {
				ret = 0;	/* skip it: the next candidate may do */
				continue;
			}
			if (ret) {
				if (ret == -EAGAIN)
					ret = -EBUSY;
				break;
			}
			e->nblocks++;
			cond_resched();
		}
	}
	if (!ret && e->nblocks < cap) {
		pr_info("create: only %llu of %llu MiB could be taken offline (see the refusals above)\n",
			(u64)e->nblocks * bs >> 20, (u64)cap * bs >> 20);
		ret = -EBUSY;
	}
	if (!ret) {
		sort(e->blocks, e->nblocks, sizeof(*e->blocks), ck_memblk_cmp, NULL);
		ret = ck_memblk_ranges(e, e->ranges, &e->nranges);
		if (ret)
			pr_info("create: the memory taken lies in more than %u pieces; ask for less or name other ranges\n",
				COKERNEL_MAX_MEM_RANGES);
	}
	if (ret && ck_memblk_give(e))
		pr_warn("create: enclave %d: some memory blocks did not come back online\n", e->id);
	return ret;
}

int ck_memblk_give(struct ck_enclave *e)
{
	struct cokernel_mem_range left[COKERNEL_MAX_MEM_RANGES];
	u64 bs = ck_block_size();
	u32 i, kept = 0, nleft = 0;
	int ret;

	for (i = 0; i < e->nblocks; i++) {
		struct ck_memblk *b = &e->blocks[i];

		ck_mem_unclaim_range(e, b->start, bs);
		ret = ck_inject_give_failure();
		if (!ret)
			ret = ck_block_online(b);
		if (ret) {
			/* Keep holding it, so that it is listed and DESTROY retries. */
			pr_warn("enclave %d: memory block %u did not come back online: %d (cokernel destroy %d retries)\n",
				e->id, ck_block_index(b->start), ret, e->id);
			if (ck_mem_claim_range(e, b->start, bs))
				pr_warn("enclave %d: memory block %u: cannot keep the claim\n", e->id,
					ck_block_index(b->start));
			e->blocks[kept++] = *b;
			continue;
		}
		filp_close(b->state, NULL);
	}
	e->nblocks = kept;
	ck_memblk_ranges(e, left, &nleft);	/* fewer blocks than before: they fit */
	spin_lock(&e->state_lock);
	memcpy(e->ranges, left, sizeof(left[0]) * nleft);
	e->nranges = nleft;
	spin_unlock(&e->state_lock);
	return kept;
}

void ck_memblk_free(struct ck_enclave *e)
{
	WARN_ON(e->nblocks);
	kvfree(e->blocks);
	e->blocks = NULL;
}
