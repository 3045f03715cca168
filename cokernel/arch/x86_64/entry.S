/* 64-bit entry of the co-kernel, reached from the trampoline (trampoline.S) on every CPU with the boot page
 * tables loaded, %rsp = this CPU's boot stack, %rdi = boot params (virtual), %esi = CPU index. */
    .section .text.entry, "ax"
    .globl cokernel_entry64
    .type cokernel_entry64, @function
cokernel_entry64:
    cli
    xorl %ebp, %ebp
    andq $-16, %rsp
    call kernel_entry
1:  cli
    hlt
    jmp 1b
    .size cokernel_entry64, . - cokernel_entry64

    .section .note.GNU-stack, "", @progbits
