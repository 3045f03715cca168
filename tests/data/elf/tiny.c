/* The smallest useful static executable: no C library, exits with status 42. A small, valid seed for the
 * fuzzer (built with -nostdlib, as ET_EXEC and as static-PIE). The thread-local variable is never read; it
 * only gives the file a PT_TLS segment and a writable segment, so the fuzzer's seeds reach those checks. */
__attribute__((used)) static __thread int tls_template = 7;

void _start(void) {
    __asm__ volatile("mov $60, %eax\n\tmov $42, %edi\n\tsyscall");
    for (;;) {
    }
}
