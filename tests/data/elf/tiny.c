/* The smallest useful static executable: no C library, exits with status 42. A small, valid seed for the
 * fuzzer (built with -nostdlib, as ET_EXEC and as static-PIE). */
void _start(void) {
    __asm__ volatile("mov $60, %eax\n\tmov $42, %edi\n\tsyscall");
    for (;;) {
    }
}
