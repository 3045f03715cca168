/* Interrupt and exception entry stubs: each pushes (error code or 0, vector) and jumps to isr_common, which
 * saves the general registers as a struct arch::Frame (descriptors.hpp) and calls isr_dispatch(Frame*).
 * From ring 3 (a job) it swaps to the kernel's %gs on the way in and back on the way out. */
#include "frame.inc"
    .section .text
    .macro STUB vector, has_error
    .globl isr_stub_\vector
isr_stub_\vector:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp isr_common
    .endm

    .irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    STUB \v, 0
    .endr
    .irp v, 8,10,11,12,13,14,17,21,29,30
    STUB \v, 1
    .endr
    /* Every interrupt vector has a stub: Linux's "all but self" IPI broadcasts reach enclave CPUs too. */
    .altmacro
    .set vec, 32
    .rept 224
    STUB %vec, 0
    .set vec, vec + 1
    .endr

isr_common:
    testb $3, 24(%rsp)     /* from ring 3 (a job): switch to the kernel's %gs */
    jz 1f
    swapgs
1:
    SAVE_FRAME_REGS
    CALL_WITH_FRAME isr_dispatch
    RESTORE_FRAME_REGS
    addq $16, %rsp
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:
    iretq

    .section .rodata
    .balign 8
    .globl isr_stub_table
isr_stub_table:
    .macro TABLE_ENTRY vector
    .quad isr_stub_\vector
    .endm
    .set vec, 0
    .rept 256
    TABLE_ENTRY %vec
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
