/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XEMEM inside cokernel.ko: the /dev/xemem shared-memory service.
 *
 *  xemem_dev.c     the device, ioctl decoding and argument checks
 *  xemem_seg.c     segments, apids, names, ids, per-file contexts
 *  xemem_attach.c  attachments: mmap, fault, MMU notifier, pins
 *
 * Objects:
 *  - struct xemem_seg: [vaddr, vaddr + size) of an owner's mm, watched by an
 *    mmu_interval_notifier. Refcounted: the id table, every apid, every
 *    attachment and a pending kill work each hold a reference.
 *  - struct xemem_apid: a permit (XEMEM_IOC_GET) bound to the open file and
 *    the mm that asked for it.
 *  - struct xemem_att: one attachment, mapped by exactly one VMA of the
 *    attacher (splitting is refused). It records the owner pages it pinned,
 *    by 2 MiB chunk of the attacher's address range.
 *
 * Locking (outer to inner):
 *   xemem_lock (mutex): the segment and apid tables, names, per-file lists,
 *     seg->ngets, seg->unlinked. Never taken in fault, mmap or notifier paths.
 *   attacher mmap_lock -> owner mmap_lock (read, trylock in faults)
 *   att->fault_lock (mutex): serialises PTE/PMD insertion into one VMA.
 *   seg->lock (mutex): seg->atts, seg->dead, att->dead, the pin records.
 *     Taken by the owner-side invalidation, which then zaps attacher PTEs
 *     with unmap_mapping_pages() (i_mmap_rwsem of /dev/xemem): the attacher's
 *     mmap_lock is never taken there, and a VMA being unmapped leaves the
 *     i_mmap tree before its page tables are freed. Nothing allocates memory
 *     while holding seg->lock (reclaim would re-enter the invalidation).
 */
#ifndef COKERNEL_XEMEM_H
#define COKERNEL_XEMEM_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <cokernel/xemem.h>

#define XEMEM_CHUNK_PAGES 512 /* pages of one 2 MiB chunk (PMD) */

/* One open /dev/xemem. */
struct xemem_ctx {
	struct list_head segs;	/* made through this file (xemem_lock) */
	struct list_head apids;	/* got through this file (xemem_lock) */
};

struct xemem_seg {
	struct kref ref;
	s64 segid;
	u64 vaddr;
	u64 size;		/* XEMEM_MAXADDR for the whole address space */
	u32 mode;
	kuid_t uid;
	kgid_t gid;
	pid_t tgid;		/* init pid namespace */
	char name[XEMEM_NAME_LEN];
	struct mm_struct *mm;	/* mmgrab()ed for the segment's lifetime */
	struct mmu_interval_notifier mni;
	bool mni_live;

	/* xemem_lock */
	struct xemem_ctx *ctx;
	struct list_head ctx_link;
	struct list_head apids;
	u32 ngets;
	bool unlinked;

	/* seg->lock */
	struct mutex lock;
	struct list_head atts;
	u32 natts;
	bool dead;

	unsigned long kill_queued;	/* bit 0: kill_work queued */
	struct work_struct kill_work;
};

struct xemem_apid {
	s64 apid;
	u32 flags;		/* XEMEM_RDONLY or XEMEM_RDWR */
	struct xemem_seg *seg;	/* holds a reference */
	struct mm_struct *mm;	/* mmgrab()ed: the getter */
	struct xemem_ctx *ctx;
	struct list_head ctx_link;	/* xemem_lock */
	struct list_head seg_link;	/* xemem_lock */
};

/* The pins of one 2 MiB chunk of an attachment, by page within the chunk. */
struct xemem_chunk {
	struct page *pages[XEMEM_CHUNK_PAGES];
};

struct xemem_att {
	struct kref ref;	/* the ATTACH ioctl while it runs, the VMA */
	struct xemem_seg *seg;	/* holds a reference */
	s64 apid;
	bool rdonly;
	u64 offset;		/* in the segment */
	u64 size;
	unsigned long pgoff;	/* vm_pgoff: unique range in /dev/xemem */
	struct task_struct *mapper;	/* the task whose vm_mmap() may claim it */
	struct xemem_ctx *ctx;

	/* set by the mmap handler */
	struct mm_struct *mm;
	unsigned long start, end;
	struct address_space *mapping;

	struct mutex fault_lock;
	struct xarray chunks;	/* chunk index -> struct xemem_chunk; XA_MARK_0 = PMD mapped */

	/* seg->lock */
	struct list_head seg_link;
	unsigned int nvmas;
	bool dead;
	bool linked;
};

struct xemem_counters {
	atomic64_t segments, apids, attachments, pinned_pages;
	atomic64_t pins_total, unpins_total, faults_total, invalidations_total;
};
extern struct xemem_counters xemem_stat;

/* xemem_dev.c */
int xemem_init(void);
void xemem_exit(void);

/* xemem_seg.c */
extern struct workqueue_struct *xemem_wq;
struct xemem_ctx *xemem_ctx_alloc(void);
void xemem_ctx_release(struct xemem_ctx *ctx);
int xemem_seg_make(struct xemem_ctx *ctx, struct xemem_make *m);
int xemem_seg_remove(s64 segid);
int xemem_seg_get(struct xemem_ctx *ctx, struct xemem_get *g);
int xemem_seg_release(struct xemem_ctx *ctx, s64 apid);
int xemem_seg_lookup(struct xemem_lookup *l);
int xemem_seg_list(struct xemem_list *l);
struct xemem_seg *xemem_apid_use(struct xemem_ctx *ctx, s64 apid, u32 *flags);
void xemem_seg_put(struct xemem_seg *seg);
void xemem_seg_queue_kill(struct xemem_seg *seg);
bool xemem_valid_name(const char *name, bool allow_empty);

/* xemem_attach.c */
extern const struct mmu_interval_notifier_ops xemem_mni_ops;
int xemem_attach(struct file *file, struct xemem_ctx *ctx, struct xemem_attach *a);
int xemem_detach(u64 vaddr);
int xemem_mmap(struct file *file, struct vm_area_struct *vma);
void xemem_seg_kill_atts(struct xemem_seg *seg);
void xemem_apid_unmap(struct xemem_seg *seg, s64 apid, struct mm_struct *mm);

#endif /* COKERNEL_XEMEM_H */
