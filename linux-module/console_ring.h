/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The reader's arithmetic of the co-kernel's console ring (struct
 * cokernel_console in boot.h; the writer is cokernel/lib/console_ring.hpp).
 * head and reserve come from enclave memory, which the co-kernel writes:
 * whatever they hold, the window stays inside what the reader asked for and
 * inside the ring, and no sum overflows. Pure C over ck_u64, so the module
 * and the host tests and fuzzer (tests/fuzz/fuzz_console_ring.cpp) share it.
 *
 * Use: plan with the head read (acquire), copy w.n bytes from
 * data[(w.pos + i) & (size - 1)], read reserve after the copy (rmb), trim,
 * and drop the first bytes the trim returns.
 */
#ifndef COKERNEL_CONSOLE_RING_H
#define COKERNEL_CONSOLE_RING_H

#include <cokernel/abi.h>

struct ck_console_window {
	ck_u64 pos;  /* first byte to copy */
	ck_u64 n;    /* bytes to copy */
	ck_u64 lost; /* bytes before pos the reader will never see */
};

/* size is a power of two; room is how many bytes the reader can take. */
static inline void ck_console_plan(ck_u64 head, ck_u64 size, ck_u64 pos, ck_u64 room,
				   struct ck_console_window *w)
{
	w->lost = 0;
	if (pos > head)
		pos = head;	/* a reader ahead of the writer: nothing to read */
	if (head - pos > size) {
		w->lost = head - size - pos;
		pos = head - size;
	}
	w->pos = pos;
	w->n = head - pos < room ? head - pos : room;
}

/* The writer had reserved up to reserve while we copied: bytes below
 * reserve - size may hold newer data. Returns how many leading bytes of the
 * copy to drop; w is updated. */
static inline ck_u64 ck_console_trim(ck_u64 reserve, ck_u64 size, struct ck_console_window *w)
{
	ck_u64 bad;

	if (reserve <= size || w->pos >= reserve - size)
		return 0;
	bad = reserve - size - w->pos;
	if (bad > w->n)
		bad = w->n;
	w->lost += bad;
	w->pos += bad;
	w->n -= bad;
	return bad;
}

#endif /* COKERNEL_CONSOLE_RING_H */
