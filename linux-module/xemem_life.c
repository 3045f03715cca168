// SPDX-License-Identifier: GPL-2.0
/*
 * XEMEM segment lifetime: what needs both the tables (xemem_seg.c) and the
 * attachments (xemem_attach.c).
 *
 * MAKE puts a segment in the tables and inserts the mmu_interval_notifier
 * that watches it. A segment ends in one of three ways: REMOVE by its owner,
 * the owner's mm going away (the notifier's release, which hands the removal
 * to a work item) or the last close of the file it was made through. Each
 * takes it out of the tables first (xemem_seg_unlink(): whoever does gets the
 * table's reference) and then tears it down here. RELEASE of an apid unmaps
 * what was attached through it.
 */
#define pr_fmt(fmt) "xemem: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "xemem.h"

struct workqueue_struct *xemem_wq;

/* Attachments lose their pages, the notifier goes, the table's reference is dropped. */
static void xemem_seg_teardown(struct xemem_seg *seg)
{
	mutex_lock(&seg->lock);
	xemem_atts_kill(seg);
	mutex_unlock(&seg->lock);
	if (seg->mni_live) {
		mmu_interval_notifier_remove(&seg->mni);
		seg->mni_live = false;
	}
	xemem_seg_put(seg);
}

static void xemem_seg_kill_work(struct work_struct *work)
{
	struct xemem_seg *seg = container_of(work, struct xemem_seg, kill_work);
	bool mine;

	mutex_lock(&xemem_lock);
	mine = xemem_seg_unlink(seg);
	mutex_unlock(&xemem_lock);
	if (mine)
		xemem_seg_teardown(seg);
	xemem_seg_put(seg);	/* the work's reference */
}

/*
 * The owner's mm is going away (called from the notifier, which cannot
 * remove itself): remove the segment from a work item.
 */
static void xemem_seg_queue_kill(struct xemem_seg *seg)
{
	if (test_and_set_bit(0, &seg->kill_queued))
		return;
	kref_get(&seg->ref);
	INIT_WORK(&seg->kill_work, xemem_seg_kill_work);
	queue_work(xemem_wq, &seg->kill_work);
}

static bool xemem_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct xemem_seg *seg = container_of(mni, struct xemem_seg, mni);
	bool done;

	/*
	 * Our own zap of an attachment VMA that lies inside a segment: those
	 * PTEs are PFN mappings that are never pinned, and a seg->lock may be
	 * held by this very task (xemem_attach.c).
	 */
	if (xemem_own_zap())
		return true;

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&seg->lock);
	else if (!mutex_trylock(&seg->lock))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	atomic64_inc(&xemem_stat.invalidations_total);
	if (range->event == MMU_NOTIFY_RELEASE) {
		/* The owner's address space is being torn down. */
		xemem_atts_kill(seg);
		mutex_unlock(&seg->lock);
		xemem_seg_queue_kill(seg);
		return true;
	}
	done = xemem_atts_zap(seg, range->start, range->end, mmu_notifier_range_blockable(range));
	mutex_unlock(&seg->lock);
	return done;
}

static const struct mmu_interval_notifier_ops xemem_mni_ops = {
	.invalidate = xemem_invalidate,
};

int xemem_seg_make(struct xemem_ctx *ctx, struct xemem_make *m)
{
	bool whole = m->vaddr == 0 && m->size == XEMEM_MAXADDR;
	struct xemem_seg *seg;
	int ret;

	seg = xemem_seg_new(m);
	if (IS_ERR(seg))
		return PTR_ERR(seg);

	/*
	 * Held across the notifier insertion (which may take mmap_lock for
	 * writing): xemem_lock -> mmap_lock is the lock order, and a name
	 * cannot be taken by a concurrent MAKE in between.
	 */
	mutex_lock(&xemem_lock);
	if (seg->name[0] && xemem_seg_find_name(seg->name)) {
		ret = -EEXIST;
		goto err;
	}
	ret = mmu_interval_notifier_insert(&seg->mni, seg->mm, (unsigned long)seg->vaddr,
					   whole ? ULONG_MAX : (unsigned long)seg->size,
					   &xemem_mni_ops);
	if (ret)
		goto err;
	seg->mni_live = true;
	ret = xemem_seg_insert(ctx, seg);
	if (ret) {
		mutex_unlock(&xemem_lock);
		mmu_interval_notifier_remove(&seg->mni);
		xemem_seg_put(seg);
		return ret;
	}
	m->segid = seg->segid;
	mutex_unlock(&xemem_lock);
	return 0;

err:
	mutex_unlock(&xemem_lock);
	xemem_seg_put(seg);
	return ret;
}

int xemem_seg_remove(s64 segid)
{
	struct xemem_seg *seg = xemem_seg_take(segid);

	if (IS_ERR(seg))
		return PTR_ERR(seg);
	xemem_seg_teardown(seg);
	return 0;
}

int xemem_seg_release(struct xemem_ctx *ctx, s64 apid)
{
	struct xemem_apid *ap = xemem_apid_take(ctx, apid);

	if (IS_ERR(ap))
		return PTR_ERR(ap);
	/* XPMEM: releasing a permit detaches what was attached through it. */
	xemem_apid_unmap(ap->seg, ap->apid, ap->mm);
	xemem_apid_free(ap);
	return 0;
}

/*
 * The last reference to an open /dev/xemem is gone. Attachments hold the
 * file through their VMA, so none made through it is left; its apids go, and
 * so do the segments made through it (their attachers get SIGBUS).
 */
void xemem_ctx_release(struct xemem_ctx *ctx)
{
	struct xemem_seg *seg, *tmp;
	LIST_HEAD(dead);

	xemem_ctx_unlink(ctx, &dead);
	list_for_each_entry_safe(seg, tmp, &dead, ctx_link) {
		list_del(&seg->ctx_link);
		xemem_seg_teardown(seg);
	}
	kfree(ctx);
}
