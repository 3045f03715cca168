/* Ring 3 and the kernel stacks of threads: the context switch, a thread's first entry to ring 3, the
 * SYSCALL entry (docs/run.md, cokernel/proc/thread.cpp, cokernel/proc/sched.cpp). Per-CPU scratch
 * (proc/percpu.hpp, offsets in asm_offsets.h): the top of the running thread's kernel stack and the user's
 * %rsp during a syscall. */
#include "asm_offsets.h"
#include "frame.inc"
    .section .text

/* void switch_stacks(uint64_t* save_rsp, uint64_t next_rsp)
 * The scheduler's context switch (proc/sched.cpp): pushes the callee-saved registers on the current kernel
 * stack, stores the stack pointer at *save_rsp, loads next_rsp (a stack another switch_stacks saved, or a new
 * thread's, laid out by thread_prepare_first_switch) and pops its registers: it returns in that context. */
    .globl switch_stacks
switch_stacks:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

/* A new thread's first switch returns here, with %rsp at its user frame (the top of its kernel stack, see
 * proc/thread.cpp): the scheduler finishes the switch, then the frame is popped into ring 3. */
    .globl thread_first_entry
thread_first_entry:
    call sched_first_run
    RESTORE_FRAME_REGS
    addq $16, %rsp         /* vector, error */
    swapgs
    iretq

/* SYSCALL from ring 3 (IF, TF, DF, AC cleared by FMASK). Saves the thread's user registers as an arch::Frame
 * (descriptors.hpp) at the top of its kernel stack (Thread::user_frame), with the syscall number in the
 * vector slot, calls syscall_dispatch(Frame*), returns with SYSRET, or with IRET when syscall_dispatch says
 * so (after rt_sigreturn: SYSRET would load %rcx and %r11 with RIP and RFLAGS). */
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
    testl %eax, %eax
    jnz 1f
    RESTORE_FRAME_REGS
    addq $16, %rsp         /* vector, error */
    popq %rcx              /* RIP */
    addq $8, %rsp          /* CS */
    popq %r11              /* RFLAGS */
    popq %rsp              /* user RSP */
    swapgs
    sysretq
1:  RESTORE_FRAME_REGS
    addq $16, %rsp         /* vector, error */
    swapgs
    iretq

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
