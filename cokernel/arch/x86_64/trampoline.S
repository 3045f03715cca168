/*
 * Real-mode trampoline: real -> protected -> long mode (docs/boot-protocol.md).
 *
 * The module copies this blob to a page P below 1 MiB, fills the struct cokernel_trampoline at its start and
 * sends INIT/SIPI with vector P >> 12. The CPU starts at CS:IP = (P >> 4):0, so everything here addresses the
 * blob relative to its own start; %ebx holds P once known. The boot PML4 (cr3 field) also lies below 4 GiB
 * because 32-bit code can load only 32 bits into CR3; the 64-bit stub moves to kernel_cr3 (the same tables, in
 * enclave memory) and jumps to the co-kernel's entry with %rdi = boot params, %esi = CPU index.
 */
#include <cokernel/boot.h>

#define OFF(sym) ((sym) - cokernel_trampoline)

    .section .trampoline, "ax"
    .code16
    .globl cokernel_trampoline
cokernel_trampoline:
    jmp real_start
    .balign 8
    /* struct cokernel_hdr: signature, revision, size */
    .long COKERNEL_TR_SIGNATURE
    .word COKERNEL_BOOT_REVISION
    .word cokernel_trampoline_end - cokernel_trampoline
    /* The module fills the rest of struct cokernel_trampoline. */
    .fill COKERNEL_TR_SIZE - 16, 1, 0

real_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    movl $1, OFF(cokernel_trampoline) + COKERNEL_TR_STARTED
    xorl %ebx, %ebx
    movw %cs, %bx
    shll $4, %ebx                       /* %ebx = P */
    leal OFF(tr_gdt)(%ebx), %eax
    movl %eax, OFF(tr_gdt_desc) + 2
    leal OFF(protected_start)(%ebx), %eax
    movl %eax, OFF(tr_far32)
    leal OFF(long_start)(%ebx), %eax
    movl %eax, OFF(tr_far64)
    lgdtl OFF(tr_gdt_desc)
    movl %cr0, %eax
    orl $1, %eax                        /* PE */
    movl %eax, %cr0
    ljmpl *OFF(tr_far32)

    .code32
protected_start:
    movw $0x18, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $(1 << 5), %eax                 /* PAE */
    movl %eax, %cr4
    movl COKERNEL_TR_CR3(%ebx), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx              /* EFER */
    rdmsr
    orl $(1 << 8), %eax                 /* LME */
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax               /* PG | WP | PE */
    movl %eax, %cr0
    ljmpl *OFF(tr_far64)(%ebx)

    .code64
long_start:
    movl %ebx, %ebx
    movq COKERNEL_TR_KERNEL_CR3(%rbx), %rax
    movq COKERNEL_TR_STACK_TOP(%rbx), %rsp
    movq COKERNEL_TR_BOOT_PARAMS(%rbx), %rdi
    movl COKERNEL_TR_CPU_INDEX(%rbx), %esi
    movq COKERNEL_TR_ENTRY(%rbx), %rcx
    movq %rax, %cr3
    jmpq *%rcx

    .balign 8
tr_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf9a000000ffff            /* 0x10: 32-bit code */
    .quad 0x00cf92000000ffff            /* 0x18: data */
tr_gdt_end:
tr_gdt_desc:
    .word tr_gdt_end - tr_gdt - 1
    .long 0                             /* base: filled at run time */
    .balign 4
tr_far32:
    .long 0
    .word 0x10
tr_far64:
    .long 0
    .word 0x08
    .globl cokernel_trampoline_end
cokernel_trampoline_end:

    .section .note.GNU-stack, "", @progbits
