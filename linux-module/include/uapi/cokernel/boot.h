/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Boot protocol layouts shared by the Linux module (C) and the co-kernel
 * (C++, freestanding; also its real-mode trampoline, in assembly).
 * See docs/boot-protocol.md.
 *
 * Same rules as abi.h: fixed-width types, explicit padding, a struct
 * cokernel_hdr first in every blob, sizes and offsets pinned by static
 * asserts. The first part (numbers only) is also read by the assembler.
 */
#ifndef COKERNEL_UAPI_BOOT_H
#define COKERNEL_UAPI_BOOT_H

/* Revision of the layouts in this file (the hdr.revision of each blob; the
 * rule is in abi.h). */
#define COKERNEL_BOOT_REVISION 3

/* The trampoline blob sits at this offset of the image (after the image
 * header); the module copies it to a page below 1 MiB. */
#define COKERNEL_TRAMPOLINE_OFFSET 0x40
/* Offsets inside struct cokernel_trampoline, for the assembler. */
#define COKERNEL_TR_HDR 8
#define COKERNEL_TR_CR3 16
#define COKERNEL_TR_CPU_INDEX 20
#define COKERNEL_TR_KERNEL_CR3 24
#define COKERNEL_TR_ENTRY 32
#define COKERNEL_TR_STACK_TOP 40
#define COKERNEL_TR_BOOT_PARAMS 48
#define COKERNEL_TR_STARTED 56
#define COKERNEL_TR_SIZE 64
#define COKERNEL_TR_SIGNATURE 0x4e524b43 /* == COKERNEL_SIGNATURE */

/* Virtual layout of the co-kernel (boot page tables built by the module). */
#define COKERNEL_LINK_BASE 0xffffffff80000000ULL   /* image, at ranges[0].start */
#define COKERNEL_PHYSMAP_BASE 0xffff800000000000ULL /* + phys: every enclave range */
#define COKERNEL_APIC_VIRT 0xffffffffffe00000ULL    /* xAPIC MMIO (2 MiB, uncached) */
#define COKERNEL_IMAGE_WINDOW (1ULL << 30)          /* at most this much is mapped at LINK_BASE */

#ifndef __ASSEMBLER__
#include "abi.h"

#define COKERNEL_CONSOLE_DATA_SIZE 65536u /* power of two */
#define COKERNEL_BOOT_STACK_SIZE 16384u

enum cokernel_apic_mode {
	COKERNEL_APIC_XAPIC = 1,  /* MMIO at COKERNEL_APIC_VIRT, 8-bit IDs */
	COKERNEL_APIC_X2APIC = 2, /* MSRs, 32-bit IDs */
};

/*
 * Copied to the low page and patched by the module for each CPU it starts.
 * The real-mode entry is at offset 0 (the SIPI vector points at the page), so
 * the blob starts with a short jump over this header.
 */
struct cokernel_trampoline {
	ck_u8 jump[8];
	struct cokernel_hdr hdr; /* size: bytes of the whole blob (<= 4096) */
	ck_u32 cr3;              /* in: boot PML4, physical, below 4 GiB */
	ck_u32 cpu_index;        /* in: index into boot_params.cpus */
	ck_u64 kernel_cr3;       /* in: the same PML4 in enclave memory */
	ck_u64 entry;            /* in: 64-bit entry, virtual */
	ck_u64 stack_top;        /* in: this CPU's boot stack, virtual */
	ck_u64 boot_params;      /* in: struct cokernel_boot_params, virtual */
	ck_u32 started;          /* out: the CPU ran the first instruction */
	ck_u32 pad;
};

struct cokernel_boot_cpu {
	ck_u32 linux_cpu; /* Linux's CPU number (for messages) */
	ck_u32 apic_id;
};

/* Written by the module, read-only for the co-kernel. */
struct cokernel_boot_params {
	struct cokernel_hdr hdr;
	ck_s32 enclave_id;
	ck_u32 ncpus;
	ck_u32 nranges;
	ck_u32 apic_mode; /* enum cokernel_apic_mode */
	ck_u64 tsc_khz;
	ck_u64 image_phys;   /* ranges[0].start: where LINK_BASE points */
	ck_u64 image_size;
	ck_u64 free_phys;    /* ranges[0]: the module used [image_phys, free_phys) */
	ck_u64 console_phys; /* struct cokernel_console */
	ck_u64 control_phys; /* struct cokernel_control */
	ck_u64 apic_phys;    /* xAPIC MMIO base */
	ck_u32 linux_vector; /* initial value; kept current in the control block */
	ck_u32 linux_apic_id;
	struct cokernel_boot_cpu cpus[COKERNEL_MAX_ENCLAVE_CPUS];
	struct cokernel_mem_range ranges[COKERNEL_MAX_MEM_RANGES];
	char cmdline[COKERNEL_CMDLINE_MAX]; /* NUL-terminated */
};

/*
 * Console: a byte ring written by the co-kernel (one writer at a time: the
 * co-kernel serialises its CPUs), read by Linux. head counts every byte ever
 * written; byte n lives at data[n % size]. A reader copies [pos, head), then
 * reads reserve: bytes below (reserve - size) may have been overwritten while
 * it copied and are dropped.
 */
struct cokernel_console {
	struct cokernel_hdr hdr;
	ck_u32 size; /* bytes of data[], a power of two */
	ck_u32 pad;
	ck_u64 head;    /* stored (release) after the bytes of a write */
	ck_u64 reserve; /* head + length of the write under way, stored before its bytes */
	ck_u64 reserved[4];
	/* ck_u8 data[size] follows */
};

enum cokernel_ck_state {
	COKERNEL_CK_BOOTING = 0,
	COKERNEL_CK_UP = 1,      /* every CPU is up and idle */
	COKERNEL_CK_PANIC = 2,   /* it stopped itself; the console says why */
	COKERNEL_CK_STOPPED = 3, /* it obeyed COKERNEL_CMD_STOP */
};

enum cokernel_cpu_state {
	COKERNEL_CPU_OFF = 0,
	COKERNEL_CPU_ENTERED = 1, /* left the trampoline: the low page is free */
	COKERNEL_CPU_UP = 2,
	COKERNEL_CPU_HALTED = 3, /* stopped (panic or STOP) */
};

/* Commands from Linux (control block, then an IPI to the first CPU). */
enum cokernel_cmd {
	COKERNEL_CMD_NONE = 0,
	COKERNEL_CMD_PING = 1,
	COKERNEL_CMD_STOP = 2,
	COKERNEL_CMD_FAULT = 3, /* arg: enum cokernel_fault (tests) */
	COKERNEL_CMD_JOB_END = 4, /* the job's proxy is gone: end the job (module only) */
	COKERNEL_CMD_JOB_SIGNAL = 5, /* arg: a signal 1..64 for the job (module only) */
};

enum cokernel_fault {
	COKERNEL_FAULT_PANIC = 1,
	COKERNEL_FAULT_PAGE_FAULT = 2,
	COKERNEL_FAULT_DIVIDE = 3,
	COKERNEL_FAULT_HANG = 4, /* stops answering with interrupts off */
	COKERNEL_FAULT_TRIPLE = 5,
	COKERNEL_FAULT_STACK = 6, /* an unusable stack pointer: #PF cannot be delivered, #DF must catch it */
};

#define COKERNEL_IPI_VECTOR 0xf0 /* Linux -> co-kernel command doorbell */

/* How Linux's APIC driver addresses the notification IRQ (ICR bit 11). */
enum cokernel_dest_mode {
	COKERNEL_DEST_PHYSICAL = 0,
	COKERNEL_DEST_LOGICAL = 1,
};

/* Shared control block: one page in enclave memory. */
struct cokernel_control {
	struct cokernel_hdr hdr;
	ck_u32 state; /* enum cokernel_ck_state, written by the co-kernel */
	ck_u32 ncpus_up;
	ck_u32 cpu_state[COKERNEL_MAX_ENCLAVE_CPUS]; /* enum cokernel_cpu_state */
	/* Linux -> co-kernel: fill cmd/arg, then bump req_seq, then the IPI. */
	ck_u32 req_seq;
	ck_u32 cmd;
	ck_u64 arg;
	/* co-kernel -> Linux: fill result, then resp_seq = req_seq, then an IPI
	 * to linux_vector on linux_apic_id (0 vector: Linux polls). */
	ck_u32 resp_seq;
	ck_s32 result;
	ck_u32 linux_vector;
	ck_u32 linux_apic_id;   /* a physical APIC ID, or a logical destination */
	ck_u32 linux_dest_mode; /* enum cokernel_dest_mode */
	ck_u32 pad;
	ck_u64 heartbeat; /* bumped by every command the co-kernel handles */
};

/*
 * Header at offset 0 of the co-kernel image (its own linker section,
 * ".image_header"). The build fills it; the module checks it before loading.
 */
#define COKERNEL_IMAGE_ARCH_X86_64 1u
struct cokernel_image_header {
	struct cokernel_hdr hdr; /* COKERNEL_SIGNATURE, COKERNEL_BOOT_REVISION, sizeof */
	ck_u8 arch;    /* COKERNEL_IMAGE_ARCH_* */
	ck_u8 pad[7];  /* must be 0 */
	ck_u64 link_base;  /* virtual address the image is linked at */
	ck_u64 entry;      /* virtual address of the 64-bit entry point */
	ck_u64 image_size; /* bytes from link_base to the end of .bss */
};

COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_image_header) == 40, "image header layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_trampoline) == COKERNEL_TR_SIZE, "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, hdr) == COKERNEL_TR_HDR, "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, cr3) == COKERNEL_TR_CR3, "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, cpu_index) == COKERNEL_TR_CPU_INDEX,
		       "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, kernel_cr3) == COKERNEL_TR_KERNEL_CR3,
		       "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, entry) == COKERNEL_TR_ENTRY, "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, stack_top) == COKERNEL_TR_STACK_TOP,
		       "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, boot_params) == COKERNEL_TR_BOOT_PARAMS,
		       "trampoline layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_trampoline, started) == COKERNEL_TR_STARTED,
		       "trampoline layout");
COKERNEL_STATIC_ASSERT(COKERNEL_TR_SIGNATURE == COKERNEL_SIGNATURE, "trampoline signature");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_boot_cpu) == 8, "boot cpu layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_boot_params, cpus) == 88, "boot params layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_boot_params, ranges) == 600, "boot params layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_boot_params) == 1368, "boot params layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_console) == 64, "console layout");
COKERNEL_STATIC_ASSERT(offsetof(struct cokernel_control, req_seq) == 272, "control layout");
COKERNEL_STATIC_ASSERT(sizeof(struct cokernel_control) == 320, "control layout");
#endif /* __ASSEMBLER__ */

#endif /* COKERNEL_UAPI_BOOT_H */
