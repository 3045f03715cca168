/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XEMEM inside cokernel.ko: the /dev/xemem shared-memory service.
 *
 *  xemem_seg.c     segments, apids, names, ids, per-file contexts: the
 *                  tables under xemem_lock and the permission checks
 *  xemem_attach.c  attachments: mmap, fault, pins, zapping what they map
 *  xemem_life.c    segment lifetime: MAKE with its MMU notifier and the
 *                  notifier's ops, REMOVE, RELEASE, the owner's exit (kill
 *                  work), the close of a file
 *  xemem_dev.c     the device, ioctl decoding and argument checks
 *
 * Each file calls only into the files above it, so the calls form a DAG:
 * xemem_attach.c uses xemem_seg.c; xemem_life.c uses both; xemem_dev.c
 * (and main.c, through xemem_init/exit) sits on top.
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
 *     Taken in xemem_seg.c, and in xemem_life.c by MAKE (across the notifier
 *     insertion) and by the kill work.
 *   attacher mmap_lock -> owner mmap_lock (read, trylock in faults)
 *   att->fault_lock (mutex): serialises PTE/PMD insertion into one VMA.
 *   seg->lock (mutex): seg->atts, seg->dead, att->dead, the pin records.
 *     Taken by the owner-side invalidation (xemem_life.c), which then zaps
 *     attacher PTEs (xemem_atts_zap(), xemem_atts_kill()) with
 *     unmap_mapping_pages() (i_mmap_rwsem of /dev/xemem): the attacher's
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

/* xemem_seg.c */
extern struct mutex xemem_lock;
bool xemem_valid_name(const char *name, bool allow_empty);
struct xemem_ctx *xemem_ctx_alloc(void);
void xemem_ctx_unlink(struct xemem_ctx *ctx, struct list_head *dead);
struct xemem_seg *xemem_seg_new(const struct xemem_make *m);
void xemem_seg_put(struct xemem_seg *seg);
struct xemem_seg *xemem_seg_take(s64 segid);
int xemem_seg_get(struct xemem_ctx *ctx, struct xemem_get *g);
struct xemem_apid *xemem_apid_take(struct xemem_ctx *ctx, s64 apid);
void xemem_apid_free(struct xemem_apid *ap);
struct xemem_seg *xemem_apid_use(struct xemem_ctx *ctx, s64 apid, u32 *flags);
int xemem_seg_lookup(struct xemem_lookup *l);
int xemem_seg_list(struct xemem_list *l);
/* with xemem_lock held */
struct xemem_seg *xemem_seg_find_name(const char *name);
int xemem_seg_insert(struct xemem_ctx *ctx, struct xemem_seg *seg);
bool xemem_seg_unlink(struct xemem_seg *seg);

/* xemem_attach.c */
int xemem_attach(struct file *file, struct xemem_ctx *ctx, struct xemem_attach *a);
int xemem_detach(u64 vaddr);
int xemem_mmap(struct file *file, struct vm_area_struct *vma);
void xemem_apid_unmap(struct xemem_seg *seg, s64 apid, struct mm_struct *mm);
bool xemem_own_zap(void);	/* the caller is inside xemem's own zap of attacher PTEs */
/* with seg->lock held */
void xemem_atts_kill(struct xemem_seg *seg);
bool xemem_atts_zap(struct xemem_seg *seg, unsigned long start, unsigned long end, bool blockable);

/* xemem_life.c */
extern struct workqueue_struct *xemem_wq;
int xemem_seg_make(struct xemem_ctx *ctx, struct xemem_make *m);
int xemem_seg_remove(s64 segid);
int xemem_seg_release(struct xemem_ctx *ctx, s64 apid);
void xemem_ctx_release(struct xemem_ctx *ctx);

/* xemem_dev.c */
int xemem_init(void);
void xemem_exit(void);

#endif /* COKERNEL_XEMEM_H */
