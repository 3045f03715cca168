/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Syscall delegation channel: the shared-memory area through which the
 * co-kernel (freestanding C++) sends syscalls to the proxy on Linux (the
 * `cokernel run` process) and gets the results back. See docs/delegation.md.
 *
 * One area per enclave CPU (or per job thread). Layout, every part a multiple
 * of 64 bytes so that no two writers share a cache line:
 *
 *   struct cokernel_deleg_channel          header + the cursors of both rings
 *   struct cokernel_deleg_request  [slots] co-kernel -> proxy
 *   struct cokernel_deleg_response [slots] proxy -> co-kernel
 *
 * Each ring is single-producer single-consumer. The producer fills a slot
 * and then stores its seq (release); seq == ring position + 1 marks the slot
 * ready, so the consumer polls the slot itself and never the producer's head.
 * The proxy treats everything in the area as untrusted input.
 */
#ifndef COKERNEL_UAPI_DELEGATION_H
#define COKERNEL_UAPI_DELEGATION_H

#include "abi.h"

#ifdef __KERNEL__
typedef __s64 ck_deleg_s64;
#else
typedef int64_t ck_deleg_s64;
#endif

/* hdr.revision of struct cokernel_deleg_channel. */
#define COKERNEL_DELEG_REVISION 2u
#define COKERNEL_DELEG_CACHE_LINE 64u
#define COKERNEL_DELEG_MAX_SLOTS 4096u
#define COKERNEL_DELEG_NARGS 6u

/* One 64-bit value alone on a cache line, written by one side only. */
struct cokernel_deleg_cursor {
	ck_u64 value;
	ck_u8 pad[56];
};

/* The cursors of one ring. */
struct cokernel_deleg_ring_ctl {
	struct cokernel_deleg_cursor head;  /* producer: positions published */
	struct cokernel_deleg_cursor tail;  /* consumer: positions consumed */
	struct cokernel_deleg_cursor sleep; /* consumer: 1 while it may block (rarely written) */
};

struct cokernel_deleg_channel {
	struct cokernel_hdr hdr; /* COKERNEL_SIGNATURE, COKERNEL_DELEG_REVISION, sizeof(this struct) */
	ck_u32 slots;            /* per ring: power of two, 1..COKERNEL_DELEG_MAX_SLOTS */
	ck_u32 cpu;              /* enclave CPU (or job thread) this channel serves */
	ck_u64 area_size;        /* bytes of the whole area: header + both rings */
	ck_u64 interrupt;        /* co-kernel: the seq of the request in flight whose syscall the proxy is
				  * to interrupt (a signal came for its thread: the syscall returns EINTR
				  * as Linux's would); 0: none. Untrusted: the proxy only compares it. */
	ck_u8 pad[32];
	struct cokernel_deleg_ring_ctl req;  /* co-kernel produces, proxy consumes */
	struct cokernel_deleg_ring_ctl resp; /* proxy produces, co-kernel consumes */
};

/* Request flags. */
#define COKERNEL_DELEG_F_NONE 0u
#define COKERNEL_DELEG_F_ALL 0u /* no flag is defined yet; others are rejected */

struct cokernel_deleg_request {
	ck_u64 seq;   /* ring position + 1; stored last */
	ck_u32 nr;    /* x86-64 syscall number */
	ck_u32 flags; /* COKERNEL_DELEG_F_* */
	ck_u64 args[COKERNEL_DELEG_NARGS];
};

struct cokernel_deleg_response {
	ck_u64 seq;       /* ring position + 1; stored last */
	ck_u64 req_seq;   /* seq of the request this answers */
	ck_deleg_s64 ret; /* Linux convention: result, or -errno */
	ck_u8 pad[40];
};

COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_deleg_cursor) == 64, "deleg cursor layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_deleg_ring_ctl) == 192, "deleg ring ctl layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_channel, slots) == 8, "deleg channel layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_channel, area_size) == 16, "deleg channel layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_channel, interrupt) == 24, "deleg channel layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_channel, req) == 64, "deleg channel layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_channel, resp) == 256, "deleg channel layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_deleg_channel) == 448, "deleg channel layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_request, args) == 16, "deleg request layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_deleg_request) == 64, "deleg request layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_deleg_response, ret) == 16, "deleg response layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_deleg_response) == 64, "deleg response layout");

#endif /* COKERNEL_UAPI_DELEGATION_H */
