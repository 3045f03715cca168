// SPDX-License-Identifier: GPL-2.0
/*
 * XEMEM segments, apids, names and ids: the tables under xemem_lock and the
 * permission checks (see xemem.h for the objects and the lock order,
 * docs/module-interface.md for the semantics). Nothing here knows about
 * attachments or what the MMU notifier does: making a segment, and ending it
 * once it is out of the tables, is xemem_life.c.
 *
 * Segment ids and apids come from one 48-bit serial counter that only grows,
 * so an id is never reused while the module is loaded; Linux segments carry
 * domain 0.
 */
#define pr_fmt(fmt) "xemem: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "xemem.h"

DEFINE_MUTEX(xemem_lock);
static DEFINE_XARRAY(xemem_segs);	/* serial -> seg (xemem_lock) */
static DEFINE_XARRAY(xemem_apids);	/* serial -> apid (xemem_lock) */
static u64 xemem_serial;		/* last serial handed out (xemem_lock) */

struct xemem_counters xemem_stat;

static void xemem_seg_free(struct kref *ref)
{
	struct xemem_seg *seg = container_of(ref, struct xemem_seg, ref);

	mmdrop(seg->mm);
	kfree(seg);
}

void xemem_seg_put(struct xemem_seg *seg)
{
	kref_put(&seg->ref, xemem_seg_free);
}

bool xemem_valid_name(const char *name, bool allow_empty)
{
	size_t len = strnlen(name, XEMEM_NAME_LEN);
	size_t i;

	if (len == XEMEM_NAME_LEN)
		return false;	/* no terminating NUL */
	if (!len)
		return allow_empty && !memchr_inv(name, 0, XEMEM_NAME_LEN);
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	/* the bytes after the NUL are padding and must be 0 */
	return !memchr_inv(name + len, 0, XEMEM_NAME_LEN - len);
}

static s64 xemem_next_id(void)
{
	lockdep_assert_held(&xemem_lock);
	return (s64)(((u64)XEMEM_DOMAIN_LINUX << XEMEM_ID_DOMAIN_SHIFT) |
		     (++xemem_serial & XEMEM_ID_SERIAL_MASK));
}

/* The table index of a Linux-domain id, 0 for anything that is not one. */
static unsigned long xemem_id_index(s64 id)
{
	if (id <= 0 || XEMEM_ID_DOMAIN(id) != XEMEM_DOMAIN_LINUX)
		return 0;
	return (unsigned long)((u64)id & XEMEM_ID_SERIAL_MASK);
}

/* The segment with this id, NULL if there is none (xemem_lock held). */
static struct xemem_seg *xemem_seg_find(s64 segid)
{
	unsigned long idx = xemem_id_index(segid);

	lockdep_assert_held(&xemem_lock);
	return idx ? xa_load(&xemem_segs, idx) : NULL;
}

/* The segment with this name, NULL if there is none (xemem_lock held). */
struct xemem_seg *xemem_seg_find_name(const char *name)
{
	struct xemem_seg *seg;
	unsigned long i;

	lockdep_assert_held(&xemem_lock);
	xa_for_each(&xemem_segs, i, seg)
		if (!strncmp(seg->name, name, XEMEM_NAME_LEN))
			return seg;
	return NULL;
}

/* A segment of current's mm as m describes it, in no table yet. */
struct xemem_seg *xemem_seg_new(const struct xemem_make *m)
{
	struct mm_struct *mm = current->mm;
	struct xemem_seg *seg;

	if (!mm)
		return ERR_PTR(-EINVAL);
	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		return ERR_PTR(-ENOMEM);
	kref_init(&seg->ref);
	seg->vaddr = m->vaddr;
	seg->size = m->size;
	seg->mode = m->permit_value;
	seg->uid = current_euid();
	seg->gid = current_egid();
	seg->tgid = task_tgid_nr(current);
	memcpy(seg->name, m->name, XEMEM_NAME_LEN);
	mmgrab(mm);
	seg->mm = mm;
	mutex_init(&seg->lock);
	INIT_LIST_HEAD(&seg->atts);
	INIT_LIST_HEAD(&seg->apids);
	return seg;
}

/* Gives seg its id and puts it in the tables, as made through ctx (xemem_lock held). */
int xemem_seg_insert(struct xemem_ctx *ctx, struct xemem_seg *seg)
{
	int ret;

	lockdep_assert_held(&xemem_lock);
	seg->segid = xemem_next_id();
	ret = xa_insert(&xemem_segs, xemem_id_index(seg->segid), seg, GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -ENOSPC : ret;
	seg->ctx = ctx;
	list_add_tail(&seg->ctx_link, &ctx->segs);
	atomic64_inc(&xemem_stat.segments);
	return 0;
}

/* Frees an apid that is in no table (and its segment reference). */
void xemem_apid_free(struct xemem_apid *ap)
{
	xemem_seg_put(ap->seg);
	mmdrop(ap->mm);
	kfree(ap);
	atomic64_dec(&xemem_stat.apids);
}

/* Takes ap out of every table; the caller frees it. */
static void xemem_apid_unlink(struct xemem_apid *ap)
{
	lockdep_assert_held(&xemem_lock);
	xa_erase(&xemem_apids, xemem_id_index(ap->apid));
	list_del(&ap->ctx_link);
	list_del(&ap->seg_link);
	ap->seg->ngets--;
}

/*
 * Takes seg out of the tables (GET, LOOKUP, LIST no longer see it) and frees
 * its apids. Returns false if someone else already did. The table's
 * reference passes to the caller, who tears the segment down.
 */
bool xemem_seg_unlink(struct xemem_seg *seg)
{
	struct xemem_apid *ap, *tmp;

	lockdep_assert_held(&xemem_lock);
	if (seg->unlinked)
		return false;
	seg->unlinked = true;
	xa_erase(&xemem_segs, xemem_id_index(seg->segid));
	list_del(&seg->ctx_link);
	list_for_each_entry_safe(ap, tmp, &seg->apids, seg_link) {
		xemem_apid_unlink(ap);
		xemem_apid_free(ap);
	}
	atomic64_dec(&xemem_stat.segments);
	return true;
}

/*
 * REMOVE: takes the segment with this id out of the tables if current's mm
 * owns it. The table's reference passes to the caller.
 */
struct xemem_seg *xemem_seg_take(s64 segid)
{
	struct xemem_seg *seg;

	mutex_lock(&xemem_lock);
	seg = xemem_seg_find(segid);
	if (!seg)
		seg = ERR_PTR(-ENOENT);
	else if (seg->mm != current->mm)
		seg = ERR_PTR(-EACCES);
	else
		xemem_seg_unlink(seg);
	mutex_unlock(&xemem_lock);
	return seg;
}

/*
 * XPMEM's permission rule: the owner's bits when the caller's effective uid
 * is the segment's, the group bits when the segment's gid is among the
 * caller's groups, the other bits otherwise. CAP_FOWNER (root) overrides,
 * as it does for files.
 */
static bool xemem_permitted(const struct xemem_seg *seg, u32 flags)
{
	u32 need = flags == XEMEM_RDWR ? 6 : 4;
	u32 bits;

	if (uid_eq(current_euid(), seg->uid))
		bits = seg->mode >> 6;
	else if (in_egroup_p(seg->gid))
		bits = seg->mode >> 3;
	else
		bits = seg->mode;
	if ((bits & need) == need)
		return true;
	return capable(CAP_FOWNER);
}

int xemem_seg_get(struct xemem_ctx *ctx, struct xemem_get *g)
{
	struct xemem_apid *ap;
	struct xemem_seg *seg;
	int ret;

	ap = kzalloc(sizeof(*ap), GFP_KERNEL_ACCOUNT);
	if (!ap)
		return -ENOMEM;
	mutex_lock(&xemem_lock);
	seg = xemem_seg_find(g->segid);
	if (!seg || READ_ONCE(seg->dead)) {
		ret = -ENOENT;
		goto err;
	}
	if (!xemem_permitted(seg, g->flags)) {
		ret = -EACCES;
		goto err;
	}
	ap->apid = xemem_next_id();
	ret = xa_insert(&xemem_apids, xemem_id_index(ap->apid), ap, GFP_KERNEL);
	if (ret) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err;
	}
	ap->flags = g->flags;
	kref_get(&seg->ref);
	ap->seg = seg;
	mmgrab(current->mm);
	ap->mm = current->mm;
	ap->ctx = ctx;
	list_add_tail(&ap->ctx_link, &ctx->apids);
	list_add_tail(&ap->seg_link, &seg->apids);
	seg->ngets++;
	atomic64_inc(&xemem_stat.apids);
	g->apid = ap->apid;
	mutex_unlock(&xemem_lock);
	return 0;

err:
	mutex_unlock(&xemem_lock);
	kfree(ap);
	return ret;
}

/* The apid, if this file and this process may use it (xemem_lock held). */
static struct xemem_apid *xemem_apid_find(struct xemem_ctx *ctx, s64 apid, int *err)
{
	unsigned long idx = xemem_id_index(apid);
	struct xemem_apid *ap = idx ? xa_load(&xemem_apids, idx) : NULL;

	lockdep_assert_held(&xemem_lock);
	if (!ap) {
		*err = -ENOENT;
		return NULL;
	}
	if (ap->ctx != ctx || ap->mm != current->mm) {
		*err = -EACCES;
		return NULL;
	}
	return ap;
}

/*
 * RELEASE: takes the apid out of every table if this file and this process
 * may use it. The caller frees it.
 */
struct xemem_apid *xemem_apid_take(struct xemem_ctx *ctx, s64 apid)
{
	struct xemem_apid *ap;
	int err = 0;

	mutex_lock(&xemem_lock);
	ap = xemem_apid_find(ctx, apid, &err);
	if (ap)
		xemem_apid_unlink(ap);
	mutex_unlock(&xemem_lock);
	return ap ? ap : ERR_PTR(err);
}

struct xemem_seg *xemem_apid_use(struct xemem_ctx *ctx, s64 apid, u32 *flags)
{
	struct xemem_apid *ap;
	struct xemem_seg *seg;
	int err = 0;

	mutex_lock(&xemem_lock);
	ap = xemem_apid_find(ctx, apid, &err);
	if (!ap) {
		mutex_unlock(&xemem_lock);
		return ERR_PTR(err);
	}
	seg = ap->seg;
	kref_get(&seg->ref);
	*flags = ap->flags;
	mutex_unlock(&xemem_lock);
	return seg;
}

int xemem_seg_lookup(struct xemem_lookup *l)
{
	struct xemem_seg *seg;

	mutex_lock(&xemem_lock);
	seg = xemem_seg_find_name(l->name);
	if (seg)
		l->segid = seg->segid;
	mutex_unlock(&xemem_lock);
	return seg ? 0 : -ENOENT;
}

int xemem_seg_list(struct xemem_list *l)
{
	struct xemem_segment_info *info = NULL;
	struct xemem_seg *seg;
	unsigned long i;
	u32 n = 0, count = 0;
	int ret = 0;

	mutex_lock(&xemem_lock);
	xa_for_each(&xemem_segs, i, seg)
		count++;
	/* sized by what exists, not by what user space asks for */
	if (min(l->capacity, count)) {
		info = kvcalloc(min(l->capacity, count), sizeof(*info), GFP_KERNEL);
		if (!info) {
			mutex_unlock(&xemem_lock);
			return -ENOMEM;
		}
	}
	xa_for_each(&xemem_segs, i, seg) {
		struct xemem_segment_info *e;

		if (n == min(l->capacity, count))
			break;
		e = &info[n++];
		e->segid = seg->segid;
		e->vaddr = seg->vaddr;
		e->size = seg->size;
		e->owner_pid = seg->tgid;
		e->owner_uid = from_kuid_munged(&init_user_ns, seg->uid);
		e->mode = seg->mode;
		e->domain = XEMEM_DOMAIN_LINUX;
		e->gets = seg->ngets;
		e->attachments = READ_ONCE(seg->natts);
		memcpy(e->name, seg->name, XEMEM_NAME_LEN);
	}
	mutex_unlock(&xemem_lock);
	if (n && copy_to_user(u64_to_user_ptr(l->entries), info, n * sizeof(*info)))
		ret = -EFAULT;
	l->count = count;
	kvfree(info);
	return ret;
}

struct xemem_ctx *xemem_ctx_alloc(void)
{
	struct xemem_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	if (ctx) {
		INIT_LIST_HEAD(&ctx->segs);
		INIT_LIST_HEAD(&ctx->apids);
	}
	return ctx;
}

/*
 * The last reference to an open /dev/xemem is gone: its apids are freed and
 * the segments made through it are unlinked onto dead, each with the table's
 * reference, for the caller to tear down.
 */
void xemem_ctx_unlink(struct xemem_ctx *ctx, struct list_head *dead)
{
	struct xemem_seg *seg, *stmp;
	struct xemem_apid *ap, *atmp;

	mutex_lock(&xemem_lock);
	list_for_each_entry_safe(ap, atmp, &ctx->apids, ctx_link) {
		xemem_apid_unlink(ap);
		xemem_apid_free(ap);
	}
	list_for_each_entry_safe(seg, stmp, &ctx->segs, ctx_link) {
		xemem_seg_unlink(seg);
		list_add_tail(&seg->ctx_link, dead);	/* unlink did list_del */
	}
	mutex_unlock(&xemem_lock);
}
