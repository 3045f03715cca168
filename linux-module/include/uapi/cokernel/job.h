/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Jobs: one static x86-64 Linux executable run by the co-kernel in ring 3,
 * with its proxy (the `cokernel run` process) on Linux. See docs/run.md.
 *
 * The job region is a physically contiguous part of enclave memory that both
 * the module and the co-kernel compute from the boot parameters with
 * cokernel_job_region() below (no shared state needed): the upper half of the
 * enclave's last memory range, 2 MiB aligned, at most 1 GiB. Its first
 * part is the job's memory (mapped in the job at user_va, and in the proxy at
 * the same address); its last COKERNEL_JOB_CTL_SIZE bytes are the control
 * area: struct cokernel_job, the delegation channel, and the staging space
 * for the executable and its arguments. The co-kernel never maps the control
 * area into the job.
 */
#ifndef COKERNEL_UAPI_JOB_H
#define COKERNEL_UAPI_JOB_H

#include "abi.h"

#define COKERNEL_JOB_REVISION 4u /* the rule is in abi.h */
#define COKERNEL_JOB_UTSNAME_SIZE 390u /* struct utsname: 6 fields of 65 bytes */
#define COKERNEL_JOB_NR_LIMIT 512u     /* bitmaps below cover syscalls 0..511 */
#define COKERNEL_JOB_CTL_SIZE (16ull << 20)
#define COKERNEL_JOB_REGION_MAX (1ull << 30)
#define COKERNEL_JOB_ALIGN (2ull << 20)
/* Offsets inside the control area. */
#define COKERNEL_JOB_CHANNEL_OFFSET 4096ull   /* struct cokernel_deleg_channel */
#define COKERNEL_JOB_CHANNEL_SIZE 65536ull
#define COKERNEL_JOB_ARGS_OFFSET 69632ull     /* argv then envp strings, each NUL-terminated */
#define COKERNEL_JOB_ARGS_SIZE 131072ull
#define COKERNEL_JOB_ELF_OFFSET (1ull << 20)  /* the executable's bytes */
#define COKERNEL_JOB_ELF_MAX (COKERNEL_JOB_CTL_SIZE - COKERNEL_JOB_ELF_OFFSET)
#define COKERNEL_JOB_CHANNEL_SLOTS 64u

enum cokernel_job_state {
	COKERNEL_JOB_IDLE = 0,     /* no job; the proxy may fill the block */
	COKERNEL_JOB_REQUESTED = 1, /* the proxy asks for a start (then rings the doorbell: a PING) */
	COKERNEL_JOB_RUNNING = 2,  /* user_va/user_size valid */
	COKERNEL_JOB_EXITED = 3,   /* exit_status valid */
	COKERNEL_JOB_REFUSED = 4,  /* message says why; nothing ran */
};

/* At the start of the control area. Written by the proxy while IDLE, by the
 * co-kernel afterwards (except state IDLE -> REQUESTED and back, by the
 * proxy). Both sides check hdr. */
struct cokernel_job {
	struct cokernel_hdr hdr; /* COKERNEL_SIGNATURE, COKERNEL_JOB_REVISION, sizeof */
	ck_u32 state;            /* enum cokernel_job_state */
	ck_u32 seq;              /* bumped by the proxy for every request */
	/* in (proxy) */
	ck_u64 elf_size;         /* bytes at COKERNEL_JOB_ELF_OFFSET */
	ck_u32 argc, envc;       /* strings at COKERNEL_JOB_ARGS_OFFSET */
	ck_u64 args_size;        /* bytes used there */
	ck_u32 pid;              /* what getpid/gettid return: the proxy's pid */
	ck_u32 uid, euid, gid, egid; /* for the auxiliary vector */
	ck_u32 pad0;
	/* in (proxy): both clocks and the TSC read at one instant, for native time calls */
	ck_u64 tsc_base;
	ck_u64 realtime_ns;      /* CLOCK_REALTIME at tsc_base */
	ck_u64 monotonic_ns;     /* CLOCK_MONOTONIC at tsc_base */
	char utsname[COKERNEL_JOB_UTSNAME_SIZE]; /* Linux's uname(), for the native uname */
	ck_u8 pad1[2];
	/* in (proxy): per-job policy (--delegate, --deny), one bit per syscall number */
	ck_u8 delegate_native[COKERNEL_JOB_NR_LIMIT / 8]; /* native syscalls to delegate instead */
	ck_u8 deny[COKERNEL_JOB_NR_LIMIT / 8];            /* syscalls to refuse with -EPERM */
	/* out (co-kernel) */
	ck_u64 user_va;          /* the job's memory: [user_va, user_va + user_size) */
	ck_u64 user_size;
	ck_s32 exit_status;      /* exit code 0..255, or 128 + signal */
	ck_u32 signal;           /* 0, or the signal that ended the job */
	ck_u64 native_calls;     /* syscalls the co-kernel handled itself */
	ck_u64 delegated_calls;
	char message[192];       /* NUL-terminated: why a start was refused, or how the job ended */
};

COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, tsc_base) == 64, "job layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, delegate_native) == 480, "job layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, user_va) == 608, "job layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_job) == 840, "job layout");

/* The job region of an enclave whose last memory range is [start, start +
 * size): the upper half, 2 MiB aligned, at most COKERNEL_JOB_REGION_MAX.
 * Returns 0 when the range is too small for one. */
static inline ck_u64 cokernel_job_region(ck_u64 last_start, ck_u64 last_size, ck_u64 *size_out)
{
	ck_u64 size = (last_size / 2) & ~(COKERNEL_JOB_ALIGN - 1);

	if (size > COKERNEL_JOB_REGION_MAX)
		size = COKERNEL_JOB_REGION_MAX;
	if (size < 2 * COKERNEL_JOB_CTL_SIZE)
		return 0;
	*size_out = size;
	return (last_start + last_size - size) & ~(COKERNEL_JOB_ALIGN - 1);
}

/* How much of a job region of region_size bytes the executable's segments may span: half of the job's
 * memory (the other half is brk and mmap space). The co-kernel refuses a bigger executable; the launcher
 * checks the same before it creates an enclave. */
static inline ck_u64 cokernel_job_image_limit(ck_u64 region_size)
{
	return (region_size - COKERNEL_JOB_CTL_SIZE) / 2;
}

#endif /* COKERNEL_UAPI_JOB_H */
