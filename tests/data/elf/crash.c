/* A static executable that faults in ring 3 on purpose: a write to an unmapped address (page 0, which a job
 * never maps). No C library. tests/qemu/test_run.sh runs it as a job: it must end with status 139 (128 +
 * SIGSEGV) and leave the enclave usable. */
void _start(void) {
    __asm__ volatile("movl $1, 16" ::: "memory");
    for (;;) {
    }
}
