/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The one C-compatible definition of every layout shared by the Linux module
 * (C), the launcher (C++) and the co-kernel (C++, freestanding).
 *
 * Rules: fixed-width types only, explicit padding, every blob that crosses the
 * boundary starts with struct cokernel_hdr (signature, revision, size), and the
 * receiver rejects a mismatch. Sizes and offsets are pinned by static asserts
 * at the end of this file.
 */
#ifndef COKERNEL_UAPI_ABI_H
#define COKERNEL_UAPI_ABI_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/stddef.h>
#include <linux/types.h>
typedef __u8 ck_u8;
typedef __u16 ck_u16;
typedef __u32 ck_u32;
typedef __s32 ck_s32;
typedef __u64 ck_u64;
#else
#include <stdint.h>
#ifndef COKERNEL_FREESTANDING
#include <sys/ioctl.h>
#endif
typedef uint8_t ck_u8;
typedef uint16_t ck_u16;
typedef uint32_t ck_u32;
typedef int32_t ck_s32;
typedef uint64_t ck_u64;
#endif

/* "CKRN" little-endian: first four bytes of every shared blob. */
#define COKERNEL_SIGNATURE 0x4e524b43u
/* Bumped on every incompatible change of any layout in this file. */
#define COKERNEL_ABI_REVISION 1u

#define COKERNEL_DEVICE "/dev/cokernel"
#define COKERNEL_PROC "/proc/cokernel"
#define COKERNEL_MAX_ENCLAVES 16u
#define COKERNEL_MAX_ENCLAVE_CPUS 64u
#define COKERNEL_MAX_MEM_RANGES 32u

struct cokernel_hdr {
	ck_u32 signature; /* COKERNEL_SIGNATURE */
	ck_u16 revision;  /* COKERNEL_ABI_REVISION */
	ck_u16 size;      /* sizeof the whole structure */
};

/* A physical memory range in bytes; start and size are multiples of the
 * memory block size reported by COKERNEL_IOC_VERSION. */
struct cokernel_mem_range {
	ck_u64 start;
	ck_u64 size;
};

enum cokernel_enclave_state {
	COKERNEL_STATE_PARTITIONED = 1, /* resources held, nothing booted */
	COKERNEL_STATE_BOOTING = 2,
	COKERNEL_STATE_RUNNING = 3,
	COKERNEL_STATE_FAILED = 4,
};

/* The name users see for a state (cokernel list, /proc/cokernel, module messages). */
static inline const char *cokernel_state_name(ck_u32 state)
{
	switch (state) {
	case COKERNEL_STATE_PARTITIONED:
		return "partitioned";
	case COKERNEL_STATE_BOOTING:
		return "booting";
	case COKERNEL_STATE_RUNNING:
		return "running";
	case COKERNEL_STATE_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

/* COKERNEL_IOC_VERSION: the module describes itself (out only, but the
 * header is checked). */
struct cokernel_version {
	struct cokernel_hdr hdr;
	ck_u32 abi_revision;     /* out */
	ck_u32 max_enclaves;     /* out */
	ck_u32 max_enclave_cpus; /* out */
	ck_u32 max_mem_ranges;   /* out */
	ck_u64 block_size;       /* out: memory block size in bytes */
};

#define COKERNEL_CREATE_NO_BOOT (1u << 0)
#define COKERNEL_CREATE_FLAGS_ALL (COKERNEL_CREATE_NO_BOOT)

/* COKERNEL_IOC_CREATE: take the listed CPUs offline (the module does it) and
 * claim the listed memory ranges (user space offlined them through sysfs; the
 * module checks that every page is offline RAM). All or nothing. */
struct cokernel_create {
	struct cokernel_hdr hdr;
	ck_u32 flags;  /* COKERNEL_CREATE_* */
	ck_u32 ncpus;  /* 1..COKERNEL_MAX_ENCLAVE_CPUS */
	ck_u32 nranges; /* 1..COKERNEL_MAX_MEM_RANGES */
	ck_s32 id;     /* out: enclave id */
	ck_u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
};

/* COKERNEL_IOC_DESTROY: CPUs go back online (the module does it); the memory
 * ranges are released, user space onlines them afterwards. */
struct cokernel_destroy {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 flags; /* must be 0 */
};

/* COKERNEL_IOC_LIST: ids of all enclaves. */
struct cokernel_list {
	struct cokernel_hdr hdr;
	ck_u32 count; /* out */
	ck_u32 pad;   /* must be 0 */
	ck_s32 ids[COKERNEL_MAX_ENCLAVES];
};

/* COKERNEL_IOC_INFO: one enclave; id is in, everything else out. */
struct cokernel_info {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 state; /* enum cokernel_enclave_state */
	ck_u32 ncpus;
	ck_u32 nranges;
	ck_u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
};

#define COKERNEL_IOC_MAGIC 0xCE
#define COKERNEL_IOC_VERSION _IOWR(COKERNEL_IOC_MAGIC, 0x00, struct cokernel_version)
#define COKERNEL_IOC_CREATE _IOWR(COKERNEL_IOC_MAGIC, 0x01, struct cokernel_create)
#define COKERNEL_IOC_DESTROY _IOW(COKERNEL_IOC_MAGIC, 0x02, struct cokernel_destroy)
#define COKERNEL_IOC_LIST _IOWR(COKERNEL_IOC_MAGIC, 0x03, struct cokernel_list)
#define COKERNEL_IOC_INFO _IOWR(COKERNEL_IOC_MAGIC, 0x04, struct cokernel_info)

/*
 * Header at offset 0 of the co-kernel image (its own linker section,
 * ".image_header"). The build fills it; the module checks it before loading.
 */
#define COKERNEL_IMAGE_ARCH_X86_64 1u
struct cokernel_image_header {
	struct cokernel_hdr hdr;
	ck_u8 arch;    /* COKERNEL_IMAGE_ARCH_* */
	ck_u8 pad[7];  /* must be 0 */
	ck_u64 link_base;  /* virtual address the image is linked at */
	ck_u64 entry;      /* virtual address of the 64-bit entry point */
	ck_u64 image_size; /* bytes from link_base to the end of .bss */
};

#if defined(__cplusplus)
#define COKERNEL_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define COKERNEL_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
#ifndef __KERNEL__
#include <stddef.h>
#endif

COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_hdr) == 8, "hdr layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_mem_range) == 16, "mem_range layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_version) == 32, "version layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_create, cpus) == 24, "create layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_create, ranges) == 280, "create layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_create) == 792, "create layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_destroy) == 16, "destroy layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_list) == 80, "list layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_info, ranges) == 280, "info layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_info) == 792, "info layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_image_header) == 40, "image header layout");

#endif /* COKERNEL_UAPI_ABI_H */
