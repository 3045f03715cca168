/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * XEMEM: the shared-memory service's ioctl ABI on /dev/xemem (part of
 * cokernel.ko). The layouts follow the rules of abi.h: fixed-width types,
 * explicit padding that must be 0, every argument starts with struct
 * cokernel_hdr and the module rejects a mismatch with EINVAL.
 *
 * libxemem (xemem/) turns these requests into XPMEM's user API
 * (xpmem_make/get/attach/...); see docs/xemem.md for the semantics.
 */
#ifndef COKERNEL_UAPI_XEMEM_H
#define COKERNEL_UAPI_XEMEM_H

#include "abi.h"

#ifdef __KERNEL__
typedef __s64 ck_s64;
#else
typedef int64_t ck_s64;
#endif

/* The hdr.revision of every /dev/xemem request (the rule is in abi.h). */
#define COKERNEL_XEMEM_REVISION 1u

#define XEMEM_DEVICE "/dev/xemem"
/* What xpmem_version() returns: XEMEM's protocol, major.minor in 16.16. */
#define XEMEM_VERSION 0x00010000u

/* A segment name, NUL-terminated, printable ASCII without spaces. */
#define XEMEM_NAME_LEN 64u

/*
 * Segment ids (and access permit ids, "apids") are positive 64-bit numbers
 * shared by every domain that can export memory:
 *
 *   bit 63      0 (ids are positive; -1 is the error value of the C API)
 *   bits 62..48 domain: 0 = Linux, 1 + N = enclave N
 *   bits 47..0  serial number within the domain, never 0, never reused
 *               while the module is loaded
 *
 * Linux segments are backed by a live process's address space (the pages
 * can change; the module follows them with an MMU notifier). Enclave
 * segments (a later issue) are described by physical frame ranges, see
 * struct xemem_frame_range.
 */
#define XEMEM_ID_DOMAIN_SHIFT 48
#define XEMEM_ID_SERIAL_MASK ((1ull << XEMEM_ID_DOMAIN_SHIFT) - 1)
#define XEMEM_DOMAIN_LINUX 0u
#define XEMEM_ID_DOMAIN(id) xemem_id_domain(id)

/* The domain field of a segment id or apid (a function, not a cast-laden
 * macro, so C++ built with -Wold-style-cast can use it). */
#ifdef __cplusplus
#define XEMEM_CAST(type, value) static_cast<type>(value)
#else
#define XEMEM_CAST(type, value) ((type)(value))
#endif
static inline ck_u32 xemem_id_domain(ck_s64 id)
{
	return XEMEM_CAST(ck_u32, (XEMEM_CAST(ck_u64, id) >> XEMEM_ID_DOMAIN_SHIFT) & 0x7fffu);
}

/* Access flags of XEMEM_IOC_GET (values are XPMEM's). */
#define XEMEM_RDONLY 0x1u
#define XEMEM_RDWR 0x2u
/* Permit types (value is XPMEM's): permit_value is a mode like 0600. */
#define XEMEM_PERMIT_MODE 0x1u
#define XEMEM_MODE_ALL 0777u

/* XEMEM_IOC_VERSION: out only; the header is checked. */
struct xemem_version {
	struct cokernel_hdr hdr;
	ck_u32 version;      /* out: XEMEM_VERSION */
	ck_u32 abi_revision; /* out: COKERNEL_XEMEM_REVISION */
};

/*
 * XEMEM_IOC_MAKE: export [vaddr, vaddr + size) of the calling process.
 * vaddr and size are page aligned, size > 0, the range lies in user space;
 * vaddr 0 with size XEMEM_MAXADDR exports the whole address space. The
 * range need not be mapped yet. name is empty (all zero) or a unique name.
 */
#define XEMEM_MAXADDR 0xffffffffffffffffull
struct xemem_make {
	struct cokernel_hdr hdr;
	ck_u64 vaddr;
	ck_u64 size;
	ck_u32 permit_type;  /* XEMEM_PERMIT_MODE */
	ck_u32 permit_value; /* mode bits, subset of XEMEM_MODE_ALL */
	char name[XEMEM_NAME_LEN];
	ck_s64 segid; /* out */
};

/* XEMEM_IOC_REMOVE: the owner withdraws a segment; attachments lose their
 * pages (later accesses get SIGBUS), apids become invalid. */
struct xemem_remove {
	struct cokernel_hdr hdr;
	ck_s64 segid;
};

/* XEMEM_IOC_GET: ask for access to a segment; mode bits and uid are checked
 * here (EACCES). permit_type/permit_value must be 0 (XPMEM passes NULL). */
struct xemem_get {
	struct cokernel_hdr hdr;
	ck_s64 segid;
	ck_u32 flags;        /* XEMEM_RDONLY or XEMEM_RDWR */
	ck_u32 permit_type;  /* 0 */
	ck_u64 permit_value; /* 0 */
	ck_s64 apid;         /* out */
};

/* XEMEM_IOC_RELEASE: give back an apid; its attachments are detached. */
struct xemem_release {
	struct cokernel_hdr hdr;
	ck_s64 apid;
};

/*
 * XEMEM_IOC_ATTACH: map [offset, offset + size) of the segment behind apid
 * into the caller. offset and size page aligned, size > 0, the range inside
 * the segment. vaddr 0 lets the kernel choose, otherwise it is a fixed,
 * page-aligned address (like XPMEM). Read-only apids map read-only.
 */
struct xemem_attach {
	struct cokernel_hdr hdr;
	ck_s64 apid;
	ck_u64 offset;
	ck_u64 size;
	ck_u64 vaddr; /* in: 0 or fixed address */
	ck_u64 addr;  /* out: where it is mapped */
};

/* XEMEM_IOC_DETACH: unmap the attachment that contains vaddr. */
struct xemem_detach {
	struct cokernel_hdr hdr;
	ck_u64 vaddr;
};

/* XEMEM_IOC_LOOKUP: the segid of a named segment (ENOENT if none). */
struct xemem_lookup {
	struct cokernel_hdr hdr;
	char name[XEMEM_NAME_LEN];
	ck_s64 segid; /* out */
};

/* One segment as XEMEM_IOC_LIST reports it. */
struct xemem_segment_info {
	ck_s64 segid;
	ck_u64 vaddr;
	ck_u64 size;
	ck_u32 owner_pid; /* thread group id, in the init pid namespace */
	ck_u32 owner_uid;
	ck_u32 mode;
	ck_u32 domain;    /* XEMEM_DOMAIN_LINUX or 1 + enclave id */
	ck_u32 gets;      /* apids outstanding */
	ck_u32 attachments;
	char name[XEMEM_NAME_LEN];
};

/* XEMEM_IOC_LIST: up to capacity segments copied to entries (a user
 * pointer to an array of struct xemem_segment_info); count is the total
 * number of segments, which may be more than capacity. */
struct xemem_list {
	struct cokernel_hdr hdr;
	ck_u32 capacity;
	ck_u32 count; /* out */
	ck_u64 entries;
};

/* XEMEM_IOC_STATS: module-wide counters, so tests can prove nothing leaks. */
struct xemem_stats {
	struct cokernel_hdr hdr;
	ck_u64 segments;      /* live segments */
	ck_u64 apids;         /* live apids */
	ck_u64 attachments;   /* live attachments */
	ck_u64 pinned_pages;  /* pages pinned right now (0 when idle) */
	ck_u64 pins_total;    /* pages ever pinned */
	ck_u64 unpins_total;  /* pages ever unpinned */
	ck_u64 faults_total;  /* attacher faults served */
	ck_u64 invalidations_total; /* owner-side invalidations seen */
};

/*
 * A run of physical frames: how a segment exported by an enclave (whose
 * memory never moves) is described to other domains, so 1 GiB is a few
 * entries rather than 262144 page numbers. Used by the enclave side.
 */
struct xemem_frame_range {
	ck_u64 first_pfn;
	ck_u64 count;
};

#define XEMEM_IOC_MAGIC 0xCF
#define XEMEM_IOC_VERSION _IOWR(XEMEM_IOC_MAGIC, 0x00, struct xemem_version)
#define XEMEM_IOC_MAKE _IOWR(XEMEM_IOC_MAGIC, 0x01, struct xemem_make)
#define XEMEM_IOC_REMOVE _IOW(XEMEM_IOC_MAGIC, 0x02, struct xemem_remove)
#define XEMEM_IOC_GET _IOWR(XEMEM_IOC_MAGIC, 0x03, struct xemem_get)
#define XEMEM_IOC_RELEASE _IOW(XEMEM_IOC_MAGIC, 0x04, struct xemem_release)
#define XEMEM_IOC_ATTACH _IOWR(XEMEM_IOC_MAGIC, 0x05, struct xemem_attach)
#define XEMEM_IOC_DETACH _IOW(XEMEM_IOC_MAGIC, 0x06, struct xemem_detach)
#define XEMEM_IOC_LOOKUP _IOWR(XEMEM_IOC_MAGIC, 0x07, struct xemem_lookup)
#define XEMEM_IOC_LIST _IOWR(XEMEM_IOC_MAGIC, 0x08, struct xemem_list)
#define XEMEM_IOC_STATS _IOWR(XEMEM_IOC_MAGIC, 0x09, struct xemem_stats)

COKERNEL_STATIC_ASSERT(sizeof(struct xemem_version) == 16, "xemem version layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_make) == 104, "xemem make layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_remove) == 16, "xemem remove layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_get) == 40, "xemem get layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_release) == 16, "xemem release layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_attach) == 48, "xemem attach layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_detach) == 16, "xemem detach layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_lookup) == 80, "xemem lookup layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_segment_info) == 112, "xemem segment layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_list) == 24, "xemem list layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_stats) == 72, "xemem stats layout");
COKERNEL_STATIC_ASSERT(sizeof(struct xemem_frame_range) == 16, "xemem frame range layout");

#endif /* COKERNEL_UAPI_XEMEM_H */
