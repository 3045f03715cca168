// SPDX-License-Identifier: GPL-2.0
/*
 * COKERNEL_IOC_CONSOLE: what the co-kernel printed, copied out of its console
 * ring (console_ring.h). The copy is taken under e->lock into a kernel
 * buffer; user memory is written only after the lock is dropped.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "boot.h"
#include "cokernel.h"
#include "console_ring.h"

#define CK_CONSOLE_READ_MAX (1u << 20)

int ck_console_read(struct ck_enclave *e, struct cokernel_console_read *r)
{
	struct ck_console_window w = { .pos = r->pos };
	u64 room = min_t(u64, r->len, CK_CONSOLE_READ_MAX);
	u8 *buf;
	int ret;

	buf = kvmalloc(max_t(u64, room, 1), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = mutex_lock_killable(&e->lock);
	if (ret)
		goto out;
	r->state = ck_enclave_state(e);
	/* Never trust the shared con->size. Without a boot: an empty console. */
	if (e->boot)
		ck_console_copy(e->boot->con, (const u8 *)(e->boot->con + 1),
				COKERNEL_CONSOLE_DATA_SIZE, r->pos, room, buf, &w);
	mutex_unlock(&e->lock);
	if (w.n && copy_to_user(u64_to_user_ptr(r->buf), buf, w.n))
		ret = -EFAULT;
	r->len = w.n;
	r->pos = w.pos + w.n;
	r->lost = w.lost;
out:
	kvfree(buf);
	return ret;
}
