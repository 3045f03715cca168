/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The one C-compatible definition of every layout shared by the Linux module
 * (C), the launcher (C++) and the co-kernel (C++, freestanding): this file
 * holds the base types and the ioctls of /dev/cokernel; boot.h, job.h,
 * delegation.h and xemem.h the rest.
 *
 * Rules: fixed-width types only, explicit padding, every blob that crosses the
 * boundary starts with struct cokernel_hdr (signature, revision, size), and the
 * receiver rejects a mismatch. Sizes and offsets are pinned by static asserts
 * at the end of each file.
 *
 * Revisions: each header has exactly one revision number, carried in the
 * hdr.revision of every blob it defines; any change of a header's layouts
 * (not of its comments) bumps that number:
 *   abi.h         COKERNEL_ABI_REVISION    /dev/cokernel ioctls
 *   xemem.h       COKERNEL_XEMEM_REVISION  /dev/xemem ioctls
 *   boot.h        COKERNEL_BOOT_REVISION   module <-> co-kernel (image, boot)
 *   job.h         COKERNEL_JOB_REVISION    proxy <-> co-kernel (job control)
 *   delegation.h  COKERNEL_DELEG_REVISION  co-kernel <-> proxy (channel)
 * tests/abi/check-revisions enforces this against tests/abi/revisions.
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
/* The revision of this file's layouts (see the rule above). */
#define COKERNEL_ABI_REVISION 3u

#define COKERNEL_DEVICE "/dev/cokernel"
#define COKERNEL_PROC "/proc/cokernel"
#define COKERNEL_MAX_ENCLAVES 16u
#define COKERNEL_MAX_ENCLAVE_CPUS 64u
#define COKERNEL_MAX_MEM_RANGES 32u

struct cokernel_hdr {
	ck_u32 signature; /* COKERNEL_SIGNATURE */
	ck_u16 revision;  /* the revision of the header that defines the blob */
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
	/* Destroyed, but some CPUs or memory blocks did not go back to Linux:
	 * the module still holds them (info lists only those); DESTROY retries. */
	COKERNEL_STATE_LEFTOVER = 5,
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
	case COKERNEL_STATE_LEFTOVER:
		return "leftover";
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

/* The enclave belongs to the open file CREATE was called on: the release of
 * that file destroys it (whoever holds it, however the holder died), until
 * COKERNEL_IOC_KEEP makes it permanent. */
#define COKERNEL_CREATE_TEMPORARY (1u << 0)
#define COKERNEL_CREATE_FLAGS_ALL (COKERNEL_CREATE_TEMPORARY)

/* COKERNEL_IOC_CREATE: take the listed CPUs and mem_size bytes of the listed
 * memory away from Linux and hold them as a new enclave. The module takes
 * the CPUs offline and the memory blocks too: ranges[] are candidates, in
 * order of preference; blocks that refuse to go offline are skipped until
 * mem_size bytes are taken (mem_size 0: every candidate, all or nothing).
 * On success ranges[]/nranges say what the enclave holds. Whatever fails,
 * everything taken goes back online. Nothing is booted (COKERNEL_IOC_BOOT). */
struct cokernel_create {
	struct cokernel_hdr hdr;
	ck_u32 flags;    /* COKERNEL_CREATE_* */
	ck_u32 ncpus;    /* 1..COKERNEL_MAX_ENCLAVE_CPUS */
	ck_u32 nranges;  /* in: candidates, 1..COKERNEL_MAX_MEM_RANGES; out: taken */
	ck_s32 id;       /* out: enclave id */
	ck_u64 mem_size; /* in: bytes to take, a multiple of the block size; 0: all */
	ck_u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
};

/* COKERNEL_IOC_DESTROY: stop the co-kernel, put the CPUs and every memory
 * block back online. EBUSY while a process maps the enclave's job memory
 * (a running `cokernel run`; INFO names it). Whatever does not go back keeps
 * the enclave in state LEFTOVER (EIO); DESTROY again retries. */
struct cokernel_destroy {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 flags; /* must be 0 */
};

/* COKERNEL_IOC_KEEP: a temporary enclave (COKERNEL_CREATE_TEMPORARY) of this
 * file becomes permanent: it lives until DESTROY. Only on the file that
 * created it. */
struct cokernel_keep {
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

#define COKERNEL_INFO_TEMPORARY (1u << 0)   /* destroyed with the file that created it */
#define COKERNEL_INFO_JOB (1u << 1)         /* a proxy (cokernel run) is attached */
#define COKERNEL_INFO_ADDR_HIDDEN (1u << 2) /* ranges[].start zeroed: the caller lacks CAP_SYS_ADMIN */

/* COKERNEL_IOC_INFO: one enclave; id is in, everything else out. */
struct cokernel_info {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 state; /* enum cokernel_enclave_state */
	ck_u32 ncpus;
	ck_u32 nranges;
	ck_u32 flags;     /* COKERNEL_INFO_* */
	ck_s32 proxy_pid; /* the attached proxy's process id (caller's pid namespace), or 0 */
	ck_u32 job_maps;  /* mappings of the job memory (they keep DESTROY from running) */
	ck_u32 pad;
	ck_u32 cpus[COKERNEL_MAX_ENCLAVE_CPUS];
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
};

#define COKERNEL_IOC_MAGIC 0xCE
#define COKERNEL_IOC_VERSION _IOWR(COKERNEL_IOC_MAGIC, 0x00, struct cokernel_version)
#define COKERNEL_IOC_CREATE _IOWR(COKERNEL_IOC_MAGIC, 0x01, struct cokernel_create)
#define COKERNEL_IOC_DESTROY _IOW(COKERNEL_IOC_MAGIC, 0x02, struct cokernel_destroy)
#define COKERNEL_IOC_LIST _IOWR(COKERNEL_IOC_MAGIC, 0x03, struct cokernel_list)
#define COKERNEL_IOC_INFO _IOWR(COKERNEL_IOC_MAGIC, 0x04, struct cokernel_info)
#define COKERNEL_IOC_KEEP _IOW(COKERNEL_IOC_MAGIC, 0x05, struct cokernel_keep)

/* The boot step (docs/boot-protocol.md; the blobs it writes are in boot.h). */
#define COKERNEL_CMDLINE_MAX 256u
#define COKERNEL_BOOT_TIMEOUT_MAX_MS 60000u

/* COKERNEL_IOC_BOOT: load the co-kernel into a partitioned enclave, start
 * its CPUs, wait until it reports up. A signal ends the wait (EINTR) and
 * leaves the enclave partitioned. */
struct cokernel_boot {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 timeout_ms;  /* 0: the default (10000); at most COKERNEL_BOOT_TIMEOUT_MAX_MS */
	ck_u64 image;       /* user pointer to the ELF file's bytes */
	ck_u64 image_size;
	char cmdline[COKERNEL_CMDLINE_MAX];
};

/* COKERNEL_IOC_CONSOLE: copy console bytes [pos, head) into buf. */
struct cokernel_console_read {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 len;   /* in: bytes buf can hold; out: bytes copied */
	ck_u64 pos;   /* in: reader position; out: position after the copy */
	ck_u64 buf;   /* user pointer */
	ck_u64 lost;  /* out: bytes skipped because they were overwritten */
	ck_u32 state; /* out: enum cokernel_enclave_state */
	ck_u32 pad;
};

/* COKERNEL_IOC_COMMAND: one command to a running co-kernel (root only). */
struct cokernel_command {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 cmd;   /* enum cokernel_cmd (boot.h): PING or FAULT */
	ck_u64 arg;
	ck_u64 latency_ns; /* out: PING round trip */
	ck_s32 result;     /* out */
	ck_u32 pad;
};

#define COKERNEL_IOC_BOOT _IOW(COKERNEL_IOC_MAGIC, 0x10, struct cokernel_boot)
#define COKERNEL_IOC_CONSOLE _IOWR(COKERNEL_IOC_MAGIC, 0x11, struct cokernel_console_read)
#define COKERNEL_IOC_COMMAND _IOWR(COKERNEL_IOC_MAGIC, 0x12, struct cokernel_command)

/*
 * Jobs (docs/run.md; the control area they share is in job.h).
 *
 * COKERNEL_IOC_JOB_ATTACH binds this open file to one running enclave (root):
 * afterwards mmap() on the file maps [offset, offset + length) of its job
 * region. The binding is to that enclave, not to its id: once the enclave is
 * destroyed the file maps nothing (ENODEV), whatever enclave gets the id
 * next. It lasts as long as the open file, whatever credentials its holder
 * has later. One attachment per file.
 */
struct cokernel_job_attach {
	struct cokernel_hdr hdr;
	ck_s32 id;
	ck_u32 flags;       /* COKERNEL_JOB_ATTACH_* */
	ck_u64 region_size; /* out */
	ck_u64 ctl_offset;  /* out: region_size - COKERNEL_JOB_CTL_SIZE */
};

/* This file is the enclave's proxy: at most one per enclave (EBUSY). When it
 * is released (the proxy exits, is killed, or closes it) the module tells the
 * co-kernel to end the job it started (COKERNEL_CMD_JOB_END). */
#define COKERNEL_JOB_ATTACH_PROXY 1u
#define COKERNEL_JOB_ATTACH_FLAGS_ALL 1u

/* COKERNEL_IOC_JOB_START: the proxy set the job block's state to REQUESTED;
 * ring the co-kernel's doorbell. Once per proxy file, before JOB_SEAL;
 * without a capability check (attaching needed root, and the proxy may have
 * dropped to the user's credentials since). */
struct cokernel_job_start {
	struct cokernel_hdr hdr;
	ck_u32 flags; /* must be 0 */
	ck_u32 pad;
};

/* COKERNEL_IOC_JOB_WAIT: the proxy found its request ring empty and set the
 * ring's sleep word; sleep until the co-kernel's next notification, a signal,
 * or timeout_us. Notifications are counted: pass the count the last call
 * returned, and a notification that came since returns at once. Only on the
 * proxy's file; the one request a sealed file still takes. */
struct cokernel_job_wait {
	struct cokernel_hdr hdr;
	ck_u32 timeout_us; /* 1..1000000 */
	ck_u32 pad;
	ck_u64 count;      /* in: the count seen last; out: the count now */
};

/* COKERNEL_IOC_JOB_SEAL: the proxy has mapped what it needs. From now on the
 * file takes JOB_WAIT and nothing else (EPERM): no mmap, no other request,
 * whoever holds it. Its release still ends the job. */
struct cokernel_job_seal {
	struct cokernel_hdr hdr;
	ck_u32 flags; /* must be 0 */
	ck_u32 pad;
};

/* COKERNEL_IOC_JOB_SIGNAL: a signal Linux sent the proxy (1..64), for its job:
 * the co-kernel sends it to the job's process (si_code SI_KERNEL), whose
 * handler takes it or whose default action ends the job. Only on the proxy's
 * file, sealed or not; -ESRCH when the enclave is not running. */
struct cokernel_job_signal {
	struct cokernel_hdr hdr;
	ck_u32 signo;
	ck_u32 pad;
};

#define COKERNEL_IOC_JOB_ATTACH _IOWR(COKERNEL_IOC_MAGIC, 0x20, struct cokernel_job_attach)
#define COKERNEL_IOC_JOB_START _IOW(COKERNEL_IOC_MAGIC, 0x21, struct cokernel_job_start)
#define COKERNEL_IOC_JOB_WAIT _IOWR(COKERNEL_IOC_MAGIC, 0x22, struct cokernel_job_wait)
#define COKERNEL_IOC_JOB_SEAL _IOW(COKERNEL_IOC_MAGIC, 0x23, struct cokernel_job_seal)
#define COKERNEL_IOC_JOB_SIGNAL _IOW(COKERNEL_IOC_MAGIC, 0x24, struct cokernel_job_signal)

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
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_create, mem_size) == 24, "create layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_create, cpus) == 32, "create layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_create, ranges) == 288, "create layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_create) == 800, "create layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_destroy) == 16, "destroy layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_keep) == 16, "keep layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_list) == 80, "list layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_info, cpus) == 40, "info layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_info, ranges) == 296, "info layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_info) == 808, "info layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_boot) == 288, "boot ioctl layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_console_read) == 48, "console ioctl layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_command) == 40, "command ioctl layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_job_attach) == 32, "job attach layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_job_start) == 16, "job start layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_job_wait) == 24, "job wait layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_job_seal) == 16, "job seal layout");

#endif /* COKERNEL_UAPI_ABI_H */
