/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Jobs: one x86-64 Linux executable (static, or dynamic with its interpreter)
 * run by the co-kernel in ring 3, with its proxy (the `cokernel run` process)
 * on Linux. See docs/run.md.
 *
 * The job space is all of the enclave's memory but the co-kernel's own first
 * COKERNEL_KERNEL_RESERVE bytes: the enclave's ranges, in order, concatenated
 * (cokernel_job_space() below; the module and the co-kernel both compute it
 * from the enclave's ranges, no shared state needed). Its first part is the
 * job's memory, mapped in the job at COKERNEL_JOB_VA_BASE + offset and in the
 * proxy at the same addresses; its last COKERNEL_JOB_CTL_SIZE bytes (inside
 * the last range) are the control area: struct cokernel_job, the delegation
 * channel, and the staging space for the executable and its arguments. The
 * co-kernel never maps the control area into the job. mmap() of an attached
 * /dev/cokernel file at offset o maps job-space offset o.
 */
#ifndef COKERNEL_UAPI_JOB_H
#define COKERNEL_UAPI_JOB_H

#include "abi.h"

#define COKERNEL_JOB_REVISION 8u       /* the rule is in abi.h */
#define COKERNEL_JOB_UTSNAME_SIZE 390u /* struct utsname: 6 fields of 65 bytes */
#define COKERNEL_JOB_NR_LIMIT 512u     /* bitmaps below cover syscalls 0..511 */
#define COKERNEL_JOB_CTL_SIZE (16ull << 20)
#define COKERNEL_KERNEL_RESERVE (32ull << 20) /* the co-kernel's: the start of the first range */
#define COKERNEL_JOB_VA_BASE 0x400000ull      /* job-space offset 0 in the job's address space */
#define COKERNEL_JOB_ALIGN (2ull << 20)
#define COKERNEL_JOB_STACK_SIZE (8ull << 20) /* the first thread's stack: the top of the job's memory */
#define COKERNEL_JOB_STACK_GAP (2ull << 20)  /* not mapped, below the stack */
/* Offsets inside the control area. */
#define COKERNEL_JOB_ARGS_OFFSET 69632ull /* argv then envp strings, each NUL-terminated */
#define COKERNEL_JOB_ARGS_SIZE 131072ull
#define COKERNEL_JOB_ELF_OFFSET (1ull << 20) /* the executable's bytes, then its interpreter's */
#define COKERNEL_JOB_ELF_MAX (COKERNEL_JOB_CTL_SIZE - COKERNEL_JOB_ELF_OFFSET) /* both together */
/* One delegation channel per job thread (struct cokernel_deleg_channel, a
 * table of COKERNEL_JOB_MAX_THREADS areas): the co-kernel sets up channel i
 * when a thread first takes slot i, then raises cokernel_job.nchannels to
 * i + 1 and notifies Linux; the proxy serves every channel below nchannels
 * whose header checks, each with its own thread. A slot a thread left is
 * reused by a later thread of the same job without being set up again. */
#define COKERNEL_JOB_MAX_THREADS 128u
#define COKERNEL_JOB_CHANNELS_OFFSET (256ull << 10)
#define COKERNEL_JOB_CHANNEL_SIZE 4096ull
#define COKERNEL_JOB_CHANNEL_SLOTS 8u

enum cokernel_job_state {
    COKERNEL_JOB_IDLE = 0,      /* no job; the proxy may fill the block */
    COKERNEL_JOB_REQUESTED = 1, /* the proxy asks for a start (then rings the doorbell: a PING) */
    COKERNEL_JOB_RUNNING = 2,   /* user_va/user_size valid */
    COKERNEL_JOB_EXITED = 3,    /* exit_status valid */
    COKERNEL_JOB_REFUSED = 4,   /* message says why; nothing ran */
};

/* At the start of the control area. Written by the proxy while IDLE, by the
 * co-kernel afterwards (except state IDLE -> REQUESTED and back, by the
 * proxy). Both sides check hdr. */
struct cokernel_job {
    struct cokernel_hdr hdr; /* COKERNEL_SIGNATURE, COKERNEL_JOB_REVISION, sizeof */
    ck_u32 state;            /* enum cokernel_job_state */
    ck_u32 seq;              /* bumped by the proxy for every request */
    /* in (proxy) */
    ck_u64 elf_size;             /* bytes at COKERNEL_JOB_ELF_OFFSET */
    ck_u32 argc, envc;           /* strings at COKERNEL_JOB_ARGS_OFFSET */
    ck_u64 args_size;            /* bytes used there */
    ck_u32 pid;                  /* what getpid/gettid return: the proxy's pid */
    ck_u32 uid, euid, gid, egid; /* for the auxiliary vector */
    ck_u32 interp_size;          /* a dynamic executable's interpreter (its PT_INTERP file):
                                  * bytes at cokernel_job_interp_offset(elf_size); 0: none */
    /* in (proxy): both clocks and the TSC read at one instant, for native time calls */
    ck_u64 tsc_base;
    ck_u64 realtime_ns;                      /* CLOCK_REALTIME at tsc_base */
    ck_u64 monotonic_ns;                     /* CLOCK_MONOTONIC at tsc_base */
    char utsname[COKERNEL_JOB_UTSNAME_SIZE]; /* Linux's uname(), for the native uname */
    ck_u8 pad1[2];
    /* in (proxy): per-job policy (--delegate, --deny), one bit per syscall number */
    ck_u8 delegate_native[COKERNEL_JOB_NR_LIMIT / 8]; /* native syscalls to delegate instead */
    ck_u8 deny[COKERNEL_JOB_NR_LIMIT / 8];            /* syscalls to refuse with -EPERM */
    /* out (co-kernel) */
    ck_u64 user_va; /* the job's memory: [user_va, user_va + user_size) */
    ck_u64 user_size;
    ck_s32 exit_status;  /* exit code 0..255, or 128 + signal */
    ck_u32 signal;       /* 0, or the signal that ended the job */
    ck_u64 native_calls; /* syscalls the co-kernel handled itself */
    ck_u64 delegated_calls;
    char message[192]; /* NUL-terminated: why a start was refused, or how the job ended */
    ck_u32 ncpus;      /* the enclave's CPUs, the job's CPUs 0..ncpus-1 (set before RUNNING) */
    ck_u32 nchannels;  /* channels set up so far (release; see COKERNEL_JOB_MAX_THREADS) */
    /* in (proxy): what execve keeps of the launcher's signal state, bit sig - 1 per signal (SIGKILL and
     * SIGSTOP are never taken): the signals it ignored (SIG_IGN) and its mask */
    ck_u64 sig_ignored;
    ck_u64 sig_blocked;
};

COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, tsc_base) == 64, "job layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, delegate_native) == 480, "job layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, user_va) == 608, "job layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, ncpus) == 840, "job layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_job, sig_ignored) == 848, "job layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_job) == 864, "job layout");
COKERNEL_STATIC_ASSERT(COKERNEL_JOB_CHANNELS_OFFSET >= COKERNEL_JOB_ARGS_OFFSET + COKERNEL_JOB_ARGS_SIZE &&
                           COKERNEL_JOB_CHANNELS_OFFSET +
                                   COKERNEL_JOB_MAX_THREADS * COKERNEL_JOB_CHANNEL_SIZE <=
                               COKERNEL_JOB_ELF_OFFSET,
                       "control area layout");

/* Where the interpreter's bytes start in the control area: after the
 * executable's, at the next page. */
static inline ck_u64 cokernel_job_interp_offset(ck_u64 elf_size) {
    return COKERNEL_JOB_ELF_OFFSET + ((elf_size + 4095) & ~4095ull);
}

/* One physically contiguous piece of the job space: job-space offsets
 * [off, off + size) are physical [phys, phys + size). */
struct cokernel_job_piece {
    ck_u64 phys;
    ck_u64 off;
    ck_u64 size;
};

/* The job space of an enclave whose memory is ranges[0..n) (as CREATE
 * returned them: sorted, block aligned): ranges[0] without its first
 * COKERNEL_KERNEL_RESERVE bytes, then every other range, in order. Fills
 * pieces[0..n) when pieces is not NULL and returns the job space's size, or
 * 0 when there is no room for a job (less than twice the control area). */
static inline ck_u64 cokernel_job_space(const struct cokernel_mem_range* ranges, ck_u32 n,
                                        struct cokernel_job_piece* pieces) {
    ck_u64 total = 0, last;
    ck_u32 i;

    if (n == 0 || ranges[0].size <= COKERNEL_KERNEL_RESERVE)
        return 0;
    last = ranges[n - 1].size - (n == 1 ? COKERNEL_KERNEL_RESERVE : 0);
    for (i = 0; i < n; i++) {
        ck_u64 skip = i == 0 ? COKERNEL_KERNEL_RESERVE : 0;

        if (pieces) {
            pieces[i].phys = ranges[i].start + skip;
            pieces[i].off = total;
            pieces[i].size = ranges[i].size - skip;
        }
        total += ranges[i].size - skip;
    }
    if (last < COKERNEL_JOB_CTL_SIZE || total < 2 * COKERNEL_JOB_CTL_SIZE)
        return 0; /* the control area lies inside the last piece */
    return total;
}

/* The job's memory of a job space of space_size bytes: all but the control area. */
static inline ck_u64 cokernel_job_memory(ck_u64 space_size) {
    return space_size - COKERNEL_JOB_CTL_SIZE;
}

/* How much of the job's memory the executable's segments may span: all of it
 * but the stack and the gap below it (the rest is brk and mmap space). The
 * co-kernel refuses a bigger executable; the launcher checks the same before
 * it creates an enclave. */
static inline ck_u64 cokernel_job_image_limit(ck_u64 space_size) {
    return cokernel_job_memory(space_size) - COKERNEL_JOB_STACK_SIZE - COKERNEL_JOB_STACK_GAP;
}

#endif /* COKERNEL_UAPI_JOB_H */
