// SPDX-License-Identifier: GPL-2.0
/*
 * XEMEM attachments: an attachment maps the owner's *current* pages.
 *
 * ATTACH maps /dev/xemem itself (vm_mmap) at a page offset that names the
 * attachment; the VMA is VM_PFNMAP and starts empty. A fault pins the owner's
 * pages of the surrounding 2 MiB chunk with one remote GUP call and inserts
 * their PFNs (a PMD when owner and attacher are both 2 MiB aligned there and
 * the owner has a transparent huge page). The pins are recorded per chunk.
 *
 * An mmu_interval_notifier on the owner's mm covers the segment (its ops are
 * in xemem_life.c). When the owner's page tables change (munmap, COW after
 * fork, migration, exit) the notifier has xemem_atts_zap() or
 * xemem_atts_kill() zap the affected PTEs of every attachment and drop their
 * pins; the attacher's next access faults in the owner's current page. Fault
 * and notifier use the mmu_interval_read_begin()/read_retry() protocol, with
 * seg->lock as the lock that orders them (see xemem.h). This file uses
 * xemem_seg.c only.
 */
#define pr_fmt(fmt) "xemem: " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/mman.h>
#include <linux/pfn_t.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "xemem.h"

static const struct vm_operations_struct xemem_vm_ops;

/* Pending attachments between ATTACH and its vm_mmap(): vm_pgoff -> att. */
static DEFINE_XARRAY(xemem_pending);
static DEFINE_SPINLOCK(xemem_pgoff_lock);
static unsigned long xemem_next_pgoff = XEMEM_CHUNK_PAGES;

static void xemem_att_free(struct kref *ref)
{
	struct xemem_att *att = container_of(ref, struct xemem_att, ref);
	struct xemem_chunk *chunk;
	unsigned long i;

	xa_for_each(&att->chunks, i, chunk)
		kfree(chunk);
	xa_destroy(&att->chunks);
	xemem_seg_put(att->seg);
	kfree(att);
}

static void xemem_att_put(struct xemem_att *att)
{
	kref_put(&att->ref, xemem_att_free);
}

static void xemem_unpin(struct page *page)
{
	unpin_user_page(page);
	atomic64_dec(&xemem_stat.pinned_pages);
	atomic64_inc(&xemem_stat.unpins_total);
}

/* Owner address of attacher address a. */
static unsigned long xemem_owner_addr(const struct xemem_att *att, unsigned long a)
{
	return (unsigned long)(att->seg->vaddr + att->offset) + (a - att->start);
}

static unsigned long xemem_chunk_index(const struct xemem_att *att, unsigned long a)
{
	return (a >> PMD_SHIFT) - (att->start >> PMD_SHIFT);
}

/*
 * The tasks inside our own zap (xemem_att_zap_pages()). A zap runs the
 * owner-side notifier of every segment whose range covers the attachment VMA
 * (a segment of the attacher's own address space, as Open MPI exports it) in
 * this task, maybe with seg->lock held. Those ranges lie inside an attachment
 * VMA, whose PTEs are PFN mappings that no segment ever pins, so the notifier
 * has nothing to do there and must not wait for any seg->lock:
 * xemem_own_zap() tells it. (6.1's notifier range named the VMA, which would
 * have told it too; that field is gone by 6.12.) Entries live on the zapping
 * task's stack.
 */
struct xemem_zapper {
	struct list_head link;
	struct task_struct *task;
};
static LIST_HEAD(xemem_zappers);
static DEFINE_SPINLOCK(xemem_zappers_lock);
static atomic_t xemem_nzappers = ATOMIC_INIT(0);

static void xemem_att_zap_pages(struct xemem_att *att, pgoff_t first, pgoff_t count)
{
	struct xemem_zapper z = { .task = current };

	spin_lock(&xemem_zappers_lock);
	list_add(&z.link, &xemem_zappers);
	atomic_inc(&xemem_nzappers);
	spin_unlock(&xemem_zappers_lock);
	unmap_mapping_pages(att->mapping, first, count, false);
	spin_lock(&xemem_zappers_lock);
	list_del(&z.link);
	atomic_dec(&xemem_nzappers);
	spin_unlock(&xemem_zappers_lock);
}

bool xemem_own_zap(void)
{
	struct xemem_zapper *z;
	bool found = false;

	/* A zapper's own increment is visible to itself: no lock when nobody zaps. */
	if (!atomic_read(&xemem_nzappers))
		return false;
	spin_lock(&xemem_zappers_lock);
	list_for_each_entry(z, &xemem_zappers, link) {
		if (z->task == current) {
			found = true;
			break;
		}
	}
	spin_unlock(&xemem_zappers_lock);
	return found;
}

/*
 * Zaps attacher addresses [s, e) (inside the attachment; widened to whole
 * chunks where a PMD maps them) and drops the pins recorded there. seg->lock
 * held; sleeps (i_mmap_rwsem).
 */
static void xemem_att_drop(struct xemem_att *att, unsigned long s, unsigned long e)
{
	unsigned long first = xemem_chunk_index(att, s), last = xemem_chunk_index(att, e - 1);
	struct xemem_chunk *chunk;
	unsigned long i;

	lockdep_assert_held(&att->seg->lock);
	if (xa_get_mark(&att->chunks, first, XA_MARK_0))
		s = max(att->start, s & PMD_MASK);
	if (xa_get_mark(&att->chunks, last, XA_MARK_0))
		e = min(att->end, (e & PMD_MASK) + PMD_SIZE);
	xemem_att_zap_pages(att, att->pgoff + ((s - att->start) >> PAGE_SHIFT), (e - s) >> PAGE_SHIFT);
	xa_for_each_range(&att->chunks, i, chunk, first, last) {
		unsigned long cs = max(s, (att->start & PMD_MASK) + (i << PMD_SHIFT));
		unsigned long ce = min(e, (att->start & PMD_MASK) + ((i + 1) << PMD_SHIFT));
		unsigned long a;

		for (a = cs; a < ce; a += PAGE_SIZE) {
			struct page **slot = &chunk->pages[(a >> PAGE_SHIFT) % XEMEM_CHUNK_PAGES];

			if (*slot) {
				xemem_unpin(*slot);
				*slot = NULL;
			}
		}
		xa_clear_mark(&att->chunks, i, XA_MARK_0);
	}
}

/* The attachment can no longer map anything: zap all, drop all pins. seg->lock held. */
static void xemem_att_kill(struct xemem_att *att)
{
	lockdep_assert_held(&att->seg->lock);
	att->dead = true;
	if (att->linked)
		xemem_att_drop(att, att->start, att->end);
}

/* The segment is going: none of its attachments can map anything any more. seg->lock held. */
void xemem_atts_kill(struct xemem_seg *seg)
{
	struct xemem_att *att;

	lockdep_assert_held(&seg->lock);
	WRITE_ONCE(seg->dead, true);
	list_for_each_entry(att, &seg->atts, seg_link)
		xemem_att_kill(att);
}

/*
 * The owner's [start, end) changes: zap what the attachments map of it and
 * drop its pins. seg->lock held. If that would have to sleep and blockable is
 * false, changes nothing and returns false.
 */
bool xemem_atts_zap(struct xemem_seg *seg, unsigned long start, unsigned long end, bool blockable)
{
	struct xemem_att *att;

	lockdep_assert_held(&seg->lock);
	list_for_each_entry(att, &seg->atts, seg_link) {
		unsigned long os = xemem_owner_addr(att, att->start);
		unsigned long oe = os + (att->end - att->start);
		unsigned long s = max(os, start), e = min(oe, end);

		if (s >= e || !att->linked)
			continue;
		if (!blockable)
			return false;
		xemem_att_drop(att, att->start + (s - os), att->start + (e - os));
	}
	return true;
}

static struct xemem_chunk *xemem_chunk_get(struct xemem_att *att, unsigned long idx)
{
	struct xemem_chunk *chunk = xa_load(&att->chunks, idx), *old;

	if (chunk)
		return chunk;
	chunk = kzalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return NULL;
	old = xa_cmpxchg(&att->chunks, idx, NULL, chunk, GFP_KERNEL_ACCOUNT);
	if (old) {
		kfree(chunk);
		return xa_is_err(old) ? NULL : old;
	}
	return chunk;
}

/* Whether pages[0..n) are one PMD-sized folio in order. */
static bool xemem_is_pmd_folio(struct page **pages, unsigned long n)
{
	unsigned long i, pfn;

	if (n != XEMEM_CHUNK_PAGES || !pages[0] || !PageHead(pages[0]) ||
	    compound_order(pages[0]) != HPAGE_PMD_ORDER)
		return false;
	pfn = page_to_pfn(pages[0]);
	for (i = 1; i < n; i++)
		if (!pages[i] || page_to_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

/*
 * Locks the owner's mm for reading without waiting while the attacher's
 * mmap_lock is held (two processes attached to each other would otherwise
 * deadlock behind queued writers). Returns 0, or the VM_FAULT_RETRY to give
 * back after the attacher's lock has been dropped as the fault protocol asks.
 */
static vm_fault_t xemem_lock_owner(struct vm_fault *vmf, struct mm_struct *mm)
{
	if (mmap_read_trylock(mm))
		return 0;
	if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY)) {
		mmap_read_lock(mm);
		return 0;
	}
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT)
		return VM_FAULT_RETRY;
	mmap_read_unlock(vmf->vma->vm_mm);
	/* wait for the owner's writer, then let the fault start over */
	if (!mmap_read_lock_killable(mm))
		mmap_read_unlock(mm);
	return VM_FAULT_RETRY;
}

static vm_fault_t xemem_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xemem_att *att = vma->vm_private_data;
	struct xemem_seg *seg = att->seg;
	struct mm_struct *mm = seg->mm;
	bool same_mm = mm == vma->vm_mm;
	unsigned long addr = vmf->address & PAGE_MASK;
	unsigned long cs = max(vma->vm_start, addr & PMD_MASK);
	unsigned long ce = min(vma->vm_end, (addr & PMD_MASK) + PMD_SIZE);
	unsigned long n = (ce - cs) >> PAGE_SHIFT, fi = (addr - cs) >> PAGE_SHIFT;
	unsigned long os = xemem_owner_addr(att, cs);
	unsigned int gup_flags = att->rdonly ? 0 : FOLL_WRITE;
	unsigned long idx = xemem_chunk_index(att, cs), i;
	struct xemem_chunk *chunk;
	struct page **pages;
	vm_fault_t ret = VM_FAULT_SIGBUS, lret;
	bool want_huge, huge;
	unsigned long seq;
	long got;

	if (READ_ONCE(att->dead))
		return VM_FAULT_SIGBUS;
	chunk = xemem_chunk_get(att, idx);
	pages = kmalloc_array(XEMEM_CHUNK_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!chunk || !pages) {
		kfree(pages);
		return VM_FAULT_OOM;
	}
	if (!same_mm && !mmget_not_zero(mm)) {
		kfree(pages);
		return VM_FAULT_SIGBUS;
	}
	want_huge = n == XEMEM_CHUNK_PAGES && IS_ALIGNED(cs, PMD_SIZE) &&
		    IS_ALIGNED(os, PMD_SIZE);
again:
	memset(pages, 0, n * sizeof(*pages));
	seq = mmu_interval_read_begin(&seg->mni);
	if (!same_mm) {
		lret = xemem_lock_owner(vmf, mm);
		if (lret) {
			ret = lret;
			goto out;
		}
	}
	/* The faulting page and what follows it, then best effort what precedes it. */
	got = ck_pin_user_pages_remote(mm, os + fi * PAGE_SIZE, n - fi, gup_flags, pages + fi);
	if (got > 0 && fi)
		ck_pin_user_pages_remote(mm, os, fi, gup_flags, pages);
	if (!same_mm)
		mmap_read_unlock(mm);
	if (got <= 0) {
		for (i = 0; i < fi; i++)
			if (pages[i])
				unpin_user_page(pages[i]);
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (pages[i]) {
			atomic64_inc(&xemem_stat.pinned_pages);
			atomic64_inc(&xemem_stat.pins_total);
		}
	}

	/* Insert, serialised per VMA so a PMD and PTEs never race for one chunk. */
	mutex_lock(&att->fault_lock);
	huge = false;
	ret = VM_FAULT_NOPAGE;
	if (want_huge && xemem_is_pmd_folio(pages, n) && pmd_none(READ_ONCE(*vmf->pmd))) {
		huge = true;
		ret = vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(page_to_pfn(pages[0])), false);
	} else if (!pmd_trans_huge(READ_ONCE(*vmf->pmd))) {
		for (i = 0; i < n; i++) {
			vm_fault_t r;

			if (!pages[i])
				continue;
			r = vmf_insert_pfn_prot(vma, cs + i * PAGE_SIZE, page_to_pfn(pages[i]),
						vma->vm_page_prot);
			if (r & VM_FAULT_ERROR) {
				if (i == fi)
					ret = r;
				break;
			}
		}
	}
	mutex_unlock(&att->fault_lock);

	/* Keep the pins only if no invalidation ran since read_begin. */
	mutex_lock(&seg->lock);
	if (att->dead || mmu_interval_read_retry(&seg->mni, seq))
		goto drop;
	for (i = 0; i < n; i++) {
		struct page **slot = &chunk->pages[(cs >> PAGE_SHIFT) % XEMEM_CHUNK_PAGES + i];

		if (!pages[i])
			continue;
		if (*slot && *slot != pages[i])
			goto drop;	/* cannot happen without an invalidation */
	}
	for (i = 0; i < n; i++) {
		struct page **slot = &chunk->pages[(cs >> PAGE_SHIFT) % XEMEM_CHUNK_PAGES + i];

		if (!pages[i])
			continue;
		if (*slot)
			xemem_unpin(pages[i]);	/* pinned already */
		else
			*slot = pages[i];
	}
	if (huge)
		xa_set_mark(&att->chunks, idx, XA_MARK_0);
	mutex_unlock(&seg->lock);
	atomic64_inc(&xemem_stat.faults_total);
	goto out;

drop:
	/* What was inserted may be stale: take it out again and start over. */
	xemem_att_drop(att, cs, ce);
	mutex_unlock(&seg->lock);
	for (i = 0; i < n; i++)
		if (pages[i])
			xemem_unpin(pages[i]);
	if (att->dead) {
		ret = VM_FAULT_SIGBUS;
	} else if (fatal_signal_pending(current)) {
		ret = VM_FAULT_NOPAGE;	/* the task dies on its way out */
	} else {
		cond_resched();
		goto again;
	}
out:
	if (!same_mm)
		mmput_async(mm);
	kfree(pages);
	return ret;
}

/* A new VMA for the same attachment (mremap's copy before it is refused). */
static void xemem_vm_open(struct vm_area_struct *vma)
{
	struct xemem_att *att = vma->vm_private_data;

	mutex_lock(&att->seg->lock);
	att->nvmas++;
	mutex_unlock(&att->seg->lock);
}

static void xemem_vm_close(struct vm_area_struct *vma)
{
	struct xemem_att *att = vma->vm_private_data;
	struct xemem_seg *seg = att->seg;
	bool last;

	mutex_lock(&seg->lock);
	last = --att->nvmas == 0;
	if (last) {
		/* The PTEs are gone already: only the pins are left to drop. */
		xemem_att_kill(att);
		list_del(&att->seg_link);
		att->linked = false;
		seg->natts--;
	}
	mutex_unlock(&seg->lock);
	if (last) {
		atomic64_dec(&xemem_stat.attachments);
		xemem_att_put(att);
	}
}

/* One attachment is one VMA: no partial munmap/mprotect, no moving. */
static int xemem_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int xemem_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct xemem_vm_ops = {
	.open = xemem_vm_open,
	.close = xemem_vm_close,
	.may_split = xemem_vm_may_split,
	.mremap = xemem_vm_mremap,
	.fault = xemem_fault,
};

/* f_op->mmap: only the vm_mmap() of an ATTACH in progress, by that task. */
int xemem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xemem_att *att;
	struct xemem_seg *seg;

	xa_lock(&xemem_pending);
	att = xa_load(&xemem_pending, vma->vm_pgoff);
	if (att && att->mapper == current && att->ctx == file->private_data)
		__xa_erase(&xemem_pending, vma->vm_pgoff);
	else
		att = NULL;
	xa_unlock(&xemem_pending);
	if (!att)
		return -EINVAL;	/* mmap() of /dev/xemem itself: use XEMEM_IOC_ATTACH */
	if (vma->vm_end - vma->vm_start != att->size)
		return -EINVAL;
	if (att->rdonly && (vma->vm_flags & VM_WRITE))
		return -EACCES;

	seg = att->seg;
	mutex_lock(&seg->lock);
	if (seg->dead) {
		mutex_unlock(&seg->lock);
		return -ENOENT;
	}
	att->mm = vma->vm_mm;
	att->start = vma->vm_start;
	att->end = vma->vm_end;
	att->mapping = file->f_mapping;
	att->nvmas = 1;
	att->linked = true;
	list_add_tail(&att->seg_link, &seg->atts);
	seg->natts++;
	kref_get(&att->ref);	/* the VMA's */
	mutex_unlock(&seg->lock);
	atomic64_inc(&xemem_stat.attachments);

	ck_vma_flags(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY,
		     att->rdonly ? VM_MAYWRITE : 0);
	vma->vm_private_data = att;
	vma->vm_ops = &xemem_vm_ops;
	return 0;
}

/*
 * A range of vm_pgoff values no other attachment uses, congruent to the
 * owner address modulo 2 MiB so that thp_get_unmapped_area() picks an
 * attacher address that can take PMD mappings.
 */
static int xemem_alloc_pgoff(unsigned long owner_addr, unsigned long npages, unsigned long *pgoff)
{
	unsigned long res = (owner_addr >> PAGE_SHIFT) % XEMEM_CHUNK_PAGES, base;
	int ret = 0;

	spin_lock(&xemem_pgoff_lock);
	base = round_up(xemem_next_pgoff, XEMEM_CHUNK_PAGES) + res;
	/* the mmap offset in bytes must not overflow */
	if (base + npages + XEMEM_CHUNK_PAGES > (ULONG_MAX >> PAGE_SHIFT) / 2)
		ret = -ENOSPC;
	else
		xemem_next_pgoff = base + npages + 1;
	spin_unlock(&xemem_pgoff_lock);
	*pgoff = base;
	return ret;
}

int xemem_attach(struct file *file, struct xemem_ctx *ctx, struct xemem_attach *a)
{
	unsigned long prot = PROT_READ, flags = MAP_SHARED, addr;
	struct xemem_seg *seg;
	struct xemem_att *att;
	bool claimed;
	u32 apflags;
	int ret;

	seg = xemem_apid_use(ctx, a->apid, &apflags);
	if (IS_ERR(seg))
		return PTR_ERR(seg);
	if (a->offset >= seg->size || a->size > seg->size - a->offset) {
		xemem_seg_put(seg);
		return -EINVAL;
	}
	if (seg->size == XEMEM_MAXADDR && a->offset + a->size > TASK_SIZE) {
		xemem_seg_put(seg);
		return -EINVAL;
	}
	if (READ_ONCE(seg->dead)) {
		xemem_seg_put(seg);
		return -ENOENT;
	}
	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att) {
		xemem_seg_put(seg);
		return -ENOMEM;
	}
	kref_init(&att->ref);
	att->seg = seg;	/* takes over the reference */
	att->apid = a->apid;
	att->rdonly = apflags == XEMEM_RDONLY;
	att->offset = a->offset;
	att->size = a->size;
	att->mapper = current;
	att->ctx = ctx;
	mutex_init(&att->fault_lock);
	xa_init(&att->chunks);
	INIT_LIST_HEAD(&att->seg_link);
	ret = xemem_alloc_pgoff((unsigned long)(seg->vaddr + a->offset), a->size >> PAGE_SHIFT,
				&att->pgoff);
	if (!ret)
		ret = xa_insert(&xemem_pending, att->pgoff, att, GFP_KERNEL);
	if (ret) {
		xemem_att_put(att);
		return ret == -EBUSY ? -ENOSPC : ret;
	}

	if (!att->rdonly)
		prot |= PROT_WRITE;
	if (a->vaddr)
		flags |= MAP_FIXED;
	addr = vm_mmap(file, a->vaddr, a->size, prot, flags, att->pgoff << PAGE_SHIFT);

	claimed = xa_erase(&xemem_pending, att->pgoff) == NULL;
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		/* mmap_region() failed after our handler: no VMA, so no close() */
		if (claimed) {
			mutex_lock(&seg->lock);
			if (att->linked && att->nvmas == 1) {
				att->nvmas = 0;
				xemem_att_kill(att);
				list_del(&att->seg_link);
				att->linked = false;
				seg->natts--;
				mutex_unlock(&seg->lock);
				atomic64_dec(&xemem_stat.attachments);
				xemem_att_put(att);
			} else {
				mutex_unlock(&seg->lock);
			}
		}
		xemem_att_put(att);
		return ret;
	}
	a->addr = addr;
	xemem_att_put(att);
	return 0;
}

/* Unmaps the attachment VMA at start if it is still the one with this pgoff. */
static void xemem_unmap_one(struct mm_struct *mm, unsigned long start, unsigned long pgoff)
{
	struct vm_area_struct *vma;
	unsigned long len = 0;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, start);
	if (vma && vma->vm_ops == &xemem_vm_ops && vma->vm_start == start &&
	    vma->vm_pgoff == pgoff)
		len = vma->vm_end - vma->vm_start;
	mmap_read_unlock(mm);
	if (len)
		vm_munmap(start, len);
}

int xemem_detach(u64 vaddr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long start = 0, pgoff = 0;

	if (!mm || vaddr >= TASK_SIZE)
		return -EINVAL;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, (unsigned long)vaddr);
	if (vma && vma->vm_ops == &xemem_vm_ops) {
		start = vma->vm_start;
		pgoff = vma->vm_pgoff;
	}
	mmap_read_unlock(mm);
	if (!start)
		return -EINVAL;
	xemem_unmap_one(mm, start, pgoff);
	return 0;
}

/* RELEASE: unmap what this process attached through apid (mm is current's). */
void xemem_apid_unmap(struct xemem_seg *seg, s64 apid, struct mm_struct *mm)
{
	struct xemem_att *att;
	unsigned long start, pgoff;
	bool found;

	if (mm != current->mm)
		return;
	do {
		found = false;
		mutex_lock(&seg->lock);
		list_for_each_entry(att, &seg->atts, seg_link) {
			if (att->apid == apid && att->mm == mm && att->linked && !att->dead) {
				/* it stays unusable whether or not the unmap below finds it */
				att->dead = true;
				xemem_att_drop(att, att->start, att->end);
				start = att->start;
				pgoff = att->pgoff;
				found = true;
				break;
			}
		}
		mutex_unlock(&seg->lock);
		if (found)
			xemem_unmap_one(mm, start, pgoff);
	} while (found);
}
