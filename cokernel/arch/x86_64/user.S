/* Ring 3: entering a thread, the SYSCALL entry, leaving a thread back to the CPU's own loop (docs/run.md,
 * cokernel/proc/thread.cpp). Per-CPU scratch (proc/percpu.hpp, offsets in asm_offsets.h): the top of the
 * running thread's kernel stack and the user's %rsp during a syscall. */
#include "asm_offsets.h"
#include "frame.inc"
    .section .text

/* void user_enter(struct arch::Frame* frame, uint64_t* own_rsp)
 * Saves the callee-saved registers and this stack pointer at *own_rsp (user_leave comes back here), then
 * pops frame -- a thread's user registers at the top of its kernel stack -- and iretq to ring 3. */
    .globl user_enter
user_enter:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rsi)
    movq %rdi, %rsp
    RESTORE_FRAME_REGS
    addq $16, %rsp         /* vector, error */
    swapgs
    iretq

/* [[noreturn]] void user_leave(uint64_t own_rsp): back into user_enter's frame, which returns. */
    .globl user_leave
user_leave:
    movq %rdi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

/* SYSCALL from ring 3 (IF, TF, DF, AC cleared by FMASK). Saves the thread's user registers as an arch::Frame
 * (descriptors.hpp) at the top of its kernel stack (Thread::user_frame), with the syscall number in the
 * vector slot, calls syscall_dispatch(Frame*), returns with SYSRET. */
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KERNEL_RSP, %rsp
    pushq $0x2b
    pushq %gs:PERCPU_USER_RSP
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

/* The compiler may call these even in freestanding code (declared in lib/mem.hpp). */
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
