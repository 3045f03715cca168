/* 64-bit entry of the co-kernel. Until the boot protocol exists (next issue) the image only sets up a stack
 * and calls kernel_main, which halts. */
    .section .text.entry, "ax"
    .globl cokernel_entry64
    .type cokernel_entry64, @function
cokernel_entry64:
    cli
    leaq boot_stack_top(%rip), %rsp
    xorl %ebp, %ebp
    call kernel_main
1:  hlt
    jmp 1b
    .size cokernel_entry64, . - cokernel_entry64

    .section .bss
    .balign 16
boot_stack:
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
