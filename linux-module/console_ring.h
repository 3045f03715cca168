/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The reader of the co-kernel's console ring (struct cokernel_console in
 * boot.h; the writer is cokernel/lib/console_ring.hpp). head and reserve come
 * from enclave memory, which the co-kernel writes: whatever they hold, the
 * window stays inside what the reader asked for and inside the ring, and no
 * sum overflows. Plain C with the kernel's barriers or their compiler
 * builtins, so the module and the host tests and fuzzer
 * (tests/unit/test_console_ring_reader.cpp, tests/fuzz/fuzz_console_ring.cpp)
 * share it.
 *
 * ck_console_copy() is the whole read: plan with the head read (acquire),
 * copy w.n bytes from data[(w.pos + i) & (size - 1)], read reserve after the
 * copy (rmb), trim, and drop the first bytes the trim returns.
 */
#ifndef COKERNEL_CONSOLE_RING_H
#define COKERNEL_CONSOLE_RING_H

#include <cokernel/boot.h>

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/string.h>
#include <asm/barrier.h>
#define ck_console_load_acquire(p) smp_load_acquire(p)
#define ck_console_load(p) READ_ONCE(*(p))
#define ck_console_rmb() smp_rmb()
#else
#include <string.h>
#define ck_console_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define ck_console_load(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define ck_console_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

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

/* Copies what the reader has not seen, from pos on, into buf (room bytes):
 * w->n bytes, which were the ring's bytes w->pos.. while nobody overwrote
 * them. size is the reader's own idea of the ring's size (a power of two),
 * never the shared con->size; data is the ring's size bytes after *con. */
static inline void ck_console_copy(const struct cokernel_console *con, const ck_u8 *data,
				   ck_u64 size, ck_u64 pos, ck_u64 room, ck_u8 *buf,
				   struct ck_console_window *w)
{
	ck_u64 i, bad;

	ck_console_plan(ck_console_load_acquire(&con->head), size, pos, room, w);
	for (i = 0; i < w->n; i++)
		buf[i] = ck_console_load(&data[(w->pos + i) & (size - 1)]);
	ck_console_rmb();	/* the bytes before the reservation that may have overwritten them */
	bad = ck_console_trim(ck_console_load(&con->reserve), size, w);
	if (bad)	/* else buf may be NULL (room 0), and memmove(NULL, NULL, 0) is undefined */
		memmove(buf, buf + bad, w->n);
}

#endif /* COKERNEL_CONSOLE_RING_H */
