/* Ring 3: entering a job, the SYSCALL entry, leaving a job back to the kernel (docs/run.md).
 * Per-CPU scratch at %gs:8 (kernel stack for syscalls) and %gs:16 (the user's %rsp during a syscall). */
#include "frame.inc"
    .section .text

/* uint64_t user_enter(uint64_t rip, uint64_t rsp, uint64_t* saved_rsp, uint64_t* tss_rsp0)
 * Saves the callee-saved registers and this stack pointer (user_leave comes back here), then iretq to ring 3
 * with every general register zeroed. Returns user_leave's status. */
    .globl user_enter
user_enter:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdx)
    movq %rsp, (%rcx)
    movq %rsp, %gs:8
    pushq $0x2b            /* user SS */
    pushq %rsi             /* user RSP */
    pushq $0x202           /* RFLAGS: IF */
    pushq $0x33            /* user CS */
    pushq %rdi             /* RIP */
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    swapgs
    iretq

/* [[noreturn]] void user_leave(uint64_t saved_rsp, uint64_t status): back into user_enter's frame. */
    .globl user_leave
user_leave:
    movq %rdi, %rsp
    movq %rsi, %rax
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

/* SYSCALL from ring 3 (IF, TF, DF, AC cleared by FMASK). Builds an arch::Frame (descriptors.hpp) with the
 * syscall number in the vector slot, calls syscall_dispatch(Frame*), returns with SYSRET. */
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:16
    movq %gs:8, %rsp
    pushq $0x2b
    pushq %gs:16
    pushq %r11
    pushq $0x33
    pushq %rcx
    pushq $0
    pushq %rax
    SAVE_FRAME_REGS
    CALL_WITH_FRAME syscall_dispatch
    RESTORE_FRAME_REGS
    addq $16, %rsp         /* vector, error */
    popq %rcx              /* RIP */
    addq $8, %rsp          /* CS */
    popq %r11              /* RFLAGS */
    popq %rsp              /* user RSP */
    swapgs
    sysretq

/* The compiler may call these even in freestanding code. */
    .globl memcpy
memcpy:
    movq %rdi, %rax
    movq %rdx, %rcx
    rep movsb
    ret

    .globl memset
memset:
    movq %rdi, %r9
    movl %esi, %eax
    movq %rdx, %rcx
    rep stosb
    movq %r9, %rax
    ret

    .section .note.GNU-stack, "", @progbits
